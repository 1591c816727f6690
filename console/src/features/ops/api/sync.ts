import { useQueryClient } from '@tanstack/react-query';
import { $api, type Schemas } from '@/lib/api/client';

export type SyncRun = Schemas['SyncRun'];

/** Recent runs, newest first; asked again every 2 s while one is running. */
export function useSyncRuns() {
  return $api.useQuery(
    'get',
    '/api/sync/runs',
    { params: { query: { limit: 20 } } },
    { refetchInterval: (q) => (q.state.data?.items.some((r) => r.status === 'running') ? 2000 : false) },
  );
}

/** One run, asked again every second while it is running (its progress). */
export function useSyncRun(id: string | null) {
  return $api.useQuery(
    'get',
    '/api/sync/runs/{id}',
    { params: { path: { id: id ?? '' } } },
    {
      enabled: id !== null,
      refetchInterval: (q) => (q.state.data?.status === 'running' ? 1000 : false),
    },
  );
}

export function useStartSync() {
  const queryClient = useQueryClient();
  return $api.useMutation('post', '/api/sync', {
    onSuccess: () => {
      void queryClient.invalidateQueries({ queryKey: ['get', '/api/sync/runs'] });
      void queryClient.invalidateQueries({ queryKey: ['ops', 'audit'] });
    },
  });
}
