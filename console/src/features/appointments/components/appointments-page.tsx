import { LeftOutlined, RightOutlined } from '@ant-design/icons';
import { Button, Card, DatePicker, Flex, Segmented, Select, Space, Table } from 'antd';
import { useState } from 'react';
import { useSearchParams } from 'react-router';
import { PageContainer } from '@/components/page-container';
import { QueryError } from '@/components/query-error';
import { StaffSelect } from '@/components/staff-select';
import { useAccess } from '@/lib/access';
import { dayjs } from '@/lib/format';
import { STATUS, useCalendar, type Appointment, type AppointmentStatus } from '../api/appointments';
import { dayOf, rangeOf, step, timeOf, type CalendarView } from '../api/calendar';
import { AppointmentDrawer } from './appointment-drawer';
import { NoticeTag, StatusTag } from './status-tag';
import { WeekGrid } from './week-grid';

const DAY_RE = /^\d{4}-\d{2}-\d{2}$/;

/** 预约: the day's list or the week's calendar, filters, and the drawer of one appointment. */
export function AppointmentsPage() {
  const [params, setParams] = useSearchParams();
  const access = useAccess();
  // Today as the page opened (the calendar does not roll over under the user).
  const [today] = useState(() => dayOf(Date.now()));
  const view: CalendarView = params.get('view') === 'day' ? 'day' : 'week';
  const anchor = DAY_RE.test(params.get('date') ?? '') ? (params.get('date') as string) : today;
  const userid = params.get('userid') ?? undefined;
  const status = (params.get('status') ?? '').split(',').filter((s): s is AppointmentStatus => s in STATUS);
  const openId = params.get('id');
  const range = rangeOf(view, anchor);
  const calendar = useCalendar({ from: range.from, to: range.to, userid, status });
  const items = calendar.data?.items ?? [];

  const set = (changes: Record<string, string | null | undefined>) =>
    setParams(
      (prev) => {
        const next = new URLSearchParams(prev);
        for (const [k, v] of Object.entries(changes)) {
          if (v) next.set(k, v);
          else next.delete(k);
        }
        return next;
      },
      { replace: true },
    );

  return (
    <PageContainer title="预约" description="按日或按周查看预约；点开一条预约可登记到店、改期，查看预约确认、预约提醒与变更记录。新预约在客户详情的「预约与消费」中登记，或由小程序、预约系统创建。">
      <Card size="small" style={{ marginBottom: 12 }}>
        <Flex gap={12} wrap align="center">
          <Segmented<CalendarView>
            aria-label="视图"
            value={view}
            onChange={(v) => set({ view: v })}
            options={[
              { value: 'day', label: '日' },
              { value: 'week', label: '周' },
            ]}
          />
          <Space.Compact>
            <Button aria-label={view === 'day' ? '前一天' : '上一周'} icon={<LeftOutlined />} onClick={() => set({ date: step(view, anchor, -1) })} />
            <Button onClick={() => set({ date: null })}>今天</Button>
            <Button aria-label={view === 'day' ? '后一天' : '下一周'} icon={<RightOutlined />} onClick={() => set({ date: step(view, anchor, 1) })} />
          </Space.Compact>
          <DatePicker
            aria-label="日期"
            allowClear={false}
            value={dayjs(anchor)}
            onChange={(d) => d && set({ date: d.format('YYYY-MM-DD') })}
            format="YYYY-MM-DD"
          />
          {access.can('manager') && (
            <StaffSelect
              aria-label="顾问"
              includeFormer
              placeholder="全部顾问"
              style={{ minWidth: 180 }}
              value={userid}
              onChange={(v) => set({ userid: typeof v === 'string' ? v : null })}
            />
          )}
          <Select<AppointmentStatus>
            aria-label="状态"
            allowClear
            placeholder="全部状态"
            style={{ minWidth: 140 }}
            value={status[0]}
            onChange={(v) => set({ status: v ?? null })}
            options={Object.entries(STATUS).map(([value, s]) => ({ value: value as AppointmentStatus, label: s.label }))}
          />
        </Flex>
      </Card>
      {calendar.isError && <QueryError error={calendar.error} onRetry={() => void calendar.refetch()} title="预约加载失败" />}
      <Card size="small" loading={calendar.isPending}>
        {view === 'week' ? (
          <WeekGrid days={range.days} items={items} today={today} onOpen={(id) => set({ id })} />
        ) : (
          <DayTable items={items} onOpen={(id) => set({ id })} />
        )}
      </Card>
      <AppointmentDrawer id={openId} onClose={() => set({ id: null })} />
    </PageContainer>
  );
}

function DayTable({ items, onOpen }: { items: Appointment[]; onOpen: (id: string) => void }) {
  return (
    <Table<Appointment>
      rowKey="id"
      size="small"
      pagination={false}
      dataSource={items}
      scroll={{ x: 720 }}
      locale={{ emptyText: '当天没有预约' }}
      onRow={(a) => ({ onClick: () => onOpen(a.id), style: { cursor: 'pointer' } })}
      columns={[
        { title: '时间', key: 'at', width: 80, render: (_, a) => timeOf(a.scheduled_at_ms) },
        {
          title: '客户',
          key: 'customer',
          render: (_, a) => (
            <Button type="link" style={{ padding: 0 }} onClick={() => onOpen(a.id)}>
              {a.customer_name ?? a.external_userid}
            </Button>
          ),
        },
        { title: '项目', dataIndex: 'item', key: 'item' },
        { title: '顾问', key: 'userid', width: 120, render: (_, a) => a.userid ?? '—' },
        { title: '状态', key: 'status', width: 90, render: (_, a) => <StatusTag status={a.status} /> },
        {
          title: '确认与提醒',
          key: 'notices',
          width: 260,
          render: (_, a) => (
            <Flex gap={4} wrap>
              <NoticeTag label="确认" notice={a.confirmation} />
              <NoticeTag label="提醒" notice={a.reminder} />
            </Flex>
          ),
        },
      ]}
    />
  );
}
