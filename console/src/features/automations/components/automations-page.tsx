import { DeleteOutlined, EditOutlined, HistoryOutlined, PlayCircleOutlined, PlusOutlined } from '@ant-design/icons';
import { App, Button, Card, Popconfirm, Space, Switch, Table, Tooltip, Typography, type TableColumnsType } from 'antd';
import { useState } from 'react';
import { EmptyState } from '@/components/empty-state';
import { contentSummary } from '@/components/message-composer';
import { PageContainer } from '@/components/page-container';
import { QueryError } from '@/components/query-error';
import { useStaffLabel } from '@/components/staff-select';
import { errorMessage } from '@/lib/api/errors';
import { formatTime } from '@/lib/format';
import { AUTOMATION_TYPE } from '@/lib/labels';
import {
  useAutomations,
  useDeleteAutomation,
  useRunAutomation,
  useUpdateAutomation,
  type AutomationRule,
} from '../api/automations';
import { kindText } from '../api/form';
import { RuleDrawer } from './rule-drawer';
import { RunsDrawer } from './runs-drawer';

export function AutomationsPage() {
  const { message } = App.useApp();
  const rules = useAutomations();
  const update = useUpdateAutomation();
  const remove = useDeleteAutomation();
  const run = useRunAutomation();
  const staffLabel = useStaffLabel();
  const [drawer, setDrawer] = useState<{ open: boolean; editing: AutomationRule | null }>({ open: false, editing: null });
  const [history, setHistory] = useState<AutomationRule | null>(null);
  const [toggling, setToggling] = useState<string | null>(null);
  const items = [...(rules.data?.items ?? [])].sort((a, b) => b.created_at_ms - a.created_at_ms);

  const setEnabled = (rule: AutomationRule, enabled: boolean) => {
    setToggling(rule.id);
    update.mutate(
      { params: { path: { id: rule.id } }, body: { enabled } },
      {
        onSuccess: () => void message.success(enabled ? `已启用「${rule.name}」` : `已停用「${rule.name}」`),
        onError: (e) => void message.error(errorMessage(e)),
        onSettled: () => setToggling(null),
      },
    );
  };

  const runNow = (rule: AutomationRule) =>
    new Promise<void>((resolve) => {
      run.mutate(
        { params: { path: { id: rule.id } } },
        {
          onSuccess: (result) => {
            if (result.refused) {
              void message.error(`已运行，但没有发送：${result.refused.message}`);
            } else {
              void message.success(
                `已运行：符合条件 ${result.matched} 位，此前已发送 ${result.already_done} 位，本次移交发送 ${result.handed_over} 位`,
              );
            }
            setHistory(rule);
            resolve();
          },
          onError: (e) => {
            void message.error(errorMessage(e));
            resolve();
          },
        },
      );
    });

  const onDelete = (rule: AutomationRule) =>
    new Promise<void>((resolve) => {
      remove.mutate(
        { params: { path: { id: rule.id } } },
        {
          onSuccess: () => {
            void message.success('规则已删除');
            resolve();
          },
          onError: (e) => {
            void message.error(errorMessage(e));
            resolve();
          },
        },
      );
    });

  const columns: TableColumnsType<AutomationRule> = [
    {
      title: '规则名称',
      dataIndex: 'name',
      width: 160,
      fixed: 'left',
      render: (name: string, rule) => (
        <Space direction="vertical" size={0}>
          <Typography.Text strong>{name}</Typography.Text>
          <Typography.Text type="secondary" style={{ fontSize: 12 }}>
            {AUTOMATION_TYPE[rule.kind.type] ?? rule.kind.type}
          </Typography.Text>
        </Space>
      ),
    },
    {
      title: '触发条件',
      key: 'kind',
      width: 180,
      render: (_, rule) => (
        <Space direction="vertical" size={0}>
          <span>{kindText(rule.kind)}</span>
          {rule.kind.type === 'birthday' && rule.kind.coupon && (
            <Typography.Text type="secondary" style={{ fontSize: 12 }}>
              优惠券：{rule.kind.coupon}
            </Typography.Text>
          )}
        </Space>
      ),
    },
    {
      title: '启用',
      key: 'enabled',
      width: 80,
      render: (_, rule) => (
        <Switch
          checked={rule.enabled}
          loading={toggling === rule.id}
          aria-label={`启用「${rule.name}」`}
          onChange={(checked) => setEnabled(rule, checked)}
        />
      ),
    },
    {
      title: '上次运行',
      dataIndex: 'last_run_at_ms',
      width: 150,
      render: (ms: number | null | undefined) => formatTime(ms),
    },
    {
      title: '消息内容',
      key: 'content',
      width: 260,
      render: (_, rule) => (
        <Space direction="vertical" size={0}>
          <Typography.Paragraph ellipsis={{ rows: 2, tooltip: rule.text }} style={{ margin: 0 }}>
            {rule.text || '（无文字）'}
          </Typography.Paragraph>
          <Typography.Text type="secondary" style={{ fontSize: 12 }}>
            {contentSummary({ text: rule.text, attachments: rule.attachments })}
          </Typography.Text>
        </Space>
      ),
    },
    {
      title: '发送成员',
      key: 'sender',
      width: 140,
      render: (_, rule) => {
        const p = rule.sender_policy;
        if (p.type === 'fixed') return staffLabel(p.userid);
        return p.type === 'most_recent' ? '最近添加的跟进成员' : '客户的专属顾问';
      },
    },
    {
      title: '操作',
      key: 'actions',
      width: 270,
      fixed: 'right',
      render: (_, rule) => (
        <Space size={0} wrap>
          <Popconfirm
            title="立即运行这条规则？"
            description="为今天符合条件的客户创建群发任务，由跟进成员确认发送；同一天重复运行不会重复发送。"
            okText="立即运行"
            cancelText="取消"
            disabled={!rule.enabled}
            onConfirm={() => runNow(rule)}
          >
            <Button
              type="link"
              size="small"
              icon={<PlayCircleOutlined />}
              disabled={!rule.enabled}
              title={rule.enabled ? undefined : '规则已停用，请先启用'}
              loading={run.isPending && run.variables?.params.path.id === rule.id}
            >
              立即运行
            </Button>
          </Popconfirm>
          <Button type="link" size="small" icon={<HistoryOutlined />} onClick={() => setHistory(rule)}>
            运行记录
          </Button>
          <Tooltip title="编辑">
            <Button type="text" icon={<EditOutlined />} aria-label="编辑" onClick={() => setDrawer({ open: true, editing: rule })} />
          </Tooltip>
          <Popconfirm
            title="删除这条规则？"
            description="删除后不再自动运行；已创建的推送任务和运行记录保留。"
            okText="删除"
            okButtonProps={{ danger: true }}
            cancelText="取消"
            onConfirm={() => onDelete(rule)}
          >
            <Tooltip title="删除">
              <Button type="text" danger icon={<DeleteOutlined />} aria-label="删除" />
            </Tooltip>
          </Popconfirm>
        </Space>
      ),
    },
  ];

  const newRule = (
    <Button type="primary" icon={<PlusOutlined />} onClick={() => setDrawer({ open: true, editing: null })}>
      新建规则
    </Button>
  );

  return (
    <PageContainer
      title="自动化"
      description="生日祝福、到店回访、沉睡客户唤醒：每天 01:00（北京时间）为符合条件的客户创建群发任务，由跟进成员确认发送。"
      extra={newRule}
    >
      <Card>
        {rules.isError && <QueryError error={rules.error} onRetry={() => void rules.refetch()} />}
        <Table<AutomationRule>
          rowKey="id"
          columns={columns}
          dataSource={items}
          loading={rules.isPending}
          pagination={false}
          scroll={{ x: 1220 }}
          locale={{
            emptyText: rules.isPending ? ' ' : (
              <EmptyState
                description="还没有自动化规则。新建一条生日祝福规则，在客户生日前自动送上祝福和优惠券。"
                action={newRule}
              />
            ),
          }}
        />
      </Card>
      <RuleDrawer
        open={drawer.open}
        editing={drawer.editing}
        onClose={() => setDrawer((d) => ({ ...d, open: false }))}
      />
      <RunsDrawer rule={history} onClose={() => setHistory(null)} />
    </PageContainer>
  );
}
