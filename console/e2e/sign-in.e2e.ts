/**
 * Staff sign in through their OpenID Connect provider (AWS: Cognito's Hosted UI or the clinic's
 * own issuer; here a stand-in on loopback): the code flow with PKCE, back to the page they
 * asked for, a silent renewal before the token expires, and a logout that ends the provider's
 * session too.
 */
import { readFileSync } from 'node:fs';
import type { BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newTab } from './lib/browser';
import { useFixture } from './lib/fixture';
import { ID_TOKEN, startProvider, type Provider } from './lib/oidc-provider';

/** The console's Content-Security-Policy in template.yaml, for a provider at `signIn`. */
function cloudFrontPolicy(signIn: string): string {
  const template = readFileSync(new URL('../../template.yaml', import.meta.url), 'utf8');
  const policy = /ContentSecurityPolicy: !Sub\s*\n\s*- "([^"]+)"/.exec(template)?.[1];
  if (!policy) throw new Error("template.yaml: the console's ContentSecurityPolicy was not found");
  return policy.replaceAll('${SignIn}', signIn);
}

describe('signing in through the OIDC provider', () => {
  const f = useFixture();
  let provider: Provider;

  beforeAll(async () => {
    provider = await startProvider(f.server.token, f.server.base);
  });
  afterAll(async () => {
    await provider?.close();
  });

  /**
   * The console as AWS serves it: the config.json the deploy writes for this provider, and
   * CloudFront's Content-Security-Policy from template.yaml (which must let the console reach
   * the provider's token endpoint) instead of local mode's.
   */
  async function deployedConsole(context: BrowserContext): Promise<void> {
    const policy = cloudFrontPolicy(new URL(provider.issuer).origin);
    // A page the test itself answers counts as public to Chromium, and the stand-in provider
    // listens on loopback (in AWS both are public): allow the console to reach it.
    await context.grantPermissions(['local-network-access'], { origin: f.server.base });
    await context.route(`${f.server.base}/**`, async (route) => {
      if (new URL(route.request().url()).pathname === '/config.json') {
        await route.fulfill({ json: provider.runtimeConfig, headers: { 'cache-control': 'no-store' } });
      } else if (route.request().resourceType() === 'document') {
        const response = await route.fetch();
        await route.fulfill({ response, headers: { ...response.headers(), 'content-security-policy': policy } });
      } else {
        await route.continue();
      }
    });
  }

  it('a staff member signs in, lands on the page they asked for, is renewed silently and logs out everywhere', async () => {
    const { page, context, errors } = await newTab(f.browser);
    await deployedConsole(context);

    await page.goto(`${f.server.base}/dashboard/customers`);
    await page.waitForURL((url) => url.pathname === '/login');
    await page.getByRole('button', { name: '使用员工账号登录' }).click();
    // At the provider's sign-in page, then back through /login/callback, where the console
    // exchanges the code under PKCE.
    await page.getByRole('link', { name: '授权登录' }).click();
    await page.waitForURL((url) => url.pathname === '/dashboard/customers');
    await page.getByRole('heading', { level: 1, name: '客户' }).waitFor();
    expect(provider.grants).toEqual(['authorization_code']);

    // Within a minute of expiry the next API call renews the token with the refresh token first.
    await page.evaluate(() => {
      const key = 'wecom-crm.session';
      const session = JSON.parse(window.localStorage.getItem(key) ?? '{}') as Record<string, unknown>;
      window.localStorage.setItem(key, JSON.stringify({ ...session, expiresAt: Date.now() + 45_000 }));
    });
    await page.goto(`${f.server.base}/dashboard/wework/contact-ways`);
    await page.getByRole('heading', { level: 1, name: '「联系我」' }).waitFor();
    // The session now runs for the provider's hour again. A call the customers page still made
    // may have started a renewal that the navigation cut short (it reached the provider, the
    // answer never reached the page); the session survives that and the next page renews again,
    // so the provider may see a second refresh — never another sign-in.
    await expect
      .poll(() =>
        page.evaluate(() => {
          const raw = window.localStorage.getItem('wecom-crm.session');
          return ((raw ? (JSON.parse(raw) as { expiresAt?: number }) : {}).expiresAt ?? 0) - Date.now();
        }),
      )
      .toBeGreaterThan(30 * 60_000);
    expect(provider.grants[0]).toBe('authorization_code');
    expect(provider.grants.slice(1).length).toBeGreaterThanOrEqual(1);
    expect(provider.grants.slice(1).length).toBeLessThanOrEqual(2);
    expect(provider.grants.slice(1).every((g) => g === 'refresh_token')).toBe(true);
    expect(page.url()).toContain('/dashboard/wework/contact-ways');

    // Logging out ends the provider's session too, and comes back to the login page.
    await page.getByRole('button', { name: '退出登录' }).click();
    await page.waitForURL((url) => url.pathname === '/login');
    const logout = provider.logouts.at(-1);
    expect(logout?.get('client_id')).toBe('console');
    expect(logout?.get('id_token_hint')).toBe(ID_TOKEN);
    expect(logout?.get('post_logout_redirect_uri')).toBe(`${f.server.base}/login`);
    await page.goto(`${f.server.base}/dashboard`);
    await page.waitForURL((url) => url.pathname === '/login');
    expect(errors).toEqual([]);
    await context.close();
  });

  it('a callback whose state the console did not send is refused', async () => {
    const { page, context } = await newTab(f.browser);
    await deployedConsole(context);
    await page.goto(`${f.server.base}/login/callback?code=stolen&state=forged`);
    await page.getByText('登录请求已失效，请重新登录').waitFor();
    await page.getByRole('button', { name: '返回登录' }).click();
    await page.waitForURL((url) => url.pathname === '/login');
    expect(provider.grants.filter((g) => g === 'authorization_code')).toHaveLength(1);
    await context.close();
  });
});
