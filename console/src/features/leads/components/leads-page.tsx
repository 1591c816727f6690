import { ReloadOutlined } from '@ant-design/icons';
import { Alert, Button, Flex, Table, Tag, Typography, type TableColumnsType } from 'antd';
import { Link } from 'react-router';
import { EmptyState } from '@/components/empty-state';
import { PageContainer } from '@/components/page-container';
import { QueryError } from '@/components/query-error';
import { formatTime } from '@/lib/format';
import { consentLabel, useLeads, type Lead } from '../api/leads';

const COLUMNS: TableColumnsType<Lead> = [
  { title: '姓名', key: 'name', render: (_, l) => l.name ?? '—' },
  { title: '手机号', key: 'phone', render: (_, l) => l.phone ?? '—' },
  { title: 'unionid', key: 'unionid', ellipsis: true, render: (_, l) => l.unionid ?? '—' },
  { title: '客户分层', key: 'tier', width: 90, render: (_, l) => l.tier ?? '—' },
  { title: '心理类型', key: 'psych', render: (_, l) => l.psych_type ?? '—' },
  { title: '生日', key: 'birthday', width: 110, render: (_, l) => l.birthday ?? '—' },
  { title: '营销授权', key: 'consent', render: (_, l) => consentLabel(l) },
  { title: '导入时间', key: 'created', width: 150, render: (_, l) => formatTime(l.created_at_ms) },
  {
    title: '状态',
    key: 'status',
    width: 150,
    render: (_, l) =>
      l.merged_into ? (
        <Link to={`/dashboard/customers?customer=${encodeURIComponent(l.merged_into)}`} title="在「客户」页查看">
          <Tag color="green">已成为客户</Tag>
        </Link>
      ) : (
        <Tag>待添加</Tag>
      ),
  },
];

/** 线索: imported people who are not WeCom customers yet; no message can reach them. */
export function LeadsPage() {
  const leads = useLeads();
  const rows = leads.data?.pages.flatMap((p) => p.items) ?? [];
  return (
    <PageContainer
      title="线索"
      description="导入文件中未匹配到企业微信客户的人。线索无法接收任何消息；当其添加顾问（unionid 相同，或顾问在备注中记录了其手机号）时，自动合并为客户。"
      extra={
        <Button icon={<ReloadOutlined />} onClick={() => void leads.refetch()} loading={leads.isRefetching}>
          刷新
        </Button>
      }
    >
      {leads.isError && <QueryError error={leads.error} onRetry={() => void leads.refetch()} />}
      <Alert
        type="info"
        showIcon
        style={{ marginBottom: 12 }}
        message="在「客户」页点击「导入」上传客户名单，未匹配到客户的行会出现在这里。"
      />
      <Table<Lead>
        rowKey="id"
        aria-label="线索列表"
        columns={COLUMNS}
        dataSource={rows}
        loading={leads.isPending}
        pagination={false}
        scroll={{ x: 1100 }}
        locale={{ emptyText: leads.isPending ? ' ' : <EmptyState description="还没有线索" /> }}
        footer={
          rows.length > 0
            ? () => (
                <Flex justify="space-between" align="center">
                  <Typography.Text role="status">已显示 {rows.length} 条线索</Typography.Text>
                  {leads.hasNextPage && (
                    <Button onClick={() => void leads.fetchNextPage()} loading={leads.isFetchingNextPage}>
                      加载更多
                    </Button>
                  )}
                </Flex>
              )
            : undefined
        }
      />
    </PageContainer>
  );
}
