/**
 * OAuth 2.0 authorization code with PKCE (RFC 7636), as Cognito's Hosted UI expects it from a
 * public client (no client secret in a browser).
 */

const VERIFIER_CHARS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~';

/** A code verifier: 64 unreserved characters (RFC 7636 §4.1 allows 43–128). */
export function createVerifier(random: (bytes: Uint8Array) => Uint8Array = (b) => crypto.getRandomValues(b)): string {
  const bytes = random(new Uint8Array(64));
  let out = '';
  for (const byte of bytes) out += VERIFIER_CHARS[byte % VERIFIER_CHARS.length];
  return out;
}

export function base64Url(bytes: ArrayBuffer | Uint8Array): string {
  const view = bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes);
  let binary = '';
  for (const byte of view) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/** `code_challenge` for `code_challenge_method=S256`: BASE64URL(SHA-256(verifier)). */
export async function challengeOf(verifier: string): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier));
  return base64Url(digest);
}
