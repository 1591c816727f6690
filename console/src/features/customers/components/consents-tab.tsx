import { Alert, App, Button, Card, Descriptions, Form, Input, Radio, Space, Table, Tag, Typography } from 'antd';
import { useState } from 'react';
import { QueryError } from '@/components/query-error';
import { errorMessage } from '@/lib/api/errors';
import { formatTime } from '@/lib/format';
import { applyFieldError } from '@/lib/form-errors';
import {
  CONSENT_NOTE_MAX,
  METHOD_LABELS,
  PURPOSE_HINTS,
  PURPOSE_LABELS,
  STAFF_METHODS,
  consentRequest,
  noteProblem,
  recorderLabel,
  stateLabel,
  useConsents,
  useRecordConsent,
  type ConsentFormValues,
  type ConsentRecord,
  type CurrentConsent,
} from '../api/consents';

/** 授权记录: the current consent per purpose, a form to record a grant or withdrawal, the history. */
export function ConsentsTab({ externalUserid }: { externalUserid: string }) {
  const consents = useConsents(externalUserid);
  if (consents.isError) {
    return <QueryError error={consents.error} onRetry={() => void consents.refetch()} title="授权记录加载失败" />;
  }
  return (
    <Space direction="vertical" size={16} style={{ width: '100%' }}>
      <CurrentStates current={consents.data?.current ?? []} loading={consents.isPending} />
      <ConsentForm externalUserid={externalUserid} />
      <Card size="small" title="授权历史" aria-label="授权历史">
        <Table<ConsentRecord>
          size="small"
          rowKey="id"
          loading={consents.isPending}
          dataSource={consents.data?.history ?? []}
          pagination={false}
          scroll={{ x: 640 }}
          locale={{ emptyText: '还没有授权记录' }}
          columns={[
            { title: '时间', dataIndex: 'at_ms', width: 150, render: (ms: number) => formatTime(ms) },
            { title: '用途', dataIndex: 'purpose', width: 90, render: (p: ConsentRecord['purpose']) => PURPOSE_LABELS[p] },
            {
              title: '授权/撤回',
              dataIndex: 'granted',
              width: 90,
              render: (granted: boolean) => (granted ? <Tag color="green">授权</Tag> : <Tag color="red">撤回</Tag>),
            },
            { title: '方式', dataIndex: 'method', width: 70, render: (m: ConsentRecord['method']) => METHOD_LABELS[m] },
            { title: '记录人', dataIndex: 'recorded_by', width: 120, render: (by: string) => recorderLabel(by) },
            { title: '备注', dataIndex: 'note', render: (note: string | null | undefined) => note || '—' },
          ]}
        />
      </Card>
    </Space>
  );
}

function CurrentStates({ current, loading }: { current: CurrentConsent[]; loading: boolean }) {
  return (
    <Descriptions
      size="small"
      bordered
      column={1}
      title="当前授权"
      items={current.map((c) => ({
        key: c.purpose,
        label: (
          <Space direction="vertical" size={0}>
            <span>{PURPOSE_LABELS[c.purpose]}</span>
            <Typography.Text type="secondary" style={{ fontSize: 12 }}>
              {PURPOSE_HINTS[c.purpose]}
            </Typography.Text>
          </Space>
        ),
        children: (
          <span data-consent={c.purpose}>
            <Tag color={c.granted === true ? 'green' : c.granted === false ? 'red' : 'default'}>{stateLabel(c)}</Tag>
            {c.at_ms ? (
              <Typography.Text type="secondary">
                {formatTime(c.at_ms)} · {c.method ? METHOD_LABELS[c.method] : '—'} · {recorderLabel(c.recorded_by)}
              </Typography.Text>
            ) : null}
          </span>
        ),
      }))}
      extra={loading ? <Typography.Text type="secondary">加载中…</Typography.Text> : null}
    />
  );
}

/**
 * A choice must be made (a validator, not `required`: antd would put `aria-required` on the radio
 * group's plain div, which assistive technology does not allow).
 */
function chosen(message: string) {
  return {
    validator: (_: unknown, value: unknown) => (value ? Promise.resolve() : Promise.reject(new Error(message))),
  };
}

/** 登记授权或撤回: purpose, grant or withdrawal, how, a note; checked as typed. */
export function ConsentForm({ externalUserid }: { externalUserid: string }) {
  const { message } = App.useApp();
  const [form] = Form.useForm<ConsentFormValues>();
  const record = useRecordConsent(externalUserid);
  const [error, setError] = useState<string | null>(null);
  const values = Form.useWatch([], form) as ConsentFormValues | undefined;
  const complete = values ? consentRequest(values) !== null : false;

  const onFinish = (submitted: ConsentFormValues) => {
    setError(null);
    const body = consentRequest(submitted);
    if (!body) return;
    record.mutate(
      { params: { path: { external_userid: externalUserid } }, body },
      {
        onSuccess: () => {
          form.resetFields();
          void message.success('授权记录已登记');
        },
        onError: (e) => {
          if (!applyFieldError(form, e)) setError(errorMessage(e));
        },
      },
    );
  };

  return (
    <Card size="small" title="登记授权或撤回" aria-label="登记授权或撤回">
      <Form form={form} layout="vertical" onFinish={onFinish} aria-label="登记授权" initialValues={{ note: '' }}>
        {error && <Alert type="error" showIcon role="alert" message={error} style={{ marginBottom: 12 }} />}
        <Form.Item label="用途" name="purpose" rules={[chosen('请选择授权用途')]}>
          <Radio.Group
            options={[
              { value: 'marketing', label: '营销' },
              { value: 'health_data', label: '健康信息（治疗等）' },
            ]}
          />
        </Form.Item>
        <Form.Item label="授权/撤回" name="granted" rules={[chosen('请选择授权或撤回')]}>
          <Radio.Group
            options={[
              { value: 'true', label: '授权' },
              { value: 'false', label: '撤回' },
            ]}
          />
        </Form.Item>
        <Form.Item label="方式" name="method" rules={[chosen('请选择授权方式')]}>
          <Radio.Group options={STAFF_METHODS.map((m) => ({ value: m, label: METHOD_LABELS[m] }))} />
        </Form.Item>
        <Form.Item
          label="备注"
          name="note"
          rules={[
            {
              validator: (_: unknown, note: string | undefined) => {
                const problem = noteProblem(note);
                return problem ? Promise.reject(new Error(problem)) : Promise.resolve();
              },
            },
          ]}
        >
          <Input.TextArea autoSize={{ minRows: 1, maxRows: 4 }} showCount={{ formatter: ({ count }) => `${count} / ${CONSENT_NOTE_MAX}` }} placeholder="如：到店签署纸质授权书" />
        </Form.Item>
        <Button type="primary" htmlType="submit" loading={record.isPending} disabled={!complete}>
          登记
        </Button>
      </Form>
    </Card>
  );
}
