import { describe, expect, it } from 'vitest';
import { errcodeReason, progressPercent } from './labels';

const counts = { pending: 0, waiting: 0, accepted: 0, refused: 0, over_limit: 0, failed: 0, rejected_by_rule: 0 };

describe('handover labels', () => {
  it('counts final results as progress', () => {
    expect(progressPercent({ total: 4, counts: { ...counts, waiting: 3, accepted: 1 } })).toBe(25);
    expect(progressPercent({ total: 4, counts: { ...counts, accepted: 2, refused: 2 } })).toBe(100);
    expect(progressPercent({ total: 3, counts: { ...counts, pending: 1, waiting: 1, failed: 1 } })).toBe(33);
  });

  it('explains WeCom refusals in Chinese', () => {
    expect(errcodeReason(40128)).toBe('该客户 90 天内已被转接两次');
    expect(errcodeReason(12345)).toBe('企业微信错误码 12345');
    expect(errcodeReason(null)).toBeNull();
  });
});
