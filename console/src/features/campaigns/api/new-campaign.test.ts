import { describe, expect, it } from 'vitest';
import { dayjs } from '@/lib/format';
import { defaultAudience } from './audience';
import { failReasonLabel, skipReasonLabel } from './labels';
import { campaignBody, defaultValues, formFieldOf, previewBody, type NewCampaignValues } from './new-campaign';
import { breakdownRows, funnelSteps } from './funnel';
import type { Funnel, Stage } from './campaigns';

const values: NewCampaignValues = {
  ...defaultValues(),
  name: '  双十二焕新季 ',
  audience: { ...defaultAudience(), mode: 'filter', filter: { gender: 2, tiers: ['A', 'B'], no_purchase_days: 30 } },
  content: {
    text: '双十二焕新季限时优惠',
    attachments: [{ msgtype: 'link', title: '双十二焕新季', url: 'https://yanmei.example/book', desc: '' }],
  },
  send_mode: 'later',
  send_at: dayjs('2026-12-10T10:00'),
};

describe('the create request', () => {
  it('carries the name, audience, content, sender, conversion window and Beijing send time', () => {
    const body = campaignBody(values);
    expect(body.name).toBe('双十二焕新季');
    expect(body.audience.type).toBe('filter');
    expect(body.content).toEqual({
      text: '双十二焕新季限时优惠',
      attachments: [{ msgtype: 'link', title: '双十二焕新季', url: 'https://yanmei.example/book' }],
    });
    expect(body.send_at).toBe('2026-12-10T10:00');
    expect(body.sender_policy).toEqual({ type: 'own_consultant' });
    expect(body.booked_within_days).toBe(7);
  });

  it('has no send time when sending now, and a fixed sender when one is chosen', () => {
    const body = campaignBody({ ...values, send_mode: 'now', sender: { type: 'fixed', userid: 'zhangsan' } });
    expect(body.send_at).toBeUndefined();
    expect(body.sender_policy).toEqual({ type: 'fixed', userid: 'zhangsan' });
  });

  it('dry-runs the audience before the message is written', () => {
    const body = previewBody({ ...values, content: { text: '' } } as NewCampaignValues);
    expect(body.content).toEqual({ text: '预览', attachments: [] });
    expect(body.audience).toEqual(campaignBody(values).audience);
  });
});

describe('API errors on the form', () => {
  it('puts each field the API names on the control that edits it', () => {
    expect(formFieldOf('name', values)).toEqual(['name']);
    expect(formFieldOf('audience.filter.tiers', values)).toEqual(['audience', 'filter', 'tiers']);
    expect(formFieldOf('audience.filter.added_to', values)).toEqual(['audience', 'filter', 'added']);
    expect(formFieldOf('audience.external_userids', { ...values, audience: { mode: 'one' } })).toEqual(['audience', 'one']);
    expect(formFieldOf('audience.groups', values)).toEqual(['audience', 'tag_groups', 0]);
    expect(formFieldOf('content.attachments.url', values)).toEqual(['content', 'attachments', 0, 'url']);
    expect(formFieldOf('send_at', values)).toEqual(['send_at']);
    expect(formFieldOf('send_at', { ...values, send_mode: 'now' })).toBeNull();
    expect(formFieldOf('sender_policy.userid', { ...values, sender: { type: 'fixed' } })).toEqual(['sender', 'userid']);
  });
});

describe('reasons in Chinese', () => {
  it('translates every skip reason the API gives', () => {
    for (const reason of ['duplicate', 'relationship_ended', 'no_sender', 'no_consent', 'wecom_quota', 'clinic_cap', 'unknown_customer']) {
      expect(skipReasonLabel(reason)).toMatch(/[\u4e00-\u9fff]/);
    }
    expect(skipReasonLabel('something_new')).toBe('something_new');
  });

  it('translates failures, with WeCom errcodes', () => {
    expect(failReasonLabel('wecom_fail_list')).toMatch(/企业微信未能发送/);
    expect(failReasonLabel('wecom_errcode_41048')).toBe('企业微信拒绝创建群发任务（错误码 41048）');
    expect(failReasonLabel('not_sent_by_staff')).toMatch(/跟进成员没有确认发送/);
  });
});

const stage = (targeted: number, sent: number, booked: number): Stage => ({
  targeted,
  skipped: 0,
  task_created: sent,
  awaiting_staff: 0,
  sent,
  not_friend: 0,
  over_quota: 0,
  failed: 0,
  cancelled: 0,
  booked,
});

describe('the funnel', () => {
  it('lists the stages in order with the API numbers', () => {
    const funnel: Funnel = {
      ...stage(200, 120, 21),
      skipped: 15,
      task_created: 183,
      skipped_by_reason: {},
      failed_by_reason: {},
      clicks: 2,
      clicks_attributed: 0,
      booked_within_days: 7,
      by_tier: {},
      by_channel: {},
    };
    expect(funnelSteps(funnel).map((s) => `${s.label} ${s.value}`)).toEqual([
      '目标客户 200',
      '已跳过 15',
      '已创建任务 183',
      '成员已发送 120',
      '已点击 2',
      '已预约 21',
    ]);
  });

  it('breaks down by tier with rates, unknown last', () => {
    const rows = breakdownRows({ unknown: stage(5, 0, 0), B: stage(100, 50, 5), A: stage(100, 80, 16) }, (k) =>
      k === 'unknown' ? '未分层' : `${k} 级`,
    );
    expect(rows.map((r) => [r.label, r.sentRate, r.bookedRate])).toEqual([
      ['A 级', '80.0%', '20.0%'],
      ['B 级', '50.0%', '10.0%'],
      ['未分层', '0.0%', '—'],
    ]);
  });
});
