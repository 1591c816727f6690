import { Card, Empty, Flex, Typography } from 'antd';
import { byDay, dayTitle, timeOf } from '../api/calendar';
import type { Appointment } from '../api/appointments';
import { StatusTag } from './status-tag';

interface Props {
  days: string[];
  items: Appointment[];
  today: string;
  onOpen: (id: string) => void;
}

/** The week: one column a day, the appointments in time order, each opening the drawer. */
export function WeekGrid({ days, items, today, onOpen }: Props) {
  const grouped = byDay(items, days);
  return (
    // Scrolls sideways on a narrow screen: focusable, so the keyboard can scroll it too.
    <div className="appointments-week" role="region" aria-label="一周预约" tabIndex={0} style={{ display: 'grid', gridTemplateColumns: `repeat(${days.length}, minmax(140px, 1fr))`, gap: 8, overflowX: 'auto' }}>
      {days.map((day) => {
        const list = grouped.get(day) ?? [];
        return (
          <section key={day} aria-labelledby={`day-${day}`} style={{ minWidth: 0 }}>
            <h2 id={`day-${day}`} className="appointments-day-title" style={{ fontSize: 14, margin: '0 0 6px', fontWeight: 600, opacity: day === today ? 1 : 0.65 }}>
              {dayTitle(day)}
              {day === today && '（今天）'}
            </h2>
            <Flex vertical gap={6}>
              {list.length === 0 && <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description="无预约" style={{ margin: '8px 0' }} />}
              {list.map((a) => (
                <Card
                  key={a.id}
                  size="small"
                  hoverable
                  role="button"
                  tabIndex={0}
                  onClick={() => onOpen(a.id)}
                  onKeyDown={(e) => {
                    if (e.key === 'Enter' || e.key === ' ') onOpen(a.id);
                  }}
                  styles={{ body: { padding: 8 } }}
                >
                  <Flex justify="space-between" align="center" gap={4}>
                    <Typography.Text strong>{timeOf(a.scheduled_at_ms)}</Typography.Text>
                    <StatusTag status={a.status} />
                  </Flex>
                  <Typography.Text ellipsis style={{ display: 'block' }}>
                    {a.customer_name ?? a.external_userid}
                  </Typography.Text>
                  <Typography.Text type="secondary" ellipsis style={{ display: 'block' }}>
                    {a.item}
                  </Typography.Text>
                </Card>
              ))}
            </Flex>
          </section>
        );
      })}
    </div>
  );
}
