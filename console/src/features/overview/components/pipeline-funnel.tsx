import { Card, Empty, Flex, Progress, Segmented, Skeleton } from 'antd';
import { useState } from 'react';
import { QueryError } from '@/components/query-error';
import { useStaffLabel } from '@/components/staff-select/use-staff';
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
            <span style={{ width: 56, flex: 'none' }}>{stage.label}</span>
            <Progress
              percent={funnel.customers ? Math.round((rate ?? 0) * 1000) / 10 : 0}
              showInfo={false}
              strokeColor="#1677ff"
              style={{ flex: 1, margin: 0 }}
              aria-hidden
            />
            <span style={{ width: 120, flex: 'none', textAlign: 'right' }}>
              {reached} 人 · {percent(rate, funnel.customers)}
            </span>
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
      {/* Plain elements: antd's Table and Typography would add ~110 KB (gzip) to the dashboard's first load. */}
      <div style={{ overflowX: 'auto' }}>
        <table className="funnel-table" aria-label={dimension === 'channel' ? '按渠道的转化' : '按顾问的转化'}>
          <thead>
            <tr>
              <th scope="col">{dimension === 'channel' ? '渠道' : '顾问'}</th>
              <th scope="col">客户数</th>
              {LEAD_STAGES.slice(1).map((stage) => (
                <th scope="col" key={stage.value}>
                  {stage.label}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {rows.map((r) => (
              <tr key={r.key}>
                <th scope="row">{r.name}</th>
                <td>{r.funnel.customers}</td>
                {LEAD_STAGES.slice(1).map((stage) => (
                  <td key={stage.value}>
                    {r.funnel.reached[stage.value] ?? 0}
                    <span className="funnel-secondary" style={{ marginInlineStart: 4 }}>
                      （{percent(r.funnel.conversion[stage.value], r.funnel.customers)}）
                    </span>
                  </td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <span className="funnel-secondary" style={{ fontSize: 12 }}>
        统计这段时间内新增的客户：各阶段为「已到达该阶段及之后阶段」的人数，括号内为占新增客户的比例。
      </span>
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
