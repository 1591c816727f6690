/**
 * The audience builder's form values ⇄ the API's `audience`: one customer, a hand-picked batch
 * (`{"type":"customers"}`), the customer filters of `GET /api/customers` (`{"type":"filter"}`,
 * applied when the campaign runs) or corp tags (`{"type":"tags"}`: any tag of a group, every
 * group). Dates are Beijing calendar days.
 */
import type { Dayjs } from 'dayjs';
import { beijing, dayjs, fromBeijingWallClock } from '@/lib/format';
import type { Audience, CustomerFilter } from './campaigns';

export type AudienceMode = 'one' | 'batch' | 'filter' | 'tags';

/** A picked customer: its id, and what the picker showed (name, tier…). */
export interface PickedCustomer {
  value: string;
  label: string;
}

export interface FilterValues {
  /** 2 女, 1 男, 0 未知; absent: any. */
  gender?: number | null;
  tiers?: string[];
  psych_type?: string | null;
  /** Channel (`state`). */
  state?: string | null;
  tag_id?: string | null;
  /** Follow-user (consultant). */
  userid?: string | null;
  no_purchase_days?: number | null;
  birthday_month?: number | null;
  /** First added between these Beijing days (inclusive). */
  added?: [Dayjs | null, Dayjs | null] | null;
}

export interface AudienceValues {
  mode: AudienceMode;
  one?: PickedCustomer | null;
  batch?: PickedCustomer[];
  filter?: FilterValues;
  /** Tag ids, one list per group: any tag of a group, every group. */
  tag_groups?: string[][];
}

export const MAX_BATCH = 1000;

export function defaultAudience(): AudienceValues {
  return { mode: 'filter', one: null, batch: [], filter: { tiers: [] }, tag_groups: [[]] };
}

const text = (value: string | null | undefined): string | null => {
  const v = (value ?? '').trim();
  return v ? v : null;
};

/** The filter with every field the API knows: those not chosen are null (or empty). */
export function filterBody(values: FilterValues | undefined): CustomerFilter {
  const f = values ?? {};
  const [from, to] = f.added ?? [null, null];
  return {
    state: text(f.state),
    tag_id: text(f.tag_id),
    gender: f.gender ?? null,
    tiers: [...(f.tiers ?? [])].sort(),
    psych_type: text(f.psych_type),
    userid: text(f.userid),
    status: null,
    added_from: from ? fromBeijingWallClock(from.startOf('day')) : null,
    added_to: to ? fromBeijingWallClock(to.endOf('day')) : null,
    last_purchase_before: null,
    last_purchase_after: null,
    no_purchase_days: f.no_purchase_days ?? null,
    birthday_month: f.birthday_month ?? null,
    q: null,
    stage: null,
  };
}

/** The API's `audience` for the builder's values. */
export function audienceBody(values: AudienceValues): Audience {
  switch (values.mode) {
    case 'one':
      return { type: 'customers', external_userids: values.one ? [values.one.value] : [] };
    case 'batch':
      return { type: 'customers', external_userids: [...new Set((values.batch ?? []).map((c) => c.value))] };
    case 'tags':
      return {
        type: 'tags',
        groups: (values.tag_groups ?? []).map((group) => group.filter(Boolean)).filter((group) => group.length > 0),
      };
    case 'filter':
      return { type: 'filter', filter: filterBody(values.filter) };
  }
}

/** A Beijing day as the date picker shows it (a local Dayjs with the same wall clock). */
function pickerDay(ms: number): Dayjs {
  return dayjs(beijing(ms).format('YYYY-MM-DD'));
}

/** The builder's values for a stored audience (labels of picked customers are their ids). */
export function audienceValues(audience: Audience | null | undefined): AudienceValues {
  const base = defaultAudience();
  if (!audience) return base;
  switch (audience.type) {
    case 'customers': {
      const picked = audience.external_userids.map((id) => ({ value: id, label: id }));
      return picked.length === 1 ? { ...base, mode: 'one', one: picked[0] } : { ...base, mode: 'batch', batch: picked };
    }
    case 'tags':
      return { ...base, mode: 'tags', tag_groups: audience.groups.map((g) => [...g]) };
    case 'filter': {
      const f = audience.filter;
      const filter: FilterValues = { tiers: [...(f.tiers ?? [])] };
      if (f.gender != null) filter.gender = f.gender;
      if (f.psych_type) filter.psych_type = f.psych_type;
      if (f.state) filter.state = f.state;
      if (f.tag_id) filter.tag_id = f.tag_id;
      if (f.userid) filter.userid = f.userid;
      if (f.no_purchase_days != null) filter.no_purchase_days = f.no_purchase_days;
      if (f.birthday_month != null) filter.birthday_month = f.birthday_month;
      if (f.added_from != null || f.added_to != null) {
        filter.added = [f.added_from != null ? pickerDay(f.added_from) : null, f.added_to != null ? pickerDay(f.added_to) : null];
      }
      return { ...base, mode: 'filter', filter };
    }
  }
}

/** What is missing before the audience can be previewed or sent; null when complete. */
export function audienceProblem(values: AudienceValues): string | null {
  switch (values.mode) {
    case 'one':
      return values.one ? null : '请选择一位客户';
    case 'batch': {
      const count = new Set((values.batch ?? []).map((c) => c.value)).size;
      if (count === 0) return '请至少选择一位客户';
      if (count > MAX_BATCH) return `一次最多选择 ${MAX_BATCH} 位客户（当前 ${count} 位），更多客户请使用筛选条件`;
      return null;
    }
    case 'tags': {
      const groups = (values.tag_groups ?? []).filter((g) => g.some(Boolean));
      if (groups.length === 0) return '请至少选择一个企业标签';
      if (groups.length > 20) return '标签条件最多 20 组';
      if (groups.some((g) => g.length > 100)) return '每组最多 100 个标签';
      return null;
    }
    case 'filter':
      return null;
  }
}

export interface AudienceLabels {
  channel?: (state: string) => string;
  tag?: (id: string) => string;
  staff?: (userid: string) => string;
}

const GENDER_WORD: Record<number, string> = { 0: '性别未知', 1: '男性', 2: '女性' };

/** A short Chinese description of an audience: 「女性 · 客户分层 A、B · 30 天未消费」. */
export function describeAudience(audience: Audience | null | undefined, labels: AudienceLabels = {}): string {
  if (!audience) return '—';
  const id = (s: string) => s;
  switch (audience.type) {
    case 'customers':
      return audience.external_userids.length === 1 ? '1 位指定客户' : `${audience.external_userids.length} 位指定客户`;
    case 'tags':
      return `企业标签：${audience.groups.map((g) => `（${g.map(labels.tag ?? id).join(' 或 ')}）`).join(' 且 ')}`;
    case 'filter': {
      const f = audience.filter;
      const parts: string[] = [];
      if (f.gender != null) parts.push(GENDER_WORD[f.gender] ?? `性别 ${f.gender}`);
      if (f.tiers?.length) parts.push(`客户分层 ${f.tiers.join('、')}`);
      if (f.psych_type) parts.push(`心理类型「${f.psych_type}」`);
      if (f.state) parts.push(`渠道「${(labels.channel ?? id)(f.state)}」`);
      if (f.tag_id) parts.push(`标签「${(labels.tag ?? id)(f.tag_id)}」`);
      if (f.userid) parts.push(`跟进成员 ${(labels.staff ?? id)(f.userid)}`);
      if (f.no_purchase_days != null) parts.push(`${f.no_purchase_days} 天内未消费`);
      if (f.birthday_month != null) parts.push(`${f.birthday_month} 月生日`);
      if (f.added_from != null || f.added_to != null) {
        const from = f.added_from != null ? beijing(f.added_from).format('YYYY-MM-DD') : '';
        const to = f.added_to != null ? beijing(f.added_to).format('YYYY-MM-DD') : '';
        parts.push(`添加时间 ${from || '不限'} 至 ${to || '不限'}`);
      }
      if (f.last_purchase_before != null) parts.push(`最近消费早于 ${beijing(f.last_purchase_before).format('YYYY-MM-DD')}`);
      if (f.last_purchase_after != null) parts.push(`最近消费晚于 ${beijing(f.last_purchase_after).format('YYYY-MM-DD')}`);
      if (f.q) parts.push(`包含「${f.q}」`);
      return parts.length ? parts.join(' · ') : '全部客户';
    }
  }
}
