import { ReloadOutlined } from '@ant-design/icons';
import { Button, Checkbox, Flex, Select, Table, Tag, Typography, type TableColumnsType } from 'antd';
import { useState } from 'react';
import { EmptyState } from '@/components/empty-state';
import { QueryError } from '@/components/query-error';
import { formatTime } from '@/lib/format';
import { useCallbackLogs, type CallbackLog } from '../api/events';
import { CALLBACK_STATUS, EVENT_TYPE, unrecognizedReasonLabel } from '../api/labels';
import { EventDrawer, EventType } from './event-drawer';

const TYPE_OPTIONS = Object.entries(EVENT_TYPE).map(([value, label]) => ({ value, label: `${label}` }));

/** 企业微信事件日志: every decrypted WeCom event, its processing, and 重新处理. */
export function EventLogTab() {
  const [eventType, setEventType] = useState<string | undefined>();
  const [unrecognizedOnly, setUnrecognizedOnly] = useState(false);
  const [open, setOpen] = useState<CallbackLog | null>(null);
  const logs = useCallbackLogs(eventType, unrecognizedOnly);

  const columns: TableColumnsType<CallbackLog> = [
    { title: '接收时间', dataIndex: 'received_at_ms', width: 150, render: (ms: number) => formatTime(ms) },
    { title: '事件类型', dataIndex: 'event_type', width: 260, render: (t: string) => <EventType value={t} /> },
    {
      title: '处理状态',
      dataIndex: 'status',
      width: 100,
      render: (s: CallbackLog['status']) => {
        const label = CALLBACK_STATUS[s] ?? { label: s, color: 'default' };
        return <Tag color={label.color}>{label.label}</Tag>;
      },
    },
    { title: '客户', dataIndex: 'external_userid', width: 180, ellipsis: true, render: (v?: string | null) => v || '—' },
    { title: '跟进成员', dataIndex: 'userid', width: 110, render: (v?: string | null) => v || '—' },
    { title: '渠道标识', dataIndex: 'state', width: 110, render: (v?: string | null) => v || '—' },
    {
      title: '处理结果',
      key: 'result',
      ellipsis: true,
      render: (_, e) =>
        e.status === 'unrecognized' ? (
          <Typography.Text type="secondary">{unrecognizedReasonLabel(e.unrecognized_reason)}</Typography.Text>
        ) : e.error ? (
          <Typography.Text type="danger">{e.error}</Typography.Text>
        ) : (
          (e.outcome ?? '—')
        ),
    },
    {
      title: '操作',
      key: 'actions',
      width: 96,
      fixed: 'right',
      render: (_, e) => (
        <Button type="link" size="small" onClick={() => setOpen(e)} aria-label={`查看事件 ${e.id}`}>
          查看
        </Button>
      ),
    },
  ];

  return (
    <>
      <Flex gap={8} wrap align="center" style={{ marginBottom: 12 }}>
        <Select
          allowClear
          showSearch
          optionFilterProp="label"
          placeholder="全部事件类型"
          aria-label="事件类型"
          style={{ width: 280 }}
          options={TYPE_OPTIONS}
          value={eventType}
          disabled={unrecognizedOnly}
          onChange={(v?: string) => setEventType(v)}
        />
        <Checkbox checked={unrecognizedOnly} onChange={(e) => setUnrecognizedOnly(e.target.checked)}>
          只看无法识别的消息
        </Checkbox>
        <Button icon={<ReloadOutlined />} onClick={() => void logs.refetch()} loading={logs.isRefetching}>
          刷新
        </Button>
        <Typography.Text type="secondary">
          保留最近 90 天的事件；处理失败的事件修复原因后可重新处理，已完成的操作不会重复执行。
        </Typography.Text>
      </Flex>
      {logs.isError && <QueryError error={logs.error} onRetry={() => void logs.refetch()} />}
      <Table<CallbackLog>
        rowKey="id"
        size="middle"
        columns={columns}
        dataSource={logs.items}
        loading={logs.isPending}
        pagination={false}
        scroll={{ x: 1150 }}
        locale={{
          emptyText: (
            <EmptyState
              description={
                unrecognizedOnly
                  ? '没有无法识别的消息。企业微信发来的消息都已按已知格式读取。'
                  : eventType
                  ? '没有这种类型的事件。换一个事件类型，或清除筛选查看全部事件。'
                  : '还没有收到企业微信事件。请在「企业微信配置」页设置接收消息服务器，客户添加成员后事件会出现在这里。'
              }
            />
          ),
        }}
      />
      {logs.hasNextPage && (
        <Flex justify="center" style={{ marginTop: 12 }}>
          <Button onClick={() => void logs.fetchNextPage()} loading={logs.isFetchingNextPage}>
            加载更多
          </Button>
        </Flex>
      )}
      <EventDrawer event={open} onClose={() => setOpen(null)} />
    </>
  );
}
