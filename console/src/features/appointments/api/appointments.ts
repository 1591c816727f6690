/**
 * The appointments API (预约): the calendar's range, one appointment, status changes and
 * reschedules; and the words the console uses for statuses and notices.
 */
import { useQueryClient, type QueryClient } from '@tanstack/react-query';
import { $api, type Schemas } from '@/lib/api/client';

export type Appointment = Schemas['AppointmentEntry'];
export type AppointmentStatus = Schemas['AppointmentStatus'];
export type Notice = Schemas['Notice'];
export type Change = Schemas['AppointmentChange'];

export const STATUS: Record<AppointmentStatus, { label: string; color: string }> = {
  booked: { label: '已预约', color: 'blue' },
  confirmed: { label: '已确认', color: 'cyan' },
  arrived: { label: '已到店', color: 'green' },
  completed: { label: '已完成', color: 'default' },
  cancelled: { label: '已取消', color: 'red' },
  no_show: { label: '未到店', color: 'orange' },
};

/** The moves the lifecycle allows from each status (the API refuses the others with 409). */
export const NEXT: Record<AppointmentStatus, AppointmentStatus[]> = {
  booked: ['confirmed', 'arrived', 'cancelled', 'no_show'],
  confirmed: ['arrived', 'cancelled', 'no_show'],
  arrived: ['completed'],
  completed: [],
  cancelled: [],
  no_show: [],
};

export function canReschedule(status: AppointmentStatus): boolean {
  return status === 'booked' || status === 'confirmed';
}

export const NOTICE_STATE: Record<Notice['state'], { label: string; color: string }> = {
  pending: { label: '待发送', color: 'default' },
  creating: { label: '创建中', color: 'processing' },
  created: { label: '已创建任务', color: 'green' },
  skipped: { label: '未发送', color: 'default' },
  failed: { label: '失败', color: 'red' },
};

/** Why a notice waits, or was not sent. */
export const NOTICE_REASON: Record<string, string> = {
  quiet_hours: '免打扰时段，结束后发送',
  wecom_quota: '客户本周期的群发次数已满，次日再试',
  clinic_cap: '已达每日发送上限，次日再试',
  retry: '企业微信暂不可用，稍后重试',
  appointment_closed: '预约已结束或取消',
  visit_passed: '预约时间已过',
  disabled: '配置中已关闭',
  no_consultant: '没有负责的顾问',
  not_customer_of_sender: '该客户不是顾问的好友',
  booked_within_reminder_window: '预约时距到店不足提醒时间，只发预约确认',
};

export const CHANGE_KIND: Record<string, string> = {
  booked: '登记预约',
  status: '状态变更',
  reschedule: '改期',
  confirmation: '预约确认',
  reminder: '预约提醒',
};

export const SOURCE: Record<string, string> = {
  mini_program: '小程序',
  staff: '员工登记',
  phone: '电话',
  walk_in: '到店',
  other: '其他',
};

export interface CalendarFilters {
  from: number;
  to: number;
  userid?: string;
  status?: AppointmentStatus[];
}

export function useCalendar(filters: CalendarFilters) {
  return $api.useQuery(
    'get',
    '/api/appointments',
    {
      params: {
        query: {
          from: filters.from,
          to: filters.to,
          ...(filters.userid ? { userid: filters.userid } : {}),
          ...(filters.status?.length ? { status: filters.status.join(',') } : {}),
        },
      },
    },
    { placeholderData: (previous) => previous },
  );
}

export function useAppointment(id: string | null) {
  return $api.useQuery('get', '/api/appointments/{id}', { params: { path: { id: id ?? '' } } }, { enabled: Boolean(id) });
}

function changed(queryClient: QueryClient, a: Appointment) {
  queryClient.setQueryData(['get', '/api/appointments/{id}', { params: { path: { id: a.id } } }], a);
  void queryClient.invalidateQueries({ queryKey: ['get', '/api/appointments'] });
  void queryClient.invalidateQueries({ queryKey: ['get', '/api/customers/{external_userid}/appointments'] });
}

export function useChangeStatus() {
  const queryClient = useQueryClient();
  return $api.useMutation('post', '/api/appointments/{id}/status', {
    onSuccess: (a) => changed(queryClient, a),
  });
}

export function useReschedule() {
  const queryClient = useQueryClient();
  return $api.useMutation('post', '/api/appointments/{id}/reschedule', {
    onSuccess: (a) => changed(queryClient, a),
  });
}
