// Writes the console's runtime config.json (what src/lib/runtime-config.ts reads) for an AWS
// deployment. Used by scripts/deploy with the stack's outputs:
//
//   node scripts/runtime-config.mjs --out dist/config.json --api https://… \
//     --cognito-domain https://….amazoncognito.com --client-id … --region ap-east-1
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    out: { type: 'string' },
    api: { type: 'string' },
    'cognito-domain': { type: 'string' },
    'client-id': { type: 'string' },
    region: { type: 'string' },
  },
});

const missing = ['out', 'api', 'cognito-domain', 'client-id', 'region'].filter((name) => !values[name]);
if (missing.length > 0) {
  console.error(`runtime-config: missing --${missing.join(', --')}`);
  process.exit(2);
}
for (const name of ['api', 'cognito-domain']) {
  if (!/^https:\/\/[^/\s]+\/?$/.test(String(values[name]))) {
    console.error(`runtime-config: --${name} must be an https origin, got ${values[name]}`);
    process.exit(2);
  }
}

const config = {
  auth: 'cognito',
  apiBase: values.api.replace(/\/+$/, ''),
  cognito: {
    domain: values['cognito-domain'].replace(/\/+$/, ''),
    clientId: values['client-id'],
    region: values.region,
  },
};
writeFileSync(values.out, `${JSON.stringify(config, null, 2)}\n`);
console.log(`wrote ${values.out}`);
