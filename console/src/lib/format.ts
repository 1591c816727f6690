/**
 * How the console writes times, dates and money: Beijing time (`YYYY-MM-DD HH:mm`, whatever the
 * browser's zone), money in 元 with two decimals (the API stores 分).
 */
import dayjs, { type Dayjs } from 'dayjs';
import timezone from 'dayjs/plugin/timezone';
import utc from 'dayjs/plugin/utc';
import 'dayjs/locale/zh-cn';

dayjs.extend(utc);
dayjs.extend(timezone);
dayjs.locale('zh-cn');

export const BEIJING = 'Asia/Shanghai';

/** An instant in Beijing time. */
export function beijing(ms: number): Dayjs {
  return dayjs(ms).tz(BEIJING);
}

/** `YYYY-MM-DD HH:mm` in Beijing time; `—` when absent. */
export function formatTime(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || ms <= 0) return '—';
  return beijing(ms).format('YYYY-MM-DD HH:mm');
}

/** WeCom gives some times in seconds. */
export function formatUnixSeconds(secs: number | null | undefined): string {
  return secs ? formatTime(secs * 1000) : '—';
}

export function formatDate(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || ms <= 0) return '—';
  return beijing(ms).format('YYYY-MM-DD');
}

/** 分 → `¥1,234.50`. */
export function formatFen(fen: number | null | undefined): string {
  const value = (fen ?? 0) / 100;
  return `¥${value.toLocaleString('zh-CN', { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;
}

/** A Beijing wall-clock time (picked in a date picker) as the instant it denotes. */
export function fromBeijingWallClock(value: Dayjs): number {
  return dayjs.tz(value.format('YYYY-MM-DDTHH:mm:ss'), BEIJING).valueOf();
}

/** `YYYY-MM-DDTHH:mm` in Beijing time, as the API's `send_at` takes it. */
export function toBeijingLocalString(value: Dayjs): string {
  return value.format('YYYY-MM-DDTHH:mm');
}

export function formatPercent(part: number, whole: number): string {
  if (whole <= 0) return '—';
  return `${((part / whole) * 100).toFixed(1)}%`;
}

export { dayjs };
