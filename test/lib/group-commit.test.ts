import { describe, expect, it } from 'vitest';
import { groupCommit, type ItemOutcome } from '../../lib/group-commit.js';

/** A run whose rounds the test ends by hand, recording what each round carried. */
function heldRuns() {
  const rounds: string[][] = [];
  const release: (() => void)[] = [];
  const run = async (items: string[]): Promise<ItemOutcome<string>[]> => {
    rounds.push(items);
    await new Promise<void>((r) => release.push(r));
    return items.map((x) => (x.startsWith('bad') ? { ok: false, error: new Error(x) } : { ok: true, value: `${x}!` }));
  };
  return { rounds, release, run };
}

describe('groupCommit', () => {
  it('carries what arrives during a round in the next one, in order, within max; each gets its own', async () => {
    const h = heldRuns();
    const submit = groupCommit(h.run, { max: 2 });
    const first = submit('a');
    const rest = ['b', 'bad-c', 'd'].map((x) => submit(x));
    expect(h.rounds).toEqual([['a']]);
    h.release.shift()!();
    await expect(first).resolves.toBe('a!');
    expect(h.rounds).toEqual([['a'], ['b', 'bad-c']]);
    h.release.shift()!();
    await expect(rest[0]).resolves.toBe('b!');
    await expect(rest[1]).rejects.toThrow('bad-c');
    expect(h.rounds.at(-1)).toEqual(['d']);
    h.release.shift()!();
    await expect(rest[2]).resolves.toBe('d!');
  });

  it('weighs items, always takes the first however heavy, and fails a whole round that throws', async () => {
    const rounds: number[][] = [];
    let fail = true;
    const submit = groupCommit(
      async (items: number[]) => {
        rounds.push(items);
        await Promise.resolve();
        if (fail) {
          fail = false;
          throw new Error('down');
        }
        return items.map((value) => ({ ok: true as const, value }));
      },
      { max: 5, weight: (n) => n },
    );
    const heavy = submit(9);
    const later = [submit(3), submit(2), submit(1)];
    await expect(heavy).rejects.toThrow('down');
    await expect(Promise.all(later)).resolves.toEqual([3, 2, 1]);
    expect(rounds).toEqual([[9], [3, 2], [1]]);
  });
});
