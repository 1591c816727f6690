import { describe, expect, it } from 'vitest';
import { exportPath, newProgressId } from './import-export';

describe('exportPath', () => {
  it('carries the list filters but no page size or cursor', () => {
    const path = exportPath({ tier: 'A', state: 'xiaohongshu', q: '王' }, 'csv');
    const url = new URL(path, 'http://x');
    expect(url.pathname).toBe('/api/customers/export');
    expect(url.searchParams.get('format')).toBe('csv');
    expect(url.searchParams.get('tier')).toBe('A');
    expect(url.searchParams.get('state')).toBe('xiaohongshu');
    expect(url.searchParams.get('q')).toBe('王');
    expect(url.searchParams.has('limit')).toBe(false);
  });

  it('asks for xlsx with no filters', () => {
    expect(exportPath({}, 'xlsx')).toBe('/api/customers/export?format=xlsx');
  });
});

describe('newProgressId', () => {
  it('names each import with 32 random hex characters, as the API accepts (8–64 of [A-Za-z0-9-])', () => {
    const a = newProgressId();
    const b = newProgressId();
    expect(a).toMatch(/^[0-9a-f]{32}$/);
    expect(b).toMatch(/^[0-9a-f]{32}$/);
    expect(a).not.toBe(b);
  });
});
