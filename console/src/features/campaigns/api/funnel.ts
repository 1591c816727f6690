/**
 * The funnel as the API counts it (目标客户 → 已跳过 → 已创建任务 → 成员已发送 → 已点击 → 已预约),
 * turned into chart options and table rows. Nothing is counted here: every number is the API's.
 * Clicks exist for the whole campaign only (a group-send task's link is shared by its
 * recipients, so a click cannot be given a tier or a channel); there is no open rate (WeCom
 * reports none).
 */
import type { ChartOption } from '@/components/chart';
import { formatPercent } from '@/lib/format';
import type { Funnel, Stage } from './campaigns';

export type StageKey = 'targeted' | 'skipped' | 'task_created' | 'sent' | 'clicks' | 'booked';

export const STAGE_LABEL: Record<StageKey, string> = {
  targeted: '目标客户',
  skipped: '已跳过',
  task_created: '已创建任务',
  sent: '成员已发送',
  clicks: '已点击',
  booked: '已预约',
};

const STAGE_COLOUR: Record<StageKey, string> = {
  targeted: '#1677ff',
  skipped: '#bfbfbf',
  task_created: '#13c2c2',
  sent: '#52c41a',
  clicks: '#fa8c16',
  booked: '#eb2f96',
};

export interface FunnelStep {
  key: StageKey;
  label: string;
  value: number;
}

export function funnelSteps(funnel: Funnel): FunnelStep[] {
  const value: Record<StageKey, number> = {
    targeted: funnel.targeted,
    skipped: funnel.skipped,
    task_created: funnel.task_created,
    sent: funnel.sent,
    clicks: funnel.clicks,
    booked: funnel.booked,
  };
  return (Object.keys(STAGE_LABEL) as StageKey[]).map((key) => ({ key, label: STAGE_LABEL[key], value: value[key] }));
}

/** What a screen reader hears for the funnel chart. */
export function funnelDescription(funnel: Funnel): string {
  return `推送漏斗：${funnelSteps(funnel)
    .map((s) => `${s.label} ${s.value}`)
    .join('，')}`;
}

/** The funnel as horizontal bars, top to bottom, each labelled with its share of the targeted. */
export function funnelOption(funnel: Funnel): ChartOption {
  const steps = funnelSteps(funnel);
  return {
    grid: { left: 8, right: 96, top: 8, bottom: 8, containLabel: true },
    tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' } },
    xAxis: { type: 'value', minInterval: 1 },
    yAxis: { type: 'category', inverse: true, data: steps.map((s) => s.label) },
    series: [
      {
        type: 'bar',
        name: '人数',
        barMaxWidth: 28,
        data: steps.map((s) => ({ value: s.value, itemStyle: { color: STAGE_COLOUR[s.key] } })),
        label: {
          show: true,
          position: 'right',
          formatter: (p: { dataIndex: number; value: number }) => {
            const step = steps[p.dataIndex];
            if (!step || step.key === 'targeted') return String(p.value);
            return step.key === 'clicks' ? `${p.value} 次` : `${p.value}（${formatPercent(p.value, funnel.targeted)}）`;
          },
        },
      },
    ],
  };
}

/** Stages drawn per tier / per channel (clicks are not known per group). */
export const BREAKDOWN_STAGES: Exclude<StageKey, 'clicks'>[] = ['targeted', 'skipped', 'task_created', 'sent', 'booked'];

export interface BreakdownRow extends Stage {
  key: string;
  label: string;
  sentRate: string;
  bookedRate: string;
}

/** One row per tier or channel, in the API's order with `unknown` last. */
export function breakdownRows(groups: Record<string, Stage>, label: (key: string) => string): BreakdownRow[] {
  return Object.entries(groups)
    .sort(([a], [b]) => (a === 'unknown' ? 1 : b === 'unknown' ? -1 : a.localeCompare(b)))
    .map(([key, stage]) => ({
      ...stage,
      key,
      label: label(key),
      sentRate: formatPercent(stage.sent, stage.targeted),
      bookedRate: formatPercent(stage.booked, stage.sent),
    }));
}

/** Grouped bars: one group per tier (or channel), one bar per stage. */
export function breakdownOption(rows: BreakdownRow[]): ChartOption {
  return {
    grid: { left: 8, right: 8, top: 40, bottom: 8, containLabel: true },
    legend: { top: 0 },
    tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' } },
    xAxis: { type: 'category', data: rows.map((r) => r.label) },
    yAxis: { type: 'value', minInterval: 1 },
    series: BREAKDOWN_STAGES.map((stage) => ({
      type: 'bar',
      name: STAGE_LABEL[stage],
      barMaxWidth: 24,
      itemStyle: { color: STAGE_COLOUR[stage] },
      label: { show: rows.length <= 4, position: 'top' },
      data: rows.map((r) => r[stage]),
    })),
  };
}

export function breakdownDescription(title: string, rows: BreakdownRow[]): string {
  return `${title}：${rows
    .map((r) => `${r.label} 目标 ${r.targeted}、已发送 ${r.sent}、已预约 ${r.booked}`)
    .join('；')}`;
}
