import {
  ApiOutlined,
  BarChartOutlined,
  CalendarOutlined,
  DashboardOutlined,
  QrcodeOutlined,
  SendOutlined,
  SettingOutlined,
  SwapOutlined,
  TeamOutlined,
  ThunderboltOutlined,
  UserAddOutlined,
} from '@ant-design/icons';
import type { ReactNode } from 'react';
import type { Role } from '@/lib/access';

/**
 * The menu, in the order of a clinic's day. Keys are the routes; `min` is the least role that
 * may open the page (the admin API's own table decides; this only hides what would be refused).
 */
export const MENU: { key: string; icon: ReactNode; label: string; min: Role }[] = [
  { key: '/dashboard', icon: <DashboardOutlined />, label: '概览', min: 'manager' },
  { key: '/dashboard/customers', icon: <TeamOutlined />, label: '客户', min: 'consultant' },
  { key: '/dashboard/leads', icon: <UserAddOutlined />, label: '线索', min: 'manager' },
  { key: '/dashboard/appointments', icon: <CalendarOutlined />, label: '预约', min: 'consultant' },
  { key: '/dashboard/wework/contact-ways', icon: <QrcodeOutlined />, label: '「联系我」', min: 'consultant' },
  { key: '/dashboard/wework/messages', icon: <SendOutlined />, label: '消息推送', min: 'manager' },
  { key: '/dashboard/performance', icon: <BarChartOutlined />, label: '员工绩效', min: 'manager' },
  { key: '/dashboard/automations', icon: <ThunderboltOutlined />, label: '自动化', min: 'manager' },
  { key: '/dashboard/handover', icon: <SwapOutlined />, label: '客户继承', min: 'manager' },
  { key: '/dashboard/wework/config', icon: <SettingOutlined />, label: '企业微信配置', min: 'admin' },
  { key: '/dashboard/ops', icon: <ApiOutlined />, label: '运维', min: 'admin' },
];

/** The longest menu route that the current path starts with. */
export function selectedMenuKey(pathname: string): string {
  const matches = MENU.filter((item) => pathname === item.key || pathname.startsWith(`${item.key}/`));
  return matches.sort((a, b) => b.key.length - a.key.length)[0]?.key ?? '/dashboard';
}

