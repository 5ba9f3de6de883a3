/**
 * Group commit inside one process: items that arrive while a round is running wait for it, then go in the next
 * round together (one round trip for many concurrent callers instead of one each), in the order they arrived. Each
 * caller's promise settles with its own item's outcome, and only after the round that carried it has ended, so a
 * caller can still answer "done" only for what is done.
 *
 * The audit trail's appends (core/audit.ts) and the job intents' enqueues (core/job-intents.ts) are both this.
 */

/** What became of one item of a round. */
export type ItemOutcome<R> = { ok: true; value: R } | { ok: false; error: unknown };

export interface GroupCommitOptions<T> {
  /** Most weight one round carries; the first item waiting always goes, however heavy. */
  max: number;
  /** An item's weight (default 1: `max` counts items). */
  weight?: (item: T) => number;
}

/**
 * A submit function over `run`, which carries one round's items and says what became of each (in their order). A
 * round that throws fails every item in it.
 */
export function groupCommit<T, R>(
  run: (items: T[]) => Promise<ItemOutcome<R>[]>,
  options: GroupCommitOptions<T>,
): (item: T) => Promise<R> {
  const weight = options.weight ?? (() => 1);
  const waiting: { item: T; resolve(value: R): void; reject(error: unknown): void }[] = [];
  let running = false;

  const drain = async () => {
    running = true;
    while (waiting.length) {
      const round: typeof waiting = [];
      let carried = 0;
      while (waiting.length && (round.length === 0 || carried + weight(waiting[0]!.item) <= options.max)) {
        const next = waiting.shift()!;
        carried += weight(next.item);
        round.push(next);
      }
      let outcomes: ItemOutcome<R>[];
      try {
        outcomes = await run(round.map((p) => p.item));
      } catch (error) {
        outcomes = round.map(() => ({ ok: false, error }));
      }
      round.forEach((p, i) => {
        const o = outcomes[i] ?? { ok: false, error: new Error('the round gave no outcome for this item') };
        if (o.ok) p.resolve(o.value);
        else p.reject(o.error);
      });
    }
    running = false;
  };

  return (item) => {
    const settled = new Promise<R>((resolve, reject) => waiting.push({ item, resolve, reject }));
    if (!running) void drain();
    return settled;
  };
}
