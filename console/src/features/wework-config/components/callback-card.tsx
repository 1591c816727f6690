import { Alert, Button, Card, Form, Input, InputNumber, Space, Typography } from 'antd';
import { useState } from 'react';
import { errorMessage } from '@/lib/api/errors';
import { applyFieldError } from '@/lib/form-errors';
import { useSaveConfig, type ConfigView } from '../api/config';
import { encodingAesKeyProblem, generateEncodingAesKey, generateToken, tokenProblem } from '../api/keys';

interface Values {
  token: string;
  encoding_aes_key: string;
  callback_max_skew_secs: number;
}

/** Where WeCom sends events: the URL to paste into WeCom, its Token and EncodingAESKey. */
export function CallbackCard({ config, callbackUrl }: { config: ConfigView; callbackUrl: string }) {
  const [form] = Form.useForm<Values>();
  const save = useSaveConfig();
  const [error, setError] = useState<string | null>(null);

  const onFinish = (values: Values) => {
    setError(null);
    save.mutate(
      {
        body: {
          token: values.token.trim(),
          encoding_aes_key: values.encoding_aes_key.trim(),
          callback_max_skew_secs: values.callback_max_skew_secs,
        },
      },
      {
        onError: (e) => {
          if (!applyFieldError(form, e)) setError(errorMessage(e));
        },
      },
    );
  };

  return (
    <Card title="接收消息服务器" id="callback">
      <Typography.Paragraph type="secondary">
        在企业微信管理后台 → 应用管理 → 本应用 → 接收消息 → 设置API接收，填入下面的 URL、Token 和
        EncodingAESKey，三者必须与这里保存的一致。修改 Token 或 EncodingAESKey 后，请立即在企业微信后台同步修改，否则事件会被拒收。
      </Typography.Paragraph>
      <Form
        form={form}
        layout="vertical"
        initialValues={{
          token: config.token,
          encoding_aes_key: config.encoding_aes_key,
          callback_max_skew_secs: config.callback_max_skew_secs,
        }}
        onFinish={onFinish}
        style={{ maxWidth: 640 }}
      >
        {error && <Alert type="error" showIcon message={error} style={{ marginBottom: 16 }} role="alert" />}
        <Form.Item label="接收消息服务器URL（回调地址）">
          <Typography.Text code copyable={{ text: callbackUrl, tooltips: ['复制', '已复制'] }} data-testid="callback-url">
            {callbackUrl}
          </Typography.Text>
        </Form.Item>
        <Form.Item label="Token" required>
          <Space.Compact style={{ width: '100%' }}>
            <Form.Item
              name="token"
              noStyle
              rules={[{ validator: (_, v: string) => (tokenProblem(v ?? '') ? Promise.reject(new Error(tokenProblem(v ?? '') ?? '')) : Promise.resolve()) }]}
            >
              <Input aria-label="Token" autoComplete="off" />
            </Form.Item>
            <Button onClick={() => form.setFieldValue('token', generateToken())}>随机生成</Button>
          </Space.Compact>
        </Form.Item>
        <Form.Item label="EncodingAESKey" required>
          <Space.Compact style={{ width: '100%' }}>
            <Form.Item
              name="encoding_aes_key"
              noStyle
              rules={[
                {
                  validator: (_, v: string) => {
                    const problem = encodingAesKeyProblem((v ?? '').trim());
                    return problem ? Promise.reject(new Error(problem)) : Promise.resolve();
                  },
                },
              ]}
            >
              <Input aria-label="EncodingAESKey" autoComplete="off" maxLength={43} showCount />
            </Form.Item>
            <Button
              onClick={() => {
                form.setFieldValue('encoding_aes_key', generateEncodingAesKey());
                void form.validateFields(['encoding_aes_key']);
              }}
            >
              随机生成
            </Button>
          </Space.Compact>
        </Form.Item>
        <Form.Item
          label="回调时间戳容差（秒）"
          name="callback_max_skew_secs"
          extra="拒收时间戳与当前时间相差超过此值的回调，防止重放；0 表示不检查。建议 300。"
          rules={[{ type: 'integer', min: 0, max: 86400, message: '请输入 0 到 86400 之间的整数' }]}
        >
          <InputNumber min={0} max={86400} precision={0} style={{ width: 160 }} />
        </Form.Item>
        <Button type="primary" htmlType="submit" loading={save.isPending}>
          保存回调设置
        </Button>
      </Form>
    </Card>
  );
}
