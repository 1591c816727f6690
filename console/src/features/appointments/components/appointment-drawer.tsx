import { Alert, App, Button, Descriptions, DatePicker, Drawer, Flex, Form, Input, Popconfirm, Skeleton, Timeline, Typography } from 'antd';
import type { Dayjs } from 'dayjs';
import { useState } from 'react';
import { QueryError } from '@/components/query-error';
import { StaffSelect } from '@/components/staff-select';
import { errorMessage } from '@/lib/api/errors';
import { beijing, dayjs, formatTime, fromBeijingWallClock } from '@/lib/format';
import { applyFieldError } from '@/lib/form-errors';
import {
  CHANGE_KIND,
  NEXT,
  NOTICE_REASON,
  SOURCE,
  STATUS,
  canReschedule,
  useAppointment,
  useChangeStatus,
  useReschedule,
  type Appointment,
  type AppointmentStatus,
  type Change,
  type Notice,
} from '../api/appointments';
import { NoticeTag, StatusTag } from './status-tag';

interface Props {
  id: string | null;
  onClose: () => void;
}

/** One appointment: change its status, reschedule it, see its notices and history. */
export function AppointmentDrawer({ id, onClose }: Props) {
  const [shownId, setShownId] = useState(id);
  if (id && id !== shownId) setShownId(id);
  const appointment = useAppointment(shownId);
  const a = appointment.data;
  return (
    <Drawer
      open={Boolean(id)}
      onClose={onClose}
      width={Math.min(560, window.innerWidth)}
      destroyOnHidden
      title={a ? `预约：${a.customer_name ?? a.external_userid}` : '预约详情'}
    >
      {appointment.isError && <QueryError error={appointment.error} onRetry={() => void appointment.refetch()} title="预约加载失败" />}
      {appointment.isPending && shownId && <Skeleton active paragraph={{ rows: 8 }} />}
      {a && <AppointmentDetail key={`${a.id}-${a.updated_at_ms}`} appointment={a} />}
    </Drawer>
  );
}

function AppointmentDetail({ appointment: a }: { appointment: Appointment }) {
  return (
    <Flex vertical gap={16}>
      <Descriptions size="small" column={1} bordered>
        <Descriptions.Item label="状态">
          <StatusTag status={a.status} />
        </Descriptions.Item>
        <Descriptions.Item label="预约时间">{formatTime(a.scheduled_at_ms)}</Descriptions.Item>
        <Descriptions.Item label="项目">{a.item}</Descriptions.Item>
        <Descriptions.Item label="客户">{a.customer_name ?? a.external_userid}</Descriptions.Item>
        <Descriptions.Item label="负责顾问">{a.userid ?? '—'}</Descriptions.Item>
        <Descriptions.Item label="来源">
          {SOURCE[a.source] ?? a.source}
          {a.booking_ref && `（预约单号 ${a.booking_ref}）`}
        </Descriptions.Item>
        {a.notes && <Descriptions.Item label="备注">{a.notes}</Descriptions.Item>}
      </Descriptions>
      <StatusActions appointment={a} />
      {canReschedule(a.status) && <RescheduleForm appointment={a} />}
      <section aria-label="预约确认与提醒">
        <Typography.Title level={5}>预约确认与提醒</Typography.Title>
        <Typography.Paragraph type="secondary" style={{ marginBottom: 8 }}>
          企业微信不能由系统直接给客户发消息：系统为顾问创建一条只发给该客户的群发任务，并以应用消息通知顾问在企业微信中确认发送。
        </Typography.Paragraph>
        <NoticeLine label="预约确认" notice={a.confirmation} />
        <NoticeLine label="预约提醒" notice={a.reminder} />
      </section>
      <section aria-label="变更记录">
        <Typography.Title level={5}>变更记录</Typography.Title>
        <Timeline items={[...a.history].reverse().map((c) => ({ key: `${c.at_ms}-${c.kind}-${c.to ?? ''}`, children: <ChangeLine change={c} /> }))} />
      </section>
    </Flex>
  );
}

function NoticeLine({ label, notice }: { label: string; notice: Notice | null | undefined }) {
  if (!notice) {
    return (
      <Typography.Paragraph type="secondary" style={{ marginBottom: 4 }}>
        {label}：未启用
      </Typography.Paragraph>
    );
  }
  const when =
    notice.state === 'created'
      ? `任务创建于 ${formatTime(notice.created_at_ms ?? notice.due_at_ms)}${notice.consultant_notified ? '，已通知顾问' : ''}`
      : notice.state === 'pending'
        ? `计划 ${formatTime(notice.due_at_ms)} 发送`
        : '';
  const reason = notice.reason ? (NOTICE_REASON[notice.reason] ?? notice.reason) : '';
  return (
    <Flex gap={8} align="center" wrap style={{ marginBottom: 4 }} data-testid={`notice-${label}`}>
      <NoticeTag label={label} notice={notice} />
      <Typography.Text type="secondary">{[when, reason].filter(Boolean).join('；')}</Typography.Text>
    </Flex>
  );
}

function ChangeLine({ change: c }: { change: Change }) {
  const kind = CHANGE_KIND[c.kind] ?? c.kind;
  const label = (v: string | null | undefined) => (v && v in STATUS ? STATUS[v as AppointmentStatus].label : v);
  const what =
    c.kind === 'status' || c.kind === 'booked'
      ? `${c.from ? `${label(c.from)} → ` : ''}${label(c.to) ?? ''}`
      : c.kind === 'reschedule'
        ? `${c.from ?? ''} → ${c.to ?? ''}`
        : c.to === 'created'
          ? '已创建群发任务'
          : (c.to ?? '');
  return (
    <div>
      <Typography.Text strong>{kind}</Typography.Text> {what}
      {c.note && <Typography.Text type="secondary">（{c.note}）</Typography.Text>}
      <div>
        <Typography.Text type="secondary" style={{ fontSize: 12 }}>
          {formatTime(c.at_ms)} · {c.by === 'system' ? '系统' : c.by}
        </Typography.Text>
      </div>
    </div>
  );
}

function StatusActions({ appointment: a }: { appointment: Appointment }) {
  const { message } = App.useApp();
  const change = useChangeStatus();
  const [error, setError] = useState<string | null>(null);
  const next = NEXT[a.status];
  if (next.length === 0) return null;
  const move = (status: AppointmentStatus) => {
    setError(null);
    change.mutate(
      { params: { path: { id: a.id } }, body: { status } },
      {
        onSuccess: () => void message.success(`已改为「${STATUS[status].label}」`),
        onError: (e) => setError(errorMessage(e)),
      },
    );
  };
  return (
    <section aria-label="更改状态">
      {error && <Alert type="error" showIcon role="alert" message={error} style={{ marginBottom: 8 }} />}
      <Flex gap={8} wrap>
        {next.map((status) =>
          status === 'cancelled' || status === 'no_show' ? (
            <Popconfirm key={status} title={`确定改为「${STATUS[status].label}」？`} okText="确定" cancelText="取消" onConfirm={() => move(status)}>
              <Button danger loading={change.isPending && change.variables?.body.status === status}>
                {STATUS[status].label}
              </Button>
            </Popconfirm>
          ) : (
            <Button
              key={status}
              type={status === 'arrived' || status === 'completed' ? 'primary' : 'default'}
              loading={change.isPending && change.variables?.body.status === status}
              onClick={() => move(status)}
            >
              {STATUS[status].label}
            </Button>
          ),
        )}
      </Flex>
    </section>
  );
}

interface RescheduleValues {
  scheduled_at: Dayjs;
  userid?: string;
  note?: string;
}

function RescheduleForm({ appointment: a }: { appointment: Appointment }) {
  const { message } = App.useApp();
  const [form] = Form.useForm<RescheduleValues>();
  const reschedule = useReschedule();
  const [error, setError] = useState<string | null>(null);
  const onFinish = (values: RescheduleValues) => {
    setError(null);
    reschedule.mutate(
      {
        params: { path: { id: a.id } },
        body: {
          scheduled_at_ms: fromBeijingWallClock(values.scheduled_at),
          userid: values.userid || null,
          note: values.note?.trim() || null,
        },
      },
      {
        onSuccess: () => void message.success('已改期，将重新发送预约确认'),
        onError: (e) => {
          const mapped = applyFieldError(form, e, (field) => (field === 'scheduled_at_ms' ? ['scheduled_at'] : undefined));
          if (!mapped) setError(errorMessage(e));
        },
      },
    );
  };
  return (
    <section aria-label="改期">
      <Typography.Title level={5}>改期</Typography.Title>
      {error && <Alert type="error" showIcon role="alert" message={error} style={{ marginBottom: 8 }} />}
      <Form
        form={form}
        layout="vertical"
        onFinish={onFinish}
        initialValues={{ scheduled_at: dayjs(beijing(a.scheduled_at_ms).format('YYYY-MM-DDTHH:mm')) }}
      >
        <Form.Item label="新的预约时间（北京时间）" name="scheduled_at" rules={[{ required: true, message: '请选择新的预约时间' }]}>
          <DatePicker showTime={{ format: 'HH:mm', minuteStep: 5 }} format="YYYY-MM-DD HH:mm" style={{ width: '100%' }} />
        </Form.Item>
        <Form.Item label="负责顾问（不选则不变）" name="userid">
          <StaffSelect placeholder="不变" />
        </Form.Item>
        <Form.Item label="说明" name="note" rules={[{ max: 200, message: '说明不超过 200 个字' }]}>
          <Input placeholder="如：客户改到周五下午" />
        </Form.Item>
        <Button htmlType="submit" loading={reschedule.isPending}>
          改期
        </Button>
      </Form>
    </section>
  );
}
