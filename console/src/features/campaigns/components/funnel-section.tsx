import { Alert, Card, Col, List, Row, Statistic, Table, Tabs, Typography, type TableColumnsType } from 'antd';
import { Chart } from '@/components/chart';
import { EmptyState } from '@/components/empty-state';
import { formatPercent } from '@/lib/format';
import type { Funnel } from '../api/campaigns';
import {
  breakdownDescription,
  breakdownOption,
  breakdownRows,
  funnelDescription,
  funnelOption,
  type BreakdownRow,
} from '../api/funnel';
import { channelLabel, failReasonLabel, skipReasonHelp, skipReasonLabel, tierLabel } from '../api/labels';

interface Props {
  funnel: Funnel;
  channels: Record<string, { label: string }> | undefined;
}

function Breakdown({ rows, title, first }: { rows: BreakdownRow[]; title: string; first: string }) {
  const columns: TableColumnsType<BreakdownRow> = [
    { title: first, dataIndex: 'label', fixed: 'left', width: 120 },
    { title: '目标客户', dataIndex: 'targeted', align: 'right' },
    { title: '已跳过', dataIndex: 'skipped', align: 'right' },
    { title: '已创建任务', dataIndex: 'task_created', align: 'right' },
    { title: '待成员确认', dataIndex: 'awaiting_staff', align: 'right' },
    { title: '成员已发送', dataIndex: 'sent', align: 'right' },
    { title: '已预约', dataIndex: 'booked', align: 'right' },
    { title: '发送率', dataIndex: 'sentRate', align: 'right' },
    { title: '预约率', dataIndex: 'bookedRate', align: 'right' },
  ];
  if (rows.length === 0) return <EmptyState description="还没有客户数据" />;
  return (
    <>
      <Chart option={breakdownOption(rows)} label={breakdownDescription(title, rows)} height={280} />
      <Table<BreakdownRow>
        size="small"
        rowKey="key"
        columns={columns}
        dataSource={rows}
        pagination={false}
        scroll={{ x: 860 }}
        style={{ marginTop: 12 }}
        data-testid={`breakdown-${first}`}
      />
    </>
  );
}

/**
 * The funnel: 目标客户 → 已跳过 → 已创建任务 → 成员已发送 → 已点击 → 已预约, with the
 * outcomes that stop short of sent, the reasons, and the breakdown by tier and by channel.
 */
export function FunnelSection({ funnel, channels }: Props) {
  const skipped = Object.entries(funnel.skipped_by_reason).sort(([, a], [, b]) => b - a);
  const failed = Object.entries(funnel.failed_by_reason).sort(([, a], [, b]) => b - a);
  const byTier = breakdownRows(funnel.by_tier, tierLabel);
  const byChannel = breakdownRows(funnel.by_channel, (state) => channelLabel(state, channels));

  return (
    <Card title="推送漏斗">
      <Row gutter={[16, 16]} data-testid="funnel-stats">
        <Col xs={12} md={8} xl={4}>
          <Statistic title="目标客户" value={funnel.targeted} />
        </Col>
        <Col xs={12} md={8} xl={4}>
          <Statistic title="已跳过" value={funnel.skipped} />
        </Col>
        <Col xs={12} md={8} xl={4}>
          <Statistic title="已创建任务" value={funnel.task_created} />
        </Col>
        <Col xs={12} md={8} xl={4}>
          <Statistic
            title="成员已发送"
            value={funnel.sent}
            suffix={<Typography.Text type="secondary" style={{ fontSize: 12 }}>{`待确认 ${funnel.awaiting_staff}`}</Typography.Text>}
          />
        </Col>
        <Col xs={12} md={8} xl={4}>
          <Statistic title="已点击（次）" value={funnel.clicks} />
        </Col>
        <Col xs={12} md={8} xl={4}>
          <Statistic title="已预约" value={funnel.booked} suffix={<Typography.Text type="secondary" style={{ fontSize: 12 }}>{formatPercent(funnel.booked, funnel.sent)}</Typography.Text>} />
        </Col>
      </Row>
      <Chart option={funnelOption(funnel)} label={funnelDescription(funnel)} height={260} />
      <Typography.Paragraph type="secondary" style={{ fontSize: 12 }}>
        企业微信不提供消息的打开情况，因此没有打开率。「已点击」是跟踪链接被打开的次数（同一群发任务的客户共用链接，无法区分是谁点击，也无法按分层或渠道统计），
        其中可确定客户的 {funnel.clicks_attributed} 次；「已预约」是成员发送后 {funnel.booked_within_days} 天内预约或消费的客户。
      </Typography.Paragraph>

      <Row gutter={[16, 16]}>
        <Col xs={24} lg={12}>
          <Typography.Title level={2} style={{ fontSize: 15 }}>
            未送达
          </Typography.Title>
          <List
            size="small"
            bordered
            dataSource={[
              { key: 'not_friend', label: '非好友（因客户不是好友导致发送失败）', value: funnel.not_friend },
              { key: 'over_quota', label: '超出接收上限（因客户已经收到其他群发消息导致发送失败）', value: funnel.over_quota },
              { key: 'failed', label: '发送失败', value: funnel.failed },
              { key: 'cancelled', label: '已取消（停止群发时成员尚未发送）', value: funnel.cancelled },
            ]}
            renderItem={(item) => (
              <List.Item extra={<Typography.Text strong>{item.value}</Typography.Text>}>{item.label}</List.Item>
            )}
          />
          {failed.length > 0 && (
            <Alert
              type="error"
              showIcon
              style={{ marginTop: 12 }}
              message="发送失败的原因"
              description={
                <ul style={{ margin: 0, paddingInlineStart: 18 }}>
                  {failed.map(([reason, count]) => (
                    <li key={reason}>
                      {failReasonLabel(reason)}：{count} 位
                    </li>
                  ))}
                </ul>
              }
            />
          )}
        </Col>
        <Col xs={24} lg={12}>
          <Typography.Title level={2} style={{ fontSize: 15 }}>
            跳过原因
          </Typography.Title>
          {skipped.length === 0 ? (
            <Typography.Text type="secondary">没有客户被跳过。</Typography.Text>
          ) : (
            <List
              size="small"
              bordered
              dataSource={skipped}
              renderItem={([reason, count]) => (
                <List.Item extra={<Typography.Text strong>{count}</Typography.Text>}>
                  <List.Item.Meta title={skipReasonLabel(reason)} description={skipReasonHelp(reason)} />
                </List.Item>
              )}
            />
          )}
        </Col>
      </Row>

      <Tabs
        style={{ marginTop: 16 }}
        items={[
          { key: 'tier', label: '按客户分层', children: <Breakdown rows={byTier} title="按客户分层" first="客户分层" /> },
          { key: 'channel', label: '按来源渠道', children: <Breakdown rows={byChannel} title="按来源渠道" first="来源渠道" /> },
        ]}
      />
    </Card>
  );
}
