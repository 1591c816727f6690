import { LogoutOutlined, UserOutlined } from '@ant-design/icons';
import { Button, Layout, Menu, Space, Spin, type MenuProps } from 'antd';
import { Suspense, useState } from 'react';
import { Link, Outlet, useLocation } from 'react-router';
import { logout } from '@/features/auth/api/logout';
import { $api } from '@/lib/api/client';
import { MENU, selectedMenuKey } from './menu';

const { Header, Sider, Content } = Layout;

/** Ant Design's `lg` breakpoint: below it the menu shows icons only. */
const NARROW = '(max-width: 991.98px)';

function Who() {
  const { data } = $api.useQuery('get', '/api/me', {}, { staleTime: Infinity });
  return (
    <span className="app-user">
      <UserOutlined aria-hidden />
      <span className="app-user-name" title={data?.id}>
        {data?.id ?? '…'}
      </span>
    </span>
  );
}

export function AppLayout() {
  const location = useLocation();
  // Collapsed from the first paint on a tablet, rather than drawn wide and then animated shut.
  const [collapsed, setCollapsed] = useState(() => window.matchMedia(NARROW).matches);
  const items: MenuProps['items'] = MENU.map((item) => ({
    key: item.key,
    icon: item.icon,
    label: <Link to={item.key}>{item.label}</Link>,
  }));

  return (
    <Layout style={{ minHeight: '100vh' }}>
      <Sider
        breakpoint="lg"
        collapsedWidth={64}
        collapsible
        collapsed={collapsed}
        onCollapse={setCollapsed}
        theme="light"
        width={208}
        className="app-sider"
      >
        <div className="app-brand">
          <img src="/favicon.svg" alt="企业微信客户联系 CRM" width={28} height={28} />
          {!collapsed && <span aria-hidden="true">客户联系 CRM</span>}
        </div>
        <nav aria-label="主菜单">
          <Menu mode="inline" selectedKeys={[selectedMenuKey(location.pathname)]} items={items} />
        </nav>
      </Sider>
      <Layout>
        <Header className="app-header">
          <span className="app-clinic">
            深圳妍美医疗美容门诊部
          </span>
          <Space size="middle" className="app-header-actions">
            <Who />
            <Button icon={<LogoutOutlined />} onClick={logout}>
              退出登录
            </Button>
          </Space>
        </Header>
        <Content className="app-content">
          <Suspense fallback={<Spin size="large" className="page-spin" />}>
            <Outlet />
          </Suspense>
        </Content>
      </Layout>
    </Layout>
  );
}
