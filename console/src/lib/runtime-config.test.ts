import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseRuntimeConfig } from './runtime-config';

describe('runtime configuration', () => {
  it('defaults to the local token sign-in on the same origin', () => {
    expect(parseRuntimeConfig(null)).toEqual({ auth: 'token', apiBase: '' });
    expect(parseRuntimeConfig({ auth: 'token', apiBase: '' })).toEqual({ auth: 'token', apiBase: '' });
  });

  it('falls back to the token sign-in when the Cognito settings are incomplete', () => {
    expect(parseRuntimeConfig({ auth: 'cognito', apiBase: 'https://api.example', cognito: { domain: 'x' } })).toEqual({
      auth: 'token',
      apiBase: 'https://api.example',
    });
  });

  it('reads what the deploy script writes', () => {
    const out = join(mkdtempSync(join(tmpdir(), 'runtime-config-')), 'config.json');
    execFileSync('node', [
      'scripts/runtime-config.mjs',
      '--out', out,
      '--api', 'https://abc123.execute-api.ap-east-1.amazonaws.com/',
      '--cognito-domain', 'https://yanmei-crm.auth.ap-east-1.amazoncognito.com',
      '--client-id', 'client123',
      '--region', 'ap-east-1',
    ]);
    expect(parseRuntimeConfig(JSON.parse(readFileSync(out, 'utf8')))).toEqual({
      auth: 'cognito',
      apiBase: 'https://abc123.execute-api.ap-east-1.amazonaws.com',
      cognito: {
        domain: 'https://yanmei-crm.auth.ap-east-1.amazoncognito.com',
        clientId: 'client123',
        region: 'ap-east-1',
        redirectUri: undefined,
        scope: undefined,
      },
    });
  });

  it('refuses an API address that is not https', () => {
    expect(() =>
      execFileSync('node', ['scripts/runtime-config.mjs', '--out', '/dev/null', '--api', 'http://x', '--cognito-domain', 'https://y', '--client-id', 'c', '--region', 'r'], { stdio: 'pipe' }),
    ).toThrow();
  });
});
