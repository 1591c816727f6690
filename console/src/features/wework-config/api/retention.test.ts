import { describe, expect, it } from 'vitest';
import { periodProblem, retentionBody, type RetentionPeriod } from './retention';

const period = (over: Partial<RetentionPeriod>): RetentionPeriod => ({
  field: 'click_days',
  label: '链接点击记录',
  days: 180,
  source: 'default',
  deployment_days: 180,
  env_var: 'RETENTION_CLICK_DAYS',
  min_days: 30,
  max_days: 3650,
  zero_keeps: true,
  ...over,
});

describe('retention periods in the form', () => {
  it('says what the API would refuse, as the admin types', () => {
    const clicks = period({});
    expect(periodProblem(clicks, 29)).toBe('链接点击记录的保留天数不能少于 30 天（填 0 表示一直保留，直到客户被删除）');
    expect(periodProblem(clicks, 0)).toBeNull();
    expect(periodProblem(clicks, 30)).toBeNull();
    expect(periodProblem(clicks, 3651)).toBe('链接点击记录的保留天数不能超过 3650 天');
    expect(periodProblem(clicks, null)).toBe('请填写链接点击记录的保留天数');
    const audit = period({ field: 'audit_days', label: '操作审计', min_days: 180, zero_keeps: false });
    expect(periodProblem(audit, 0)).toBe('操作审计的保留天数不能少于 180 天');
  });

  it('sends only the periods the console sets, leaving the others to the deployment', () => {
    const periods = [
      period({}),
      period({ field: 'recipient_days', days: 60, source: 'console', deployment_days: 365 }),
      period({ field: 'audit_days', days: 1095, deployment_days: 1095, min_days: 180, zero_keeps: false }),
    ];
    expect(retentionBody(periods, { click_days: 90, recipient_days: 60, audit_days: 1095 })).toEqual({
      click_days: 90,
      recipient_days: 60,
    });
  });
});
