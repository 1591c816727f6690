import { describe, expect, it } from 'vitest';
import {
  activeFilterCount,
  filtersFromSearchParams,
  filtersToSearchParams,
  listQuery,
  type CustomerFilters,
} from './filters';

const every: CustomerFilters = {
  state: 'xiaohongshu',
  userid: 'zhangsan',
  tier: 'A',
  gender: 2,
  psych_type: '犹豫型',
  tag_id: 'etTAG1',
  birthday_month: 3,
  no_purchase_days: 30,
  q: '李',
  status: 'active',
  sort: 'last_purchase_desc',
};

describe('filters in the URL', () => {
  it('round-trips every filter through readable parameters', () => {
    const params = filtersToSearchParams(every);
    expect(params.toString()).toBe(
      'channel=xiaohongshu&consultant=zhangsan&tier=A&gender=2&psych=%E7%8A%B9%E8%B1%AB%E5%9E%8B&tag=etTAG1&birthday_month=3&idle_days=30&q=%E6%9D%8E&status=active&sort=last_purchase_desc',
    );
    expect(filtersFromSearchParams(params)).toEqual(every);
  });

  it('reads an empty URL as no filters', () => {
    expect(filtersFromSearchParams(new URLSearchParams())).toEqual({});
    expect(activeFilterCount({})).toBe(0);
  });

  it('keeps parameters that are not filters (the open drawer) and replaces old filters', () => {
    const base = new URLSearchParams('customer=wmABC&tier=B&channel=douyin');
    const params = filtersToSearchParams({ tier: 'A' }, base);
    expect(params.get('customer')).toBe('wmABC');
    expect(params.get('tier')).toBe('A');
    expect(params.has('channel')).toBe(false);
  });

  it('drops malformed values from a hand-edited URL', () => {
    const params = new URLSearchParams(
      'tier=D&gender=5&birthday_month=13&idle_days=0&status=gone&sort=random&channel=%20%20&q=%20%E7%8E%8B%20',
    );
    expect(filtersFromSearchParams(params)).toEqual({ q: '王' });
  });

  it('keeps gender 0 (未知), which is a real filter', () => {
    const params = filtersToSearchParams({ gender: 0 });
    expect(params.get('gender')).toBe('0');
    expect(filtersFromSearchParams(params)).toEqual({ gender: 0 });
    expect(activeFilterCount({ gender: 0 })).toBe(1);
  });

  it('does not count the sort order as a filter', () => {
    expect(activeFilterCount(every)).toBe(10);
    expect(activeFilterCount({ sort: 'added_asc' })).toBe(0);
  });

  it('trims text and forgets empty fields coming from the form', () => {
    const params = filtersToSearchParams({ q: '  张  ', psych_type: '', state: undefined });
    expect(params.toString()).toBe('q=%E5%BC%A0');
  });
});

describe('the list query', () => {
  it('sends each filter under the API name, with the page size', () => {
    expect(listQuery(every)).toEqual({
      limit: 20,
      state: 'xiaohongshu',
      userid: 'zhangsan',
      tier: 'A',
      gender: 2,
      psych_type: '犹豫型',
      tag_id: 'etTAG1',
      birthday_month: 3,
      no_purchase_days: 30,
      q: '李',
      status: 'active',
      sort: 'last_purchase_desc',
    });
  });

  it('sends only the page size when nothing is filtered', () => {
    expect(listQuery({})).toEqual({ limit: 20 });
    expect(listQuery({}, 50)).toEqual({ limit: 50 });
  });

  it('never sends what the API would refuse', () => {
    expect(listQuery({ no_purchase_days: 99999, birthday_month: 0, q: '   ' })).toEqual({ limit: 20 });
  });
});
