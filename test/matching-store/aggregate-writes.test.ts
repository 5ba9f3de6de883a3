/**
 * Each aggregate has one write path, set-based, and one row is a batch of one: the links with their history
 * (core/matching-store/links.ts over write_links), the consolidated views (core/students.ts over
 * store_student_views) and the student events (core/outbox over emit_student_events). These tests check that
 * a batch writes exactly what the same rows written one at a time write.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshDb, STORE_KINDS } from '../support/db.js';
import type { Db } from '../../core/store/db.js';
import { writeLink, writeLinks, type LinkCause, type WriteLink } from '../../core/matching-store/links.js';
import { createStudents, refreshStudent, refreshStudents } from '../../core/students.js';
import { emitStudentEvent, emitStudentEvents } from '../../core/outbox/student-events.js';
import { consolidation, store } from './helpers.js';

const cause: LinkCause = { cause: 'test', actor: 'tester', reviewId: null, requestId: null };

describe.each(STORE_KINDS)('aggregate writes on %s', (kind) => {
  let db: Db;
  let drop: () => Promise<void>;
  beforeAll(async () => {
    ({ db, drop } = await freshDb(kind));
  });
  afterAll(async () => {
    await drop?.();
  });

  const history = async (ids: string[]) =>
    (
      await db.query<Record<string, unknown>>(
        `SELECT record_id, from_msix_id, to_msix_id, link_type, score, rules_version, explanation, cause, actor
         FROM link_history WHERE record_id = ANY($1::uuid[]) ORDER BY id`,
        [ids],
      )
    ).rows;
  const links = async (ids: string[]) =>
    (
      await db.query<Record<string, unknown>>(
        `SELECT record_id, msix_id, link_type, score, rules_version, explanation FROM links
         WHERE record_id = ANY($1::uuid[]) ORDER BY record_id`,
        [ids],
      )
    ).rows;

  it('links: a batch writes the links and history rows that one link at a time writes', async () => {
    const [s1, s2] = await db.transaction((tx) => createStudents(tx, 2));
    const recs: string[] = [];
    for (let n = 0; n < 6; n++) recs.push((await store(db, { stateCode: 'KS', stateStudentId: `L-${n}` })).id);
    const link = (recordId: string, msixId: string, score: number | null): WriteLink => ({
      recordId,
      msixId,
      linkType: score === null ? 'new' : 'auto',
      score,
      rulesVersion: 'r1',
      explanation: { reason: 'test', note: 'quote " and \\ backslash' },
    });
    const one = recs.slice(0, 3);
    const many = recs.slice(3);
    // First links, then a move of one of them.
    for (const [k, id] of one.entries())
      await db.transaction((tx) => writeLink(tx, link(id, s1!, k ? 0.9 : null), cause));
    const before = await db.transaction((tx) => writeLink(tx, link(one[1]!, s2!, 0.95), cause));
    await db.transaction((tx) =>
      writeLinks(
        tx,
        many.map((id, k) => ({ ...link(id, s1!, k ? 0.9 : null), cause })),
        { replace: true },
      ),
    );
    const moved = await db.transaction((tx) =>
      writeLinks(tx, [{ ...link(many[1]!, s2!, 0.95), cause }], { replace: true }),
    );
    expect(before).toBe(s1);
    expect(moved.get(many[1]!)).toBe(s1);
    const strip = (rows: Record<string, unknown>[], ids: string[]) =>
      rows.map((r) => ({ ...r, record_id: ids.indexOf(r.record_id as string) }));
    expect(strip(await history(many), many)).toEqual(strip(await history(one), one));
    const l1 = strip(await links(one), one).sort((a, b) => (a.record_id as number) - (b.record_id as number));
    const l2 = strip(await links(many), many).sort((a, b) => (a.record_id as number) - (b.record_id as number));
    expect(l2).toEqual(l1);
    // Without replace, an existing link is left alone and gets no history row.
    const kept = await db.transaction((tx) =>
      writeLinks(tx, [{ ...link(many[0]!, s2!, 0.5), cause }], { replace: false }),
    );
    expect(kept.size).toBe(0);
    expect((await links([many[0]!]))[0]).toMatchObject({ msix_id: s1 });
    expect(await history([many[0]!])).toHaveLength(1);
  });

  it('views: refreshing many students stores what refreshing each one stores', async () => {
    const [a, b, empty] = await db.transaction((tx) => createStudents(tx, 3));
    for (const [n, s] of [a, a, b].entries()) {
      const r = await store(db, { stateCode: 'NE', stateStudentId: `V-${n}` });
      await db.transaction((tx) =>
        writeLink(
          tx,
          { recordId: r.id, msixId: s!, linkType: 'new', score: null, rulesVersion: 'r1', explanation: {} },
          cause,
        ),
      );
    }
    const views = await db.transaction((tx) => refreshStudents(tx, [a!, b!, empty!, '999999999999'], consolidation));
    expect([...views.keys()].sort()).toEqual([a, b, empty].sort());
    const read = async (id: string) =>
      (await db.query<{ view: object; version: number }>('SELECT view, version FROM students WHERE msix_id = $1', [id]))
        .rows[0]!;
    const batch = await Promise.all([a!, b!, empty!].map(read));
    const single = [];
    for (const id of [a!, b!, empty!]) {
      await db.transaction((tx) => refreshStudent(tx, id as never, consolidation));
      single.push(await read(id));
    }
    const noTime = (x: { view: object; version: number }) => ({ ...x.view, updatedAt: undefined });
    expect(single.map(noTime)).toEqual(batch.map(noTime));
    expect(single.map((x) => x.version)).toEqual(batch.map((x) => x.version + 1));
    expect((batch[0]!.view as { records: unknown[] }).records).toHaveLength(2);
    expect((batch[2]!.view as { records: unknown[] }).records).toEqual([]);
    await expect(db.transaction((tx) => refreshStudent(tx, '999999999999' as never, consolidation))).rejects.toThrow(
      /does not exist/,
    );
  });

  it('events: a batch is written in order, as one event at a time', async () => {
    const ev = (n: number) => ({
      msixId: `10000000000${n}`,
      recordId: null,
      stateCode: 'WY',
      kind: 'link-changed' as const,
      details: { n, text: 'a "quoted" value' },
      traceId: n % 2 ? `t${n}` : null,
    });
    for (const n of [1, 2, 3]) await db.transaction((tx) => emitStudentEvent(tx, ev(n)));
    await db.transaction((tx) => emitStudentEvents(tx, [4, 5, 6].map(ev)));
    const rows = (
      await db.query<{ msix_id: string; details: { n: number }; trace_id: string | null }>(
        "SELECT msix_id, details, trace_id FROM student_events WHERE state_code = 'WY' ORDER BY id",
      )
    ).rows;
    expect(rows.map((r) => r.details.n)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(rows[3]).toEqual({ msix_id: '100000000004', details: ev(4).details, trace_id: null });
  });
});
