import { ReloadOutlined } from '@ant-design/icons';
import { App, Button, Descriptions, Drawer, Progress, Table, Tag, Tooltip, type TableColumnsType } from 'antd';
import { QueryError } from '@/components/query-error';
import { useStaffLabel } from '@/components/staff-select';
import { errorMessage } from '@/lib/api/errors';
import { formatTime, formatUnixSeconds } from '@/lib/format';
import { useHandover, useRefreshHandover, type HandoverCustomerView } from '../api/handovers';
import { errcodeReason, KIND_LABELS, progressPercent, RESULT_COLORS, RESULT_LABELS } from '../api/labels';
import { PendingCampaignsAlert } from './pending-campaigns-alert';

interface Props {
  id: string | null;
  onClose: () => void;
}

/** One handover: progress and each customer's result. */
export function HandoverDrawer({ id, onClose }: Props) {
  const { message } = App.useApp();
  const detail = useHandover(id);
  const refresh = useRefreshHandover();
  const staffLabel = useStaffLabel();
  const job = detail.data?.handover;

  const columns: TableColumnsType<HandoverCustomerView> = [
    {
      title: '客户',
      key: 'customer',
      render: (_, c) => c.name ?? c.external_userid,
    },
    {
      title: '结果',
      key: 'result',
      width: 200,
      render: (_, c) => {
        const reason = errcodeReason(c.errcode);
        const tag = (
          <Tag color={RESULT_COLORS[c.result]} data-testid={`result-${c.external_userid}`}>
            {RESULT_LABELS[c.result]}
          </Tag>
        );
        return reason ? <Tooltip title={reason}>{tag}</Tooltip> : tag;
      },
    },
    {
      title: '说明',
      key: 'reason',
      render: (_, c) => errcodeReason(c.errcode) ?? (c.takeover_time ? `接替于 ${formatUnixSeconds(c.takeover_time)}` : '—'),
    },
  ];

  return (
    <Drawer
      title={job ? `${KIND_LABELS[job.kind]}：${staffLabel(job.handover_userid)} → ${staffLabel(job.takeover_userid)}` : '交接详情'}
      width={720}
      open={id !== null}
      onClose={onClose}
      destroyOnClose
      extra={
        <Button
          icon={<ReloadOutlined />}
          loading={refresh.isPending}
          disabled={!job || job.status === 'done'}
          onClick={() =>
            id &&
            refresh.mutate(
              { params: { path: { id } } },
              {
                onSuccess: () => void message.success('已从企业微信读取最新结果'),
                onError: (e) => void message.error(errorMessage(e)),
              },
            )
          }
        >
          刷新结果
        </Button>
      }
    >
      {detail.error && <QueryError error={detail.error} />}
      {job && (
        <>
          <Descriptions size="small" column={2} style={{ marginBottom: 12 }}>
            <Descriptions.Item label="继承方式">{KIND_LABELS[job.kind]}</Descriptions.Item>
            <Descriptions.Item label="状态">
              {job.status === 'done' ? <Tag color="green">已完成</Tag> : <Tag color="blue">进行中</Tag>}
            </Descriptions.Item>
            <Descriptions.Item label="原跟进成员">{staffLabel(job.handover_userid)}</Descriptions.Item>
            <Descriptions.Item label="接替成员">{staffLabel(job.takeover_userid)}</Descriptions.Item>
            <Descriptions.Item label="发起时间">{formatTime(job.created_at_ms)}</Descriptions.Item>
            <Descriptions.Item label="客户数">{job.total}</Descriptions.Item>
            {job.message && (
              <Descriptions.Item label="转接提示语" span={2}>
                {job.message}
              </Descriptions.Item>
            )}
            <Descriptions.Item label="进度" span={2}>
              <Progress percent={progressPercent(job)} size="small" aria-label="交接进度" />
              <span data-testid="handover-counts">
                接替完毕 {job.counts.accepted} · 等待接替 {job.counts.waiting + job.counts.pending} · 客户拒绝{' '}
                {job.counts.refused} · 达到上限 {job.counts.over_limit} · 失败 {job.counts.failed + job.counts.rejected_by_rule}
              </span>
            </Descriptions.Item>
          </Descriptions>
          <PendingCampaignsAlert work={job.pending_campaigns ?? []} />
          <Table
            rowKey="external_userid"
            size="small"
            columns={columns}
            dataSource={detail.data?.customers ?? []}
            pagination={{ pageSize: 50, hideOnSinglePage: true }}
          />
        </>
      )}
    </Drawer>
  );
}
