import { afterEach, describe, expect, it, vi } from 'vitest';
import { loadSession, saveSession } from '@/lib/session';
import type { OidcSettings } from '@/lib/runtime-config';
import { renewIfNeeded } from './oidc';

const settings: OidcSettings = {
  authorizationEndpoint: 'https://idp.example/authorize',
  tokenEndpoint: 'https://idp.example/token',
  clientId: 'console',
};

/** A session whose token expires in 45 s: the next call renews it first. */
function expiringSoon() {
  saveSession({ token: 'old', kind: 'oidc', expiresAt: Date.now() + 45_000, refreshToken: 'r1' });
}

describe('renewing the session before it expires', () => {
  afterEach(() => {
    vi.unstubAllGlobals();
    window.localStorage.clear();
  });

  it('keeps the new token and refresh token the provider answers', async () => {
    expiringSoon();
    vi.stubGlobal(
      'fetch',
      vi.fn(() => Promise.resolve(Response.json({ access_token: 'new', refresh_token: 'r2', expires_in: 3600, token_type: 'Bearer' }))),
    );
    expect(await renewIfNeeded(settings)).toBe('new');
    expect(loadSession()).toMatchObject({ token: 'new', refreshToken: 'r2' });
  });

  it('ends the session when the provider refuses the refresh token', async () => {
    expiringSoon();
    vi.stubGlobal('fetch', vi.fn(() => Promise.resolve(Response.json({ error: 'invalid_grant' }, { status: 400 }))));
    expect(await renewIfNeeded(settings)).toBeNull();
    expect(loadSession()).toBeNull();
  });

  it('keeps the still-valid session when the renewal does not get through (network, page left mid-request)', async () => {
    expiringSoon();
    vi.stubGlobal(
      'fetch',
      vi.fn(() => Promise.reject(new DOMException('The user aborted a request.', 'AbortError'))),
    );
    expect(await renewIfNeeded(settings)).toBe('old');
    expect(loadSession()).toMatchObject({ token: 'old', refreshToken: 'r1' });
  });
});
