import type { IdentityT, ParentT } from '../../specs/canonical/state-record.js';
import type { MsixId } from '../../specs/ids.js';
import { blockingKeys } from '../matching/blocking.js';
import { loadDefaultModel } from '../matching/default-model.js';
import { matchArriving, type Candidate } from '../matching/incremental.js';
import type { MatchModel } from '../matching/model.js';
import { standardize } from '../matching/standardize.js';
import type { PersonRecord, StandardizedPerson } from '../matching/types.js';
import type { Db } from '../store/db.js';

/** What a requesting school knows about a child in front of it. */
export interface Demographics {
  identity: IdentityT;
  parents?: ParentT[];
}

/**
 * The child the demographics resolve to. Only a confident link resolves; a
 * near match or two candidates is `ambiguous` (a data administrator decides,
 * not the requester); nothing close is `none`.
 */
export type Resolution =
  | { kind: 'found'; msixId: MsixId; probability: number; rulesVersion: string }
  | { kind: 'ambiguous'; candidates: number; reason: string }
  | { kind: 'none' };

/** Finds stored candidates (linked records with their student) for a standardized lookup and its blocking keys. */
export type CandidateFinder = (db: Db, person: StandardizedPerson, keys: readonly string[]) => Promise<Candidate<StandardizedPerson>[]>;

const clean = (v: string | null | undefined): string | null => (v && v.trim() ? v.trim() : null);

/** The engine's input for a canonical identity (and parents); `state` is null: the lookup belongs to no state. */
export function personOf(recordId: string, stateCode: string | null, stateStudentId: string | null, d: Demographics): PersonRecord {
  const i = d.identity;
  const parents = d.parents ?? [];
  const p1 = parents.find((p) => p.relationship === 'parent1') ?? parents.find((p) => p.relationship !== 'parent2') ?? null;
  const p2 = parents.find((p) => p.relationship === 'parent2') ?? parents.find((p) => p !== p1) ?? null;
  return {
    recordId, state: stateCode, stateStudentId,
    firstName: clean(i.firstName), middleName: clean(i.middleName), lastName1: clean(i.lastName1), lastName2: clean(i.lastName2),
    sex: i.sex === 'F' || i.sex === 'M' ? i.sex : null, birthDate: clean(i.birthDate), multipleBirth: i.multipleBirth ?? null,
    birthCity: clean(i.birthCity), birthState: clean(i.birthState), birthCountry: clean(i.birthCountry),
    parent1FirstName: clean(p1?.firstName), parent1LastName: clean(p1?.lastName), parent2FirstName: clean(p2?.firstName), parent2LastName: clean(p2?.lastName),
  };
}

/**
 * Candidates by SQL when the store keeps no blocking-key table: linked active
 * records with the same birth date (or day and month swapped), or the same
 * first name and first surname. Bounded; scoring decides.
 */
export const sqlCandidateFinder: CandidateFinder = async (db, person) => {
  const b = person.birth;
  const dates = b ? [...new Set([`${b.year}-${String(b.month).padStart(2, '0')}-${String(b.day).padStart(2, '0')}`,
    ...(b.day <= 12 ? [`${b.year}-${String(b.day).padStart(2, '0')}-${String(b.month).padStart(2, '0')}`] : [])])] : [];
  const raw = person.raw;
  const r = await db.query<{ id: string; state_code: string; state_student_id: string; identity: IdentityT; parents: ParentT[] | null; msix_id: string }>(
    `SELECT s.id, s.state_code, s.state_student_id, s.record->'identity' AS identity, s.record->'parents' AS parents, l.msix_id
     FROM state_records s JOIN links l ON l.record_id = s.id JOIN students st ON st.msix_id = l.msix_id
     WHERE s.status = 'active' AND st.status IN ('active', 'locked')
       AND (s.birth_date = ANY($1::date[]) OR (upper(s.first_name) = upper($2) AND upper(s.last_name1) = upper($3)))
     LIMIT 500`,
    [dates, raw.firstName ?? '', raw.lastName1 ?? ''],
  );
  return r.rows.map((row) => ({
    studentId: row.msix_id,
    record: standardize(personOf(row.id, row.state_code, row.state_student_id, { identity: row.identity, parents: row.parents ?? [] })),
  }));
};

let defaultModel: MatchModel | null = null;

/**
 * Resolves demographics to a consolidated student with the matching engine:
 * standardize, blocking keys, stored candidates, then the same arrival
 * decision the matcher makes for an incoming record.
 */
export async function resolveDemographics(db: Db, d: Demographics, finder: CandidateFinder = sqlCandidateFinder, model?: MatchModel): Promise<Resolution> {
  const m = model ?? (defaultModel ??= loadDefaultModel());
  const person = standardize(personOf('lookup', null, null, d));
  const candidates = await finder(db, person, blockingKeys(person));
  if (!candidates.length) return { kind: 'none' };
  const result = matchArriving(person, candidates, m);
  const dec = result.decision;
  if (dec.kind === 'link') {
    const best = result.students.find((s) => s.studentId === dec.studentId);
    return { kind: 'found', msixId: dec.studentId as MsixId, probability: best?.bestProbability ?? 1, rulesVersion: result.rulesVersion };
  }
  if (dec.kind === 'review') return { kind: 'ambiguous', candidates: dec.studentIds.length, reason: dec.reason };
  return { kind: 'none' };
}
