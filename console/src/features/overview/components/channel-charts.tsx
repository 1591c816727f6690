import { Card, Col, Row, Table, Typography, type TableColumnsType } from 'antd';
import { useMemo } from 'react';
import { Link } from 'react-router';
import { Chart } from '@/components/chart';
import { EmptyState } from '@/components/empty-state';
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

const CAPTION = { margin: '8px 0 0', fontSize: 12, color: 'rgba(0, 0, 0, 0.65)' } as const;

/** New customers per day by channel; appointments and revenue by channel; the same numbers as a table. */
export function ChannelCharts({ view }: { view: Overview }) {
  const perDay = useMemo(() => newCustomersByDay(view), [view]);
  const perDaySummary = newCustomersSummary(view.days, view.new_customers, perDay);
  const perDayOption = useMemo(() => newCustomersOption(perDay, perDaySummary), [perDay, perDaySummary]);
  const shown = useMemo(() => activeChannels(view.channels), [view.channels]);
  const revenueSummary = appointmentsRevenueSummary(view.days, view, shown);
  const revenueOption = useMemo(() => appointmentsRevenueOption(shown, revenueSummary), [shown, revenueSummary]);

  const columns: TableColumnsType<OverviewChannel> = [
    {
      title: '渠道',
      key: 'channel',
      render: (_, c) => (
        <>
          {channelName(c)}
          {c.state && c.label && (
            <Typography.Text style={{ marginLeft: 6, fontSize: 12, color: 'rgba(0, 0, 0, 0.65)' }}>{c.state}</Typography.Text>
          )}
        </>
      ),
    },
    { title: '新增客户', dataIndex: 'new_customers', align: 'right', width: 100 },
    { title: '仍为好友', dataIndex: 'still_connected', align: 'right', width: 100 },
    {
      title: '仍为好友占比',
      key: 'share',
      align: 'right',
      width: 120,
      render: (_, c) => formatPercent(c.still_connected, c.new_customers),
    },
    { title: '预约（次）', dataIndex: 'appointments', align: 'right', width: 100 },
    { title: '消费（笔）', dataIndex: 'purchases', align: 'right', width: 100 },
    { title: '消费金额', dataIndex: 'revenue_fen', align: 'right', width: 130, render: (fen: number) => formatFen(fen) },
  ];

  return (
    <Row gutter={[16, 16]}>
      <Col xs={24} xl={14}>
        <Card title="每日新增客户（按渠道）" style={{ height: '100%' }}>
          {view.new_customers > 0 ? (
            <>
              <Chart option={perDayOption} label={perDaySummary} height={320} />
              {/* The chart's accessible name says the same; shown for everyone, read once. */}
              <Typography.Paragraph aria-hidden style={CAPTION} data-testid="new-customers-summary">
                {perDaySummary}
              </Typography.Paragraph>
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
              <Typography.Paragraph aria-hidden style={CAPTION} data-testid="revenue-summary">
                {revenueSummary}
              </Typography.Paragraph>
            </>
          ) : (
            <EmptyState description={`近 ${view.days} 天没有记录预约或消费。在「客户」页的客户详情中录入预约与消费后会按渠道统计在这里。`} />
          )}
        </Card>
      </Col>
      <Col xs={24}>
        <Card title="渠道效果" size="small">
          <Table<OverviewChannel>
            rowKey={(c) => c.state || '(none)'}
            size="small"
            columns={columns}
            dataSource={view.channels}
            pagination={false}
            scroll={{ x: 760 }}
            summary={() => (
              <Table.Summary.Row>
                <Table.Summary.Cell index={0}>
                  <strong>合计</strong>
                </Table.Summary.Cell>
                <Table.Summary.Cell index={1} align="right">
                  {view.new_customers}
                </Table.Summary.Cell>
                <Table.Summary.Cell index={2} align="right">
                  {view.still_connected}
                </Table.Summary.Cell>
                <Table.Summary.Cell index={3} align="right">
                  {formatPercent(view.still_connected, view.new_customers)}
                </Table.Summary.Cell>
                <Table.Summary.Cell index={4} align="right">
                  {view.appointments}
                </Table.Summary.Cell>
                <Table.Summary.Cell index={5} align="right">
                  {view.purchases}
                </Table.Summary.Cell>
                <Table.Summary.Cell index={6} align="right">
                  {formatFen(view.revenue_fen)}
                </Table.Summary.Cell>
              </Table.Summary.Row>
            )}
            locale={{ emptyText: <EmptyState description="还没有配置渠道。在「企业微信配置」页添加渠道与欢迎语。" /> }}
          />
        </Card>
      </Col>
    </Row>
  );
}
