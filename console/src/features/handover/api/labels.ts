import type { CustomerResult, HandoverJob } from './handovers';

/** WeCom's words for each result (glossary: 接替完毕 · 等待接替 · 客户拒绝 · 接替成员客户达到上限). */
export const RESULT_LABELS: Record<CustomerResult, string> = {
  pending: '待发起',
  waiting: '等待接替',
  accepted: '接替完毕',
  refused: '客户拒绝',
  over_limit: '接替成员客户达到上限',
  failed: '失败',
  rejected_by_rule: '不符合企业微信规则',
};

export const RESULT_COLORS: Record<CustomerResult, string> = {
  pending: 'default',
  waiting: 'blue',
  accepted: 'green',
  refused: 'orange',
  over_limit: 'red',
  failed: 'red',
  rejected_by_rule: 'red',
};

export const KIND_LABELS: Record<HandoverJob['kind'], string> = {
  on_job: '在职继承',
  resigned: '离职继承',
};

/** Why WeCom refused a customer, by errcode. */
const ERRCODE_REASONS: Record<number, string> = {
  40096: '客户不存在',
  40128: '该客户 90 天内已被转接两次',
  40129: '该客户正在转接中',
  40130: '原跟进成员与接替成员相同',
  40131: '该客户不是原跟进成员的客户',
  60111: '成员不存在或已离职',
  84061: '与该客户不是好友关系',
};

export function errcodeReason(errcode: number | null | undefined): string | null {
  if (errcode === null || errcode === undefined) return null;
  return ERRCODE_REASONS[errcode] ?? `企业微信错误码 ${errcode}`;
}

/** Customers with a final result, as a percentage of all (0–100). */
export function progressPercent(job: Pick<HandoverJob, 'total' | 'counts'>): number {
  if (job.total <= 0) return 100;
  const open = job.counts.pending + job.counts.waiting;
  return Math.round(((job.total - open) / job.total) * 100);
}

/** Longest 转接提示语 (WeCom: 200 characters). */
export const MAX_MESSAGE_CHARS = 200;
