/**
 * Maps a stored canonical state record to the engine's input shape. The
 * engine only knows {@link PersonRecord}; this is the one place that knows
 * how canonical identity and parents translate to it.
 */
import type { StateRecord, ParentT } from '@msix/adapter-sdk/canonical';
import { standardize } from '../matching/standardize.js';
import type { PersonRecord, StandardizedPerson } from '../matching/types.js';

const clean = (v: string | undefined | null): string | null => {
  const s = v?.trim();
  return s ? s : null;
};

/**
 * Parents by slot: `parent1`/`parent2` go where they say; parents without a
 * relationship, then guardians, fill the slots still empty, in order.
 */
function parentSlots(parents: readonly ParentT[] | undefined): [ParentT | null, ParentT | null] {
  const slots: [ParentT | null, ParentT | null] = [null, null];
  const list = parents ?? [];
  for (const p of list) {
    if (p.relationship === 'parent1' && !slots[0]) slots[0] = p;
    else if (p.relationship === 'parent2' && !slots[1]) slots[1] = p;
  }
  const rest = [
    ...list.filter((p) => p.relationship === undefined),
    ...list.filter((p) => p.relationship === 'guardian'),
  ];
  for (const p of rest) {
    if (!slots[0]) slots[0] = p;
    else if (!slots[1]) slots[1] = p;
  }
  return slots;
}

/** The engine's view of one stored record; `recordId` is `state_records.id`. */
export function toPersonRecord(
  recordId: string,
  rec: Pick<StateRecord, 'stateCode' | 'stateStudentId' | 'identity' | 'parents'>,
): PersonRecord {
  const id = rec.identity;
  const [p1, p2] = parentSlots(rec.parents);
  return {
    recordId,
    state: rec.stateCode,
    stateStudentId: rec.stateStudentId,
    firstName: clean(id.firstName),
    middleName: clean(id.middleName),
    lastName1: clean(id.lastName1),
    lastName2: clean(id.lastName2),
    sex: id.sex === 'F' || id.sex === 'M' ? id.sex : null,
    birthDate: clean(id.birthDate),
    multipleBirth: id.multipleBirth ?? null,
    birthCity: clean(id.birthCity),
    birthState: clean(id.birthState),
    birthCountry: clean(id.birthCountry),
    parent1FirstName: clean(p1?.firstName),
    parent1LastName: clean(p1?.lastName),
    parent2FirstName: clean(p2?.firstName),
    parent2LastName: clean(p2?.lastName),
  };
}

/** The columns a matching query selects of a stored record (`record->'identity'`, `record->'parents'`). */
export interface StoredIdentityRow {
  id: string;
  state_code: string;
  state_student_id: string;
  identity: StateRecord['identity'];
  parents: StateRecord['parents'] | null;
}

/**
 * A stored record as the engine compares it (uncached; match jobs use the cached `standardizeRow` of candidates.ts).
 */
export function standardizeStored(row: StoredIdentityRow): StandardizedPerson {
  return standardize(
    toPersonRecord(row.id, {
      stateCode: row.state_code,
      stateStudentId: row.state_student_id,
      identity: row.identity,
      parents: row.parents ?? undefined,
    }),
  );
}
