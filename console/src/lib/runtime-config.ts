/**
 * The console's runtime configuration, read from `/config.json` before the app renders.
 *
 * Local mode (`wecom-crm serve`) answers it itself: `{"auth":"token","apiBase":""}`. In AWS the
 * deploy script writes it next to the built files:
 * `{"auth":"cognito","apiBase":"https://…","cognito":{"domain":"https://…","clientId":"…","region":"…"}}`.
 */
export interface CognitoSettings {
  /** The Hosted UI's base URL, e.g. `https://clinic.auth.ap-east-1.amazoncognito.com`. */
  domain: string;
  clientId: string;
  region: string;
  /** Defaults to `${origin}/login/callback`. */
  redirectUri?: string;
  /** Defaults to `openid email profile`. */
  scope?: string;
}

export type RuntimeConfig =
  | { auth: 'token'; apiBase: string }
  | { auth: 'cognito'; apiBase: string; cognito: CognitoSettings };

const LOCAL_DEFAULT: RuntimeConfig = { auth: 'token', apiBase: '' };

let current: RuntimeConfig = LOCAL_DEFAULT;

/** Parses what `/config.json` holds; anything unusable falls back to the local default. */
export function parseRuntimeConfig(raw: unknown): RuntimeConfig {
  if (typeof raw !== 'object' || raw === null) return LOCAL_DEFAULT;
  const value = raw as Record<string, unknown>;
  const apiBase = typeof value.apiBase === 'string' ? value.apiBase.replace(/\/+$/, '') : '';
  if (value.auth === 'cognito') {
    const c = value.cognito as Record<string, unknown> | undefined;
    if (
      c &&
      typeof c.domain === 'string' &&
      typeof c.clientId === 'string' &&
      typeof c.region === 'string'
    ) {
      return {
        auth: 'cognito',
        apiBase,
        cognito: {
          domain: c.domain.replace(/\/+$/, ''),
          clientId: c.clientId,
          region: c.region,
          redirectUri: typeof c.redirectUri === 'string' ? c.redirectUri : undefined,
          scope: typeof c.scope === 'string' ? c.scope : undefined,
        },
      };
    }
  }
  return { auth: 'token', apiBase };
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
