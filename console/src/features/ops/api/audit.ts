import { useInfiniteQuery } from '@tanstack/react-query';
import { api, type Schemas } from '@/lib/api/client';
import { allItems, nextCursor, unwrap } from './paging';

export type AuditEntry = Schemas['AuditEntryView'];

/** Who changed what, newest first, 20 at a time. */
export function useAuditLogs() {
  const query = useInfiniteQuery({
    queryKey: ['ops', 'audit'],
    initialPageParam: undefined as string | undefined,
    queryFn: async ({ pageParam, signal }) =>
      unwrap(await api.GET('/api/audit-logs', { params: { query: { limit: 20, cursor: pageParam } }, signal })),
    getNextPageParam: nextCursor,
  });
  return { ...query, items: allItems(query.data) };
}
