import { Space, Tooltip, Typography } from 'antd';
import { $api } from '@/lib/api/client';
import { formatPercent } from '@/lib/format';
import { isFinal, type CampaignView } from '../api/campaigns';

/**
 * A campaign's funnel in one line. The list does not carry funnels, so each row asks for its
 * campaign (`GET /api/campaigns/{id}`) once it has started.
 */
export function FunnelSummary({ campaign }: { campaign: CampaignView }) {
  const started = !['scheduled', 'deferred'].includes(campaign.status);
  const detail = $api.useQuery(
    'get',
    '/api/campaigns/{id}',
    { params: { path: { id: campaign.id } } },
    { enabled: started, staleTime: 30_000, refetchInterval: isFinal(campaign.status) ? false : 30_000 },
  );
  if (!started) {
    return <Typography.Text type="secondary">未开始</Typography.Text>;
  }
  const f = detail.data?.funnel;
  if (detail.isError) return <Typography.Text type="secondary">无法读取</Typography.Text>;
  if (!f) {
    return <Typography.Text type="secondary">目标 {campaign.progress.targeted}…</Typography.Text>;
  }
  return (
    <Space size={4} wrap style={{ fontVariantNumeric: 'tabular-nums' }}>
      <span>目标 {f.targeted}</span>→
      <Tooltip title={`已发送 / 目标客户 = ${formatPercent(f.sent, f.targeted)}；等待成员确认 ${f.awaiting_staff}`}>
        <span>已发送 {f.sent}</span>
      </Tooltip>
      →<span>点击 {f.clicks} 次</span>→
      <Tooltip title={`已预约 / 已发送 = ${formatPercent(f.booked, f.sent)}（发送后 ${f.booked_within_days} 天内预约或消费）`}>
        <span>已预约 {f.booked}</span>
      </Tooltip>
    </Space>
  );
}
