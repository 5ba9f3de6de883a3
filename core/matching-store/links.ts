/**
 * The links aggregate: the only code that inserts, moves or deletes a `links` row, each with its
 * `link_history` row, so the history is complete. Writes go through the SQL function `write_links`
 * (links.sql beside this module, run again by the migrator when it changes), one link or a batch; the match
 * job's one-call commit (place-writes.sql) and the bulk load call it too. Events about students go through
 * core/outbox.
 */
import type { Db } from '../store/db.js';
import type { MsixId } from '@msix/adapter-sdk/canonical';
import type { MatchExplanation } from './explanation.js';
import type { ModuleSqlFile } from '../store/migrate.js';
import { setStudentStatus } from '../students.js';

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

export interface WriteLink {
  recordId: string;
  msixId: string;
  linkType: LinkType;
  score: number | null;
  rulesVersion: string;
  explanation: MatchExplanation | Record<string, unknown>;
}

/** The file of `write_links`. */
export const LINKS_SQL: ModuleSqlFile = {
  id: 'core/matching-store/links',
  url: new URL('./links.sql', import.meta.url),
};

/**
 * Writes links with their history rows in one statement, each record at most once. `replace` moves or updates
 * an existing link; without it an existing link is left alone (the bulk load, which never takes a record from
 * another writer). Returns, for each record written, the student it was linked to before (null if none).
 */
export async function writeLinks(
  tx: Db,
  links: readonly (WriteLink & { cause: LinkCause })[],
  opts: { replace: boolean },
): Promise<Map<string, string | null>> {
  if (!links.length) return new Map();
  const r = await tx.query<{ record_id: string; from_msix_id: string | null }>(
    'SELECT record_id, from_msix_id FROM write_links($1::json, $2::boolean)',
    [
      JSON.stringify(
        links.map((l) => ({
          record_id: l.recordId,
          msix_id: l.msixId,
          link_type: l.linkType,
          score: l.score,
          rules_version: l.rulesVersion,
          explanation: l.explanation,
          cause: l.cause.cause,
          review_id: l.cause.reviewId ?? null,
          request_id: l.cause.requestId ?? null,
          actor: l.cause.actor,
        })),
      ),
      opts.replace,
    ],
  );
  return new Map(r.rows.map((x) => [x.record_id, x.from_msix_id]));
}

/** Inserts or replaces the link of one record; returns the student it was linked to before (null if none). */
export async function writeLink(tx: Db, link: WriteLink, c: LinkCause): Promise<string | null> {
  const written = await writeLinks(tx, [{ ...link, cause: c }], { replace: true });
  return written.get(link.recordId) ?? null;
}

/** Removes the link of one record (a person ruled it is not that child). */
export async function removeLink(tx: Db, recordId: string, c: LinkCause): Promise<string | null> {
  const r = await tx.query<{ msix_id: string }>('DELETE FROM links WHERE record_id = $1 RETURNING msix_id', [recordId]);
  const from = r.rows[0]?.msix_id ?? null;
  if (from) {
    await tx.query(
      `INSERT INTO link_history (record_id, from_msix_id, to_msix_id, cause, review_id, request_id, actor)
       VALUES ($1, $2, NULL, $3, $4, $5, $6)`,
      [recordId, from, c.cause, c.reviewId ?? null, c.requestId ?? null, c.actor],
    );
  }
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
  await setStudentStatus(tx, [msixId], into ? 'merged' : 'retired', into);
  return true;
}
