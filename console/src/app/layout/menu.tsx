import {
  ApiOutlined,
  DashboardOutlined,
  QrcodeOutlined,
  SendOutlined,
  SettingOutlined,
  TeamOutlined,
  ThunderboltOutlined,
} from '@ant-design/icons';
import type { ReactNode } from 'react';

/** The menu, in the order of a clinic's day. Keys are the routes. */
export const MENU: { key: string; icon: ReactNode; label: string }[] = [
  { key: '/dashboard', icon: <DashboardOutlined />, label: '概览' },
  { key: '/dashboard/customers', icon: <TeamOutlined />, label: '客户' },
  { key: '/dashboard/wework/contact-ways', icon: <QrcodeOutlined />, label: '「联系我」' },
  { key: '/dashboard/wework/messages', icon: <SendOutlined />, label: '消息推送' },
  { key: '/dashboard/automations', icon: <ThunderboltOutlined />, label: '自动化' },
  { key: '/dashboard/wework/config', icon: <SettingOutlined />, label: '企业微信配置' },
  { key: '/dashboard/ops', icon: <ApiOutlined />, label: '运维' },
];

/** The longest menu route that the current path starts with. */
export function selectedMenuKey(pathname: string): string {
  const matches = MENU.filter((item) => pathname === item.key || pathname.startsWith(`${item.key}/`));
  return matches.sort((a, b) => b.key.length - a.key.length)[0]?.key ?? '/dashboard';
}

