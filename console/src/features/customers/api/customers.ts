import { useInfiniteQuery, useMutation, useQueryClient, type QueryClient } from '@tanstack/react-query';
import { $api, api, type Schemas } from '@/lib/api/client';
import { errorMessage } from '@/lib/api/errors';
import { listQuery, type CustomerFilters } from './filters';

export type CustomerPage = Schemas['CustomerPage'];
export type CustomerDetail = Schemas['CustomerDetail'];
export type MessageLog = Schemas['MessageLog'];

/**
 * The API's refusal, thrown as an Error: it carries the body's `error` (code, message, field), so
 * `errorMessage` and `applyFieldError` read it as they read the plain body `$api` hooks throw.
 */
class ApiRefusal extends Error {
  readonly error: unknown;
  constructor(body: unknown) {
    super(errorMessage(body));
    this.error = (body as { error?: unknown } | null)?.error;
  }
}

const LIST_KEY = ['customers', 'list'] as const;
const MESSAGES_KEY = ['customers', 'messages'] as const;

/** `GET /api/customers` page by page (「加载更多」 follows `next_cursor`). */
export function useCustomerList(filters: CustomerFilters) {
  const query = listQuery(filters);
  return useInfiniteQuery({
    queryKey: [...LIST_KEY, query],
    initialPageParam: null as string | null,
    queryFn: async ({ pageParam, signal }) => {
      const { data, error } = await api.GET('/api/customers', {
        params: { query: pageParam ? { ...query, cursor: pageParam } : query },
        signal,
      });
      if (error) throw new ApiRefusal(error);
      return data;
    },
    getNextPageParam: (last) => last.next_cursor ?? null,
  });
}

export function useCustomer(externalUserid: string | null) {
  return $api.useQuery(
    'get',
    '/api/customers/{external_userid}',
    { params: { path: { external_userid: externalUserid ?? '' } } },
    { enabled: Boolean(externalUserid) },
  );
}

function detailKey(externalUserid: string) {
  return ['get', '/api/customers/{external_userid}', { params: { path: { external_userid: externalUserid } } }];
}

/** After a change to one customer: the drawer shows the answer, lists refetch. */
function customerChanged(queryClient: QueryClient, externalUserid: string, detail?: CustomerDetail) {
  if (detail) queryClient.setQueryData(detailKey(externalUserid), detail);
  else void queryClient.invalidateQueries({ queryKey: detailKey(externalUserid) });
  void queryClient.invalidateQueries({ queryKey: LIST_KEY });
}

export function useUpdateCustomer(externalUserid: string) {
  const queryClient = useQueryClient();
  return $api.useMutation('patch', '/api/customers/{external_userid}', {
    onSuccess: (data) => customerChanged(queryClient, externalUserid, data),
  });
}

export function useSyncCustomer(externalUserid: string) {
  const queryClient = useQueryClient();
  return $api.useMutation('post', '/api/customers/{external_userid}/sync', {
    onSuccess: (data) => customerChanged(queryClient, externalUserid, data),
  });
}

export function useMarkTags(externalUserid: string) {
  const queryClient = useQueryClient();
  return $api.useMutation('post', '/api/customers/{external_userid}/tags', {
    onSuccess: (relationship) => {
      // The answer is the relationship as now tagged: show it at once, then refetch the rest.
      queryClient.setQueryData<CustomerDetail>(detailKey(externalUserid), (old) =>
        old && {
          ...old,
          follow_users: old.follow_users.map((r) => (r.userid === relationship.userid ? relationship : r)),
        },
      );
      customerChanged(queryClient, externalUserid);
    },
  });
}

export function useTagCatalogue() {
  return $api.useQuery('get', '/api/tags', {}, { staleTime: 60_000 });
}

/** Pulls WeCom's tag catalogue (tags created in WeCom's admin console appear). */
export function useRefreshTags() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: async () => {
      const { data, error } = await api.GET('/api/tags', { params: { query: { refresh: true } } });
      if (error) throw new ApiRefusal(error);
      return data;
    },
    onSuccess: (data) => {
      queryClient.setQueryData(['get', '/api/tags', {}], data);
      void queryClient.invalidateQueries({ queryKey: ['get', '/api/tags'] });
    },
  });
}

/** The configuration, for the channels' names (`state` → 小红书). */
export function useChannels() {
  return $api.useQuery('get', '/api/config', {}, { staleTime: 60_000, select: (config) => config.channels });
}

/** The push rules (营销授权 mode: does a direct message reach this customer?). */
export function useSendRules() {
  return $api.useQuery('get', '/api/config', {}, { staleTime: 60_000, select: (config) => config.send_rules });
}

export function useAppointments(externalUserid: string) {
  return $api.useQuery('get', '/api/customers/{external_userid}/appointments', {
    params: { path: { external_userid: externalUserid } },
  });
}

export function usePurchases(externalUserid: string) {
  return $api.useQuery('get', '/api/customers/{external_userid}/purchases', {
    params: { path: { external_userid: externalUserid } },
  });
}

function recordsChanged(queryClient: QueryClient, externalUserid: string) {
  const path = { params: { path: { external_userid: externalUserid } } };
  void queryClient.invalidateQueries({ queryKey: ['get', '/api/customers/{external_userid}/appointments', path] });
  void queryClient.invalidateQueries({ queryKey: ['get', '/api/customers/{external_userid}/purchases', path] });
  customerChanged(queryClient, externalUserid);
}

export function useCreateAppointment(externalUserid: string) {
  const queryClient = useQueryClient();
  return $api.useMutation('post', '/api/appointments', {
    onSuccess: () => recordsChanged(queryClient, externalUserid),
  });
}

export function useCreatePurchase(externalUserid: string) {
  const queryClient = useQueryClient();
  return $api.useMutation('post', '/api/purchases', {
    onSuccess: () => recordsChanged(queryClient, externalUserid),
  });
}

/** The customer's messages (campaigns, automations, direct sends), newest first. */
export function useMessageLog(externalUserid: string) {
  return useInfiniteQuery({
    queryKey: [...MESSAGES_KEY, externalUserid],
    initialPageParam: null as string | null,
    queryFn: async ({ pageParam, signal }) => {
      const { data, error } = await api.GET('/api/messages', {
        params: { query: { external_userid: externalUserid, limit: 20, ...(pageParam ? { cursor: pageParam } : {}) } },
        signal,
      });
      if (error) throw new ApiRefusal(error);
      return data;
    },
    getNextPageParam: (last) => last.next_cursor ?? null,
  });
}

export function useSendMessage(externalUserid: string) {
  const queryClient = useQueryClient();
  return $api.useMutation('post', '/api/messages', {
    onSuccess: () => void queryClient.invalidateQueries({ queryKey: [...MESSAGES_KEY, externalUserid] }),
  });
}
