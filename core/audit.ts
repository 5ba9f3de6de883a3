import { createHash } from 'node:crypto';
import type { Db } from './store/db.js';
import { canonicalJson } from './canonical-json.js';
import { storable } from './security/text-safety.js';

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
// Serializes appends so that each row's prev_hash is the row before it.
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

/**
 * Appends one audit event to the hash chain. Runs inside the caller's transaction when given one. `clock` stamps the
 * event (tests age events with it instead of waiting).
 */
export async function appendAudit(
  db: Db,
  input: AuditInput,
  clock: () => number = Date.now,
): Promise<{ seq: number; hash: string }> {
  return db.transaction(async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock($1)', [AUDIT_LOCK]);
    const last = await tx.query<{ hash: string }>('SELECT hash FROM audit_events ORDER BY seq DESC LIMIT 1');
    const prevHash = last.rows[0]?.hash ?? GENESIS_HASH;
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
    const hash = createHash('sha256').update(auditHashInput(prevHash, e)).digest('hex');
    const r = await tx.query<{ seq: number }>(
      `INSERT INTO audit_events (at, actor, actor_state, actor_roles, action, outcome, msix_id, record_ids, fields,
       reason, trace_id, details, prev_hash, hash)
       VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14) RETURNING seq`,
      [
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
        JSON.stringify(e.details),
        prevHash,
        hash,
      ],
    );
    return { seq: r.rows[0]!.seq, hash };
  });
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
