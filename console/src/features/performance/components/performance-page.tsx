import { SyncOutlined } from '@ant-design/icons';
import { App, Button, Card, DatePicker, Flex, Segmented, Skeleton, Table, Tooltip, type TableColumnsType } from 'antd';
import dayjs from 'dayjs';
import { useMemo } from 'react';
import { useSearchParams } from 'react-router';
import { Chart } from '@/components/chart';
import { EmptyState } from '@/components/empty-state';
import { PageContainer } from '@/components/page-container';
import { QueryError } from '@/components/query-error';
import { useAccess } from '@/lib/access';
import { formatFen, formatTime } from '@/lib/format';
import {
  PRESETS,
  activityOption,
  activitySummary,
  beijingToday,
  formatCompletion,
  formatMinutes,
  formatRate,
  periodOf,
  presetOf,
  presetPeriod,
  useConsultantStats,
  useImportBehavior,
  type ConsultantStats,
  type Period,
} from '../api/performance';

const num = (key: keyof ConsultantStats) => (a: ConsultantStats, b: ConsultantStats) =>
  Number(a[key] ?? -1) - Number(b[key] ?? -1);

const COLUMNS: TableColumnsType<ConsultantStats> = [
  { key: 'name', title: '顾问', dataIndex: 'name', fixed: 'left', width: 120, sorter: (a, b) => a.name.localeCompare(b.name, 'zh') },
  { key: 'new', title: '新增客户', dataIndex: 'new_customers', align: 'right', sorter: num('new_customers'), defaultSortOrder: 'descend' },
  { key: 'lost', title: '流失客户', dataIndex: 'lost_customers', align: 'right', sorter: num('lost_customers') },
  { key: 'chats', title: '聊天数', dataIndex: 'chats', align: 'right', sorter: num('chats') },
  { key: 'messages', title: '发送消息数', dataIndex: 'messages', align: 'right', width: 130, sorter: num('messages') },
  {
    key: 'reply',
    title: <Tooltip title="已回复的聊天占比（企业微信联系客户统计）">回复率</Tooltip>,
    dataIndex: 'reply_rate',
    align: 'right',
    sorter: num('reply_rate'),
    render: (v: number | null) => formatRate(v),
  },
  {
    key: 'reply_time',
    title: <Tooltip title="平均首次回复时长（企业微信联系客户统计）">平均回复时长</Tooltip>,
    dataIndex: 'avg_reply_minutes',
    align: 'right',
    // Wide enough that the headings stay on one line (they wrapped: 平均回复时 / 长).
    width: 150,
    sorter: num('avg_reply_minutes'),
    render: (v: number | null) => formatMinutes(v),
  },
  { key: 'appointments', title: '预约', dataIndex: 'appointments', align: 'right', sorter: num('appointments') },
  {
    key: 'revenue',
    title: '消费金额',
    dataIndex: 'revenue_fen',
    align: 'right',
    sorter: num('revenue_fen'),
    render: (v: number) => formatFen(v),
  },
  {
    key: 'groupsend',
    title: <Tooltip title="分配给顾问的群发客户中，顾问已确认发送的数量">群发完成率</Tooltip>,
    align: 'right',
    width: 130,
    sorter: num('groupsend_completion'),
    render: (_, r) => formatCompletion(r),
  },
];

/**
 * 员工绩效: per consultant and period, new and lost customers, WeCom's chats, reply rate and reply
 * time (imported daily from 联系客户统计), appointments, revenue and group-send completion.
 */
export function PerformancePage() {
  const { message } = App.useApp();
  const access = useAccess();
  const [params, setParams] = useSearchParams();
  const period = periodOf(params.get('from'), params.get('to'));
  const preset = presetOf(period);
  const stats = useConsultantStats(period);
  const importNow = useImportBehavior();
  const rows = useMemo(() => stats.data?.consultants ?? [], [stats.data]);
  const option = useMemo(() => activityOption(rows), [rows]);
  const summary = activitySummary(rows);
  const choose = (p: Period) => setParams({ from: p.from, to: p.to }, { replace: true });

  return (
    <PageContainer
      title="员工绩效"
      description={
        stats.data?.last_import_at_ms
          ? `聊天、回复率和回复时长来自企业微信「联系客户统计」，每天凌晨导入（上次导入：${formatTime(stats.data.last_import_at_ms)}）；其余数据来自本系统。`
          : '聊天、回复率和回复时长来自企业微信「联系客户统计」，每天凌晨导入；其余数据来自本系统。'
      }
      extra={
        <>
          <Segmented<number | 'custom'>
            aria-label="统计期间"
            value={preset ?? 'custom'}
            onChange={(value) => {
              if (value !== 'custom') choose(presetPeriod(value));
            }}
            options={[...PRESETS.map((d) => ({ value: d, label: `近 ${d} 天` })), { value: 'custom', label: '自定义', disabled: true }]}
          />
          <DatePicker.RangePicker
            aria-label="自定义期间"
            allowClear={false}
            value={[dayjs(period.from), dayjs(period.to)]}
            disabledDate={(d) => d.isAfter(beijingToday(), 'day')}
            onChange={(range) => {
              if (range?.[0] && range[1]) choose({ from: range[0].format('YYYY-MM-DD'), to: range[1].format('YYYY-MM-DD') });
            }}
          />
          {access.can('manager') && (
            <Button
              icon={<SyncOutlined />}
              loading={importNow.isPending}
              onClick={() =>
                importNow.mutate(3, {
                  onSuccess: (r) => void message.success(`已从企业微信导入 ${r?.consultants ?? 0} 位顾问的数据`),
                  onError: (e) => void message.error(e.message),
                })
              }
            >
              从企业微信更新
            </Button>
          )}
        </>
      }
    >
      {stats.isError && <QueryError error={stats.error} onRetry={() => void stats.refetch()} />}
      {!stats.data && stats.isPending && (
        <Card>
          <Skeleton active paragraph={{ rows: 8 }} />
        </Card>
      )}
      {stats.data && (
        <Flex vertical gap={16}>
          <Card title={`${stats.data.from} 至 ${stats.data.to}`}>
            <Table<ConsultantStats>
              rowKey="userid"
              size="middle"
              columns={COLUMNS}
              dataSource={rows}
              pagination={rows.length > 20 ? { pageSize: 20 } : false}
              scroll={{ x: 1100 }}
              showSorterTooltip={{ target: 'sorter-icon' }}
              locale={{ emptyText: <EmptyState description="还没有顾问数据。成员开启客户联系后，系统每天凌晨从企业微信导入。" /> }}
            />
          </Card>
          {rows.length > 0 && (
            <Card title="聊天与发送消息（按顾问）">
              {rows.some((r) => r.chats > 0 || r.messages > 0) ? (
                <Chart option={option} label={summary} height={300} />
              ) : (
                <EmptyState description="所选期间没有企业微信聊天数据（每天凌晨导入前一天的数据）。" />
              )}
            </Card>
          )}
        </Flex>
      )}
    </PageContainer>
  );
}
