import { EyeOutlined } from '@ant-design/icons';
import { Alert, App, Button, Card, Col, Flex, Form, Input, InputNumber, Radio, Row, Skeleton, Space, Typography } from 'antd';
import { useState } from 'react';
import { Link, useNavigate } from 'react-router';
import { MessageComposer, validateContent } from '@/components/message-composer';
import { PageContainer } from '@/components/page-container';
import { QueryError } from '@/components/query-error';
import { StaffSelect } from '@/components/staff-select';
import { errorMessage } from '@/lib/api/errors';
import { applyFieldError } from '@/lib/form-errors';
import { formatTime } from '@/lib/format';
import { audienceBody, audienceProblem, type AudienceValues } from '../api/audience';
import {
  useCreateCampaign,
  usePreviewCampaign,
  useSendConfig,
  useTagCatalogue,
  type Preview,
} from '../api/campaigns';
import { SENDER_POLICY_LABEL } from '../api/labels';
import { campaignBody, defaultValues, formFieldOf, previewBody, type NewCampaignValues } from '../api/new-campaign';
import { checkSchedule, quietHoursOf } from '../api/schedule';
import { AudienceSection, type Option, type TagOptionGroup } from './audience-section';
import { DryRunResult } from './dry-run-result';
import { ScheduleSection } from './schedule-section';

/** The audience part of the values, as a key: a dry run is current while it is unchanged. */
function audienceKey(values: Pick<NewCampaignValues, 'audience' | 'sender'> | undefined): string {
  if (!values?.audience) return '';
  try {
    return JSON.stringify([audienceBody(values.audience), values.sender]);
  } catch {
    return '';
  }
}

/** 指定成员, shown when the sender policy is `fixed` (watches only the policy). */
function FixedSender() {
  const type = Form.useWatch(['sender', 'type']) as NewCampaignValues['sender']['type'] | undefined;
  if (type !== 'fixed') return null;
  return (
    <Form.Item label="指定成员" name={['sender', 'userid']} rules={[{ required: true, message: '请选择发送成员' }]}>
      <StaffSelect style={{ maxWidth: 320 }} />
    </Form.Item>
  );
}

/** The dry run's button and result; watches the audience to mark a result stale. */
function DryRunPanel({
  dryRun,
  running,
  onRun,
  channels,
}: {
  dryRun: { key: string; result: Preview } | null;
  running: boolean;
  onRun: () => void;
  channels: Record<string, { label: string }> | undefined;
}) {
  const form = Form.useFormInstance();
  const audience = Form.useWatch('audience', { form, preserve: true }) as AudienceValues | undefined;
  const sender = Form.useWatch('sender', { form, preserve: true }) as NewCampaignValues['sender'] | undefined;
  const currentKey = audience ? audienceKey({ audience, sender: sender ?? { type: 'own_consultant' } }) : '';
  return (
    <>
      <Flex gap={12} align="center" wrap style={{ marginBottom: 12 }}>
        <Button icon={<EyeOutlined />} onClick={onRun} loading={running}>
          预览目标客户
        </Button>
        <Typography.Text type="secondary">只统计人数与跳过原因，不会发送。</Typography.Text>
      </Flex>
      {dryRun && <DryRunResult preview={dryRun.result} stale={dryRun.key !== currentKey} channels={channels} />}
    </>
  );
}

/** 新建推送任务: audience with a dry run, content with a live preview, send time. */
export function CampaignNewPage() {
  const { modal, message } = App.useApp();
  const navigate = useNavigate();
  const [form] = Form.useForm<NewCampaignValues>();
  const config = useSendConfig();
  const tags = useTagCatalogue();
  const preview = usePreviewCampaign();
  const create = useCreateCampaign();
  const [dryRun, setDryRun] = useState<{ key: string; result: Preview } | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [initialValues] = useState(defaultValues);


  const channels: Option[] = Object.entries(config.data?.channels ?? {}).map(([state, c]) => ({
    value: state,
    label: c.label === state ? state : `${c.label}（${state}）`,
  }));
  const tagOptions: TagOptionGroup[] = (tags.data?.tag_group ?? [])
    .filter((g) => !g.deleted)
    .map((g) => ({
      label: g.group_name,
      title: g.group_name,
      options: g.tag.filter((t) => !t.deleted).map((t) => ({ value: t.id, label: t.name })),
    }));
  const quiet = quietHoursOf(config.data?.send_rules);

  const values = (): NewCampaignValues => form.getFieldsValue(true) as NewCampaignValues;

  const showError = (e: unknown) => {
    const current = values();
    const mapped = applyFieldError(form, e, (field) => formFieldOf(field, current));
    if (!mapped) setError(errorMessage(e));
  };

  /** Runs the dry run for the current audience; answers its result (or null when refused). */
  const runDryRun = async (): Promise<Preview | null> => {
    setError(null);
    const current = values();
    const problem = audienceProblem(current.audience);
    if (problem) {
      const field =
        current.audience.mode === 'tags' ? ['audience', 'tag_groups', 0] : ['audience', current.audience.mode === 'one' ? 'one' : 'batch'];
      await form.validateFields([field]).catch(() => undefined);
      form.scrollToField(field, { block: 'center' });
      return null;
    }
    try {
      await form.validateFields([['audience'], ['sender', 'userid']], { recursive: true });
    } catch {
      return null;
    }
    try {
      const result = await preview.mutateAsync({ body: previewBody(current) });
      setDryRun({ key: audienceKey(current), result });
      return result;
    } catch (e) {
      showError(e);
      return null;
    }
  };

  const onFinish = async () => {
    setError(null);
    const current = values();
    const contentProblems = validateContent(current.content);
    if (contentProblems.length > 0) {
      setError(`消息内容有误：${contentProblems[0]!.message}`);
      return;
    }
    const schedule = checkSchedule(current.send_mode, current.send_at, quiet, Date.now());
    if (schedule.level === 'error') {
      form.setFields([{ name: 'send_at', errors: [schedule.message] }]);
      return;
    }
    const fresh = dryRun && dryRun.key === audienceKey(current) ? dryRun.result : await runDryRun();
    if (!fresh) return;
    const when =
      current.send_mode === 'now'
        ? schedule.startsAt && schedule.startsAt !== schedule.dueAt
          ? `现在处于免打扰时段，将于 ${formatTime(schedule.startsAt)} 开始`
          : '立即开始'
        : `${formatTime(schedule.dueAt)}（北京时间）${schedule.startsAt !== schedule.dueAt ? `，因免打扰时段顺延到 ${formatTime(schedule.startsAt)}` : ''}`;
    modal.confirm({
      title: `创建推送任务「${current.name.trim()}」？`,
      content: (
        <Space direction="vertical">
          <span>
            按现在的预览，将向 <b>{fresh.would_send}</b> 位客户发送（目标 {fresh.targeted} 位，跳过{' '}
            {fresh.targeted - fresh.would_send} 位），共 {fresh.tasks} 个群发任务，需要 {fresh.senders} 位成员在企业微信中确认发送。
          </span>
          <span>发送时间：{when}。</span>
          {current.send_mode === 'later' && (
            <Typography.Text type="secondary">按条件筛选的客户以发送时为准，人数可能与预览不同。</Typography.Text>
          )}
          {fresh.would_send === 0 && <Typography.Text type="danger">按现在的条件没有客户会收到消息。</Typography.Text>}
        </Space>
      ),
      okText: '创建推送任务',
      cancelText: '返回修改',
      onOk: async () => {
        try {
          const created = await create.mutateAsync({ body: campaignBody(values()) });
          void message.success(current.send_mode === 'now' ? '推送任务已创建，正在开始发送' : '推送任务已创建，将按时发送');
          void navigate(`/dashboard/wework/messages/${encodeURIComponent(created.id)}`);
        } catch (e) {
          showError(e);
        }
      },
    });
  };

  if (config.isPending) {
    return (
      <PageContainer title="新建推送任务">
        <Skeleton active paragraph={{ rows: 12 }} />
      </PageContainer>
    );
  }

  return (
    <PageContainer
      title="新建推送任务"
      description="选择目标客户并预览人数与跳过原因，编辑消息内容，选择立即或定时发送。"
      extra={<Link to="/dashboard/wework/messages">返回推送列表</Link>}
    >
      {config.isError && <QueryError error={config.error} onRetry={() => void config.refetch()} title="无法读取推送规则与渠道" />}
      <Form<NewCampaignValues>
        form={form}
        layout="vertical"
        initialValues={initialValues}
        onFinish={() => void onFinish()}
        onFinishFailed={({ errorFields }) => {
          if (errorFields[0]) form.scrollToField(errorFields[0].name, { block: 'center' });
        }}
        scrollToFirstError={false}
      >
        <Space direction="vertical" size={16} style={{ width: '100%' }}>
          <Card title="基本信息">
            <Row gutter={16}>
              <Col xs={24} md={12}>
                <Form.Item
                  label="推送任务名称"
                  name="name"
                  rules={[
                    { required: true, whitespace: true, message: '请输入推送任务名称' },
                    { max: 60, message: '名称不能超过 60 个字' },
                  ]}
                  extra="仅后台可见，客户看不到。"
                >
                  <Input placeholder="三八妇女节水光针 8 折" maxLength={80} />
                </Form.Item>
              </Col>
              <Col xs={24} md={12}>
                <Form.Item
                  label="转化统计天数"
                  name="booked_within_days"
                  rules={[{ required: true, type: 'integer', min: 1, max: 90, message: '请输入 1 到 90 之间的整数' }]}
                  extra="客户收到消息后这些天内预约或消费，计为「已预约」。"
                >
                  <InputNumber min={1} max={90} precision={0} suffix="天" style={{ width: 160 }} />
                </Form.Item>
              </Col>
            </Row>
            <Form.Item label="发送成员" name={['sender', 'type']} extra="每位客户只会收到一条消息，由一位跟进成员发送。">
              <Radio.Group>
                <Space direction="vertical">
                  {(Object.keys(SENDER_POLICY_LABEL) as (keyof typeof SENDER_POLICY_LABEL)[]).map((type) => (
                    <Radio key={type} value={type}>
                      {SENDER_POLICY_LABEL[type]}
                    </Radio>
                  ))}
                </Space>
              </Radio.Group>
            </Form.Item>
            <FixedSender />
          </Card>

          <Card title="目标客户">
            <AudienceSection
              channels={channels}
              tags={tagOptions}
              dryRun={
                <DryRunPanel
                  dryRun={dryRun}
                  running={preview.isPending}
                  onRun={() => void runDryRun()}
                  channels={config.data?.channels}
                />
              }
            />
          </Card>

          <Card title="消息内容">
            <MessageComposer
              name="content"
              senderName="跟进成员"
              help="文字中的链接和图文链接会替换为跟踪链接，用于统计点击。"
            />
          </Card>

          <Card title="发送时间">
            <ScheduleSection quiet={quiet} />
          </Card>

          {error && <Alert type="error" showIcon role="alert" message={error} closable onClose={() => setError(null)} />}

          <Flex gap={12} justify="flex-end" wrap>
            <Button onClick={() => void navigate('/dashboard/wework/messages')}>取消</Button>
            {/* Not a submit button: Enter in a field of this long form must not start the create flow. */}
            <Button type="primary" onClick={() => form.submit()} loading={create.isPending || preview.isPending}>
              创建推送任务
            </Button>
          </Flex>
        </Space>
      </Form>
    </PageContainer>
  );
}
