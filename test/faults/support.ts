/**
 * Fault-test harness: the gateway and workers as separate processes (the
 * program `npm start` runs, with ROLE=gateway or ROLE=worker) on real
 * Postgres and Redis, which a test may own so it can stop and start them.
 * Timings are shrunk through configuration (retry budget, recovery pass,
 * stalled check), never by waiting out production defaults.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, inject } from 'vitest';
import { generateRecords } from '@msix/adapter-sdk/conformance';
import { loadAdapters } from '../../adapters/registry.js';
import { Readable } from 'node:stream';
import { text } from 'node:stream/consumers';
import { createClient } from '../../core/security/clients.js';
import { ensureStates } from '../../core/states.js';
import type { Db } from '../../core/store/db.js';
import { migrate } from '../../core/store/migrate.js';
import { PgDb } from '../../core/store/pg.js';
import { freePort, startEmbeddedRedis, type EmbeddedRedis } from '../../runtime/embedded-redis.js';
import { startThrowawayCluster, type ThrowawayCluster } from '../../runtime/postgres-cluster.js';
import type { StateRecord } from '@msix/adapter-sdk/canonical';
import { freshDb, queuePrefix } from '../support/db.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** Short budgets so every fault plays out in seconds: the same code paths as production, smaller numbers. */
export const FAULT_ENV: Record<string, string> = {
  LOG_LEVEL: 'warn',
  MATCH_SWEEP_MS: '500',
  JOB_ATTEMPTS: '3',
  JOB_BACKOFF_MS: '100',
  JOB_STALLED_INTERVAL_MS: '1000',
  ENQUEUE_TIMEOUT_MS: '500',
  STARTUP_WAIT_SECONDS: '120',
  EXCHANGE_SWEEP_MS: '1000',
  EXCHANGE_EVENTS_POLL_MS: '1000',
  WORKER_CONCURRENCY: '4',
};

export interface Proc {
  role: 'gateway' | 'worker';
  base: string;
  child: ChildProcess;
  output(): string;
  alive(): boolean;
  /** Sends a signal and waits for the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

export interface FaultWorld {
  db: Db;
  /** The database URL the processes use (with their application_name added). */
  databaseUrl: string;
  redisUrl: string;
  prefix: string;
  /** Present when the test owns Postgres (it may pause and resume it). */
  postgres: ThrowawayCluster | null;
  /** Present when the test owns Redis (it may stop and restart it). */
  redis: { stop(): Promise<void>; start(): Promise<void> } | null;
  start(role: 'gateway' | 'worker', env?: Record<string, string>): Promise<Proc>;
  /** A state system's access token, from the gateway's token endpoint. */
  token(gateway: Proc, state: string): Promise<string>;
  close(): Promise<void>;
}

function withAppName(url: string, name: string): string {
  const u = new URL(url);
  u.searchParams.set('application_name', name);
  return u.toString();
}

export async function startFaultWorld(opts: { ownPostgres?: boolean; ownRedis?: boolean } = {}): Promise<FaultWorld> {
  const procs: Proc[] = [];
  const cleanups: (() => Promise<unknown> | unknown)[] = [];
  let databaseUrl: string;
  let db: Db;
  let postgres: ThrowawayCluster | null = null;
  if (opts.ownPostgres) {
    postgres = await startThrowawayCluster();
    databaseUrl = postgres.url;
    db = new PgDb(withAppName(databaseUrl, 'fault-test'));
    await migrate(db);
    await ensureStates(db);
    const cluster = postgres;
    cleanups.push(async () => {
      await db.close().catch(() => {});
      cluster.stop();
    });
  } else {
    const fresh = await freshDb('postgres');
    db = fresh.db;
    databaseUrl = fresh.url!;
    cleanups.push(() => fresh.drop());
  }
  let redisUrl = inject('redisUrl');
  let redis: FaultWorld['redis'] = null;
  if (opts.ownRedis) {
    const dir = mkdtempSync(join(tmpdir(), 'msix-fault-redis-'));
    const port = await freePort();
    let server: EmbeddedRedis | null = await startEmbeddedRedis(dir, { port, persist: true });
    redisUrl = server.url;
    redis = {
      stop: async () => {
        await server?.stop();
        server = null;
      },
      start: async () => {
        server = await startEmbeddedRedis(dir, { port, persist: true });
      },
    };
    cleanups.push(async () => {
      await server?.stop();
      rmSync(dir, { recursive: true, force: true });
    });
  }
  const prefix = queuePrefix();

  const start = async (role: 'gateway' | 'worker', env: Record<string, string> = {}): Promise<Proc> => {
    const port = await freePort();
    const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/start.ts'], {
      cwd: ROOT,
      env: {
        ...process.env,
        ...FAULT_ENV,
        ROLE: role,
        HOST: '127.0.0.1',
        PORT: String(port),
        DATABASE_URL: withAppName(databaseUrl, `fault-${role}`),
        REDIS_URL: redisUrl,
        QUEUE_PREFIX: prefix,
        DEMO_DATA: 'false',
        DEV_IDP: 'false',
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
    });
    child.stderr!.on('data', (d: Buffer) => {
      out += d.toString();
    });
    const proc: Proc = {
      role,
      base: `http://127.0.0.1:${port}`,
      child,
      output: () => out,
      alive: () => child.exitCode === null && child.signalCode === null,
      stop: (signal = 'SIGTERM') =>
        new Promise((ok) => {
          if (!proc.alive()) return ok(child.exitCode);
          child.once('exit', (code) => ok(code));
          child.kill(signal);
        }),
    };
    procs.push(proc);
    await new Promise<void>((ok, fail) => {
      const timer = setTimeout(() => fail(new Error(`${role} did not start in time:\n${out}`)), 90_000);
      const check = setInterval(() => {
        if (out.includes('Press Ctrl-C to stop.')) {
          clearInterval(check);
          clearTimeout(timer);
          ok();
        } else if (!proc.alive()) {
          clearInterval(check);
          clearTimeout(timer);
          fail(new Error(`${role} exited at start:\n${out}`));
        }
      }, 50);
    });
    return proc;
  };

  const tokens = new Map<string, Promise<string>>();
  const token = (gateway: Proc, state: string): Promise<string> => {
    let t = tokens.get(state);
    if (!t) {
      t = (async () => {
        const c = await createClient(db, { stateCode: state, roles: ['state-system'], name: 'fault test' });
        if (c.kind !== 'created') throw new Error(c.reason);
        const r = await fetch(`${gateway.base}/oauth/token`, {
          method: 'POST',
          body: 'grant_type=client_credentials',
          headers: {
            authorization: `Basic ${Buffer.from(`${c.client.clientId}:${c.secret}`).toString('base64')}`,
            'content-type': 'application/x-www-form-urlencoded',
          },
        });
        if (r.status !== 200) throw new Error(`token: ${r.status} ${await r.text()}`);
        return ((await r.json()) as { access_token: string }).access_token;
      })();
      tokens.set(state, t);
    }
    return t;
  };

  return {
    db,
    databaseUrl,
    redisUrl,
    prefix,
    postgres,
    redis,
    start,
    token,
    close: async () => {
      await Promise.all(procs.map((p) => p.stop('SIGKILL')));
      for (const c of cleanups.reverse()) await c();
    },
  };
}

/** `count` distinct children of one state, with ids `${tag}-0`, `${tag}-1`, …. */
export function children(state: string, tag: string, count: number, seed = 7): StateRecord[] {
  return [...generateRecords(count, { stateCode: state, seed, enrollments: 1, courses: 1, assessments: 0 })].map(
    (r, i) => ({ ...r, stateStudentId: `${tag}-${i}` }),
  );
}

/** POSTs records as the state's system; a 503 is retried as the problem's Retry-After asks (shortened). */
export async function write(
  gateway: Proc,
  token: string,
  records: StateRecord[],
  opts: { retry503?: boolean } = {},
): Promise<{ status: number; ms: number; body: Record<string, unknown> }> {
  for (;;) {
    const t0 = Date.now();
    const res = await fetch(`${gateway.base}/api/v1/states/${records[0]!.stateCode}/records`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify(records),
      signal: AbortSignal.timeout(30_000),
    });
    const body = (await res.json()) as Record<string, unknown>;
    const ms = Date.now() - t0;
    if (res.status === 503 && opts.retry503) {
      expect(res.headers.get('retry-after')).toMatch(/^\d+$/);
      expect(body.code).toBe('GW_ERR_UNAVAILABLE');
      await new Promise((r) => setTimeout(r, 100));
      continue;
    }
    return { status: res.status, ms, body };
  }
}

/** Polls until `fn` is truthy. */
export async function until<T>(what: string, fn: () => Promise<T | null | undefined | false>, ms = 60_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await fn().catch(() => null);
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`not in time: ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Waits until none of the state's records is pending, then checks each was matched once. */
export async function allMatched(db: Db, state: string, ids: readonly string[], ms = 60_000): Promise<void> {
  await until(
    `${ids.length} records of ${state} matched`,
    async () => {
      const r = await db.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM state_records
         WHERE state_code = $1 AND state_student_id = ANY($2::text[]) AND match_status <> 'pending'`,
        [state, ids],
      );
      return r.rows[0]!.n === ids.length;
    },
    ms,
  );
  const twice = await db.query<{ id: string; n: number }>(
    `SELECT r.state_student_id AS id, count(h.id)::int AS n FROM state_records r
       JOIN link_history h ON h.record_id = r.id AND h.to_msix_id IS NOT NULL
     WHERE r.state_code = $1 AND r.state_student_id = ANY($2::text[])
     GROUP BY 1 HAVING count(h.id) > 1`,
    [state, ids],
  );
  expect(twice.rows, 'no record linked twice').toEqual([]);
}

/**
 * The invariant after a fault, for records written through the API: every
 * record answered 2xx is stored, matched once, and counted once in the
 * ledger (created in exactly one accepted exchange).
 */
export async function checkAccepted(db: Db, state: string, ids: readonly string[]): Promise<void> {
  const stored = await db.query<{ n: number }>(
    'SELECT count(*)::int AS n FROM state_records WHERE state_code = $1 AND state_student_id = ANY($2::text[])',
    [state, ids],
  );
  expect(stored.rows[0]!.n, 'every accepted record is stored').toBe(ids.length);
  await allMatched(db, state, ids);
  const counted = await db.query<{ id: string; n: number }>(
    `SELECT r.state_student_id AS id, count(e.id)::int AS n
       FROM state_records r
       LEFT JOIN exchanges e ON e.state_code = r.state_code AND e.summary->'records' @> jsonb_build_array(
         jsonb_build_object('recordId', r.id::text, 'status', 'created'))
      WHERE r.state_code = $1 AND r.state_student_id = ANY($2::text[])
      GROUP BY 1 HAVING count(e.id) <> 1`,
    [state, ids],
  );
  expect(counted.rows, 'every record counted once as created in the ledger').toEqual([]);
}

/** Backend pids of one process role on the world's database. */
export async function backends(db: Db, role: 'gateway' | 'worker', activeOnly = false): Promise<number[]> {
  const r = await db.query<{ pid: number }>(
    `SELECT pid FROM pg_stat_activity WHERE application_name = $1 AND datname = current_database()
     ${activeOnly ? "AND state IN ('active', 'idle in transaction') AND xact_start IS NOT NULL" : ''}`,
    [`fault-${role}`],
  );
  return r.rows.map((x) => x.pid);
}

/** A typed batch file of `count` students of one state. */
export async function typedFile(state: string, tag: string, count: number): Promise<string> {
  const adapter = (await loadAdapters()).get('msix-typed')!;
  const records = [...generateRecords(count, { stateCode: state, seed: 11, enrollments: 1, courses: 1 })].map(
    (r, i) => ({ ...r, stateStudentId: `${tag}${String(i).padStart(6, '0')}` }),
  );
  return text(Readable.from(adapter.format(records, { stateCode: state })));
}
