import { Alert, App, Button, Drawer, Flex, Form, Input, InputNumber, Radio, Space, Switch, Typography } from 'antd';
import type { FormInstance } from 'antd/es/form';
import { useMemo, useState } from 'react';
import { MessageComposer } from '@/components/message-composer';
import { StaffSelect } from '@/components/staff-select';
import { apiErrorDetail, errorMessage } from '@/lib/api/errors';
import { AUTOMATION_TYPE } from '@/lib/labels';
import { useCreateAutomation, useUpdateAutomation, type AutomationRule } from '../api/automations';
import {
  DAYS,
  MAX_COUPON_CHARS,
  MAX_NAME_CHARS,
  SENDER_LABEL,
  TEMPLATE_TEXT,
  emptyRuleForm,
  fromRule,
  placeholdersOf,
  ruleFieldOf,
  toAutomationPatch,
  toNewAutomation,
  type AutomationFormValues,
  type RuleType,
} from '../api/form';

interface Props {
  open: boolean;
  editing: AutomationRule | null;
  onClose: () => void;
}

const TYPE_HELP: Record<RuleType, string> = {
  birthday: '每天 01:00 找出生日在 N 天后的客户（客户资料中的生日），每人每年只发一次。',
  after_visit: '每天 01:00 找出 N 天前到店（预约）或消费的客户，发送回访关怀。',
  re_engagement: '每天 01:00 找出最近一次消费正好在 N 天前、之后没有再消费的客户，发送唤醒消息。',
};

/** Creates or edits an automation rule: its kind and days, the message and who sends it. */
export function RuleDrawer({ open, editing, onClose }: Props) {
  const [form] = Form.useForm<AutomationFormValues>();
  const { message } = App.useApp();
  const create = useCreateAutomation();
  const update = useUpdateAutomation();
  const [error, setError] = useState<string | null>(null);
  const initial = useMemo(() => (editing ? fromRule(editing) : emptyRuleForm()), [editing]);
  const type = (Form.useWatch('type', form) ?? initial.type);
  const sender = Form.useWatch('sender', form) ?? initial.sender;
  const range = DAYS[type];

  const onValuesChange = (changed: Partial<AutomationFormValues>, all: AutomationFormValues) => {
    if (!changed.type) return;
    form.setFieldValue('days', DAYS[changed.type].default);
    const text = (all.content?.text ?? '').trim();
    if (!text || Object.values(TEMPLATE_TEXT).includes(text)) {
      form.setFieldValue(['content', 'text'], TEMPLATE_TEXT[changed.type]);
    }
    void form.validateFields([['content', 'text']]).catch(() => undefined);
  };

  const showError = (e: unknown) => {
    const detail = apiErrorDetail(e);
    const values = form.getFieldsValue(true) as AutomationFormValues;
    const field = detail?.field ? ruleFieldOf(detail.field, values) : null;
    if (detail && field) {
      (form as FormInstance).setFields([{ name: field, errors: [detail.message] }]);
      form.scrollToField(field, { block: 'center' });
      return;
    }
    setError(errorMessage(e));
  };

  const onFinish = () => {
    setError(null);
    // The composer's attachments that are not on screen are left out of onFinish's values.
    const values = { ...initial, ...(form.getFieldsValue(true) as AutomationFormValues) };
    if (editing) {
      const body = toAutomationPatch(values, editing);
      if (Object.keys(body).length === 0) {
        void message.info('没有需要保存的修改');
        onClose();
        return;
      }
      update.mutate(
        { params: { path: { id: editing.id } }, body },
        {
          onSuccess: () => {
            void message.success('规则已保存');
            onClose();
          },
          onError: showError,
        },
      );
      return;
    }
    create.mutate(
      { body: toNewAutomation(values) },
      {
        onSuccess: () => {
          void message.success('规则已创建，每天 01:00（北京时间）自动运行');
          onClose();
        },
        onError: showError,
      },
    );
  };

  return (
    <Drawer
      title={editing ? `编辑规则：${editing.name}` : '新建自动化规则'}
      open={open}
      onClose={onClose}
      afterOpenChange={(visible) => {
        if (!visible) setError(null);
      }}
      width={Math.min(1000, window.innerWidth)}
      destroyOnHidden
      footer={
        <Flex justify="flex-end" gap={8}>
          <Button onClick={onClose}>取消</Button>
          <Button type="primary" loading={create.isPending || update.isPending} onClick={() => form.submit()}>
            {editing ? '保存' : '创建'}
          </Button>
        </Flex>
      }
    >
      <Form<AutomationFormValues>
        key={editing?.id ?? 'new'}
        form={form}
        name="automation"
        layout="vertical"
        initialValues={initial}
        onValuesChange={onValuesChange}
        onFinish={onFinish}
        scrollToFirstError
      >
        {error && <Alert type="error" showIcon role="alert" message={error} style={{ marginBottom: 16 }} />}
        <Form.Item
          label="规则名称"
          name="name"
          rules={[
            { required: true, whitespace: true, message: '请输入规则名称' },
            { max: MAX_NAME_CHARS, message: `规则名称不能超过 ${MAX_NAME_CHARS} 个字` },
          ]}
          extra="每次运行创建的推送任务以「规则名称 日期」命名。"
        >
          <Input maxLength={MAX_NAME_CHARS} showCount placeholder="例如：生日祝福" style={{ maxWidth: 480 }} />
        </Form.Item>
        <Form.Item label="规则类型" name="type" extra={TYPE_HELP[type]}>
          <Radio.Group optionType="button">
            {(Object.keys(AUTOMATION_TYPE) as RuleType[]).map((t) => (
              <Radio key={t} value={t}>
                {AUTOMATION_TYPE[t]}
              </Radio>
            ))}
          </Radio.Group>
        </Form.Item>
        <Form.Item label="触发时间" required>
          <Space align="baseline" wrap>
            <span>{range.label}</span>
            <Form.Item
              name="days"
              noStyle
              rules={[
                { required: true, message: '请输入天数' },
                {
                  type: 'integer',
                  min: range.min,
                  max: range.max,
                  message: `请输入 ${range.min} 到 ${range.max} 之间的整数`,
                },
              ]}
            >
              <InputNumber aria-label="触发天数" precision={0} style={{ width: 120 }} />
            </Form.Item>
            <span>{range.unit}</span>
          </Space>
        </Form.Item>
        {type === 'birthday' && (
          <Form.Item
            label="优惠券"
            name="coupon"
            rules={[{ max: MAX_COUPON_CHARS, message: `优惠券文字不能超过 ${MAX_COUPON_CHARS} 个字` }]}
            extra="填入消息中的 {coupon}；{valid_until} 为生日所在月份的最后一天。"
          >
            <Input placeholder="例如：任意项目 9 折优惠券" style={{ maxWidth: 480 }} />
          </Form.Item>
        )}
        <Form.Item label="发送成员" name="sender" extra="每位客户收到一条由该成员确认发送的群发任务。">
          <Radio.Group>
            <Space direction="vertical">
              {(Object.keys(SENDER_LABEL) as (keyof typeof SENDER_LABEL)[]).map((s) => (
                <Radio key={s} value={s}>
                  {SENDER_LABEL[s]}
                </Radio>
              ))}
            </Space>
          </Radio.Group>
        </Form.Item>
        {sender === 'fixed' && (
          // The rule sits on an inner item without `required`: Ant Design would put aria-required
          // on the Select's wrapper, where ARIA does not allow it (axe: aria-allowed-attr).
          <Form.Item
            label="指定的发送成员"
            required
            htmlFor="automation_sender_userid"
            extra="不是该成员客户的，会被跳过（没有可发送的跟进成员）。"
          >
            <Form.Item
              name="sender_userid"
              noStyle
              rules={[
                {
                  validator: (_, value: string | undefined) =>
                    value?.trim() ? Promise.resolve() : Promise.reject(new Error('请选择发送成员')),
                },
              ]}
            >
              <StaffSelect aria-label="指定的发送成员" style={{ maxWidth: 320 }} />
            </Form.Item>
          </Form.Item>
        )}
        <Form.Item label="启用" name="enabled" valuePropName="checked" extra="停用的规则不会在每天 01:00 运行，也不能立即运行。">
          <Switch />
        </Form.Item>
        <Typography.Title level={2} style={{ fontSize: 16, marginTop: 8 }}>
          消息内容
        </Typography.Title>
        <MessageComposer
          name="content"
          placeholders={placeholdersOf(type)}
          help={
            type === 'birthday'
              ? '可插入 {name}（客户昵称）、{coupon}（优惠券）、{valid_until}（有效期），发送时按每位客户填写。链接会替换为跟踪链接。'
              : '可插入 {name}（客户昵称）、{valid_until}（本月最后一天），发送时按每位客户填写。链接会替换为跟踪链接。'
          }
        />
      </Form>
    </Drawer>
  );
}
