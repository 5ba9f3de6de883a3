/**
 * The servers the Ed-Fi bench measures, in one child process: the real
 * gateway (buildApp: auth, Ed-Fi validation, store, canonical record, ledger,
 * match enqueue) and a bare fastify app whose routes insert and select the
 * same JSON row in the same database with one statement each. Prints one JSON
 * line with the ports and a state-system token, then serves until killed.
 *
 *   node --import tsx bench/edfi/server.ts <database-url> <redis-url>
 */
import Fastify from 'fastify';
import { randomUUID } from 'node:crypto';
import { buildApp } from '../../gateway/app.js';
import { loadConfig } from '../../runtime/config.js';
import { BullJobQueue } from '../../runtime/queue.js';
import { PgDb } from '../../core/store/pg.js';
import { migrate } from '../../core/store/migrate.js';
import { ensureStates } from '../../core/states.js';
import { createClient } from '../../core/security/clients.js';

const [databaseUrl, redisUrl] = process.argv.slice(2);
if (!databaseUrl || !redisUrl) throw new Error('usage: server.ts <database-url> <redis-url>');

const config = loadConfig({
  LOG_LEVEL: 'silent',
  RATE_LIMIT_MAX: '100000000',
  DATABASE_URL: databaseUrl,
  REDIS_URL: redisUrl,
});
const db = new PgDb(databaseUrl, 20);
await migrate(db);
await ensureStates(db);
await db.exec('CREATE TABLE IF NOT EXISTS bench_bare (id text PRIMARY KEY, body jsonb NOT NULL)');
const queue = new BullJobQueue(redisUrl, `bench${process.pid}`);

const gateway = await buildApp({ db, queue, config });
await gateway.listen({ host: '127.0.0.1', port: 0 });

// The baseline: same fastify, same pool, same row, no gateway logic.
const bare = Fastify({ logger: false });
bare.post('/bare/students', async (request, reply) => {
  const id = randomUUID().replace(/-/g, '');
  await db.query('INSERT INTO bench_bare (id, body) VALUES ($1, $2)', [id, JSON.stringify(request.body)]);
  return reply.code(201).header('location', `/bare/students/${id}`).send();
});
bare.get<{ Params: { id: string } }>('/bare/students/:id', async (request, reply) => {
  const r = await db.query<{ body: unknown }>('SELECT body FROM bench_bare WHERE id = $1', [request.params.id]);
  return r.rows[0] ? reply.send(r.rows[0].body) : reply.code(404).send();
});
await bare.listen({ host: '127.0.0.1', port: 0 });

const c = await createClient(db, { stateCode: 'TX', roles: ['state-system'], name: 'bench' });
if (c.kind !== 'created') throw new Error(c.reason);
const port = (app: { server: { address(): unknown } }) => (app.server.address() as { port: number }).port;
const tokenRes = await fetch(`http://127.0.0.1:${port(gateway)}/oauth/token`, {
  method: 'POST',
  body: 'grant_type=client_credentials',
  headers: {
    'content-type': 'application/x-www-form-urlencoded',
    authorization: `Basic ${Buffer.from(`${c.client.clientId}:${c.secret}`).toString('base64')}`,
  },
});
const token = ((await tokenRes.json()) as { access_token: string }).access_token;
console.log(JSON.stringify({ gatewayPort: port(gateway), barePort: port(bare), token }));

const stop = async () => {
  await gateway.close();
  await bare.close();
  await queue.close();
  await db.close();
  process.exit(0);
};
process.on('SIGTERM', () => void stop());
process.on('SIGINT', () => void stop());
