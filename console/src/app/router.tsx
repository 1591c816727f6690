import { createBrowserRouter, Navigate, type RouteObject } from 'react-router';
import { RouteError } from './route-error';

/**
 * The console's routes: the specification's (/dashboard/wework/config, /dashboard/wework/contact-ways,
 * /dashboard/customers, /dashboard/wework/messages) plus what daily work needs. Every page is its
 * own chunk (`lazy`), so /login does not load the charts.
 */
export const routes: RouteObject[] = [
  { path: '/login', lazy: () => import('./routes/login'), errorElement: <RouteError /> },
  { path: '/login/callback', lazy: () => import('./routes/login-callback'), errorElement: <RouteError /> },
  { path: '/', element: <Navigate to="/dashboard" replace /> },
  {
    path: '/dashboard',
    lazy: () => import('./routes/app-shell'),
    errorElement: <RouteError />,
    children: [
      { index: true, lazy: () => import('./routes/overview') },
      { path: 'customers', lazy: () => import('./routes/customers') },
      { path: 'performance', lazy: () => import('./routes/performance') },
      { path: 'leads', lazy: () => import('./routes/leads') },
      { path: 'appointments', lazy: () => import('./routes/appointments') },
      { path: 'wework/config', lazy: () => import('./routes/wework-config') },
      { path: 'wework/contact-ways', lazy: () => import('./routes/contact-ways') },
      { path: 'wework/messages', lazy: () => import('./routes/campaigns') },
      { path: 'wework/messages/new', lazy: () => import('./routes/campaign-new') },
      { path: 'wework/messages/:id', lazy: () => import('./routes/campaign-detail') },
      { path: 'automations', lazy: () => import('./routes/automations') },
      { path: 'handover', lazy: () => import('./routes/handover') },
      { path: 'ops', lazy: () => import('./routes/ops') },
      { path: '*', lazy: () => import('./routes/not-found') },
    ],
  },
  { path: '*', lazy: () => import('./routes/not-found') },
];

export function createRouter() {
  return createBrowserRouter(routes);
}
