import { MinusSquareOutlined, PlusSquareOutlined } from '@ant-design/icons';
import { Button, Card, Flex, Select, Table, Timeline, Typography, type TableColumnsType } from 'antd';
import { useState } from 'react';
import { Link } from 'react-router';
import { EmptyState } from '@/components/empty-state';
import { ExportButton } from '@/components/export-button';
import { QueryError } from '@/components/query-error';
import { useStaffLabel } from '@/components/staff-select';
import { formatTime } from '@/lib/format';
import { RECIPIENT_STATUS, labelOf } from '@/lib/labels';
import { useRecipients, type Recipient, type RecipientStatus } from '../api/campaigns';
import { channelLabel, recipientReasonLabel, tierLabel } from '../api/labels';
import { RecipientStatusTag } from './campaign-status';

const STATUS_OPTIONS = Object.entries(RECIPIENT_STATUS).map(([value, s]) => ({ value, label: s.label }));

/** The campaign's recipients with status, reason and history; filtered by status, page by page. */
export function RecipientsTable({
  campaignId,
  live,
  channels,
}: {
  campaignId: string;
  live: boolean;
  channels: Record<string, { label: string }> | undefined;
}) {
  const [status, setStatus] = useState<RecipientStatus | undefined>();
  const list = useRecipients(campaignId, status, live);
  const staff = useStaffLabel();
  const rows = list.data?.pages.flatMap((p) => p.items) ?? [];

  const columns: TableColumnsType<Recipient> = [
    {
      title: '客户',
      key: 'customer',
      width: 220,
      fixed: 'left',
      render: (_, r) => (
        <Link to={`/dashboard/customers?customer=${encodeURIComponent(r.external_userid)}`} title="在「客户」页查看">
          <Typography.Text ellipsis style={{ maxWidth: 200, color: 'inherit' }}>
            {r.external_userid}
          </Typography.Text>
        </Link>
      ),
    },
    { title: '状态', key: 'status', width: 120, render: (_, r) => <RecipientStatusTag status={r.status} /> },
    {
      title: '原因',
      key: 'reason',
      width: 220,
      render: (_, r) => recipientReasonLabel(r.status, r.reason) || <Typography.Text type="secondary">—</Typography.Text>,
    },
    { title: '发送成员', key: 'userid', width: 120, render: (_, r) => (r.userid ? staff(r.userid) : '—') },
    { title: '客户分层', key: 'tier', width: 90, render: (_, r) => tierLabel(r.tier ?? '') },
    { title: '来源渠道', key: 'channel', width: 120, render: (_, r) => channelLabel(r.channel, channels) },
    { title: '发送时间', key: 'sent', width: 150, render: (_, r) => formatTime(r.sent_at_ms) },
    { title: '更新时间', key: 'updated', width: 150, render: (_, r) => formatTime(r.updated_at_ms) },
  ];

  return (
    <Card
      title="客户明细"
      id="recipients"
      extra={
        <ExportButton
          size="small"
          fallbackName={`campaign-${campaignId}-recipients`}
          path={(format) => `/api/campaigns/${encodeURIComponent(campaignId)}/recipients/export?format=${format}`}
        />
      }
    >
      <Flex gap={12} wrap align="center" style={{ marginBottom: 12 }}>
        <Select
          allowClear
          placeholder="全部状态"
          aria-label="按客户状态筛选"
          style={{ width: 200 }}
          value={status}
          onChange={(value: RecipientStatus | undefined) => setStatus(value)}
          options={STATUS_OPTIONS}
        />
        {status && (
          <Typography.Text type="secondary">按状态筛选时每页可能较少，请点「加载更多」继续查看。</Typography.Text>
        )}
      </Flex>
      {list.isError && <QueryError error={list.error} onRetry={() => void list.refetch()} />}
      <Table<Recipient>
        size="small"
        rowKey={(r) => `${r.external_userid}`}
        columns={columns}
        dataSource={rows}
        loading={list.isPending}
        pagination={false}
        scroll={{ x: 1200 }}
        expandable={{
          expandedRowRender: (r) => (
            <Timeline
              style={{ marginTop: 8, marginBottom: -16 }}
              items={[
                { children: `${formatTime(r.created_at_ms)} 加入推送名单` },
                ...r.history.map((h) => ({
                  children: `${formatTime(h.at_ms)} ${labelOf(RECIPIENT_STATUS, h.status).label}`,
                })),
              ]}
            />
          ),
          rowExpandable: (r) => r.history.length > 0,
          expandIcon: ({ expanded, onExpand, record, expandable }) =>
            expandable ? (
              <Button
                type="text"
                size="small"
                icon={expanded ? <MinusSquareOutlined /> : <PlusSquareOutlined />}
                aria-label={`${expanded ? '收起' : '展开'}状态记录：${record.external_userid}`}
                aria-expanded={expanded}
                onClick={(e) => onExpand(record, e)}
              />
            ) : null,
        }}
        locale={{
          emptyText: list.isPending ? ' ' : (
            <EmptyState
              description={
                status
                  ? '没有该状态的客户，换个状态或加载更多看看'
                  : '还没有客户明细：推送任务开始后，这里会列出每位目标客户的发送状态'
              }
            />
          ),
        }}
      />
      {list.hasNextPage && (
        <Flex justify="center" style={{ marginTop: 12 }}>
          <Button onClick={() => void list.fetchNextPage()} loading={list.isFetchingNextPage}>
            加载更多
          </Button>
        </Flex>
      )}
    </Card>
  );
}
