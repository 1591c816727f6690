import { useQueryClient } from '@tanstack/react-query';
import { $api, type Schemas } from '@/lib/api/client';

export type DeadLetter = Schemas['DeadLetterView'];

/** Every queue's failed messages (the API lists up to 100 per queue). */
export function useDeadLetters() {
  return $api.useQuery('get', '/api/dead-letters');
}

export function useReplayDeadLetter() {
  const queryClient = useQueryClient();
  return $api.useMutation('post', '/api/dead-letters/{id}/replay', {
    onSuccess: () => {
      void queryClient.invalidateQueries({ queryKey: ['get', '/api/dead-letters'] });
      void queryClient.invalidateQueries({ queryKey: ['ops', 'audit'] });
    },
  });
}
