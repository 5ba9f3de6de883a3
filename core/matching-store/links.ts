/**
 * Link writes, each with its history row: the only code that inserts,
 * moves or deletes a `links` row, so `link_history` is complete.
 */
import type { Db } from '../store/db.js';
import type { MsixId } from '../../specs/ids.js';
import type { MatchExplanation } from './explanation.js';

export type LinkType = 'new' | 'auto' | 'manual';

export interface LinkRow {
  record_id: string;
  msix_id: MsixId;
  link_type: LinkType;
  score: number | null;
  rules_version: string;
  explanation: MatchExplanation | Record<string, unknown>;
}

export interface LinkCause {
  cause: string;
  actor: string;
  reviewId?: string | null;
  requestId?: string | null;
}

export async function currentLink(db: Db, recordId: string): Promise<LinkRow | null> {
  const r = await db.query<LinkRow>(
    'SELECT record_id, msix_id, link_type, score, rules_version, explanation FROM links WHERE record_id = $1',
    [recordId],
  );
  return r.rows[0] ?? null;
}

async function history(
  tx: Db,
  recordId: string,
  from: string | null,
  to: string | null,
  link: Omit<WriteLink, 'recordId' | 'msixId'> | null,
  c: LinkCause,
): Promise<void> {
  await tx.query(
    `INSERT INTO link_history (record_id, from_msix_id, to_msix_id, link_type, score, rules_version, explanation, cause,
     review_id, request_id, actor)
     VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11)`,
    [
      recordId,
      from,
      to,
      link?.linkType ?? null,
      link?.score ?? null,
      link?.rulesVersion ?? null,
      link ? JSON.stringify(link.explanation) : null,
      c.cause,
      c.reviewId ?? null,
      c.requestId ?? null,
      c.actor,
    ],
  );
}

export interface WriteLink {
  recordId: string;
  msixId: string;
  linkType: LinkType;
  score: number | null;
  rulesVersion: string;
  explanation: MatchExplanation | Record<string, unknown>;
}

/** Inserts or replaces the link of one record; returns the student it was linked to before (null if none). */
export async function writeLink(tx: Db, link: WriteLink, c: LinkCause): Promise<string | null> {
  const before = await tx.query<{ msix_id: string }>('SELECT msix_id FROM links WHERE record_id = $1', [link.recordId]);
  const from = before.rows[0]?.msix_id ?? null;
  await tx.query(
    `INSERT INTO links (record_id, msix_id, link_type, score, rules_version, explanation) VALUES ($1,$2,$3,$4,$5,$6)
     ON CONFLICT (record_id) DO UPDATE SET msix_id = EXCLUDED.msix_id, link_type = EXCLUDED.link_type,
     score = EXCLUDED.score,
       rules_version = EXCLUDED.rules_version, explanation = EXCLUDED.explanation,
       linked_at = CASE WHEN links.msix_id = EXCLUDED.msix_id THEN links.linked_at ELSE now() END`,
    [link.recordId, link.msixId, link.linkType, link.score, link.rulesVersion, JSON.stringify(link.explanation)],
  );
  await history(tx, link.recordId, from, link.msixId, link, c);
  return from;
}

/** Removes the link of one record (a person ruled it is not that child). */
export async function removeLink(tx: Db, recordId: string, c: LinkCause): Promise<string | null> {
  const r = await tx.query<{ msix_id: string }>('DELETE FROM links WHERE record_id = $1 RETURNING msix_id', [recordId]);
  const from = r.rows[0]?.msix_id ?? null;
  if (from) await history(tx, recordId, from, null, null, c);
  return from;
}

export interface StudentRow {
  msix_id: MsixId;
  status: 'active' | 'merged' | 'locked' | 'retired';
  merged_into: MsixId | null;
}

/** Row-locks students in id order (the same order everywhere, so no deadlock). */
export async function lockStudents(tx: Db, ids: readonly string[]): Promise<Map<string, StudentRow>> {
  const sorted = [...new Set(ids)].sort();
  const r = await tx.query<StudentRow>(
    'SELECT msix_id, status, merged_into FROM students WHERE msix_id = ANY($1::text[]) ORDER BY msix_id FOR UPDATE',
    [sorted],
  );
  return new Map(r.rows.map((s) => [s.msix_id, s]));
}

/**
 * The live student for an id: follows `merged_into` (a student merged since
 * the candidates were read), row-locking the one returned. Null when the
 * chain ends in a retired student.
 */
export async function liveStudent(tx: Db, msixId: string): Promise<StudentRow | null> {
  let id: string | null = msixId;
  for (let hops = 0; id !== null && hops < 20; hops++) {
    const s: StudentRow | undefined = (await lockStudents(tx, [id])).get(id);
    if (!s) return null;
    if (s.status === 'active' || s.status === 'locked') return s;
    id = s.status === 'merged' ? s.merged_into : null;
  }
  return null;
}

/** Active and withdrawn records still linked to a student. */
export async function recordsOfStudent(
  db: Db,
  msixId: string,
): Promise<{ recordId: string; status: 'active' | 'withdrawn'; stateCode: string }[]> {
  const r = await db.query<{ record_id: string; status: 'active' | 'withdrawn'; state_code: string }>(
    'SELECT l.record_id, s.status, s.state_code FROM links l JOIN state_records s ON s.id = l.record_id ' +
      'WHERE l.msix_id = $1 ORDER BY l.linked_at, l.record_id',
    [msixId],
  );
  return r.rows.map((x) => ({ recordId: x.record_id, status: x.status, stateCode: x.state_code }));
}

/**
 * After a record left a student: a student with no record left is marked
 * merged into `into` (its id then answers with a redirect), or retired.
 * Returns true when the student is now empty.
 */
export async function settleEmptied(tx: Db, msixId: string, into: string | null): Promise<boolean> {
  const left = await tx.query<{ n: number }>('SELECT count(*)::int AS n FROM links WHERE msix_id = $1', [msixId]);
  if ((left.rows[0]?.n ?? 0) > 0) return false;
  await tx.query(
    `UPDATE students SET status = $2, merged_into = $3, version = version + 1, updated_at = now() WHERE msix_id = $1`,
    [msixId, into ? 'merged' : 'retired', into],
  );
  return true;
}
