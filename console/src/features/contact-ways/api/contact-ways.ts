import { useInfiniteQuery, useQueryClient } from '@tanstack/react-query';
import { $api, api, type Schemas } from '@/lib/api/client';

export type ContactWayView = Schemas['ContactWayView'];
export type ContactWayDetail = Schemas['ContactWayDetail'];
export type NewContactWay = Schemas['NewContactWay'];
export type ContactWayPatch = Schemas['ContactWayPatch'];
export type Conclusions = Schemas['Conclusions'];
export type ChannelView = Schemas['ChannelView'];

export interface ContactWayFilter {
  state?: string;
  includeDeleted?: boolean;
}

const PAGE = 20;

/** The stored 「联系我」, newest first, a page at a time (`next_cursor`). */
export function useContactWays(filter: ContactWayFilter) {
  const query = {
    limit: PAGE,
    state: filter.state || undefined,
    include_deleted: filter.includeDeleted || undefined,
  };
  return useInfiniteQuery({
    queryKey: ['get', '/api/contact-ways', { params: { query } }, 'pages'],
    initialPageParam: undefined as string | undefined,
    queryFn: async ({ pageParam, signal }) => {
      const { data, error } = await api.GET('/api/contact-ways', {
        params: { query: { ...query, cursor: pageParam } },
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

function useInvalidateWays() {
  const queryClient = useQueryClient();
  return () => {
    void queryClient.invalidateQueries({ queryKey: ['get', '/api/contact-ways'] });
    void queryClient.invalidateQueries({ queryKey: ['get', '/api/contact-ways/{config_id}'] });
  };
}

export function useCreateContactWay() {
  const invalidate = useInvalidateWays();
  return $api.useMutation('post', '/api/contact-ways', { onSuccess: invalidate });
}

export function useUpdateContactWay() {
  const invalidate = useInvalidateWays();
  return $api.useMutation('patch', '/api/contact-ways/{config_id}', { onSuccess: invalidate });
}

export function useDeleteContactWay() {
  const invalidate = useInvalidateWays();
  return $api.useMutation('delete', '/api/contact-ways/{config_id}', { onSuccess: invalidate });
}

/** The configured channels (`state` → name), to pick a 「联系我」's channel. */
export function useChannels() {
  return $api.useQuery('get', '/api/config', {}, { select: (config) => config.channels });
}

export function qrPath(configId: string, download = false): string {
  return `/api/contact-ways/${encodeURIComponent(configId)}/qrcode${download ? '?download=true' : ''}`;
}
