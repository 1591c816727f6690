import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { parseRuntimeConfig } from './runtime-config';

const run = promisify(execFile);
const outFile = () => join(mkdtempSync(join(tmpdir(), 'runtime-config-')), 'config.json');

/** A provider's discovery document on loopback. */
async function discovery(document: (issuer: string) => object): Promise<{ issuer: string; server: Server }> {
  const server = createServer((request, response) => {
    const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}/oidc`;
    if (request.url === '/oidc/.well-known/openid-configuration') {
      response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(document(issuer)));
    } else {
      response.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { issuer: `http://127.0.0.1:${(server.address() as AddressInfo).port}/oidc`, server };
}

let servers: Server[] = [];
afterEach(() => {
  for (const server of servers) server.close();
  servers = [];
});

describe('runtime configuration', () => {
  it('defaults to the local token sign-in on the same origin', () => {
    expect(parseRuntimeConfig(null)).toEqual({ auth: 'token', apiBase: '' });
    expect(parseRuntimeConfig({ auth: 'token', apiBase: '' })).toEqual({ auth: 'token', apiBase: '' });
  });

  it('falls back to the token sign-in when the provider settings are incomplete', () => {
    for (const raw of [
      { auth: 'cognito', apiBase: 'https://api.example', cognito: { domain: 'x' } },
      { auth: 'oidc', apiBase: 'https://api.example', oidc: { clientId: 'c', tokenEndpoint: 'https://t' } },
    ]) {
      expect(parseRuntimeConfig(raw)).toEqual({ auth: 'token', apiBase: 'https://api.example' });
    }
  });

  it('reads the Cognito settings the deploy script writes as an OIDC provider with its own logout', async () => {
    const out = outFile();
    await run('node', [
      'scripts/runtime-config.mjs',
      '--out', out,
      '--cognito-domain', 'https://yanmei-crm.auth.ap-east-1.amazoncognito.com',
      '--client-id', 'client123',
      '--region', 'ap-east-1',
    ]);
    expect(parseRuntimeConfig(JSON.parse(readFileSync(out, 'utf8')))).toEqual({
      auth: 'oidc',
      apiBase: '',
      oidc: {
        authorizationEndpoint: 'https://yanmei-crm.auth.ap-east-1.amazoncognito.com/oauth2/authorize',
        tokenEndpoint: 'https://yanmei-crm.auth.ap-east-1.amazoncognito.com/oauth2/token',
        logout: { url: 'https://yanmei-crm.auth.ap-east-1.amazoncognito.com/logout', style: 'cognito' },
        clientId: 'client123',
        redirectUri: undefined,
        scope: undefined,
        bearer: 'id_token',
      },
    });
  });

  it("reads another provider's endpoints from its discovery document", async () => {
    const { issuer, server } = await discovery((iss) => ({
      issuer: iss,
      authorization_endpoint: `${iss}/auth`,
      token_endpoint: `${iss}/token`,
      end_session_endpoint: `${iss}/session/end`,
    }));
    servers.push(server);
    const out = outFile();
    await run('node', ['scripts/runtime-config.mjs', '--out', out, '--oidc-issuer', issuer, '--client-id', 'console']);
    expect(parseRuntimeConfig(JSON.parse(readFileSync(out, 'utf8')))).toEqual({
      auth: 'oidc',
      apiBase: '',
      oidc: {
        authorizationEndpoint: `${issuer}/auth`,
        tokenEndpoint: `${issuer}/token`,
        logout: { url: `${issuer}/session/end`, style: 'oidc' },
        clientId: 'console',
        redirectUri: undefined,
        scope: undefined,
        bearer: 'access_token',
      },
    });
  });

  it('refuses a provider whose discovery names another issuer, or whose tokens come from another host', async () => {
    const wrongIssuer = await discovery(() => ({
      issuer: 'https://elsewhere.example',
      authorization_endpoint: 'https://elsewhere.example/auth',
      token_endpoint: 'https://elsewhere.example/token',
    }));
    const foreignTokens = await discovery((iss) => ({
      issuer: iss,
      authorization_endpoint: `${iss}/auth`,
      token_endpoint: 'https://tokens.elsewhere.example/token',
    }));
    servers.push(wrongIssuer.server, foreignTokens.server);
    for (const [{ issuer }, reason] of [
      [wrongIssuer, /names issuer/],
      [foreignTokens, /not on the issuer's host/],
    ] as const) {
      await expect(
        run('node', ['scripts/runtime-config.mjs', '--out', outFile(), '--oidc-issuer', issuer, '--client-id', 'c']),
      ).rejects.toThrow(reason);
    }
  });

  it('refuses an API address that is not https, and a provider given twice or not at all', async () => {
    for (const args of [
      ['--api', 'http://x', '--cognito-domain', 'https://y', '--client-id', 'c', '--region', 'r'],
      ['--cognito-domain', 'https://y', '--oidc-issuer', 'https://z', '--client-id', 'c', '--region', 'r'],
      ['--client-id', 'c'],
    ]) {
      await expect(run('node', ['scripts/runtime-config.mjs', '--out', '/dev/null', ...args])).rejects.toThrow();
    }
  });
});
