import { QueryCache, QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { ConfigProvider, type ThemeConfig } from 'antd';
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
 * A preset-colour tag's text is its palette's shade 7: those are set one shade darker.
 */
const THEME: ThemeConfig = {
  token: {
    colorPrimary: '#0958d9',
    colorLink: '#0958d9',
    colorTextDescription: 'rgba(0, 0, 0, 0.65)',
    colorTextTertiary: 'rgba(0, 0, 0, 0.62)',
    colorSuccessText: '#237804',
    colorWarningText: '#ad6800',
    colorError: '#cf1322',
    colorErrorText: '#a8071a',
    colorInfoText: '#003eb3',
    // Tags in preset colours: light background (shade 1) as designed, text one shade darker.
    red7: '#a8071a',
    volcano7: '#ad2102',
    orange7: '#ad4e00',
    gold7: '#ad6800',
    lime7: '#3f6600',
    green7: '#237804',
    cyan7: '#006d75',
    blue7: '#003eb3',
    geekblue7: '#10239e',
    purple7: '#391085',
    magenta7: '#9e1068',
    borderRadius: 6,
  },
};

/**
 * Locale (zh_CN, Beijing time), theme and the query cache. The message/notification context
 * (antd `App`) lives in the signed-in shell, so the login page does not load it.
 */
export function AppProvider({ children }: { children: ReactNode }) {
  const [queryClient] = useState(createQueryClient);
  return (
    <ConfigProvider
      locale={zhCN}
      theme={THEME}
      // No space inserted between two Chinese characters (「登 录」): names stay as written.
      button={{ autoInsertSpace: false }}
    >
      <QueryClientProvider client={queryClient}>{children}</QueryClientProvider>
    </ConfigProvider>
  );
}
