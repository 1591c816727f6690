import { useInfiniteQuery, useQueryClient } from '@tanstack/react-query';
import { $api, api, type Schemas } from '@/lib/api/client';

export type AutomationRule = Schemas['AutomationRule'];
export type AutomationRun = Schemas['AutomationRun'];
export type NewAutomation = Schemas['NewAutomation'];
export type AutomationPatch = Schemas['AutomationPatch'];
export type RuleKind = Schemas['RuleKind'];
export type SenderPolicy = Schemas['SenderPolicy'];
export type CampaignView = Schemas['CampaignView'];

export function useAutomations() {
  return $api.useQuery('get', '/api/automations');
}

function useInvalidate() {
  const queryClient = useQueryClient();
  return () => {
    void queryClient.invalidateQueries({ queryKey: ['get', '/api/automations'] });
    void queryClient.invalidateQueries({ queryKey: ['get', '/api/automations/{id}/runs'] });
  };
}

export function useCreateAutomation() {
  const invalidate = useInvalidate();
  return $api.useMutation('post', '/api/automations', { onSuccess: invalidate });
}

export function useUpdateAutomation() {
  const invalidate = useInvalidate();
  return $api.useMutation('patch', '/api/automations/{id}', { onSuccess: invalidate });
}

export function useDeleteAutomation() {
  const invalidate = useInvalidate();
  return $api.useMutation('delete', '/api/automations/{id}', { onSuccess: invalidate });
}

export function useRunAutomation() {
  const invalidate = useInvalidate();
  return $api.useMutation('post', '/api/automations/{id}/run', { onSuccess: invalidate });
}

/** A rule's runs, newest first, a page at a time. */
export function useAutomationRuns(id: string | null) {
  const path = { id: id ?? '' };
  return useInfiniteQuery({
    queryKey: ['get', '/api/automations/{id}/runs', { params: { path } }, 'pages'],
    enabled: !!id,
    initialPageParam: undefined as string | undefined,
    queryFn: async ({ pageParam, signal }) => {
      const { data, error } = await api.GET('/api/automations/{id}/runs', {
        params: { path, query: { limit: 20, cursor: pageParam } },
        signal,
      });
      // The API's error body, thrown as the $api hooks throw it (errorMessage reads it).
      // eslint-disable-next-line @typescript-eslint/only-throw-error
      if (error) throw error;
      return data;
    },
    getNextPageParam: (last) => last.next_cursor ?? undefined,
  });
}

const FINAL = new Set(['done', 'cancelled', 'failed']);

/** A run's campaign with its funnel, polled while it is still being sent. */
export function useCampaign(id: string) {
  return $api.useQuery(
    'get',
    '/api/campaigns/{id}',
    { params: { path: { id } } },
    {
      refetchInterval: (query) => {
        const status = query.state.data?.status;
        if (status && FINAL.has(status)) return false;
        // Waiting for consultants can take hours; creating the tasks takes seconds.
        return status === 'tracking' ? 15_000 : 3000;
      },
    },
  );
}
