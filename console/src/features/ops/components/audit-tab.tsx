import { ReloadOutlined } from '@ant-design/icons';
import { Button, Flex, Space, Table, Tag, Typography, type TableColumnsType } from 'antd';
import { EmptyState } from '@/components/empty-state';
import { QueryError } from '@/components/query-error';
import { formatTime } from '@/lib/format';
import { useAuditLogs, type AuditEntry } from '../api/audit';
import { auditActionLabel, auditFieldLabel } from '../api/labels';

/** 操作日志: who changed what (the names of changed fields, never their values), newest first. */
export function AuditTab() {
  const logs = useAuditLogs();

  const columns: TableColumnsType<AuditEntry> = [
    { title: '时间', dataIndex: 'at_ms', width: 150, render: (ms: number) => formatTime(ms) },
    { title: '操作人', dataIndex: 'actor', width: 160, ellipsis: true },
    {
      title: '操作',
      dataIndex: 'action',
      width: 200,
      render: (action: string) => (
        <Space direction="vertical" size={0}>
          <span>{auditActionLabel(action)}</span>
          <Typography.Text type="secondary" style={{ fontSize: 12 }}>
            {action}
          </Typography.Text>
        </Space>
      ),
    },
    { title: '对象', dataIndex: 'target', width: 240, ellipsis: true, render: (t: string) => <Typography.Text code>{t}</Typography.Text> },
    {
      title: '修改的字段',
      dataIndex: 'fields',
      render: (fields: string[]) =>
        fields.length === 0
          ? '—'
          : fields.map((f) => (
              <Tag key={f} title={f}>
                {auditFieldLabel(f)}
              </Tag>
            )),
    },
  ];

  return (
    <>
      <Flex gap={8} wrap align="center" style={{ marginBottom: 12 }}>
        <Button icon={<ReloadOutlined />} onClick={() => void logs.refetch()} loading={logs.isRefetching}>
          刷新
        </Button>
        <Typography.Text type="secondary">
          记录谁在什么时间修改了什么；只记录修改了哪些字段，不记录字段的值（如 Secret）。
        </Typography.Text>
      </Flex>
      {logs.isError && <QueryError error={logs.error} onRetry={() => void logs.refetch()} />}
      <Table<AuditEntry>
        rowKey="id"
        size="middle"
        columns={columns}
        dataSource={logs.items}
        loading={logs.isPending}
        pagination={false}
        scroll={{ x: 980 }}
        locale={{ emptyText: <EmptyState description="还没有操作记录。修改配置、重新处理事件、开始同步等操作会记录在这里。" /> }}
      />
      {logs.hasNextPage && (
        <Flex justify="center" style={{ marginTop: 12 }}>
          <Button onClick={() => void logs.fetchNextPage()} loading={logs.isFetchingNextPage}>
            加载更多
          </Button>
        </Flex>
      )}
    </>
  );
}
