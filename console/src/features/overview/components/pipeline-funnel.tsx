import { Card, Empty, Flex, Progress, Segmented, Skeleton, Table, Typography, type TableColumnsType } from 'antd';
import { useState } from 'react';
import { QueryError } from '@/components/query-error';
import { useStaffLabel } from '@/components/staff-select';
import { LEAD_STAGES } from '@/lib/labels';
import { percent, usePipeline, type FunnelView, type PipelineReport } from '../api/pipeline';

type Dimension = 'channel' | 'consultant';

interface Row {
  key: string;
  name: string;
  funnel: FunnelView;
}

/** The bars of one funnel: customers who reached each stage, and the share of all. */
export function FunnelBars({ funnel, title }: { funnel: FunnelView; title: string }) {
  return (
    <Flex vertical gap={6} role="list" aria-label={title}>
      {LEAD_STAGES.map((stage) => {
        const reached = funnel.reached[stage.value] ?? 0;
        const rate = funnel.conversion[stage.value];
        return (
          <Flex key={stage.value} gap={8} align="center" role="listitem" aria-label={`${stage.label} ${reached} 人（${percent(rate, funnel.customers)}）`}>
            <Typography.Text style={{ width: 56, flex: 'none' }}>{stage.label}</Typography.Text>
            <Progress
              percent={funnel.customers ? Math.round((rate ?? 0) * 1000) / 10 : 0}
              showInfo={false}
              strokeColor="#1677ff"
              style={{ flex: 1, margin: 0 }}
              aria-hidden
            />
            <Typography.Text style={{ width: 120, flex: 'none', textAlign: 'right' }}>
              {reached} 人 · {percent(rate, funnel.customers)}
            </Typography.Text>
          </Flex>
        );
      })}
    </Flex>
  );
}

/** 转化漏斗: the total, then each channel's or consultant's reach per stage. */
export function PipelineFunnelView({
  report,
  staffLabel,
}: {
  report: PipelineReport;
  staffLabel: (userid: string) => string;
}) {
  const [dimension, setDimension] = useState<Dimension>('channel');
  const rows: Row[] =
    dimension === 'channel'
      ? report.by_channel.map((c) => ({
          key: c.state,
          name: c.label ?? (c.state || '未知渠道'),
          funnel: c,
        }))
      : report.by_consultant.map((c) => ({
          key: c.userid,
          name: c.userid ? staffLabel(c.userid) : '未知顾问',
          funnel: c,
        }));
  const columns: TableColumnsType<Row> = [
    { title: dimension === 'channel' ? '渠道' : '顾问', dataIndex: 'name', key: 'name', fixed: 'left', width: 120 },
    { title: '客户数', key: 'customers', width: 80, align: 'right', render: (_, r) => r.funnel.customers },
    ...LEAD_STAGES.slice(1).map((stage) => ({
      title: stage.label,
      key: stage.value,
      width: 110,
      align: 'right' as const,
      render: (_: unknown, r: Row) => (
        <span>
          {r.funnel.reached[stage.value] ?? 0}
          <Typography.Text type="secondary" style={{ marginInlineStart: 4 }}>
            （{percent(r.funnel.conversion[stage.value], r.funnel.customers)}）
          </Typography.Text>
        </span>
      ),
    })),
  ];

  if (report.total.customers === 0) {
    return <Empty description="这段时间没有新增客户" />;
  }
  return (
    <Flex vertical gap={16}>
      <FunnelBars funnel={report.total} title="全部新增客户的转化漏斗" />
      <Segmented<Dimension>
        aria-label="转化分组"
        value={dimension}
        onChange={setDimension}
        options={[
          { value: 'channel', label: '按渠道' },
          { value: 'consultant', label: '按顾问' },
        ]}
        style={{ alignSelf: 'flex-start' }}
      />
      <Table<Row>
        rowKey="key"
        size="small"
        columns={columns}
        dataSource={rows}
        pagination={false}
        scroll={{ x: 800 }}
        aria-label={dimension === 'channel' ? '按渠道的转化' : '按顾问的转化'}
      />
      <Typography.Text type="secondary" style={{ fontSize: 12 }}>
        统计这段时间内新增的客户：各阶段为「已到达该阶段及之后阶段」的人数，括号内为占新增客户的比例。
      </Typography.Text>
    </Flex>
  );
}

/** The card on 概览 (the same window as the page). */
export function PipelineFunnelCard({ days }: { days: number }) {
  const pipeline = usePipeline(days);
  const staffLabel = useStaffLabel();
  return (
    <Card title="转化漏斗" id="pipeline">
      {pipeline.isError && <QueryError error={pipeline.error} onRetry={() => void pipeline.refetch()} />}
      {pipeline.isPending && <Skeleton active paragraph={{ rows: 6 }} />}
      {pipeline.data && <PipelineFunnelView report={pipeline.data} staffLabel={staffLabel} />}
    </Card>
  );
}
