import { Button, Card, Flex, Table, Typography, type TableColumnsType } from 'antd';
import { EmptyState } from '@/components/empty-state';
import { QueryError } from '@/components/query-error';
import { useStaffLabel } from '@/components/staff-select';
import { useCampaignLinks, type LinkClicks } from '../api/campaigns';

/** The chunk key `CHUNK#<sender>#<n>` → the sender. */
function senderOf(chunk: string): string {
  return chunk.split('#')[1] ?? chunk;
}

/** 链接点击: each tracked link of the campaign with its clicks and the customers who clicked. */
export function LinksTable({ campaignId, live, clicks }: { campaignId: string; live: boolean; clicks: number }) {
  const list = useCampaignLinks(campaignId, live, clicks);
  const staff = useStaffLabel();
  const rows = list.data?.pages.flatMap((p) => p.items) ?? [];

  const columns: TableColumnsType<LinkClicks> = [
    {
      title: '链接',
      key: 'url',
      render: (_, l) => (
        <Typography.Text ellipsis={{ tooltip: l.url }} style={{ maxWidth: 360 }}>
          {l.url}
        </Typography.Text>
      ),
    },
    {
      title: '群发任务',
      key: 'task',
      width: 160,
      render: (_, l) => (l.external_userid ? `单独发给 ${l.external_userid}` : `${staff(senderOf(l.chunk))} 的任务`),
    },
    { title: '点击', dataIndex: 'clicks', width: 90, align: 'right' },
    {
      title: '点击的客户',
      key: 'unique',
      width: 110,
      align: 'right',
      render: (_, l) =>
        l.external_userid ? l.unique_clickers : <Typography.Text type="secondary" title="发给多位客户的链接无法区分是谁点击">—</Typography.Text>,
    },
  ];

  return (
    <Card title="链接点击" id="links">
      {list.isError && <QueryError error={list.error} onRetry={() => void list.refetch()} />}
      <Table<LinkClicks>
        size="small"
        rowKey="token"
        columns={columns}
        dataSource={rows}
        loading={list.isPending}
        pagination={false}
        scroll={{ x: 720 }}
        locale={{
          emptyText: list.isPending ? ' ' : <EmptyState description="这次推送的内容中没有可追踪的链接" />,
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
