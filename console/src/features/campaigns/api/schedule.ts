/**
 * When a campaign goes out: now or at a Beijing time, and what quiet hours (免打扰时段, the send
 * rules' `quiet_start`–`quiet_end`, Beijing time) do to it — the API defers a run that falls in
 * them to their end (crm::calendar::QuietHours, mirrored here so the form can warn first).
 */
import type { Dayjs } from 'dayjs';
import { BEIJING, beijing, dayjs, fromBeijingWallClock, toBeijingLocalString } from '@/lib/format';

export interface QuietHours {
  start: string;
  end: string;
}

const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;
/** The API refuses a send time more than this far ahead. */
export const MAX_AHEAD_MS = 366 * DAY;

function minutes(hhmm: string): number | null {
  const match = /^(\d{1,2}):(\d{2})$/.exec(hhmm.trim());
  if (!match) return null;
  const h = Number(match[1]);
  const m = Number(match[2]);
  return h < 24 && m < 60 ? h * 60 + m : null;
}

/** Whether an instant falls in the quiet hours (start inclusive, end exclusive; may span midnight). */
export function inQuietHours(ms: number, quiet: QuietHours): boolean {
  const start = minutes(quiet.start);
  const end = minutes(quiet.end);
  if (start === null || end === null || start === end) return false;
  const t = beijing(ms);
  const minute = t.hour() * 60 + t.minute();
  return start < end ? minute >= start && minute < end : minute >= start || minute < end;
}

/** When a run at `ms` actually starts: `ms`, or the end of the quiet hours it falls in. */
export function nextAllowed(ms: number, quiet: QuietHours): number {
  if (!inQuietHours(ms, quiet)) return ms;
  const end = minutes(quiet.end) ?? 0;
  const day = beijing(ms).format('YYYY-MM-DD');
  const todayEnd = dayjs.tz(`${day}T${String(Math.floor(end / 60)).padStart(2, '0')}:${String(end % 60).padStart(2, '0')}:00`, BEIJING).valueOf();
  return todayEnd > ms ? todayEnd : todayEnd + DAY;
}

export type SendMode = 'now' | 'later';

export interface ScheduleCheck {
  /** `error` blocks the submit; `warning` explains a deferral. */
  level: 'error' | 'warning' | 'ok';
  message: string;
  /** The instant the campaign is due (null while no time is chosen). */
  dueAt: number | null;
  /** When it would really start after quiet hours. */
  startsAt: number | null;
}

const fmt = (ms: number) => beijing(ms).format('YYYY-MM-DD HH:mm');

/**
 * What the form says about a send time: `picked` is a wall-clock time read as Beijing time
 * (whatever the browser's zone), `now` the current instant.
 */
export function checkSchedule(mode: SendMode, picked: Dayjs | null | undefined, quiet: QuietHours | null, now: number): ScheduleCheck {
  let due: number;
  if (mode === 'now') {
    due = now;
  } else {
    if (!picked) return { level: 'error', message: '请选择发送时间', dueAt: null, startsAt: null };
    due = fromBeijingWallClock(picked);
    if (due < now - MINUTE) return { level: 'error', message: '发送时间不能早于现在', dueAt: due, startsAt: null };
    if (due > now + MAX_AHEAD_MS) return { level: 'error', message: '发送时间不能晚于一年以后', dueAt: due, startsAt: null };
  }
  const starts = quiet ? nextAllowed(due, quiet) : due;
  if (quiet && starts !== due) {
    const window = `${quiet.start}–${quiet.end}`;
    const when = mode === 'now' ? '现在' : `所选时间 ${fmt(due)} `;
    return {
      level: 'warning',
      message: `${when}处于免打扰时段（${window}，北京时间），推送任务会顺延到 ${fmt(starts)} 才开始创建群发任务。`,
      dueAt: due,
      startsAt: starts,
    };
  }
  return {
    level: 'ok',
    message: mode === 'now' ? '创建后立即开始筛选客户并创建群发任务。' : `将于 ${fmt(due)}（北京时间）开始创建群发任务。`,
    dueAt: due,
    startsAt: starts,
  };
}

/** The send rules' quiet hours, or null when there are none (equal start and end). */
export function quietHoursOf(rules: { quiet_start: string; quiet_end: string } | null | undefined): QuietHours | null {
  if (!rules || rules.quiet_start === rules.quiet_end) return null;
  return { start: rules.quiet_start, end: rules.quiet_end };
}

/** A default send time: tomorrow 10:00 Beijing, as a picker value. */
export function defaultSendTime(now: number): Dayjs {
  return dayjs(`${beijing(now).add(1, 'day').format('YYYY-MM-DD')}T10:00:00`);
}

/** The API's `send_at` (`YYYY-MM-DDTHH:mm`, Beijing) of a picked wall-clock time. */
export const sendAtOf = toBeijingLocalString;
