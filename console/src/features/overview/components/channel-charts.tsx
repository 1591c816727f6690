import { Card, Col, Row } from 'antd';
import { useMemo } from 'react';
import { Link } from 'react-router';
import { Chart } from '@/components/chart';
import { EmptyState } from '@/components/empty-state';
import { ExportButton } from '@/components/export-button';
import { SummaryTable, type SummaryColumn } from '@/components/summary-table';
import { formatFen, formatPercent } from '@/lib/format';
import {
  activeChannels,
  appointmentsRevenueOption,
  appointmentsRevenueSummary,
  channelName,
  newCustomersByDay,
  newCustomersOption,
  newCustomersSummary,
} from '../api/charts';
import type { Overview, OverviewChannel } from '../api/overview';

const CAPTION = { margin: '8px 0 0' } as const;

/** New customers per day by channel; appointments and revenue by channel; the same numbers as a table. */
export function ChannelCharts({ view }: { view: Overview }) {
  const perDay = useMemo(() => newCustomersByDay(view), [view]);
  const perDaySummary = newCustomersSummary(view.days, view.new_customers, perDay);
  const perDayOption = useMemo(() => newCustomersOption(perDay), [perDay]);
  const shown = useMemo(() => activeChannels(view.channels), [view.channels]);
  const revenueSummary = appointmentsRevenueSummary(view.days, view, shown);
  const revenueOption = useMemo(() => appointmentsRevenueOption(shown), [shown]);

  const columns: SummaryColumn<OverviewChannel>[] = [
    {
      key: 'channel',
      title: '渠道',
      render: (c) => (
        <>
          {channelName(c)}
          {c.state && c.label && (
            <span className="note" style={{ marginLeft: 6 }}>
              {c.state}
            </span>
          )}
        </>
      ),
    },
    { key: 'new', title: '新增客户', align: 'right', width: 100, render: (c) => c.new_customers },
    { key: 'connected', title: '仍为好友', align: 'right', width: 100, render: (c) => c.still_connected },
    {
      key: 'share',
      title: '仍为好友占比',
      align: 'right',
      width: 120,
      render: (c) => formatPercent(c.still_connected, c.new_customers),
    },
    { key: 'appointments', title: '预约（次）', align: 'right', width: 100, render: (c) => c.appointments },
    { key: 'purchases', title: '消费（笔）', align: 'right', width: 100, render: (c) => c.purchases },
    { key: 'revenue', title: '消费金额', align: 'right', width: 130, render: (c) => formatFen(c.revenue_fen) },
  ];

  return (
    <Row gutter={[16, 16]}>
      <Col xs={24} xl={14}>
        <Card title="每日新增客户（按渠道）" style={{ height: '100%' }}>
          {view.new_customers > 0 ? (
            <>
              <Chart option={perDayOption} label={perDaySummary} height={320} />
              {/* The chart's accessible name says the same; shown for everyone, read once. */}
              <p aria-hidden className="note" style={CAPTION} data-testid="new-customers-summary">
                {perDaySummary}
              </p>
            </>
          ) : (
            <EmptyState
              description={
                <>
                  近 {view.days} 天没有新增客户。在 <Link to="/dashboard/wework/contact-ways">「联系我」</Link>{' '}
                  页为每个渠道创建带渠道标识的二维码，客户扫码添加后会按渠道统计在这里。
                </>
              }
            />
          )}
        </Card>
      </Col>
      <Col xs={24} xl={10}>
        <Card title="预约与消费（按客户来源渠道）" style={{ height: '100%' }}>
          {shown.some((c) => c.appointments > 0 || c.revenue_fen !== 0) ? (
            <>
              <Chart option={revenueOption} label={revenueSummary} height={320} />
              {/* The chart's accessible name says the same; shown for everyone, read once. */}
              <p aria-hidden className="note" style={CAPTION} data-testid="revenue-summary">
                {revenueSummary}
              </p>
            </>
          ) : (
            <EmptyState description={`近 ${view.days} 天没有记录预约或消费。在「客户」页的客户详情中录入预约与消费后会按渠道统计在这里。`} />
          )}
        </Card>
      </Col>
      <Col xs={24}>
        <Card
          title="渠道效果"
          size="small"
          extra={
            <ExportButton
              size="small"
              label="导出渠道报表"
              fallbackName="channels"
              path={(format) => `/api/stats/channels/export?format=${format}&from_ms=${view.from_ms}&to_ms=${view.to_ms}`}
            />
          }
        >
          <SummaryTable<OverviewChannel>
            caption="渠道效果"
            rowKey={(c) => c.state || '(none)'}
            columns={columns}
            rows={view.channels}
            minWidth={760}
            footer={[
              '合计',
              view.new_customers,
              view.still_connected,
              formatPercent(view.still_connected, view.new_customers),
              view.appointments,
              view.purchases,
              formatFen(view.revenue_fen),
            ]}
            empty={<EmptyState description="还没有配置渠道。在「企业微信配置」页添加渠道与欢迎语。" />}
          />
        </Card>
      </Col>
    </Row>
  );
}
