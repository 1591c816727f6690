import { Alert, Button, Card, Drawer, Flex, Skeleton, Space, Tag, Typography } from 'antd';
import { Link } from 'react-router';
import { EmptyState } from '@/components/empty-state';
import { QueryError } from '@/components/query-error';
import { formatTime } from '@/lib/format';
import { CAMPAIGN_STATUS, SKIP_REASON, labelOf } from '@/lib/labels';
import { useAutomationRuns, useCampaign, type AutomationRule, type AutomationRun } from '../api/automations';
import { kindText } from '../api/form';
import { Counts } from './counts';

const DAY_LABEL: Record<AutomationRule['kind']['type'], string> = {
  birthday: '生日',
  after_visit: '到店或消费日',
  re_engagement: '最近消费日',
};

/** A run's campaign: its status and funnel (targeted → skipped → tasks → sent → clicked → booked). */
function RunCampaign({ id }: { id: string }) {
  const campaign = useCampaign(id);
  if (campaign.isError) return <QueryError error={campaign.error} title="无法读取推送任务" onRetry={() => void campaign.refetch()} />;
  if (!campaign.data) return <Skeleton active paragraph={{ rows: 1 }} title={false} />;
  const c = campaign.data;
  const f = c.funnel;
  const status = labelOf(CAMPAIGN_STATUS, c.status);
  const skippedReasons = Object.entries(f?.skipped_by_reason ?? {})
    .map(([reason, n]) => `${SKIP_REASON[reason] ?? reason} ${n}`)
    .join('；');
  return (
    <Space direction="vertical" size={8} style={{ width: '100%' }} data-testid={`run-campaign-${id}`}>
      <Space wrap size={8}>
        <Link to={`/dashboard/wework/messages/${encodeURIComponent(id)}`}>{c.name}</Link>
        <Tag color={status.color}>{status.label}</Tag>
      </Space>
      {f ? (
        <Counts
          label={`推送任务 ${c.name} 的转化漏斗`}
          items={[
            { label: '目标客户', value: f.targeted },
            { label: '已跳过', value: f.skipped, hint: skippedReasons || undefined },
            { label: '已创建任务', value: f.task_created, hint: '进入群发任务、等待跟进成员确认发送的客户' },
            { label: '待成员确认', value: f.awaiting_staff },
            { label: '成员已发送', value: f.sent },
            { label: '非好友', value: f.not_friend, optional: true },
            { label: '超出接收上限', value: f.over_quota, optional: true },
            { label: '发送失败', value: f.failed, optional: true },
            { label: '已点击', value: f.clicks, hint: '跟踪链接的点击次数' },
            { label: '已预约', value: f.booked, hint: `发送后 ${f.booked_within_days} 天内预约或消费的客户` },
          ]}
        />
      ) : (
        <Typography.Text type="secondary">正在筛选客户、创建群发任务…</Typography.Text>
      )}
    </Space>
  );
}

function RunCard({ run, rule }: { run: AutomationRun; rule: AutomationRule }) {
  return (
    <Card
      size="small"
      title={`${formatTime(run.at_ms)} 运行`}
      extra={
        <Typography.Text type="secondary">
          {DAY_LABEL[rule.kind.type]} {run.day}
        </Typography.Text>
      }
      data-testid={`automation-run-${run.id}`}
    >
      <Space direction="vertical" size={12} style={{ width: '100%' }}>
        <Counts
          label="本次运行"
          items={[
            { label: '读取索引项', value: run.items_read, hint: '查找符合条件的客户时读取的索引条目（不扫描全部客户）' },
            { label: '符合条件', value: run.matched },
            { label: '此前已发送', value: run.already_done, hint: '同一场合（如今年生日）已经由该规则发送过的客户，不会重复发送' },
            { label: '本次移交发送', value: run.handed_over },
          ]}
        />
        {run.refused ? (
          <Alert
            type="error"
            showIcon
            message="本次没有发送"
            description={`按本次填入优惠券和日期后，消息无法发送：${run.refused.message}。这些客户没有被记为已发送：修改规则后点击「立即运行」即可发送给他们。`}
            data-testid={`automation-run-refused-${run.id}`}
          />
        ) : run.campaign_ids.length === 0 ? (
          <Typography.Text type="secondary">本次没有需要发送的客户。</Typography.Text>
        ) : (
          run.campaign_ids.map((id) => <RunCampaign key={id} id={id} />)
        )}
      </Space>
    </Card>
  );
}

/** A rule's run history, newest first: each run's counts and its campaigns' funnels. */
export function RunsDrawer({ rule, onClose }: { rule: AutomationRule | null; onClose: () => void }) {
  const runs = useAutomationRuns(rule?.id ?? null);
  const items = runs.data?.pages.flatMap((page) => page.items) ?? [];

  return (
    <Drawer
      title={rule ? `运行记录：${rule.name}` : '运行记录'}
      open={rule !== null}
      onClose={onClose}
      width={Math.min(860, window.innerWidth)}
      destroyOnHidden
    >
      {rule && (
        <Typography.Paragraph type="secondary" style={{ marginTop: 0 }}>
          {kindText(rule.kind)}发送。每天 01:00（北京时间）自动运行；每次运行把符合条件的客户交给一个推送任务，营销授权、
          每日推送上限、企业微信接收上限和免打扰时段照常生效。
        </Typography.Paragraph>
      )}
      {runs.isError && <QueryError error={runs.error} onRetry={() => void runs.refetch()} />}
      {runs.isPending && rule && <Skeleton active />}
      {!runs.isPending && items.length === 0 && !runs.isError && (
        <EmptyState description="还没有运行记录。规则每天 01:00 自动运行，也可以在列表中点击「立即运行」。" />
      )}
      <Flex vertical gap={12}>
        {rule && items.map((run) => <RunCard key={run.id} run={run} rule={rule} />)}
      </Flex>
      {runs.hasNextPage && (
        <Flex justify="center" style={{ marginTop: 16 }}>
          <Button loading={runs.isFetchingNextPage} onClick={() => void runs.fetchNextPage()}>
            加载更多
          </Button>
        </Flex>
      )}
    </Drawer>
  );
}
