// Writes the console's runtime config.json (what src/lib/runtime-config.ts reads) for an AWS
// deployment. Used by scripts/deploy with the stack's outputs, for the stack's sign-in provider:
//
//   node scripts/runtime-config.mjs --out dist/config.json \
//     --cognito-domain https://….amazoncognito.com --client-id … --region ap-east-1
//   node scripts/runtime-config.mjs --out dist/config.json \
//     --oidc-issuer https://clinic.authing.cn/oidc --client-id …
//
// With --oidc-issuer it reads the issuer's discovery document
// (<issuer>/.well-known/openid-configuration) for the authorization, token and logout endpoints.
// --api is the admin API's origin when it is not the console's own (default: same origin, /api).
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    out: { type: 'string' },
    api: { type: 'string', default: '' },
    'cognito-domain': { type: 'string' },
    'oidc-issuer': { type: 'string' },
    'client-id': { type: 'string' },
    region: { type: 'string' },
  },
});

/**
 * @param {string} message
 * @returns {never}
 */
function fail(message) {
  console.error(`runtime-config: ${message}`);
  process.exit(2);
}

/**
 * https, or http on loopback (a test provider).
 * @param {string} url
 */
const secure = (url) => /^https:\/\/[^\s]+$/.test(url) || /^http:\/\/(127\.0\.0\.1|localhost)(:\d+)?(\/[^\s]*)?$/.test(url);
const httpsOrigin = /^https:\/\/[^/\s]+\/?$/;

if (!values.out) fail('missing --out');
if (!values['client-id']) fail('missing --client-id');
if (values.api && !httpsOrigin.test(values.api)) fail(`--api must be an https origin, got ${values.api}`);
if (Boolean(values['cognito-domain']) === Boolean(values['oidc-issuer'])) {
  fail('give either --cognito-domain (with --region) or --oidc-issuer');
}

let config;
if (values['cognito-domain']) {
  if (!httpsOrigin.test(values['cognito-domain'])) fail(`--cognito-domain must be an https origin, got ${values['cognito-domain']}`);
  if (!values.region) fail('missing --region');
  config = {
    auth: 'cognito',
    apiBase: values.api.replace(/\/+$/, ''),
    cognito: {
      domain: values['cognito-domain'].replace(/\/+$/, ''),
      clientId: values['client-id'],
      region: values.region,
    },
  };
} else {
  const issuer = values['oidc-issuer'].replace(/\/+$/, '');
  if (!secure(issuer)) fail(`--oidc-issuer must be an https URL, got ${issuer}`);
  const where = `${issuer}/.well-known/openid-configuration`;
  const response = await fetch(where).catch((/** @type {Error} */ e) => fail(`cannot read ${where}: ${e.message}`));
  if (!response.ok) fail(`${where} answered ${response.status}`);
  /** @type {{ issuer?: string, authorization_endpoint?: string, token_endpoint?: string, end_session_endpoint?: string }} */
  const discovery = /** @type {unknown} */ (await response.json()) ?? {};
  const authorizationEndpoint = discovery.authorization_endpoint ?? '';
  const tokenEndpoint = discovery.token_endpoint ?? '';
  if (discovery.issuer?.replace(/\/+$/, '') !== issuer) {
    fail(`the discovery document names issuer ${discovery.issuer}, not ${issuer} (API Gateway compares it exactly)`);
  }
  for (const [name, url] of [['authorization_endpoint', authorizationEndpoint], ['token_endpoint', tokenEndpoint]]) {
    if (!secure(url)) fail(`the discovery document has no usable ${name}`);
  }
  if (new URL(tokenEndpoint).host !== new URL(issuer).host) {
    // The console's Content-Security-Policy (template.yaml) lets it fetch only from the issuer's host.
    fail(`the token endpoint ${tokenEndpoint} is not on the issuer's host`);
  }
  config = {
    auth: 'oidc',
    apiBase: values.api.replace(/\/+$/, ''),
    oidc: {
      issuer,
      authorizationEndpoint,
      tokenEndpoint,
      ...(discovery.end_session_endpoint ? { endSessionEndpoint: discovery.end_session_endpoint } : {}),
      clientId: values['client-id'],
    },
  };
}
writeFileSync(values.out, `${JSON.stringify(config, null, 2)}\n`);
console.log(`wrote ${values.out}`);
