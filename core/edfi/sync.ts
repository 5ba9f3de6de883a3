/**
 * After an Ed-Fi write to one student's documents, rebuilds that student's
 * canonical record from all of them and applies it through the same store
 * function and ledger as every other surface (core/records.ts applyStateRecord,
 * core/ledger.ts), inside the write's transaction. The caller enqueues
 * matching after commit, as core/submissions.ts does. A record that breaks a
 * canonical rule does not refuse the Ed-Fi write: it is held back with its
 * issues (held.ts) until a later write corrects it.
 */
import type { Db } from '../store/db.js';
import { type StateRecord, validateStateRecord, CODESET_VERSION } from '@msix/adapter-sdk/canonical';
import { applyStateRecord, findStateRecord } from '../records.js';
import { createExchange } from '../ledger.js';
import { buildStateRecord, locate, type EdfiDoc, type SourceIssue } from './canonical.js';
import { edfiCrosswalks } from './crosswalks.js';
import { docsByKeys, studentDocs, type StoredDoc } from './store.js';
import { holdRecord, releaseRecord, type HeldIssue } from './held.js';

export interface Writer {
  stateCode: string;
  clientId: string | null;
  traceId: string;
}

/**
 * Holds a student's record back with its issues, and says so in the ledger (a completed exchange with errors: the
 * Ed-Fi document was stored, its record was not applied). Issues carry paths and rules, never values.
 */
async function hold(
  db: Db,
  w: Writer,
  studentUniqueId: string,
  cause: { resource: string; documentId: string },
  issues: HeldIssue[],
): Promise<SyncResult> {
  await holdRecord(db, w.stateCode, studentUniqueId, issues);
  const exchange = await createExchange(db, {
    direction: 'inbound',
    kind: 'edfi-api',
    stateCode: w.stateCode,
    status: 'completed_with_errors',
    traceId: w.traceId,
    clientId: w.clientId,
    counts: { received: 1, accepted: 1, rejected: 0 },
    summary: {
      resource: cause.resource,
      documentId: cause.documentId,
      held: true,
      issues: issues.slice(0, 50).map(({ resource, documentId, path, rule }) => ({ resource, documentId, path, rule })),
    },
  });
  return { kind: 'held', exchangeId: exchange.id, issues };
}

/** A canonical problem, located either in the document being written or in another document of the student. */
export interface CanonicalProblem {
  resource: string;
  docId: string;
  path: string;
  message: string;
}

export type SyncResult =
  | {
      kind: 'applied';
      exchangeId: string | null;
      match: { recordId: string; version: number } | null;
      warnings: SourceIssue[];
    }
  /** The record breaks a canonical rule: held back from matching with these issues; the write stands. */
  | { kind: 'held'; exchangeId: string; issues: HeldIssue[] };

const toEdfiDoc = (d: StoredDoc): EdfiDoc => ({ id: d.id, resource: d.resource, body: d.body, updatedAt: d.updatedAt });

/** The documents a student's documents reference (one hop), and the LEAs of referenced schools (two hops). */
async function referenceData(db: Db, stateCode: string, docs: StoredDoc[]): Promise<Map<string, EdfiDoc>> {
  const own = new Set(docs.map((d) => d.identityKey));
  const wanted = [...new Set(docs.flatMap((d) => d.refKeys))].filter((k) => !own.has(k) && !k.startsWith('students|'));
  const found = await docsByKeys(db, stateCode, wanted);
  const second = [...new Set(found.filter((d) => d.resource === 'schools').flatMap((d) => d.refKeys))].filter(
    (k) => !found.some((f) => f.identityKey === k),
  );
  if (second.length) found.push(...(await docsByKeys(db, stateCode, second)));
  const out = new Map<string, EdfiDoc>();
  for (const d of found) {
    out.set(d.identityKey, toEdfiDoc(d));
    if (d.aliasKey) out.set(d.aliasKey, toEdfiDoc(d));
  }
  return out;
}

const withoutValues = (issues: SourceIssue[]) =>
  issues.map(({ resource, docId, path, message }) => ({ resource, docId, path, message }));

/**
 * Rebuilds and applies the canonical record of one student of the writer's
 * state. `resource`/`documentId` name the write that caused it (for the ledger);
 * `known.docs` are the student's documents when the caller already has them all.
 */
export async function syncCanonical(
  db: Db,
  w: Writer,
  studentUniqueId: string,
  cause: { resource: string; documentId: string },
  known?: { docs: StoredDoc[] },
): Promise<SyncResult> {
  const docs = known?.docs ?? (await studentDocs(db, w.stateCode, studentUniqueId));
  const build = buildStateRecord(
    {
      stateCode: w.stateCode,
      studentUniqueId,
      docs: docs.map(toEdfiDoc),
      refs: await referenceData(db, w.stateCode, docs),
    },
    edfiCrosswalks(),
  );
  if (build.kind === 'invalid')
    return hold(
      db,
      w,
      studentUniqueId,
      cause,
      build.issues.map((p) => ({
        path: p.path,
        rule: 'edfi-mapping',
        message: p.message,
        severity: 'error' as const,
        resource: p.resource,
        documentId: p.docId,
      })),
    );

  let record: StateRecord;
  let codesetVersion = CODESET_VERSION;
  let warnings: SourceIssue[] = [];
  if (build.kind === 'withdraw') {
    await releaseRecord(db, w.stateCode, studentUniqueId);
    const existing = await findStateRecord(db, w.stateCode, studentUniqueId);
    if (!existing) return { kind: 'applied', exchangeId: null, match: null, warnings };
    record = { ...existing.record, action: 'delete' };
  } else {
    const v = validateStateRecord(build.record);
    if (v.kind === 'invalid') {
      return hold(
        db,
        w,
        studentUniqueId,
        cause,
        v.issues.map((i) => {
          const at = locate(build.provenance, i.path) ?? {
            resource: cause.resource,
            docId: cause.documentId,
            path: '$',
          };
          return {
            path: at.path,
            rule: i.rule,
            message:
              `The MSIX record built from it breaks a rule at ${i.path}: ` +
              `${i.message}${i.fix ? `. ${i.fix}` : '.'}`,
            ...(i.fix ? { fix: i.fix } : {}),
            severity: 'error' as const,
            resource: at.resource,
            documentId: at.docId,
          };
        }),
      );
    }
    record = v.record;
    codesetVersion = v.codesetVersion;
    warnings = build.warnings;
    // A record that was held and is now valid is released (a new student has no hold to release).
    if (!known) await releaseRecord(db, w.stateCode, studentUniqueId);
  }
  // The ledger row names the Ed-Fi document; the record it produced points back at it (state_records.last_exchange_id).
  const exchange = await createExchange(db, {
    direction: 'inbound',
    kind: 'edfi-api',
    stateCode: w.stateCode,
    status: 'completed',
    traceId: w.traceId,
    clientId: w.clientId,
    counts: { received: 1, accepted: 1, rejected: 0 },
    summary: {
      resource: cause.resource,
      documentId: cause.documentId,
      ...(warnings.length ? { warnings: withoutValues(warnings).slice(0, 50) } : {}),
    },
  });
  const outcome = await applyStateRecord(db, record, codesetVersion, exchange.id);
  return {
    kind: 'applied',
    exchangeId: exchange.id,
    warnings,
    match: outcome.needsMatch && outcome.recordId ? { recordId: outcome.recordId, version: outcome.version } : null,
  };
}
