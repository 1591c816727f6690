/**
 * The admin API client: `openapi-fetch` typed by `schema.d.ts` (generated from
 * `docs/openapi.json` by `npm run api:gen`; `npm run api:check` fails when it drifts), and
 * `$api`, TanStack Query hooks typed by the same document (`openapi-react-query`).
 *
 *   const { data } = $api.useQuery('get', '/api/customers', { params: { query: { tier: 'A' } } });
 *
 * Every request carries the session's bearer token; a 401 ends the session (the console returns
 * to /login and says why).
 */
import createFetchClient, { type Middleware } from 'openapi-fetch';
import createQueryClient from 'openapi-react-query';
import { runtimeConfig } from '@/lib/runtime-config';
import { clearSession, loadSession } from '@/lib/session';
import type { components, paths } from './schema';

export type Schemas = components['schemas'];

/** Renews a session about to expire (Cognito); set by the auth feature at start. */
let renew: (() => Promise<string | null>) | null = null;

export function setSessionRenewal(fn: (() => Promise<string | null>) | null): void {
  renew = fn;
}

const auth: Middleware = {
  async onRequest({ request }) {
    let token = loadSession()?.token;
    if (renew) token = (await renew()) ?? token;
    const base = runtimeConfig().apiBase;
    let next = request;
    if (base) {
      const url = new URL(request.url);
      next = new Request(`${base}${url.pathname}${url.search}`, request);
    }
    // A request that brings its own token (the login page checking one) keeps it.
    if (token && !next.headers.has('Authorization')) next.headers.set('Authorization', `Bearer ${token}`);
    return next;
  },
  onResponse({ request, response }) {
    if (response.status === 401 && loadSession()?.token === bearerOf(request)) {
      clearSession('expired');
    }
    return response;
  },
};

function bearerOf(request: Request): string | undefined {
  return request.headers.get('Authorization')?.replace(/^Bearer /, '');
}

export const api = createFetchClient<paths>({ baseUrl: window.location.origin });
api.use(auth);

export const $api = createQueryClient(api);

/** The same fetch with the session's token, for what is not JSON (images, downloads). */
export async function authedFetch(path: string, init?: RequestInit): Promise<Response> {
  const base = runtimeConfig().apiBase || window.location.origin;
  const headers = new Headers(init?.headers);
  let token = loadSession()?.token;
  if (renew) token = (await renew()) ?? token;
  if (token) headers.set('Authorization', `Bearer ${token}`);
  const response = await fetch(`${base}${path}`, { ...init, headers });
  if (response.status === 401 && loadSession()) clearSession('expired');
  return response;
}
