import { describe, expect, it } from 'vitest';
import { remarkMobilesProblem, validRemarkMobile } from './remark';

describe('remark phones', () => {
  it('accepts digits with a leading + and dashes, 5 to 20 characters', () => {
    expect(validRemarkMobile('13800138000')).toBe(true);
    expect(validRemarkMobile('+86-138-0013-8000')).toBe(true);
    expect(validRemarkMobile('0571-88886666')).toBe(true);
    expect(validRemarkMobile('1234')).toBe(false);
    expect(validRemarkMobile('138abc00000')).toBe(false);
    expect(validRemarkMobile('-13800138000')).toBe(false);
    expect(validRemarkMobile('1'.repeat(21))).toBe(false);
  });

  it('names the bad numbers and the limit of five, in Chinese', () => {
    expect(remarkMobilesProblem([])).toBeNull();
    expect(remarkMobilesProblem(['13800138000', ' '])).toBeNull();
    expect(remarkMobilesProblem(['13800138000', '12ab'])).toContain('12ab');
    expect(remarkMobilesProblem(['13800000001', '13800000002', '13800000003', '13800000004', '13800000005', '13800000006'])).toBe(
      '备注手机号最多 5 个',
    );
  });
});
