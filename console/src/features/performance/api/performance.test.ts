import dayjs from 'dayjs';
import { describe, expect, it } from 'vitest';
import { activitySummary, formatCompletion, formatMinutes, formatRate, periodOf, presetOf, presetPeriod, type ConsultantStats } from './performance';

const today = dayjs('2026-12-07');

function line(partial: Partial<ConsultantStats>): ConsultantStats {
  return {
    userid: 'zhangsan',
    name: '张三',
    new_customers: 0,
    lost_customers: 0,
    chats: 0,
    messages: 0,
    negative_feedback: 0,
    new_applies: 0,
    days_imported: 0,
    appointments: 0,
    purchases: 0,
    revenue_fen: 0,
    groupsend_assigned: 0,
    groupsend_sent: 0,
    daily: [],
    ...partial,
  };
}

describe('performance period', () => {
  it('reads the period from the URL, else the last 30 days', () => {
    expect(presetPeriod(7, today)).toEqual({ from: '2026-12-01', to: '2026-12-07' });
    expect(periodOf('2026-11-01', '2026-11-30', today)).toEqual({ from: '2026-11-01', to: '2026-11-30' });
    expect(periodOf('2026-11-30', '2026-11-01', today)).toEqual(presetPeriod(30, today));
    expect(periodOf('yesterday', null, today)).toEqual({ from: '2026-11-08', to: '2026-12-07' });
    expect(presetOf(presetPeriod(90, today), today)).toBe(90);
    expect(presetOf({ from: '2026-11-01', to: '2026-11-30' }, today)).toBeNull();
  });
});

describe('performance figures', () => {
  it('formats rates, minutes and group-send completion, with — for no data', () => {
    expect(formatRate(78.72)).toBe('78.7%');
    expect(formatRate(75)).toBe('75%');
    expect(formatRate(null)).toBe('—');
    expect(formatMinutes(5.4)).toBe('5.4 分钟');
    expect(formatMinutes(undefined)).toBe('—');
    expect(formatCompletion({ groupsend_sent: 8, groupsend_assigned: 10, groupsend_completion: 0.8 })).toBe('8/10（80%）');
    expect(formatCompletion({ groupsend_sent: 0, groupsend_assigned: 0, groupsend_completion: null })).toBe('—');
  });

  it('summarises chats for screen readers, the busiest first', () => {
    expect(activitySummary([line({})])).toBe('所选期间没有聊天数据。');
    expect(activitySummary([line({ chats: 5, messages: 9, name: '李四' }), line({ chats: 40, messages: 100 })])).toBe(
      '张三 聊天 40 次、发送消息 100 条，李四 聊天 5 次、发送消息 9 条。',
    );
  });
});
