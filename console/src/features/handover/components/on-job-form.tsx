import { App, type CheckboxProps, Button, Form, Input, Table, type TableColumnsType } from 'antd';
import { useState } from 'react';
import { StaffSelect } from '@/components/staff-select';
import { errorField, errorMessage } from '@/lib/api/errors';
import { formatTime } from '@/lib/format';
import type { Schemas } from '@/lib/api/client';
import { useConsultantCustomers, useCreateHandover } from '../api/handovers';
import { MAX_MESSAGE_CHARS } from '../api/labels';

type CustomerSummary = Schemas['CustomerSummary'];

interface Values {
  handover_userid?: string;
  takeover_userid?: string;
  message?: string;
}

/** 在职继承: a consultant's chosen customers to another consultant, with the message the customers see. */
export function OnJobForm({ onCreated }: { onCreated: (id: string) => void }) {
  const { message } = App.useApp();
  const [form] = Form.useForm<Values>();
  const handover = Form.useWatch('handover_userid', form);
  const [selected, setSelected] = useState<string[]>([]);
  const customers = useConsultantCustomers(handover);
  const create = useCreateHandover();

  const columns: TableColumnsType<CustomerSummary> = [
    { title: '客户', key: 'name', render: (_, c) => c.name || c.external_userid },
    { title: '添加时间', key: 'added', width: 160, render: (_, c) => formatTime(c.first_added_at_ms) },
  ];

  const submit = (values: Values) => {
    if (selected.length === 0) {
      void message.error('请至少选择一位客户');
      return;
    }
    create.mutate(
      {
        body: {
          kind: 'on_job',
          handover_userid: values.handover_userid ?? '',
          takeover_userid: values.takeover_userid ?? '',
          message: values.message?.trim() ? values.message.trim() : null,
          external_userids: selected,
        },
      },
      {
        onSuccess: (d) => {
          void message.success(`已发起在职继承：${d.handover.total} 位客户，客户有 24 小时可拒绝`);
          form.resetFields();
          setSelected([]);
          onCreated(d.handover.id);
        },
        onError: (e) => {
          const field = errorField(e);
          if (field === 'handover_userid' || field === 'takeover_userid' || field === 'message') {
            form.setFields([{ name: field, errors: [errorMessage(e)] }]);
          } else {
            void message.error(errorMessage(e));
          }
        },
      },
    );
  };

  return (
    <Form form={form} layout="vertical" onFinish={submit} style={{ maxWidth: 760 }} data-testid="on-job-form">
      <Form.Item name="handover_userid" label="原跟进成员" rules={[{ required: true, message: '请选择原跟进成员' }]}>
        <StaffSelect placeholder="选择交出客户的顾问" onChange={() => setSelected([])} />
      </Form.Item>
      {handover && (
        <Form.Item label={`选择客户（已选 ${selected.length} 位）`} required>
          <Table
            rowKey="external_userid"
            size="small"
            loading={customers.isLoading}
            columns={columns}
            dataSource={customers.data?.items ?? []}
            rowSelection={{
              selectedRowKeys: selected,
              onChange: (keys) => setSelected(keys.map(String)),
              getCheckboxProps: (c) => ({ 'aria-label': `选择客户 ${c.name || c.external_userid}` }) as CheckboxProps,
            }}
            pagination={{ pageSize: 10, hideOnSinglePage: true }}
          />
        </Form.Item>
      )}
      <Form.Item
        name="takeover_userid"
        label="接替成员"
        dependencies={['handover_userid']}
        rules={[
          { required: true, message: '请选择接替成员' },
          ({ getFieldValue }) => ({
            validator: (_, v) =>
              v && v === getFieldValue('handover_userid')
                ? Promise.reject(new Error('接替成员不能是原跟进成员本人'))
                : Promise.resolve(),
          }),
        ]}
      >
        <StaffSelect placeholder="选择接手的顾问" />
      </Form.Item>
      <Form.Item
        name="message"
        label="转接提示语"
        extra="客户会收到这句话，并有 24 小时可以拒绝；留空使用企业微信的默认文案"
        rules={[{ max: MAX_MESSAGE_CHARS, message: `转接提示语不能超过 ${MAX_MESSAGE_CHARS} 个字` }]}
      >
        <Input.TextArea rows={3} showCount maxLength={MAX_MESSAGE_CHARS} placeholder="您好，之后由我的同事为您服务" />
      </Form.Item>
      <Button type="primary" htmlType="submit" loading={create.isPending}>
        发起在职继承
      </Button>
    </Form>
  );
}
