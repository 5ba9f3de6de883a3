import { createHash } from 'node:crypto';
import type { Db } from '../store/db.js';
import { GENESIS_HASH, appendAudit, auditHashInput, type Actor } from '../audit.js';
import { csvLine } from '@msix/adapter-sdk/csv';

/**
 * Verifying, exporting and purging the audit trail. The chain makes tampering
 * visible: each row's hash covers its content and the previous row's hash, so
 * a changed, removed or inserted row breaks every hash after it. Retention
 * purges old rows only through the database function audit_purge() (its own
 * role; never the last 30 days), which records the hash of the last purged row
 * as a checkpoint, so what remains still verifies from a known start. The head
 * is published so that a removed tail shows against a copy kept elsewhere.
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

/**
 * What is wrong at a seq: a row changed (`hash`), removed or inserted (`prev-hash`), out of order; a checkpoint that
 * no `audit.purged` event on the chain vouches for, or the reverse (`checkpoint`); a published anchor the chain no
 * longer holds with that hash (`anchor`), or that lies past the chain's end (`truncated`: the newest rows are gone).
 */
export type ChainBreak = {
  seq: number;
  problem: 'prev-hash' | 'hash' | 'order' | 'checkpoint' | 'anchor' | 'truncated';
};
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

/** A retention checkpoint: the hash of the chain up to the cut (the last purged row's). */
export interface Checkpoint {
  throughSeq: number;
  throughHash: string;
}

/** Every retention checkpoint, oldest first. */
export async function checkpoints(db: Db): Promise<Checkpoint[]> {
  const r = await db.query<{ through_seq: number | string; through_hash: string }>(
    'SELECT through_seq, through_hash FROM audit_checkpoints ORDER BY id',
  );
  return r.rows.map((c) => ({ throughSeq: Number(c.through_seq), throughHash: c.through_hash }));
}

/** The latest retention checkpoint: the chain of the remaining rows starts at its hash. */
export async function latestCheckpoint(db: Db): Promise<Checkpoint | null> {
  return (await checkpoints(db)).at(-1) ?? null;
}

/**
 * The chain's head as published (GET /api/v1/audit/head, the gateway's periodic `audit chain head` log line): the
 * newest row's seq and hash. Whoever keeps a copy can later prove with `audit-trail verify --anchor seq:hash` that
 * no row up to it was changed or removed, the newest included.
 */
export interface AuditHead {
  seq: number;
  hash: string;
  at: string | null;
  checkpoint: Checkpoint | null;
}

export async function auditHead(db: Db): Promise<AuditHead> {
  const r = await db.query<{ seq: number | string; hash: string; at: Date | string }>(
    'SELECT seq, hash, at FROM audit_events ORDER BY seq DESC LIMIT 1',
  );
  const cp = await latestCheckpoint(db);
  const h = r.rows[0];
  if (h) return { seq: Number(h.seq), hash: h.hash, at: new Date(h.at).toISOString(), checkpoint: cp };
  // Everything purged (or nothing yet): the head is the checkpoint, or the genesis.
  return { seq: cp?.throughSeq ?? 0, hash: cp?.throughHash ?? GENESIS_HASH, at: null, checkpoint: cp };
}

/** A published head to check the chain against: `seq:hash`, or a saved head answer or log line (JSON). */
export type Anchor = { seq: number; hash: string };

/** Reads `seq:hash`, the JSON of GET /api/v1/audit/head, or an `audit chain head` log line; null if none. */
export function parseAnchor(text: string): Anchor | null {
  const t = text.trim();
  const plain = /^(\d+):([0-9a-f]{64})$/.exec(t);
  if (plain) return { seq: Number(plain[1]), hash: plain[2]! };
  try {
    const j = JSON.parse(t) as { seq?: unknown; hash?: unknown; audit?: { seq?: unknown; hash?: unknown } };
    const h = j.audit ?? j;
    return typeof h.seq === 'number' && typeof h.hash === 'string' && /^[0-9a-f]{64}$/.test(h.hash)
      ? { seq: h.seq, hash: h.hash }
      : null;
  } catch {
    return null;
  }
}

/**
 * Verifies the whole trail in the database: the hash chain from the latest checkpoint; every checkpoint against the
 * `audit.purged` event the purge put on the chain (a checkpoint nobody recorded, or a recorded purge with no
 * checkpoint, is a break); and each published anchor: the row at its seq must still carry its hash (or a
 * checkpoint must end exactly there), and the chain must reach it, so a removed tail shows.
 */
export async function verifyAuditChain(db: Db, anchors: readonly Anchor[] = []): Promise<ChainReport> {
  const cps = await checkpoints(db);
  const cp = cps.at(-1) ?? null;
  const purges: Checkpoint[] = [];
  const atSeq = new Map(anchors.map((a) => [a.seq, a]));
  const breaks: ChainBreak[] = [];
  async function* watched(): AsyncGenerator<AuditRow> {
    for await (const r of auditRows(db)) {
      if (r.action === 'audit.purged')
        purges.push({ throughSeq: Number(r.details.throughSeq), throughHash: String(r.details.throughHash) });
      const a = atSeq.get(r.seq);
      if (a) {
        atSeq.delete(r.seq);
        if (a.hash !== r.hash) breaks.push({ seq: r.seq, problem: 'anchor' });
      }
      yield r;
    }
  }
  const chain = await verifyRows(watched(), cp?.throughHash ?? GENESIS_HASH, cp ? 'checkpoint' : 'genesis');
  for (let i = 1; i < cps.length; i++)
    if (cps[i]!.throughSeq <= cps[i - 1]!.throughSeq) breaks.push({ seq: cps[i]!.throughSeq, problem: 'checkpoint' });
  const vouched = (c: Checkpoint) =>
    purges.some((p) => p.throughSeq === c.throughSeq && p.throughHash === c.throughHash);
  // The latest purge's event follows its cut, so it is still on the chain; older ones may have been purged since.
  if (cp && !vouched(cp)) breaks.push({ seq: cp.throughSeq, problem: 'checkpoint' });
  for (const p of purges)
    if (!cps.some((c) => c.throughSeq === p.throughSeq && c.throughHash === p.throughHash))
      breaks.push({ seq: p.throughSeq, problem: 'checkpoint' });
  const lastSeq = chain.kind === 'intact' ? chain.lastSeq : null;
  for (const a of atSeq.values()) {
    const c = cps.find((x) => x.throughSeq === a.seq);
    if (c) {
      if (c.throughHash !== a.hash) breaks.push({ seq: a.seq, problem: 'anchor' });
    } else if (a.seq > (lastSeq ?? cp?.throughSeq ?? 0)) breaks.push({ seq: a.seq, problem: 'truncated' });
    else if (!cp || a.seq > cp.throughSeq) breaks.push({ seq: a.seq, problem: 'anchor' });
    // Else the anchor lies inside a purged stretch between two cuts: nothing is left to compare it with.
  }
  if (!breaks.length) return chain;
  const all = [...(chain.kind === 'broken' ? chain.breaks : []), ...breaks];
  return { kind: 'broken', rows: chain.rows, breaks: all, startedFrom: chain.startedFrom };
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
 * Deletes events older than `olderThanDays` (30 at least: the database refuses
 * younger cuts), recording a checkpoint with the hash of the last deleted row,
 * and appends an `audit.purged` event so the purge is itself on the chain. Run
 * an export first if auditors need the rows.
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
  // One transaction: the rows go, the checkpoint is written (both by audit_purge(), as its own role) and the purge is
  // put on the chain, or nothing happens.
  return db.transaction(async (tx): Promise<PurgeResult> => {
    const r = await tx.query<{ through_seq: number | string; through_hash: string; purged_rows: number | string }>(
      'SELECT through_seq, through_hash, purged_rows FROM audit_purge($1, $2)',
      [before.toISOString(), actor.id],
    );
    const cut = r.rows[0];
    if (!cut) return { kind: 'nothing' };
    const res = {
      kind: 'purged' as const,
      throughSeq: Number(cut.through_seq),
      throughHash: cut.through_hash,
      rows: Number(cut.purged_rows),
    };
    await appendAudit(tx, {
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
    return res;
  });
}
