import { PlusOutlined } from '@ant-design/icons';
import { Button, Card, Progress, Table, Tag, type TableColumnsType } from 'antd';
import { Link, useNavigate } from 'react-router';
import { EmptyState } from '@/components/empty-state';
import { formatTime } from '@/lib/format';
import { CAMPAIGN_STATUS, labelOf } from '@/lib/labels';
import type { CampaignInFlight, Overview } from '../api/overview';

/** Campaigns not finished yet, with their group-send tasks still waiting for consultants. */
export function CampaignsCard({ view }: { view: Overview }) {
  const navigate = useNavigate();
  const columns: TableColumnsType<CampaignInFlight> = [
    {
      title: '推送任务',
      dataIndex: 'name',
      ellipsis: true,
      render: (name: string, c) => <Link to={`/dashboard/wework/messages/${encodeURIComponent(c.id)}`}>{name || c.id}</Link>,
    },
    {
      title: '状态',
      dataIndex: 'status',
      width: 170,
      render: (status: string) => {
        const label = labelOf(CAMPAIGN_STATUS, status);
        return <Tag color={label.color}>{label.label}</Tag>;
      },
    },
    { title: '发送时间', dataIndex: 'send_at_ms', width: 150, render: (ms: number) => formatTime(ms) },
    { title: '目标客户', dataIndex: 'targeted', width: 90, align: 'right' },
    {
      title: '成员已发送',
      key: 'sent',
      width: 170,
      render: (_, c) => (
        <Progress
          percent={c.targeted > 0 ? Math.round((c.sent / c.targeted) * 100) : 0}
          size="small"
          format={() => `${c.sent}/${c.targeted}`}
          aria-label={`${c.name} 已发送 ${c.sent} 位，共 ${c.targeted} 位`}
        />
      ),
    },
    {
      title: '待成员确认',
      dataIndex: 'awaiting_staff',
      width: 100,
      align: 'right',
      render: (n: number) => (n > 0 ? <Tag color="gold">{n}</Tag> : 0),
    },
  ];

  return (
    <Card
      title="进行中的推送任务"
      extra={<Link to="/dashboard/wework/messages">全部推送任务</Link>}
    >
      <Table<CampaignInFlight>
        rowKey="id"
        size="small"
        columns={columns}
        dataSource={view.campaigns_in_flight}
        pagination={false}
        scroll={{ x: 860 }}
        locale={{
          emptyText: (
            <EmptyState
              description="没有进行中的推送任务。"
              action={
                <Button type="primary" icon={<PlusOutlined />} onClick={() => void navigate('/dashboard/wework/messages/new')}>
                  新建推送任务
                </Button>
              }
            />
          ),
        }}
      />
    </Card>
  );
}
