/**
 * `npm run demo:token [-- FL MI …]`: a working access token for each demo state system of the running demo
 * (`npm start`), default every demo state. Each demo client gets a fresh secret through the running gateway's admin
 * API, with 24 hours of grace for the one printed before, so nothing a person copied earlier stops working; then the
 * token comes from the gateway's own /oauth/token, as a state system would get it.
 */
import { DEMO_CLIENTS } from '../core/security/demo-clients.js';
import { parseCommandLine } from '../lib/cli.js';
import { loadConfig } from '../runtime/config.js';
import { embeddedHolder } from '../runtime/database.js';
import { operatorCall } from './operator-api.js';

const { positionals } = parseCommandLine({
  usage:
    'usage: npm run demo:token [-- XX ...]   a token for each named demo state system (default: all of them)\n' +
    '  needs the demo running (npm start) on this machine',
  options: {},
  positionals: true,
  usageExitCode: 1,
});
const systems = DEMO_CLIENTS.filter((c) => c.state !== null && c.roles.includes('state-system'));
const wanted = positionals.length ? positionals.map((s) => s.toUpperCase()) : systems.map((c) => c.state!);
const unknown = wanted.filter((s) => !systems.some((c) => c.state === s));
if (unknown.length) {
  process.stderr.write(
    `No demo state system for ${unknown.join(', ')}; the demo states are ${systems.map((c) => c.state).join(', ')}.\n`,
  );
  process.exit(1);
}
const holder = embeddedHolder(loadConfig());
if (!holder?.admin) {
  process.stderr.write('No running demo found in this data directory: start it first (npm start).\n');
  process.exit(1);
}
const call = operatorCall(holder.admin);
let code = 0;
for (const state of wanted) {
  const client = systems.find((c) => c.state === state)!;
  const rotated = await call('POST', `/api/v1/admin/clients/${client.clientId}/rotate`, { graceHours: 24 });
  const secret = rotated.json.secret;
  if (rotated.status >= 300 || typeof secret !== 'string') {
    process.stderr.write(
      `${state}: the gateway refused a new secret: ${String(rotated.json.detail ?? rotated.status)}\n`,
    );
    code = 1;
    continue;
  }
  const res = await fetch(`${holder.admin.url}/oauth/token`, {
    method: 'POST',
    body: 'grant_type=client_credentials',
    headers: {
      authorization: `Basic ${Buffer.from(`${client.clientId}:${secret}`).toString('base64')}`,
      'content-type': 'application/x-www-form-urlencoded',
    },
  });
  const token = ((await res.json().catch(() => ({}))) as { access_token?: string }).access_token;
  if (!res.ok || !token) {
    process.stderr.write(`${state}: no token (HTTP ${res.status})\n`);
    code = 1;
    continue;
  }
  process.stdout.write(`${state}  client_id=${client.clientId}  client_secret=${secret}\n${state}  ${token}\n`);
}
process.exit(code);
