import { Alert, Button, Card, Form, InputNumber, Radio, Select, Space, TimePicker, Typography } from 'antd';
import type { Dayjs } from 'dayjs';
import { useState } from 'react';
import { errorMessage } from '@/lib/api/errors';
import { dayjs } from '@/lib/format';
import { applyFieldError } from '@/lib/form-errors';
import { useSaveConfig, type ConfigView } from '../api/config';

type SendRules = NonNullable<ConfigView['send_rules']>;

interface Values {
  daily_cap_per_customer: number;
  quiet: [Dayjs, Dayjs] | null;
  wecom_quota: NonNullable<SendRules['wecom_quota']>;
  remind_after_minutes: number;
  consent: NonNullable<SendRules['consent']>;
}

const hm = (text: string) => dayjs(text, 'HH:mm');

/** 推送规则 (daily cap, quiet hours, WeCom's quota, reminders) and 营销授权 (consent mode). */
export function SendRulesCard({ config }: { config: ConfigView }) {
  const [form] = Form.useForm<Values>();
  const save = useSaveConfig();
  const [error, setError] = useState<string | null>(null);
  const rules = config.send_rules;

  const onFinish = (values: Values) => {
    setError(null);
    const [start, end] = values.quiet ?? [hm('00:00'), hm('00:00')];
    save.mutate(
      {
        body: {
          send_rules: {
            daily_cap_per_customer: values.daily_cap_per_customer,
            quiet_start: start.format('HH:mm'),
            quiet_end: end.format('HH:mm'),
            wecom_quota: values.wecom_quota,
            remind_after_minutes: values.remind_after_minutes,
            consent: values.consent,
          },
        },
      },
      {
        onError: (e) => {
          const mapped = applyFieldError(form, e, (field) => {
            const name = field.replace(/^send_rules\./, '');
            if (name === 'quiet_start' || name === 'quiet_end') return ['quiet'];
            return [name];
          });
          if (!mapped) setError(errorMessage(e));
        },
      },
    );
  };

  return (
    <Card title="推送规则与营销授权" id="send-rules">
      <Form
        form={form}
        layout="vertical"
        initialValues={{
          daily_cap_per_customer: rules.daily_cap_per_customer,
          quiet: rules.quiet_start === rules.quiet_end ? null : [hm(rules.quiet_start), hm(rules.quiet_end)],
          wecom_quota: rules.wecom_quota ?? 'month',
          remind_after_minutes: rules.remind_after_minutes ?? 120,
          consent: rules.consent ?? 'opt_in',
        }}
        onFinish={onFinish}
        style={{ maxWidth: 640 }}
      >
        {error && <Alert type="error" showIcon message={error} style={{ marginBottom: 16 }} role="alert" />}
        <Form.Item
          label="每日推送上限（每位客户）"
          name="daily_cap_per_customer"
          extra="同一客户每天最多收到的营销消息数，超过的客户在推送时会被跳过并注明原因。"
          rules={[{ required: true, type: 'integer', min: 1, max: 20, message: '请输入 1 到 20 之间的整数' }]}
        >
          <InputNumber min={1} max={20} precision={0} addonAfter="条/天" style={{ width: 180 }} />
        </Form.Item>
        <Form.Item
          label="免打扰时段（北京时间）"
          htmlFor="quiet_start"
          extra="落在免打扰时段的推送会顺延到时段结束后发送，不会丢弃。清空表示不设免打扰。"
        >
          <label htmlFor="quiet_end" className="visually-hidden">
            免打扰结束时间
          </label>
          <Form.Item name="quiet" noStyle>
            <TimePicker.RangePicker
              id={{ start: 'quiet_start', end: 'quiet_end' }}
              format="HH:mm"
              minuteStep={5}
              order={false}
              allowClear
              placeholder={['开始', '结束']}
            />
          </Form.Item>
        </Form.Item>
        <Form.Item
          label="企业微信群发接收上限"
          name="wecom_quota"
          extra="与企业微信管理后台 → 客户联系 → 群发助手 → 群发规则 保持一致，用于预估会被企业微信拒绝的客户。"
        >
          <Select
            style={{ width: 320 }}
            options={[
              { value: 'month', label: '每月（当月天数）条 —— 企业微信默认' },
              { value: 'week', label: '每周 7 条' },
              { value: 'day', label: '每天 1 条' },
            ]}
          />
        </Form.Item>
        <Form.Item
          label="提醒成员发送"
          name="remind_after_minutes"
          extra="群发任务创建后，成员超过这段时间仍未确认发送，系统会提醒成员（每个任务 24 小时内最多 3 次）。"
          rules={[{ required: true, type: 'integer', min: 10, max: 1440, message: '请输入 10 到 1440 之间的整数' }]}
        >
          <InputNumber min={10} max={1440} precision={0} addonAfter="分钟后" style={{ width: 200 }} />
        </Form.Item>
        <Form.Item label="营销授权" name="consent" extra={<ConsentHelp />}>
          <Radio.Group>
            <Space direction="vertical">
              <Radio value="opt_in">仅向「已授权」的客户推送（推荐）</Radio>
              <Radio value="opt_out">向除「未授权」以外的所有客户推送</Radio>
            </Space>
          </Radio.Group>
        </Form.Item>
        <Button type="primary" htmlType="submit" loading={save.isPending}>
          保存推送规则
        </Button>
      </Form>
    </Card>
  );
}

function ConsentHelp() {
  return (
    <Typography.Text type="secondary">
      客户的营销授权在「客户」页编辑。医疗美容客户信息属于敏感个人信息，建议仅向明确授权的客户推送营销内容。
    </Typography.Text>
  );
}
