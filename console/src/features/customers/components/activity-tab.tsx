import { Card, Empty, Table, Timeline, Typography } from 'antd';
import { useMemo } from 'react';
import { formatTime, formatUnixSeconds } from '@/lib/format';
import {
  CALLBACK_STATUS,
  channelLabel,
  eventLabel,
  timelineDetail,
  timelineLabel,
  type ChannelView,
  type CustomerDetail,
} from '../api/customer-view';
import { useTagCatalogue } from '../api/customers';
import { useStaffLabel } from '@/components/staff-select';
import { StatusBadge } from './status-badge';

type EventView = CustomerDetail['recent_events'][number];

/** The customer's history (newest first) and the WeCom events received about them. */
export function ActivityTab({ customer, channels }: { customer: CustomerDetail; channels: Record<string, ChannelView> | undefined }) {
  const staffLabel = useStaffLabel();
  const catalogue = useTagCatalogue();
  const tagNames = useMemo(() => {
    const names = new Map<string, string>();
    for (const group of catalogue.data?.tag_group ?? []) for (const tag of group.tag) names.set(tag.id, tag.name);
    return names;
  }, [catalogue.data]);
  const history = [...customer.timeline].reverse();

  return (
    <>
      <Card size="small" title="客户动态" style={{ marginBottom: 16 }}>
        {history.length === 0 ? (
          <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description="还没有动态" />
        ) : (
          <Timeline
            style={{ marginTop: 8 }}
            items={history.map((event, index) => {
              const detail = timelineDetail(event, { channels, tagNames });
              return {
                key: `${event.at_ms}-${index}`,
                children: (
                  <>
                    <Typography.Text strong>{timelineLabel(event.kind)}</Typography.Text>
                    {event.userid && <Typography.Text type="secondary">（{staffLabel(event.userid)}）</Typography.Text>}
                    {detail && <div>{detail}</div>}
                    <div>
                      <Typography.Text type="secondary" style={{ fontSize: 12 }}>
                        {formatTime(event.at_ms)}
                      </Typography.Text>
                    </div>
                  </>
                ),
              };
            })}
          />
        )}
      </Card>
      <Card size="small" title="企业微信事件" extra={<Typography.Text type="secondary">最近收到的回调事件</Typography.Text>}>
        <Table<EventView>
          rowKey="id"
          size="small"
          pagination={false}
          dataSource={customer.recent_events}
          scroll={{ x: 560 }}
          locale={{ emptyText: '最近没有关于该客户的企业微信事件' }}
          columns={[
            { title: '事件', key: 'type', render: (_, e) => eventLabel(e.event_type) },
            { title: '成员', key: 'userid', width: 100, render: (_, e) => (e.userid ? staffLabel(e.userid) : '—') },
            { title: '渠道', key: 'state', width: 90, render: (_, e) => (e.state ? channelLabel(channels, e.state) : '—') },
            { title: '发生时间', key: 'time', width: 140, render: (_, e) => formatUnixSeconds(e.create_time) },
            {
              title: '处理',
              key: 'status',
              width: 90,
              render: (_, e) => {
                const s = CALLBACK_STATUS[e.status] ?? { label: e.status, color: 'default' };
                return <StatusBadge label={s.label} color={s.color} />;
              },
            },
          ]}
        />
      </Card>
    </>
  );
}
