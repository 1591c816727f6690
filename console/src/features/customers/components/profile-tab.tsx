import { Alert, App, Button, Card, Col, Descriptions, Form, Input, Radio, Row, Space, Typography } from 'antd';
import { useMemo, useState } from 'react';
import { errorMessage } from '@/lib/api/errors';
import { formatDate, formatFen, formatTime } from '@/lib/format';
import { applyFieldError } from '@/lib/form-errors';
import { addWayLabel } from '@/lib/labels';
import {
  NOTES_MAX,
  PSYCH_TYPE_MAX,
  birthdayProblem,
  crmFormValues,
  crmPatch,
  phoneProblem,
  type CrmFormValues,
} from '../api/crm-fields';
import { channelLabel, firstRelationship, type ChannelView, type CustomerDetail } from '../api/customer-view';
import { useUpdateCustomer } from '../api/customers';

const check = (problem: (value: string) => string | null) => ({
  validator: (_: unknown, value: string | undefined) => {
    const message = problem(value ?? '');
    return message ? Promise.reject(new Error(message)) : Promise.resolve();
  },
});

/** WeCom's profile of the customer (read-only) and the clinic's fields (editable). */
export function ProfileTab({ customer, channels }: { customer: CustomerDetail; channels: Record<string, ChannelView> | undefined }) {
  const first = firstRelationship(customer);
  return (
    <Space direction="vertical" size={16} style={{ width: '100%' }}>
      <Descriptions
        size="small"
        bordered
        column={window.innerWidth < 576 ? 1 : 2}
        items={[
          {
            key: 'id',
            label: '客户ID',
            children: (
              <Typography.Text copyable={{ tooltips: ['复制', '已复制'] }} style={{ wordBreak: 'break-all' }}>
                {customer.external_userid}
              </Typography.Text>
            ),
            span: 'filled',
          },
          { key: 'channel', label: '来源', children: channelLabel(channels, customer.first_channel || first?.state) },
          { key: 'add_way', label: '添加方式', children: first ? addWayLabel(first.add_way) : '—' },
          { key: 'added', label: '首次添加', children: formatTime(customer.first_added_at_ms) },
          { key: 'updated', label: '资料更新', children: formatTime(customer.updated_at_ms) },
          { key: 'spent', label: '累计消费', children: formatFen(customer.total_spent_fen) },
          { key: 'last', label: '最近消费', children: formatDate(customer.last_purchase_at_ms) },
          ...(customer.unionid
            ? [{ key: 'unionid', label: 'UnionID', children: customer.unionid, span: 'filled' as const }]
            : []),
          ...(customer.merged_from.length > 0
            ? [
                {
                  key: 'merged',
                  label: '合并自',
                  children: customer.merged_from.join('、'),
                  span: 'filled' as const,
                },
              ]
            : []),
        ]}
      />
      <CrmForm customer={customer} />
    </Space>
  );
}

/**
 * 客户分层, 心理类型, 手机号, 生日, 备注: checked as typed, saved with PATCH. 营销授权 is not here: it
 * is recorded, with when and how, in the 授权记录 tab.
 */
export function CrmForm({ customer }: { customer: Pick<CustomerDetail, 'external_userid' | 'crm'> }) {
  const { message } = App.useApp();
  const [form] = Form.useForm<CrmFormValues>();
  const update = useUpdateCustomer(customer.external_userid);
  const [error, setError] = useState<string | null>(null);
  const stored = useMemo(() => crmFormValues(customer.crm), [customer.crm]);
  const values = Form.useWatch([], form) as CrmFormValues | undefined;
  const changed = values ? Object.keys(crmPatch(stored, { ...stored, ...values })).length > 0 : false;

  const onFinish = (submitted: CrmFormValues) => {
    setError(null);
    const patch = crmPatch(stored, submitted);
    if (Object.keys(patch).length === 0) return;
    update.mutate(
      { params: { path: { external_userid: customer.external_userid } }, body: patch },
      {
        onSuccess: (detail) => {
          form.setFieldsValue(crmFormValues(detail.crm));
          void message.success('客户资料已保存');
        },
        onError: (e) => {
          if (!applyFieldError(form, e)) setError(errorMessage(e));
        },
      },
    );
  };

  return (
    <Card size="small" title="诊所维护的客户资料" aria-label="诊所维护的客户资料">
      <Form form={form} layout="vertical" initialValues={stored} onFinish={onFinish} aria-label="编辑客户资料">
        {error && <Alert type="error" showIcon role="alert" message={error} style={{ marginBottom: 12 }} />}
        <Row gutter={16}>
          <Col xs={24} sm={12}>
            <Form.Item label="客户分层" name="tier">
              <Radio.Group
                optionType="button"
                options={[
                  { value: 'A', label: 'A 级' },
                  { value: 'B', label: 'B 级' },
                  { value: 'C', label: 'C 级' },
                  { value: '', label: '未分层' },
                ]}
              />
            </Form.Item>
          </Col>
          <Col xs={24} sm={12}>
            <Form.Item
              label="心理类型"
              name="psych_type"
              rules={[{ max: PSYCH_TYPE_MAX, message: `心理类型不超过 ${PSYCH_TYPE_MAX} 个字` }]}
            >
              <Input placeholder="如：犹豫型、理智型" autoComplete="off" />
            </Form.Item>
          </Col>
          <Col xs={24} sm={12}>
            <Form.Item label="手机号" name="phone" rules={[check(phoneProblem)]}>
              <Input inputMode="numeric" placeholder="11 位手机号" autoComplete="off" maxLength={14} />
            </Form.Item>
          </Col>
          <Col xs={24} sm={12}>
            <Form.Item label="生日" name="birthday" rules={[check(birthdayProblem)]} extra="不知道年份时只填月日，如 03-08">
              <Input placeholder="1990-03-08 或 03-08" autoComplete="off" maxLength={10} />
            </Form.Item>
          </Col>
          <Col xs={24}>
            <Form.Item label="备注" name="notes" rules={[{ max: NOTES_MAX, message: `备注不超过 ${NOTES_MAX} 个字` }]}>
              <Input.TextArea autoSize={{ minRows: 2, maxRows: 6 }} showCount maxLength={NOTES_MAX} />
            </Form.Item>
          </Col>
        </Row>
        <Space>
          <Button type="primary" htmlType="submit" loading={update.isPending} disabled={!changed}>
            保存
          </Button>
          <Button
            disabled={!changed || update.isPending}
            onClick={() => {
              setError(null);
              form.resetFields();
              form.setFieldsValue(stored);
            }}
          >
            撤销修改
          </Button>
        </Space>
      </Form>
    </Card>
  );
}
