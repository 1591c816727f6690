import { describe, expect, it } from 'vitest';
import { byDay, dayOf, dayTitle, rangeOf, step, timeOf } from './calendar';

// 2027-03-04 15:00 Beijing (a Thursday).
const THURSDAY_3PM = 1_804_143_600_000;

describe('calendar', () => {
  it('a day runs from Beijing midnight to midnight', () => {
    const r = rangeOf('day', '2027-03-04');
    expect(r.days).toEqual(['2027-03-04']);
    expect(dayOf(r.from)).toBe('2027-03-04');
    expect(timeOf(r.from)).toBe('00:00');
    expect(dayOf(r.to)).toBe('2027-03-04');
    expect(dayOf(r.to + 1)).toBe('2027-03-05');
  });

  it('a week runs Monday to Sunday', () => {
    const r = rangeOf('week', '2027-03-04');
    expect(r.days[0]).toBe('2027-03-01');
    expect(r.days[6]).toBe('2027-03-07');
    expect(dayOf(r.from)).toBe('2027-03-01');
    expect(dayOf(r.to)).toBe('2027-03-07');
    // A Sunday belongs to the week before it.
    expect(rangeOf('week', '2027-03-07').days[0]).toBe('2027-03-01');
  });

  it('steps by a day or a week', () => {
    expect(step('day', '2027-02-28', 1)).toBe('2027-03-01');
    expect(step('week', '2027-03-04', -1)).toBe('2027-02-25');
  });

  it('groups appointments by Beijing day in time order', () => {
    const items = [
      { id: 'b', scheduled_at_ms: THURSDAY_3PM + 3_600_000 },
      { id: 'a', scheduled_at_ms: THURSDAY_3PM },
      // 23:30 UTC on the 3rd is already the 4th in Beijing.
      { id: 'c', scheduled_at_ms: Date.UTC(2027, 2, 3, 23, 30) },
    ];
    const grouped = byDay(items, rangeOf('week', '2027-03-04').days);
    expect(grouped.get('2027-03-04')?.map((i) => i.id)).toEqual(['c', 'a', 'b']);
    expect(grouped.get('2027-03-03')).toEqual([]);
    expect(timeOf(THURSDAY_3PM)).toBe('15:00');
    expect(dayTitle('2027-03-04')).toBe('3月4日 周四');
  });
});
