/**
 * SIF writes: create, update and delete, of one object or many, through one path. A request's objects are checked
 * (schema, RefIds, rights, one RefId once per request), then written in one transaction: the objects they touch are
 * read and locked in a few set-based statements; each child's canonical record is rebuilt in memory from every SIF
 * object the state holds about them (assemble.ts) as each object of the request is added in turn, so an object that
 * makes its child's record break the MSIX rules fails alone with its own SIF status; then the accepted objects, the
 * ledger entry, the rebuilt records (core/records.ts applyStateRecords, the same set-based write every surface uses)
 * and the match intents are written with one statement each, and the match jobs enqueued after commit in the
 * background (the answer does not wait for Redis). Should one object fail in the database (a RefId a concurrent
 * writer took a moment ago), the transaction is rolled back and each object is written again alone in its own
 * savepoint, so only that object fails. A single-object request is the same code with one object.
 */
import type { Db } from '../store/db.js';
import type { JobQueue } from '../jobs.js';
import { createExchange } from '../ledger.js';
import { enqueueIntentsInBackground, matchIntent, recordIntents, type JobIntent } from '../job-intents.js';
import { applyStateRecords, type ApplyItem } from '../records.js';
import { type FieldIssue, type StateRecord, validateStateRecord } from '@msix/adapter-sdk/canonical';
import { SIF_MAPPINGS, type SifOperation } from '../../mappings/sif/fields.js';
import { sifToCanonical, type SifToCanonical } from '../../mappings/sif/map.js';
import type { SifElement, TreeIssue } from '../../mappings/sif/tree.js';
import { SIF_OBJECTS, type SifObjectName } from '../../specs/sif/objects.js';
import { assembleStateRecord } from './assemble.js';
import { newRefId, normalizeRefId } from './refid.js';
import {
  deleteSifObjects,
  liveSifObjects,
  lockSifObjects,
  objectsOfStudents,
  writeSifObjects,
  type PutObject,
  type SifObjectRow,
} from './store.js';

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
  | SifItemError;

export type SifItemError = {
  kind: 'error';
  status: number;
  scope: string;
  message: string;
  description?: string;
  refId?: string;
};

/** One item's SIF error (status, scope, message; the description and the item's RefId when there are any). */
export const itemError = (
  status: number,
  scope: string,
  message: string,
  description?: string,
  refId?: string,
): SifItemError => ({
  kind: 'error',
  status,
  scope,
  message,
  ...(description ? { description } : {}),
  ...(refId ? { refId } : {}),
});

/** An object's schema or mapping issues as an error description (the first 20, each with its fix). */
export const describeIssues = (issues: readonly (FieldIssue | TreeIssue)[]): string =>
  issues
    .slice(0, 20)
    .map((i) => `${i.path}: ${i.message}${'fix' in i && i.fix ? ` (${i.fix})` : ''}`)
    .join('; ');

/**
 * The refusal of an operation the environment does not approve on an object's service (its rights say REJECTED),
 * as the SIF 3 reference framework answers it: 403 for the whole request, before its body is read. Null: allowed.
 */
export function writeRefusal(object: SifObjectName, operation: SifOperation): SifItemError | null {
  if (SIF_MAPPINGS[object].writes.includes(operation)) return null;
  return itemError(
    403,
    'Authorization',
    'Consumer is not authorized to issue the requested operation.',
    `${operation} access is not APPROVED for the service ${SIF_OBJECTS[object]}: approved are ` +
      `${['QUERY', 'SUBSCRIBE', ...SIF_MAPPINGS[object].writes].join(', ')}.`,
  );
}

/** One object of a request, checked and ready for the database phase. */
type Op =
  | { i: number; kind: 'create'; advisory: string | null; tree: SifElement }
  | { i: number; kind: 'update'; refId: string; tree: SifElement }
  | { i: number; kind: 'delete'; refId: string };

/** What a child's group of objects becomes once the request's objects are in: a record to apply, or a withdrawal. */
type Outcome = { kind: 'apply'; item: ApplyItem } | { kind: 'withdraw'; stateStudentId: string } | null;

interface Planned {
  results: Map<number, SifItemResult>;
  inserts: PutObject[];
  updates: PutObject[];
  deletes: string[];
  outcomes: Map<string, Outcome>;
  accepted: string[];
}

/** An object's references as the mapping reads them (StudentPersonal: its state student id). */
function referencesOf(object: SifObjectName, tree: SifElement, refId: string, mapping: Mapping) {
  const m = mapping(object, tree);
  if (m.issues.length)
    return itemError(400, 'Mapping', 'The object has values the gateway cannot take.', describeIssues(m.issues), refId);
  if (object === 'StudentPersonal')
    return { studentRef: null, schoolRef: null, stateStudentId: (m.fragment.stateStudentId as string) ?? null };
  const path = SIF_MAPPINGS[object].refs.student;
  const studentRef = path ? normalizeRefId(m.refs.student) : null;
  if (path && !studentRef)
    return itemError(400, 'Reference', `${path.replace('@', '')} must be a RefId.`, undefined, refId);
  return { studentRef, schoolRef: normalizeRefId(m.refs.school), stateStudentId: null };
}

/** An object tree's mapping, each tree mapped once per request (the mapping is pure; trees are not changed). */
type Mapping = (object: SifObjectName, tree: SifElement) => SifToCanonical;

function mappingMemo(): Mapping {
  const seen = new WeakMap<SifElement, SifToCanonical>();
  return (object, tree) => {
    let m = seen.get(tree);
    if (!m) seen.set(tree, (m = sifToCanonical(object, tree)));
    return m;
  };
}

/** The child's record rebuilt from a group of objects, validated; an error names the object that was added. */
function rebuild(
  stateCode: string,
  objects: readonly SifObjectRow[],
  schools: ReadonlyMap<string, SifObjectRow>,
  refId: string,
  mapping: Mapping,
): Outcome | SifItemError {
  const built = assembleStateRecord(stateCode, objects, schools, (o) => mapping(o.object, o.body));
  if (built.kind === 'invalid')
    return itemError(400, 'Mapping', 'The object cannot be mapped.', describeIssues(built.issues), refId);
  if (built.kind === 'no-student') return null;
  const v = validateStateRecord(built.record);
  if (v.kind === 'invalid')
    return itemError(
      400,
      'Validation',
      "The child's MSIX record built from this object breaks the MSIX rules.",
      describeIssues(v.issues),
      refId,
    );
  return { kind: 'apply', item: { record: v.record, codesetVersion: v.codesetVersion } };
}

const isError = (x: unknown): x is SifItemError =>
  typeof x === 'object' && x !== null && (x as SifItemError).kind === 'error';

/** Reads and locks what the objects touch, and decides each object's outcome in memory, in request order. */
async function plan(
  tx: Db,
  w: SifWriter,
  object: SifObjectName,
  ops: readonly Op[],
  mustUseAdvisory: boolean,
): Promise<Planned> {
  const results = new Map<number, SifItemResult>();
  const mapping = mappingMemo();
  const notFound = (op: Op & { refId: string }) =>
    results.set(op.i, itemError(404, 'NotFound', `No ${object} with RefId ${op.refId}.`, undefined, op.refId));
  const existing = await lockSifObjects(
    tx,
    ops.flatMap((o) => (o.kind === 'create' ? (o.advisory ? [o.advisory] : []) : [o.refId])),
  );
  // RefIds made here for new objects: nobody else knows them before commit, so nothing else is about them and no other
  // writer can hold their child; they need no lock and no look-up (1,000 new StudentPersonals: two statements fewer,
  // each over 1,000 keys).
  const fresh = new Set<string>();
  // Each surviving object: its row as it will be written (null for a delete), and the groups (children) it touches.
  const staged: { op: Op; refId: string; row: SifObjectRow | null; old: SifObjectRow | null }[] = [];
  for (const op of ops) {
    let refId: string;
    let old: SifObjectRow | null = null;
    if (op.kind === 'create') {
      refId = op.advisory ?? newRefId();
      if (!op.advisory) fresh.add(refId);
      if (op.advisory && existing.has(op.advisory)) {
        if (mustUseAdvisory) {
          results.set(
            op.i,
            itemError(409, 'Conflict', `An object with RefId ${op.advisory} exists already.`, undefined, op.advisory),
          );
          continue;
        }
        refId = newRefId();
        fresh.add(refId);
      }
    } else {
      refId = op.refId;
      old = existing.get(refId) ?? null;
      if (!old || old.deleted || old.object !== object || old.stateCode !== w.stateCode) {
        notFound(op);
        continue;
      }
    }
    if (op.kind === 'delete') {
      staged.push({ op, refId, row: null, old });
      continue;
    }
    const tree: SifElement = { ...op.tree, '@RefId': refId };
    const refs = referencesOf(object, tree, refId, mapping);
    if (isError(refs)) {
      results.set(op.i, refs);
      continue;
    }
    const row: SifObjectRow = {
      refId,
      stateCode: w.stateCode,
      zoneId: old?.zoneId ?? w.zoneId,
      object,
      ...refs,
      body: tree,
      changeSeq: 0,
      deleted: false,
    };
    staged.push({ op, refId, row, old });
  }
  // The students referred to must be StudentPersonals of the writer's state.
  const students = await liveSifObjects(tx, [
    ...new Set(staged.flatMap((s) => (s.row?.studentRef ? [s.row.studentRef] : []))),
  ]);
  const path = SIF_MAPPINGS[object].refs.student?.replace('@', '');
  const checked = staged.filter((s) => {
    const ref = s.row?.studentRef;
    if (!ref) return true;
    const student = students.get(ref);
    if (student?.object === 'StudentPersonal' && student.stateCode === w.stateCode) return true;
    results.set(
      s.op.i,
      itemError(
        400,
        'Reference',
        `${path} names no StudentPersonal of ${w.stateCode}.`,
        'Create the StudentPersonal first, then the objects that refer to it.',
        s.refId,
      ),
    );
    return false;
  });
  // The children these objects are about, locked in one order so that two writers never wait on each other in turn.
  const keyOf = (row: SifObjectRow) => (row.object === 'StudentPersonal' ? row.refId : row.studentRef);
  const keys = [
    ...new Set(checked.flatMap((s) => [s.row, s.old].flatMap((r) => (r && keyOf(r) ? [keyOf(r)!] : [])))),
  ].sort();
  const known = keys.filter((k) => !fresh.has(k));
  if (known.length)
    await tx.query(
      'SELECT pg_advisory_xact_lock(hashtext($1 || k)) FROM unnest($2::text[]) WITH ORDINALITY u(k, n) ORDER BY n',
      [`sif|${w.stateCode}|`, known],
    );
  const groups = new Map<string, Map<string, SifObjectRow>>(keys.map((k) => [k, new Map()]));
  for (const [k, rows] of await objectsOfStudents(tx, w.stateCode, known))
    groups.set(k, new Map(rows.map((r) => [r.refId, r])));
  const schoolRefs = [...groups.values()].flatMap((g) =>
    [...g.values()].flatMap((r) => (r.schoolRef ? [r.schoolRef] : [])),
  );
  for (const s of checked) if (s.row?.schoolRef) schoolRefs.push(s.row.schoolRef);
  const schools = new Map(
    [...(await liveSifObjects(tx, [...new Set(schoolRefs)]))].filter(
      ([, s]) => s.stateCode === w.stateCode && s.object === 'SchoolInfo',
    ),
  );
  // Each object in turn: the groups it touches are rebuilt with it; if one breaks, the object fails and is undone.
  const out: Planned = { results, inserts: [], updates: [], deletes: [], outcomes: new Map(), accepted: [] };
  for (const s of checked) {
    const touched = [...new Set([s.row, s.old].flatMap((r) => (r && keyOf(r) ? [keyOf(r)!] : [])))];
    const before = new Map(touched.map((k) => [k, new Map(groups.get(k))]));
    for (const k of touched) {
      const g = groups.get(k)!;
      if (s.old && keyOf(s.old) === k) g.delete(s.refId);
      if (s.row && keyOf(s.row) === k) g.set(s.refId, s.row);
    }
    let failed: SifItemError | null = null;
    const outcomes = new Map<string, Outcome>();
    for (const k of touched) {
      const g = [...groups.get(k)!.values()];
      if (s.op.kind === 'delete' && object === 'StudentPersonal') {
        if (g.length) {
          failed = itemError(
            409,
            'Conflict',
            `${g.length} object(s) still refer to this StudentPersonal.`,
            `Delete them first: ${[...new Set(g.map((d) => d.object))].join(', ')}.`,
            s.refId,
          );
          break;
        }
        outcomes.set(k, s.old!.stateStudentId ? { kind: 'withdraw', stateStudentId: s.old!.stateStudentId } : null);
        continue;
      }
      const r = rebuild(w.stateCode, g, schools, s.refId, mapping);
      if (isError(r)) {
        failed = r;
        break;
      }
      outcomes.set(k, r);
    }
    if (failed) {
      for (const [k, g] of before) groups.set(k, g);
      results.set(s.op.i, failed);
      continue;
    }
    for (const [k, o] of outcomes) out.outcomes.set(k, o);
    out.accepted.push(s.refId);
    if (s.op.kind === 'delete') {
      out.deletes.push(s.refId);
      results.set(s.op.i, { kind: 'deleted', refId: s.refId });
    } else {
      const { changeSeq: _c, deleted: _d, ...put } = s.row!;
      (s.op.kind === 'create' ? out.inserts : out.updates).push(put);
      results.set(
        s.op.i,
        s.op.kind === 'create'
          ? { kind: 'created', refId: s.refId, advisoryId: s.op.advisory, tree: s.row!.body }
          : { kind: 'updated', refId: s.refId, tree: s.row!.body },
      );
    }
  }
  return out;
}

/** Plans and writes a set of objects in the caller's transaction; the match intents to enqueue after commit. */
async function planAndWrite(
  tx: Db,
  w: SifWriter,
  object: SifObjectName,
  ops: readonly Op[],
  received: number,
  mustUseAdvisory: boolean,
): Promise<{ results: Map<number, SifItemResult>; intents: JobIntent[] }> {
  const p = await plan(tx, w, object, ops, mustUseAdvisory);
  await writeSifObjects(tx, p.inserts, 'insert');
  await writeSifObjects(tx, p.updates, 'upsert');
  await deleteSifObjects(tx, p.deletes);
  const apply: ApplyItem[] = [];
  for (const o of p.outcomes.values()) {
    if (o?.kind === 'apply') apply.push(o.item);
    // A withdrawal reads only the state and student id (apply_state_records ignores a deleted record's content).
    else if (o?.kind === 'withdraw')
      apply.push({
        record: { stateCode: w.stateCode, stateStudentId: o.stateStudentId, action: 'delete' } as StateRecord,
        codesetVersion: 'withdrawn',
      });
  }
  if (!apply.length) return { results: p.results, intents: [] };
  const exchange = await createExchange(tx, {
    direction: 'inbound',
    kind: 'sif-api',
    stateCode: w.stateCode,
    status: 'completed',
    traceId: w.traceId,
    clientId: w.clientId,
    counts: { received, accepted: p.accepted.length, rejected: received - p.accepted.length },
    summary: { object, refIds: p.accepted },
  });
  const outcomes = await applyStateRecords(tx, apply, exchange.id);
  const intents = outcomes
    .filter((o) => o.needsMatch && o.recordId)
    .map((o) => matchIntent(o.recordId!, o.version, w.traceId));
  await recordIntents(tx, intents);
  return { results: p.results, intents };
}

/** A database refusal that belongs to one object (an integrity rule: a RefId taken concurrently), not the request. */
const isObjectConflict = (e: unknown) => /^23/.test(String((e as { code?: string }).code ?? ''));

const CONFLICT = itemError(
  409,
  'Conflict',
  'Another object with this RefId was written at the same moment; send it again.',
);

/**
 * Runs the checked objects of one request: one transaction; should an object conflict (a RefId a concurrent writer
 * took), that transaction is rolled back whole and a second one writes each object in a savepoint of its own. The
 * usual request thus needs no savepoint (two round trips fewer, which a loaded machine makes tens of milliseconds).
 */
async function execute(
  deps: SifDeps,
  w: SifWriter,
  object: SifObjectName,
  ops: readonly Op[],
  results: SifItemResult[],
  mustUseAdvisory: boolean,
): Promise<SifItemResult[]> {
  if (!ops.length) return results;
  const intents: JobIntent[] = [];
  const take = (r: { results: Map<number, SifItemResult>; intents: JobIntent[] }) => {
    for (const [i, x] of r.results) results[i] = x;
    intents.push(...r.intents);
  };
  // All objects in one transaction; its results are taken once it committed.
  let conflict = false;
  try {
    take(await deps.db.transaction((tx) => planAndWrite(tx, w, object, ops, results.length, mustUseAdvisory)));
  } catch (e) {
    if (!isObjectConflict(e)) throw e;
    conflict = true;
  }
  // An object another writer got to first (rolled back with the rest): each object again in a savepoint of its own.
  if (conflict)
    await deps.db.transaction(async (tx) => {
      for (const op of ops)
        try {
          take(await tx.transaction((sp) => planAndWrite(sp, w, object, [op], 1, mustUseAdvisory)));
        } catch (e) {
          if (!isObjectConflict(e)) throw e;
          results[op.i] = { ...CONFLICT, ...(op.kind !== 'create' ? { refId: op.refId } : {}) };
        }
    });
  // After commit, without holding the answer: a failed enqueue leaves the intent, which the recovery pass enqueues.
  enqueueIntentsInBackground(deps.queue, intents);
  return results;
}

/** RefIds seen earlier in the same request: a second object with one fails alone (409), the first is written. */
function repeated(seen: Map<string, number>, refId: string, i: number): SifItemError | null {
  const first = seen.get(refId);
  if (first === undefined) {
    seen.set(refId, i);
    return null;
  }
  return itemError(
    409,
    'Conflict',
    `RefId ${refId} is also object ${first + 1} of this request.`,
    'Send each object once per request.',
    refId,
  );
}

/**
 * The frame of every write request: refused as a whole when the service does not approve the operation; otherwise
 * each item is checked on its own (`check` gives its operation or its error, with `repeat` telling a RefId already
 * named earlier in the request), and the items that pass are run together.
 */
async function writeRequest<T>(
  deps: SifDeps,
  w: SifWriter,
  object: SifObjectName,
  operation: SifOperation,
  items: readonly T[],
  check: (item: T, i: number, repeat: (refId: string) => SifItemError | null) => Op | SifItemError,
  mustUseAdvisory = false,
): Promise<SifItemResult[]> {
  const refused = writeRefusal(object, operation);
  if (refused) return items.map(() => refused);
  const results: SifItemResult[] = [];
  const ops: Op[] = [];
  const seen = new Map<string, number>();
  items.forEach((item, i) => {
    const checked = check(item, i, (refId) => repeated(seen, refId, i));
    if (isError(checked)) results[i] = checked;
    else {
      results[i] = CONFLICT;
      ops.push(checked);
    }
  });
  return execute(deps, w, object, ops, results, mustUseAdvisory);
}

/** Create objects (one, or the items of a multi-object request). Their RefIds are advisory unless `mustUseAdvisory`. */
export async function createSifObjects(
  deps: SifDeps,
  w: SifWriter,
  object: SifObjectName,
  items: readonly { tree: SifElement; issues: TreeIssue[] }[],
  opts: { mustUseAdvisory: boolean },
): Promise<SifItemResult[]> {
  return writeRequest(
    deps,
    w,
    object,
    'CREATE',
    items,
    (item, i, repeat) => {
      const sent = item.tree['@RefId'];
      const advisory = typeof sent === 'string' ? normalizeRefId(sent) : null;
      const error = item.issues.length
        ? itemError(400, 'Schema', `The ${object} does not follow the SIF NA 4.x schema.`, describeIssues(item.issues))
        : typeof sent === 'string' && !advisory
          ? itemError(400, 'RefId', 'The RefId must be 32 hex digits or a dashed GUID.')
          : !advisory && opts.mustUseAdvisory
            ? itemError(400, 'RefId', 'mustUseAdvisory is true but the object carries no RefId.')
            : advisory
              ? repeat(advisory)
              : null;
      return error ?? { i, kind: 'create', advisory, tree: item.tree };
    },
    opts.mustUseAdvisory,
  );
}

/** Create one object: {@link createSifObjects} with one item. */
export async function createSifObject(
  deps: SifDeps,
  w: SifWriter,
  object: SifObjectName,
  item: { tree: SifElement; issues: TreeIssue[] },
  opts: { mustUseAdvisory: boolean },
): Promise<SifItemResult> {
  return (await createSifObjects(deps, w, object, [item], opts))[0]!;
}

/** Replace objects (their RefIds stay; their state and kind cannot change). `refId`: from the URL or the body. */
export async function updateSifObjects(
  deps: SifDeps,
  w: SifWriter,
  object: SifObjectName,
  items: readonly { refId: string | null; tree: SifElement; issues: TreeIssue[] }[],
): Promise<SifItemResult[]> {
  return writeRequest(deps, w, object, 'UPDATE', items, (item, i, repeat) => {
    const refId = normalizeRefId(item.refId);
    const sent = item.tree['@RefId'];
    if (!item.refId) return itemError(400, 'RefId', 'Each object needs its RefId.');
    if (!refId) return itemError(404, 'NotFound', `No ${object} with RefId ${item.refId}.`);
    const error = item.issues.length
      ? itemError(
          400,
          'Schema',
          `The ${object} does not follow the SIF NA 4.x schema.`,
          describeIssues(item.issues),
          refId,
        )
      : typeof sent === 'string' && normalizeRefId(sent) !== refId
        ? itemError(400, 'RefId', 'The RefId in the body differs from the one in the URL.', undefined, refId)
        : repeat(refId);
    return error ?? { i, kind: 'update', refId, tree: item.tree };
  });
}

/** Replace one object: {@link updateSifObjects} with one item. */
export async function updateSifObject(
  deps: SifDeps,
  w: SifWriter,
  object: SifObjectName,
  rawRefId: string,
  item: { tree: SifElement; issues: TreeIssue[] },
): Promise<SifItemResult> {
  return (await updateSifObjects(deps, w, object, [{ refId: rawRefId, ...item }]))[0]!;
}

/** Delete objects. A StudentPersonal goes after the objects that refer to it; the child's record is withdrawn. */
export async function removeSifObjects(
  deps: SifDeps,
  w: SifWriter,
  object: SifObjectName,
  rawRefIds: readonly string[],
): Promise<SifItemResult[]> {
  return writeRequest(deps, w, object, 'DELETE', rawRefIds, (raw, i, repeat) => {
    const refId = normalizeRefId(raw);
    if (!refId) return itemError(404, 'NotFound', `No ${object} with RefId ${raw}.`);
    return repeat(refId) ?? { i, kind: 'delete', refId };
  });
}

/** Delete one object: {@link removeSifObjects} with one RefId. */
export async function removeSifObject(
  deps: SifDeps,
  w: SifWriter,
  object: SifObjectName,
  rawRefId: string,
): Promise<SifItemResult> {
  return (await removeSifObjects(deps, w, object, [rawRefId]))[0]!;
}
