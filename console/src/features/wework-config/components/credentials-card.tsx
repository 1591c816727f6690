import { Alert, Button, Card, Form, Input } from 'antd';
import { useState } from 'react';
import { errorMessage } from '@/lib/api/errors';
import { applyFieldError } from '@/lib/form-errors';
import { useSaveConfig, type ConfigView } from '../api/config';

interface Values {
  corp_id: string;
  corp_secret: string;
  agent_id: string;
}

/** 企业ID, the app's Secret (write-only) and AgentId. */
export function CredentialsCard({ config }: { config: ConfigView }) {
  const [form] = Form.useForm<Values>();
  const save = useSaveConfig();
  const [error, setError] = useState<string | null>(null);
  const secretSet = config.corp_secret.length > 0;

  const onFinish = (values: Values) => {
    setError(null);
    save.mutate(
      {
        body: {
          corp_id: values.corp_id.trim(),
          agent_id: values.agent_id.trim(),
          // Blank keeps the stored secret.
          corp_secret: values.corp_secret.trim() || null,
        },
      },
      {
        onSuccess: () => form.setFieldValue('corp_secret', ''),
        onError: (e) => {
          if (!applyFieldError(form, e)) setError(errorMessage(e));
        },
      },
    );
  };

  return (
    <Card title="应用凭证" id="credentials">
      <Form
        form={form}
        layout="vertical"
        initialValues={{ corp_id: config.corp_id, agent_id: config.agent_id, corp_secret: '' }}
        onFinish={onFinish}
        style={{ maxWidth: 560 }}
      >
        {error && <Alert type="error" showIcon message={error} style={{ marginBottom: 16 }} role="alert" />}
        <Form.Item
          label="企业ID (CorpID)"
          name="corp_id"
          extra="企业微信管理后台 → 我的企业 → 企业信息 → 企业ID"
          rules={[
            { required: true, whitespace: true, message: '请输入企业ID' },
            { max: 64, message: '企业ID 不超过 64 个字符' },
          ]}
        >
          <Input autoComplete="off" />
        </Form.Item>
        <Form.Item
          label="Secret"
          name="corp_secret"
          extra={
            secretSet
              ? `已设置（${config.corp_secret}）。Secret 保存后不再显示；留空则保持不变，填写则替换。`
              : '自建应用的 Secret：应用管理 → 自建应用 → 查看 Secret。保存后不再显示。'
          }
          rules={[
            { required: !secretSet, whitespace: true, message: '请输入 Secret' },
            { max: 128, message: 'Secret 不超过 128 个字符' },
          ]}
        >
          <Input.Password
            autoComplete="new-password"
            placeholder={secretSet ? '已设置，留空则不修改' : '粘贴应用的 Secret'}
            visibilityToggle={false}
          />
        </Form.Item>
        <Form.Item
          label="AgentId"
          name="agent_id"
          extra="自建应用详情页中的 AgentId"
          rules={[
            { required: true, whitespace: true, message: '请输入 AgentId' },
            { pattern: /^\d{1,10}$/, message: 'AgentId 是数字' },
          ]}
        >
          <Input inputMode="numeric" autoComplete="off" style={{ maxWidth: 240 }} />
        </Form.Item>
        <Button type="primary" htmlType="submit" loading={save.isPending}>
          保存应用凭证
        </Button>
      </Form>
    </Card>
  );
}
