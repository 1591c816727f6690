/**
 * A stand-in for the staff's OpenID Connect provider (Cognito's Hosted UI, or the clinic's own
 * issuer) on loopback: authorization code with PKCE, refresh, RP-initiated logout. Its sign-in
 * page takes the user as signed in (one link, 授权登录, back to the console) and it hands out `accessToken` (the server's admin token: `serve` checks bearer
 * tokens, API Gateway would check the JWT), and records what the console asked of it.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Provider {
  issuer: string;
  /** The console's `/config.json` for this provider. */
  runtimeConfig: { auth: 'oidc'; apiBase: string; oidc: Record<string, string> };
  /** What reached the token endpoint, in order (`authorization_code` / `refresh_token`). */
  grants: string[];
  /** The query of each logout request. */
  logouts: URLSearchParams[];
  close(): Promise<void>;
}

const CLIENT_ID = 'console';
const ID_TOKEN = 'id-token-of-the-staff-member';

async function form(request: IncomingMessage): Promise<URLSearchParams> {
  let body = '';
  for await (const chunk of request) body += String(chunk);
  return new URLSearchParams(body);
}

const s256 = (verifier: string) => createHash('sha256').update(verifier).digest('base64url');

export async function startProvider(accessToken: string, consoleOrigin: string): Promise<Provider> {
  const pending = new Map<string, { challenge: string; redirectUri: string }>();
  const refreshTokens = new Set<string>();
  const grants: string[] = [];
  const logouts: URLSearchParams[] = [];
  const server = createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://provider');
    const cors = { 'access-control-allow-origin': consoleOrigin };
    const refuse = (error: string) =>
      response.writeHead(400, { ...cors, 'content-type': 'application/json' }).end(JSON.stringify({ error }));
    if (url.pathname === '/oidc/authorize') {
      const q = url.searchParams;
      if (q.get('client_id') !== CLIENT_ID || q.get('response_type') !== 'code' || q.get('code_challenge_method') !== 'S256') {
        response.writeHead(400).end('bad authorization request');
        return;
      }
      const code = randomBytes(12).toString('hex');
      pending.set(code, { challenge: q.get('code_challenge') ?? '', redirectUri: q.get('redirect_uri') ?? '' });
      const back = new URL(q.get('redirect_uri') ?? '');
      back.searchParams.set('code', code);
      back.searchParams.set('state', q.get('state') ?? '');
      // The provider's own sign-in page (the user is taken as signed in): one link back.
      response
        .writeHead(200, { 'content-type': 'text/html; charset=utf-8' })
        .end(`<!doctype html><title>诊所统一登录</title><a href="${back.toString().replaceAll('&', '&amp;')}">授权登录</a>`);
    } else if (url.pathname === '/oidc/token' && request.method === 'POST') {
      void form(request).then((body) => {
        const grant = body.get('grant_type') ?? '';
        grants.push(grant);
        if (body.get('client_id') !== CLIENT_ID) return refuse('invalid_client');
        if (grant === 'authorization_code') {
          const issued = pending.get(body.get('code') ?? '');
          pending.delete(body.get('code') ?? '');
          if (!issued || issued.redirectUri !== body.get('redirect_uri')) return refuse('invalid_grant');
          if (s256(body.get('code_verifier') ?? '') !== issued.challenge) return refuse('invalid_grant');
        } else if (grant !== 'refresh_token' || !refreshTokens.has(body.get('refresh_token') ?? '')) {
          return refuse('invalid_grant');
        }
        const refresh = randomBytes(12).toString('hex');
        refreshTokens.add(refresh);
        response.writeHead(200, { ...cors, 'content-type': 'application/json' }).end(
          JSON.stringify({ access_token: accessToken, id_token: ID_TOKEN, refresh_token: refresh, expires_in: 3600, token_type: 'Bearer' }),
        );
      });
    } else if (url.pathname === '/oidc/logout') {
      logouts.push(url.searchParams);
      response.writeHead(302, { location: url.searchParams.get('post_logout_redirect_uri') ?? '/' }).end();
    } else {
      response.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}/oidc`;
  return {
    issuer,
    runtimeConfig: {
      auth: 'oidc',
      apiBase: '',
      oidc: {
        issuer,
        authorizationEndpoint: `${issuer}/authorize`,
        tokenEndpoint: `${issuer}/token`,
        endSessionEndpoint: `${issuer}/logout`,
        clientId: CLIENT_ID,
      },
    },
    grants,
    logouts,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export { ID_TOKEN };
