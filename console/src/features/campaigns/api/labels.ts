/**
 * The campaign pages' words for the API's codes (glossary: WeCom's own terms). Reasons the API
 * may add later are shown as they are.
 */
import { SKIP_REASON } from '@/lib/labels';
import { formatTime } from '@/lib/format';
import type { CampaignView, SenderPolicy } from './campaigns';

const SKIP_EXTRA: Record<string, string> = {
  unknown_customer: '客户不存在（ID 有误或已合并）',
};

const SKIP_HELP: Record<string, string> = {
  duplicate: '同一客户在名单中出现多次，只发送一次',
  relationship_ended: '客户已删除成员，或成员已删除客户',
  no_sender: '客户不是所指定成员的客户',
  no_consent: '按营销授权设置，不能向该客户推送营销内容（在「客户」页修改）',
  wecom_quota: '该客户本周期已收到企业微信允许的群发条数上限，企业微信会拒绝再次发送',
  clinic_cap: '该客户今天已收到「每日推送上限」条营销消息（在「企业微信配置」修改）',
  unknown_customer: '所选客户在客户库中不存在',
};

export function skipReasonLabel(reason: string): string {
  return SKIP_REASON[reason] ?? SKIP_EXTRA[reason] ?? reason;
}

export function skipReasonHelp(reason: string): string | undefined {
  return SKIP_HELP[reason];
}

/** Why a recipient failed: WeCom's fail_list, an errcode, or a refused request. */
export function failReasonLabel(reason: string): string {
  if (reason === 'wecom_fail_list') return '企业微信未能发送（客户已不是该成员的好友或无法接收）';
  if (reason === 'wecom_request_refused') return '企业微信拒绝了创建群发任务的请求';
  if (reason === 'not_sent_by_staff') return '跟踪期内跟进成员没有确认发送，任务已结束';
  const code = /^wecom_errcode_(-?\d+)$/.exec(reason);
  if (code) return `企业微信拒绝创建群发任务（错误码 ${code[1]}）`;
  return reason;
}

/** A recipient's reason, whatever its status. */
export function recipientReasonLabel(status: string, reason: string | null | undefined): string {
  if (!reason) return '';
  return status === 'skipped' ? skipReasonLabel(reason) : failReasonLabel(reason);
}

export const SENDER_POLICY_LABEL: Record<SenderPolicy['type'], string> = {
  own_consultant: '客户的专属跟进成员（最早添加客户的成员）',
  most_recent: '最近添加客户的跟进成员',
  fixed: '指定成员（只发给该成员的客户）',
};

export function tierLabel(tier: string): string {
  return tier === 'unknown' || !tier ? '未分层' : `${tier} 级`;
}

export function channelLabel(state: string, labels: Record<string, { label: string }> | undefined): string {
  if (!state || state === 'unknown') return '未知渠道';
  return labels?.[state]?.label ?? state;
}

const STATUS_HELP: Record<string, string> = {
  scheduled: '到发送时间后开始筛选客户并创建群发任务',
  deferred: '发送时间处于免打扰时段，结束后自动开始',
  resolving: '正在按条件筛选客户、检查营销授权与推送上限',
  sending: '正在为每位跟进成员创建企业微信群发任务',
  tracking: '群发任务已创建，等待成员在企业微信中确认发送；系统会定时读取发送结果并提醒未发送的成员',
  done: '发送结果已统计完毕',
  cancelled: '已停止：未发送的群发任务已取消',
  failed: '推送任务失败',
};

/** What a campaign status means (shown on the detail page). */
export function campaignStatusHelp(campaign: Pick<CampaignView, 'status' | 'deferred_until_ms' | 'error'>): string {
  let help = STATUS_HELP[campaign.status] ?? '';
  if (campaign.status === 'deferred' && campaign.deferred_until_ms) help = `${help}（${formatTime(campaign.deferred_until_ms)}）`;
  if (campaign.status === 'failed' && campaign.error) help = `${help}：${campaign.error}`;
  return help;
}

