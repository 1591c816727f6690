import { useInfiniteQuery } from '@tanstack/react-query';
import { api, type Schemas } from '@/lib/api/client';
import { errorMessage } from '@/lib/api/errors';

export type Lead = Schemas['LeadView'];

class Refusal extends Error {
  readonly error: unknown;
  constructor(body: unknown) {
    super(errorMessage(body));
    this.error = (body as { error?: unknown } | null)?.error;
  }
}

/** `GET /api/leads`, newest first, page by page. */
export function useLeads() {
  return useInfiniteQuery({
    queryKey: ['get', '/api/leads'],
    initialPageParam: null as string | null,
    queryFn: async ({ pageParam, signal }) => {
      const { data, error } = await api.GET('/api/leads', {
        params: { query: pageParam ? { limit: 50, cursor: pageParam } : { limit: 50 } },
        signal,
      });
      if (error) throw new Refusal(error);
      return data;
    },
    getNextPageParam: (last) => last.next_cursor ?? null,
  });
}

/** 营销授权 of a lead, as the list shows it. */
export function consentLabel(lead: Lead): string {
  if (!lead.consent) return '未登记';
  const state = lead.consent.granted ? '同意' : '拒绝';
  return lead.consent.how ? `${state}（${lead.consent.how}）` : state;
}
