import { ReloadOutlined } from '@ant-design/icons';
import { Button, Flex, Table, Typography } from 'antd';
import { Link } from 'react-router';
import { QueryError } from '@/components/query-error';
import type { Schemas } from '@/lib/api/client';
import { formatTime } from '@/lib/format';
import { RECIPIENT_STATUS, SKIP_REASON, labelOf } from '@/lib/labels';
import { useMessageLog } from '../api/customers';
import { useStaffLabel } from '@/components/staff-select';
import { StatusBadge } from './status-badge';

type Recipient = Schemas['Recipient'];

/** What was sent to the customer (推送任务, 自动化, 单独发送), newest first. */
export function MessagesTab({ externalUserid }: { externalUserid: string }) {
  const log = useMessageLog(externalUserid);
  const staffLabel = useStaffLabel();
  const items = log.data?.pages.flatMap((page) => page.items) ?? [];

  return (
    <>
      <Flex justify="flex-end" style={{ marginBottom: 8 }}>
        <Button size="small" icon={<ReloadOutlined />} loading={log.isRefetching && !log.isFetchingNextPage} onClick={() => void log.refetch()}>
          刷新
        </Button>
      </Flex>
      {log.isError && <QueryError error={log.error} onRetry={() => void log.refetch()} />}
      <Table<Recipient>
        rowKey={(r) => `${r.campaign_id}:${r.created_at_ms}`}
        size="small"
        pagination={false}
        loading={log.isPending}
        dataSource={items}
        scroll={{ x: 640 }}
        locale={{ emptyText: '还没有发给该客户的消息。可点击右上角「发送消息」单独发送。' }}
        columns={[
          {
            title: '时间',
            key: 'at',
            width: 140,
            render: (_, r) => formatTime(r.sent_at_ms ?? r.created_at_ms),
          },
          {
            title: '状态',
            key: 'status',
            width: 110,
            render: (_, r) => {
              const s = labelOf(RECIPIENT_STATUS, r.status);
              return <StatusBadge label={s.label} color={s.color} />;
            },
          },
          {
            title: '内容',
            key: 'text',
            render: (_, r) =>
              r.text ? (
                <Typography.Paragraph ellipsis={{ rows: 2, tooltip: r.text }} style={{ margin: 0 }}>
                  {r.text}
                </Typography.Paragraph>
              ) : (
                <Typography.Text type="secondary">同推送任务内容</Typography.Text>
              ),
          },
          { title: '发送成员', key: 'userid', width: 100, render: (_, r) => (r.userid ? staffLabel(r.userid) : '—') },
          {
            title: '原因',
            key: 'reason',
            width: 140,
            render: (_, r) => (r.reason ? (SKIP_REASON[r.reason] ?? r.reason) : '—'),
          },
          {
            title: '推送任务',
            key: 'campaign',
            width: 90,
            render: (_, r) => <Link to={`/dashboard/wework/messages/${encodeURIComponent(r.campaign_id)}`}>查看</Link>,
          },
        ]}
      />
      {log.hasNextPage && (
        <Flex justify="center" style={{ marginTop: 12 }}>
          <Button onClick={() => void log.fetchNextPage()} loading={log.isFetchingNextPage}>
            加载更多
          </Button>
        </Flex>
      )}
    </>
  );
}
