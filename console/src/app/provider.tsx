import { QueryCache, QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { useState, type ReactNode } from 'react';

function createQueryClient(): QueryClient {
  return new QueryClient({
    queryCache: new QueryCache(),
    defaultOptions: {
      queries: {
        staleTime: 15_000,
        refetchOnWindowFocus: false,
        // The API answers 4xx for what retrying cannot fix; only network failures are retried.
        retry: (count, error) => error instanceof TypeError && count < 2,
      },
      mutations: { retry: false },
    },
  });
}

/**
 * The query cache, for every page. Ant Design's locale and theme are in `AntdProvider`, which
 * only the pages built with it load.
 */
export function AppProvider({ children }: { children: ReactNode }) {
  const [queryClient] = useState(createQueryClient);
  return <QueryClientProvider client={queryClient}>{children}</QueryClientProvider>;
}
