import { LogoutOutlined, UserOutlined } from '@ant-design/icons';
import { Button, Layout, Menu, Space, Spin, Tag, type MenuProps } from 'antd';
import { lazy, Suspense, useState, type ReactNode } from 'react';
import { Link, Navigate, Outlet, useLocation } from 'react-router';
import { logout } from '@/features/auth/api/logout';
import { ROLE_LABELS, reaches, useAccess, type Access } from '@/lib/access';
import { MENU, selectedMenuKey } from './menu';

const { Header, Sider, Content } = Layout;

/** Out of every page's first load: few ever see it. */
const Forbidden = lazy(() => import('./forbidden'));

/** Ant Design's `lg` breakpoint: below it the menu shows icons only. */
const NARROW = '(max-width: 991.98px)';

function Who({ access }: { access: Access }) {
  return (
    <span className="app-user">
      <UserOutlined aria-hidden />
      <span className="app-user-name">{access.name ?? '…'}</span>
      {access.role && <Tag className="app-user-role">{ROLE_LABELS[access.role]}</Tag>}
    </span>
  );
}

/** The page, or why this role cannot open it (the menu hides it; a typed or old link lands here). */
function Page({ access, pathname }: { access: Access; pathname: string }): ReactNode {
  if (access.loading) return <Spin size="large" className="page-spin" />;
  if (access.role === null) {
    return (
      <Suspense fallback={null}>
        <Forbidden title="账号尚未分配角色" subTitle="请联系管理员为您分配角色（管理员、主管或顾问）后重新登录。" />
      </Suspense>
    );
  }
  const page = MENU.find((item) => item.key === selectedMenuKey(pathname));
  if (page && !reaches(access.role, page.min)) {
    // A consultant's home is their customers.
    if (pathname === '/dashboard' || pathname === '/dashboard/') return <Navigate to="/dashboard/customers" replace />;
    return (
      <Suspense fallback={null}>
        <Forbidden
          title="无权访问此页面"
          subTitle={`「${page.label}」需要${ROLE_LABELS[page.min]}${page.min === 'admin' ? '' : '或以上'}权限，请联系管理员。`}
        />
      </Suspense>
    );
  }
  return <Outlet />;
}

export function AppLayout() {
  const location = useLocation();
  // Collapsed from the first paint on a tablet, rather than drawn wide and then animated shut.
  const [collapsed, setCollapsed] = useState(() => window.matchMedia(NARROW).matches);
  const access = useAccess();
  const items: MenuProps['items'] = MENU.filter((item) => reaches(access.role, item.min)).map((item) => ({
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
            <Who access={access} />
            <Button icon={<LogoutOutlined />} onClick={logout}>
              退出登录
            </Button>
          </Space>
        </Header>
        <Content className="app-content">
          <Suspense fallback={<Spin size="large" className="page-spin" />}>
            <Page access={access} pathname={location.pathname} />
          </Suspense>
        </Content>
      </Layout>
    </Layout>
  );
}
