/**
 * Scale-out on one machine (issue 18 item 4): 1 against 2 gateway processes, and 1 against 2 worker processes, on
 * one Postgres and one Redis, each process started as production starts it (scripts/start.ts with ROLE).
 *
 *   node --import tsx bench/scale/run.ts [--seconds 8] [--connections 16] [--records 3000] [--rounds 2]
 *
 * Gateways: a closed loop of `connections` keep-alive clients POSTs one canonical record per request to
 * /api/v1/states/TX/records for `seconds`, spread evenly over the gateways; no worker runs meanwhile. Workers: the
 * same `records` (TX and MI, a third of the children in both) are submitted into a fresh database with the match
 * queue paused, the workers are started and ready, then the queue is resumed: the figure is the time until no
 * record is pending. Rounds alternate 1 and 2 so that a change in the machine's load hits both alike. The load
 * generator runs in this process, on the same two cores.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import type { StateRecord } from '@msix/adapter-sdk/canonical';
import { createClient } from '../../core/security/clients.js';
import { ensureStates } from '../../core/states.js';
import { migrate } from '../../core/store/migrate.js';
import { PgDb } from '../../core/store/pg.js';
import { submitRecords } from '../../core/submissions.js';
import { freePort } from '../../runtime/embedded-redis.js';
import { BullJobQueue } from '../../runtime/queue.js';
import { parseCommandLine } from '../../lib/cli.js';
import { load, type LoadResult } from '../edfi/load.js';
import { benchInfrastructure } from '../support/infra.js';

const { values } = parseCommandLine({
  usage: 'usage: bench/scale/run.ts [--seconds 8] [--connections 16] [--records 3000] [--rounds 2]',
  options: {
    seconds: { type: 'string' },
    connections: { type: 'string' },
    records: { type: 'string' },
    rounds: { type: 'string' },
  },
});
const SECONDS = Number(values.seconds ?? 8);
const CONNECTIONS = Number(values.connections ?? 16);
const RECORDS = Number(values.records ?? 3000);
const ROUNDS = Number(values.rounds ?? 2);
const ROOT = fileURLToPath(new URL('../../', import.meta.url));

const infra = await benchInfrastructure('scalebench');
const dataDir = mkdtempSync(join(tmpdir(), 'scalebench-'));
infra.stops.push(() => rmSync(dataDir, { recursive: true, force: true }));
const children: ChildProcess[] = [];
const stopAll = async () => {
  await Promise.all(
    children.map(
      (c) =>
        new Promise<void>((ok) => {
          if (c.exitCode !== null || c.signalCode !== null) return ok();
          c.once('exit', () => ok());
          c.kill('SIGTERM');
        }),
    ),
  );
  for (const stop of [...infra.stops].reverse()) await stop();
};
process.on('SIGINT', () => void stopAll().then(() => process.exit(130)));

/** One gateway or worker process as production runs it; resolves when /health/ready answers 200. */
async function startProcess(role: 'gateway' | 'worker', env: Record<string, string>): Promise<ChildProcess> {
  const port = await freePort();
  const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/start.ts'], {
    cwd: ROOT,
    env: {
      ...process.env,
      ROLE: role,
      HOST: '127.0.0.1',
      PORT: String(port),
      DATA_DIR: dataDir,
      LOG_LEVEL: 'warn',
      LOG_FILE: '-',
      REDIS_URL: infra.redisUrl,
      ...env,
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  children.push(child);
  const deadline = Date.now() + 120_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${role} exited with ${child.exitCode}`);
    const ok = await fetch(`http://127.0.0.1:${port}/health/ready`).then(
      (r) => r.status === 200,
      () => false,
    );
    if (ok) return Object.assign(child, { port });
    if (Date.now() > deadline) throw new Error(`${role} not ready after 120 s`);
    await new Promise((r) => setTimeout(r, 200));
  }
}
const portOf = (c: ChildProcess) => (c as ChildProcess & { port: number }).port;
const stop = (c: ChildProcess) =>
  new Promise<void>((ok) => {
    if (c.exitCode !== null) return ok();
    c.once('exit', () => ok());
    c.kill('SIGTERM');
  });

/** A deterministic child: names and dates from small lists, so some look alike, as real populations do. */
const FIRST = ['Ana', 'Jose', 'Maria', 'Luis', 'Rosa', 'Juan', 'Carmen', 'Pedro', 'Elena', 'Miguel', 'Sofia', 'Diego'];
const LAST = ['Garcia', 'Lopez', 'Martinez', 'Hernandez', 'Gonzalez', 'Perez', 'Sanchez', 'Ramirez', 'Cruz', 'Flores'];
const two = (n: number) => String(n).padStart(2, '0');
function child(i: number, state: string, id: string): StateRecord {
  const h = (i * 2_654_435_761) >>> 0;
  return {
    stateCode: state,
    stateStudentId: id,
    identity: {
      firstName: FIRST[h % FIRST.length]!,
      lastName1: LAST[(h >>> 4) % LAST.length]!,
      lastName2: LAST[(h >>> 8) % LAST.length]!,
      sex: h % 2 ? 'F' : 'M',
      birthDate: `20${two(8 + ((h >>> 12) % 10))}-${two(1 + ((h >>> 16) % 12))}-${two(1 + ((h >>> 20) % 28))}`,
    },
    enrollments: [{ enrollmentDate: '2026-08-20', enrollmentType: '01', gradeLevel: '05', schoolId: '484497005076' }],
  };
}

const stats = (xs: number[]) => {
  const m = xs.reduce((a, b) => a + b, 0) / xs.length;
  return `${m.toFixed(1)} (${xs.map((x) => x.toFixed(1)).join(', ')})`;
};
const say = (s: string) => process.stdout.write(`${s}\n`);
say(`scale bench: ${SECONDS} s × ${CONNECTIONS} connections, ${RECORDS} records, ${ROUNDS} rounds; Postgres `);
say(`${infra.pgVersion}; load average at start ${loadavg()[0]!.toFixed(1)}`);

// ---- Gateways -------------------------------------------------------------------------------------------------
const gwEnv = { DATABASE_URL: infra.databaseUrl, QUEUE_PREFIX: 'scalegw', OVERLOAD_MAX_IN_FLIGHT: '0' };
const gateways = [await startProcess('gateway', gwEnv)];
gateways.push(await startProcess('gateway', gwEnv));
const db = new PgDb(infra.databaseUrl);
const client = await createClient(db, { stateCode: 'TX', roles: ['state-system'], name: 'scale bench' });
if (client.kind !== 'created') throw new Error(client.reason);
const tokenRes = await fetch(`http://127.0.0.1:${portOf(gateways[0]!)}/oauth/token`, {
  method: 'POST',
  headers: {
    authorization: `Basic ${Buffer.from(`${client.client.clientId}:${client.secret}`).toString('base64')}`,
    'content-type': 'application/x-www-form-urlencoded',
  },
  body: 'grant_type=client_credentials',
});
const token = ((await tokenRes.json()) as { access_token: string }).access_token;
let posted = 0;
const post = () => {
  const n = posted++;
  return {
    method: 'POST',
    path: '/api/v1/states/TX/records',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify(child(n, 'TX', `G${n}`)),
  };
};
const gw: Record<number, { rps: number[]; p50: number[]; p99: number[]; errors: number; load: number[] }> = {};
for (let round = 0; round < ROUNDS; round++)
  for (const g of [1, 2]) {
    const per = Math.max(1, Math.round(CONNECTIONS / g));
    const l = loadavg()[0]!;
    const rs: LoadResult[] = await Promise.all(gateways.slice(0, g).map((p) => load(portOf(p), per, SECONDS, post)));
    const row = (gw[g] ??= { rps: [], p50: [], p99: [], errors: 0, load: [] });
    row.rps.push(rs.reduce((a, r) => a + r.rps, 0));
    row.p50.push(rs.reduce((a, r) => a + r.p50, 0) / rs.length);
    row.p99.push(Math.max(...rs.map((r) => r.p99)));
    row.errors += rs.reduce((a, r) => a + r.errors, 0);
    row.load.push(l);
    say(`gateways ${g} round ${round + 1}: ${row.rps.at(-1)!.toFixed(0)} req/s, p99 ${row.p99.at(-1)!.toFixed(1)} ms`);
  }
for (const g of gateways) await stop(g);
await db.close();

// ---- Workers --------------------------------------------------------------------------------------------------
const wk: Record<number, { seconds: number[]; load: number[] }> = {};
let storage = '';
const admin = new pg.Client({ connectionString: infra.databaseUrl });
await admin.connect();
for (let round = 0; round < ROUNDS; round++)
  for (const w of [1, 2]) {
    const name = `scalebench_w${w}_${round}`;
    await admin.query(`CREATE DATABASE ${name}`);
    const url = new URL(infra.databaseUrl);
    url.pathname = `/${name}`;
    const wdb = new PgDb(url.toString());
    await migrate(wdb);
    await ensureStates(wdb);
    const dbSize = async () =>
      Number((await wdb.query<{ b: string }>('SELECT pg_database_size(current_database()) AS b')).rows[0]!.b);
    const emptySize = await dbSize();
    const prefix = `scalew${w}r${round}`;
    const queue = new BullJobQueue(infra.redisUrl, prefix);
    await queue.queue('match').pause();
    for (let i = 0; i < RECORDS; i += 100) {
      for (const state of ['TX', 'MI']) {
        // Every child has a TX record; every third child also an MI record (a move to match across states).
        const ids = Array.from({ length: Math.min(100, RECORDS - i) }, (_, k) => i + k).filter(
          (n) => state === 'TX' || n % 3 === 0,
        );
        if (!ids.length) continue;
        const records = ids.map((n) => child(n, state, `${state}${n}`));
        await submitRecords(wdb, queue, { stateCode: state, traceId: 'scale', kind: 'records-api' }, records, true);
      }
    }
    const total = Number((await wdb.query<{ n: string }>('SELECT count(*) AS n FROM state_records')).rows[0]!.n);
    const workers = await Promise.all(
      Array.from({ length: w }, () => startProcess('worker', { DATABASE_URL: url.toString(), QUEUE_PREFIX: prefix })),
    );
    const l = loadavg()[0]!;
    const t0 = performance.now();
    await queue.queue('match').resume();
    for (;;) {
      const left = Number(
        (await wdb.query<{ n: string }>(`SELECT count(*) AS n FROM state_records WHERE match_status = 'pending'`))
          .rows[0]!.n,
      );
      if (left === 0) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    const s = (performance.now() - t0) / 1000;
    const row = (wk[w] ??= { seconds: [], load: [] });
    row.seconds.push(s);
    row.load.push(l);
    say(`workers ${w} round ${round + 1}: ${total} records matched in ${s.toFixed(1)} s (${(total / s).toFixed(0)}/s)`);
    for (const p of workers) await stop(p);
    if (round === ROUNDS - 1 && w === 2) {
      // Per row of the biggest tables, with their indexes and TOAST: what 10 million records would need, roughly.
      const top = await wdb.query<{ t: string; bytes: string }>(
        `SELECT relname AS t, pg_total_relation_size(relid) AS bytes FROM pg_stat_user_tables
         ORDER BY pg_total_relation_size(relid) DESC LIMIT 6`,
      );
      const parts: string[] = [];
      for (const { t, bytes } of top.rows) {
        const n = Number((await wdb.query<{ n: string }>(`SELECT count(*) AS n FROM "${t}"`)).rows[0]!.n);
        parts.push(`${t} ${n} rows, ${n ? (Number(bytes) / n).toFixed(0) : '-'} B/row`);
      }
      storage =
        `storage after matching (${total} records, database grew ${(((await dbSize()) - emptySize) / 1e6).toFixed(1)}` +
        ` MB): ${parts.join('; ')}`;
    }
    await queue.close();
    await wdb.close();
    await admin.query(`DROP DATABASE ${name} WITH (FORCE)`);
  }
await admin.end();

say('');
say('| processes | figure (mean, then each round) | ratio 2 : 1 | load average at each start |');
say('| --- | --- | --- | --- |');
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
for (const g of [1, 2])
  say(
    `| ${g} gateway(s) | ${stats(gw[g]!.rps)} req/s; p50 ${stats(gw[g]!.p50)} ms; p99 ${stats(gw[g]!.p99)} ms; ` +
      `${gw[g]!.errors} errors | ${g === 2 ? (mean(gw[2]!.rps) / mean(gw[1]!.rps)).toFixed(2) : '1'} | ` +
      `${gw[g]!.load.map((x) => x.toFixed(1)).join(', ')} |`,
  );
for (const w of [1, 2])
  say(
    `| ${w} worker(s) | ${stats(wk[w]!.seconds)} s to match all | ` +
      `${w === 2 ? (mean(wk[1]!.seconds) / mean(wk[2]!.seconds)).toFixed(2) : '1'} (speed-up) | ` +
      `${wk[w]!.load.map((x) => x.toFixed(1)).join(', ')} |`,
  );
say('');
say(storage);
await stopAll();
process.exit(0);
