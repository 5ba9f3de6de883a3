import type { Db } from '../core/store/db.js';
import type { JobQueue } from '../core/jobs.js';
import { createDelivery, type Delivery } from '../core/exchange/delivery/deliveries.js';
import { enqueueFollowUps } from '../core/exchange/delivery/deliver.js';
import { msixIdFromBody } from '@msix/adapter-sdk/canonical';

/** A synthetic MSIX id per index, stable across runs (for load tests only). */
export function syntheticMsixId(i: number): string {
  return msixIdFromBody(String(90_000_000_000 + i).slice(0, 11));
}

/**
 * Creates `students × perStudent` move-notice deliveries to one state, as the
 * move consumer would, and enqueues them: the load for reliability tests and
 * the bench. Messages for one student are created in order, so the receiver
 * must see sequences 1, 2, … for each. With `enqueue: false` the caller
 * enqueues (see `enqueueNew`), e.g. to time delivery apart from creation.
 */
export async function createSyntheticNotices(
  db: Db,
  queue: JobQueue,
  opts: {
    state: string;
    students: number;
    perStudent: number;
    firstStudent?: number;
    batch?: number;
    enqueue?: boolean;
  },
): Promise<Delivery[]> {
  const all: Delivery[] = [];
  const batch = opts.batch ?? 500;
  const plan: { msixId: string; n: number }[] = [];
  for (let n = 0; n < opts.perStudent; n++) {
    for (let s = 0; s < opts.students; s++) plan.push({ msixId: syntheticMsixId((opts.firstStudent ?? 0) + s), n });
  }
  for (let i = 0; i < plan.length; i += batch) {
    const made = await db.transaction(async (tx) => {
      const out: Delivery[] = [];
      for (const p of plan.slice(i, i + batch)) {
        out.push(
          await createDelivery(tx, {
            stateCode: opts.state,
            kind: 'move-notice',
            msixId: p.msixId,
            ordered: true,
            traceId: `load-${p.msixId}-${p.n}`,
            data: { role: 'arrived', synthetic: true, n: p.n },
            disclosure: { fields: ['synthetic'], reason: 'synthetic load' },
          }),
        );
      }
      return out;
    });
    all.push(...made);
    if (opts.enqueue === false) continue;
    const now = Date.now();
    await enqueueFollowUps(
      { queue, log: { info() {}, warn() {} } },
      made
        .filter((d) => d.status !== 'held')
        .map((d) => ({ deliveryId: d.id, traceId: d.traceId, reason: 'new', at: now })),
      now,
    );
  }
  return all;
}

/** Enqueues the deliver jobs of deliveries created without them (held ones wait for their predecessor). */
export async function enqueueNew(queue: JobQueue, list: readonly Delivery[]): Promise<void> {
  const now = Date.now();
  await enqueueFollowUps(
    { queue, log: { info() {}, warn() {} } },
    list
      .filter((d) => d.status !== 'held')
      .map((d) => ({ deliveryId: d.id, traceId: d.traceId, reason: 'new', at: now })),
    now,
  );
}
