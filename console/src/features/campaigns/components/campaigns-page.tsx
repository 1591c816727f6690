import { PlusOutlined, ReloadOutlined } from '@ant-design/icons';
import { App, Button, Card, Flex, Popconfirm, Select, Space, Table, Typography, type TableColumnsType } from 'antd';
import { useState } from 'react';
import { Link, useNavigate } from 'react-router';
import { EmptyState } from '@/components/empty-state';
import { PageContainer } from '@/components/page-container';
import { QueryError } from '@/components/query-error';
import { errorMessage } from '@/lib/api/errors';
import { formatTime } from '@/lib/format';
import { CAMPAIGN_KIND, CAMPAIGN_STATUS } from '@/lib/labels';
import { contentSummary } from '@/components/message-composer';
import {
  isFinal,
  useCampaignList,
  useCancelCampaign,
  type CampaignStatus,
  type CampaignView,
} from '../api/campaigns';
import { CampaignStatusTag } from './campaign-status';
import { FunnelSummary } from './funnel-summary';

const STATUS_OPTIONS = Object.entries(CAMPAIGN_STATUS).map(([value, s]) => ({ value, label: s.label }));

/** 消息推送: the campaigns with their status and a funnel summary; create, open, stop. */
export function CampaignsPage() {
  const { message } = App.useApp();
  const navigate = useNavigate();
  const [status, setStatus] = useState<CampaignStatus | undefined>();
  const list = useCampaignList(status);
  const cancel = useCancelCampaign();
  const rows = list.data?.pages.flatMap((page) => page.items) ?? [];

  const stop = (campaign: CampaignView) =>
    cancel.mutateAsync({ params: { path: { id: campaign.id } } }).then(
      () => void message.success(`已停止「${campaign.name}」：未发送的群发任务已取消`),
      (e: unknown) => void message.error(errorMessage(e)),
    );

  const columns: TableColumnsType<CampaignView> = [
    {
      title: '推送任务',
      key: 'name',
      fixed: 'left',
      width: 220,
      render: (_, c) => (
        <div style={{ minWidth: 0 }}>
          <Link to={`/dashboard/wework/messages/${encodeURIComponent(c.id)}`}>{c.name}</Link>
          <div>
            <Typography.Text type="secondary" style={{ fontSize: 12 }}>
              {CAMPAIGN_KIND[c.kind] ?? c.kind} · {contentSummary(c.content)}
            </Typography.Text>
          </div>
        </div>
      ),
    },
    {
      title: '状态',
      key: 'status',
      width: 150,
      render: (_, c) => <CampaignStatusTag campaign={c} />,
    },
    {
      title: '发送时间（北京时间）',
      key: 'send_at',
      width: 170,
      render: (_, c) => (
        <div>
          {formatTime(c.send_at_ms)}
          {c.deferred_until_ms && c.status === 'deferred' && (
            <div>
              <Typography.Text type="secondary" style={{ fontSize: 12 }}>
                顺延至 {formatTime(c.deferred_until_ms)}
              </Typography.Text>
            </div>
          )}
        </div>
      ),
    },
    {
      title: '漏斗（目标 → 已发送 → 已点击 → 已预约）',
      key: 'funnel',
      width: 300,
      render: (_, c) => <FunnelSummary campaign={c} />,
    },
    {
      title: '创建',
      key: 'created',
      width: 170,
      render: (_, c) => (
        <div>
          {formatTime(c.created_at_ms)}
          <div>
            <Typography.Text type="secondary" style={{ fontSize: 12 }}>
              {c.created_by}
            </Typography.Text>
          </div>
        </div>
      ),
    },
    {
      title: '操作',
      key: 'actions',
      fixed: 'right',
      width: 150,
      render: (_, c) => (
        <Space size={4}>
          <Button type="link" size="small" onClick={() => navigate(`/dashboard/wework/messages/${encodeURIComponent(c.id)}`)}>
            查看
          </Button>
          {!isFinal(c.status) && (
            <Popconfirm
              title={`停止「${c.name}」？`}
              description="未创建的群发任务不再创建，成员尚未发送的群发任务会在企业微信中取消；已发送的消息无法撤回。"
              okText="停止群发"
              okButtonProps={{ danger: true }}
              cancelText="取消"
              onConfirm={() => stop(c)}
            >
              <Button type="link" size="small" danger aria-label={`停止群发「${c.name}」`}>
                停止群发
              </Button>
            </Popconfirm>
          )}
        </Space>
      ),
    },
  ];

  return (
    <PageContainer
      title="消息推送"
      description="向客户群发营销内容：选择目标客户、编辑消息、立即或定时发送。企业微信的群发需要跟进成员在企业微信中确认后才会发出。"
      extra={
        <Link to="/dashboard/wework/messages/new">
          <Button type="primary" icon={<PlusOutlined />}>
            新建推送任务
          </Button>
        </Link>
      }
    >
      <Card>
        <Flex gap={12} wrap align="center" style={{ marginBottom: 16 }}>
          <Select
            allowClear
            placeholder="全部状态"
            aria-label="按状态筛选"
            style={{ width: 200 }}
            value={status}
            onChange={(value: CampaignStatus | undefined) => setStatus(value)}
            options={STATUS_OPTIONS}
          />
          <Button icon={<ReloadOutlined />} onClick={() => void list.refetch()} loading={list.isRefetching}>
            刷新
          </Button>
          {status && (
            <Typography.Text type="secondary">按状态筛选时，每页可能少于 20 条，请点「加载更多」继续查看。</Typography.Text>
          )}
        </Flex>
        {list.isError && <QueryError error={list.error} onRetry={() => void list.refetch()} />}
        <Table<CampaignView>
          rowKey="id"
          columns={columns}
          dataSource={rows}
          loading={list.isPending}
          pagination={false}
          scroll={{ x: 1160 }}
          locale={{
            emptyText: list.isPending ? ' ' : (
              <EmptyState
                description={status ? '没有该状态的推送任务，换个状态或加载更多看看' : '还没有推送任务。新建一个，向选定的客户群发营销内容。'}
                action={
                  status ? undefined : (
                    <Link to="/dashboard/wework/messages/new">
                      <Button type="primary">新建推送任务</Button>
                    </Link>
                  )
                }
              />
            ),
          }}
        />
        {list.hasNextPage && (
          <Flex justify="center" style={{ marginTop: 16 }}>
            <Button onClick={() => void list.fetchNextPage()} loading={list.isFetchingNextPage}>
              加载更多
            </Button>
          </Flex>
        )}
      </Card>
    </PageContainer>
  );
}
