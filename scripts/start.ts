/**
 * `npm start`: gateway and worker in one process on embedded defaults
 * (PGlite under ./.data, a private redis-server), demo states and data, and
 * the URLs to open. DATABASE_URL and REDIS_URL switch to real servers; ROLE
 * runs only the gateway or only the worker (one container each in compose).
 */
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { loadConfig } from '../runtime/config.js';
import { createLogger } from '../runtime/logger.js';
import { openDatabase, openReadDatabase } from '../runtime/database.js';
import { startEmbeddedRedis, type EmbeddedRedis } from '../runtime/embedded-redis.js';
import { BullJobQueue } from '../runtime/queue.js';
import { describeRedis, redisTarget } from '../runtime/redis.js';
import { waitFor } from '../runtime/startup.js';
import { ensureStates } from '../core/states.js';
import { auditHead } from '../core/security/audit-chain.js';
import { buildApp, buildHealthApp } from '../gateway/app.js';
import { startWorkers, type RunningWorkers } from '../worker/index.js';
import { seedDemo, seedNgsExport } from '../demo/seed.js';
import { installedAdapters } from '../adapters/registry.js';
import { startDemoExchange, type DemoExchange } from '../sim/demo.js';
import { ensureDemoClients, type DemoClient } from '../core/security/demo-clients.js';
import type { FastifyInstance } from 'fastify';
import { parseCommandLine } from '../lib/cli.js';

const { values } = parseCommandLine({
  usage:
    'usage: node dist/scripts/start.js [--demo]   (npm start runs it with --demo under tsx)\n' +
    '  --demo   demo states, data, clients, the development identity provider and the state simulator\n' +
    'Settings come from the environment (README, Configuration).',
  options: { demo: { type: 'boolean' } },
});
const demo = values.demo ?? false;
const config = loadConfig({
  // The demo installs the out-of-tree example adapter (packages/adapter-ngs) the way a state would: by configuration.
  ...(demo
    ? {
        DEMO_DATA: 'true',
        DEV_IDP: 'true',
        EXCHANGE_ALLOW_PRIVATE_ADDRESSES: 'true',
        ADAPTERS: '@msix-examples/adapter-ngs',
      }
    : {}),
  ...process.env,
});
// The demo keeps the terminal for the banner: its logs go to a file (LOG_FILE=- keeps them on stdout).
const logFile = config.LOG_FILE === '-' ? '' : config.LOG_FILE || (demo ? join(config.DATA_DIR, 'gateway.log') : '');
const logger = createLogger(config.LOG_LEVEL, 'msix-gateway', logFile);
const say = (line: string) => process.stdout.write(`${line}\n`);

/** Where a CLI on this machine reaches the gateway: the loopback address when it listens on every address. */
function loopbackHost(host: string): string {
  if (host === '0.0.0.0' || host === '') return '127.0.0.1';
  if (host === '::') return '[::1]';
  return host.includes(':') ? `[${host}]` : host;
}

const stops: (() => Promise<unknown>)[] = [];
let stopping = false;
async function shutdown(signal: string, code = 0): Promise<void> {
  if (stopping) return;
  stopping = true;
  say(`\n${signal}: stopping…`);
  for (const stop of stops.reverse())
    await stop().catch((e: unknown) => logger.warn({ err: e }, 'error while stopping'));
  say('Stopped.');
  process.exit(code);
}
process.on('SIGINT', () => void shutdown('SIGINT'));
process.on('SIGTERM', () => void shutdown('SIGTERM'));

try {
  const { db, description, lock } = await openDatabase(config, logger, `msix start (role ${config.ROLE})`);
  stops.push(() => db.close());
  // Holding the embedded database, the gateway is the only process that may change it: the clients CLI finds the
  // admin API and this token in the lock file and goes through it (scripts/clients.ts).
  const operatorToken = lock && config.ROLE !== 'worker' ? randomBytes(32).toString('base64url') : undefined;
  await ensureStates(db);

  let redisUrl = config.REDIS_URL;
  let embedded: EmbeddedRedis | null = null;
  if (!redisUrl && config.REDIS_MODE === 'standalone') {
    embedded = await startEmbeddedRedis(join(config.DATA_DIR, 'redis'), { persist: true, log: say });
    redisUrl = embedded.url;
    stops.unshift(() => embedded!.stop());
  }
  const redis = redisTarget(config, redisUrl);
  const queue = new BullJobQueue(redis, {
    prefix: config.QUEUE_PREFIX,
    logger,
    enqueueTimeoutMs: config.ENQUEUE_TIMEOUT_MS,
    attempts: config.JOB_ATTEMPTS,
    backoffMs: config.JOB_BACKOFF_MS,
  });
  stops.push(() => queue.close());
  // A worker needs Redis to do anything; a gateway serves without it (writes are stored, their jobs queued later).
  if (config.ROLE !== 'gateway')
    await waitFor('redis', () => queue.ping(), { logger, maxWaitMs: config.STARTUP_WAIT_SECONDS * 1000 });

  let workers: RunningWorkers | null = null;
  if (config.ROLE !== 'gateway') {
    workers = startWorkers({ db, queue, config, logger }, redis, config.QUEUE_PREFIX);
    stops.push(() => workers!.close());
  }
  let app: FastifyInstance | null = null;
  // Reads that tolerate lag (reports, lookups) go to the replica when DATABASE_READ_URL names one; workers need none.
  const replica = config.ROLE !== 'worker' ? openReadDatabase(config, logger) : null;
  if (replica) stops.push(() => replica.db.close());
  if (config.ROLE !== 'worker') {
    // Rate-limit counters in the same Redis as the queue, so every gateway process shares each client's budget.
    app = await buildApp(
      {
        db,
        ...(replica ? { readDb: replica.db } : {}),
        queue,
        config,
        sharedLimits: { redis, prefix: `${config.QUEUE_PREFIX}:ratelimit:` },
        ...(operatorToken ? { operatorToken } : {}),
      },
      { logger },
    );
    await app.listen({ host: config.HOST, port: config.PORT });
    stops.push(() => app!.close());
    const listening = app.server.address();
    if (lock && operatorToken && listening && typeof listening === 'object')
      lock.advertise({ url: `http://${loopbackHost(config.HOST)}:${listening.port}`, token: operatorToken });
  } else {
    // A worker-only container still answers /health/* for its orchestrator.
    const health = await buildHealthApp({ db, queue, config });
    await health.listen({ host: config.HOST, port: config.PORT });
    stops.push(() => health.close());
  }
  // Exchange demo (docs/exchange.md): simulated state systems on loopback, wired before the demo records arrive.
  let exchangeDemo: DemoExchange | null = null;
  if (config.DEMO_DATA && config.DEMO_SIMULATOR && workers) {
    exchangeDemo = await startDemoExchange({ db, queue, say, requiredCredits: config.GRADUATION_CREDITS });
    stops.push(() => exchangeDemo!.close());
  }
  if (config.DEMO_DATA) {
    const seeded = await seedDemo(db, queue);
    const ngsExchange = await seedNgsExport(db, queue, await installedAdapters(config.ADAPTERS));
    if (workers) await workers.sweep();
    logger.info({ ...seeded, ngsExchange }, 'demo data loaded');
  }
  // Demo machine clients: fixed ids, a fresh secret at every start.
  const demoClients: DemoClient[] = config.DEMO_DATA && app ? await ensureDemoClients(db) : [];

  const addr = app?.server.address();
  const base = config.PUBLIC_URL || (addr && typeof addr === 'object' ? `http://${config.HOST}:${addr.port}` : '');
  say('');
  say('Migrant student record exchange gateway is running.');
  say(`  database : ${description}`);
  if (replica) say(`  replica  : ${replica.description} (reports and lookups)`);
  say(`  redis    : ${embedded ? `embedded redis-server at ${redisUrl}` : describeRedis(redis)}`);
  say(`  role     : ${config.ROLE}`);
  if (app) {
    say(`  portal   : ${base}/portal  (sign in as a demo person: counselor, data administrator, help desk, federal)`);
    say(`  API docs : ${base}/docs`);
    say(`  health   : ${base}/health/ready`);
    say(`  write    : POST ${base}/api/v1/states/{state}/records`);
    say(`  student  : GET  ${base}/api/v1/students/{msixId}`);
    say(`  ledger   : GET  ${base}/api/v1/exchanges`);
  }
  if (config.DEMO_DATA && app) {
    say('  demo     : states TX, MI, FL, CA, WA. Ana, 19, just enrolled in Florida; her MSIX id:');
    say(`             curl -H "Authorization: Bearer <FL token>" ${base}/api/v1/states/FL/records/FL5530098127`);
    say(
      '             (WA sends its NGS family export through the out-of-tree adapter ngs-export: GET /api/v1/adapters)',
    );
  }
  const tx = demoClients.find((c) => c.state === 'TX');
  if (tx) {
    say(`  client   : TX state system  client_id=${tx.clientId}  client_secret=${tx.secret}`);
    say(`  token    : curl -s -u ${tx.clientId}:${tx.secret} -d grant_type=client_credentials ${base}/oauth/token`);
    say(`             curl -H "Authorization: Bearer <access_token>" ${base}/api/v1/states/TX/records/TX0048213`);
    say('  tokens   : npm run demo:token -- FL   (a working token for any demo state system; no state: all of them)');
    if (config.DEV_IDP)
      say(`  sign in  : ${base}/portal  (development provider: pick a demo user for any role; no password)`);
  }
  if (app) say(`  metrics  : ${base}/metrics   status board: ${base}/portal/status (help desk)`);
  if (logFile) say(`  logs     : ${logFile}  (JSON lines; LOG_FILE=- logs to the terminal)`);
  for (const line of exchangeDemo?.lines ?? []) say(line);
  // The audit chain head in the logs at start; a maintenance job logs it every AUDIT_HEAD_LOG_SECONDS, once per
  // cluster: log storage keeps anchors the database cannot rewrite (docs/security.md, Audit).
  await auditHead(db)
    .then((head) => logger.info({ audit: { seq: head.seq, hash: head.hash, at: head.at } }, 'audit chain head'))
    .catch((e: unknown) => logger.warn({ err: e }, 'cannot read the audit chain head'));
  say('Press Ctrl-C to stop.');
  exchangeDemo?.run();
} catch (e) {
  logger.error({ err: e }, 'start failed');
  say(`Start failed: ${(e as Error).message}`);
  await shutdown('error', 1);
}
