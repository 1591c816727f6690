import { ReloadOutlined, SyncOutlined } from '@ant-design/icons';
import {
  Alert,
  Button,
  Card,
  Col,
  Descriptions,
  Flex,
  Progress,
  Row,
  Statistic,
  Table,
  Tag,
  Typography,
  type TableColumnsType,
} from 'antd';
import { useState } from 'react';
import { EmptyState } from '@/components/empty-state';
import { QueryError } from '@/components/query-error';
import { errorMessage } from '@/lib/api/errors';
import { formatTime } from '@/lib/format';
import { SYNC_PHASE, SYNC_RUN_STATUS, syncPercent } from '../api/labels';
import { useStartSync, useSyncRun, useSyncRuns, type SyncRun } from '../api/sync';

function duration(run: SyncRun): string {
  const end = run.finished_at_ms ?? run.updated_at_ms;
  const secs = Math.max(0, Math.round((end - run.started_at_ms) / 1000));
  if (secs < 60) return `${secs} 秒`;
  const mins = Math.floor(secs / 60);
  return mins < 60 ? `${mins} 分 ${secs % 60} 秒` : `${Math.floor(mins / 60)} 小时 ${mins % 60} 分`;
}

function StatusTag({ run }: { run: SyncRun }) {
  const label = SYNC_RUN_STATUS[run.status] ?? { label: run.status, color: 'default' };
  return (
    <Tag color={label.color} icon={run.status === 'running' ? <SyncOutlined spin /> : undefined}>
      {label.label}
    </Tag>
  );
}

/** 同步: start a sync from WeCom now, watch its progress, and the recent runs. */
export function SyncTab() {
  const runs = useSyncRuns();
  const start = useStartSync();
  const [chosen, setChosen] = useState<string | null>(null);
  const items = runs.data?.items ?? [];
  const shownId = chosen ?? items.find((r) => r.status === 'running')?.run_id ?? items[0]?.run_id ?? null;

  const onStart = () => {
    start.mutate(
      {},
      {
        onSuccess: (data) => setChosen(data.run_id),
      },
    );
  };

  const columns: TableColumnsType<SyncRun> = [
    { title: '开始时间', dataIndex: 'started_at_ms', width: 150, render: (ms: number) => formatTime(ms) },
    { title: '状态', key: 'status', width: 110, render: (_, run) => <StatusTag run={run} /> },
    { title: '阶段', dataIndex: 'phase', width: 150, render: (p: SyncRun['phase']) => SYNC_PHASE[p] ?? p },
    { title: '读取客户', dataIndex: 'customers_seen', width: 90, align: 'right' },
    { title: '新增客户', dataIndex: 'customers_added', width: 90, align: 'right' },
    { title: '更新客户', dataIndex: 'customers_changed', width: 90, align: 'right' },
    { title: '流失关系', dataIndex: 'relationships_ended', width: 90, align: 'right' },
    { title: '接口调用', dataIndex: 'wecom_calls', width: 90, align: 'right' },
    {
      title: '错误',
      dataIndex: 'errors',
      width: 70,
      align: 'right',
      render: (n: number) => (n > 0 ? <Typography.Text type="danger">{n}</Typography.Text> : 0),
    },
    { title: '用时', key: 'duration', width: 110, render: (_, run) => duration(run) },
    {
      title: '操作',
      key: 'actions',
      width: 80,
      fixed: 'right',
      render: (_, run) => (
        <Button type="link" size="small" onClick={() => setChosen(run.run_id)} aria-label={`查看同步 ${run.run_id}`}>
          查看
        </Button>
      ),
    },
  ];

  return (
    <Flex vertical gap={16}>
      <Card
        title="同步企业微信客户"
        extra={
          <Button type="primary" icon={<SyncOutlined />} loading={start.isPending} onClick={onStart}>
            立即同步
          </Button>
        }
      >
        <Typography.Paragraph type="secondary" style={{ marginTop: 0 }}>
          系统每小时自动同步一次：读取企业微信中配置了客户联系的成员、他们的客户和企业标签，更新客户资料，并把企业微信中已不存在的客户关系标记为已流失。同一时间只会进行一次同步。
        </Typography.Paragraph>
        {start.isError && (
          <Alert type="error" showIcon role="alert" message={`无法开始同步：${errorMessage(start.error)}`} style={{ marginBottom: 12 }} />
        )}
        {start.data && !start.data.started && (
          <Alert type="info" showIcon role="status" message="已有同步正在进行，下面显示它的进度。" style={{ marginBottom: 12 }} />
        )}
        {shownId ? (
          <RunProgress id={shownId} fallback={items.find((r) => r.run_id === shownId)} />
        ) : (
          !runs.isPending && <EmptyState description="还没有同步记录。点击「立即同步」从企业微信读取客户。" />
        )}
      </Card>

      <Card
        title="同步记录"
        extra={
          <Button icon={<ReloadOutlined />} onClick={() => void runs.refetch()} loading={runs.isRefetching}>
            刷新
          </Button>
        }
      >
        {runs.isError && <QueryError error={runs.error} onRetry={() => void runs.refetch()} />}
        <Table<SyncRun>
          rowKey="run_id"
          size="middle"
          columns={columns}
          dataSource={items}
          loading={runs.isPending}
          pagination={false}
          scroll={{ x: 1150 }}
          locale={{ emptyText: <EmptyState description="还没有同步记录。" /> }}
        />
      </Card>
    </Flex>
  );
}

/** One run: a progress bar while it runs (asked again every second), then its counters. */
function RunProgress({ id, fallback }: { id: string; fallback?: SyncRun }) {
  const query = useSyncRun(id);
  const run = query.data ?? fallback;
  if (query.isError && !run) return <QueryError error={query.error} onRetry={() => void query.refetch()} />;
  if (!run) return null;
  const percent = syncPercent(run);
  const progressStatus = run.status === 'running' ? 'active' : run.status === 'done' ? 'success' : 'exception';
  const phase = SYNC_PHASE[run.phase] ?? run.phase;

  return (
    <Flex vertical gap={16} data-testid="sync-progress">
      <div>
        <Flex justify="space-between" wrap gap={8}>
          <Typography.Text strong>
            <StatusTag run={run} />
            {run.status === 'running' ? `当前阶段：${phase}` : `开始于 ${formatTime(run.started_at_ms)}，用时 ${duration(run)}`}
          </Typography.Text>
          <Typography.Text type="secondary">
            {run.staff.length > 0 ? `${run.staff.length} 位成员` : ''}
          </Typography.Text>
        </Flex>
        <Progress percent={percent} status={progressStatus} aria-label={`同步进度 ${percent}%`} />
        {run.status === 'abandoned' && (
          <Alert type="warning" showIcon message="这次同步已中断（由后续的同步接替），数据以最近一次完成的同步为准。" />
        )}
        {run.status === 'failed' && (
          <Alert
            type="warning"
            showIcon
            message="这次同步没有把任何客户关系标记为流失"
            description="企业微信返回的成员或客户明显少于系统中的记录（例如应用的可见范围或客户联系权限被改动），为避免误判，本次没有结束任何客户关系。请在企业微信管理后台检查后重新同步。"
          />
        )}
        {run.status === 'not_started' && (
          <Alert
            type="warning"
            showIcon
            message="这次同步未能开始"
            description="系统未能把同步任务放入任务队列（队列服务暂时不可用），本次没有读取或修改任何数据。请稍后点击「立即同步」重试；每小时的定时同步也会自动重新开始。"
          />
        )}
        {run.customers_unwritten > 0 && (
          <Alert
            type="warning"
            showIcon
            message={`${run.customers_unwritten} 位客户未能写入`}
            description={`存储服务多次重试后仍拒绝写入，这些客户的资料本次没有更新（其余客户已同步），下次同步会再试。${
              run.unwritten_customers.length > 0 ? `客户 ID：${run.unwritten_customers.join('、')}` : ''
            }`}
            style={{ marginTop: 8 }}
          />
        )}
        {run.last_error && (
          <Alert type="error" showIcon role="alert" message={`最近的错误：${run.last_error}`} style={{ marginTop: 8 }} />
        )}
      </div>
      <Row gutter={[16, 16]}>
        {[
          ['读取客户', run.customers_seen],
          ['新增客户', run.customers_added],
          ['更新客户', run.customers_changed],
          ['新增客户关系', run.relationships_added],
          ['标记流失的客户关系', run.relationships_ended],
          ['企业微信接口调用', run.wecom_calls],
        ].map(([title, value]) => (
          <Col key={title} xs={12} sm={8} lg={4}>
            <Statistic title={title} value={value} />
          </Col>
        ))}
      </Row>
      <Descriptions
        size="small"
        column={{ xs: 1, sm: 2, lg: 3 }}
        items={[
          { key: 'started', label: '开始时间', children: formatTime(run.started_at_ms) },
          { key: 'finished', label: '结束时间', children: formatTime(run.finished_at_ms) },
          { key: 'errors', label: '错误次数', children: run.errors },
          { key: 'unwritten', label: '未能写入的客户', children: run.customers_unwritten },
          { key: 'retries', label: '存储重试次数', children: run.store_retries },
        ]}
      />
    </Flex>
  );
}
