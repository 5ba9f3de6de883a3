import type { Db } from './store/db.js';
import type { ModuleSqlFile } from './store/migrate.js';
import { canonicalJson } from './canonical-json.js';
import { storable } from './security/text-safety.js';
import { groupCommit, type ItemOutcome } from '../lib/group-commit.js';

/** Who did something: a machine client of a state, a person, or the system itself. */
export interface Actor {
  id: string;
  state?: string | null;
  roles?: string[];
}

export interface AuditInput {
  actor: Actor;
  action: string;
  outcome?: 'success' | 'denied' | 'failure';
  msixId?: string | null;
  recordIds?: string[];
  fields?: string[];
  /** Why the disclosure was allowed: the request, notice or link that justified it. */
  reason?: string | null;
  traceId?: string | null;
  details?: Record<string, unknown>;
}

export const GENESIS_HASH = '0'.repeat(64);
// Serializes appends so that each row's prev_hash is the row before it (taken by audit_append in audit.sql).
export const AUDIT_LOCK = 727_002;

/** The canonical text hashed for a row: every column but the hash itself, in a fixed order. */
// `details` goes in as canonical JSON (sorted keys): jsonb does not keep key order, so a verifier reading it back must
// get the same text.
export function auditHashInput(
  prevHash: string,
  e: Required<Omit<AuditInput, 'actor'>> & { actor: Actor; at: string },
): string {
  const head = JSON.stringify([
    prevHash,
    e.at,
    e.actor.id,
    e.actor.state ?? null,
    e.actor.roles ?? [],
    e.action,
    e.outcome,
    e.msixId,
    e.recordIds,
    e.fields,
    e.reason,
    e.traceId,
  ]);
  return `${head.slice(0, -1)},${canonicalJson(e.details)}]`;
}

/** The function `audit_append`, in audit.sql beside this module (run again by the migrator when it changes). */
export const AUDIT_SQL: ModuleSqlFile = { id: 'core/audit', url: new URL('./audit.sql', import.meta.url) };

/** Where the hashed text of a row leaves its first part, `["` and the previous row's hash ({@link auditHashInput}). */
const AFTER_PREV_HASH = 2 + GENESIS_HASH.length;

/** One event as `audit_append` takes it: the columns, and the hashed text after the previous hash (base64). */
interface AppendItem {
  at: string;
  actor: string;
  actorState: string | null;
  actorRoles: string[];
  action: string;
  outcome: string;
  msixId: string | null;
  recordIds: string[];
  fields: string[];
  reason: string | null;
  traceId: string | null;
  details: Record<string, unknown>;
  tail: string;
}

function appendItem(input: AuditInput, clock: () => number): AppendItem {
  // What a caller sent is quoted in refusals (a state code from the path, a query value): NUL and lone surrogates
  // become U+FFFD, so a hostile request is audited instead of failing the insert (and answering 500). Hashed as
  // stored, so the chain verifies.
  const e = storable({
    actor: input.actor,
    action: input.action,
    outcome: input.outcome ?? 'success',
    msixId: input.msixId ?? null,
    recordIds: input.recordIds ?? [],
    fields: input.fields ?? [],
    reason: input.reason ?? null,
    traceId: input.traceId ?? null,
    details: input.details ?? {},
    at: new Date(clock()).toISOString(),
  });
  return {
    at: e.at,
    actor: e.actor.id,
    actorState: e.actor.state ?? null,
    actorRoles: e.actor.roles ?? [],
    action: e.action,
    outcome: e.outcome,
    msixId: e.msixId,
    recordIds: e.recordIds,
    fields: e.fields,
    reason: e.reason,
    traceId: e.traceId,
    details: e.details,
    // The database puts `["<previous hash>` in front: the row hashes exactly as a verifier recomputes it.
    tail: Buffer.from(auditHashInput(GENESIS_HASH, e).slice(AFTER_PREV_HASH), 'utf8').toString('base64'),
  };
}

/** Appends events in order, chained, in one statement (`audit_append`, audit.sql): all of them or none. */
async function appendItems(db: Db, items: readonly AppendItem[]): Promise<{ seq: number; hash: string }[]> {
  const r = await db.query<{ seq: number | string; hash: string }>('SELECT seq, hash FROM audit_append($1::jsonb)', [
    JSON.stringify(items),
  ]);
  return r.rows.map((x) => ({ seq: Number(x.seq), hash: x.hash }));
}

/**
 * Appends one audit event to the hash chain, in one statement: the database function `audit_append` (audit.sql)
 * takes the append lock, reads the last hash and inserts the row. Runs inside the caller's transaction when given
 * one. `clock` stamps the event (tests age events with it instead of waiting).
 */
export async function appendAudit(
  db: Db,
  input: AuditInput,
  clock: () => number = Date.now,
): Promise<{ seq: number; hash: string }> {
  return (await appendItems(db, [appendItem(input, clock)]))[0]!;
}

/** Most events one grouped append writes. */
const GROUP_MAX = 200;

/** One append round: the events in one statement; if the database refuses it, each alone (only its caller fails). */
async function appendRound(db: Db, items: AppendItem[]): Promise<ItemOutcome<{ seq: number; hash: string }>[]> {
  try {
    return (await appendItems(db, items)).map((value) => ({ ok: true, value }));
  } catch (error) {
    if (items.length === 1) return [{ ok: false, error }];
    const out: ItemOutcome<{ seq: number; hash: string }>[] = [];
    for (const item of items)
      out.push(
        await appendItems(db, [item]).then(
          (rows) => ({ ok: true as const, value: rows[0]! }),
          (err: unknown) => ({ ok: false as const, error: err }),
        ),
      );
    return out;
  }
}

const groups = new WeakMap<Db, (item: AppendItem) => Promise<{ seq: number; hash: string }>>();

/**
 * {@link appendAudit} for many concurrent requests of one process (group commit, lib/group-commit.ts): events that
 * arrive while an append is running wait for it and then go to the database together, in one statement and one turn
 * of the append lock, in the order they arrived. Each caller still resolves only once its own event is committed, so
 * a request answers only after its disclosure is on the trail. `db` must be the pool, never a transaction: the events
 * of several requests commit together.
 */
export function appendAuditGrouped(
  db: Db,
  input: AuditInput,
  clock: () => number = Date.now,
): Promise<{ seq: number; hash: string }> {
  let submit = groups.get(db);
  if (!submit) groups.set(db, (submit = groupCommit((items) => appendRound(db, items), { max: GROUP_MAX })));
  let item: AppendItem;
  try {
    item = appendItem(input, clock);
  } catch (e) {
    return Promise.reject(e);
  }
  return submit(item);
}

/** A review, merge or split decision on consolidated students, as the audit trail records it. */
export interface DecisionInput {
  actor: Actor;
  /** What was decided. */
  decision: 'review.accept' | 'review.reject' | 'merge' | 'split' | 'unmerge' | 'link' | 'unlink';
  /** The students involved (the survivor first for a merge). */
  msixIds: string[];
  recordIds?: string[];
  /** Why, in the decider's words or the worklist item's id. */
  reason: string;
  traceId?: string | null;
  details?: Record<string, unknown>;
}

/**
 * Records a review, merge or split decision. The matching and worklist code
 * calls it inside its own transaction (pass `tx`), so the decision and its
 * audit row commit or roll back together.
 */
export async function auditDecision(db: Db, d: DecisionInput): Promise<{ seq: number; hash: string }> {
  return appendAudit(db, {
    actor: d.actor,
    action: `decision.${d.decision}`,
    msixId: d.msixIds[0] ?? null,
    recordIds: d.recordIds ?? [],
    reason: d.reason,
    traceId: d.traceId ?? null,
    details: { msixIds: d.msixIds, ...(d.details ?? {}) },
  });
}

/** Records a sign-in, sign-out or failed sign-in of a person. */
export async function auditSignIn(
  db: Db,
  s: {
    actor: Actor;
    event: 'signin' | 'signout';
    outcome: 'success' | 'failure' | 'denied';
    method: string;
    traceId?: string | null;
    details?: Record<string, unknown>;
  },
): Promise<{ seq: number; hash: string }> {
  return appendAudit(db, {
    actor: s.actor,
    action: `auth.${s.event}`,
    outcome: s.outcome,
    traceId: s.traceId ?? null,
    details: { method: s.method, ...(s.details ?? {}) },
  });
}
