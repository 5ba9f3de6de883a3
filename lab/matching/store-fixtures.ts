/**
 * Puts synthetic migrant-population records into the store as pending state
 * records, set-based (thousands per statement), for the batch-load test and
 * the store benchmarks.
 */
import { type StateRecord, CODESET_VERSION } from '@msix/adapter-sdk/canonical';
import type { PersonRecord } from '../../core/matching/types.js';
import type { Db } from '../../core/store/db.js';

/** The canonical record a state would send for a synthetic person (identity and parents only). */
export function personToStateRecord(p: PersonRecord): StateRecord {
  const identity: Record<string, unknown> = { firstName: p.firstName ?? '', lastName1: p.lastName1 ?? '' };
  const put = (k: string, v: unknown) => {
    if (v !== null && v !== undefined && v !== '') identity[k] = v;
  };
  put('middleName', p.middleName);
  put('lastName2', p.lastName2);
  put('sex', p.sex);
  put('birthDate', p.birthDate);
  put('multipleBirth', p.multipleBirth);
  put('birthCity', p.birthCity);
  put('birthState', p.birthState);
  put('birthCountry', p.birthCountry);
  const parents: NonNullable<StateRecord['parents']> = [];
  if (p.parent1FirstName || p.parent1LastName)
    parents.push({
      firstName: p.parent1FirstName ?? undefined,
      lastName: p.parent1LastName ?? undefined,
      relationship: 'parent1',
    });
  if (p.parent2FirstName || p.parent2LastName)
    parents.push({
      firstName: p.parent2FirstName ?? undefined,
      lastName: p.parent2LastName ?? undefined,
      relationship: 'parent2',
    });
  return {
    stateCode: p.state ?? 'TX',
    stateStudentId: p.stateStudentId ?? p.recordId,
    identity: identity as StateRecord['identity'],
    ...(parents.length
      ? {
          parents: parents.map(
            (x) => Object.fromEntries(Object.entries(x).filter(([, v]) => v !== undefined)) as typeof x,
          ),
        }
      : {}),
  };
}

/**
 * Inserts the records as pending state records; returns the store id of each
 * stored input record id (a record whose state and state id were already
 * stored or sent earlier in the input is skipped: to the store it is an update).
 */
export async function insertPending(
  db: Db,
  people: readonly PersonRecord[],
  batch = 5000,
): Promise<Map<string, string>> {
  const ids = new Map<string, string>();
  for (let start = 0; start < people.length; start += batch) {
    const slice = people.slice(start, start + batch);
    const recs = slice.map(personToStateRecord);
    const r = await db.query<{ id: string; state_code: string; state_student_id: string }>(
      `INSERT INTO state_records (state_code, state_student_id, record, content_hash, codeset_version, first_name,
       last_name1, birth_date)
       SELECT u.st, u.sid, u.rec, md5(u.rec::text), $5, u.rec->'identity'->>'firstName',
       u.rec->'identity'->>'lastName1', (u.rec->'identity'->>'birthDate')::date
       FROM unnest($1::text[], $2::text[], $3::jsonb[], $4::int[]) AS u(st, sid, rec, ord)
       ON CONFLICT (state_code, state_student_id) DO NOTHING RETURNING id, state_code, state_student_id`,
      [
        recs.map((x) => x.stateCode),
        recs.map((x) => x.stateStudentId),
        recs.map((x) => JSON.stringify(x)),
        recs.map((_, i) => i),
        CODESET_VERSION,
      ],
    );
    // The first record with a state id is the stored one; a later one (a resubmission) is skipped.
    const byKey = new Map(r.rows.map((x) => [`${x.state_code}|${x.state_student_id}`, x.id]));
    slice.forEach((p, i) => {
      const key = `${recs[i]!.stateCode}|${recs[i]!.stateStudentId}`;
      const id = byKey.get(key);
      if (id) {
        ids.set(p.recordId, id);
        byKey.delete(key);
      }
    });
  }
  return ids;
}

/**
 * A store's matching outcome with the random MSIX ids left out: who is with whom, the reviews, the statuses. Two
 * stores loaded from the same records compare equal exactly when they were linked alike.
 */
export async function storeOutcome(db: Db) {
  const students = await db.query<{ members: string }>(
    `SELECT string_agg(s.state_code || '/' || s.state_student_id, ',' ORDER BY s.state_code, s.state_student_id)
       AS members
     FROM links l JOIN state_records s ON s.id = l.record_id GROUP BY l.msix_id ORDER BY 1`,
  );
  const statuses = await db.query<{ status: string; n: number }>(
    'SELECT match_status AS status, count(*)::int AS n FROM state_records GROUP BY 1 ORDER BY 1',
  );
  const reviews = await db.query<{ record: string; status: string }>(
    `SELECT s.state_code || '/' || s.state_student_id AS record, r.status FROM match_reviews r
     JOIN state_records s ON s.id = r.record_id ORDER BY 1`,
  );
  return { students: students.rows.map((r) => r.members), statuses: statuses.rows, reviews: reviews.rows };
}
