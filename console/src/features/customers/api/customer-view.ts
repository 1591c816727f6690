/**
 * How a customer's WeCom data reads in the console: the channel's name instead of its `state`,
 * the relationship the customer first came through, the tags of every relationship, and the
 * words for history lines and WeCom events.
 */
import type { Schemas } from '@/lib/api/client';

export type CustomerSummary = Schemas['CustomerSummary'];
export type CustomerDetail = Schemas['CustomerDetail'];
export type RelationshipView = Schemas['RelationshipView'];
export type RelationshipTagView = Schemas['RelationshipTagView'];
export type TimelineView = Schemas['TimelineView'];
export type ChannelView = Schemas['ChannelView'];

/** `state` → the channel's name from the configuration (小红书); unconfigured ones show as they are. */
export function channelLabel(channels: Record<string, ChannelView> | undefined, state: string | null | undefined): string {
  const key = state?.trim() ?? '';
  if (!key) return '—';
  return channels?.[key]?.label || key;
}

/** The relationship the customer first came through (earliest WeCom `createtime`). */
export function firstRelationship(customer: Pick<CustomerSummary, 'follow_users' | 'first_channel'>): RelationshipView | null {
  const sorted = [...customer.follow_users].sort((a, b) => a.createtime - b.createtime);
  return sorted[0] ?? null;
}

/** Relationships that still count: active and pending ones first, ended ones last. */
export function orderedRelationships(relationships: RelationshipView[]): RelationshipView[] {
  const rank = (r: RelationshipView) => (r.status === 'ended' ? 1 : 0);
  return [...relationships].sort((a, b) => rank(a) - rank(b) || a.createtime - b.createtime);
}

export interface TagChip {
  key: string;
  name: string;
  group: string;
  /** 1 企业标签, 2 个人标签, 3 规则组标签. */
  type: number;
}

/** Every tag on the customer's live relationships, once each (corp tags first). */
export function customerTags(relationships: RelationshipView[]): TagChip[] {
  const seen = new Map<string, TagChip>();
  for (const relationship of relationships) {
    if (relationship.status === 'ended') continue;
    for (const tag of relationship.tags) {
      const key = tag.tag_id ?? `${tag.type}:${tag.group_name}:${tag.tag_name}`;
      if (!seen.has(key)) seen.set(key, { key, name: tag.tag_name, group: tag.group_name, type: tag.type });
    }
  }
  return [...seen.values()].sort((a, b) => a.type - b.type);
}

/** The corp tag ids on one relationship (what the tag editor edits). */
export function corpTagIds(relationship: RelationshipView): string[] {
  return relationship.tags.filter((t) => t.type === 1 && t.tag_id).map((t) => t.tag_id as string);
}

/** What `POST /api/customers/{id}/tags` must do to go from `current` to `next`. */
export function tagChanges(current: string[], next: string[]): { add_tag: string[]; remove_tag: string[] } {
  const before = new Set(current);
  const after = new Set(next);
  return {
    add_tag: [...after].filter((id) => !before.has(id)),
    remove_tag: [...before].filter((id) => !after.has(id)),
  };
}

/** The name to show: WeCom's nickname, else the id. */
export function displayName(customer: Pick<CustomerSummary, 'name' | 'external_userid'>): string {
  return customer.name.trim() || customer.external_userid;
}

export const CONTACT_TYPE: Record<number, string> = { 1: '微信用户', 2: '企业微信用户' };

/** History lines (`timeline[].kind`). */
export const TIMELINE_KIND: Record<string, string> = {
  added: '添加了跟进成员',
  half_added: '免验证添加成员（待通过）',
  edited: '企业微信中编辑了客户',
  deleted_by_staff: '员工已删除客户',
  deleted_staff: '客户已删除员工',
  missing_in_sync: '企业微信中已不存在（同步）',
  ended: '好友关系结束',
  transfer_failed: '客户接替失败',
  merged_from: '合并了重复客户',
  merged_into: '已合并到另一位客户',
  synced: '从企业微信同步',
  tagged: '修改了企业标签',
  appointment: '新增预约',
  purchase: '新增消费',
};

export function timelineLabel(kind: string): string {
  return TIMELINE_KIND[kind] ?? kind;
}

/** WeCom events (`recent_events[].event_type`: `change_external_contact/<ChangeType>`). */
export const EVENT_TYPE: Record<string, string> = {
  add_external_contact: '添加企业客户',
  add_half_external_contact: '外部联系人免验证添加成员',
  edit_external_contact: '编辑企业客户',
  del_external_contact: '删除企业客户（员工已删除客户）',
  del_follow_user: '删除跟进成员（客户已删除员工）',
  transfer_fail: '客户接替失败',
};

export function eventLabel(eventType: string): string {
  const change = eventType.split('/').pop() ?? eventType;
  return EVENT_TYPE[change] ?? eventType;
}

/** The callback log's processing states. */
export const CALLBACK_STATUS: Record<string, { label: string; color: string }> = {
  received: { label: '已接收', color: 'blue' },
  retrying: { label: '重试中', color: 'gold' },
  processed: { label: '已处理', color: 'green' },
  ignored: { label: '已忽略', color: 'default' },
  failed: { label: '处理失败', color: 'red' },
};

export const APPOINTMENT_SOURCE: Record<string, string> = {
  staff: '员工登记',
  mini_program: '小程序',
  phone: '电话',
  walk_in: '到店',
  other: '其他',
};

/** An appointment's status (the 预约 page changes it). */
export const APPOINTMENT_STATUS: Record<string, { label: string; color: string }> = {
  booked: { label: '已预约', color: 'blue' },
  confirmed: { label: '已确认', color: 'cyan' },
  arrived: { label: '已到店', color: 'green' },
  completed: { label: '已完成', color: 'default' },
  cancelled: { label: '已取消', color: 'red' },
  no_show: { label: '未到店', color: 'orange' },
};

export const GENDER_OPTIONS = [
  { value: 2, label: '女' },
  { value: 1, label: '男' },
  { value: 0, label: '未知' },
];

export const STATUS_OPTIONS = [
  { value: 'active', label: '跟进中' },
  { value: 'pending', label: '待通过' },
  { value: 'ended', label: '已流失' },
];

export const SORT_OPTIONS = [
  { value: 'added_desc', label: '最近添加' },
  { value: 'added_asc', label: '最早添加' },
  { value: 'last_purchase_desc', label: '最近消费' },
];

export const MONTH_OPTIONS = Array.from({ length: 12 }, (_, i) => ({ value: i + 1, label: `${i + 1} 月` }));

export interface DetailContext {
  channels?: Record<string, ChannelView>;
  /** Corp tag id → name. */
  tagNames?: Map<string, string>;
}

/** A history line's detail in words: channel names, tag names, appointment sources. */
export function timelineDetail(event: Pick<TimelineView, 'kind' | 'detail'>, context: DetailContext = {}): string | null {
  const detail = event.detail?.trim();
  if (!detail) return null;
  switch (event.kind) {
    case 'added':
    case 'half_added':
      return `渠道：${channelLabel(context.channels, detail)}`;
    case 'tagged': {
      // `+id1,id2 -id3`
      const match = /^\+(.*) -(.*)$/.exec(detail);
      if (!match) return detail;
      const names = (list: string | undefined) =>
        (list ?? '')
          .split(',')
          .filter(Boolean)
          .map((id) => context.tagNames?.get(id) ?? id);
      const added = names(match[1]);
      const removed = names(match[2]);
      return [added.length ? `添加 ${added.join('、')}` : '', removed.length ? `移除 ${removed.join('、')}` : '']
        .filter(Boolean)
        .join('；');
    }
    case 'appointment':
      return detail.replace(/（([a-z_]+)）$/, (whole, code: string) =>
        APPOINTMENT_SOURCE[code] ? `（${APPOINTMENT_SOURCE[code]}）` : whole,
      );
    case 'deleted_by_staff':
    case 'deleted_staff':
    case 'missing_in_sync':
    case 'ended':
      return detail === 'missing_in_sync' ? '企业微信中已不存在（同步）' : null;
    default:
      return detail;
  }
}

/** 元 (as typed, up to 2 decimals) → 分. */
export function yuanToFen(yuan: number): number {
  return Math.round(yuan * 100);
}
