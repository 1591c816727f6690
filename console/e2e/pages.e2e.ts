/**
 * Every page of the console opens (its h1 shows), logs no browser console error, and has no
 * serious or critical accessibility violation (axe-core) — at 1280 px and on a 768 px tablet.
 * A screenshot of each is saved under e2e/out/screenshots (README shows a few).
 */
import { describe, expect, it } from 'vitest';
import { newTab, screenshot, seriousAccessibilityViolations, signIn } from './lib/browser';
import { useFixture } from './lib/fixture';

const PAGES: { path: string; heading: string; name: string }[] = [
  { path: '/dashboard', heading: '概览', name: 'dashboard' },
  { path: '/dashboard/wework/config', heading: '企业微信配置', name: 'wework-config' },
  { path: '/dashboard/wework/contact-ways', heading: '「联系我」', name: 'contact-ways' },
  { path: '/dashboard/customers', heading: '客户', name: 'customers' },
  { path: '/dashboard/wework/messages', heading: '消息推送', name: 'messages' },
  { path: '/dashboard/wework/messages/new', heading: '新建推送任务', name: 'messages-new' },
  { path: '/dashboard/automations', heading: '自动化', name: 'automations' },
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
