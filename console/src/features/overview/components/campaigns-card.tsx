import { PlusOutlined } from '@ant-design/icons';
import { Button, Card, Progress, Tag } from 'antd';
import { Link, useNavigate } from 'react-router';
import { EmptyState } from '@/components/empty-state';
import { SummaryTable, type SummaryColumn } from '@/components/summary-table';
import { formatTime } from '@/lib/format';
import { CAMPAIGN_STATUS, labelOf } from '@/lib/labels';
import type { CampaignInFlight, Overview } from '../api/overview';

/** Campaigns not finished yet, with their group-send tasks still waiting for consultants. */
export function CampaignsCard({ view }: { view: Overview }) {
  const navigate = useNavigate();
  const columns: SummaryColumn<CampaignInFlight>[] = [
    {
      key: 'name',
      title: '推送任务',
      render: (c) => <Link to={`/dashboard/wework/messages/${encodeURIComponent(c.id)}`}>{c.name || c.id}</Link>,
    },
    {
      key: 'status',
      title: '状态',
      width: 170,
      render: (c) => {
        const label = labelOf(CAMPAIGN_STATUS, c.status);
        return <Tag color={label.color}>{label.label}</Tag>;
      },
    },
    { key: 'send_at', title: '发送时间', width: 150, render: (c) => formatTime(c.send_at_ms) },
    { key: 'targeted', title: '目标客户', width: 90, align: 'right', render: (c) => c.targeted },
    {
      key: 'sent',
      title: '成员已发送',
      width: 170,
      render: (c) => (
        <Progress
          percent={c.targeted > 0 ? Math.round((c.sent / c.targeted) * 100) : 0}
          size="small"
          format={() => `${c.sent}/${c.targeted}`}
          aria-label={`${c.name} 已发送 ${c.sent} 位，共 ${c.targeted} 位`}
        />
      ),
    },
    {
      key: 'awaiting',
      title: '待成员确认',
      width: 100,
      align: 'right',
      render: (c) => (c.awaiting_staff > 0 ? <Tag color="gold">{c.awaiting_staff}</Tag> : 0),
    },
  ];

  return (
    <Card
      title="进行中的推送任务"
      extra={<Link to="/dashboard/wework/messages">全部推送任务</Link>}
    >
      <SummaryTable<CampaignInFlight>
        caption="进行中的推送任务"
        rowKey={(c) => c.id}
        columns={columns}
        rows={view.campaigns_in_flight}
        minWidth={860}
        empty={
          <EmptyState
            description="没有进行中的推送任务。"
            action={
              <Button type="primary" icon={<PlusOutlined />} onClick={() => void navigate('/dashboard/wework/messages/new')}>
                新建推送任务
              </Button>
            }
          />
        }
      />
    </Card>
  );
}
