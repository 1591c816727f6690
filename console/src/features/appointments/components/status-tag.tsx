import { Tag } from 'antd';
import { NOTICE_STATE, STATUS, type AppointmentStatus, type Notice } from '../api/appointments';

export function StatusTag({ status }: { status: AppointmentStatus }) {
  const s = STATUS[status];
  return (
    <Tag color={s.color} style={{ marginInlineEnd: 0 }}>
      {s.label}
    </Tag>
  );
}

/** 预约确认 / 预约提醒 and where it stands. */
export function NoticeTag({ label, notice }: { label: string; notice: Notice | null | undefined }) {
  if (!notice) return null;
  const s = NOTICE_STATE[notice.state];
  return (
    <Tag color={s.color} style={{ marginInlineEnd: 0 }}>
      {label}：{s.label}
    </Tag>
  );
}
