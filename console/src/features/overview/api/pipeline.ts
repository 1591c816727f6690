import { $api, type Schemas } from '@/lib/api/client';

export type PipelineReport = Schemas['PipelineReport'];
export type FunnelView = Schemas['FunnelView'];

const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;

/**
 * The lead pipeline of the customers first added in the last `days` days (`GET
 * /api/stats/pipeline`): by first channel and by first consultant. The start is rounded to the
 * hour so the query stays the same between renders.
 */
export function usePipeline(days: number) {
  const from = Math.floor(Date.now() / HOUR_MS) * HOUR_MS - days * DAY_MS;
  return $api.useQuery(
    'get',
    '/api/stats/pipeline',
    { params: { query: { from } } },
    { refetchInterval: 60_000, placeholderData: (previous) => previous },
  );
}

/** A share 0–1 as a percentage with one decimal (「—」 without customers). */
export function percent(rate: number | undefined, customers: number): string {
  if (!customers || rate === undefined) return '—';
  return `${(rate * 100).toFixed(1).replace(/\.0$/, '')}%`;
}
