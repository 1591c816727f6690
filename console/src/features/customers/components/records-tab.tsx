import { PlusOutlined } from '@ant-design/icons';
import { Alert, App, Button, Card, DatePicker, Form, Input, InputNumber, Modal, Select, Statistic, Table, Tag, Typography } from 'antd';
import type { Dayjs } from 'dayjs';
import { useState } from 'react';
import { QueryError } from '@/components/query-error';
import { errorMessage } from '@/lib/api/errors';
import type { Schemas } from '@/lib/api/client';
import { beijing, dayjs, formatFen, formatTime, fromBeijingWallClock } from '@/lib/format';
import { applyFieldError } from '@/lib/form-errors';
import { APPOINTMENT_SOURCE, APPOINTMENT_STATUS, yuanToFen } from '../api/customer-view';
import { useAppointments, useCreateAppointment, useCreatePurchase, usePurchases } from '../api/customers';

type AppointmentView = Schemas['AppointmentEntry'];
type PurchaseView = Schemas['PurchaseView'];

/** The current Beijing wall-clock time, as the date pickers show it. */
function beijingNow(): Dayjs {
  return dayjs(beijing(Date.now()).format('YYYY-MM-DDTHH:mm'));
}

/** The customer's appointments (预约) and purchases (消费), and adding either. */
export function RecordsTab({ externalUserid }: { externalUserid: string }) {
  const appointments = useAppointments(externalUserid);
  const purchases = usePurchases(externalUserid);
  const [adding, setAdding] = useState<'appointment' | 'purchase' | null>(null);

  return (
    <>
      <Card
        size="small"
        title="预约"
        style={{ marginBottom: 16 }}
        extra={
          <Button size="small" icon={<PlusOutlined />} onClick={() => setAdding('appointment')}>
            新增预约
          </Button>
        }
      >
        {appointments.isError && <QueryError error={appointments.error} onRetry={() => void appointments.refetch()} />}
        <Table<AppointmentView>
          rowKey="id"
          size="small"
          pagination={false}
          loading={appointments.isPending}
          dataSource={[...(appointments.data?.items ?? [])].reverse()}
          scroll={{ x: 520 }}
          locale={{ emptyText: '还没有预约。客户在小程序预约或员工登记后显示在这里。' }}
          columns={[
            { title: '预约时间', key: 'at', width: 140, render: (_, a) => formatTime(a.scheduled_at_ms) },
            { title: '项目', dataIndex: 'item', key: 'item' },
            { title: '来源', key: 'source', width: 90, render: (_, a) => APPOINTMENT_SOURCE[a.source] ?? a.source },
            {
              title: '状态',
              key: 'status',
              width: 80,
              render: (_, a) => {
                const s = APPOINTMENT_STATUS[a.status];
                return s ? <Tag color={s.color}>{s.label}</Tag> : a.status;
              },
            },
            { title: '备注', key: 'notes', render: (_, a) => a.notes || '—' },
          ]}
        />
      </Card>
      <Card
        size="small"
        title="消费"
        extra={
          <Button size="small" icon={<PlusOutlined />} onClick={() => setAdding('purchase')}>
            新增消费
          </Button>
        }
      >
        {purchases.isError && <QueryError error={purchases.error} onRetry={() => void purchases.refetch()} />}
        {purchases.data && (
          <Statistic
            title="累计消费"
            value={formatFen(purchases.data.total_spent_fen)}
            style={{ marginBottom: 12 }}
            valueStyle={{ fontSize: 20 }}
          />
        )}
        <Table<PurchaseView>
          rowKey="id"
          size="small"
          pagination={false}
          loading={purchases.isPending}
          dataSource={[...(purchases.data?.items ?? [])].reverse()}
          scroll={{ x: 520 }}
          locale={{ emptyText: '还没有消费记录' }}
          columns={[
            { title: '消费时间', key: 'at', width: 140, render: (_, p) => formatTime(p.purchased_at_ms) },
            { title: '项目', dataIndex: 'item', key: 'item' },
            { title: '金额', key: 'amount', align: 'right', width: 110, render: (_, p) => formatFen(p.amount_fen) },
            { title: '订单号', key: 'order', width: 140, render: (_, p) => p.order_id || '—' },
          ]}
        />
      </Card>
      <AppointmentModal externalUserid={externalUserid} open={adding === 'appointment'} onClose={() => setAdding(null)} />
      <PurchaseModal externalUserid={externalUserid} open={adding === 'purchase'} onClose={() => setAdding(null)} />
    </>
  );
}

interface AppointmentValues {
  scheduled_at: Dayjs;
  item: string;
  source: Schemas['AppointmentSource'];
  notes?: string;
}

function AppointmentModal({ externalUserid, open, onClose }: { externalUserid: string; open: boolean; onClose: () => void }) {
  const { message } = App.useApp();
  const [form] = Form.useForm<AppointmentValues>();
  const create = useCreateAppointment(externalUserid);
  const [error, setError] = useState<string | null>(null);

  const onFinish = (values: AppointmentValues) => {
    setError(null);
    create.mutate(
      {
        body: {
          external_userid: externalUserid,
          scheduled_at_ms: fromBeijingWallClock(values.scheduled_at),
          item: values.item.trim(),
          source: values.source,
          notes: values.notes?.trim() || null,
        },
      },
      {
        onSuccess: () => {
          void message.success('预约已记录');
          onClose();
        },
        onError: (e) => {
          const mapped = applyFieldError(form, e, (field) => (field === 'scheduled_at_ms' ? ['scheduled_at'] : undefined));
          if (!mapped) setError(errorMessage(e));
        },
      },
    );
  };

  return (
    <Modal
      title="新增预约"
      open={open}
      onCancel={onClose}
      onOk={() => form.submit()}
      okText="保存"
      confirmLoading={create.isPending}
      destroyOnHidden
      afterClose={() => setError(null)}
    >
      <Form form={form} layout="vertical" onFinish={onFinish} initialValues={{ source: 'staff' }} preserve={false}>
        {error && <Alert type="error" showIcon role="alert" message={error} style={{ marginBottom: 12 }} />}
        <Form.Item label="预约时间（北京时间）" name="scheduled_at" rules={[{ required: true, message: '请选择预约时间' }]}>
          <DatePicker showTime={{ format: 'HH:mm', minuteStep: 5 }} format="YYYY-MM-DD HH:mm" style={{ width: '100%' }} />
        </Form.Item>
        <Form.Item
          label="项目"
          name="item"
          rules={[
            { required: true, whitespace: true, message: '请输入项目' },
            { max: 50, message: '项目名称不超过 50 个字' },
          ]}
        >
          <Input placeholder="如：超皮秒祛斑面诊" />
        </Form.Item>
        <Form.Item label="预约来源" name="source">
          <Select options={Object.entries(APPOINTMENT_SOURCE).map(([value, label]) => ({ value, label }))} />
        </Form.Item>
        <Form.Item label="备注" name="notes" rules={[{ max: 500, message: '备注不超过 500 个字' }]}>
          <Input.TextArea autoSize={{ minRows: 2, maxRows: 4 }} />
        </Form.Item>
      </Form>
    </Modal>
  );
}

interface PurchaseValues {
  amount: number;
  item: string;
  purchased_at: Dayjs;
  order_id?: string;
}

function PurchaseModal({ externalUserid, open, onClose }: { externalUserid: string; open: boolean; onClose: () => void }) {
  const { message } = App.useApp();
  const [form] = Form.useForm<PurchaseValues>();
  const create = useCreatePurchase(externalUserid);
  const [error, setError] = useState<string | null>(null);

  const onFinish = (values: PurchaseValues) => {
    setError(null);
    create.mutate(
      {
        body: {
          external_userid: externalUserid,
          amount_fen: yuanToFen(values.amount),
          item: values.item.trim(),
          purchased_at_ms: fromBeijingWallClock(values.purchased_at),
          order_id: values.order_id?.trim() || null,
        },
      },
      {
        onSuccess: () => {
          void message.success('消费已记录');
          onClose();
        },
        onError: (e) => {
          const mapped = applyFieldError(form, e, (field) =>
            field === 'amount_fen' ? ['amount'] : field === 'purchased_at_ms' ? ['purchased_at'] : undefined,
          );
          if (!mapped) setError(errorMessage(e));
        },
      },
    );
  };

  return (
    <Modal
      title="新增消费"
      open={open}
      onCancel={onClose}
      onOk={() => form.submit()}
      okText="保存"
      confirmLoading={create.isPending}
      destroyOnHidden
      afterClose={() => setError(null)}
    >
      <Form
        form={form}
        layout="vertical"
        onFinish={onFinish}
        initialValues={{ purchased_at: beijingNow() }}
        preserve={false}
      >
        {error && <Alert type="error" showIcon role="alert" message={error} style={{ marginBottom: 12 }} />}
        <Form.Item
          label="项目"
          name="item"
          rules={[
            { required: true, whitespace: true, message: '请输入项目' },
            { max: 50, message: '项目名称不超过 50 个字' },
          ]}
        >
          <Input placeholder="如：水光针" />
        </Form.Item>
        <Form.Item label="金额" name="amount" rules={[{ required: true, message: '请输入金额' }]}>
          <InputNumber min={0} max={10_000_000} precision={2} step={100} addonBefore="¥" addonAfter="元" style={{ width: 240 }} />
        </Form.Item>
        <Form.Item label="消费时间（北京时间）" name="purchased_at" rules={[{ required: true, message: '请选择消费时间' }]}>
          <DatePicker showTime={{ format: 'HH:mm' }} format="YYYY-MM-DD HH:mm" style={{ width: '100%' }} />
        </Form.Item>
        <Form.Item
          label="订单号"
          name="order_id"
          extra="填写诊所或小程序的订单号，可防止同一笔消费被重复记录。"
          rules={[{ pattern: /^[A-Za-z0-9_-]{1,64}$/, message: '订单号只能包含英文字母、数字、下划线和连字符，最多 64 位' }]}
        >
          <Input autoComplete="off" />
        </Form.Item>
      </Form>
      <Typography.Text type="secondary">保存后客户的累计消费和最近消费时间会随之更新。</Typography.Text>
    </Modal>
  );
}
