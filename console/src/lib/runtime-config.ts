/**
 * The console's runtime configuration, read from `/config.json` before the app renders.
 *
 * Local mode (`wecom-crm serve`) answers it itself: `{"auth":"token","apiBase":""}`. In AWS the
 * deploy script (scripts/runtime-config.mjs) writes it next to the built files, for the staff
 * sign-in provider the stack uses:
 * - Cognito: `{"auth":"cognito","apiBase":"","cognito":{"domain":"https://…","clientId":"…","region":"…"}}`;
 * - any OpenID Connect provider: `{"auth":"oidc","apiBase":"","oidc":{"issuer":"https://…",
 *   "authorizationEndpoint":"…","tokenEndpoint":"…","endSessionEndpoint":"…","clientId":"…"}}`
 *   (the endpoints from the issuer's discovery document).
 * Both become one {@link OidcSettings}: Cognito's Hosted UI is an OIDC provider with its own
 * logout URL.
 */
export interface OidcSettings {
  authorizationEndpoint: string;
  tokenEndpoint: string;
  /** Where to end the provider's session on logout; absent: only the console's session ends. */
  logout?: { url: string; style: 'cognito' | 'oidc' };
  clientId: string;
  /** Defaults to `${origin}/login/callback`. */
  redirectUri?: string;
  /** Defaults to `openid email profile`. */
  scope?: string;
  /**
   * Which token the API gets (default `access_token`). Cognito: `id_token`, which carries the
   * role (`cognito:groups`) and the consultant's `custom:wecom_userid`.
   */
  bearer?: 'id_token' | 'access_token';
}

export type RuntimeConfig = { auth: 'token'; apiBase: string } | { auth: 'oidc'; apiBase: string; oidc: OidcSettings };

const LOCAL_DEFAULT: RuntimeConfig = { auth: 'token', apiBase: '' };

let current: RuntimeConfig = LOCAL_DEFAULT;

const text = (value: unknown): string | undefined =>
  typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined;
const origin = (value: string): string => value.replace(/\/+$/, '');

function cognitoSettings(raw: Record<string, unknown>): OidcSettings | null {
  const domain = text(raw.domain);
  const clientId = text(raw.clientId);
  if (!domain || !clientId || !text(raw.region)) return null;
  const base = origin(domain);
  return {
    authorizationEndpoint: `${base}/oauth2/authorize`,
    tokenEndpoint: `${base}/oauth2/token`,
    logout: { url: `${base}/logout`, style: 'cognito' },
    clientId,
    redirectUri: text(raw.redirectUri),
    scope: text(raw.scope),
    bearer: 'id_token',
  };
}

function oidcSettings(raw: Record<string, unknown>): OidcSettings | null {
  const authorizationEndpoint = text(raw.authorizationEndpoint);
  const tokenEndpoint = text(raw.tokenEndpoint);
  const clientId = text(raw.clientId);
  if (!authorizationEndpoint || !tokenEndpoint || !clientId) return null;
  const endSession = text(raw.endSessionEndpoint);
  return {
    authorizationEndpoint,
    tokenEndpoint,
    logout: endSession ? { url: endSession, style: 'oidc' } : undefined,
    clientId,
    redirectUri: text(raw.redirectUri),
    scope: text(raw.scope),
    bearer: raw.bearer === 'id_token' ? 'id_token' : 'access_token',
  };
}

/** Parses what `/config.json` holds; anything unusable falls back to the local default. */
export function parseRuntimeConfig(raw: unknown): RuntimeConfig {
  if (typeof raw !== 'object' || raw === null) return LOCAL_DEFAULT;
  const value = raw as Record<string, unknown>;
  const apiBase = typeof value.apiBase === 'string' ? origin(value.apiBase) : '';
  const section = (name: string): Record<string, unknown> | null =>
    typeof value[name] === 'object' && value[name] !== null ? (value[name] as Record<string, unknown>) : null;
  const cognito = value.auth === 'cognito' ? section('cognito') : null;
  const oidc = value.auth === 'oidc' ? section('oidc') : null;
  const settings = cognito ? cognitoSettings(cognito) : oidc ? oidcSettings(oidc) : null;
  return settings ? { auth: 'oidc', apiBase, oidc: settings } : { auth: 'token', apiBase };
}

export async function loadRuntimeConfig(): Promise<RuntimeConfig> {
  try {
    const response = await fetch('/config.json', { cache: 'no-store' });
    current = response.ok ? parseRuntimeConfig(await response.json()) : LOCAL_DEFAULT;
  } catch {
    current = LOCAL_DEFAULT;
  }
  return current;
}

export function runtimeConfig(): RuntimeConfig {
  return current;
}

/** For tests. */
export function setRuntimeConfig(config: RuntimeConfig): void {
  current = config;
}
