/**
 * The Ed-Fi write operations with ODS/API semantics: POST is an upsert on the
 * natural key, PUT replaces by id (never creates, never changes the key),
 * DELETE is refused while the document is referenced. References must exist
 * in the writer's state. A write to a student's documents also rebuilds and
 * stores that student's canonical record in the same transaction (sync.ts),
 * so the Ed-Fi document and the canonical record are written together or not
 * at all; matching is enqueued after commit.
 */
import type { Db } from '../store/db.js';
import type { JobQueue } from '../jobs.js';
import { createExchange } from '../ledger.js';
import { enqueueIntentsGrouped, matchIntent, recordIntents, type JobIntent } from '../job-intents.js';
import { contentHash } from '../canonical-json.js';
import { resourceNamed, type ResourceDef } from '../../specs/edfi/catalog.js';
import { FAMILIES } from '../../specs/edfi/model/index.js';
import { validateDocument, type ValidationErrors } from '../../specs/edfi/validation.js';
import { aliasKey, identityKey, keyValues, references, studentOf } from './keys.js';
import {
  dependentResources,
  deleteDoc,
  existingKeys,
  findById,
  findByKey,
  insertDocIfAbsent,
  newDocumentId,
  normalizeId,
  replaceDoc,
  studentsReferencing,
  type StoredDoc,
} from './store.js';
import { syncCanonical, type Writer } from './sync.js';
import { etagMatches } from './etag.js';
import { createStudent } from './create-student.js';
import { changeKey } from './key-change.js';

export type { Writer } from './sync.js';

export interface EdfiDeps {
  db: Db;
  queue: JobQueue;
}

/** Every way an Ed-Fi write can end; the HTTP shell maps each to its status and problem type. */
export type WriteResult =
  | { kind: 'written'; status: 'created' | 'updated' | 'unchanged'; doc: StoredDoc }
  | { kind: 'deleted' }
  | { kind: 'invalid'; validationErrors: ValidationErrors; errors: string[] }
  | { kind: 'id-in-body' }
  | { kind: 'id-mismatch' }
  | { kind: 'unresolved'; entities: string[] }
  | { kind: 'not-found' }
  | { kind: 'forbidden'; detail: string }
  | { kind: 'precondition-failed'; reason: 'modified' | 'exists' }
  | { kind: 'key-change'; entity: string }
  | { kind: 'dependent'; entities: string[] }
  | { kind: 'identity-conflict'; detail: string };

/** Thrown inside the transaction to roll back and answer with `outcome`. */
class Rollback {
  constructor(readonly outcome: WriteResult) {}
}

const FAILURES = new Set<WriteResult['kind']>([
  'invalid',
  'unresolved',
  'precondition-failed',
  'key-change',
  'dependent',
  'identity-conflict',
  'forbidden',
  'not-found',
]);

/** What a successful step asks the transaction to do next: rebuild a student's canonical record. */
interface SyncRequest {
  resource: string;
  /** The document written (or deleted). */
  id: string;
  /** The student whose documents changed; null for reference data (schools, courses…): nothing to rebuild. */
  student: string | null;
  /** The write created the Student itself: no other document of the student can exist yet. */
  freshStudent?: StoredDoc;
  /** Reference data changed (a school renamed, a course retitled): the keys students' documents reach it by. */
  referenceKeys?: string[];
}

/** Reference data whose content goes into canonical records (names, NCES ids, titles, categories). */
const FEEDS_CANONICAL = new Set(['schools', 'localEducationAgencies', 'courses', 'assessments']);
const referenceKeysOf = (def: ResourceDef, doc: StoredDoc): string[] | undefined =>
  FEEDS_CANONICAL.has(def.name) ? [doc.identityKey, ...(doc.aliasKey ? [doc.aliasKey] : [])] : undefined;

const UNIQUE_VIOLATION = '23505';

/**
 * Runs one write in a transaction. After the document is written, a write to
 * a student's documents takes a per-student lock (an advisory lock) and only
 * then reads the student's documents and rebuilds the canonical record, so of
 * two concurrent writes for one child the later one always sees the earlier
 * one's document and the last canonical record has both. Every writer takes
 * locks in one order (document rows, then the student lock, then the state
 * record row), so writers cannot deadlock. Creating a Student skips the lock:
 * nothing else of that student can exist until it commits.
 */
async function inTransaction(
  deps: EdfiDeps,
  w: Writer,
  fn: (tx: Db) => Promise<{ result: WriteResult; sync?: SyncRequest }>,
): Promise<WriteResult> {
  /** The match jobs of the records this write produced: written as intents in the transaction, enqueued after. */
  let intents: JobIntent<'match'>[] = [];
  let result: WriteResult;
  try {
    result = await deps.db.transaction(async (tx) => {
      const toMatch: { recordId: string; version: number }[] = [];
      const out = await fn(tx);
      if (FAILURES.has(out.result.kind)) throw new Rollback(out.result);
      const sync = out.sync;
      if (sync?.student) {
        const fresh = sync.freshStudent;
        if (!fresh)
          await tx.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`edfi|${w.stateCode}|${sync.student}`]);
        const s = await syncCanonical(
          tx,
          w,
          sync.student,
          { resource: sync.resource, documentId: sync.id },
          fresh ? { docs: [fresh] } : undefined,
        );
        // A record that breaks a canonical rule is held back (sync.ts): the Ed-Fi write stands, nothing is matched.
        if (s.kind === 'applied' && s.match) toMatch.push(s.match);
      }
      if (sync?.referenceKeys) {
        // Every student whose record shows this school, district, course or assessment gets the new version.
        for (const student of await studentsReferencing(tx, w.stateCode, sync.referenceKeys)) {
          await tx.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`edfi|${w.stateCode}|${student}`]);
          const s = await syncCanonical(tx, w, student, { resource: sync.resource, documentId: sync.id });
          if (s.kind === 'applied' && s.match) toMatch.push(s.match);
        }
      }
      intents = toMatch.map((m) => matchIntent(m.recordId, m.version, w.traceId));
      await recordIntents(tx, intents);
      return out.result;
    });
  } catch (e) {
    if (e instanceof Rollback) return e.outcome;
    // Two requests creating education organizations with one id at the same moment.
    if ((e as { code?: string }).code === UNIQUE_VIOLATION)
      return {
        kind: 'identity-conflict',
        detail: 'Another item with the same identity was written at the same time; send it again.',
      };
    throw e;
  }
  // After commit: a failed enqueue leaves the job's intent, and the recovery pass enqueues it later.
  await enqueueIntentsGrouped(deps.queue, intents);
  return result;
}

/** Refused writes go to the ledger too (where and why, never the values), so the help desk sees them. */
export async function recordRejection(db: Db, w: Writer, resource: string, result: WriteResult): Promise<void> {
  const issues =
    result.kind === 'invalid'
      ? [
          ...Object.entries(result.validationErrors).map(([path, m]) => ({ path, rule: 'edfi', message: m.join(' ') })),
          ...result.errors.map((message) => ({ path: '$', rule: 'canonical', message })),
        ]
      : [{ path: '$', rule: result.kind, message: result.kind }];
  await createExchange(db, {
    direction: 'inbound',
    kind: 'edfi-api',
    stateCode: w.stateCode,
    status: 'rejected',
    traceId: w.traceId,
    clientId: w.clientId,
    counts: { received: 1, accepted: 0, rejected: 1 },
    summary: { resource, outcome: result.kind, issues: issues.slice(0, 50) },
  }).catch(() => {});
}

function prepare(def: ResourceDef, doc: Record<string, unknown>) {
  const refs = references(def, doc);
  return {
    key: identityKey(def, doc),
    alias: aliasKey(def, doc),
    refs,
    refKeys: [...new Set(refs.map((r) => r.key))],
    keyValues: keyValues(def, doc),
    student: studentOf(def, doc),
    hash: contentHash(doc),
  };
}

async function missingReferences(
  tx: Db,
  stateCode: string,
  p: ReturnType<typeof prepare>,
): Promise<WriteResult | null> {
  const found = await existingKeys(tx, stateCode, p.refKeys);
  const missing = [...new Set(p.refs.filter((r) => !found.has(r.key)).map((r) => r.targetEntity))];
  return missing.length ? { kind: 'unresolved', entities: missing } : null;
}

const stripServerFields = (body: Record<string, unknown>) => {
  delete body._etag;
  delete body._lastModifiedDate;
  delete body.link;
};

/** POST: insert or update by natural key. `ifNoneMatch: '*'` refuses an existing document (412). */
export async function upsertDocument(
  deps: EdfiDeps,
  w: Writer,
  def: ResourceDef,
  body: unknown,
  opts: { ifNoneMatch?: string } = {},
): Promise<WriteResult> {
  if (body && typeof body === 'object' && !Array.isArray(body) && 'id' in body) return { kind: 'id-in-body' };
  if (body && typeof body === 'object' && !Array.isArray(body)) stripServerFields(body as Record<string, unknown>);
  const v = validateDocument(def.schema, body);
  if (v.kind === 'invalid') return { kind: 'invalid', validationErrors: v.validationErrors, errors: [] };
  const p = prepare(def, v.doc);
  if (def.name === 'students') {
    // A new Student goes in one statement; one the state already has takes the general path below.
    const id = newDocumentId();
    const fast = await createStudent(deps.db, w, {
      id,
      stateCode: w.stateCode,
      resource: def.name,
      identityKey: p.key,
      aliasKey: null,
      keyValues: p.keyValues,
      refKeys: [],
      studentUniqueId: p.student,
      body: v.doc,
      contentHash: p.hash,
      clientId: w.clientId,
    });
    // A Student whose record breaks a canonical rule takes the general path below, which stores it and holds the
    // record back (sync.ts).
    if (fast.kind === 'created') {
      if (fast.match) {
        // The one statement wrote no job intent (a round trip saved on every new Student): the intent is written only
        // when the enqueue fails, so the recovery pass still enqueues the match job after a Redis outage.
        const intent = matchIntent(fast.match.recordId, fast.match.version, w.traceId);
        if (await enqueueIntentsGrouped(deps.queue, [intent])) await recordIntents(deps.db, [intent]);
      }
      return { kind: 'written', status: 'created', doc: fast.doc };
    }
  }
  return inTransaction(deps, w, async (tx) => {
    const unresolved = await missingReferences(tx, w.stateCode, p);
    if (unresolved) return { result: unresolved };
    // An education organization's id must not be taken by another kind of education organization.
    if (
      p.alias &&
      (await findByKey(tx, w.stateCode, p.key)) === null &&
      (await existingKeys(tx, w.stateCode, [p.alias])).size > 0
    ) {
      return {
        result: {
          kind: 'identity-conflict',
          detail: def.educationOrganizationIdField
            ? `Another education organization already has the id ${p.alias.slice(p.alias.indexOf('[') + 1, -1)}.`
            : `Another ${FAMILIES.get(def.family ?? '')?.entity ?? 'item'} already has this identity.`,
        },
      };
    }
    const created = await insertDocIfAbsent(tx, {
      id: newDocumentId(),
      stateCode: w.stateCode,
      resource: def.name,
      identityKey: p.key,
      aliasKey: p.alias,
      keyValues: p.keyValues,
      refKeys: p.refKeys,
      studentUniqueId: p.student,
      body: v.doc,
      contentHash: p.hash,
      clientId: w.clientId,
    });
    if (created) {
      return {
        result: { kind: 'written', status: 'created', doc: created },
        sync: {
          resource: def.name,
          id: created.id,
          student: p.student,
          ...(def.name === 'students' ? { freshStudent: created } : {}),
        },
      };
    }
    const existing = await findByKey(tx, w.stateCode, p.key, true);
    if (!existing)
      return {
        result: {
          kind: 'identity-conflict',
          detail: 'The item was deleted by another request at the same time; send it again.',
        },
      };
    if (opts.ifNoneMatch?.trim() === '*') return { result: { kind: 'precondition-failed', reason: 'exists' } };
    if (existing.contentHash === p.hash) return { result: { kind: 'written', status: 'unchanged', doc: existing } };
    const doc = await replaceDoc(tx, existing.id, {
      refKeys: p.refKeys,
      body: v.doc,
      contentHash: p.hash,
      clientId: w.clientId,
    });
    return {
      result: { kind: 'written', status: 'updated', doc },
      sync: { resource: def.name, id: doc.id, student: p.student, referenceKeys: referenceKeysOf(def, doc) },
    };
  });
}

/** Loads a document for a by-id operation: 404 for another resource's id, 403 for another state's. */
async function ownDocument(tx: Db, w: Writer, def: ResourceDef, id: string): Promise<StoredDoc | WriteResult> {
  const doc = await findById(tx, id, true);
  if (!doc || doc.resource !== def.name) return { kind: 'not-found' };
  if (doc.stateCode !== w.stateCode) {
    return {
      kind: 'forbidden',
      detail: `This ${def.entity} belongs to ${doc.stateCode}; a state system may change only its own state's records.`,
    };
  }
  return doc;
}

const isResult = (x: StoredDoc | WriteResult): x is WriteResult => 'kind' in x;

/** PUT: replaces the document with this id; the natural key cannot change. */
export async function updateDocument(
  deps: EdfiDeps,
  w: Writer,
  def: ResourceDef,
  rawId: string,
  body: unknown,
  opts: { ifMatch?: string; ifNoneMatch?: string } = {},
): Promise<WriteResult> {
  const id = normalizeId(rawId);
  if (body && typeof body === 'object' && !Array.isArray(body)) {
    const b = body as Record<string, unknown>;
    if ('id' in b && (typeof b.id !== 'string' || normalizeId(b.id) === null || normalizeId(b.id) !== id))
      return { kind: 'id-mismatch' };
    delete b.id;
    stripServerFields(b);
  }
  const v = validateDocument(def.schema, body);
  if (v.kind === 'invalid') return { kind: 'invalid', validationErrors: v.validationErrors, errors: [] };
  // An unknown id is 404 whether or not If-Match was sent, as in the ODS/API.
  if (id === null) return { kind: 'not-found' };
  const p = prepare(def, v.doc);
  return inTransaction(deps, w, async (tx) => {
    const existing = await ownDocument(tx, w, def, id);
    if (isResult(existing)) return { result: existing };
    if (opts.ifNoneMatch?.trim() === '*') return { result: { kind: 'precondition-failed', reason: 'exists' } };
    if (opts.ifMatch && !etagMatches(opts.ifMatch, existing.changeVersion))
      return { result: { kind: 'precondition-failed', reason: 'modified' } };
    const keyChanges = existing.identityKey !== p.key;
    // A key the model lets change (and, for a student's documents, of the same student); others are refused.
    if (keyChanges && !(def.keyUpdatable && p.student === existing.studentUniqueId))
      return { result: { kind: 'key-change', entity: def.entity } };
    const unresolved = await missingReferences(tx, w.stateCode, p);
    if (unresolved) return { result: unresolved };
    if (keyChanges) {
      const changed = await changeKey(tx, def, existing, {
        identityKey: p.key,
        aliasKey: p.alias,
        keyValues: p.keyValues,
        refKeys: p.refKeys,
        body: v.doc,
        contentHash: p.hash,
        clientId: w.clientId,
      });
      if (changed.kind === 'conflict')
        return {
          result: { kind: 'identity-conflict', detail: `Another ${def.entity} already has the new natural key.` },
        };
      return {
        result: { kind: 'written', status: 'updated', doc: changed.doc },
        sync: { resource: def.name, id: existing.id, student: p.student, referenceKeys: [p.key] },
      };
    }
    if (existing.contentHash === p.hash) return { result: { kind: 'written', status: 'unchanged', doc: existing } };
    const doc = await replaceDoc(tx, existing.id, {
      refKeys: p.refKeys,
      body: v.doc,
      contentHash: p.hash,
      clientId: w.clientId,
    });
    return {
      result: { kind: 'written', status: 'updated', doc },
      sync: { resource: def.name, id: doc.id, student: p.student, referenceKeys: referenceKeysOf(def, doc) },
    };
  });
}

/** DELETE: refused (409) while other documents reference this one. */
export async function deleteDocument(
  deps: EdfiDeps,
  w: Writer,
  def: ResourceDef,
  rawId: string,
  opts: { ifMatch?: string } = {},
): Promise<WriteResult> {
  const id = normalizeId(rawId);
  // An unknown id is 404 whether or not If-Match was sent, as in the ODS/API.
  if (id === null) return { kind: 'not-found' };
  return inTransaction(deps, w, async (tx) => {
    const existing = await ownDocument(tx, w, def, id);
    if (isResult(existing)) return { result: existing };
    if (opts.ifMatch && !etagMatches(opts.ifMatch, existing.changeVersion))
      return { result: { kind: 'precondition-failed', reason: 'modified' } };
    const keys = [existing.identityKey, ...(existing.aliasKey ? [existing.aliasKey] : [])];
    const dependents = await dependentResources(tx, w.stateCode, keys, existing.id);
    if (dependents.length)
      return { result: { kind: 'dependent', entities: dependents.map((r) => resourceNamed(r).entity) } };
    await deleteDoc(tx, existing);
    return {
      result: { kind: 'deleted' },
      sync: { resource: def.name, id: existing.id, student: existing.studentUniqueId },
    };
  });
}
