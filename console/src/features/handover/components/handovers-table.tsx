import { WarningOutlined } from '@ant-design/icons';
import { Button, Progress, Table, Tag, Tooltip, type TableColumnsType } from 'antd';
import { EmptyState } from '@/components/empty-state';
import { QueryError } from '@/components/query-error';
import { useStaffLabel } from '@/components/staff-select';
import { formatTime } from '@/lib/format';
import { useHandovers, type HandoverJob } from '../api/handovers';
import { KIND_LABELS, progressPercent } from '../api/labels';

/** Every handover with its progress; a row opens its drawer. */
export function HandoversTable({ onOpen }: { onOpen: (id: string) => void }) {
  const list = useHandovers();
  const staffLabel = useStaffLabel();
  const columns: TableColumnsType<HandoverJob> = [
    { title: '发起时间', key: 'created', width: 150, render: (_, j) => formatTime(j.created_at_ms) },
    { title: '继承方式', key: 'kind', width: 100, render: (_, j) => KIND_LABELS[j.kind] },
    {
      title: '原跟进成员 → 接替成员',
      key: 'who',
      width: 200,
      render: (_, j) => `${staffLabel(j.handover_userid)} → ${staffLabel(j.takeover_userid)}`,
    },
    { title: '客户数', key: 'total', width: 80, align: 'right', render: (_, j) => j.total },
    {
      title: '进度',
      key: 'progress',
      width: 220,
      render: (_, j) => (
        <Tooltip
          title={`接替完毕 ${j.counts.accepted}，等待接替 ${j.counts.waiting + j.counts.pending}，客户拒绝 ${j.counts.refused}，达到上限 ${j.counts.over_limit}，失败 ${j.counts.failed + j.counts.rejected_by_rule}`}
        >
          <Progress percent={progressPercent(j)} size="small" aria-label="交接进度" />
        </Tooltip>
      ),
    },
    {
      title: '状态',
      key: 'status',
      width: 150,
      render: (_, j) => (
        <>
          {j.status === 'done' ? <Tag color="green">已完成</Tag> : <Tag color="blue">进行中</Tag>}
          {(j.pending_campaigns ?? []).length > 0 && (
            <Tooltip title="原跟进成员有未发送的群发任务">
              <WarningOutlined style={{ color: '#faad14' }} aria-label="有未发送的群发任务" />
            </Tooltip>
          )}
        </>
      ),
    },
    {
      title: '操作',
      key: 'actions',
      width: 80,
      render: (_, j) => (
        <Button type="link" size="small" onClick={() => onOpen(j.id)} data-testid={`open-handover-${j.id}`}>
          查看
        </Button>
      ),
    },
  ];
  if (list.error) return <QueryError error={list.error} />;
  return (
    <Table
      rowKey="id"
      size="middle"
      loading={list.isLoading}
      columns={columns}
      dataSource={list.data?.items ?? []}
      locale={{ emptyText: <EmptyState description="还没有客户交接记录" /> }}
      pagination={false}
      // A tablet scrolls the table sideways instead of squeezing a column to one character.
      scroll={{ x: 980 }}
      onRow={(j) => ({ onDoubleClick: () => onOpen(j.id) })}
    />
  );
}
