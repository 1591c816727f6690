import { describe, expect, it } from 'vitest';
import {
  CALLBACK_STATUS,
  auditActionLabel,
  auditFieldLabel,
  errcodeHint,
  eventTypeLabel,
  queueLabel,
  syncPercent,
  unrecognizedReasonLabel,
} from './labels';
import { opsTab } from './tabs';

describe('labels', () => {
  it("uses WeCom's names for its events and says when one is unknown", () => {
    expect(eventTypeLabel('change_external_contact/add_external_contact')).toBe('添加企业客户');
    expect(eventTypeLabel('text')).toBe('应用消息（文本）');
    expect(eventTypeLabel('some_future_event')).toBe('其他事件（some_future_event）');
  });

  it('names messages that could not be read, and why', () => {
    expect(CALLBACK_STATUS.unrecognized.label).toBe('无法识别');
    expect(eventTypeLabel('unrecognized')).toBe('无法识别的消息');
    expect(unrecognizedReasonLabel('missing_element:FromUserName')).toBe('缺少 FromUserName 字段');
    expect(unrecognizedReasonLabel('json')).toBe('JSON 格式消息（暂不支持）');
    expect(unrecognizedReasonLabel('empty')).toBe('消息内容为空');
    expect(unrecognizedReasonLabel('something_new')).toBe('something_new');
    expect(unrecognizedReasonLabel(null)).toBe('无法识别');
  });

  it('names queues, audit actions and fields, and shows unknown codes as they are', () => {
    expect(queueLabel('sends')).toBe('群发任务');
    expect(queueLabel('other')).toBe('other');
    expect(auditActionLabel('config.update')).toBe('修改企业微信配置');
    expect(auditActionLabel('x.y')).toBe('x.y');
    expect(auditFieldLabel('corp_secret')).toBe('Secret');
    expect(auditFieldLabel('zzz')).toBe('zzz');
  });
});

describe('sync progress', () => {
  const run = (phase: 'prepare' | 'customers' | 'end_missing' | 'finished', staff = 0, batch_index = 0) => ({
    status: 'running' as const,
    phase,
    staff: Array.from({ length: staff }, (_, i) => `u${i}`),
    batch_index,
  });

  it('moves through the phases', () => {
    expect(syncPercent(run('prepare'))).toBe(5);
    expect(syncPercent(run('customers', 3, 0))).toBe(10);
    expect(syncPercent(run('end_missing', 3, 1))).toBe(90);
    expect(syncPercent({ ...run('finished'), status: 'done' })).toBe(100);
  });

  it('counts member batches of 100 within the customers phase', () => {
    expect(syncPercent(run('customers', 250, 1))).toBe(35);
    expect(syncPercent(run('customers', 250, 2))).toBe(60);
    expect(syncPercent(run('customers', 250, 9))).toBe(85);
  });
});

describe('tab in the URL', () => {
  it('opens the named tab, the event log otherwise', () => {
    expect(opsTab('dead-letters')).toBe('dead-letters');
    expect(opsTab('audit')).toBe('audit');
    expect(opsTab(null)).toBe('events');
    expect(opsTab('nope')).toBe('events');
  });
});

describe('errcode hints', () => {
  it('explains the errcode an error names', () => {
    expect(errcodeHint('wecom errcode 40001: invalid credential, hint: [x]')).toMatch(/Secret/);
    expect(errcodeHint('wecom errcode 60020: not allow to access from your ip')).toMatch(/企业可信IP/);
    expect(errcodeHint('wecom errcode -1: system busy')).toMatch(/繁忙/);
  });

  it('says nothing when it has nothing to add', () => {
    expect(errcodeHint('stored event does not parse')).toBeNull();
    expect(errcodeHint('wecom errcode 99999: ?')).toBeNull();
    expect(errcodeHint(null)).toBeNull();
  });
});
