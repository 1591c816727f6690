import { Alert, Card, Col, Descriptions, List, Row, Statistic, Table, Typography, type TableColumnsType } from 'antd';
import { useStaffLabel } from '@/components/staff-select';
import type { Preview, Recipient } from '../api/campaigns';
import { channelLabel, skipReasonHelp, skipReasonLabel, tierLabel } from '../api/labels';

interface Props {
  preview: Preview;
  /** The audience changed since this dry run. */
  stale: boolean;
  channels: Record<string, { label: string }> | undefined;
}

/** What a dry run found: who would be messaged, who is skipped and why, what it takes. */
export function DryRunResult({ preview, stale, channels }: Props) {
  const staff = useStaffLabel();
  const skipped = Object.entries(preview.skipped).sort(([, a], [, b]) => b - a);
  const skippedTotal = skipped.reduce((sum, [, n]) => sum + n, 0);

  const sampleColumns: TableColumnsType<Recipient> = [
    { title: '客户 ID', dataIndex: 'external_userid', ellipsis: true },
    { title: '发送成员', key: 'userid', render: (_, r) => (r.userid ? staff(r.userid) : '—') },
    { title: '客户分层', key: 'tier', width: 90, render: (_, r) => tierLabel(r.tier ?? '') },
    { title: '来源渠道', key: 'channel', render: (_, r) => channelLabel(r.channel, channels) },
  ];

  return (
    <Card
      size="small"
      type="inner"
      title="预览结果"
      style={{ opacity: stale ? 0.6 : 1 }}
      data-testid="dry-run"
    >
      {stale && (
        <Alert type="info" showIcon message="目标客户条件已修改，请重新预览。" style={{ marginBottom: 12 }} />
      )}
      {!preview.complete && (
        <Alert
          type="warning"
          showIcon
          message="客户较多，预览只检查了前 20 000 位客户，实际人数会更多。"
          style={{ marginBottom: 12 }}
        />
      )}
      <Row gutter={[16, 16]}>
        <Col xs={12} md={6}>
          <Statistic title="目标客户" value={preview.targeted} suffix="位" />
        </Col>
        <Col xs={12} md={6}>
          <Statistic title="将发送" value={preview.would_send} suffix="位" valueStyle={{ color: '#237804' }} />
        </Col>
        <Col xs={12} md={6}>
          <Statistic title="已跳过" value={skippedTotal} suffix="位" />
        </Col>
        <Col xs={12} md={6}>
          <Statistic title="群发任务" value={preview.tasks} suffix="个" />
        </Col>
      </Row>
      <Descriptions
        size="small"
        column={{ xs: 1, sm: 1, md: 3, lg: 3, xl: 3, xxl: 3 }}
        style={{ marginTop: 12 }}
        items={[
          { key: 'senders', label: '发送成员', children: `${preview.senders} 位` },
          { key: 'confirm', label: '需成员确认', children: `${preview.staff_confirmations} 次（每个群发任务一次）` },
          { key: 'calls', label: '企业微信接口调用', children: `约 ${preview.wecom_calls} 次` },
        ]}
      />
      {preview.would_send === 0 && preview.targeted > 0 && (
        <Alert type="warning" showIcon message="按当前条件没有客户会收到消息，请查看跳过原因。" style={{ marginTop: 12 }} />
      )}
      {preview.targeted === 0 && (
        <Alert type="warning" showIcon message="没有符合条件的客户，请放宽条件。" style={{ marginTop: 12 }} />
      )}
      {skipped.length > 0 && (
        <>
          <Typography.Title level={2} style={{ fontSize: 14, marginTop: 16 }}>
            跳过原因
          </Typography.Title>
          <List
            size="small"
            bordered
            dataSource={skipped}
            renderItem={([reason, count]) => (
              <List.Item extra={<Typography.Text strong>{count} 位</Typography.Text>}>
                <List.Item.Meta title={skipReasonLabel(reason)} description={skipReasonHelp(reason)} />
              </List.Item>
            )}
          />
        </>
      )}
      {preview.sample.length > 0 && (
        <>
          <Typography.Title level={2} style={{ fontSize: 14, marginTop: 16 }}>
            将收到消息的客户（示例）
          </Typography.Title>
          <Table<Recipient>
            size="small"
            rowKey="external_userid"
            columns={sampleColumns}
            dataSource={preview.sample}
            pagination={false}
            scroll={{ x: 560 }}
          />
        </>
      )}
    </Card>
  );
}
