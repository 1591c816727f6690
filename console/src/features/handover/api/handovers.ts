import { useQueryClient } from '@tanstack/react-query';
import { $api, type Schemas } from '@/lib/api/client';

export type HandoverJob = Schemas['HandoverJob'];
export type HandoverDetail = Schemas['HandoverDetail'];
export type HandoverCustomerView = Schemas['HandoverCustomerView'];
export type DepartedConsultant = Schemas['DepartedConsultant'];
export type PendingCampaignWork = Schemas['PendingCampaignWork'];
export type NewHandoverBody = Schemas['NewHandoverBody'];
export type CustomerResult = Schemas['CustomerResult'];

/** Handovers, newest first (a running one is re-read every 30 s). */
export function useHandovers() {
  return $api.useQuery(
    'get',
    '/api/handovers',
    { params: { query: { limit: 100 } } },
    { refetchInterval: (q) => (q.state.data?.items.some((j) => j.status === 'running') ? 30_000 : false) },
  );
}

export function useHandover(id: string | null) {
  return $api.useQuery('get', '/api/handovers/{id}', { params: { path: { id: id ?? '' } } }, { enabled: id !== null });
}

/** 离职待分配: the customers departed consultants left. */
export function useUnassigned() {
  return $api.useQuery('get', '/api/handovers/unassigned');
}

/** One consultant's active customers (the first 100), to pick from. */
export function useConsultantCustomers(userid: string | undefined) {
  return $api.useQuery(
    'get',
    '/api/customers',
    { params: { query: { userid: userid ?? '', status: 'active', limit: 100 } } },
    { enabled: Boolean(userid) },
  );
}

function useInvalidate() {
  const queryClient = useQueryClient();
  return () => {
    void queryClient.invalidateQueries({ queryKey: ['get', '/api/handovers'] });
    void queryClient.invalidateQueries({ queryKey: ['get', '/api/handovers/{id}'] });
    void queryClient.invalidateQueries({ queryKey: ['get', '/api/handovers/unassigned'] });
  };
}

export function useCreateHandover() {
  const invalidate = useInvalidate();
  return $api.useMutation('post', '/api/handovers', { onSuccess: invalidate });
}

export function useRefreshHandover() {
  const invalidate = useInvalidate();
  return $api.useMutation('post', '/api/handovers/{id}/refresh', { onSuccess: invalidate });
}
