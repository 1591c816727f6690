/**
 * The operations page's words for the API's codes (glossary: 企业微信事件日志, 重新处理,
 * 处理失败的消息, 操作日志; WeCom's own names for its events). Unknown codes are shown as they are.
 */
import type { Schemas } from '@/lib/api/client';

export interface Label {
  label: string;
  color: string;
}

export const CALLBACK_STATUS: Record<Schemas['CallbackStatus'], Label> = {
  received: { label: '待处理', color: 'blue' },
  retrying: { label: '重试中', color: 'gold' },
  processed: { label: '已处理', color: 'green' },
  ignored: { label: '无需处理', color: 'default' },
  failed: { label: '处理失败', color: 'red' },
  unrecognized: { label: '无法识别', color: 'purple' },
};

/** `CallbackLogView.unrecognized_reason` → why the message could not be read. */
export function unrecognizedReasonLabel(reason: string | null | undefined): string {
  if (!reason) return '无法识别';
  if (reason.startsWith('missing_element:')) return `缺少 ${reason.slice('missing_element:'.length)} 字段`;
  const labels: Record<string, string> = {
    json: 'JSON 格式消息（暂不支持）',
    not_xml: '不是 XML 格式',
    empty: '消息内容为空',
    not_utf8: '不是 UTF-8 文本（原文以 base64 保存）',
    malformed_xml: 'XML 格式错误',
    forbidden_xml: 'XML 含 DOCTYPE 或实体声明',
    bad_create_time: 'CreateTime 不是整数',
  };
  return labels[reason] ?? reason;
}

/** An event still being worked on: the page keeps asking until it settles. */
export function isPending(status: Schemas['CallbackStatus']): boolean {
  return status === 'received' || status === 'retrying';
}

/** `event/ChangeType` (or the app message's MsgType) → WeCom's name for it. */
export const EVENT_TYPE: Record<string, string> = {
  'change_external_contact/add_external_contact': '添加企业客户',
  'change_external_contact/add_half_external_contact': '外部联系人免验证添加成员',
  'change_external_contact/edit_external_contact': '编辑企业客户',
  'change_external_contact/del_external_contact': '删除企业客户（员工已删除客户）',
  'change_external_contact/del_follow_user': '删除跟进成员（客户已删除员工）',
  'change_external_contact/transfer_fail': '客户接替失败',
  'change_external_contact/msg_audit_approved': '客户同意进行聊天内容存档',
  'change_external_tag/create': '企业客户标签创建',
  'change_external_tag/update': '企业客户标签变更',
  'change_external_tag/delete': '企业客户标签删除',
  'change_external_tag/shuffle': '企业客户标签重排',
  'change_external_chat/create': '客户群创建',
  'change_external_chat/update': '客户群变更',
  'change_external_chat/dismiss': '客户群解散',
  text: '应用消息（文本）',
  image: '应用消息（图片）',
  voice: '应用消息（语音）',
  video: '应用消息（视频）',
  location: '应用消息（位置）',
  link: '应用消息（链接）',
  unrecognized: '无法识别的消息',
};

export function eventTypeLabel(eventType: string): string {
  return EVENT_TYPE[eventType] ?? `其他事件（${eventType || '未知'}）`;
}

/** The queues whose failed messages are kept (`DeadLetterView.queue`). */
export const QUEUE: Record<string, string> = {
  events: '企业微信事件',
  sync: '同步',
  campaigns: '推送任务',
  sends: '群发任务',
};

export function queueLabel(queue: string): string {
  return QUEUE[queue] ?? queue;
}

/** `AuditEntryView.action`. */
export const AUDIT_ACTION: Record<string, string> = {
  'config.update': '修改企业微信配置',
  'callback_log.replay': '重新处理企业微信事件',
  'dead_letter.replay': '重新处理失败的消息',
  'sync.start': '开始同步',
  'stats.rebuild': '修正统计',
  'customer.read': '查看客户资料',
  'customer.update': '修改客户资料',
  'customer.sync': '同步客户',
  'customer.tags': '修改客户企业标签',
  'appointment.create': '录入预约',
  'purchase.create': '录入消费',
  'tag.create': '新建企业标签',
  'tag.update': '修改企业标签',
  'tag.delete': '删除企业标签',
  'contact_way.create': '新建「联系我」',
  'contact_way.update': '修改「联系我」',
  'contact_way.delete': '删除「联系我」',
  'campaign.create': '新建推送任务',
  'campaign.cancel': '停止群发',
  'message.send': '单独发送消息',
  'media.upload': '上传图片',
  'automation.create': '新建自动化',
  'automation.update': '修改自动化',
  'automation.delete': '删除自动化',
  'automation.run': '立即运行自动化',
  'appointment.reschedule': '预约改期',
  'appointment.status': '修改预约状态',
  'campaign.remind': '提醒成员发送',
  'campaign.recipients.export': '导出推送对象',
  'customer.consent': '记录授权',
  'customer.erase': '删除个人信息',
  'customer.export': '导出客户',
  'customer.import': '导入客户',
  'customer.remark': '修改备注',
  'customer.stage': '修改客户阶段',
  'handover.create': '发起客户继承',
  'lead.list': '查看线索',
  'staff.update': '修改成员信息',
  'stats.behavior_import': '更新员工绩效数据',
};

export function auditActionLabel(action: string): string {
  return AUDIT_ACTION[action] ?? action;
}

/** Names of changed fields (`AuditEntryView.fields`), as the pages that edit them say. */
export const AUDIT_FIELD: Record<string, string> = {
  corp_id: '企业ID',
  agent_id: 'AgentId',
  corp_secret: 'Secret',
  token: 'Token',
  encoding_aes_key: 'EncodingAESKey',
  callback_max_skew_secs: '回调时间戳容差',
  channels: '渠道与欢迎语',
  default_welcome: '默认欢迎语',
  send_rules: '推送规则',
  add_tag: '添加标签',
  remove_tag: '移除标签',
  tag: '标签',
  remark: '备注',
  description: '描述',
  tier: '客户分层',
  consent: '营销授权',
  scheduled_at_ms: '预约时间',
  purchased_at_ms: '消费时间',
  amount_fen: '金额',
  item: '项目',
  source: '来源',
  name: '名称',
  order: '排序',
  kind: '类型',
  text: '消息内容',
  enabled: '启用状态',
  sender_policy: '发送成员',
  skip_verify: '客户添加时无需经过确认',
  style: '样式',
  state: '渠道标识',
  user: '使用成员',
  party: '使用部门',
  expires_in: '有效期',
  chat_expires_in: '会话有效期',
  unionid: '可进行临时会话的客户',
  conclusions: '结束语',
  psych_type: '心理类型',
  // What a 查看客户资料 entry read.
  detail: '客户详情',
  appointments: '预约记录',
  purchases: '消费记录',
  messages: '消息记录',
  consents: '授权记录',
  // 修正统计: whether the differences were written.
  apply: '写入修正',
};

export function auditFieldLabel(field: string): string {
  return AUDIT_FIELD[field] ?? field;
}

export const SYNC_RUN_STATUS: Record<Schemas['SyncRunStatus'], Label> = {
  running: { label: '同步中…', color: 'processing' },
  done: { label: '同步完成', color: 'green' },
  abandoned: { label: '已中断', color: 'default' },
  failed: { label: '同步失败', color: 'red' },
  not_started: { label: '未能开始', color: 'red' },
};

export const SYNC_PHASE: Record<Schemas['SyncPhase'], string> = {
  prepare: '读取企业标签与成员',
  customers: '读取客户',
  end_missing: '标记企业微信中已不存在的客户关系',
  finished: '已结束',
};

/** `batch/get_by_user` takes this many members per call (the sync's batch size). */
const STAFF_PER_BATCH = 100;

/**
 * How far a run is, 0–100, from its phase and checkpoint (the API has no total to divide by, so
 * this is the share of phases and member batches done, not of customers).
 */
export function syncPercent(run: Pick<Schemas['SyncRun'], 'status' | 'phase' | 'staff' | 'batch_index'>): number {
  if (run.status === 'done' || run.phase === 'finished') return 100;
  switch (run.phase) {
    case 'prepare':
      return 5;
    case 'customers': {
      const batches = Math.max(1, Math.ceil(run.staff.length / STAFF_PER_BATCH));
      const done = Math.min(run.batch_index, batches);
      return Math.round(10 + (75 * done) / batches);
    }
    case 'end_missing':
      return 90;
    default:
      return 0;
  }
}

/** What to do about the WeCom errcodes a failed event most often carries. */
const ERRCODE_HINT: Record<number, string> = {
  40001: '企业微信拒绝了应用凭证：请在「企业微信配置」检查企业ID 与 Secret（Secret 重置后需重新填写），保存后重新处理。',
  40013: '企业ID 不正确：请在「企业微信配置」检查企业ID，保存后重新处理。',
  42001: 'access_token 已过期，系统会自动重新获取；请重新处理。',
  48002: '应用没有调用该接口的权限：请在企业微信管理后台确认应用已开启「客户联系」权限。',
  60020: '服务器 IP 不在应用的企业可信IP 中：请在企业微信管理后台 → 应用管理 → 本应用 → 企业可信IP 中添加。',
  84061: '客户已不是该成员的好友，无需处理。',
  45009: '调用企业微信接口太频繁，系统会稍后自动重试。',
  45033: '企业微信接口并发过高，系统会稍后自动重试。',
  [-1]: '企业微信系统繁忙，系统会稍后自动重试。',
};

/** A Chinese explanation of the WeCom errcode named in an error text (`wecom errcode 40001: …`). */
export function errcodeHint(error: string | null | undefined): string | null {
  const match = /errcode\s*[:=]?\s*(-?\d+)/i.exec(error ?? '');
  return match ? (ERRCODE_HINT[Number(match[1])] ?? null) : null;
}
