import { QueryCache, QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { App as AntApp, ConfigProvider, type ThemeConfig } from 'antd';
import zhCN from 'antd/locale/zh_CN';
import { useState, type ReactNode } from 'react';
import '@/lib/format';

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
 * Ant Design's default theme with colours dark enough for WCAG AA text contrast (4.5:1): its
 * primary blue (#1677ff), description grey (45 % black) and preset tag colours are lighter.
 * Preset colours are seeds: a tag's text takes the shade after the seed.
 */
const THEME: ThemeConfig = {
  token: {
    colorPrimary: '#0958d9',
    colorLink: '#0958d9',
    colorTextDescription: 'rgba(0, 0, 0, 0.65)',
    colorTextTertiary: 'rgba(0, 0, 0, 0.62)',
    colorSuccess: '#389e0d',
    colorWarning: '#d48806',
    colorError: '#cf1322',
    green: '#389e0d',
    gold: '#d48806',
    cyan: '#08979c',
    orange: '#d46b08',
    blue: '#0958d9',
    red: '#cf1322',
    volcano: '#d4380d',
    purple: '#531dab',
    magenta: '#c41d7f',
    lime: '#5b8c00',
    geekblue: '#1d39c4',
    borderRadius: 6,
  },
};

/** Locale (zh_CN, Beijing time), theme, message/notification context and the query cache. */
export function AppProvider({ children }: { children: ReactNode }) {
  const [queryClient] = useState(createQueryClient);
  return (
    <ConfigProvider
      locale={zhCN}
      theme={THEME}
    >
      <AntApp>
        <QueryClientProvider client={queryClient}>{children}</QueryClientProvider>
      </AntApp>
    </ConfigProvider>
  );
}
