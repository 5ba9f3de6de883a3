/**
 * Machine clients (OAuth2 client credentials) for the states' systems:
 *   npm run clients -- create --state TX [--roles state-system] [--name "TX MSIX sync"]
 *   npm run clients -- list [--state TX]
 *   npm run clients -- rotate <client_id> [--grace-hours 24]
 *   npm run clients -- revoke <client_id>
 * npm run clients -- keys rotate          start signing with a new key now (old keys stay published until their tokens
 * expire)
 * A secret is printed once, when created or rotated; only its scrypt hash is stored.
 */
import { loadConfig } from '../runtime/config.js';
import { openDatabase } from '../runtime/database.js';
import { appendAudit, type Actor } from '../core/audit.js';
import { ensureStates } from '../core/states.js';
import { createClient, listClients, revokeClient, rotateClientSecret } from '../core/security/clients.js';
import { createSigningKey, retireSigningKeys } from '../core/security/signing-keys.js';
import { parseCommandLine } from '../lib/cli.js';

const usage =
  'usage: clients create --state XX [--roles r1,r2] [--name N] | list [--state XX] | rotate <id> ' +
  '[--grace-hours H] | revoke <id> | keys rotate';
const { values, positionals } = parseCommandLine({
  usage,
  options: {
    state: { type: 'string' },
    roles: { type: 'string' },
    name: { type: 'string' },
    'grace-hours': { type: 'string' },
  },
  positionals: true,
  usageExitCode: 1,
});
const [cmd, positional] = positionals;
const opt = (name: keyof typeof values): string | undefined => {
  const v = values[name];
  return typeof v === 'string' ? v : undefined;
};
const say = (s: string) => process.stdout.write(`${s}\n`);
if (!cmd || !['create', 'list', 'rotate', 'revoke', 'keys'].includes(cmd)) {
  process.stderr.write(`${usage}\n`);
  process.exit(1);
}

const config = loadConfig();
const { db } = await openDatabase(config);
await ensureStates(db);
const operator: Actor = { id: `operator:${process.env.USER ?? 'unknown'}`, state: null, roles: ['admin'] };
let code = 0;
try {
  if (cmd === 'create') {
    const state = opt('state') ?? null;
    const roles = (opt('roles') ?? 'state-system')
      .split(',')
      .map((r) => r.trim())
      .filter(Boolean);
    const r = await createClient(db, { stateCode: state, roles, name: opt('name') });
    if (r.kind !== 'created') {
      process.stderr.write(`${r.reason}\n`);
      code = 1;
    } else {
      await appendAudit(db, {
        actor: operator,
        action: 'client.created',
        details: { clientId: r.client.clientId, state: r.client.stateCode, roles: r.client.roles },
      });
      say(`client_id     ${r.client.clientId}`);
      say(`client_secret ${r.secret}`);
      say(`state ${r.client.stateCode ?? '(national)'}  roles ${r.client.roles.join(',')}`);
      say('Store the secret now: it is not shown again.');
    }
  } else if (cmd === 'list') {
    const list = await listClients(db, opt('state'));
    say(['client_id', 'state', 'roles', 'status', 'created', 'last token', 'name'].join('\t'));
    for (const c of list)
      say(
        [
          c.clientId,
          c.stateCode ?? '-',
          c.roles.join(','),
          c.status,
          c.createdAt.slice(0, 10),
          c.lastTokenAt?.slice(0, 16) ?? '-',
          c.name,
        ].join('\t'),
      );
  } else if (cmd === 'rotate') {
    if (!positional) throw new Error(usage);
    const r = await rotateClientSecret(db, positional, Number(opt('grace-hours') ?? 0) * 3600);
    if (r.kind !== 'rotated') {
      process.stderr.write(`${r.kind === 'not-found' ? 'no such client' : 'the client is revoked'}\n`);
      code = 1;
    } else {
      await appendAudit(db, {
        actor: operator,
        action: 'client.rotated',
        details: { clientId: positional, graceHours: Number(opt('grace-hours') ?? 0) },
      });
      say(`client_id     ${r.client.clientId}`);
      say(`client_secret ${r.secret}`);
    }
  } else if (cmd === 'revoke') {
    if (!positional) throw new Error(usage);
    const c = await revokeClient(db, positional);
    if (!c) {
      process.stderr.write('no such client\n');
      code = 1;
    } else {
      await appendAudit(db, { actor: operator, action: 'client.revoked', details: { clientId: positional } });
      say(`revoked ${positional}; its tokens stop working within seconds`);
    }
  } else if (cmd === 'keys' && positional === 'rotate') {
    const retired = await retireSigningKeys(db);
    const kid = await createSigningKey(db, {
      rotateAfterSeconds: Math.round(config.SIGNING_KEY_ROTATE_DAYS * 86_400),
      maxTokenSeconds: Math.max(config.TOKEN_TTL_SECONDS, config.SESSION_TTL_SECONDS) + 60,
      sealSecret: config.SIGNING_KEY_SECRET,
    });
    await appendAudit(db, { actor: operator, action: 'keys.rotated', details: { kid, retired } });
    say(`new signing key ${kid}; ${retired} key(s) retired (still published until their tokens expire)`);
  } else {
    process.stderr.write(`${usage}\n`);
    code = 1;
  }
} finally {
  await db.close();
}
process.exit(code);
