/**
 * The dashboard's charts and their spoken summaries, from the overview's numbers as the API
 * gives them (no report is computed here: days without new customers are only drawn as 0).
 */
import type { ChartOption } from '@/components/chart';
import { beijing, formatFen } from '@/lib/format';
import type { Overview, OverviewChannel } from './overview';

/** A channel as people call it: its configured label, its `state`, or 「无渠道」. */
export function channelName(channel: Pick<OverviewChannel, 'state' | 'label'>): string {
  if (channel.label) return channel.label;
  return channel.state || '无渠道';
}

/** The window's Beijing days, `YYYY-MM-DD`, oldest first. */
export function windowDays(fromMs: number, days: number): string[] {
  const start = beijing(fromMs).startOf('day');
  return Array.from({ length: days }, (_, i) => start.add(i, 'day').format('YYYY-MM-DD'));
}

export interface DaySeries {
  days: string[];
  series: { state: string; name: string; data: number[]; total: number }[];
}

/** New customers per day, one series per channel that had some (largest first). */
export function newCustomersByDay(view: Pick<Overview, 'from_ms' | 'days' | 'new_customers_per_day' | 'channels'>): DaySeries {
  const days = windowDays(view.from_ms, view.days);
  const index = new Map(days.map((d, i) => [d, i]));
  const names = new Map(view.channels.map((c) => [c.state, channelName(c)]));
  const byState = new Map<string, number[]>();
  for (const point of view.new_customers_per_day) {
    const i = index.get(point.day);
    if (i === undefined) continue;
    const data = byState.get(point.state) ?? days.map(() => 0);
    data[i] = point.count;
    byState.set(point.state, data);
  }
  // Ties keep the configured channels' order; customers without a channel come last.
  const order = (state: string) => {
    const i = view.channels.findIndex((c) => c.state === state);
    return state === '' ? Number.MAX_SAFE_INTEGER : i < 0 ? view.channels.length : i;
  };
  const series = [...byState.entries()]
    .map(([state, data]) => ({
      state,
      name: names.get(state) ?? channelName({ state, label: null }),
      data,
      total: data.reduce((a, b) => a + b, 0),
    }))
    .sort((a, b) => b.total - a.total || order(a.state) - order(b.state));
  return { days, series };
}

export function newCustomersOption(data: DaySeries): ChartOption {
  return {
    color: ['#1668dc', '#13a8a8', '#d4380d', '#7cb305', '#722ed1', '#d48806', '#c41d7f', '#08979c', '#531dab', '#595959'],
    tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' } },
    legend: { type: 'scroll', top: 0 },
    grid: { left: 8, right: 16, top: 40, bottom: 8, containLabel: true },
    xAxis: { type: 'category', data: data.days.map((d) => d.slice(5)) },
    // Axis names start at the axis and run inwards: centred on it, the left one was cut off.
    yAxis: { type: 'value', minInterval: 1, name: '新增客户（位）', nameTextStyle: { align: 'left' } },
    series: data.series.map((s) => ({
      name: s.name,
      tooltip: { valueFormatter: (v: unknown) => `${Number(v)} 位` },
      type: 'bar',
      stack: 'new-customers',
      barMaxWidth: 28,
      emphasis: { focus: 'series' },
      data: s.data,
    })),
  };
}

/** 「近 30 天新增客户 5 位：抖音 3 位，小红书 2 位。」 */
export function newCustomersSummary(days: number, total: number, data: DaySeries): string {
  if (total === 0) return `近 ${days} 天没有新增客户。`;
  const parts = data.series.map((s) => `${s.name} ${s.total} 位`).join('，');
  return `近 ${days} 天新增客户 ${total} 位：${parts}。`;
}

/** Channels with something to show in the appointments and revenue chart. */
export function activeChannels(channels: OverviewChannel[]): OverviewChannel[] {
  return channels.filter((c) => c.new_customers > 0 || c.appointments > 0 || c.purchases > 0 || c.revenue_fen !== 0);
}

export function appointmentsRevenueOption(channels: OverviewChannel[]): ChartOption {
  return {
    color: ['#1668dc', '#d46b08'],
    tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' } },
    legend: { top: 0 },
    grid: { left: 8, right: 8, top: 48, bottom: 8, containLabel: true },
    xAxis: { type: 'category', data: channels.map(channelName), axisLabel: { interval: 0, rotate: channels.length > 6 ? 30 : 0 } },
    yAxis: [
      { type: 'value', name: '预约（次）', minInterval: 1, nameTextStyle: { align: 'left' } },
      { type: 'value', name: '消费金额（元）', splitLine: { show: false }, nameTextStyle: { align: 'right' } },
    ],
    series: [
      {
        name: '预约',
        type: 'bar',
        barMaxWidth: 32,
        yAxisIndex: 0,
        tooltip: { valueFormatter: (v: unknown) => `${Number(v)} 次` },
        data: channels.map((c) => c.appointments),
      },
      {
        name: '消费金额',
        type: 'bar',
        barMaxWidth: 32,
        yAxisIndex: 1,
        tooltip: { valueFormatter: (v: unknown) => formatFen(Math.round(Number(v) * 100)) },
        data: channels.map((c) => c.revenue_fen / 100),
      },
    ],
  };
}

/** 「近 30 天预约 4 次、消费 ¥1,200.00：抖音 预约 3 次、消费 ¥800.00；…」 */
export function appointmentsRevenueSummary(
  days: number,
  totals: Pick<Overview, 'appointments' | 'revenue_fen'>,
  channels: OverviewChannel[],
): string {
  const head = `近 ${days} 天预约 ${totals.appointments} 次、消费 ${formatFen(totals.revenue_fen)}`;
  if (channels.length === 0) return `${head}。`;
  const parts = channels
    .map((c) => `${channelName(c)} 预约 ${c.appointments} 次、消费 ${formatFen(c.revenue_fen)}`)
    .join('；');
  return `${head}：${parts}。`;
}
