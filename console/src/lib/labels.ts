/**
 * The console's words for the API's codes, from the project's zh-CN glossary (WeCom's own terms,
 * one per idea). Unknown codes are shown as they are rather than hidden.
 */

export const ADD_WAY: Record<number, string> = {
  0: '未知来源',
  1: '扫描二维码',
  2: '搜索手机号',
  3: '名片分享',
  4: '群聊',
  5: '手机通讯录',
  6: '微信联系人',
  8: '第三方应用自动添加',
  9: '搜索邮箱',
  10: '视频号添加',
  11: '日程参与人',
  12: '会议参与人',
  13: '添加微信好友对应的企业微信',
  14: '智慧硬件专属客服',
  15: '上门服务客服',
  16: '获客链接',
  201: '内部成员共享',
  202: '管理员/负责人分配',
};

export function addWayLabel(addWay: number): string {
  return ADD_WAY[addWay] ?? `其他（${addWay}）`;
}

export const GENDER: Record<number, string> = { 0: '未知', 1: '男', 2: '女' };

export function genderLabel(gender: number): string {
  return GENDER[gender] ?? '未知';
}

export const TIERS = ['A', 'B', 'C'] as const;

/** A relationship (customer × 跟进成员). */
export const RELATIONSHIP_STATUS: Record<string, { label: string; color: string }> = {
  active: { label: '正常', color: 'green' },
  pending: { label: '待通过', color: 'gold' },
  ended: { label: '已流失', color: 'default' },
};

export const END_CAUSE: Record<string, string> = {
  staff_deleted_customer: '员工已删除客户',
  customer_deleted_staff: '客户已删除员工',
  missing_in_sync: '企业微信中已不存在（同步）',
};

export const CUSTOMER_STATUS: Record<string, { label: string; color: string }> = {
  active: { label: '正常', color: 'green' },
  ended: { label: '已流失', color: 'default' },
};

export const CONSENT: Record<'true' | 'false' | 'unset', string> = {
  true: '已授权',
  false: '未授权',
  unset: '未设置',
};

export const CAMPAIGN_STATUS: Record<string, { label: string; color: string }> = {
  scheduled: { label: '待发送', color: 'blue' },
  deferred: { label: '免打扰时段后发送', color: 'gold' },
  resolving: { label: '筛选客户中', color: 'processing' },
  sending: { label: '创建群发任务中', color: 'processing' },
  tracking: { label: '待成员确认发送', color: 'cyan' },
  done: { label: '已完成', color: 'green' },
  cancelled: { label: '已停止', color: 'default' },
  failed: { label: '失败', color: 'red' },
};

export const RECIPIENT_STATUS: Record<string, { label: string; color: string }> = {
  skipped: { label: '已跳过', color: 'default' },
  queued: { label: '排队中', color: 'blue' },
  awaiting_staff: { label: '未发送', color: 'gold' },
  sent: { label: '已发送', color: 'green' },
  not_friend: { label: '非好友', color: 'orange' },
  over_quota: { label: '超出接收上限', color: 'orange' },
  failed: { label: '发送失败', color: 'red' },
  cancelled: { label: '已取消', color: 'default' },
};

export const SKIP_REASON: Record<string, string> = {
  duplicate: '重复客户（已合并）',
  relationship_ended: '已不是好友',
  no_sender: '没有可发送的跟进成员',
  no_consent: '未获营销授权',
  wecom_quota: '已达企业微信群发接收上限',
  clinic_cap: '已达诊所每日推送上限',
};

export const CAMPAIGN_KIND: Record<string, string> = {
  campaign: '推送任务',
  direct: '单独发送',
  automation: '自动化',
};

export const AUTOMATION_TYPE: Record<string, string> = {
  birthday: '生日祝福',
  after_visit: '到店回访',
  re_engagement: '沉睡客户唤醒',
};

export const SYNC_STATUS: Record<string, { label: string; color: string }> = {
  running: { label: '同步中…', color: 'processing' },
  done: { label: '同步完成', color: 'green' },
  failed: { label: '同步失败', color: 'red' },
};

export const CONTACT_WAY_TYPE: Record<number, string> = { 1: '单人', 2: '多人' };
export const CONTACT_WAY_SCENE: Record<number, string> = { 1: '在小程序中联系', 2: '通过二维码联系' };

export function labelOf(
  table: Record<string, { label: string; color: string }>,
  code: string,
): { label: string; color: string } {
  return table[code] ?? { label: code, color: 'default' };
}

/** The lead pipeline's stages in order (新线索 → … → 复购), with their tag colours. */
export const LEAD_STAGES = [
  { value: 'new', label: '新线索', color: 'default' },
  { value: 'consulted', label: '已咨询', color: 'cyan' },
  { value: 'booked', label: '已预约', color: 'blue' },
  { value: 'arrived', label: '已到店', color: 'purple' },
  { value: 'purchased', label: '已成交', color: 'green' },
  { value: 'repurchased', label: '复购', color: 'gold' },
] as const;

export type LeadStageValue = (typeof LEAD_STAGES)[number]['value'];

export function leadStage(value: string | null | undefined): { value: string; label: string; color: string } {
  return LEAD_STAGES.find((s) => s.value === value) ?? LEAD_STAGES[0];
}
