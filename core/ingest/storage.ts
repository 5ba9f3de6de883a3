/**
 * Uploaded batch files, kept in Postgres in ~1 MiB chunks: written as the
 * upload streams in and read back the same way by the ingest job, so neither
 * side ever holds the whole file.
 */
import { createHash } from 'node:crypto';
import type { Db } from '../store/db.js';

export const CHUNK_BYTES = 1024 * 1024;

export interface SubmissionFile {
  exchangeId: string;
  stateCode: string;
  adapterId: string;
  fileName: string | null;
  mediaType: string | null;
  sizeBytes: number;
  sha256: string | null;
  chunkCount: number;
  complete: boolean;
}

interface Row {
  exchange_id: string;
  state_code: string;
  adapter_id: string;
  file_name: string | null;
  media_type: string | null;
  size_bytes: string | number;
  sha256: string | null;
  chunk_count: number;
  complete: boolean;
}

const fromRow = (r: Row): SubmissionFile => ({
  exchangeId: r.exchange_id,
  stateCode: r.state_code,
  adapterId: r.adapter_id,
  fileName: r.file_name,
  mediaType: r.media_type,
  sizeBytes: Number(r.size_bytes),
  sha256: r.sha256,
  chunkCount: r.chunk_count,
  complete: r.complete,
});

export interface NewSubmissionFile {
  exchangeId: string;
  stateCode: string;
  adapterId: string;
  fileName?: string | null;
  mediaType?: string | null;
}

export async function createSubmissionFile(db: Db, f: NewSubmissionFile): Promise<void> {
  await db.query(
    'INSERT INTO submission_files (exchange_id, state_code, adapter_id, file_name, media_type) VALUES ($1,$2,$3,$4,$5)',
    [f.exchangeId, f.stateCode, f.adapterId, f.fileName ?? null, f.mediaType ?? null],
  );
}

export type StoreFileResult =
  | { kind: 'ok'; sizeBytes: number; sha256: string; chunkCount: number }
  | { kind: 'tooLarge'; limitBytes: number }
  | { kind: 'empty' };

/**
 * Streams bytes into the file's chunks, hashing as it goes. Stops (and keeps
 * nothing) when the file passes `maxBytes`. Memory: one chunk. `onComplete`
 * runs in the transaction that marks the file complete.
 */
export async function storeFileChunks(
  db: Db,
  exchangeId: string,
  source: AsyncIterable<Buffer | Uint8Array>,
  maxBytes: number,
  onComplete?: (tx: Db, file: { sizeBytes: number; sha256: string }) => Promise<void>,
): Promise<StoreFileResult> {
  const hash = createHash('sha256');
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  let size = 0;
  let seq = 0;
  const flush = async () => {
    if (!pendingBytes) return;
    const data = Buffer.concat(pending);
    pending = [];
    pendingBytes = 0;
    await db.query('INSERT INTO submission_file_chunks (exchange_id, seq, data) VALUES ($1,$2,$3)', [
      exchangeId,
      seq++,
      data,
    ]);
  };
  for await (const c of source) {
    const b = Buffer.isBuffer(c) ? c : Buffer.from(c.buffer, c.byteOffset, c.byteLength);
    size += b.length;
    if (size > maxBytes) {
      await db.query('DELETE FROM submission_file_chunks WHERE exchange_id = $1', [exchangeId]);
      return { kind: 'tooLarge', limitBytes: maxBytes };
    }
    hash.update(b);
    pending.push(b);
    pendingBytes += b.length;
    if (pendingBytes >= CHUNK_BYTES) await flush();
  }
  await flush();
  if (size === 0) return { kind: 'empty' };
  const sha256 = hash.digest('hex');
  // What completes the file (the caller's job intent) commits with it: a complete file always has its ingest coming.
  await db.transaction(async (tx) => {
    await tx.query(
      'UPDATE submission_files SET size_bytes = $2, sha256 = $3, chunk_count = $4, complete = true WHERE ' +
        'exchange_id = $1',
      [exchangeId, size, sha256, seq],
    );
    await onComplete?.(tx, { sizeBytes: size, sha256 });
  });
  return { kind: 'ok', sizeBytes: size, sha256, chunkCount: seq };
}

export async function getSubmissionFile(db: Db, exchangeId: string): Promise<SubmissionFile | null> {
  const r = await db.query<Row>('SELECT * FROM submission_files WHERE exchange_id = $1', [exchangeId]);
  return r.rows[0] ? fromRow(r.rows[0]) : null;
}

/** The stored file as a stream of chunks, read one row at a time. */
export async function* readFileChunks(db: Db, exchangeId: string): AsyncGenerator<Buffer> {
  for (let seq = 0; ; seq++) {
    const r = await db.query<{ data: Buffer | Uint8Array }>(
      'SELECT data FROM submission_file_chunks WHERE exchange_id = $1 AND seq = $2',
      [exchangeId, seq],
    );
    const row = r.rows[0];
    if (!row) return;
    yield Buffer.isBuffer(row.data) ? row.data : Buffer.from(row.data.buffer, row.data.byteOffset, row.data.byteLength);
  }
}

/** An earlier complete upload of the same bytes by the same state, if any (a resend). */
export async function findEarlierUpload(
  db: Db,
  stateCode: string,
  sha256: string,
  exceptExchangeId: string,
): Promise<string | null> {
  const r = await db.query<{ exchange_id: string }>(
    'SELECT exchange_id FROM submission_files WHERE state_code = $1 AND sha256 = $2 AND complete AND ' +
      'exchange_id <> $3 ORDER BY created_at LIMIT 1',
    [stateCode, sha256, exceptExchangeId],
  );
  return r.rows[0]?.exchange_id ?? null;
}

export async function saveReport(db: Db, exchangeId: string, report: unknown): Promise<void> {
  await db.query(
    `INSERT INTO ingest_reports (exchange_id, report) VALUES ($1, $2)
    ON CONFLICT (exchange_id) DO UPDATE SET report = EXCLUDED.report, created_at = now()`,
    [exchangeId, JSON.stringify(report)],
  );
}

export async function getReport<T = unknown>(db: Db, exchangeId: string): Promise<T | null> {
  const r = await db.query<{ report: T }>('SELECT report FROM ingest_reports WHERE exchange_id = $1', [exchangeId]);
  return r.rows[0]?.report ?? null;
}
