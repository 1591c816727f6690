/**
 * The clinic's own fields of a customer (客户分层, 心理类型, 手机号, 生日, 备注): the checks the
 * form makes as you type (the same rules as the API's, so a save is rarely refused) and the PATCH
 * built from what changed. 营销授权 is recorded as a consent record (api/consents.ts), not patched.
 */
import type { Schemas } from '@/lib/api/client';

export type CrmFields = Schemas['CrmFields'];
export type CustomerPatch = Schemas['CustomerPatch'];
export type Tier = Schemas['Tier'];

export interface CrmFormValues {
  /** `''`: no tier (a radio button cannot hold null). */
  tier: Tier | '';
  psych_type: string;
  phone: string;
  birthday: string;
  notes: string;
}

export const PSYCH_TYPE_MAX = 30;
export const NOTES_MAX = 2000;

/** Mainland mobile: 1, then 3–9, then 9 digits. */
export function phoneProblem(value: string): string | null {
  const phone = value.trim();
  if (!phone) return null;
  if (!/^\d+$/.test(phone)) return '手机号只能包含数字';
  if (phone.length !== 11) return `手机号必须是 11 位（当前 ${phone.length} 位）`;
  if (!/^1[3-9]\d{9}$/.test(phone)) return '请输入有效的中国大陆手机号（1 开头，第二位为 3–9）';
  return null;
}

function isLeap(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

/** `YYYY-MM-DD`, or `MM-DD` when the year is unknown; a real date (29 Feb only in leap years). */
export function birthdayProblem(value: string): string | null {
  const birthday = value.trim();
  if (!birthday) return null;
  const match = /^(?:(\d{4})-)?(\d{2})-(\d{2})$/.exec(birthday);
  if (!match) return '格式为 YYYY-MM-DD（如 1990-03-08），不知道年份时填 MM-DD（如 03-08）';
  const year = match[1] === undefined ? null : Number(match[1]);
  const month = Number(match[2]);
  const day = Number(match[3]);
  if (year !== null && (year < 1900 || year > 2100)) return '年份必须在 1900 到 2100 之间';
  if (month < 1 || month > 12) return '月份必须在 01 到 12 之间';
  const days = [31, year === null || isLeap(year) ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1] ?? 31;
  if (day < 1 || day > days) return `${month} 月没有 ${day} 日`;
  return null;
}

function asString(value: unknown): string {
  return typeof value === 'string' ? value : '';
}

/** The form's values for the customer's stored fields. */
export function crmFormValues(crm: CrmFields | null | undefined): CrmFormValues {
  return {
    tier: crm?.tier ?? '',
    psych_type: asString(crm?.psych_type),
    phone: asString(crm?.phone),
    birthday: asString(crm?.birthday),
    notes: asString(crm?.notes),
  };
}

/**
 * The PATCH for what changed between the stored fields and the form: only changed fields, text
 * trimmed, a cleared field as `null`. Empty when nothing changed.
 */
export function crmPatch(initial: CrmFormValues, values: CrmFormValues): CustomerPatch {
  const patch: CustomerPatch = {};
  const textField = (key: 'psych_type' | 'phone' | 'birthday' | 'notes') => {
    const before = initial[key].trim();
    const after = (values[key] ?? '').trim();
    if (before !== after) patch[key] = after === '' ? null : after;
  };
  if ((initial.tier || null) !== (values.tier || null)) patch.tier = values.tier || null;
  textField('psych_type');
  textField('phone');
  textField('birthday');
  textField('notes');
  return patch;
}


export type ConsentMode = Schemas['ConsentMode'];

/**
 * Whether the push rules' 营销授权 mode keeps messages from this customer (the API skips them
 * with `no_consent`): opt-in needs 已授权, opt-out refuses only 未授权.
 */
export function consentBlocks(mode: ConsentMode, consent: boolean | null | undefined): boolean {
  return mode === 'opt_in' ? consent !== true : consent === false;
}

function minutes(hhmm: string): number | null {
  const match = /^(\d{2}):(\d{2})$/.exec(hhmm);
  if (!match) return null;
  const h = Number(match[1]);
  const m = Number(match[2]);
  return h < 24 && m < 60 ? h * 60 + m : null;
}

/**
 * Whether `ms` falls in the push rules' quiet hours `[start, end)` (Beijing time, may wrap
 * midnight; start = end: none) — a message sent then waits for their end.
 */
export function inQuietHours(ms: number, start: string, end: string): boolean {
  const from = minutes(start);
  const to = minutes(end);
  if (from === null || to === null || from === to) return false;
  const beijing = new Date(ms + 8 * 3600_000);
  const minute = beijing.getUTCHours() * 60 + beijing.getUTCMinutes();
  return from < to ? minute >= from && minute < to : minute >= from || minute < to;
}
