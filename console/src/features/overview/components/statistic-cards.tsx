import { Card, Col, Row, Statistic } from 'antd';
import { formatFen, formatPercent } from '@/lib/format';
import type { Overview } from '../api/overview';

/** The window's totals, as the API counts them. */
export function StatisticCards({ view }: { view: Overview }) {
  const cards = [
    {
      key: 'new',
      title: `近 ${view.days} 天新增客户`,
      value: view.new_customers,
      suffix: '位',
      note: '通过「联系我」等方式首次添加的客户',
    },
    {
      key: 'connected',
      title: '仍为好友',
      value: view.still_connected,
      suffix: '位',
      note: `占新增客户 ${formatPercent(view.still_connected, view.new_customers)}`,
    },
    {
      key: 'appointments',
      title: '预约',
      value: view.appointments,
      suffix: '次',
      note: '期间内记录的预约（按客户来源渠道统计）',
    },
    {
      key: 'revenue',
      title: '消费金额',
      value: formatFen(view.revenue_fen),
      note: `${view.purchases} 笔消费`,
    },
    {
      key: 'campaigns',
      title: '进行中的推送任务',
      value: view.campaigns_in_flight.length,
      suffix: '个',
      note: '待发送、发送中或待成员确认',
    },
    {
      key: 'tasks',
      title: '待成员确认发送',
      value: view.tasks_awaiting_staff,
      suffix: '个',
      note: '群发任务：成员在企业微信客户端确认后才会发出',
    },
  ];
  return (
    <Row gutter={[16, 16]}>
      {cards.map((card) => (
        <Col key={card.key} xs={12} md={8} xl={4}>
          <Card size="small" style={{ height: '100%' }}>
            <Statistic title={card.title} value={card.value} suffix={card.suffix} data-testid={`stat-${card.key}`} />
            <span className="note">{card.note}</span>
          </Card>
        </Col>
      ))}
    </Row>
  );
}
