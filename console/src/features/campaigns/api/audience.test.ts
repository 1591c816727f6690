import { describe, expect, it } from 'vitest';
import { beijing, dayjs } from '@/lib/format';
import {
  audienceBody,
  audienceProblem,
  audienceValues,
  defaultAudience,
  describeAudience,
  type AudienceValues,
} from './audience';

const scenario2: AudienceValues = {
  ...defaultAudience(),
  mode: 'filter',
  filter: { gender: 2, tiers: ['B', 'A'], no_purchase_days: 30 },
};

describe('the audience builder → the API', () => {
  it('sends the seed scenario: women, tier A or B, no purchase in 30 days (every other filter null)', () => {
    expect(audienceBody(scenario2)).toEqual({
      type: 'filter',
      filter: {
        state: null,
        tag_id: null,
        gender: 2,
        tiers: ['A', 'B'],
        psych_type: null,
        userid: null,
        status: null,
        added_from: null,
        added_to: null,
        last_purchase_before: null,
        last_purchase_after: null,
        no_purchase_days: 30,
        birthday_month: null,
        q: null,
        stage: null,
      },
    });
  });

  it('trims text filters and leaves blank ones out', () => {
    const body = audienceBody({ mode: 'filter', filter: { psych_type: '  理性型 ', state: ' ', userid: 'zhangsan' } });
    expect(body.type === 'filter' && [body.filter.psych_type, body.filter.state, body.filter.userid]).toEqual(['理性型', null, 'zhangsan']);
  });

  it('reads the added-time range as whole Beijing days, whatever the browser zone', () => {
    const body = audienceBody({ mode: 'filter', filter: { added: [dayjs('2026-03-01'), dayjs('2026-03-07')] } });
    if (body.type !== 'filter') throw new Error('filter expected');
    expect(beijing(body.filter.added_from!).format('YYYY-MM-DD HH:mm:ss')).toBe('2026-03-01 00:00:00');
    expect(beijing(body.filter.added_to!).format('YYYY-MM-DD HH:mm:ss')).toBe('2026-03-07 23:59:59');
    // 2026-03-01 00:00 in Beijing is 2026-02-28 16:00 UTC.
    expect(body.filter.added_from).toBe(Date.UTC(2026, 1, 28, 16, 0, 0));
  });

  it('sends one customer or a de-duplicated batch as explicit ids', () => {
    expect(audienceBody({ mode: 'one', one: { value: 'wm1', label: '李女士' } })).toEqual({
      type: 'customers',
      external_userids: ['wm1'],
    });
    expect(
      audienceBody({
        mode: 'batch',
        batch: [
          { value: 'wm1', label: 'a' },
          { value: 'wm2', label: 'b' },
          { value: 'wm1', label: 'a' },
        ],
      }),
    ).toEqual({ type: 'customers', external_userids: ['wm1', 'wm2'] });
  });

  it('sends tag groups without empty ones', () => {
    expect(audienceBody({ mode: 'tags', tag_groups: [['t1', 't2'], [], ['t3']] })).toEqual({
      type: 'tags',
      groups: [['t1', 't2'], ['t3']],
    });
  });
});

describe('the API → the audience builder', () => {
  it('round-trips every audience type', () => {
    for (const values of [
      scenario2,
      { ...defaultAudience(), mode: 'one' as const, one: { value: 'wm1', label: 'wm1' } },
      { ...defaultAudience(), mode: 'batch' as const, batch: [{ value: 'wm1', label: 'wm1' }, { value: 'wm2', label: 'wm2' }] },
      { ...defaultAudience(), mode: 'tags' as const, tag_groups: [['t1'], ['t2', 't3']] },
      {
        ...defaultAudience(),
        mode: 'filter' as const,
        filter: { tiers: ['C'], state: 'xiaohongshu', tag_id: 't9', userid: 'lisi', psych_type: '理性型', birthday_month: 3 },
      },
    ]) {
      const body = audienceBody(values);
      expect(audienceBody(audienceValues(body))).toEqual(body);
    }
  });

  it('shows a stored date range on the Beijing days it covers', () => {
    const body = audienceBody(scenario2);
    if (body.type !== 'filter') throw new Error('filter expected');
    const values = audienceValues({ type: 'filter', filter: { ...body.filter, added_from: Date.UTC(2026, 1, 28, 16), added_to: null } });
    expect(values.filter?.added?.[0]?.format('YYYY-MM-DD')).toBe('2026-03-01');
    expect(values.filter?.added?.[1]).toBeNull();
  });

  it('starts with filters when there is no audience', () => {
    expect(audienceValues(null).mode).toBe('filter');
  });
});

describe('audience problems', () => {
  it('asks for the customers a mode needs', () => {
    expect(audienceProblem({ mode: 'one', one: null })).toBe('请选择一位客户');
    expect(audienceProblem({ mode: 'batch', batch: [] })).toBe('请至少选择一位客户');
    expect(audienceProblem({ mode: 'tags', tag_groups: [[]] })).toBe('请至少选择一个企业标签');
    expect(audienceProblem({ mode: 'filter', filter: {} })).toBeNull();
  });

  it('caps a batch at 1000 customers', () => {
    const batch = Array.from({ length: 1001 }, (_, i) => ({ value: `wm${i}`, label: '' }));
    expect(audienceProblem({ mode: 'batch', batch })).toMatch(/最多选择 1000 位客户（当前 1001 位）/);
  });
});

describe('describeAudience', () => {
  it('says in Chinese whom a campaign is for', () => {
    expect(describeAudience(audienceBody(scenario2))).toBe('女性 · 客户分层 A、B · 30 天内未消费');
    expect(
      describeAudience(audienceBody({ mode: 'filter', filter: { state: 'xhs', userid: 'zs' } }), {
        channel: () => '小红书',
        staff: () => '张三',
      }),
    ).toBe('渠道「小红书」 · 跟进成员 张三');
    expect(describeAudience({ type: 'customers', external_userids: ['a', 'b'] })).toBe('2 位指定客户');
    expect(describeAudience({ type: 'tags', groups: [['t1', 't2'], ['t3']] }, { tag: (id) => id.toUpperCase() })).toBe(
      '企业标签：（T1 或 T2） 且 （T3）',
    );
    expect(describeAudience(audienceBody({ mode: 'filter', filter: {} }))).toBe('全部客户');
  });
});
