import { runtimeConfig } from '@/lib/runtime-config';
import { clearSession } from '@/lib/session';
import { logoutUrl } from './cognito';

/** Ends the session here, and at Cognito's Hosted UI in AWS. */
export function logout(): void {
  const config = runtimeConfig();
  clearSession('logout');
  if (config.auth === 'cognito') window.location.assign(logoutUrl(config.cognito));
}
