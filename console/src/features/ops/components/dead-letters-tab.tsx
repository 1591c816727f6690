import { ReloadOutlined, RedoOutlined } from '@ant-design/icons';
import { Alert, Button, Drawer, Flex, Popconfirm, Table, Tag, Typography, type TableColumnsType } from 'antd';
import { useState } from 'react';
import { EmptyState } from '@/components/empty-state';
import { QueryError } from '@/components/query-error';
import { errorMessage } from '@/lib/api/errors';
import { formatTime } from '@/lib/format';
import { useDeadLetters, useReplayDeadLetter, type DeadLetter } from '../api/dead-letters';
import { queueLabel } from '../api/labels';
import { prettyBody } from '../api/raw-event';
import { CodeBlock } from './code-block';

/**
 * 处理失败的消息: queue messages that failed every attempt (dead letters), each of which can be
 * put back on its queue once the cause is fixed.
 */
export function DeadLettersTab() {
  const letters = useDeadLetters();
  const replay = useReplayDeadLetter();
  const [open, setOpen] = useState<DeadLetter | null>(null);
  const [answer, setAnswer] = useState<{ type: 'success' | 'error'; text: string } | null>(null);
  const items = letters.data?.items ?? [];

  const onReplay = (letter: DeadLetter) => {
    setAnswer(null);
    replay.mutate(
      { params: { path: { id: letter.id } } },
      {
        onSuccess: (data) => {
          const text = data.replayed
            ? `已放回「${queueLabel(letter.queue)}」队列重新处理（${data.id}）`
            : `未能重新处理：${data.id}`;
          setAnswer({ type: data.replayed ? 'success' : 'error', text });
          setOpen(null);
        },
        onError: (e) => setAnswer({ type: 'error', text: `重新处理失败：${errorMessage(e)}` }),
      },
    );
  };

  const replayButton = (letter: DeadLetter, primary = false) => (
    <Popconfirm
      title="重新处理这条消息？"
      description="消息会放回原队列再处理一次；处理是幂等的，已完成的操作不会重复。请先修复失败原因。"
      okText="重新处理"
      cancelText="取消"
      onConfirm={() => onReplay(letter)}
    >
      <Button
        type={primary ? 'primary' : 'link'}
        size={primary ? 'middle' : 'small'}
        icon={primary ? <RedoOutlined /> : undefined}
        loading={replay.isPending && replay.variables?.params.path.id === letter.id}
        aria-label={primary ? undefined : `重新处理 ${letter.id}`}
      >
        重新处理
      </Button>
    </Popconfirm>
  );

  const columns: TableColumnsType<DeadLetter> = [
    { title: '失败时间', dataIndex: 'failed_at_ms', width: 150, render: (ms?: number | null) => formatTime(ms) },
    { title: '队列', dataIndex: 'queue', width: 130, render: (q: string) => <Tag>{queueLabel(q)}</Tag> },
    { title: '接收次数', dataIndex: 'receive_count', width: 90, align: 'right' },
    {
      title: '消息内容',
      dataIndex: 'body',
      ellipsis: true,
      render: (body: unknown) => (
        <Typography.Text code style={{ fontSize: 12 }}>
          {typeof body === 'string' ? body : JSON.stringify(body)}
        </Typography.Text>
      ),
    },
    {
      title: '操作',
      key: 'actions',
      width: 170,
      fixed: 'right',
      render: (_, letter) => (
        <Flex gap={4}>
          <Button type="link" size="small" onClick={() => setOpen(letter)} aria-label={`查看 ${letter.id}`}>
            查看
          </Button>
          {replayButton(letter)}
        </Flex>
      ),
    },
  ];

  return (
    <>
      <Flex gap={8} wrap align="center" style={{ marginBottom: 12 }}>
        <Button icon={<ReloadOutlined />} onClick={() => void letters.refetch()} loading={letters.isRefetching}>
          刷新
        </Button>
        <Typography.Text type="secondary">
          消息多次重试仍失败时会停在这里（每个队列最多显示 100 条）。修复原因（如企业微信配置、网络）后重新处理。
        </Typography.Text>
      </Flex>
      {letters.isError && <QueryError error={letters.error} onRetry={() => void letters.refetch()} />}
      {answer && (
        <Alert
          type={answer.type}
          showIcon
          closable
          role={answer.type === 'error' ? 'alert' : 'status'}
          message={answer.text}
          onClose={() => setAnswer(null)}
          style={{ marginBottom: 12 }}
        />
      )}
      <Table<DeadLetter>
        rowKey="id"
        size="middle"
        columns={columns}
        dataSource={items}
        loading={letters.isPending}
        pagination={false}
        scroll={{ x: 900 }}
        locale={{
          emptyText: <EmptyState description="没有处理失败的消息，所有队列运行正常。" />,
        }}
      />
      <Drawer
        title="处理失败的消息"
        open={open !== null}
        onClose={() => setOpen(null)}
        width={Math.min(720, window.innerWidth)}
        destroyOnHidden
        extra={open && replayButton(open, true)}
      >
        {open && (
          <Flex vertical gap={12}>
            <Typography.Text>
              队列：{queueLabel(open.queue)} · 接收次数：{open.receive_count} · 失败时间：{formatTime(open.failed_at_ms)}
            </Typography.Text>
            <Typography.Text type="secondary">
              消息 ID：<Typography.Text code>{open.id}</Typography.Text>
            </Typography.Text>
            <CodeBlock label="消息内容（JSON）" text={prettyBody(open.body)} />
          </Flex>
        )}
      </Drawer>
    </>
  );
}
