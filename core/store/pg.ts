import pg from 'pg';
import { UnavailableError } from '../errors.js';
import type { Db, QueryResult } from './db.js';

// Postgres returns bigint/numeric as strings by default; counts and credits are small.
pg.types.setTypeParser(20, (v) => Number(v));
pg.types.setTypeParser(1700, (v) => Number(v));

const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
]);
// SQLSTATE: class 08 (connection exception), the server shutting down or starting (57P01-57P03), out of slots.
const SERVER_CODES = /^(08...|57P0[123]|53300)$/;
const MESSAGES =
  /Connection terminated|connection error and is not queryable|timeout exceeded when trying to connect|not queryable/;

/**
 * True when `e` means the connection to Postgres failed or was lost (the
 * server restarted, failed over, terminated the backend, or cannot be reached),
 * as opposed to an error in the statement itself. Such a unit of work did not
 * commit and may be retried as a whole.
 */
export function isConnectionError(e: unknown): boolean {
  if (e instanceof UnavailableError) return true;
  const err = e as { code?: unknown; message?: unknown } | null;
  if (!err || typeof err !== 'object') return false;
  const code = typeof err.code === 'string' ? err.code : '';
  if (NETWORK_CODES.has(code) || SERVER_CODES.test(code)) return true;
  return typeof err.message === 'string' && MESSAGES.test(err.message);
}

/** Rethrows a lost connection as {@link UnavailableError}; any other error unchanged. */
function translate(e: unknown): never {
  if (e instanceof UnavailableError) throw e;
  if (isConnectionError(e)) throw new UnavailableError('postgres', e);
  throw e;
}

class ClientDb implements Db {
  readonly kind = 'postgres' as const;
  constructor(
    private readonly client: pg.PoolClient,
    private readonly lost: () => Error | null,
  ) {}
  async query<T>(sql: string, params: readonly unknown[] = []): Promise<QueryResult<T>> {
    const gone = this.lost();
    if (gone) throw new UnavailableError('postgres', gone);
    const r = await this.client.query(sql, params as unknown[]).catch(translate);
    return { rows: r.rows as T[], rowCount: r.rowCount ?? 0 };
  }
  async exec(sql: string): Promise<void> {
    await this.query(sql);
  }
  async transaction<T>(fn: (tx: Db) => Promise<T>): Promise<T> {
    // Nested: a savepoint keeps the outer transaction intact.
    const name = `sp_${Math.random().toString(36).slice(2, 10)}`;
    await this.query(`SAVEPOINT ${name}`);
    try {
      const out = await fn(this);
      await this.query(`RELEASE SAVEPOINT ${name}`);
      return out;
    } catch (e) {
      // With the connection gone there is nothing to roll back to: the whole transaction is lost.
      if (!isConnectionError(e)) await this.query(`ROLLBACK TO SAVEPOINT ${name}`);
      throw e;
    }
  }
  async close(): Promise<void> {}
}

export interface PgDbOptions {
  /** Most connections in the pool (default 10). */
  max?: number;
  /** How long a checkout may wait for a connection before the unit of work fails as unavailable (default 5 s). */
  connectTimeoutMs?: number;
  /** Called for an error on an idle or checked-out connection (the caller logs it, rate-limited). */
  onConnectionError?: (err: Error) => void;
}

/**
 * A pooled connection to a real Postgres server. A connection lost while
 * idle or inside a transaction never crashes the process: the pool and every
 * checked-out client have an `error` listener, the transaction fails with
 * {@link UnavailableError}, and the broken client is destroyed, not returned
 * to the pool.
 */
export class PgDb implements Db {
  readonly kind = 'postgres' as const;
  readonly pool: pg.Pool;
  private readonly onConnectionError: (err: Error) => void;
  constructor(connectionString: string, opts: PgDbOptions | number = {}) {
    const o = typeof opts === 'number' ? { max: opts } : opts;
    this.onConnectionError = o.onConnectionError ?? (() => {});
    this.pool = new pg.Pool({
      connectionString,
      max: o.max ?? 10,
      connectionTimeoutMillis: o.connectTimeoutMs ?? 5000,
      keepAlive: true,
    });
    this.pool.on('error', (err) => this.onConnectionError(err));
  }
  async query<T>(sql: string, params: readonly unknown[] = []): Promise<QueryResult<T>> {
    const r = await this.pool.query(sql, params as unknown[]).catch(translate);
    return { rows: r.rows as T[], rowCount: r.rowCount ?? 0 };
  }
  async exec(sql: string): Promise<void> {
    await this.pool.query(sql).catch(translate);
  }
  async transaction<T>(fn: (tx: Db) => Promise<T>): Promise<T> {
    const client = await this.pool.connect().catch(translate);
    let lost: Error | null = null;
    // Without this listener a backend terminated between two statements is an unhandled 'error' event: exit.
    const onError = (err: Error) => {
      lost = err;
      this.onConnectionError(err);
    };
    client.on('error', onError);
    let broken = false;
    try {
      await client.query('BEGIN').catch(translate);
      const out = await fn(new ClientDb(client, () => lost));
      if (lost) throw new UnavailableError('postgres', lost);
      await client.query('COMMIT').catch(translate);
      return out;
    } catch (e) {
      broken = lost !== null || isConnectionError(e);
      if (!broken) await client.query('ROLLBACK').catch(() => {});
      throw isConnectionError(e) && !(e instanceof UnavailableError) ? new UnavailableError('postgres', e) : e;
    } finally {
      client.off('error', onError);
      // A destroyed client may still report its socket's end: nobody else listens to it any more.
      if (broken) client.on('error', () => {});
      // A broken connection is destroyed; a healthy one goes back to the pool.
      client.release(broken ? true : undefined);
    }
  }
  async close(): Promise<void> {
    await this.pool.end();
  }
}
