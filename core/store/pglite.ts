import { PGlite, type Transaction } from '@electric-sql/pglite';
import type { Db, QueryResult } from './db.js';
import { lockDataDir, type DirLock } from './dir-lock.js';

type Queryable = Pick<PGlite, 'query'> | Transaction;

function shape<T>(r: { rows: unknown[]; affectedRows?: number }): QueryResult<T> {
  return { rows: r.rows as T[], rowCount: r.affectedRows ?? r.rows.length };
}

class TxDb implements Db {
  readonly kind = 'pglite' as const;
  constructor(private readonly tx: Transaction) {}
  async query<T>(sql: string, params: readonly unknown[] = []): Promise<QueryResult<T>> {
    return shape<T>(await this.tx.query(sql, params as unknown[]));
  }
  async exec(sql: string): Promise<void> {
    await this.tx.exec(sql);
  }
  async transaction<T>(fn: (tx: Db) => Promise<T>): Promise<T> {
    const name = `sp_${Math.random().toString(36).slice(2, 10)}`;
    await this.tx.query(`SAVEPOINT ${name}`);
    try {
      const out = await fn(this);
      await this.tx.query(`RELEASE SAVEPOINT ${name}`);
      return out;
    } catch (e) {
      await this.tx.query(`ROLLBACK TO SAVEPOINT ${name}`);
      throw e;
    }
  }
  async close(): Promise<void> {}
}

/**
 * Embedded Postgres (WASM) for the one-command start and for running the store
 * tests a second time. One connection: transactions run one at a time.
 * A data directory is held by one process at a time (`<dir>.lock`, core/store/dir-lock.ts): a second process
 * gets a DataDirBusyError naming the holder instead of a second, diverging copy of the database.
 */
export class PgliteDb implements Db {
  readonly kind = 'pglite' as const;
  private constructor(
    readonly pg: PGlite,
    /** The data directory's lock; null in memory. */
    readonly lock: DirLock | null,
  ) {}
  /** `dataDir` undefined keeps everything in memory; `purpose` says who holds the directory, for the lock. */
  static async open(dataDir?: string, purpose = 'a gateway process'): Promise<PgliteDb> {
    const lock = dataDir ? lockDataDir(dataDir, purpose) : null;
    try {
      const pg = dataDir ? new PGlite(dataDir) : new PGlite();
      await pg.waitReady;
      return new PgliteDb(pg, lock);
    } catch (e) {
      lock?.release();
      throw e;
    }
  }
  async query<T>(sql: string, params: readonly unknown[] = []): Promise<QueryResult<T>> {
    return shape<T>(await (this.pg as Queryable).query(sql, params as unknown[]));
  }
  async exec(sql: string): Promise<void> {
    await this.pg.exec(sql);
  }
  async transaction<T>(fn: (tx: Db) => Promise<T>): Promise<T> {
    return this.pg.transaction((tx) => fn(new TxDb(tx)));
  }
  async close(): Promise<void> {
    try {
      await this.pg.close();
    } finally {
      this.lock?.release();
    }
  }
}
