/**
 * Why each record belongs to a student: its link with the stored
 * explanation, the link history of the student (every move, by the engine
 * or by a person, with the rules version), and its open reviews.
 */
import type { Db } from '../store/db.js';
import type { MatchExplanation } from './explanation.js';

export interface StudentLink {
  recordId: string;
  stateCode: string;
  stateStudentId: string;
  recordStatus: 'active' | 'withdrawn';
  linkType: 'new' | 'auto' | 'manual';
  score: number | null;
  rulesVersion: string;
  linkedAt: string;
  explanation: MatchExplanation | null;
}

export interface LinkHistoryEntry {
  recordId: string;
  fromMsixId: string | null;
  toMsixId: string | null;
  linkType: string | null;
  score: number | null;
  rulesVersion: string | null;
  cause: string;
  actor: string;
  reviewId: string | null;
  requestId: string | null;
  at: string;
}

export type StudentLinksResult =
  | {
      kind: 'ok';
      msixId: string;
      status: string;
      links: StudentLink[];
      history: LinkHistoryEntry[];
      openReviewIds: string[];
    }
  | { kind: 'merged'; into: string }
  | { kind: 'not-found' };

const iso = (d: Date | string): string => new Date(d).toISOString();
const isExplanation = (e: unknown): e is MatchExplanation =>
  typeof e === 'object' && e !== null && 'rulesVersion' in e && 'students' in e;

export async function studentLinks(db: Db, msixId: string): Promise<StudentLinksResult> {
  const s = await db.query<{ status: string; merged_into: string | null }>(
    'SELECT status, merged_into FROM students WHERE msix_id = $1',
    [msixId],
  );
  const st = s.rows[0];
  if (!st) return { kind: 'not-found' };
  if (st.status === 'merged' && st.merged_into) return { kind: 'merged', into: st.merged_into };
  const links = await db.query<{
    record_id: string;
    state_code: string;
    state_student_id: string;
    status: 'active' | 'withdrawn';
    link_type: StudentLink['linkType'];
    score: number | null;
    rules_version: string;
    linked_at: Date | string;
    explanation: unknown;
  }>(
    `SELECT l.record_id, s.state_code, s.state_student_id, s.status, l.link_type, l.score, l.rules_version, l.linked_at,
     l.explanation
     FROM links l JOIN state_records s ON s.id = l.record_id WHERE l.msix_id = $1 ORDER BY l.linked_at, l.record_id`,
    [msixId],
  );
  const hist = await db.query<{
    record_id: string;
    from_msix_id: string | null;
    to_msix_id: string | null;
    link_type: string | null;
    score: number | null;
    rules_version: string | null;
    cause: string;
    actor: string;
    review_id: string | null;
    request_id: string | null;
    at: Date | string;
  }>(
    `SELECT record_id, from_msix_id, to_msix_id, link_type, score, rules_version, cause, actor, review_id, request_id,
     at FROM link_history WHERE to_msix_id = $1
     UNION
     SELECT record_id, from_msix_id, to_msix_id, link_type, score, rules_version, cause, actor, review_id, request_id,
     at FROM link_history WHERE from_msix_id = $1
     ORDER BY at, record_id LIMIT 500`,
    [msixId],
  );
  const reviews = await db.query<{ id: string }>(
    `SELECT id FROM match_reviews WHERE status = 'open' AND (current_msix_id = $1 OR $1 = ANY(candidate_msix_ids))
     ORDER BY created_at`,
    [msixId],
  );
  return {
    kind: 'ok',
    msixId,
    status: st.status,
    links: links.rows.map((l) => ({
      recordId: l.record_id,
      stateCode: l.state_code,
      stateStudentId: l.state_student_id,
      recordStatus: l.status,
      linkType: l.link_type,
      score: l.score,
      rulesVersion: l.rules_version,
      linkedAt: iso(l.linked_at),
      explanation: isExplanation(l.explanation) ? l.explanation : null,
    })),
    history: hist.rows.map((h) => ({
      recordId: h.record_id,
      fromMsixId: h.from_msix_id,
      toMsixId: h.to_msix_id,
      linkType: h.link_type,
      score: h.score,
      rulesVersion: h.rules_version,
      cause: h.cause,
      actor: h.actor,
      reviewId: h.review_id,
      requestId: h.request_id,
      at: iso(h.at),
    })),
    openReviewIds: reviews.rows.map((r) => r.id),
  };
}
