/**
 * The campaign endpoints (`/api/campaigns…`) as TanStack Query hooks, and the lists the create
 * form picks from (send rules and channels from `/api/config`, corp tags, customers).
 */
import { keepPreviousData, useInfiniteQuery, useQueryClient } from '@tanstack/react-query';
import { $api, api, type Schemas } from '@/lib/api/client';
import { errorMessage } from '@/lib/api/errors';

export type CampaignView = Schemas['CampaignView'];
export type CampaignStatus = Schemas['CampaignStatus'];
export type Funnel = Schemas['Funnel'];
export type Stage = Schemas['Stage'];
export type Recipient = Schemas['Recipient'];
export type LinkClicks = Schemas['LinkClicks'];
export type RecipientStatus = Schemas['RecipientStatus'];
export type Preview = Schemas['PreviewView'];
export type NewCampaign = Schemas['NewCampaign'];
export type Audience = Schemas['Audience'];
export type CustomerFilter = Schemas['CustomerFilter'];
export type SenderPolicy = Schemas['SenderPolicy'];
export type SendRules = Schemas['SendRulesView'];
export type CustomerSummary = Schemas['CustomerSummary'];
export type RemindResult = Schemas['RemindResult'];

const FINAL: CampaignStatus[] = ['done', 'cancelled', 'failed'];

export function isFinal(status: CampaignStatus): boolean {
  return FINAL.includes(status);
}

/** Throws what openapi-fetch answered as an Error that keeps the API's body. */
function unwrap<T>(result: { data?: T; error?: unknown }): T {
  if (result.error !== undefined) throw Object.assign(new Error(errorMessage(result.error)), result.error);
  if (result.data === undefined) throw new Error('服务器没有返回数据');
  return result.data;
}

export const campaignKeys = {
  all: ['campaigns'] as const,
  list: (status: CampaignStatus | undefined) => ['campaigns', 'list', status ?? 'all'] as const,
  recipients: (id: string, status: RecipientStatus | undefined) => ['campaigns', 'recipients', id, status ?? 'all'] as const,
  links: (id: string, clicks: number) => ['campaigns', 'links', id, clicks] as const,
};

/** Campaigns, newest first, page by page (`next_cursor`). */
export function useCampaignList(status: CampaignStatus | undefined) {
  return useInfiniteQuery({
    queryKey: campaignKeys.list(status),
    initialPageParam: undefined as string | undefined,
    queryFn: async ({ pageParam, signal }) =>
      unwrap(
        await api.GET('/api/campaigns', {
          params: { query: { limit: 20, ...(status ? { status } : {}), ...(pageParam ? { cursor: pageParam } : {}) } },
          signal,
        }),
      ),
    getNextPageParam: (last) => last.next_cursor ?? undefined,
    // Campaigns move on their own (scheduled → sending → tracking): keep the list current.
    refetchInterval: (query) =>
      query.state.data?.pages.some((p) => p.items.some((c) => !isFinal(c.status))) ? 10_000 : false,
  });
}

/** One campaign with its funnel; polled while it is still going. */
export function useCampaign(id: string) {
  return $api.useQuery(
    'get',
    '/api/campaigns/{id}',
    { params: { path: { id } } },
    { refetchInterval: (query) => (query.state.data && isFinal(query.state.data.status) ? false : 5_000) },
  );
}

export function useRecipients(id: string, status: RecipientStatus | undefined, live: boolean) {
  return useInfiniteQuery({
    queryKey: campaignKeys.recipients(id, status),
    initialPageParam: undefined as string | undefined,
    queryFn: async ({ pageParam, signal }) =>
      unwrap(
        await api.GET('/api/campaigns/{id}/recipients', {
          params: {
            path: { id },
            query: { limit: 50, ...(status ? { status } : {}), ...(pageParam ? { cursor: pageParam } : {}) },
          },
          signal,
        }),
      ),
    getNextPageParam: (last) => last.next_cursor ?? undefined,
    refetchInterval: live ? 10_000 : false,
  });
}

/**
 * The campaign's tracked links with their clicks (maintained counters), page by page; read again
 * when the funnel's click total (`clicks`) moves.
 */
export function useCampaignLinks(id: string, live: boolean, clicks: number) {
  return useInfiniteQuery({
    queryKey: campaignKeys.links(id, clicks),
    placeholderData: keepPreviousData,
    initialPageParam: undefined as string | undefined,
    queryFn: async ({ pageParam, signal }) =>
      unwrap(
        await api.GET('/api/campaigns/{id}/links', {
          params: { path: { id }, query: { limit: 50, ...(pageParam ? { cursor: pageParam } : {}) } },
          signal,
        }),
      ),
    getNextPageParam: (last) => last.next_cursor ?? undefined,
    refetchInterval: live ? 10_000 : false,
  });
}

export function usePreviewCampaign() {
  return $api.useMutation('post', '/api/campaigns/preview');
}

export function useCreateCampaign() {
  const queryClient = useQueryClient();
  return $api.useMutation('post', '/api/campaigns', {
    onSuccess: () => void queryClient.invalidateQueries({ queryKey: campaignKeys.all }),
  });
}

export function useCancelCampaign() {
  const queryClient = useQueryClient();
  return $api.useMutation('post', '/api/campaigns/{id}/cancel', {
    onSuccess: () => {
      void queryClient.invalidateQueries({ queryKey: campaignKeys.all });
      void queryClient.invalidateQueries({ queryKey: ['get', '/api/campaigns/{id}'] });
    },
  });
}

/** 提醒成员发送: WeCom reminds the consultants of unsent tasks now (≤ 3 per task per 24 h). */
export function useRemindCampaign() {
  const queryClient = useQueryClient();
  return $api.useMutation('post', '/api/campaigns/{id}/remind', {
    onSuccess: () => void queryClient.invalidateQueries({ queryKey: ['get', '/api/campaigns/{id}'] }),
  });
}

/** Send rules (quiet hours) and channel labels. */
export function useSendConfig() {
  return $api.useQuery('get', '/api/config', {}, { staleTime: 60_000 });
}

export function useTagCatalogue() {
  return $api.useQuery('get', '/api/tags', {}, { staleTime: 60_000 });
}

/** Customers matching a search, for picking one or a batch. */
export function useCustomerSearch(query: { q?: string; tier?: 'A' | 'B' | 'C'; state?: string }, enabled = true) {
  const q = query.q?.trim().toLowerCase();
  return useInfiniteQuery({
    queryKey: ['campaigns', 'customer-search', q ?? '', query.tier ?? '', query.state ?? ''],
    enabled,
    initialPageParam: undefined as string | undefined,
    queryFn: async ({ pageParam, signal }) =>
      unwrap(
        await api.GET('/api/customers', {
          params: {
            query: {
              limit: 20,
              status: 'active',
              ...(q ? { q } : {}),
              ...(query.tier ? { tier: query.tier } : {}),
              ...(query.state ? { state: query.state } : {}),
              ...(pageParam ? { cursor: pageParam } : {}),
            },
          },
          signal,
        }),
      ),
    getNextPageParam: (last) => last.next_cursor ?? undefined,
    staleTime: 30_000,
  });
}
