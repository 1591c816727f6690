import { describe, expect, it } from 'vitest';
import { eventAsPrettyJson, eventXmlToJson, indentXml, prettyBody } from './raw-event';

const ADD =
  '<xml><ToUserName><![CDATA[ww_sim_corp_yanmei]]></ToUserName><FromUserName><![CDATA[sys]]></FromUserName>' +
  '<CreateTime>1795850000</CreateTime><MsgType><![CDATA[event]]></MsgType><Event><![CDATA[change_external_contact]]></Event>' +
  '<ChangeType><![CDATA[add_external_contact]]></ChangeType><UserID><![CDATA[zhangsan]]></UserID>' +
  '<ExternalUserID><![CDATA[wmABC]]></ExternalUserID><State><![CDATA[douyin]]></State></xml>';

describe('a logged event as JSON', () => {
  it('gives each element its text, CDATA unwrapped', () => {
    expect(eventXmlToJson(ADD)).toEqual({
      ToUserName: 'ww_sim_corp_yanmei',
      FromUserName: 'sys',
      CreateTime: '1795850000',
      MsgType: 'event',
      Event: 'change_external_contact',
      ChangeType: 'add_external_contact',
      UserID: 'zhangsan',
      ExternalUserID: 'wmABC',
      State: 'douyin',
    });
  });

  it('keeps repeated elements as arrays and nested ones as objects', () => {
    const xml = '<xml><TagType>tag</TagType><Tag><Id>a</Id></Tag><Tag><Id>b</Id></Tag><Note>说明 &amp; 备注</Note></xml>';
    expect(eventXmlToJson(xml)).toEqual({ TagType: 'tag', Tag: [{ Id: 'a' }, { Id: 'b' }], Note: '说明 & 备注' });
  });

  it('pretty-prints it, or shows text that is not XML as it is', () => {
    expect(eventAsPrettyJson('<xml><A>1</A></xml>')).toBe('{\n  "A": "1"\n}');
    expect(eventAsPrettyJson('not xml <')).toBe('not xml <');
  });
});

describe('indented XML', () => {
  it('puts each element on its own line, text and CDATA untouched', () => {
    expect(indentXml('<xml><A><![CDATA[a  b]]></A><B>2</B><C><D>x</D></C><E/></xml>')).toBe(
      ['<xml>', '  <A><![CDATA[a  b]]></A>', '  <B>2</B>', '  <C>', '    <D>x</D>', '  </C>', '  <E/>', '</xml>'].join('\n'),
    );
  });

  it('lays out a whole WeCom event', () => {
    const lines = indentXml(ADD).split('\n');
    expect(lines[0]).toBe('<xml>');
    expect(lines).toContain('  <State><![CDATA[douyin]]></State>');
    expect(lines.at(-1)).toBe('</xml>');
    expect(lines.join('').replace(/\s+</g, '<')).toBe(ADD);
  });
});

describe('dead letter bodies', () => {
  it('pretty-prints JSON and keeps text', () => {
    expect(prettyBody({ kind: 'chunk', campaign_id: 42 })).toBe('{\n  "kind": "chunk",\n  "campaign_id": 42\n}');
    expect(prettyBody('garbage')).toBe('garbage');
  });
});
