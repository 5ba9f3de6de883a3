/**
 * Machine clients (OAuth2 client credentials) for the states' systems:
 *   npm run clients -- create --state TX [--roles state-system] [--name "TX MSIX sync"]
 *   npm run clients -- list [--state TX]
 *   npm run clients -- rotate <client_id> [--grace-hours 24]
 *   npm run clients -- revoke <client_id>
 * npm run clients -- keys rotate          start signing with a new key now (old keys stay published until their tokens
 * expire)
 * A secret is printed once, when created or rotated; only its scrypt hash is stored.
 *
 * While a gateway holds the embedded database (npm start), the changes go through its admin API
 * (/api/v1/admin/clients, authenticated with the operator token in the data directory's lock file), so they take
 * effect at once and are kept; two processes never open one PGlite directory. With DATABASE_URL, or with nothing
 * running, the CLI writes the database itself.
 */
import { loadConfig, type Config } from '../runtime/config.js';
import { embeddedHolder, openDatabase } from '../runtime/database.js';
import { appendAudit, type Actor } from '../core/audit.js';
import { ensureStates } from '../core/states.js';
import { createClient, listClients, revokeClient, rotateClientSecret, type Client } from '../core/security/clients.js';
import { rotateSigningKeys, signingKeyPolicy } from '../core/security/signing-keys.js';
import { DataDirBusyError } from '../core/store/dir-lock.js';
import type { Db } from '../core/store/db.js';
import { parseCommandLine } from '../lib/cli.js';
import { operatorCall } from './operator-api.js';

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

type Outcome<T> = { ok: true; value: T } | { ok: false; message: string };
/** What the commands need, done either on the database or through a running gateway's admin API. */
interface ClientAdmin {
  create(input: { state: string | null; roles: string[]; name?: string }): Promise<Outcome<WithSecret>>;
  list(state?: string): Promise<Client[]>;
  rotate(clientId: string, graceHours: number): Promise<Outcome<WithSecret>>;
  revoke(clientId: string): Promise<Outcome<Client>>;
  rotateKeys(): Promise<{ kid: string; retired: number }>;
  close(): Promise<void>;
  via: string;
}
type WithSecret = { client: Client; secret: string };

const operator: Actor = { id: `operator:${process.env.USER ?? 'unknown'}`, state: null, roles: ['admin'] };

function direct(db: Db, config: Config): ClientAdmin {
  return {
    via: 'the database',
    async create(input) {
      const r = await createClient(db, { stateCode: input.state, roles: input.roles, name: input.name });
      if (r.kind !== 'created') return { ok: false, message: r.reason };
      await appendAudit(db, {
        actor: operator,
        action: 'client.created',
        details: { clientId: r.client.clientId, state: r.client.stateCode, roles: r.client.roles },
      });
      return { ok: true, value: { client: r.client, secret: r.secret } };
    },
    list: (state) => listClients(db, state),
    async rotate(clientId, graceHours) {
      const r = await rotateClientSecret(db, clientId, graceHours * 3600);
      if (r.kind !== 'rotated')
        return { ok: false, message: r.kind === 'not-found' ? 'no such client' : 'the client is revoked' };
      await appendAudit(db, { actor: operator, action: 'client.rotated', details: { clientId, graceHours } });
      return { ok: true, value: { client: r.client, secret: r.secret } };
    },
    async revoke(clientId) {
      const c = await revokeClient(db, clientId);
      if (!c) return { ok: false, message: 'no such client' };
      await appendAudit(db, { actor: operator, action: 'client.revoked', details: { clientId } });
      return { ok: true, value: c };
    },
    async rotateKeys() {
      const { kid, retired } = await rotateSigningKeys(db, signingKeyPolicy(config));
      await appendAudit(db, { actor: operator, action: 'keys.rotated', details: { kid, retired } });
      return { kid, retired };
    },
    close: () => db.close(),
  };
}

/** The running gateway's admin API, as the local operator (the token from the lock file). */
function remote(admin: { url: string; token: string }, pid: number): ClientAdmin {
  const call = operatorCall(admin);
  const outcome = <T>(r: { status: number; json: Record<string, unknown> }): Outcome<T> =>
    r.status < 300
      ? { ok: true, value: r.json as T }
      : { ok: false, message: String(r.json.detail ?? r.json.title ?? `HTTP ${r.status}`) };
  const must = <T>(r: { status: number; json: Record<string, unknown> }): T => {
    const o = outcome<T>(r);
    if (!o.ok) throw new Error(`the gateway refused: ${o.message}`);
    return o.value;
  };
  return {
    via: `the running gateway (process ${pid}, ${admin.url})`,
    create: async (input) => outcome(await call('POST', '/api/v1/admin/clients', input)),
    list: async (state) =>
      must<{ items: Client[] }>(
        await call('GET', `/api/v1/admin/clients${state ? `?state=${encodeURIComponent(state)}` : ''}`),
      ).items,
    rotate: async (id, graceHours) =>
      outcome(await call('POST', `/api/v1/admin/clients/${encodeURIComponent(id)}/rotate`, { graceHours })),
    revoke: async (id) => {
      const r = outcome<Client>(await call('POST', `/api/v1/admin/clients/${encodeURIComponent(id)}/revoke`));
      return r.ok || r.message !== 'No such client.' ? r : { ok: false, message: 'no such client' };
    },
    rotateKeys: async () => must(await call('POST', '/api/v1/admin/signing-keys/rotate')),
    close: async () => {},
  };
}

/** The running gateway when one holds the embedded database, else the database itself (refused if held otherwise). */
async function connect(config: Config): Promise<ClientAdmin> {
  const holder = embeddedHolder(config);
  if (holder?.admin) return remote(holder.admin, holder.pid);
  try {
    const { db } = await openDatabase(config, undefined, `npm run clients -- ${cmd}`);
    await ensureStates(db);
    return direct(db, config);
  } catch (e) {
    if (e instanceof DataDirBusyError) {
      process.stderr.write(`${e.message}\n`);
      process.exit(1);
    }
    throw e;
  }
}

const config = loadConfig();
const admin = await connect(config);
let code = 0;
try {
  if (cmd === 'create') {
    const state = opt('state') ?? null;
    const roles = (opt('roles') ?? 'state-system')
      .split(',')
      .map((r) => r.trim())
      .filter(Boolean);
    const r = await admin.create({ state, roles, name: opt('name') });
    if (!r.ok) {
      process.stderr.write(`${r.message}\n`);
      code = 1;
    } else {
      say(`client_id     ${r.value.client.clientId}`);
      say(`client_secret ${r.value.secret}`);
      say(`state ${r.value.client.stateCode ?? '(national)'}  roles ${r.value.client.roles.join(',')}`);
      say('Store the secret now: it is not shown again.');
    }
  } else if (cmd === 'list') {
    const list = await admin.list(opt('state'));
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
    const graceHours = Number(opt('grace-hours') ?? 0);
    if (!Number.isInteger(graceHours) || graceHours < 0 || graceHours > 720) {
      process.stderr.write('--grace-hours is a whole number of hours from 0 to 720\n');
      code = 1;
    } else {
      const r = await admin.rotate(positional, graceHours);
      if (!r.ok) {
        process.stderr.write(`${r.message}\n`);
        code = 1;
      } else {
        say(`client_id     ${r.value.client.clientId}`);
        say(`client_secret ${r.value.secret}`);
      }
    }
  } else if (cmd === 'revoke') {
    if (!positional) throw new Error(usage);
    const r = await admin.revoke(positional);
    if (!r.ok) {
      process.stderr.write(`${r.message}\n`);
      code = 1;
    } else say(`revoked ${positional} through ${admin.via}; its tokens are refused from now on`);
  } else if (cmd === 'keys' && positional === 'rotate') {
    const { kid, retired } = await admin.rotateKeys();
    say(`new signing key ${kid}; ${retired} key(s) retired (still published until their tokens expire)`);
  } else {
    process.stderr.write(`${usage}\n`);
    code = 1;
  }
} finally {
  await admin.close();
}
process.exit(code);
