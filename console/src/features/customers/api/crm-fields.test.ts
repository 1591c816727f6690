import { describe, expect, it } from 'vitest';
import { birthdayProblem, consentBlocks, crmFormValues, crmPatch, inQuietHours, phoneProblem } from './crm-fields';

describe('phone rule', () => {
  it('accepts mainland mobiles and an empty field', () => {
    expect(phoneProblem('13800138000')).toBeNull();
    expect(phoneProblem('19912345678')).toBeNull();
    expect(phoneProblem(' 13800138000 ')).toBeNull();
    expect(phoneProblem('')).toBeNull();
  });

  it('explains what is wrong', () => {
    expect(phoneProblem('1380013800')).toBe('手机号必须是 11 位（当前 10 位）');
    expect(phoneProblem('138001380001')).toBe('手机号必须是 11 位（当前 12 位）');
    expect(phoneProblem('12800138000')).toMatch(/有效的中国大陆手机号/);
    expect(phoneProblem('1380013800a')).toBe('手机号只能包含数字');
    expect(phoneProblem('+8613800138000')).toBe('手机号只能包含数字');
  });
});

describe('birthday rule', () => {
  it('accepts real dates with or without the year', () => {
    for (const ok of ['1990-03-08', '2000-02-29', '02-29', '12-31', '']) expect(birthdayProblem(ok)).toBeNull();
  });

  it('refuses impossible dates and other formats', () => {
    expect(birthdayProblem('2023-02-29')).toBe('2 月没有 29 日');
    expect(birthdayProblem('1900-02-29')).toBe('2 月没有 29 日');
    expect(birthdayProblem('1990-04-31')).toBe('4 月没有 31 日');
    expect(birthdayProblem('13-01')).toBe('月份必须在 01 到 12 之间');
    expect(birthdayProblem('1850-01-01')).toBe('年份必须在 1900 到 2100 之间');
    expect(birthdayProblem('1990-3-8')).toMatch(/^格式为 YYYY-MM-DD/);
    expect(birthdayProblem('1990/03/08')).toMatch(/^格式为/);
    expect(birthdayProblem('03-00')).toBe('3 月没有 0 日');
  });
});

describe('the customer PATCH', () => {
  const stored = crmFormValues({ tier: 'B', phone: '13800138000', marketing_consent: true, notes: '怕疼' });

  it('reads stored fields, absent ones blank', () => {
    expect(stored).toEqual({
      tier: 'B',
      psych_type: '',
      phone: '13800138000',
      birthday: '',
      notes: '怕疼',
    });
    expect(crmFormValues(undefined).tier).toBe('');
  });

  it('never patches the marketing consent (it is a consent record)', () => {
    expect(Object.keys(crmPatch(stored, { ...stored, tier: 'A', notes: '' }))).not.toContain('marketing_consent');
  });

  it('sends nothing when nothing changed (whitespace does not count)', () => {
    expect(crmPatch(stored, { ...stored, notes: ' 怕疼 ' })).toEqual({});
  });

  it('sends only changed fields, trimmed', () => {
    expect(crmPatch(stored, { ...stored, tier: 'A', birthday: ' 03-08 ' })).toEqual({ tier: 'A', birthday: '03-08' });
  });

  it('clears a field with null', () => {
    expect(crmPatch(stored, { ...stored, tier: '', phone: '' })).toEqual({
      tier: null,
      phone: null,
    });
  });
});

describe('marketing consent under the push rules', () => {
  it('opt-in sends only to customers who consented', () => {
    expect(consentBlocks('opt_in', true)).toBe(false);
    expect(consentBlocks('opt_in', null)).toBe(true);
    expect(consentBlocks('opt_in', false)).toBe(true);
  });

  it('opt-out holds back only customers who refused', () => {
    expect(consentBlocks('opt_out', undefined)).toBe(false);
    expect(consentBlocks('opt_out', true)).toBe(false);
    expect(consentBlocks('opt_out', false)).toBe(true);
  });
});

describe('quiet hours', () => {
  const beijing = (h: number, m = 0) => Date.UTC(2026, 2, 7, h - 8, m);

  it('wraps midnight (22:00–08:00), end excluded', () => {
    expect(inQuietHours(beijing(23), '22:00', '08:00')).toBe(true);
    expect(inQuietHours(beijing(4, 37), '22:00', '08:00')).toBe(true);
    expect(inQuietHours(beijing(8), '22:00', '08:00')).toBe(false);
    expect(inQuietHours(beijing(21, 59), '22:00', '08:00')).toBe(false);
    expect(inQuietHours(beijing(22), '22:00', '08:00')).toBe(true);
  });

  it('handles a window within one day, and none when start equals end', () => {
    expect(inQuietHours(beijing(13), '12:00', '14:00')).toBe(true);
    expect(inQuietHours(beijing(14), '12:00', '14:00')).toBe(false);
    expect(inQuietHours(beijing(3), '00:00', '00:00')).toBe(false);
  });
});
