import { describe, expect, it } from 'vitest';
import {
  activeChannels,
  appointmentsRevenueSummary,
  channelName,
  newCustomersByDay,
  newCustomersOption,
  newCustomersSummary,
  windowDays,
} from './charts';
import { windowOf } from './overview';

// 2026-12-01 00:00 Beijing.
const FROM = Date.UTC(2026, 10, 30, 16, 0, 0);

const channels = [
  { state: 'douyin', label: '抖音', new_customers: 3, still_connected: 2, appointments: 2, purchases: 1, revenue_fen: 128_000 },
  { state: 'xiaohongshu', label: '小红书', new_customers: 1, still_connected: 1, appointments: 0, purchases: 0, revenue_fen: 0 },
  { state: 'meituan', label: '美团', new_customers: 0, still_connected: 0, appointments: 0, purchases: 0, revenue_fen: 0 },
  { state: '', label: null, new_customers: 1, still_connected: 1, appointments: 1, purchases: 0, revenue_fen: 0 },
];

describe('the window', () => {
  it('lists its Beijing days whatever the browser zone', () => {
    expect(windowDays(FROM, 3)).toEqual(['2026-12-01', '2026-12-02', '2026-12-03']);
    expect(windowDays(FROM, 7)).toHaveLength(7);
  });

  it('reads ?days= as one of 7, 30, 90', () => {
    expect(windowOf('7')).toBe(7);
    expect(windowOf('90')).toBe(90);
    expect(windowOf('45')).toBe(30);
    expect(windowOf(null)).toBe(30);
  });
});

describe('new customers per day by channel', () => {
  const view = {
    from_ms: FROM,
    days: 3,
    channels,
    new_customers_per_day: [
      { day: '2026-12-01', state: 'douyin', count: 1 },
      { day: '2026-12-03', state: 'douyin', count: 2 },
      { day: '2026-12-02', state: 'xiaohongshu', count: 1 },
      { day: '2026-12-03', state: '', count: 1 },
      { day: '2026-11-01', state: 'douyin', count: 9 },
    ],
  };

  it('draws one series per channel that had customers, days without any as 0, largest first', () => {
    const data = newCustomersByDay(view);
    expect(data.days).toEqual(['2026-12-01', '2026-12-02', '2026-12-03']);
    expect(data.series).toEqual([
      { state: 'douyin', name: '抖音', data: [1, 0, 2], total: 3 },
      { state: 'xiaohongshu', name: '小红书', data: [0, 1, 0], total: 1 },
      { state: '', name: '无渠道', data: [0, 0, 1], total: 1 },
    ]);
  });

  it('stacks the bars and labels the days MM-DD', () => {
    const option = newCustomersOption(newCustomersByDay(view)) as {
      xAxis: { data: string[] };
      series: { stack: string; type: string }[];
    };
    expect(option.xAxis.data).toEqual(['12-01', '12-02', '12-03']);
    expect(option.series.every((s) => s.type === 'bar' && s.stack === 'new-customers')).toBe(true);
  });

  it('says the totals in words', () => {
    expect(newCustomersSummary(3, 5, newCustomersByDay(view))).toBe('近 3 天新增客户 5 位：抖音 3 位，小红书 1 位，无渠道 1 位。');
    expect(newCustomersSummary(7, 0, { days: [], series: [] })).toBe('近 7 天没有新增客户。');
  });
});

describe('appointments and revenue by channel', () => {
  it('leaves out channels with nothing to show', () => {
    expect(activeChannels(channels).map(channelName)).toEqual(['抖音', '小红书', '无渠道']);
  });

  it('says the totals in words, money in 元', () => {
    expect(appointmentsRevenueSummary(30, { appointments: 3, revenue_fen: 128_000 }, activeChannels(channels).slice(0, 1))).toBe(
      '近 30 天预约 3 次、消费 ¥1,280.00：抖音 预约 2 次、消费 ¥1,280.00。',
    );
  });
});
