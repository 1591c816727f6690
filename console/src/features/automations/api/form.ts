/**
 * The rule drawer's values ⇄ the API's bodies. A rule is a kind (birthday `days_ahead` days
 * ahead with a coupon, after a visit `days_after` days later, re-engagement
 * `days_without_purchase` days after the last purchase), a message (text with `{name}`,
 * `{coupon}`, `{valid_until}` filled per customer, and attachments), the sender and whether it
 * runs. Ranges as the API checks them (functions/admin-api/src/routes/automations.rs).
 */
import {
  contentErrorPath,
  emptyContent,
  fromContent,
  toContent,
  type ContentDraft,
  type Placeholder,
} from '@/components/message-composer';
import type { AutomationPatch, AutomationRule, NewAutomation, RuleKind, SenderPolicy } from './automations';

export type RuleType = RuleKind['type'];
export type SenderType = SenderPolicy['type'];

export interface AutomationFormValues {
  name: string;
  type: RuleType;
  days: number | null;
  coupon?: string;
  enabled: boolean;
  sender: SenderType;
  sender_userid?: string;
  content: ContentDraft;
}

export const MAX_NAME_CHARS = 60;
export const MAX_COUPON_CHARS = 200;

/** Allowed days per kind, and what the number means. */
export const DAYS: Record<RuleType, { min: number; max: number; default: number; label: string; unit: string }> = {
  birthday: { min: 0, max: 60, default: 7, label: '生日前', unit: '天发送' },
  after_visit: { min: 1, max: 365, default: 3, label: '到店或消费后', unit: '天发送' },
  re_engagement: { min: 1, max: 3650, default: 90, label: '最近一次消费后', unit: '天仍未消费时发送' },
};

/** What each kind fills in the text. */
export function placeholdersOf(type: RuleType): Placeholder[] {
  return type === 'birthday' ? ['name', 'coupon', 'valid_until'] : ['name', 'valid_until'];
}

/** A first text for a new rule of each kind, edited by the clinic. */
export const TEMPLATE_TEXT: Record<RuleType, string> = {
  birthday:
    '亲爱的{name}，您的生日即将到来，深圳妍美医疗美容门诊部全体员工祝您生日快乐！特为您准备了生日专属优惠：{coupon}，有效期至{valid_until}。欢迎预约到店。',
  after_visit: '{name}您好，感谢您前几天到店。术后恢复情况如何？如有任何不适或疑问，请随时告诉我。',
  re_engagement: '{name}您好，好久不见！本月门店有新的护理项目和优惠，欢迎随时咨询或预约。',
};

export function kindText(kind: RuleKind): string {
  switch (kind.type) {
    case 'birthday':
      return kind.days_ahead === 0 ? '生日当天' : `生日前 ${kind.days_ahead} 天`;
    case 'after_visit':
      return `到店或消费后第 ${kind.days_after} 天`;
    case 're_engagement':
      return `最近一次消费后 ${kind.days_without_purchase} 天未再消费`;
  }
}

export const SENDER_LABEL: Record<SenderType, string> = {
  own_consultant: '客户的专属顾问（最早添加的跟进成员）',
  most_recent: '最近添加客户的跟进成员',
  fixed: '指定成员',
};

export function emptyRuleForm(type: RuleType = 'birthday'): AutomationFormValues {
  return {
    name: '',
    type,
    days: DAYS[type].default,
    coupon: '',
    enabled: true,
    sender: 'own_consultant',
    sender_userid: undefined,
    content: { ...emptyContent(), text: TEMPLATE_TEXT[type] },
  };
}

export function daysOf(kind: RuleKind): number {
  switch (kind.type) {
    case 'birthday':
      return kind.days_ahead;
    case 'after_visit':
      return kind.days_after;
    case 're_engagement':
      return kind.days_without_purchase;
  }
}

export function fromRule(rule: AutomationRule): AutomationFormValues {
  return {
    name: rule.name,
    type: rule.kind.type,
    days: daysOf(rule.kind),
    coupon: rule.kind.type === 'birthday' ? (rule.kind.coupon ?? '') : '',
    enabled: rule.enabled,
    sender: rule.sender_policy.type,
    sender_userid: rule.sender_policy.type === 'fixed' ? rule.sender_policy.userid : undefined,
    content: fromContent({ text: rule.text, attachments: rule.attachments }),
  };
}

export function kindOf(values: Pick<AutomationFormValues, 'type' | 'days' | 'coupon'>): RuleKind {
  const days = values.days ?? DAYS[values.type].default;
  switch (values.type) {
    case 'birthday':
      return { type: 'birthday', days_ahead: days, coupon: (values.coupon ?? '').trim() };
    case 'after_visit':
      return { type: 'after_visit', days_after: days };
    case 're_engagement':
      return { type: 're_engagement', days_without_purchase: days };
  }
}

export function senderOf(values: Pick<AutomationFormValues, 'sender' | 'sender_userid'>): SenderPolicy {
  if (values.sender === 'fixed') return { type: 'fixed', userid: (values.sender_userid ?? '').trim() };
  return { type: values.sender };
}

/** `POST /api/automations`. */
export function toNewAutomation(values: AutomationFormValues): NewAutomation {
  const content = toContent(values.content);
  return {
    name: values.name.trim(),
    kind: kindOf(values),
    text: content.text ?? '',
    attachments: content.attachments ?? [],
    enabled: values.enabled,
    sender_policy: senderOf(values),
  };
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

const same = (a: unknown, b: unknown) => JSON.stringify(canonical(a)) === JSON.stringify(canonical(b));

/** `PATCH /api/automations/{id}`: what changed; the text and its attachments go together. */
export function toAutomationPatch(values: AutomationFormValues, rule: AutomationRule): AutomationPatch {
  const next = toNewAutomation(values);
  const patch: AutomationPatch = {};
  if (next.name !== rule.name) patch.name = next.name;
  const stored = rule.kind.type === 'birthday' ? { ...rule.kind, coupon: rule.kind.coupon ?? '' } : rule.kind;
  if (!same(next.kind, stored)) patch.kind = next.kind;
  if (next.text !== rule.text || !same(next.attachments, rule.attachments)) {
    patch.text = next.text;
    patch.attachments = next.attachments;
  }
  if (next.enabled !== rule.enabled) patch.enabled = next.enabled;
  if (!same(next.sender_policy, rule.sender_policy)) patch.sender_policy = next.sender_policy;
  return patch;
}

/** The form field an API error names. */
export function ruleFieldOf(apiField: string, values: AutomationFormValues): (string | number)[] | null {
  if (apiField === 'name') return ['name'];
  if (apiField === 'kind') return ['days'];
  if (apiField === 'sender_policy') return ['sender'];
  if (apiField === 'sender_policy.userid') return ['sender_userid'];
  if (apiField === 'text') return ['content', 'text'];
  return contentErrorPath(apiField, values.content, ['content']);
}
