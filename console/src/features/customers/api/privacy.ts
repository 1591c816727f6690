import { useMutation, useQueryClient } from '@tanstack/react-query';
import { api, authedFetch, type Schemas } from '@/lib/api/client';
import { errorMessage } from '@/lib/api/errors';

export type EraseReport = Schemas['EraseReport'];

/** The API's refusal as an Error that keeps the body's `error` (for `errorMessage`). */
class Refusal extends Error {
  readonly error: unknown;
  constructor(body: unknown) {
    super(errorMessage(body));
    this.error = (body as { error?: unknown } | null)?.error;
  }
}

/** The file name the API proposes in `Content-Disposition`, else one of our own. */
export function fileNameOf(disposition: string | null, externalUserid: string): string {
  const match = disposition?.match(/filename="([^"]+)"/);
  return match?.[1] ?? `customer-${externalUserid}.json`;
}

/** 导出个人信息: `GET /api/customers/{id}/export`, saved as a JSON file. */
export function useExportCustomer(externalUserid: string) {
  return useMutation({
    mutationFn: async () => {
      const response = await authedFetch(`/api/customers/${encodeURIComponent(externalUserid)}/export`);
      if (!response.ok) {
        const body: unknown = await response.json().catch(() => null);
        throw new Refusal(body);
      }
      const blob = await response.blob();
      const url = URL.createObjectURL(blob);
      const link = document.createElement('a');
      link.href = url;
      link.download = fileNameOf(response.headers.get('content-disposition'), externalUserid);
      document.body.appendChild(link);
      link.click();
      link.remove();
      URL.revokeObjectURL(url);
    },
  });
}

/** 删除个人信息: `POST /api/customers/{id}/erase`; every customer query refetches after it. */
export function useEraseCustomer(externalUserid: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: async (reason: string) => {
      const { data, error } = await api.POST('/api/customers/{external_userid}/erase', {
        params: { path: { external_userid: externalUserid } },
        body: { reason },
      });
      if (error) throw new Refusal(error);
      return data;
    },
    onSuccess: () => {
      // Only the lists: the customer's own queries (detail, records, consents, messages) stay
      // as they are while the drawer closes (a refetch would only answer 404 now).
      void queryClient.invalidateQueries({ queryKey: ['customers', 'list'] });
      void queryClient.invalidateQueries({ queryKey: ['get', '/api/customers'] });
    },
  });
}
