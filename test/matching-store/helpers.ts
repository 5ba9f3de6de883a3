import type { Db } from '../../core/store/db.js';
import { type StateRecord, CODESET_VERSION } from '@msix/adapter-sdk/canonical';
import { applyStateRecord } from '../../core/records.js';
import { matchRecord, type MatchOutcome } from '../../core/linking.js';
import { sampleRecord } from '../support/records.js';

export const consolidation = { requiredCredits: 22 };

type Over = NonNullable<Parameters<typeof sampleRecord>[0]>;

/** Stores (or updates) one canonical record and returns its id and version. */
export async function store(db: Db, over: Over): Promise<{ id: string; version: number }> {
  const o = await db.transaction((tx) => applyStateRecord(tx, sampleRecord(over), CODESET_VERSION, null));
  return { id: o.recordId!, version: o.version };
}

export async function storeRecord(db: Db, rec: StateRecord): Promise<{ id: string; version: number }> {
  const o = await db.transaction((tx) => applyStateRecord(tx, rec, CODESET_VERSION, null));
  return { id: o.recordId!, version: o.version };
}

export function match(db: Db, id: string, version = 1): Promise<MatchOutcome> {
  return matchRecord({ db, consolidation }, { recordId: id, version, traceId: 'test' });
}

export async function storeAndMatch(db: Db, over: Over): Promise<{ id: string; outcome: MatchOutcome }> {
  const r = await store(db, over);
  return { id: r.id, outcome: await match(db, r.id, r.version) };
}

export async function linkOf(db: Db, recordId: string): Promise<string | null> {
  const r = await db.query<{ msix_id: string }>('SELECT msix_id FROM links WHERE record_id = $1', [recordId]);
  return r.rows[0]?.msix_id ?? null;
}

/** A family's child as three states would send it, with the usual variations. */
export function child(n: number, variant: 0 | 1 | 2, state: string): Over {
  const first = ['Maria', 'Jose', 'Guadalupe', 'Juan', 'Rosa', 'Francisco', 'Ana', 'Luis', 'Carmen', 'Jesus'][n % 10]!;
  const last1 = [
    'Garcia',
    'Hernandez',
    'Martinez',
    'Lopez',
    'Gonzalez',
    'Rodriguez',
    'Perez',
    'Sanchez',
    'Ramirez',
    'Cruz',
  ][Math.floor(n / 10) % 10]!;
  const last2 = ['Flores', 'Gomez', 'Diaz', 'Reyes', 'Morales', 'Ortiz', 'Castillo', 'Vargas', 'Romero', 'Soto'][
    (n * 7) % 10
  ]!;
  const day = String(1 + (n % 28)).padStart(2, '0');
  const month = String(1 + (n % 12)).padStart(2, '0');
  const birthDate = `${2008 + (n % 9)}-${month}-${day}`;
  const parents = [
    { firstName: ['Rosa', 'Elena', 'Lucia', 'Teresa'][n % 4]!, lastName: last2, relationship: 'parent2' as const },
  ];
  const identity =
    variant === 0
      ? { firstName: first, lastName1: last1, lastName2: last2, birthDate, sex: n % 2 ? 'M' : 'F' }
      : variant === 1
        ? {
            firstName: first.toUpperCase(),
            lastName1: `${last1}-${last2}`,
            lastName2: undefined,
            birthDate,
            sex: n % 2 ? 'M' : 'F',
          }
        : { firstName: first, lastName1: last1, lastName2: undefined, birthDate, sex: undefined };
  return { stateCode: state, stateStudentId: `${state}-${n}-${variant}`, identity, parents };
}
