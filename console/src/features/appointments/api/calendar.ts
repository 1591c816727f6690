/**
 * The calendar's arithmetic, in Beijing time whatever the browser's zone: the day or week a
 * date falls in, the range the API is asked for, and appointments grouped by day.
 */
import type { Dayjs } from 'dayjs';
import { BEIJING, beijing, dayjs } from '@/lib/format';

export type CalendarView = 'day' | 'week';

export interface CalendarRange {
  /** Unix ms, inclusive. */
  from: number;
  /** Unix ms, inclusive. */
  to: number;
  /** The Beijing days shown, `YYYY-MM-DD`. */
  days: string[];
}

/** Midnight (Beijing) of the day `YYYY-MM-DD`. */
function dayStart(day: string): Dayjs {
  return dayjs.tz(`${day}T00:00:00`, BEIJING);
}

/** The Beijing day (`YYYY-MM-DD`) of an instant. */
export function dayOf(ms: number): string {
  return beijing(ms).format('YYYY-MM-DD');
}

/** The day, or the week (Monday to Sunday) holding `anchor` (`YYYY-MM-DD`). */
export function rangeOf(view: CalendarView, anchor: string): CalendarRange {
  const start = dayStart(anchor);
  if (view === 'day') {
    return { from: start.valueOf(), to: start.add(1, 'day').valueOf() - 1, days: [anchor] };
  }
  // dayjs: Sunday is 0; the clinic's week starts on Monday.
  const monday = start.subtract((start.day() + 6) % 7, 'day');
  const days = Array.from({ length: 7 }, (_, i) => monday.add(i, 'day').format('YYYY-MM-DD'));
  return { from: monday.valueOf(), to: monday.add(7, 'day').valueOf() - 1, days };
}

/** The anchor one step (a day or a week) before or after. */
export function step(view: CalendarView, anchor: string, by: 1 | -1): string {
  return dayStart(anchor)
    .add(by * (view === 'day' ? 1 : 7), 'day')
    .format('YYYY-MM-DD');
}

/** Items with a `scheduled_at_ms`, by Beijing day, each day in time order. */
export function byDay<T extends { scheduled_at_ms: number }>(items: T[], days: string[]): Map<string, T[]> {
  const out = new Map<string, T[]>(days.map((d) => [d, []]));
  for (const item of [...items].sort((a, b) => a.scheduled_at_ms - b.scheduled_at_ms)) {
    out.get(dayOf(item.scheduled_at_ms))?.push(item);
  }
  return out;
}

/** `HH:mm`, Beijing. */
export function timeOf(ms: number): string {
  return beijing(ms).format('HH:mm');
}

/** `M月D日 周一`. */
export function dayTitle(day: string): string {
  const d = dayStart(day);
  return `${d.format('M月D日')} 周${'日一二三四五六'[d.day()]}`;
}
