import { describe, expect, it } from 'vitest';
import { beijing, dayjs, BEIJING } from '@/lib/format';
import { checkSchedule, defaultSendTime, inQuietHours, nextAllowed, quietHoursOf, sendAtOf } from './schedule';

/** An instant given as Beijing wall-clock time. */
const at = (text: string) => dayjs.tz(text, BEIJING).valueOf();
const hm = (ms: number | null) => (ms === null ? null : beijing(ms).format('YYYY-MM-DD HH:mm'));
const night = { start: '22:00', end: '08:00' };

describe('quiet hours in Beijing time', () => {
  it('span midnight: 22:00 in, 07:59 in, 08:00 out (as crm::calendar::QuietHours)', () => {
    expect(inQuietHours(at('2026-11-28T21:59'), night)).toBe(false);
    expect(inQuietHours(at('2026-11-28T22:00'), night)).toBe(true);
    expect(inQuietHours(at('2026-11-29T07:59'), night)).toBe(true);
    expect(inQuietHours(at('2026-11-29T08:00'), night)).toBe(false);
  });

  it('defer to their end: the next morning before midnight, the same morning after', () => {
    expect(hm(nextAllowed(at('2026-11-28T23:30'), night))).toBe('2026-11-29 08:00');
    expect(hm(nextAllowed(at('2026-11-29T01:00'), night))).toBe('2026-11-29 08:00');
    expect(hm(nextAllowed(at('2026-11-29T09:00'), night))).toBe('2026-11-29 09:00');
  });

  it('work within a day too, and not at all when start equals end', () => {
    const lunch = { start: '12:00', end: '13:30' };
    expect(hm(nextAllowed(at('2026-03-07T12:15'), lunch))).toBe('2026-03-07 13:30');
    expect(inQuietHours(at('2026-03-07T13:30'), lunch)).toBe(false);
    expect(quietHoursOf({ quiet_start: '00:00', quiet_end: '00:00' })).toBeNull();
    expect(quietHoursOf({ quiet_start: '22:00', quiet_end: '08:00' })).toEqual(night);
  });

  it('use Beijing time, not the browser zone: 23:00 UTC is 07:00 in Beijing', () => {
    expect(inQuietHours(Date.UTC(2026, 2, 6, 23, 0), night)).toBe(true);
    expect(inQuietHours(Date.UTC(2026, 2, 7, 2, 0), night)).toBe(false);
  });
});

describe('the send-time check', () => {
  const now = at('2026-03-06T15:00');

  it('warns that a time in quiet hours is deferred, naming when it will start', () => {
    const check = checkSchedule('later', dayjs('2026-03-06T23:30'), night, now);
    expect(check.level).toBe('warning');
    expect(check.message).toBe(
      '所选时间 2026-03-06 23:30 处于免打扰时段（22:00–08:00，北京时间），推送任务会顺延到 2026-03-07 08:00 才开始创建群发任务。',
    );
    expect(hm(check.startsAt)).toBe('2026-03-07 08:00');
  });

  it('reads the picked wall-clock time as Beijing time', () => {
    const check = checkSchedule('later', dayjs('2026-03-07T10:00'), night, now);
    expect(check.level).toBe('ok');
    expect(check.dueAt).toBe(at('2026-03-07T10:00'));
    expect(check.message).toBe('将于 2026-03-07 10:00（北京时间）开始创建群发任务。');
  });

  it('warns when sending now falls in quiet hours', () => {
    const check = checkSchedule('now', null, night, at('2026-03-06T22:10'));
    expect(check.level).toBe('warning');
    expect(check.message).toMatch(/^现在处于免打扰时段/);
    expect(checkSchedule('now', null, night, now).level).toBe('ok');
    expect(checkSchedule('now', null, null, at('2026-03-06T23:00')).level).toBe('ok');
  });

  it('refuses a missing, past or too distant time', () => {
    expect(checkSchedule('later', null, night, now).message).toBe('请选择发送时间');
    expect(checkSchedule('later', dayjs('2026-03-06T14:00'), night, now).message).toBe('发送时间不能早于现在');
    expect(checkSchedule('later', dayjs('2027-03-08T10:00'), night, now).message).toBe('发送时间不能晚于一年以后');
  });

  it('proposes tomorrow 10:00 Beijing and sends `YYYY-MM-DDTHH:mm`', () => {
    const picked = defaultSendTime(at('2026-03-06T23:30'));
    expect(sendAtOf(picked)).toBe('2026-03-07T10:00');
  });
});
