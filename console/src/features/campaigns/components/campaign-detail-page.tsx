import { BellOutlined, StopOutlined } from '@ant-design/icons';
import { App, Button, Card, Col, Descriptions, Popconfirm, Result, Row, Skeleton, Space, Typography } from 'antd';
import { lazy, Suspense } from 'react';
import { Link, useParams } from 'react-router';
import { contentSummary, MessagePreview } from '@/components/message-composer';
import { PageContainer } from '@/components/page-container';
import { QueryError } from '@/components/query-error';
import { useStaffLabel } from '@/components/staff-select';
import { apiErrorDetail, errorMessage } from '@/lib/api/errors';
import { formatTime } from '@/lib/format';
import { CAMPAIGN_KIND } from '@/lib/labels';
import { describeAudience } from '../api/audience';
import {
  isFinal,
  useCampaign,
  useCancelCampaign,
  useRemindCampaign,
  useSendConfig,
  useTagCatalogue,
  type CampaignView,
} from '../api/campaigns';
import { campaignStatusHelp, SENDER_POLICY_LABEL } from '../api/labels';
import { CampaignStatusTag } from './campaign-status';
import { LinksTable } from './links-table';
import { RecipientsTable } from './recipients-table';

/** The funnel draws with ECharts: loaded with the detail page only, not with the list. */
const FunnelSection = lazy(() => import('./funnel-section').then((m) => ({ default: m.FunnelSection })));

function senderText(campaign: CampaignView, staff: (userid: string) => string): string {
  const policy = campaign.sender_policy;
  if (policy.type === 'fixed') return `指定成员：${staff(policy.userid)}`;
  return SENDER_POLICY_LABEL[policy.type];
}

/** 提醒成员发送: WeCom reminds the consultants who have not sent their task yet. */
function RemindButton({ campaign }: { campaign: CampaignView }) {
  const { message } = App.useApp();
  const remind = useRemindCampaign();
  const awaiting = campaign.funnel?.awaiting_staff ?? 0;
  const run = () =>
    remind.mutateAsync({ params: { path: { id: campaign.id } } }).then(
      (result) => {
        if (result.reminded === 0) {
          void message.warning(`${result.at_limit} 个群发任务 24 小时内已提醒 3 次（企业微信的上限），暂时不能再提醒`);
        } else {
          void message.success(
            `已提醒 ${result.reminded} 个群发任务的成员发送${result.at_limit > 0 ? `；另有 ${result.at_limit} 个任务 24 小时内已提醒 3 次` : ''}`,
          );
        }
      },
      (e: unknown) => void message.error(errorMessage(e)),
    );
  return (
    <Popconfirm
      title="提醒成员发送？"
      description={`企业微信会提醒尚未确认发送的成员${awaiting > 0 ? `（${awaiting} 位客户待发送）` : ''}；每个群发任务 24 小时内最多提醒 3 次。`}
      okText="提醒"
      cancelText="取消"
      onConfirm={run}
    >
      <Button icon={<BellOutlined />} loading={remind.isPending}>
        提醒成员发送
      </Button>
    </Popconfirm>
  );
}

/** 推送详情: status, audience, content, the funnel by tier and channel, and the recipients. */
export function CampaignDetailPage() {
  const { id = '' } = useParams();
  const { modal, message } = App.useApp();
  const campaign = useCampaign(id);
  const config = useSendConfig();
  const tags = useTagCatalogue();
  const staff = useStaffLabel();
  const cancel = useCancelCampaign();
  const c = campaign.data;

  if (campaign.isError && apiErrorDetail(campaign.error)?.code === 'not_found') {
    return (
      <PageContainer title="推送详情">
        <Result
          status="404"
          title="推送任务不存在"
          subTitle="它可能已被删除，或链接有误。"
          extra={
            <Link to="/dashboard/wework/messages">
              <Button type="primary">返回推送列表</Button>
            </Link>
          }
        />
      </PageContainer>
    );
  }

  const tagName = (tagId: string) => {
    for (const group of tags.data?.tag_group ?? []) {
      const tag = group.tag.find((t) => t.id === tagId);
      if (tag) return `${group.group_name}：${tag.name}`;
    }
    return tagId;
  };
  const channelName = (state: string) => config.data?.channels[state]?.label ?? state;

  const stop = () =>
    modal.confirm({
      title: `停止「${c?.name ?? ''}」？`,
      content: '未创建的群发任务不再创建，成员尚未发送的群发任务会在企业微信中取消；已发送的消息无法撤回。',
      okText: '停止群发',
      okButtonProps: { danger: true },
      cancelText: '取消',
      onOk: () =>
        cancel.mutateAsync({ params: { path: { id } } }).then(
          () => void message.success('已停止群发'),
          (e: unknown) => void message.error(errorMessage(e)),
        ),
    });

  return (
    <PageContainer
      title={c?.name ?? '推送详情'}
      description={c ? `${CAMPAIGN_KIND[c.kind] ?? c.kind} · 创建于 ${formatTime(c.created_at_ms)}（${c.created_by}）` : undefined}
      extra={
        <>
          <Link to="/dashboard/wework/messages">
            <Button>返回推送列表</Button>
          </Link>
          {c && (c.status === 'sending' || c.status === 'tracking') && <RemindButton campaign={c} />}
          {c && !isFinal(c.status) && (
            <Button danger icon={<StopOutlined />} onClick={stop} loading={cancel.isPending}>
              停止群发
            </Button>
          )}
        </>
      }
    >
      {campaign.isError && <QueryError error={campaign.error} onRetry={() => void campaign.refetch()} />}
      {campaign.isPending && <Skeleton active paragraph={{ rows: 12 }} />}
      {c && (
        <Space direction="vertical" size={16} style={{ width: '100%' }}>
          <Row gutter={[16, 16]}>
            <Col xs={24} xl={15}>
              <Card title="概况" style={{ height: '100%' }}>
                <Descriptions
                  column={{ xs: 1, sm: 1, md: 2, lg: 2, xl: 2, xxl: 2 }}
                  size="small"
                  items={[
                    {
                      key: 'status',
                      label: '状态',
                      span: 'filled',
                      children: (
                        <Space wrap>
                          <CampaignStatusTag campaign={c} />
                          <Typography.Text type="secondary">{campaignStatusHelp(c)}</Typography.Text>
                        </Space>
                      ),
                    },
                    {
                      key: 'audience',
                      label: '目标客户',
                      span: 'filled',
                      children: describeAudience(c.audience, { channel: channelName, tag: tagName, staff }),
                    },
                    { key: 'sender', label: '发送成员', span: 'filled', children: senderText(c, staff) },
                    { key: 'send_at', label: '发送时间', children: formatTime(c.send_at_ms) },
                    {
                      key: 'deferred',
                      label: '顺延至',
                      children: c.deferred_until_ms ? `${formatTime(c.deferred_until_ms)}（免打扰时段结束）` : '—',
                    },
                    { key: 'started', label: '开始时间', children: formatTime(c.started_at_ms) },
                    { key: 'finished', label: '完成时间', children: formatTime(c.finished_at_ms) },
                    { key: 'content', label: '消息内容', children: contentSummary(c.content) },
                    { key: 'booked', label: '转化统计', children: `发送后 ${c.booked_within_days} 天内预约或消费` },
                    {
                      key: 'progress',
                      label: '筛选进度',
                      span: 'filled',
                      children: c.progress.resolved
                        ? `已完成：目标 ${c.progress.targeted} 位，排入群发 ${c.progress.queued} 位`
                        : c.status === 'scheduled' || c.status === 'deferred'
                          ? '尚未开始'
                          : `进行中：已检查 ${c.progress.targeted} 位，排入群发 ${c.progress.queued} 位`,
                    },
                    ...(c.error ? [{ key: 'error', label: '失败原因', span: 'filled' as const, children: c.error }] : []),
                  ]}
                />
              </Card>
            </Col>
            <Col xs={24} xl={9}>
              <Card title="消息预览" style={{ height: '100%' }}>
                <MessagePreview content={c.content} />
              </Card>
            </Col>
          </Row>
          {c.funnel && c.funnel.targeted > 0 ? (
            <Suspense fallback={<Card title="推送漏斗"><Skeleton active /></Card>}>
              <FunnelSection funnel={c.funnel} channels={config.data?.channels} />
            </Suspense>
          ) : (
            <Card title="推送漏斗">
              <Typography.Text type="secondary">
                {c.status === 'scheduled' || c.status === 'deferred'
                  ? `推送任务将于 ${formatTime(c.deferred_until_ms ?? c.send_at_ms)} 开始，届时这里会显示目标客户、发送、点击与预约情况。`
                  : '还没有目标客户的数据。'}
              </Typography.Text>
            </Card>
          )}
          <LinksTable campaignId={c.id} live={!isFinal(c.status)} clicks={c.funnel?.clicks ?? 0} />
          <RecipientsTable campaignId={c.id} live={!isFinal(c.status)} channels={config.data?.channels} />
        </Space>
      )}
    </PageContainer>
  );
}
