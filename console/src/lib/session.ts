/**
 * The signed-in session: the bearer token the admin API expects, where it came from and when it
 * expires. Kept in localStorage so a second tab stays signed in; cleared on logout and when the
 * API answers 401 (the console then returns to /login with a message).
 */
export interface Session {
  /** What goes into `Authorization: Bearer …`. */
  token: string;
  /** `oidc`: from the sign-in provider (Cognito or another OIDC issuer). */
  kind: 'token' | 'oidc';
  /** ms since epoch; absent for local tokens (they do not expire, but may be replaced). */
  expiresAt?: number;
  /** OIDC only: to renew the access token without a new sign-in. */
  refreshToken?: string;
  /** OIDC only: the provider's logout (`id_token_hint`). */
  idToken?: string;
}

const KEY = 'wecom-crm.session';

/** Why the user is on the login page (shown there). */
export type SignOutReason = 'expired' | 'logout';

type Listener = (reason: SignOutReason) => void;
const listeners = new Set<Listener>();

export function loadSession(): Session | null {
  try {
    const raw = window.localStorage.getItem(KEY);
    if (!raw) return null;
    const parsed = JSON.parse(raw) as Partial<Session>;
    if (typeof parsed.token !== 'string' || parsed.token.length === 0) return null;
    // Sessions saved before the provider became pluggable say `cognito`.
    if ((parsed.kind as string) === 'cognito') parsed.kind = 'oidc';
    if (parsed.kind !== 'token' && parsed.kind !== 'oidc') return null;
    return parsed as Session;
  } catch {
    return null;
  }
}

/**
 * Why the last session ended in this tab, in sessionStorage: a page loaded afterwards (a reload,
 * an address typed, a request of the previous page that met the 401 first) still says why.
 */
const REASON_KEY = 'wecom-crm.signed-out';

function rememberReason(reason: SignOutReason | null): void {
  try {
    if (reason) window.sessionStorage.setItem(REASON_KEY, reason);
    else window.sessionStorage.removeItem(REASON_KEY);
  } catch {
    // Storage refused (private mode quotas): the login page then shows no reason.
  }
}

export function saveSession(session: Session): void {
  rememberReason(null);
  window.localStorage.setItem(KEY, JSON.stringify(session));
}

/** Why the last session ended in this tab (null when none ended since the last sign-in). */
export function lastSignOutReason(): SignOutReason | null {
  try {
    const reason = window.sessionStorage.getItem(REASON_KEY);
    return reason === 'expired' || reason === 'logout' ? reason : null;
  } catch {
    return null;
  }
}

export function clearSession(reason: SignOutReason): void {
  window.localStorage.removeItem(KEY);
  rememberReason(reason);
  for (const listener of listeners) listener(reason);
}

/** Called when the session ends (expired or logged out), wherever that is noticed. */
export function onSignOut(listener: Listener): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

/** Whether a session is past its expiry (with a margin for clock skew and the request). */
export function isExpired(session: Session, now = Date.now()): boolean {
  return session.expiresAt !== undefined && session.expiresAt - 30_000 <= now;
}
