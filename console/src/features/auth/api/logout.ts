import { runtimeConfig } from '@/lib/runtime-config';
import { clearSession, loadSession } from '@/lib/session';
import { logoutUrl } from './oidc';

/** Ends the session here, and at the sign-in provider when it has a logout. */
export function logout(): void {
  const config = runtimeConfig();
  const idToken = loadSession()?.idToken;
  clearSession('logout');
  if (config.auth !== 'oidc') return;
  const url = logoutUrl(config.oidc, idToken);
  if (url) window.location.assign(url);
}
