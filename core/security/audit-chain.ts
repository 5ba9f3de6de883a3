import { createHash } from 'node:crypto';
import type { Db } from '../store/db.js';
import { AUDIT_LOCK, GENESIS_HASH, appendAudit, auditHashInput, type Actor } from '../audit.js';
import { csvLine } from '../../lib/csv.js';

/**
 * Verifying, exporting and purging the audit trail. The chain makes tampering
 * visible: each row's hash covers its content and the previous row's hash, so
 * a changed, removed or inserted row breaks every hash after it. Retention
 * purges old rows but first records the hash of the last purged row as a
 * checkpoint, so what remains still verifies from a known start.
 */
export interface AuditRow {
  seq: number;
  at: string;
  actor: string;
  actor_state: string | null;
  actor_roles: string[];
  action: string;
  outcome: string;
  msix_id: string | null;
  record_ids: string[];
  fields: string[];
  reason: string | null;
  trace_id: string | null;
  details: Record<string, unknown>;
  prev_hash: string;
  hash: string;
}

interface DbRow extends Omit<AuditRow, 'at' | 'seq'> {
  seq: number | string;
  at: Date | string;
}
const fromDb = (r: DbRow): AuditRow => ({ ...r, seq: Number(r.seq), at: new Date(r.at).toISOString() });

/** The hash a row should have, from its content and the previous hash. */
export function rowHash(prevHash: string, r: AuditRow): string {
  return createHash('sha256')
    .update(
      auditHashInput(prevHash, {
        at: r.at,
        actor: { id: r.actor, state: r.actor_state, roles: r.actor_roles },
        action: r.action,
        outcome: r.outcome as 'success',
        msixId: r.msix_id,
        recordIds: r.record_ids,
        fields: r.fields,
        reason: r.reason,
        traceId: r.trace_id,
        details: r.details,
      }),
    )
    .digest('hex');
}

export type ChainBreak = { seq: number; problem: 'prev-hash' | 'hash' | 'order' };
export type ChainReport =
  | {
      kind: 'intact';
      rows: number;
      firstSeq: number | null;
      lastSeq: number | null;
      lastHash: string;
      startedFrom: 'genesis' | 'checkpoint';
    }
  | { kind: 'broken'; rows: number; breaks: ChainBreak[]; startedFrom: 'genesis' | 'checkpoint' };

/**
 * Walks rows in order from `startHash`, reporting the first breaks (up to 20). Works on rows from the database or an
 * export file.
 */
export async function verifyRows(
  rows: AsyncIterable<AuditRow> | Iterable<AuditRow>,
  startHash: string,
  startedFrom: 'genesis' | 'checkpoint',
): Promise<ChainReport> {
  let prev = startHash;
  let prevSeq = -Infinity;
  let n = 0;
  let first: number | null = null;
  const breaks: ChainBreak[] = [];
  for await (const r of rows) {
    n++;
    first ??= r.seq;
    if (r.seq <= prevSeq) breaks.push({ seq: r.seq, problem: 'order' });
    if (r.prev_hash !== prev) breaks.push({ seq: r.seq, problem: 'prev-hash' });
    if (rowHash(r.prev_hash, r) !== r.hash) breaks.push({ seq: r.seq, problem: 'hash' });
    if (breaks.length >= 20) break;
    prev = r.hash;
    prevSeq = r.seq;
  }
  return breaks.length
    ? { kind: 'broken', rows: n, breaks, startedFrom }
    : { kind: 'intact', rows: n, firstSeq: first, lastSeq: n ? prevSeq : null, lastHash: prev, startedFrom };
}

/** Rows in seq order, read in pages so a large trail never sits in memory. */
export async function* auditRows(
  db: Db,
  range: { from?: string; to?: string } = {},
  page = 1000,
): AsyncGenerator<AuditRow> {
  let after = 0;
  for (;;) {
    const r = await db.query<DbRow>(
      `SELECT seq, at, actor, actor_state, actor_roles, action, outcome, msix_id, record_ids, fields, reason, trace_id,
       details, prev_hash, hash
       FROM audit_events WHERE seq > $1 AND ($2::timestamptz IS NULL OR at >= $2) AND ($3::timestamptz IS NULL
       OR at < $3)
       ORDER BY seq LIMIT $4`,
      [after, range.from ?? null, range.to ?? null, page],
    );
    for (const row of r.rows) yield fromDb(row);
    if (r.rows.length < page) return;
    after = Number(r.rows[r.rows.length - 1]!.seq);
  }
}

/** The latest retention checkpoint: the chain of the remaining rows starts at its hash. */
export async function latestCheckpoint(db: Db): Promise<{ throughSeq: number; throughHash: string } | null> {
  const r = await db.query<{ through_seq: number | string; through_hash: string }>(
    'SELECT through_seq, through_hash FROM audit_checkpoints ORDER BY id DESC LIMIT 1',
  );
  const c = r.rows[0];
  return c ? { throughSeq: Number(c.through_seq), throughHash: c.through_hash } : null;
}

/** Verifies the whole trail in the database. */
export async function verifyAuditChain(db: Db): Promise<ChainReport> {
  const cp = await latestCheckpoint(db);
  return verifyRows(auditRows(db), cp?.throughHash ?? GENESIS_HASH, cp ? 'checkpoint' : 'genesis');
}

export type ExportFormat = 'jsonl' | 'csv';
export const CSV_COLUMNS = [
  'seq',
  'at',
  'actor',
  'actor_state',
  'actor_roles',
  'action',
  'outcome',
  'msix_id',
  'record_ids',
  'fields',
  'reason',
  'trace_id',
  'details',
  'prev_hash',
  'hash',
] as const;

const csvCell = (v: unknown): string => {
  const s =
    v === null || v === undefined
      ? ''
      : Array.isArray(v)
        ? v.join('|')
        : typeof v === 'object'
          ? JSON.stringify(v)
          : String(v);
  return s;
};

/**
 * The trail for auditors, one event per line: JSON lines (which `audit verify
 * --file` checks again) or CSV for spreadsheets. Hashes are included so the
 * export itself can be verified.
 */
export async function* exportAudit(
  db: Db,
  format: ExportFormat,
  range: { from?: string; to?: string } = {},
): AsyncGenerator<string> {
  if (format === 'csv') yield csvLine(CSV_COLUMNS, { eol: '\n' });
  for await (const r of auditRows(db, range)) {
    // Every cell quoted, so a spreadsheet reads each as text; the writer neutralizes formulas.
    yield format === 'jsonl'
      ? `${JSON.stringify(r)}\n`
      : csvLine(
          CSV_COLUMNS.map((c) => csvCell(r[c])),
          { eol: '\n', quoteAll: true },
        );
  }
}

/** Reads rows back from a JSON-lines export. */
export function parseExportLine(line: string): AuditRow | null {
  try {
    const r = JSON.parse(line) as AuditRow;
    return typeof r.seq === 'number' && typeof r.hash === 'string' ? r : null;
  } catch {
    return null;
  }
}

export type PurgeResult =
  | { kind: 'purged'; throughSeq: number; throughHash: string; rows: number }
  | { kind: 'nothing' };

/**
 * Deletes events older than `olderThanDays`, after recording a checkpoint with
 * the hash of the last deleted row, and appends an `audit.purged` event so the
 * purge is itself on the chain. Run an export first if auditors need the rows.
 */
export async function purgeAudit(db: Db, olderThanDays: number, actor: Actor): Promise<PurgeResult> {
  if (olderThanDays <= 0) return { kind: 'nothing' };
  return purgeAuditBefore(db, new Date(Date.now() - olderThanDays * 86_400_000), actor, { olderThanDays });
}

/** Purges events before `before` (see purgeAudit). */
export async function purgeAuditBefore(
  db: Db,
  before: Date,
  actor: Actor,
  note: Record<string, unknown> = {},
): Promise<PurgeResult> {
  const res = await db.transaction(async (tx): Promise<PurgeResult> => {
    await tx.query('SELECT pg_advisory_xact_lock($1)', [AUDIT_LOCK]);
    const last = await tx.query<{ seq: number | string; hash: string; at: Date | string }>(
      `SELECT seq, hash, at FROM audit_events WHERE at < $1 ORDER BY seq DESC LIMIT 1`,
      [before.toISOString()],
    );
    const cut = last.rows[0];
    if (!cut) return { kind: 'nothing' };
    await tx.query(`SELECT set_config('msix.audit_purge', 'on', true)`);
    const del = await tx.query('DELETE FROM audit_events WHERE seq <= $1', [cut.seq]);
    await tx.query(`SELECT set_config('msix.audit_purge', 'off', true)`);
    await tx.query(
      'INSERT INTO audit_checkpoints (through_seq, through_hash, through_at, purged_rows, actor) VALUES ' +
        '($1,$2,$3,$4,$5)',
      [cut.seq, cut.hash, new Date(cut.at).toISOString(), del.rowCount, actor.id],
    );
    return { kind: 'purged', throughSeq: Number(cut.seq), throughHash: cut.hash, rows: del.rowCount };
  });
  if (res.kind === 'purged') {
    await appendAudit(db, {
      actor,
      action: 'audit.purged',
      details: {
        throughSeq: res.throughSeq,
        throughHash: res.throughHash,
        rows: res.rows,
        before: before.toISOString(),
        ...note,
      },
    });
  }
  return res;
}
