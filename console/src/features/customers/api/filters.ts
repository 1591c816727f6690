/**
 * The customer list's filters ⇄ the page's URL search parameters ⇄ `GET /api/customers`' query.
 *
 * The filters live in the URL so that a filtered list can be shared or bookmarked and the
 * browser's back button returns to the previous filters. The URL uses short, readable names
 * (`?channel=xiaohongshu&tier=A`); anything malformed in a hand-edited URL is dropped rather than
 * sent to the API.
 */
import type { paths } from '@/lib/api/schema';
import type { Schemas } from '@/lib/api/client';

export type Tier = Schemas['Tier'];
export type StatusFilter = Schemas['StatusFilter'];
export type CustomerSort = Schemas['CustomerSort'];
export type LeadStage = Schemas['LeadStage'];
export type CustomerListQuery = NonNullable<paths['/api/customers']['get']['parameters']['query']>;

export interface CustomerFilters {
  /** 渠道: the 「联系我」 `state`. */
  state?: string;
  /** 跟进人: the consultant's userid. */
  userid?: string;
  tier?: Tier;
  /** 0 unknown, 1 male, 2 female. */
  gender?: 0 | 1 | 2;
  psych_type?: string;
  /** A corp tag id. */
  tag_id?: string;
  /** 1–12. */
  birthday_month?: number;
  /** No purchase in the last N days (1–3650). */
  no_purchase_days?: number;
  /** Free text in the name or a remark. */
  q?: string;
  status?: StatusFilter;
  /** 客户阶段 (the lead pipeline). */
  stage?: LeadStage;
  /** Absent: newest first. */
  sort?: Exclude<CustomerSort, 'added_desc'>;
}

/** The URL parameter of each filter. */
export const URL_PARAM: Record<keyof CustomerFilters, string> = {
  state: 'channel',
  userid: 'consultant',
  tier: 'tier',
  gender: 'gender',
  psych_type: 'psych',
  tag_id: 'tag',
  birthday_month: 'birthday_month',
  no_purchase_days: 'idle_days',
  q: 'q',
  status: 'status',
  stage: 'stage',
  sort: 'sort',
};

/** The customer whose drawer is open (also in the URL, so back closes it). */
export const CUSTOMER_PARAM = 'customer';

const TIERS: readonly Tier[] = ['A', 'B', 'C'];
const STATUSES: readonly StatusFilter[] = ['active', 'pending', 'ended'];
const STAGES: readonly LeadStage[] = ['new', 'consulted', 'booked', 'arrived', 'purchased', 'repurchased'];
const SORTS: readonly CustomerFilters['sort'][] = ['added_asc', 'last_purchase_desc'];

function text(value: string | null | undefined, max = 100): string | undefined {
  const trimmed = value?.trim();
  return trimmed && trimmed.length <= max ? trimmed : undefined;
}

function integer(value: string | null | undefined, min: number, max: number): number | undefined {
  const trimmed = value?.trim();
  if (!trimmed || !/^\d+$/.test(trimmed)) return undefined;
  const n = Number(trimmed);
  return n >= min && n <= max ? n : undefined;
}

function oneOf<T extends string>(value: string | null | undefined, allowed: readonly (T | undefined)[]): T | undefined {
  return allowed.find((candidate) => candidate !== undefined && candidate === value?.trim());
}

/** Drops absent and empty values, so two filter sets compare equal when they mean the same. */
function compact(filters: CustomerFilters): CustomerFilters {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(filters)) {
    if (value === undefined || value === null || value === '') continue;
    out[key] = value;
  }
  return out;
}

/** Reads the filters from the URL; malformed values are ignored. */
export function filtersFromSearchParams(params: URLSearchParams): CustomerFilters {
  const get = (key: keyof CustomerFilters) => params.get(URL_PARAM[key]);
  const gender = integer(get('gender'), 0, 2);
  return compact({
    state: text(get('state'), 30),
    userid: text(get('userid'), 64),
    tier: oneOf(get('tier'), TIERS),
    gender: gender === 0 || gender === 1 || gender === 2 ? gender : undefined,
    psych_type: text(get('psych_type'), 30),
    tag_id: text(get('tag_id'), 128),
    birthday_month: integer(get('birthday_month'), 1, 12),
    no_purchase_days: integer(get('no_purchase_days'), 1, 3650),
    q: text(get('q')),
    status: oneOf(get('status'), STATUSES),
    stage: oneOf(get('stage'), STAGES),
    sort: oneOf(get('sort'), SORTS),
  });
}

/**
 * Writes the filters into the URL's parameters. Parameters that are not filters (the open
 * drawer's customer, …) are kept from `base`.
 */
export function filtersToSearchParams(filters: CustomerFilters, base?: URLSearchParams): URLSearchParams {
  const out = new URLSearchParams(base);
  for (const key of Object.keys(URL_PARAM) as (keyof CustomerFilters)[]) out.delete(URL_PARAM[key]);
  const clean = compact(normalise(filters));
  for (const key of Object.keys(URL_PARAM) as (keyof CustomerFilters)[]) {
    const value = clean[key];
    if (value !== undefined) out.set(URL_PARAM[key], String(value));
  }
  return out;
}

/** Trims text and drops values the API would refuse (e.g. from the filter form). */
export function normalise(filters: CustomerFilters): CustomerFilters {
  const params = new URLSearchParams();
  for (const key of Object.keys(URL_PARAM) as (keyof CustomerFilters)[]) {
    const value = filters[key];
    if (value !== undefined && value !== null) params.set(URL_PARAM[key], String(value));
  }
  return filtersFromSearchParams(params);
}

/** How many filters are set (the sort order is not a filter). */
export function activeFilterCount(filters: CustomerFilters): number {
  return Object.keys(compact(filters)).filter((key) => key !== 'sort').length;
}

export const PAGE_SIZE = 20;

/** The query of `GET /api/customers` for these filters (the cursor is added per page). */
export function listQuery(filters: CustomerFilters, limit = PAGE_SIZE): CustomerListQuery {
  const clean = compact(normalise(filters));
  const query: CustomerListQuery = { limit };
  if (clean.state) query.state = clean.state;
  if (clean.userid) query.userid = clean.userid;
  if (clean.tier) query.tier = clean.tier;
  if (clean.gender !== undefined) query.gender = clean.gender;
  if (clean.psych_type) query.psych_type = clean.psych_type;
  if (clean.tag_id) query.tag_id = clean.tag_id;
  if (clean.birthday_month) query.birthday_month = clean.birthday_month;
  if (clean.no_purchase_days) query.no_purchase_days = clean.no_purchase_days;
  if (clean.q) query.q = clean.q;
  if (clean.status) query.status = clean.status;
  if (clean.stage) query.stage = clean.stage;
  if (clean.sort) query.sort = clean.sort;
  return query;
}
