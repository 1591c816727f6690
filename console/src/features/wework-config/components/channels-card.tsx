import { DeleteOutlined, LinkOutlined, PlusOutlined } from '@ant-design/icons';
import { Alert, Button, Card, Col, Collapse, Form, Input, Popconfirm, Row, Space, Typography } from 'antd';
import { useState } from 'react';
import { errorMessage } from '@/lib/api/errors';
import { applyFieldError } from '@/lib/form-errors';
import { useSaveConfig, type ConfigView } from '../api/config';
import {
  channelRows,
  rowsToChannels,
  utf8Bytes,
  type ChannelRow,
} from '../api/channels';

interface Values {
  channels: ChannelRow[];
  default_text: string;
}

const byteLimit = (max: number, what: string) => ({
  validator: (_: unknown, value: string | undefined) =>
    utf8Bytes(value ?? '') > max ? Promise.reject(new Error(`${what}不能超过 ${max} 字节（约 ${Math.floor(max / 3)} 个汉字）`)) : Promise.resolve(),
});

/** Channels: each 「联系我」 `state` → its name, the corp tag its customers get, and its welcome message. */
export function ChannelsCard({ config }: { config: ConfigView }) {
  const [form] = Form.useForm<Values>();
  const save = useSaveConfig();
  const [error, setError] = useState<string | null>(null);

  const onFinish = (values: Values) => {
    setError(null);
    save.mutate(
      {
        body: {
          channels: rowsToChannels(values.channels),
          default_welcome: values.default_text.trim() ? { text: values.default_text, attachments: [] } : null,
        },
      },
      {
        onError: (e) => {
          // `channels.<state>.welcome.text` → the row of that state.
          const mapped = applyFieldError(form, e, (field) => {
            const match = /^channels\.([^.]+)\.(.+)$/.exec(field);
            if (!match) return undefined;
            const index = values.channels.findIndex((row) => row.state.trim() === match[1]);
            if (index < 0) return null;
            const rest = match[2] === 'welcome.text' ? 'welcome_text' : (match[2] ?? '');
            return ['channels', index, rest];
          });
          if (!mapped) setError(errorMessage(e));
        },
      },
    );
  };

  return (
    <Card title="渠道与欢迎语" id="channels">
      <Typography.Paragraph type="secondary" style={{ marginTop: 0 }}>
        客户扫描带渠道标识（state）的「联系我」添加成员后，会被打上对应的企业标签，并收到该渠道的欢迎语（添加后 20 秒内自动发送，
        <Typography.Text code>{'{name}'}</Typography.Text> 会替换为客户昵称）。未配置的渠道标识使用默认欢迎语，并打上「来源:渠道标识」标签。
      </Typography.Paragraph>
      <Form
        form={form}
        layout="vertical"
        initialValues={{ channels: channelRows(config), default_text: config.default_welcome?.text ?? '' }}
        onFinish={onFinish}
      >
        {error && <Alert type="error" showIcon message={error} style={{ marginBottom: 16 }} role="alert" />}
        <Form.List name="channels">
          {(fields, { add, remove }) => (
            <>
              {fields.map((field) => (
                <Card
                  key={field.key}
                  size="small"
                  type="inner"
                  style={{ marginBottom: 12 }}
                  title={
                    <Form.Item noStyle shouldUpdate>
                      {() => (form.getFieldValue(['channels', field.name, 'label']) as string | undefined) || '新渠道'}
                    </Form.Item>
                  }
                  extra={
                    <Popconfirm
                      title="删除这个渠道？"
                      description="已添加的客户和标签不受影响；之后通过此渠道添加的客户将使用默认欢迎语。"
                      okText="删除"
                      cancelText="取消"
                      onConfirm={() => remove(field.name)}
                    >
                      <Button type="text" danger icon={<DeleteOutlined />} aria-label="删除渠道" />
                    </Popconfirm>
                  }
                >
                  <Row gutter={12}>
                    <Col xs={24} md={6}>
                      <Form.Item
                        label="渠道标识（state）"
                        name={[field.name, 'state']}
                        rules={[
                          { required: true, whitespace: true, message: '请输入渠道标识' },
                          { max: 30, message: '渠道标识不超过 30 个字符' },
                          {
                            validator: (_, value: string) => {
                              const rows = (form.getFieldValue('channels') as ChannelRow[]) ?? [];
                              const same = rows.filter((row) => row?.state?.trim() === value?.trim()).length;
                              return same > 1 ? Promise.reject(new Error('渠道标识不能重复')) : Promise.resolve();
                            },
                          },
                        ]}
                      >
                        <Input placeholder="xiaohongshu" />
                      </Form.Item>
                    </Col>
                    <Col xs={24} md={6}>
                      <Form.Item
                        label="渠道名称"
                        name={[field.name, 'label']}
                        rules={[
                          { required: true, whitespace: true, message: '请输入渠道名称' },
                          { max: 20, message: '渠道名称不超过 20 个字符' },
                        ]}
                      >
                        <Input placeholder="小红书" />
                      </Form.Item>
                    </Col>
                    <Col xs={24} md={6}>
                      <Form.Item label="标签组" name={[field.name, 'tag_group']} rules={[{ max: 30, message: '标签组不超过 30 个字符' }]}>
                        <Input placeholder="来源渠道" />
                      </Form.Item>
                    </Col>
                    <Col xs={24} md={6}>
                      <Form.Item
                        label="企业标签"
                        name={[field.name, 'tag_name']}
                        rules={[
                          { required: true, whitespace: true, message: '请输入企业标签' },
                          { max: 30, message: '企业标签不超过 30 个字符' },
                        ]}
                      >
                        <Input placeholder="来源:小红书" />
                      </Form.Item>
                    </Col>
                  </Row>
                  <Form.Item label="欢迎语" name={[field.name, 'welcome_text']} rules={[byteLimit(4000, '欢迎语')]}>
                    <Input.TextArea autoSize={{ minRows: 2, maxRows: 6 }} placeholder="您好 {name}，感谢关注深圳妍美医疗美容门诊部！" />
                  </Form.Item>
                  <WelcomeLinks name={field.name} />
                </Card>
              ))}
              <Button type="dashed" icon={<PlusOutlined />} onClick={() => add({ state: '', label: '', tag_group: '来源渠道', tag_name: '', welcome_text: '', links: [] })}>
                添加渠道
              </Button>
            </>
          )}
        </Form.List>
        <Form.Item label="默认欢迎语（未配置的渠道）" name="default_text" rules={[byteLimit(4000, '欢迎语')]} style={{ marginTop: 16 }}>
          <Input.TextArea autoSize={{ minRows: 2, maxRows: 6 }} placeholder="留空则不发送欢迎语" />
        </Form.Item>
        <Button type="primary" htmlType="submit" loading={save.isPending}>
          保存渠道
        </Button>
      </Form>
    </Card>
  );
}

/** A welcome message's link cards (图文链接): title, URL, description, cover URL. */
function WelcomeLinks({ name }: { name: number }) {
  return (
    <Form.List name={[name, 'links']}>
      {(fields, { add, remove }) => (
        <Collapse
          size="small"
          items={[
            {
              key: 'links',
              label: `欢迎语附件：图文链接（${fields.length}）`,
              children: (
                <>
                  {fields.map((field) => (
                    <Row gutter={8} key={field.key} align="top">
                      <Col xs={24} md={6}>
                        <Form.Item
                          name={[field.name, 'title']}
                          rules={[{ required: true, whitespace: true, message: '请输入标题' }, byteLimit(128, '标题')]}
                        >
                          <Input placeholder="标题" aria-label="链接标题" />
                        </Form.Item>
                      </Col>
                      <Col xs={24} md={8}>
                        <Form.Item
                          name={[field.name, 'url']}
                          rules={[
                            { required: true, message: '请输入链接' },
                            { pattern: /^https?:\/\/\S+$/, message: '链接必须以 http:// 或 https:// 开头' },
                          ]}
                        >
                          <Input placeholder="https://" prefix={<LinkOutlined />} aria-label="链接地址" />
                        </Form.Item>
                      </Col>
                      <Col xs={24} md={8}>
                        <Form.Item name={[field.name, 'desc']} rules={[byteLimit(512, '描述')]}>
                          <Input placeholder="描述（可选）" aria-label="链接描述" />
                        </Form.Item>
                      </Col>
                      <Col xs={24} md={2}>
                        <Button type="text" danger icon={<DeleteOutlined />} aria-label="删除链接" onClick={() => remove(field.name)} />
                      </Col>
                    </Row>
                  ))}
                  <Space>
                    <Button size="small" icon={<PlusOutlined />} disabled={fields.length >= 9} onClick={() => add({ title: '', url: '', desc: '' })}>
                      添加图文链接
                    </Button>
                    <Typography.Text type="secondary">最多 9 个附件</Typography.Text>
                  </Space>
                </>
              ),
            },
          ]}
        />
      )}
    </Form.List>
  );
}
