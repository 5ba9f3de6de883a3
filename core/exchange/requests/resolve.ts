import type { IdentityT, ParentT, MsixId } from '@msix/adapter-sdk/canonical';
import { blockingKeys } from '../../matching/blocking.js';
import { matchArriving, type Candidate } from '../../matching/incremental.js';
import type { MatchModel } from '../../matching/model.js';
import { standardize } from '../../matching/standardize.js';
import type { PersonRecord, StandardizedPerson } from '../../matching/types.js';
import type { Db } from '../../store/db.js';
import { findCandidates } from '../../matching-store/candidates.js';
import { storeModel, storePopulation } from '../../matching-store/engine.js';

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
export type CandidateFinder = (
  db: Db,
  person: StandardizedPerson,
  keys: readonly string[],
) => Promise<Candidate<StandardizedPerson>[]>;

const clean = (v: string | null | undefined): string | null => (v?.trim() ? v.trim() : null);

/** The engine's input for a canonical identity (and parents); `state` is null: the lookup belongs to no state. */
export function personOf(
  recordId: string,
  stateCode: string | null,
  stateStudentId: string | null,
  d: Demographics,
): PersonRecord {
  const i = d.identity;
  const parents = d.parents ?? [];
  const p1 =
    parents.find((p) => p.relationship === 'parent1') ?? parents.find((p) => p.relationship !== 'parent2') ?? null;
  const p2 = parents.find((p) => p.relationship === 'parent2') ?? parents.find((p) => p !== p1) ?? null;
  return {
    recordId,
    state: stateCode,
    stateStudentId,
    firstName: clean(i.firstName),
    middleName: clean(i.middleName),
    lastName1: clean(i.lastName1),
    lastName2: clean(i.lastName2),
    sex: i.sex === 'F' || i.sex === 'M' ? i.sex : null,
    birthDate: clean(i.birthDate),
    multipleBirth: i.multipleBirth ?? null,
    birthCity: clean(i.birthCity),
    birthState: clean(i.birthState),
    birthCountry: clean(i.birthCountry),
    parent1FirstName: clean(p1?.firstName),
    parent1LastName: clean(p1?.lastName),
    parent2FirstName: clean(p2?.firstName),
    parent2LastName: clean(p2?.lastName),
  };
}

/** Candidates from the store's blocking-key index (core/matching-store), the same lookup an arriving record gets. */
export const storeCandidateFinder: CandidateFinder = async (db, _person, keys) =>
  findCandidates(db, { recordId: NO_RECORD, keys, partners: [], maxBlock: storeModel().maxBlockSize });

// A lookup is not a stored record: no candidate is excluded as "itself".
const NO_RECORD = '00000000-0000-0000-0000-000000000000';

/**
 * Resolves demographics to a consolidated student with the matching engine:
 * standardize, blocking keys, candidates from the store's key index, then the
 * same arrival decision (model, prior, thresholds) the matcher makes for an
 * incoming record.
 */
export async function resolveDemographics(
  db: Db,
  d: Demographics,
  finder: CandidateFinder = storeCandidateFinder,
  model?: MatchModel,
): Promise<Resolution> {
  const m = model ?? storeModel();
  const person = standardize(personOf('lookup', null, null, d));
  const candidates = await finder(db, person, blockingKeys(person));
  if (!candidates.length) return { kind: 'none' };
  // The prior follows the store's size, as for an arriving record (core/matching-store/engine.ts).
  const population = await storePopulation(db, m);
  const result = matchArriving(
    person,
    candidates,
    m,
    {},
    undefined,
    population > m.referencePopulation ? { population } : undefined,
  );
  const dec = result.decision;
  if (dec.kind === 'link') {
    const best = result.students.find((s) => s.studentId === dec.studentId);
    return {
      kind: 'found',
      msixId: dec.studentId as MsixId,
      probability: best?.bestProbability ?? 1,
      rulesVersion: result.rulesVersion,
    };
  }
  if (dec.kind === 'review') return { kind: 'ambiguous', candidates: dec.studentIds.length, reason: dec.reason };
  return { kind: 'none' };
}
