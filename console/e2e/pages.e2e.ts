/**
 * Every page of the console opens (its h1 shows), logs no browser console error, and has no
 * serious or critical accessibility violation (axe-core) — at 1280 px and on a 768 px tablet.
 * A screenshot of each is saved under e2e/out/screenshots (README shows a few).
 */
import { describe, expect, inject, it } from 'vitest';
import { newTab, screenshot, seriousAccessibilityViolations, signIn } from './lib/browser';
import { gzipBytesLoaded } from './lib/bytes';
import { useFixture } from './lib/fixture';

/** The budgets (gzip, cold cache): the first page anyone opens, and the dashboard with its charts. */
const LOGIN_BUDGET = 200 * 1024;
const DASHBOARD_BUDGET = 450 * 1024;

const PAGES: { path: string; heading: string; name: string }[] = [
  { path: '/dashboard', heading: '概览', name: 'dashboard' },
  { path: '/dashboard/wework/config', heading: '企业微信配置', name: 'wework-config' },
  { path: '/dashboard/wework/contact-ways', heading: '「联系我」', name: 'contact-ways' },
  { path: '/dashboard/customers', heading: '客户', name: 'customers' },
  { path: '/dashboard/leads', heading: '线索', name: 'leads' },
  { path: '/dashboard/appointments', heading: '预约', name: 'appointments' },
  { path: '/dashboard/wework/messages', heading: '消息推送', name: 'messages' },
  { path: '/dashboard/wework/messages/new', heading: '新建推送任务', name: 'messages-new' },
  { path: '/dashboard/automations', heading: '自动化', name: 'automations' },
  { path: '/dashboard/performance', heading: '员工绩效', name: 'performance' },
  { path: '/dashboard/handover', heading: '客户继承', name: 'handover' },
  { path: '/dashboard/ops', heading: '运维', name: 'ops' },
];

describe('every page', () => {
  const f = useFixture();

  it('the login page is accessible and says how to sign in', async () => {
    const { page, errors, context } = await newTab(f.browser);
    await page.goto(`${f.server.base}/login`);
    await page.getByRole('button', { name: '登录' }).waitFor();
    expect(await page.getByText('登录链接').count()).toBeGreaterThan(0);
    expect(await seriousAccessibilityViolations(page)).toEqual([]);
    await screenshot(page, 'login');
    expect(errors).toEqual([]);
    await context.close();
  });

  for (const viewport of [
    { width: 1280, height: 800, suffix: '' },
    { width: 768, height: 1024, suffix: '-tablet' },
  ]) {
    it(`opens at ${viewport.width} px with no console error and no serious accessibility violation`, async () => {
      const { page, errors, context } = await newTab(f.browser, viewport);
      await signIn(page, f.server.base, f.server.token);
      for (const target of PAGES) {
        await page.goto(`${f.server.base}${target.path}`);
        await page.getByRole('heading', { level: 1, name: target.heading }).waitFor({ timeout: 15_000 });
        await page.waitForLoadState('networkidle');
        const violations = await seriousAccessibilityViolations(page);
        expect(violations, `${target.path}: ${JSON.stringify(violations, null, 1)}`).toEqual([]);
        await screenshot(page, `${target.name}${viewport.suffix}`);
      }
      expect(errors).toEqual([]);
      await context.close();
    });
  }

  it('a pasted token signs in; an empty or wrong one is refused with the reason', async () => {
    const { page, errors, context } = await newTab(f.browser);
    await page.goto(`${f.server.base}/login`);
    const token = page.getByLabel('访问令牌');
    await page.getByRole('button', { name: '登录' }).click();
    await page.getByText('请输入访问令牌').waitFor();
    expect(await token.getAttribute('aria-invalid')).toBe('true');

    await token.fill('not-the-token');
    expect(await page.getByText('请输入访问令牌').count()).toBe(0);
    await page.getByRole('button', { name: '登录' }).click();
    await page.getByRole('alert').filter({ hasText: '令牌无效' }).waitFor();
    expect(page.url()).toContain('/login');

    await token.fill(f.server.token);
    await page.getByRole('button', { name: '显示' }).click();
    expect(await token.getAttribute('type')).toBe('text');
    await page.getByRole('button', { name: '登录' }).click();
    await page.waitForURL((url) => url.pathname === '/dashboard');
    await page.getByRole('heading', { level: 1, name: '概览' }).waitFor();
    // The refused attempt answered 401; the browser logs that as a failed resource, nothing else.
    expect(errors.filter((e) => !e.includes('401'))).toEqual([]);
    await context.close();
  });

  it('the login page and the dashboard with its charts stay within their byte budgets', async () => {
    const dist = inject('consoleDist');
    const login = await gzipBytesLoaded(f.browser, f.server, dist, '/login', false);
    const dashboard = await gzipBytesLoaded(f.browser, f.server, dist, '/dashboard', true);
    expect(login, `/login loads ${(login / 1024).toFixed(1)} KB`).toBeLessThanOrEqual(LOGIN_BUDGET);
    expect(dashboard, `/dashboard loads ${(dashboard / 1024).toFixed(1)} KB`).toBeLessThanOrEqual(DASHBOARD_BUDGET);
  });

  it('an unknown address says the page does not exist', async () => {
    const { page, context } = await newTab(f.browser);
    await signIn(page, f.server.base, f.server.token);
    await page.goto(`${f.server.base}/dashboard/nope`);
    await page.getByText('页面不存在', { exact: true }).waitFor();
    await context.close();
  });

  it('a token the server no longer accepts returns to the login page with a message', async () => {
    const { page, context } = await newTab(f.browser);
    await signIn(page, f.server.base, f.server.token);
    await page.evaluate(() => {
      const key = 'wecom-crm.session';
      const session = JSON.parse(window.localStorage.getItem(key) ?? '{}') as Record<string, unknown>;
      window.localStorage.setItem(key, JSON.stringify({ ...session, token: 'revoked-token' }));
    });
    await page.goto(`${f.server.base}/dashboard/customers`);
    await page.waitForURL((url) => url.pathname === '/login');
    await page.getByText('登录已过期或令牌已失效').waitFor();
    await context.close();
  });

  it('logging out ends the session', async () => {
    const { page, context } = await newTab(f.browser);
    await signIn(page, f.server.base, f.server.token);
    await page.getByRole('button', { name: '退出登录' }).click();
    await page.getByText('已退出登录').waitFor();
    await page.goto(`${f.server.base}/dashboard`);
    await page.waitForURL((url) => url.pathname === '/login');
    await context.close();
  });
});
