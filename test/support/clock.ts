import type { Clock } from '../../lib/ttl-cache.js';

/** A clock that tests move forward: `clock.advance(5000)` instead of waiting out a five-second cache. */
export interface MovableClock extends Clock {
  advance(ms: number): void;
}

/** Real time plus whatever the clock has been advanced by. */
export function movableClock(): MovableClock {
  let offset = 0;
  const clock = (() => Date.now() + offset) as MovableClock;
  clock.advance = (ms: number) => {
    offset += ms;
  };
  return clock;
}
