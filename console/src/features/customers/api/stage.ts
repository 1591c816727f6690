import { useQueryClient } from '@tanstack/react-query';
import { $api } from '@/lib/api/client';

/** Staff set a customer's lead stage (PUT /api/customers/{id}/stage); the drawer and lists refetch. */
export function useSetStage(externalUserid: string) {
  const queryClient = useQueryClient();
  return $api.useMutation('put', '/api/customers/{external_userid}/stage', {
    onSuccess: () => {
      void queryClient.invalidateQueries({
        queryKey: ['get', '/api/customers/{external_userid}', { params: { path: { external_userid: externalUserid } } }],
      });
      // The list's own query key (`customers.ts`).
      void queryClient.invalidateQueries({ queryKey: ['customers', 'list'] });
    },
  });
}
