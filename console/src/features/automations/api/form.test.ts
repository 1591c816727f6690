import { describe, expect, it } from 'vitest';
import type { AutomationRule } from './automations';
import {
  emptyRuleForm,
  fromRule,
  kindText,
  placeholdersOf,
  ruleFieldOf,
  toAutomationPatch,
  toNewAutomation,
  type AutomationFormValues,
} from './form';

const values = (over: Partial<AutomationFormValues>): AutomationFormValues => ({ ...emptyRuleForm(), ...over });

const rule = (over: Partial<AutomationRule>): AutomationRule => ({
  id: 'r1',
  name: '生日祝福',
  kind: { type: 'birthday', days_ahead: 7, coupon: '9 折券' },
  text: '{name}，生日快乐！',
  attachments: [],
  enabled: true,
  sender_policy: { type: 'own_consultant' },
  created_by: 'admin',
  created_at_ms: 1,
  updated_at_ms: 1,
  ...over,
});

describe('a new rule', () => {
  it('a birthday rule 7 days ahead with its coupon, the scenario of the specification', () => {
    const body = toNewAutomation(
      values({
        name: ' 生日祝福 ',
        type: 'birthday',
        days: 7,
        coupon: ' 任意项目 9 折 ',
        content: { text: '亲爱的{name}，生日快乐！{coupon}，有效期至{valid_until}。', attachments: [] },
      }),
    );
    expect(body).toEqual({
      name: '生日祝福',
      kind: { type: 'birthday', days_ahead: 7, coupon: '任意项目 9 折' },
      text: '亲爱的{name}，生日快乐！{coupon}，有效期至{valid_until}。',
      attachments: [],
      enabled: true,
      sender_policy: { type: 'own_consultant' },
    });
  });

  it('after a visit and re-engagement carry their own day field and no coupon', () => {
    expect(toNewAutomation(values({ name: 'a', type: 'after_visit', days: 3, coupon: 'x' })).kind).toEqual({
      type: 'after_visit',
      days_after: 3,
    });
    expect(toNewAutomation(values({ name: 'a', type: 're_engagement', days: 90 })).kind).toEqual({
      type: 're_engagement',
      days_without_purchase: 90,
    });
  });

  it('a fixed sender names the member; the others do not', () => {
    expect(toNewAutomation(values({ name: 'a', sender: 'fixed', sender_userid: 'zhangsan' })).sender_policy).toEqual({
      type: 'fixed',
      userid: 'zhangsan',
    });
    expect(toNewAutomation(values({ name: 'a', sender: 'most_recent', sender_userid: 'zhangsan' })).sender_policy).toEqual({
      type: 'most_recent',
    });
  });

  it('sends the attachments as the API takes them', () => {
    const body = toNewAutomation(
      values({
        name: 'a',
        content: {
          text: '您好',
          attachments: [{ msgtype: 'link', title: ' 预约 ', url: 'https://yanmei.example/b', desc: '', picurl: null }],
        },
      }),
    );
    expect(body.attachments).toEqual([{ msgtype: 'link', title: '预约', url: 'https://yanmei.example/b' }]);
  });

  it('offers {coupon} only to birthday rules', () => {
    expect(placeholdersOf('birthday')).toContain('coupon');
    expect(placeholdersOf('after_visit')).not.toContain('coupon');
  });

  it('describes a rule in words', () => {
    expect(kindText({ type: 'birthday', days_ahead: 7 })).toBe('生日前 7 天');
    expect(kindText({ type: 'birthday', days_ahead: 0 })).toBe('生日当天');
    expect(kindText({ type: 're_engagement', days_without_purchase: 30 })).toBe('最近一次消费后 30 天未再消费');
  });
});

describe('editing a rule', () => {
  it('a stored rule through the form has nothing to save', () => {
    const stored = rule({
      attachments: [{ msgtype: 'link', url: 'https://x', title: 't', desc: null, picurl: null, pic_media: null }],
      sender_policy: { type: 'fixed', userid: 'lisi' },
    });
    expect(toAutomationPatch(fromRule(stored), stored)).toEqual({});
    const noCoupon = rule({ kind: { type: 'birthday', days_ahead: 3 } });
    expect(toAutomationPatch(fromRule(noCoupon), noCoupon)).toEqual({});
    const visit = rule({ kind: { type: 'after_visit', days_after: 2 } });
    expect(toAutomationPatch(fromRule(visit), visit)).toEqual({});
  });

  it('sends what changed, the text always with its attachments', () => {
    const stored = rule({});
    const patch = toAutomationPatch({ ...fromRule(stored), days: 3, content: { text: '新的祝福', attachments: [] } }, stored);
    expect(patch).toEqual({
      kind: { type: 'birthday', days_ahead: 3, coupon: '9 折券' },
      text: '新的祝福',
      attachments: [],
    });
  });

  it('enables and disables', () => {
    const stored = rule({ enabled: true });
    expect(toAutomationPatch({ ...fromRule(stored), enabled: false }, stored)).toEqual({ enabled: false });
  });
});

describe('API errors on the form', () => {
  it('maps the fields the API names', () => {
    const v = values({ content: { text: 'x', attachments: [{ msgtype: 'link', title: '', url: 'https://x' }] } });
    expect(ruleFieldOf('name', v)).toEqual(['name']);
    expect(ruleFieldOf('kind', v)).toEqual(['days']);
    expect(ruleFieldOf('sender_policy.userid', v)).toEqual(['sender_userid']);
    expect(ruleFieldOf('content.text', v)).toEqual(['content', 'text']);
    expect(ruleFieldOf('content.attachments.title', v)).toEqual(['content', 'attachments', 0, 'title']);
  });
});
