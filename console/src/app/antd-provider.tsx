import { App as AntApp, ConfigProvider, type ThemeConfig } from 'antd';
import zhCN from 'antd/locale/zh_CN';
import type { ReactNode } from 'react';
import '@/lib/format';

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
 * Ant Design's locale (zh_CN; dayjs in zh-cn and Beijing time through `@/lib/format`), the
 * theme and the message/notification context (antd `App`). Only the pages that use Ant Design
 * are wrapped in it — the signed-in shell and the not-found page — so the login page loads none
 * of Ant Design.
 */
export function AntdProvider({ children }: { children: ReactNode }) {
  return (
    <ConfigProvider
      locale={zhCN}
      theme={THEME}
      // No space inserted between two Chinese characters (「登 录」): names stay as written.
      button={{ autoInsertSpace: false }}
    >
      <AntApp>{children}</AntApp>
    </ConfigProvider>
  );
}
