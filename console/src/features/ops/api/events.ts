import { useInfiniteQuery, useQueryClient } from '@tanstack/react-query';
import { $api, api, type Schemas } from '@/lib/api/client';
import { isPending } from './labels';
import { allItems, nextCursor, unwrap } from './paging';

export type CallbackLog = Schemas['CallbackLogView'];

const PAGE = 20;

/** The event log, newest first, optionally of one event type; asks again while any shown event is being processed. */
export function useCallbackLogs(eventType: string | undefined, unrecognizedOnly = false) {
  const query = useInfiniteQuery({
    queryKey: ['ops', 'callback-logs', eventType ?? '', unrecognizedOnly],
    initialPageParam: undefined as string | undefined,
    queryFn: async ({ pageParam, signal }) =>
      unwrap(
        await api.GET('/api/callback-logs', {
          params: {
            query: unrecognizedOnly
              ? { status: 'unrecognized', limit: PAGE, cursor: pageParam }
              : { event_type: eventType || undefined, limit: PAGE, cursor: pageParam },
          },
          signal,
        }),
      ),
    getNextPageParam: nextCursor,
    refetchInterval: (q) => (allItems(q.state.data).some((e) => isPending(e.status)) ? 2000 : false),
  });
  return { ...query, items: allItems(query.data) };
}

/** One event; asked again every second while it is being processed (after a replay). */
export function useCallbackLog(id: string | null) {
  return $api.useQuery(
    'get',
    '/api/callback-logs/{id}',
    { params: { path: { id: id ?? '' } } },
    {
      enabled: id !== null,
      refetchInterval: (q) => (q.state.data && isPending(q.state.data.status) ? 1000 : false),
    },
  );
}

export function useReplayEvent() {
  const queryClient = useQueryClient();
  return $api.useMutation('post', '/api/callback-logs/{id}/replay', {
    onSuccess: () => {
      void queryClient.invalidateQueries({ queryKey: ['ops', 'callback-logs'] });
      void queryClient.invalidateQueries({ queryKey: ['get', '/api/callback-logs/{id}'] });
      void queryClient.invalidateQueries({ queryKey: ['ops', 'audit'] });
    },
  });
}
