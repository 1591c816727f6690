import { Alert, Button, Card, Form, Switch, Typography } from 'antd';
import { useState } from 'react';
import { errorMessage } from '@/lib/api/errors';
import { applyFieldError } from '@/lib/form-errors';
import { useSaveConfig, type ConfigView } from '../api/config';

type Alerts = ConfigView['alerts'];

/** 成员提醒: the app messages consultants get (new customer, 流失提醒, the morning digest). */
export function AlertsCard({ config }: { config: ConfigView }) {
  const [form] = Form.useForm<Alerts>();
  const save = useSaveConfig();
  const [error, setError] = useState<string | null>(null);
  const [saved, setSaved] = useState(false);

  const onFinish = (values: Alerts) => {
    setError(null);
    setSaved(false);
    save.mutate(
      {
        body: {
          alerts: {
            new_customer: values.new_customer,
            lost_customer: values.lost_customer,
            daily_digest: values.daily_digest,
          },
        },
      },
      {
        onSuccess: () => setSaved(true),
        onError: (e) => {
          const mapped = applyFieldError(form, e, (field) => [field.replace(/^alerts\./, '')]);
          if (!mapped) setError(errorMessage(e));
        },
      },
    );
  };

  return (
    <Card title="成员提醒" id="alerts">
      <Typography.Paragraph type="secondary">
        通过企业微信自建应用向成员发送应用消息。需先在「应用凭证」中填写 AgentId。
      </Typography.Paragraph>
      <Form form={form} layout="vertical" initialValues={config.alerts} onFinish={onFinish} style={{ maxWidth: 640 }}>
        {error && <Alert type="error" showIcon message={error} style={{ marginBottom: 16 }} role="alert" />}
        <Form.Item
          label="新客户提醒"
          name="new_customer"
          valuePropName="checked"
          extra="客户添加成员后，告诉成员客户来自哪个渠道，并附客户详情链接。"
        >
          <Switch aria-label="新客户提醒" />
        </Form.Item>
        <Form.Item
          label="流失提醒"
          name="lost_customer"
          valuePropName="checked"
          extra="客户删除成员后提醒该成员。"
        >
          <Switch aria-label="流失提醒" />
        </Form.Item>
        <Form.Item
          label="每日提醒"
          name="daily_digest"
          valuePropName="checked"
          extra="每天 08:00 向成员汇总待发送的群发任务和明天的预约。"
        >
          <Switch aria-label="每日提醒" />
        </Form.Item>
        <Button type="primary" htmlType="submit" loading={save.isPending}>
          保存成员提醒
        </Button>
        {saved && (
          <Typography.Text type="success" style={{ marginLeft: 12 }}>
            已保存
          </Typography.Text>
        )}
      </Form>
    </Card>
  );
}
