import { useQueryClient } from '@tanstack/react-query';
import { $api, type Schemas } from '@/lib/api/client';

export type ConfigView = Schemas['ConfigView'];
export type ConfigUpdate = Schemas['ConfigUpdate'];
export type ChannelView = Schemas['ChannelView'];

export function useConfig() {
  return $api.useQuery('get', '/api/config');
}

/** Saves part of the configuration (absent fields stay; a blank secret keeps the stored one). */
export function useSaveConfig() {
  const queryClient = useQueryClient();
  return $api.useMutation('put', '/api/config', {
    onSuccess: (data) => {
      queryClient.setQueryData(['get', '/api/config', {}], data);
      void queryClient.invalidateQueries({ queryKey: ['get', '/api/config'] });
    },
  });
}

export function useTestConnection() {
  return $api.useMutation('post', '/api/config/test');
}
