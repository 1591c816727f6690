import { RedoOutlined } from '@ant-design/icons';
import { Alert, Button, Descriptions, Drawer, Popconfirm, Skeleton, Space, Tabs, Tag, Typography } from 'antd';
import { useState } from 'react';
import { QueryError } from '@/components/query-error';
import { errorMessage } from '@/lib/api/errors';
import { formatTime, formatUnixSeconds } from '@/lib/format';
import { useCallbackLog, useReplayEvent, type CallbackLog } from '../api/events';
import { CALLBACK_STATUS, errcodeHint, eventTypeLabel, isPending } from '../api/labels';
import { eventAsPrettyJson, indentXml } from '../api/raw-event';
import { CodeBlock } from './code-block';

interface Props {
  /** The event shown, with what the list already knows of it (shown while it is asked for). */
  event: CallbackLog | null;
  onClose: () => void;
}

/** One logged event: its processing, its raw content (JSON / XML) and 重新处理. */
export function EventDrawer({ event, onClose }: Props) {
  return (
    <Drawer
      title="企业微信事件详情"
      open={event !== null}
      onClose={onClose}
      width={Math.min(760, window.innerWidth)}
      destroyOnHidden
    >
      {event && <EventDetail key={event.id} initial={event} />}
    </Drawer>
  );
}

function EventDetail({ initial }: { initial: CallbackLog }) {
  const query = useCallbackLog(initial.id);
  const replay = useReplayEvent();
  /** How many processing attempts the event had when it was replayed: the replay settles after. */
  const [replayedAfter, setReplayedAfter] = useState<number | null>(null);
  const entry = query.data ?? initial;
  const status = CALLBACK_STATUS[entry.status] ?? { label: entry.status, color: 'default' };
  const settled = replayedAfter !== null && entry.attempts > replayedAfter && !isPending(entry.status);

  const onReplay = () => {
    const before = entry.attempts;
    replay.mutate(
      { params: { path: { id: entry.id } } },
      { onSuccess: () => setReplayedAfter(before) },
    );
  };

  return (
    <Space direction="vertical" size="large" style={{ width: '100%' }}>
      {query.isError && <QueryError error={query.error} onRetry={() => void query.refetch()} />}
      <Descriptions
        column={{ xs: 1, sm: 2 }}
        size="small"
        bordered
        styles={{ label: { whiteSpace: 'nowrap' } }}
        items={[
          { key: 'type', label: '事件类型', span: 'filled', children: <EventType value={entry.event_type} /> },
          {
            key: 'status',
            label: '处理状态',
            children: (
              <Tag color={status.color} data-testid="event-status">
                {status.label}
              </Tag>
            ),
          },
          { key: 'attempts', label: '处理次数', children: entry.attempts },
          { key: 'ext', label: '客户 (external_userid)', span: 'filled', children: entry.external_userid ?? '—' },
          { key: 'user', label: '跟进成员', children: entry.userid ?? '—' },
          { key: 'state', label: '渠道标识', children: entry.state || '—' },
          { key: 'created', label: '事件时间', children: formatUnixSeconds(entry.create_time) },
          { key: 'received', label: '接收时间', children: formatTime(entry.received_at_ms) },
          { key: 'processed', label: '处理完成时间', children: formatTime(entry.processed_at_ms) },
          { key: 'deliveries', label: '企业微信推送次数', children: entry.delivery_count },
          { key: 'outcome', label: '处理结果', span: 'filled', children: entry.outcome || '—' },
          {
            key: 'error',
            label: '错误',
            span: 'filled',
            children: entry.error ? (
              <Space direction="vertical" size={4}>
                <Typography.Text type="danger">{entry.error}</Typography.Text>
                {errcodeHint(entry.error) && <Typography.Text>{errcodeHint(entry.error)}</Typography.Text>}
              </Space>
            ) : (
              '—'
            ),
          },
          { key: 'id', label: '事件 ID', span: 'filled', children: <Typography.Text code>{entry.id}</Typography.Text> },
        ]}
      />

      <div>
        <Space wrap>
          <Popconfirm
            title="重新处理该事件？"
            description="按当前配置再处理一次。已完成的操作（建档、打标签、发送欢迎语）不会重复执行。"
            okText="重新处理"
            cancelText="取消"
            onConfirm={onReplay}
          >
            <Button type="primary" icon={<RedoOutlined />} loading={replay.isPending}>
              重新处理
            </Button>
          </Popconfirm>
          {isPending(entry.status) && <Typography.Text type="secondary">处理中，状态会自动刷新…</Typography.Text>}
        </Space>
        {replay.isError && (
          <Alert style={{ marginTop: 12 }} type="error" showIcon role="alert" message={`重新处理失败：${errorMessage(replay.error)}`} />
        )}
        {replay.data && !settled && (
          <Alert
            style={{ marginTop: 12 }}
            type="info"
            showIcon
            role="status"
            message={`已提交重新处理（状态：${CALLBACK_STATUS[replay.data.status]?.label ?? replay.data.status}），正在等待处理结果…`}
          />
        )}
        {settled && (
          <Alert
            style={{ marginTop: 12 }}
            type={entry.status === 'failed' ? 'error' : 'success'}
            showIcon
            role="status"
            data-testid="replay-result"
            message={`重新处理结果：${status.label}`}
            description={entry.status === 'failed' ? entry.error : entry.outcome}
          />
        )}
      </div>

      {query.isPending && !initial.raw_xml ? (
        <Skeleton active />
      ) : (
        <Tabs
          items={[
            {
              key: 'json',
              label: 'JSON',
              children: <CodeBlock label="事件内容（JSON）" text={eventAsPrettyJson(entry.raw_xml)} />,
            },
            {
              key: 'xml',
              label: '原始 XML',
              children: <CodeBlock label="解密后的原始事件（XML）" text={indentXml(entry.raw_xml)} />,
            },
          ]}
        />
      )}
    </Space>
  );
}

export function EventType({ value }: { value: string }) {
  return (
    <Space direction="vertical" size={0}>
      <span>{eventTypeLabel(value)}</span>
      <Typography.Text type="secondary" style={{ fontSize: 12 }}>
        {value}
      </Typography.Text>
    </Space>
  );
}
