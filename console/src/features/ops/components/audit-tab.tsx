import { ReloadOutlined, SafetyCertificateOutlined } from '@ant-design/icons';
import { Alert, Button, Flex, Space, Table, Tag, Typography, type TableColumnsType } from 'antd';
import { EmptyState } from '@/components/empty-state';
import { QueryError } from '@/components/query-error';
import { formatTime } from '@/lib/format';
import { describeChainReport, useAuditLogs, useAuditVerify, type AuditEntry } from '../api/audit';
import { auditActionLabel, auditFieldLabel } from '../api/labels';

/**
 * 操作日志: who changed what (the names of changed fields, never their values) and who opened
 * which customer, newest first; 校验完整性 checks the hash chain.
 */
export function AuditTab() {
  const logs = useAuditLogs();
  const verify = useAuditVerify();

  const columns: TableColumnsType<AuditEntry> = [
    { title: '序号', dataIndex: 'seq', width: 80, render: (seq?: number | null) => seq ?? '—' },
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
      title: '字段 / 查看内容',
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
        <Button
          icon={<SafetyCertificateOutlined />}
          onClick={() => void verify.refetch()}
          loading={verify.isFetching}
        >
          校验完整性
        </Button>
        <Typography.Text type="secondary">
          记录谁在什么时间修改了什么、查看了哪位客户的资料；只记录字段名，不记录字段的值（如 Secret、手机号）。每条记录都带有上一条的校验值，删除或修改任何一条都能被校验发现。
        </Typography.Text>
      </Flex>
      {verify.data && (
        <Alert
          data-testid="audit-verify-result"
          style={{ marginBottom: 12 }}
          showIcon
          type={verify.data.intact ? 'success' : 'error'}
          message={describeChainReport(verify.data)}
          description={
            verify.data.broken
              ? `记录 ID：${verify.data.broken.entry_id ?? '（已缺失）'}。此前的 ${verify.data.checked} 条校验通过。`
              : verify.data.first_seq && verify.data.first_seq > 1
                ? `第 ${verify.data.first_seq} 条之前的记录已按保留期限过期，不参与校验。`
                : undefined
          }
        />
      )}
      {verify.isError && <QueryError error={verify.error} onRetry={() => void verify.refetch()} />}
      {logs.isError && <QueryError error={logs.error} onRetry={() => void logs.refetch()} />}
      <Table<AuditEntry>
        rowKey="id"
        size="middle"
        columns={columns}
        dataSource={logs.items}
        loading={logs.isPending}
        pagination={false}
        scroll={{ x: 980 }}
        locale={{ emptyText: <EmptyState description="还没有操作记录。修改配置、重新处理事件、开始同步、查看客户资料等操作会记录在这里。" /> }}
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
