/**
 * SIF writes: create, update and delete of one object, each in its own transaction. An object about a child is
 * stored, then the child's canonical record is rebuilt from every SIF object the state holds about them
 * (assemble.ts) and applied through the same store function and ledger as every other surface
 * (core/records.ts applyStateRecord); matching is enqueued after commit. An object the mapping or the canonical
 * rules refuse leaves nothing behind: its item answers with a SIF status, scope and message.
 */
import type { Db } from '../store/db.js';
import { QUEUES, matchJobId, type JobQueue } from '../jobs.js';
import { createExchange } from '../ledger.js';
import { applyStateRecord, findStateRecord } from '../records.js';
import type { FieldIssue } from '../../specs/issues.js';
import { validateStateRecord } from '../../specs/validation.js';
import { SIF_MAPPINGS } from '../../mappings/sif/fields.js';
import { sifToCanonical } from '../../mappings/sif/map.js';
import type { SifElement, TreeIssue } from '../../mappings/sif/tree.js';
import type { SifObjectName } from '../../specs/sif/objects.js';
import { assembleStateRecord } from './assemble.js';
import { newRefId, normalizeRefId } from './refid.js';
import { deleteSifObject, findSifObject, objectsOfStudent, putSifObject, type SifObjectRow } from './store.js';

export interface SifDeps {
  db: Db;
  queue: JobQueue;
}

/** Who writes: the state the SIF application acts for, the zone, the client, the trace. */
export interface SifWriter {
  stateCode: string;
  zoneId: string;
  clientId: string | null;
  traceId: string;
}

/** One item's outcome, as a createResponse/updateResponse/deleteResponse item or a single answer. */
export type SifItemResult =
  | { kind: 'created'; refId: string; advisoryId: string | null; tree: SifElement }
  | { kind: 'updated'; refId: string; tree: SifElement }
  | { kind: 'deleted'; refId: string }
  | { kind: 'error'; status: number; scope: string; message: string; description?: string; refId?: string };

class Rollback {
  constructor(readonly result: SifItemResult) {}
}

const fail = (status: number, scope: string, message: string, description?: string, refId?: string): SifItemResult => ({
  kind: 'error',
  status,
  scope,
  message,
  ...(description ? { description } : {}),
  ...(refId ? { refId } : {}),
});

const describeIssues = (issues: readonly (FieldIssue | TreeIssue)[]): string =>
  issues
    .slice(0, 20)
    .map((i) => `${i.path}: ${i.message}${'fix' in i && i.fix ? ` (${i.fix})` : ''}`)
    .join('; ');

/** Rebuilds and applies one child's canonical record; null when nothing needs matching. */
async function resync(
  tx: Db,
  w: SifWriter,
  studentRef: string,
  cause: { object: string; refId: string },
): Promise<{ recordId: string; version: number } | null> {
  await tx.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`sif|${w.stateCode}|${studentRef}`]);
  const objects = await objectsOfStudent(tx, w.stateCode, studentRef);
  const schools = new Map<string, SifObjectRow>();
  for (const o of objects)
    if (o.schoolRef && !schools.has(o.schoolRef)) {
      const s = await findSifObject(tx, o.schoolRef);
      if (s && s.stateCode === w.stateCode && s.object === 'SchoolInfo') schools.set(o.schoolRef, s);
    }
  const built = assembleStateRecord(w.stateCode, objects, schools);
  if (built.kind === 'invalid')
    throw new Rollback(fail(400, 'Mapping', 'The object cannot be mapped.', describeIssues(built.issues), cause.refId));
  if (built.kind === 'no-student') return null;
  const v = validateStateRecord(built.record);
  if (v.kind === 'invalid')
    throw new Rollback(
      fail(
        400,
        'Validation',
        "The child's MSIX record built from this object breaks the MSIX rules.",
        describeIssues(v.issues),
        cause.refId,
      ),
    );
  const record = v.record;
  const exchange = await createExchange(tx, {
    direction: 'inbound',
    kind: 'sif-api',
    stateCode: w.stateCode,
    status: 'completed',
    traceId: w.traceId,
    clientId: w.clientId,
    counts: { received: 1, accepted: 1, rejected: 0 },
    summary: { object: cause.object, refId: cause.refId },
  });
  const outcome = await applyStateRecord(tx, record, v.codesetVersion, exchange.id);
  return outcome.needsMatch && outcome.recordId ? { recordId: outcome.recordId, version: outcome.version } : null;
}

/** Withdraws the canonical record of a child whose StudentPersonal was deleted. */
async function withdraw(tx: Db, w: SifWriter, stateStudentId: string | null) {
  if (!stateStudentId) return null;
  const existing = await findStateRecord(tx, w.stateCode, stateStudentId);
  if (!existing) return null;
  const outcome = await applyStateRecord(tx, { ...existing.record, action: 'delete' }, 'withdrawn', null);
  return outcome.needsMatch && outcome.recordId ? { recordId: outcome.recordId, version: outcome.version } : null;
}

async function run(
  deps: SifDeps,
  w: SifWriter,
  fn: (tx: Db) => Promise<{ result: SifItemResult; match: ({ recordId: string; version: number } | null)[] }>,
): Promise<SifItemResult> {
  let matches: ({ recordId: string; version: number } | null)[] = [];
  let result: SifItemResult;
  try {
    result = await deps.db.transaction(async (tx) => {
      const out = await fn(tx);
      if (out.result.kind === 'error') throw new Rollback(out.result);
      matches = out.match;
      return out.result;
    });
  } catch (e) {
    if (e instanceof Rollback) return e.result;
    if ((e as { code?: string }).code === '23505')
      return fail(409, 'Conflict', 'Another object with this RefId was written at the same moment; send it again.');
    throw e;
  }
  for (const m of matches)
    if (m)
      await deps.queue
        .enqueue(
          QUEUES.match,
          { recordId: m.recordId, version: m.version, traceId: w.traceId },
          { jobId: matchJobId(m.recordId, m.version) },
        )
        .catch(() => {});
  return result;
}

/** The references of an object, checked: the student must be a StudentPersonal of the writer's state. */
async function references(
  tx: Db,
  w: SifWriter,
  object: SifObjectName,
  tree: SifElement,
  refId: string,
): Promise<{ studentRef: string | null; schoolRef: string | null; stateStudentId: string | null } | SifItemResult> {
  const m = sifToCanonical(object, tree);
  if (m.issues.length)
    return fail(400, 'Mapping', 'The object has values the gateway cannot take.', describeIssues(m.issues), refId);
  if (object === 'StudentPersonal')
    return { studentRef: null, schoolRef: null, stateStudentId: (m.fragment.stateStudentId as string) ?? null };
  const path = SIF_MAPPINGS[object].refs.student;
  let studentRef: string | null = null;
  if (path) {
    studentRef = normalizeRefId(m.refs.student);
    if (!studentRef) return fail(400, 'Reference', `${path.replace('@', '')} must be a RefId.`, undefined, refId);
    const student = await findSifObject(tx, studentRef);
    if (student?.object !== 'StudentPersonal' || student.stateCode !== w.stateCode)
      return fail(
        400,
        'Reference',
        `${path.replace('@', '')} names no StudentPersonal of ${w.stateCode}.`,
        'Create the StudentPersonal first, then the objects that refer to it.',
        refId,
      );
  }
  return { studentRef, schoolRef: normalizeRefId(m.refs.school), stateStudentId: null };
}

const isResult = (x: unknown): x is SifItemResult => typeof x === 'object' && x !== null && 'kind' in x;

/** Create one object. The RefId it carries is advisory unless `mustUseAdvisory`. */
export async function createSifObject(
  deps: SifDeps,
  w: SifWriter,
  object: SifObjectName,
  item: { tree: SifElement; issues: TreeIssue[] },
  opts: { mustUseAdvisory: boolean },
): Promise<SifItemResult> {
  const sent = item.tree['@RefId'];
  const advisory = typeof sent === 'string' ? normalizeRefId(sent) : null;
  if (SIF_MAPPINGS[object].readOnly)
    return fail(403, 'ReadOnly', `${object} is served read-only here; it is not written through SIF.`);
  if (item.issues.length)
    return fail(400, 'Schema', `The ${object} does not follow the SIF NA 4.x schema.`, describeIssues(item.issues));
  if (typeof sent === 'string' && !advisory)
    return fail(400, 'RefId', 'The RefId must be 32 hex digits or a dashed GUID.');
  if (!advisory && opts.mustUseAdvisory)
    return fail(400, 'RefId', 'mustUseAdvisory is true but the object carries no RefId.');
  return run(deps, w, async (tx) => {
    let refId = advisory ?? newRefId();
    if (advisory && (await findSifObject(tx, advisory, { withDeleted: true }))) {
      if (opts.mustUseAdvisory)
        return {
          result: fail(409, 'Conflict', `An object with RefId ${advisory} exists already.`, undefined, advisory),
          match: [],
        };
      refId = newRefId();
    }
    const tree: SifElement = { ...item.tree, '@RefId': refId };
    const refs = await references(tx, w, object, tree, refId);
    if (isResult(refs)) return { result: refs, match: [] };
    await putSifObject(tx, { refId, stateCode: w.stateCode, zoneId: w.zoneId, object, ...refs, body: tree });
    const match = await resync(tx, w, refs.studentRef ?? refId, { object, refId });
    return { result: { kind: 'created', refId, advisoryId: advisory, tree }, match: [match] };
  });
}

/** Replace one object (its RefId stays; its state and kind cannot change). */
export async function updateSifObject(
  deps: SifDeps,
  w: SifWriter,
  object: SifObjectName,
  rawRefId: string,
  item: { tree: SifElement; issues: TreeIssue[] },
): Promise<SifItemResult> {
  const refId = normalizeRefId(rawRefId);
  if (!refId) return fail(404, 'NotFound', `No ${object} with RefId ${rawRefId}.`);
  if (SIF_MAPPINGS[object].readOnly)
    return fail(
      403,
      'ReadOnly',
      `${object} is served read-only here; it is not written through SIF.`,
      undefined,
      refId,
    );
  if (item.issues.length)
    return fail(
      400,
      'Schema',
      `The ${object} does not follow the SIF NA 4.x schema.`,
      describeIssues(item.issues),
      refId,
    );
  const sent = item.tree['@RefId'];
  if (typeof sent === 'string' && normalizeRefId(sent) !== refId)
    return fail(400, 'RefId', 'The RefId in the body differs from the one in the URL.', undefined, refId);
  return run(deps, w, async (tx) => {
    const existing = await findSifObject(tx, refId, { lock: true });
    if (!existing || existing.object !== object || existing.stateCode !== w.stateCode)
      return { result: fail(404, 'NotFound', `No ${object} with RefId ${refId}.`, undefined, refId), match: [] };
    const tree: SifElement = { ...item.tree, '@RefId': refId };
    const refs = await references(tx, w, object, tree, refId);
    if (isResult(refs)) return { result: refs, match: [] };
    await putSifObject(tx, { refId, stateCode: w.stateCode, zoneId: existing.zoneId, object, ...refs, body: tree });
    const match = [await resync(tx, w, refs.studentRef ?? refId, { object, refId })];
    if (existing.studentRef && existing.studentRef !== refs.studentRef)
      match.push(await resync(tx, w, existing.studentRef, { object, refId }));
    return { result: { kind: 'updated', refId, tree }, match };
  });
}

/** Delete one object. A StudentPersonal goes after the objects that refer to it; the child's record is withdrawn. */
export async function removeSifObject(
  deps: SifDeps,
  w: SifWriter,
  object: SifObjectName,
  rawRefId: string,
): Promise<SifItemResult> {
  const refId = normalizeRefId(rawRefId);
  if (!refId) return fail(404, 'NotFound', `No ${object} with RefId ${rawRefId}.`);
  if (SIF_MAPPINGS[object].readOnly)
    return fail(
      403,
      'ReadOnly',
      `${object} is served read-only here; it is not written through SIF.`,
      undefined,
      refId,
    );
  return run(deps, w, async (tx) => {
    const existing = await findSifObject(tx, refId, { lock: true });
    if (!existing || existing.object !== object || existing.stateCode !== w.stateCode)
      return { result: fail(404, 'NotFound', `No ${object} with RefId ${refId}.`, undefined, refId), match: [] };
    if (object === 'StudentPersonal') {
      const dependents = (await objectsOfStudent(tx, w.stateCode, refId)).filter((o) => o.refId !== refId);
      if (dependents.length)
        return {
          result: fail(
            409,
            'Conflict',
            `${dependents.length} object(s) still refer to this StudentPersonal.`,
            `Delete them first: ${[...new Set(dependents.map((d) => d.object))].join(', ')}.`,
            refId,
          ),
          match: [],
        };
      await deleteSifObject(tx, refId);
      return { result: { kind: 'deleted', refId }, match: [await withdraw(tx, w, existing.stateStudentId)] };
    }
    await deleteSifObject(tx, refId);
    const match = existing.studentRef ? await resync(tx, w, existing.studentRef, { object, refId }) : null;
    return { result: { kind: 'deleted', refId }, match: [match] };
  });
}
