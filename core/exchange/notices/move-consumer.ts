import { consumeStudentEvents, type StudentEventKind } from '../../outbox/student-events.js';
import { createExchange } from '../../ledger.js';
import type { Db } from '../../store/db.js';
import { getStudent, linkedRecords } from '../../students.js';
import type { Delivery } from '../delivery/deliveries.js';
import { detectMove } from './move-detection.js';
import { createMoveNotice } from './notices.js';

/** The cursor name of this consumer in `event_cursors`. */
export const MOVE_CONSUMER = 'exchange-move-notices';

/** Events after which the child's latest move may have changed. */
const TRIGGERS: ReadonlySet<StudentEventKind> = new Set([
  'record-linked',
  'record-updated',
  'students-merged',
  'link-changed',
]);

export interface MoveConsumerOptions {
  /** Events handled per transaction. */
  batch: number;
  /**
   * A move whose new enrollment began longer ago than this is history, not news: no notice (a state loading its back
   * files must not flood others).
   */
  windowDays: number;
  now?: () => Date;
}

/**
 * Reads the student events outbox (each event once, cursor advanced in the
 * same transaction) and creates a move notice when the child's records show a
 * new enrollment in one state after an enrollment in another. The dedupe key
 * makes one notice per move however often the records are resubmitted or
 * relinked. Returns the deliveries to enqueue after commit.
 */
export async function consumeMoveEvents(
  db: Db,
  opts: MoveConsumerOptions,
): Promise<{
  events: number;
  notices: number;
  deliveries: Delivery[];
  failed: { eventId: number; msixId: string; error: string }[];
}> {
  const deliveries: Delivery[] = [];
  const failed: { eventId: number; msixId: string; error: string }[] = [];
  let notices = 0;
  const now = opts.now?.() ?? new Date();
  const horizon = new Date(now.getTime() - opts.windowDays * 86_400_000).toISOString().slice(0, 10);
  const events = await consumeStudentEvents(db, MOVE_CONSUMER, opts.batch, async (tx, batch) => {
    const done = new Set<string>();
    for (const e of batch) {
      if (!TRIGGERS.has(e.kind) || done.has(e.msixId)) continue;
      done.add(e.msixId);
      try {
        // A savepoint per student: one bad record must not stop every other state's notices.
        const made = await tx.transaction(async (sp) => {
          const s = await getStudent(sp, e.msixId);
          if (!s || 'mergedInto' in s) return null;
          const move = detectMove(await linkedRecords(sp, e.msixId));
          if (!move || move.enrollment.enrollmentDate < horizon) return null;
          return createMoveNotice(sp, {
            msixId: e.msixId,
            move,
            student: s.student,
            eventId: e.id,
            traceId: e.traceId ?? `event-${e.id}`,
          });
        });
        if (made) {
          notices++;
          deliveries.push(...made.deliveries);
        }
      } catch (err) {
        // Not silently lost: the help desk sees a failed move-notice row for the student in the ledger.
        const error = (err as Error).message;
        failed.push({ eventId: e.id, msixId: e.msixId, error });
        await createExchange(tx, {
          direction: 'outbound',
          kind: 'move-notice',
          stateCode: e.stateCode ?? '--',
          status: 'failed',
          traceId: e.traceId ?? `event-${e.id}`,
          msixId: e.msixId,
          summary: { eventId: e.id, eventKind: e.kind, error },
        });
      }
    }
  });
  // Deliveries were created in the (now committed) consumer transaction: only now may jobs see them.
  return { events, notices, deliveries: events ? deliveries : [], failed };
}
