/**
 * The 「联系我」 drawer's form values ⇄ the API's bodies (`add_contact_way` / `update_contact_way`
 * in WeCom's field names), with WeCom's rules (wecom-api.md §2): a single-member way has exactly
 * one member and no departments; a multi-member way has members or departments (≤ 100 members);
 * a temporary session is single-member only and carries the QR validity, the session length, an
 * optional unionid and the closing message (结束语: text and at most one of image, link,
 * mini-program); both validities are at most 14 days.
 */
import type { Conclusions, ContactWayDetail, ContactWayPatch, NewContactWay } from './contact-ways';

export const MAX_MEMBERS = 100;
export const MAX_REMARK_CHARS = 30;
export const MAX_STATE_CHARS = 30;
export const MAX_EXPIRES_SECS = 14 * 86_400;
export const MAX_CONCLUSION_TEXT_BYTES = 4000;
export const MAX_LINK_TITLE_BYTES = 128;
export const MAX_LINK_DESC_BYTES = 512;
export const MAX_MINIPROGRAM_TITLE_BYTES = 64;

/** WeCom's defaults: the temporary QR lives 7 days, the session 24 hours after the add. */
export const DEFAULT_QR_EXPIRES_SECS = 7 * 86_400;
export const DEFAULT_CHAT_EXPIRES_SECS = 86_400;

export type DurationUnit = 'hour' | 'day';
export interface DurationValue {
  amount: number | null;
  unit: DurationUnit;
}

export type ConclusionAttachment = 'none' | 'image' | 'link' | 'miniprogram';
export type ImageSource = 'pic_url' | 'media_id';

export interface ContactWayFormValues {
  type: 1 | 2;
  scene: 1 | 2;
  /** Mini-program button style (scene 1): 1–3 single, 1–2 multi. */
  style?: number | null;
  state?: string;
  remark?: string;
  skip_verify: boolean;
  /** Type 1: the one member. */
  single_user?: string;
  /** Type 2: the members. */
  users: string[];
  /** Type 2: department ids (as typed). */
  party: string[];
  is_exclusive: boolean;
  is_temp: boolean;
  qr_expires: DurationValue;
  chat_expires: DurationValue;
  unionid?: string;
  conclusion_text?: string;
  conclusion_attachment: ConclusionAttachment;
  conclusion_image_source: ImageSource;
  conclusion_image?: string;
  conclusion_link: { title?: string; url?: string; desc?: string; picurl?: string };
  conclusion_miniprogram: { title?: string; appid?: string; page?: string; pic_media_id?: string };
}

export function utf8Bytes(text: string): number {
  return new TextEncoder().encode(text).length;
}

const SECS: Record<DurationUnit, number> = { hour: 3600, day: 86_400 };

export function durationSecs(value: DurationValue | undefined | null): number | undefined {
  if (!value || value.amount === null || value.amount === undefined) return undefined;
  return Math.round(value.amount * SECS[value.unit]);
}

/** Whole days from two days up, else hours (rounded up): WeCom says 24 小时, not 1 天. */
export function secsToDuration(secs: number): DurationValue {
  if (secs % 86_400 === 0 && secs >= 2 * 86_400) return { amount: secs / 86_400, unit: 'day' };
  return { amount: Math.ceil(secs / 3600), unit: 'hour' };
}

/** `7 天` / `24 小时`. */
export function formatDuration(secs: number | null | undefined): string {
  if (!secs) return '—';
  const d = secsToDuration(secs);
  return `${d.amount} ${d.unit === 'day' ? '天' : '小时'}`;
}

/** Why a validity is not acceptable, in Chinese; null when it is. */
export function durationProblem(value: DurationValue | undefined | null, what: string): string | null {
  if (!value || value.amount === null || value.amount === undefined) return `请输入${what}`;
  if (!Number.isInteger(value.amount) || value.amount < 1) return `${what}必须是正整数`;
  const secs = durationSecs(value) ?? 0;
  if (secs > MAX_EXPIRES_SECS) return `${what}不能超过 14 天（336 小时）`;
  return null;
}

export function emptyForm(): ContactWayFormValues {
  return {
    type: 1,
    scene: 2,
    style: null,
    state: '',
    remark: '',
    skip_verify: true,
    single_user: undefined,
    users: [],
    party: [],
    is_exclusive: false,
    is_temp: false,
    qr_expires: secsToDuration(DEFAULT_QR_EXPIRES_SECS),
    chat_expires: secsToDuration(DEFAULT_CHAT_EXPIRES_SECS),
    unionid: '',
    conclusion_text: '',
    conclusion_attachment: 'none',
    conclusion_image_source: 'pic_url',
    conclusion_image: '',
    conclusion_link: { title: '', url: '', desc: '', picurl: '' },
    conclusion_miniprogram: { title: '', appid: '', page: '', pic_media_id: '' },
  };
}

const trimmed = (s: string | undefined | null): string => (s ?? '').trim();
const optional = (s: string | undefined | null): string | undefined => trimmed(s) || undefined;

function distinct(values: string[]): string[] {
  return [...new Set(values.map((v) => v.trim()).filter(Boolean))];
}

/** The members the way routes to: the one member of a single way, the list of a multi way. */
export function membersOf(values: Pick<ContactWayFormValues, 'type' | 'single_user' | 'users'>): string[] {
  if (values.type === 1) return distinct(values.single_user ? [values.single_user] : []);
  return distinct(values.users ?? []);
}

export function partiesOf(values: Pick<ContactWayFormValues, 'type' | 'party'>): number[] {
  if (values.type !== 2) return [];
  return [...new Set((values.party ?? []).map((p) => Number(String(p).trim())).filter((n) => Number.isInteger(n) && n > 0))];
}

/** The closing message, or undefined when it has nothing. */
export function conclusionsOf(values: ContactWayFormValues): Conclusions | undefined {
  const out: Conclusions = {};
  const text = values.conclusion_text ?? '';
  if (text.trim()) out.text = { content: text };
  switch (values.conclusion_attachment) {
    case 'image': {
      const ref = trimmed(values.conclusion_image);
      if (ref) out.image = values.conclusion_image_source === 'media_id' ? { media_id: ref } : { pic_url: ref };
      break;
    }
    case 'link': {
      const l = values.conclusion_link ?? {};
      out.link = { title: trimmed(l.title), url: trimmed(l.url) };
      if (optional(l.desc)) out.link.desc = trimmed(l.desc);
      if (optional(l.picurl)) out.link.picurl = trimmed(l.picurl);
      break;
    }
    case 'miniprogram': {
      const m = values.conclusion_miniprogram ?? {};
      out.miniprogram = {
        title: trimmed(m.title),
        appid: trimmed(m.appid),
        page: trimmed(m.page),
        pic_media_id: trimmed(m.pic_media_id),
      };
      break;
    }
    default:
      break;
  }
  return Object.keys(out).length > 0 ? out : undefined;
}

function isTemp(values: Pick<ContactWayFormValues, 'type' | 'is_temp'>): boolean {
  return values.type === 1 && values.is_temp;
}

/** `POST /api/contact-ways`. */
export function toCreateBody(values: ContactWayFormValues): NewContactWay {
  const body: NewContactWay = {
    type: values.type,
    scene: values.scene,
    skip_verify: values.skip_verify,
    user: membersOf(values),
  };
  if (values.scene === 1 && values.style) body.style = values.style;
  const state = optional(values.state);
  if (state) body.state = state;
  const remark = optional(values.remark);
  if (remark) body.remark = remark;
  const party = partiesOf(values);
  if (party.length > 0) body.party = party;
  if (values.type === 2 && values.is_exclusive) body.is_exclusive = true;
  if (isTemp(values)) {
    body.is_temp = true;
    body.expires_in = durationSecs(values.qr_expires) ?? DEFAULT_QR_EXPIRES_SECS;
    body.chat_expires_in = durationSecs(values.chat_expires) ?? DEFAULT_CHAT_EXPIRES_SECS;
    const unionid = optional(values.unionid);
    if (unionid) body.unionid = unionid;
    const conclusions = conclusionsOf(values);
    if (conclusions) body.conclusions = conclusions;
  }
  return body;
}

/** Keys sorted, absent and null fields dropped: the API's order is not the form's. */
function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (typeof value !== 'object' || value === null) return value;
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value).sort()) {
    const v = (value as Record<string, unknown>)[key];
    if (v !== null && v !== undefined) out[key] = canonical(v);
  }
  return out;
}

const same = (a: unknown, b: unknown) => JSON.stringify(canonical(a ?? null)) === JSON.stringify(canonical(b ?? null));

/**
 * `PATCH /api/contact-ways/{config_id}`: only what changed (WeCom overwrites `user` and `party`
 * when given; type, scene, temporary session and exclusivity cannot change after creation).
 */
export function toPatchBody(values: ContactWayFormValues, original: ContactWayDetail): ContactWayPatch {
  const patch: ContactWayPatch = {};
  const remark = trimmed(values.remark);
  if (remark !== original.remark) patch.remark = remark;
  if (values.skip_verify !== original.skip_verify) patch.skip_verify = values.skip_verify;
  if (original.scene === 1 && values.style && values.style !== original.style) patch.style = values.style;
  const state = trimmed(values.state);
  if (state !== original.state) patch.state = state;
  const kept = { ...values, type: original.type as 1 | 2, is_temp: original.is_temp };
  const user = membersOf(kept);
  if (!same(user, original.user)) patch.user = user;
  if (original.type === 2) {
    const party = partiesOf(kept);
    if (!same(party, original.party)) patch.party = party;
  }
  if (original.is_temp) {
    const expires = durationSecs(values.qr_expires);
    if (expires !== undefined && expires !== (original.expires_in ?? DEFAULT_QR_EXPIRES_SECS)) patch.expires_in = expires;
    const chat = durationSecs(values.chat_expires);
    if (chat !== undefined && chat !== (original.chat_expires_in ?? DEFAULT_CHAT_EXPIRES_SECS)) patch.chat_expires_in = chat;
    const unionid = trimmed(values.unionid);
    if (unionid !== (original.unionid ?? '')) patch.unionid = unionid;
    // An absent closing message is sent as `{}`: the API cannot clear it with null.
    const conclusions = conclusionsOf(kept) ?? {};
    if (!same(conclusions, original.conclusions ?? {})) patch.conclusions = conclusions;
  }
  return patch;
}

/** The drawer's values for an existing way. */
export function fromDetail(way: ContactWayDetail): ContactWayFormValues {
  const base = emptyForm();
  const c = way.conclusions ?? {};
  let attachment: ConclusionAttachment = 'none';
  if (c.image) attachment = 'image';
  else if (c.link) attachment = 'link';
  else if (c.miniprogram) attachment = 'miniprogram';
  return {
    ...base,
    type: way.type === 2 ? 2 : 1,
    scene: way.scene === 1 ? 1 : 2,
    style: way.style ?? null,
    state: way.state,
    remark: way.remark,
    skip_verify: way.skip_verify,
    single_user: way.type === 1 ? way.user[0] : undefined,
    users: way.type === 2 ? [...way.user] : [],
    party: way.party.map(String),
    is_exclusive: way.is_exclusive,
    is_temp: way.is_temp,
    qr_expires: secsToDuration(way.expires_in ?? DEFAULT_QR_EXPIRES_SECS),
    chat_expires: secsToDuration(way.chat_expires_in ?? DEFAULT_CHAT_EXPIRES_SECS),
    unionid: way.unionid ?? '',
    conclusion_text: c.text?.content ?? '',
    conclusion_attachment: attachment,
    conclusion_image_source: c.image?.media_id && !c.image.pic_url ? 'media_id' : 'pic_url',
    conclusion_image: c.image?.pic_url ?? c.image?.media_id ?? '',
    conclusion_link: {
      title: c.link?.title ?? '',
      url: c.link?.url ?? '',
      desc: c.link?.desc ?? '',
      picurl: c.link?.picurl ?? '',
    },
    conclusion_miniprogram: {
      title: c.miniprogram?.title ?? '',
      appid: c.miniprogram?.appid ?? '',
      page: c.miniprogram?.page ?? '',
      pic_media_id: c.miniprogram?.pic_media_id ?? '',
    },
  };
}

/**
 * The form field an API error names (`user`, `conclusions.link.title`, …), and the member field
 * for WeCom's member errors (41041 over 100, 41054 not activated, 40098 not verified, 60011 not
 * visible to the app).
 */
export function formFieldOf(
  apiField: string | null,
  errcode: number | null | undefined,
  type: 1 | 2,
): (string | number)[] | null {
  const members = type === 1 ? ['single_user'] : ['users'];
  if (!apiField) {
    if (errcode && [41041, 41054, 40098, 60011].includes(errcode)) return members;
    return null;
  }
  switch (apiField) {
    case 'user':
      return members;
    case 'party':
      return ['party'];
    case 'expires_in':
      return ['qr_expires'];
    case 'chat_expires_in':
      return ['chat_expires'];
    case 'state':
    case 'remark':
    case 'style':
    case 'is_temp':
    case 'unionid':
    case 'type':
    case 'scene':
      return [apiField];
    case 'conclusions':
    case 'conclusions.text.content':
      return ['conclusion_text'];
    case 'conclusions.image':
      return ['conclusion_image'];
    default: {
      const link = /^conclusions\.link\.(title|url|desc|picurl)$/.exec(apiField);
      if (link?.[1]) return ['conclusion_link', link[1]];
      const mini = /^conclusions\.miniprogram\.(title|appid|page|pic_media_id)$/.exec(apiField);
      if (mini?.[1]) return ['conclusion_miniprogram', mini[1]];
      return null;
    }
  }
}
