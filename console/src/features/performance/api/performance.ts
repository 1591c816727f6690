import { useMutation, useQueryClient } from '@tanstack/react-query';
import dayjs, { type Dayjs } from 'dayjs';
import type { ChartOption } from '@/components/chart';
import { $api, api, type Schemas } from '@/lib/api/client';
import { errorMessage } from '@/lib/api/errors';
import { beijing } from '@/lib/format';

export type ConsultantStatsReport = Schemas['ConsultantStatsReport'];
export type ConsultantStats = Schemas['ConsultantStats'];

/** A period of whole days (Beijing), `YYYY-MM-DD`, both ends included. */
export interface Period {
  from: string;
  to: string;
}

export const PRESETS = [7, 30, 90] as const;
export type Preset = (typeof PRESETS)[number];

const DAY = 'YYYY-MM-DD';

/** Today in Beijing (the clinic's days), whatever the browser's zone. */
export function beijingToday(): Dayjs {
  return dayjs(beijing(Date.now()).format(DAY));
}

/** The last `days` days up to `today` (included). */
export function presetPeriod(days: number, today: Dayjs = beijingToday()): Period {
  return { from: today.subtract(days - 1, 'day').format(DAY), to: today.format(DAY) };
}

/** The period in the URL (`?from=&to=`), else the last 30 days. */
export function periodOf(from: string | null, to: string | null, today: Dayjs = beijingToday()): Period {
  const valid = (s: string | null) => s !== null && /^\d{4}-\d{2}-\d{2}$/.test(s) && dayjs(s, DAY).isValid();
  if (valid(from) && valid(to) && (from as string) <= (to as string)) return { from: from as string, to: to as string };
  return presetPeriod(30, today);
}

/** Which preset a period is, if it is one ending today. */
export function presetOf(period: Period, today: Dayjs = beijingToday()): Preset | null {
  return PRESETS.find((d) => {
    const p = presetPeriod(d, today);
    return p.from === period.from && p.to === period.to;
  }) ?? null;
}

/** `GET /api/stats/consultants` for the period. */
export function useConsultantStats(period: Period) {
  return $api.useQuery('get', '/api/stats/consultants', { params: { query: { from: period.from, to: period.to } } });
}

/** `POST /api/stats/consultants/import`: WeCom's behaviour data imported now. */
export function useImportBehavior() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: async (days?: number) => {
      const { data, error } = await api.POST('/api/stats/consultants/import', { body: days ? { days } : {} });
      if (error) throw new Error(errorMessage(error));
      return data;
    },
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ['get', '/api/stats/consultants'] }),
  });
}

/** 「60%」, or 「—」 without data. */
export function formatRate(rate: number | null | undefined, digits = 1): string {
  return rate == null ? '—' : `${Number(rate.toFixed(digits))}%`;
}

/** Sent ÷ assigned as 「8/10（80%）」, or 「—」 when nothing was assigned. */
export function formatCompletion(c: Pick<ConsultantStats, 'groupsend_sent' | 'groupsend_assigned' | 'groupsend_completion'>): string {
  if (c.groupsend_assigned === 0 || c.groupsend_completion == null) return '—';
  return `${c.groupsend_sent}/${c.groupsend_assigned}（${Math.round(c.groupsend_completion * 100)}%）`;
}

/** 「3.5 分钟」, or 「—」. */
export function formatMinutes(minutes: number | null | undefined): string {
  return minutes == null ? '—' : `${Number(minutes.toFixed(1))} 分钟`;
}

/** Chats and messages per consultant, the busiest first. */
export function activityOption(rows: ConsultantStats[]): ChartOption {
  const shown = [...rows].sort((a, b) => b.chats - a.chats).slice(0, 20);
  return {
    color: ['#1668dc', '#13a8a8'],
    tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' } },
    legend: { top: 0 },
    grid: { left: 8, right: 16, top: 40, bottom: 8, containLabel: true },
    xAxis: { type: 'category', data: shown.map((r) => r.name), axisLabel: { interval: 0, rotate: shown.length > 8 ? 30 : 0 } },
    yAxis: { type: 'value', minInterval: 1, name: '次数', nameTextStyle: { align: 'left' } },
    series: [
      { name: '聊天数', type: 'bar', barMaxWidth: 28, data: shown.map((r) => r.chats) },
      { name: '发送消息数', type: 'bar', barMaxWidth: 28, data: shown.map((r) => r.messages) },
    ],
  };
}

/** 「张三 聊天 40 次，李四 聊天 5 次。」 for screen readers. */
export function activitySummary(rows: ConsultantStats[]): string {
  if (rows.every((r) => r.chats === 0 && r.messages === 0)) return '所选期间没有聊天数据。';
  return `${[...rows]
    .sort((a, b) => b.chats - a.chats)
    .map((r) => `${r.name} 聊天 ${r.chats} 次、发送消息 ${r.messages} 条`)
    .join('，')}。`;
}
