import { Alert, Button, Card, Form, InputNumber, Skeleton, Tag, Typography } from 'antd';
import { useState } from 'react';
import { QueryError } from '@/components/query-error';
import { errorMessage } from '@/lib/api/errors';
import { formatTime } from '@/lib/format';
import { applyFieldError } from '@/lib/form-errors';
import {
  periodProblem,
  retentionBody,
  useRetention,
  useSaveRetention,
  type RetentionField,
  type RetentionPeriod,
} from '../api/retention';

/** What each period keeps, in a sentence. */
const EXPLAIN: Record<RetentionField, string> = {
  ended_customer_days:
    '客户与所有成员的关系都已结束后，超过该天数自动删除其个人信息（只留删除记录）。0 表示不自动删除。',
  raw_event_days: '企业微信推送的原始事件（含客户 ID 和渠道参数），用于故障后重放和核对。',
  recipient_days: '群发活动的对象记录（推送、跳过、已发送），从最后一次变化起计算。0 表示一直保留；推送漏斗的统计数字不受影响。',
  click_days: '跟踪链接的点击记录。0 表示一直保留；点击数统计不受影响。',
  audit_days: '员工修改和查看客户信息的操作审计。《网络安全法》要求网络日志留存不少于六个月。',
};

const SOURCE: Record<RetentionPeriod['source'], { text: string; color?: string }> = {
  default: { text: '默认值' },
  deployment: { text: '部署配置', color: 'blue' },
  console: { text: '控制台修改', color: 'green' },
};

type Values = Partial<Record<RetentionField, number>>;

/** 数据保留: how long each kind of personal record is kept (admin only; docs/privacy.md). */
export default function RetentionCard() {
  const retention = useRetention();
  const save = useSaveRetention();
  const [form] = Form.useForm<Values>();
  const [error, setError] = useState<string | null>(null);
  const [saved, setSaved] = useState(false);
  const view = retention.data;

  const onFinish = (values: Values) => {
    if (!view) return;
    setError(null);
    setSaved(false);
    save.mutate(
      { body: retentionBody(view.periods, values) },
      {
        onSuccess: (data) => {
          setSaved(true);
          form.setFieldsValue(Object.fromEntries(data.periods.map((p) => [p.field, p.days])));
        },
        onError: (e) => {
          if (!applyFieldError(form, e)) setError(errorMessage(e));
        },
      },
    );
  };

  return (
    <Card title="数据保留" id="retention">
      <Typography.Paragraph type="secondary">
        各类个人信息的保留期限（天）。修改只对之后写入的记录生效，已有记录保持原来的到期时间；各服务最多{' '}
        {view?.cache_seconds ?? 60} 秒后使用新设置。控制台的修改优先于部署配置。
      </Typography.Paragraph>
      {retention.isError && <QueryError error={retention.error} onRetry={() => void retention.refetch()} />}
      {retention.isPending && <Skeleton active paragraph={{ rows: 5 }} />}
      {view && (
        <Form
          form={form}
          layout="vertical"
          initialValues={Object.fromEntries(view.periods.map((p) => [p.field, p.days]))}
          onFinish={onFinish}
          onValuesChange={() => setSaved(false)}
          style={{ maxWidth: 640 }}
        >
          {error && <Alert type="error" showIcon message={error} style={{ marginBottom: 16 }} role="alert" />}
          {view.periods.map((p) => (
            <Form.Item
              key={p.field}
              name={p.field}
              label={
                <span>
                  {p.label}{' '}
                  <Tag color={SOURCE[p.source].color} style={{ marginLeft: 4 }}>
                    {SOURCE[p.source].text}
                  </Tag>
                </span>
              }
              extra={`${EXPLAIN[p.field]}最少 ${p.min_days} 天${p.zero_keeps ? '（或 0）' : ''}，最多 ${p.max_days} 天；部署配置 ${p.deployment_days} 天。`}
              validateTrigger="onChange"
              rules={[
                {
                  validator: (_, value: number | null | undefined) => {
                    const problem = periodProblem(p, value);
                    return problem ? Promise.reject(new Error(problem)) : Promise.resolve();
                  },
                },
              ]}
            >
              <InputNumber aria-label={p.label} min={0} precision={0} addonAfter="天" style={{ width: 200 }} />
            </Form.Item>
          ))}
          <Button type="primary" htmlType="submit" loading={save.isPending}>
            保存保留期限
          </Button>
          {saved && (
            <Typography.Text type="success" style={{ marginLeft: 12 }}>
              已保存
            </Typography.Text>
          )}
          {view.updated_at_ms != null && (
            <Typography.Paragraph type="secondary" style={{ marginTop: 12, marginBottom: 0 }}>
              上次修改：{formatTime(view.updated_at_ms)}（{view.updated_by}）
            </Typography.Paragraph>
          )}
        </Form>
      )}
    </Card>
  );
}
