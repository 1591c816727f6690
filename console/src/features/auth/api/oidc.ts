/**
 * Signing in through the staff's OpenID Connect provider (AWS deployments: Cognito's Hosted UI,
 * or the provider the stack names): authorization code + PKCE (a public client, no secret in a
 * browser), the token exchange, renewal with the refresh token, and the provider's logout.
 */
import type { OidcSettings } from '@/lib/runtime-config';
import { clearSession, loadSession, saveSession, type Session } from '@/lib/session';
import { challengeOf, createVerifier } from './pkce';

const PENDING_KEY = 'wecom-crm.pkce';

interface Pending {
  verifier: string;
  state: string;
  returnTo: string;
}

export function redirectUri(settings: OidcSettings): string {
  return settings.redirectUri ?? `${window.location.origin}/login/callback`;
}

/** The Hosted UI URL to send the browser to (and remembers the verifier for the callback). */
export async function authorizeUrl(settings: OidcSettings, returnTo: string): Promise<string> {
  const verifier = createVerifier();
  const state = createVerifier().slice(0, 32);
  const pending: Pending = { verifier, state, returnTo };
  window.sessionStorage.setItem(PENDING_KEY, JSON.stringify(pending));
  const params = new URLSearchParams({
    response_type: 'code',
    client_id: settings.clientId,
    redirect_uri: redirectUri(settings),
    scope: settings.scope ?? 'openid email profile',
    state,
    code_challenge_method: 'S256',
    code_challenge: await challengeOf(verifier),
  });
  return `${settings.authorizationEndpoint}?${params.toString()}`;
}

interface TokenAnswer {
  access_token: string;
  id_token?: string;
  refresh_token?: string;
  expires_in: number;
}

async function tokenRequest(settings: OidcSettings, body: URLSearchParams): Promise<TokenAnswer> {
  const response = await fetch(settings.tokenEndpoint, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body,
  });
  if (!response.ok) throw new RefusedByProvider('登录凭证无效或已过期，请重新登录');
  return (await response.json()) as TokenAnswer;
}

/** The provider answered and refused (not a network failure or an aborted request). */
class RefusedByProvider extends Error {}

/**
 * The bearer the API gets: the ID token where the settings say so (Cognito: it carries the
 * staff member's groups — their role — and `custom:wecom_userid`, which its access token lacks),
 * else the access token.
 */
function bearerOf(settings: OidcSettings, answer: TokenAnswer): string {
  return settings.bearer === 'id_token' && answer.id_token ? answer.id_token : answer.access_token;
}

function sessionOf(settings: OidcSettings, answer: TokenAnswer, previous?: Session): Session {
  return {
    token: bearerOf(settings, answer),
    kind: 'oidc',
    expiresAt: Date.now() + answer.expires_in * 1000,
    refreshToken: answer.refresh_token ?? previous?.refreshToken,
    idToken: answer.id_token ?? previous?.idToken,
  };
}

/** Finishes the sign-in on `/login/callback`: checks `state`, exchanges the code. */
export async function completeSignIn(settings: OidcSettings, search: string): Promise<string> {
  const params = new URLSearchParams(search);
  const raw = window.sessionStorage.getItem(PENDING_KEY);
  window.sessionStorage.removeItem(PENDING_KEY);
  const pending = raw ? (JSON.parse(raw) as Pending) : null;
  const error = params.get('error_description') ?? params.get('error');
  if (error) throw new Error(`登录未完成：${error}`);
  const code = params.get('code');
  if (!pending || !code || params.get('state') !== pending.state) {
    throw new Error('登录请求已失效，请重新登录');
  }
  const answer = await tokenRequest(
    settings,
    new URLSearchParams({
      grant_type: 'authorization_code',
      client_id: settings.clientId,
      code,
      redirect_uri: redirectUri(settings),
      code_verifier: pending.verifier,
    }),
  );
  saveSession(sessionOf(settings, answer));
  return pending.returnTo;
}

let renewing: Promise<string | null> | null = null;

/** The access token, renewed first when it expires within a minute (one renewal at a time). */
export function renewIfNeeded(settings: OidcSettings): Promise<string | null> {
  const session = loadSession();
  if (!session || session.kind !== 'oidc' || !session.expiresAt) return Promise.resolve(null);
  if (session.expiresAt - 60_000 > Date.now()) return Promise.resolve(session.token);
  if (!session.refreshToken) {
    clearSession('expired');
    return Promise.resolve(null);
  }
  renewing ??= tokenRequest(
    settings,
    new URLSearchParams({
      grant_type: 'refresh_token',
      client_id: settings.clientId,
      refresh_token: session.refreshToken,
    }),
  )
    .then((answer) => {
      const next = sessionOf(settings, answer, session);
      saveSession(next);
      return next.token;
    })
    .catch((e: unknown) => {
      // Only the provider's refusal ends the session. A renewal that did not get through (the
      // network, or the page navigating away mid-request) keeps it: the token still works until
      // it expires, and the next call renews again. Clearing it there signed staff out.
      if (e instanceof RefusedByProvider || (session.expiresAt ?? 0) <= Date.now()) {
        clearSession('expired');
        return null;
      }
      return session.token;
    })
    .finally(() => {
      renewing = null;
    });
  return renewing;
}

/**
 * Where to send the browser after the local session is cleared, to end the provider's session
 * too (Cognito's own logout, or OIDC RP-initiated logout); `null` when the provider has none.
 */
export function logoutUrl(settings: OidcSettings, idToken?: string): string | null {
  if (!settings.logout) return null;
  const back = `${window.location.origin}/login`;
  const params =
    settings.logout.style === 'cognito'
      ? new URLSearchParams({ client_id: settings.clientId, logout_uri: back })
      : new URLSearchParams({
          client_id: settings.clientId,
          post_logout_redirect_uri: back,
          ...(idToken ? { id_token_hint: idToken } : {}),
        });
  return `${settings.logout.url}?${params.toString()}`;
}
