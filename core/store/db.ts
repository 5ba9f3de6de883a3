/**
 * The small database interface that both real Postgres (`pg`) and embedded
 * PGlite satisfy, so every query in core runs unchanged on either.
 * Deliberately excluded: cursors, LISTEN/NOTIFY and COPY, which PGlite and a
 * pool expose differently; code that needs them asks for `kind`.
 */
export interface Db {
  readonly kind: 'postgres' | 'pglite';
  query<T = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<QueryResult<T>>;
  /** Runs several statements at once (migrations); no parameters. */
  exec(sql: string): Promise<void>;
  /** Runs `fn` in one transaction; it commits when `fn` resolves and rolls back when it throws. */
  transaction<T>(fn: (tx: Db) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

export interface QueryResult<T> {
  rows: T[];
  rowCount: number;
}
