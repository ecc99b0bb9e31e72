import { setTimeout as sleep } from 'node:timers/promises';

/**
 * A start may go this far ahead of its turn instead of sleeping. A timer cannot sleep less than a
 * millisecond and always oversleeps a little, so short sleeps would hold the starts below the rate
 * (at 1,000 a second and more, every start would lose a whole tick); and when several come at
 * once (answers that arrived together), those the rate allows within this time go together
 * instead of one per turn.
 */
const AHEAD_MS = 10;

/**
 * Spaces out starts to at most `perSecond`, for callers that await `take()` before each. In any
 * second, the starts exceed the rate by at most 1% (the 10 ms a start may go early) and one.
 */
export class RateLimiter {
  private next = 0;
  private readonly interval: number;

  constructor(perSecond: number) {
    this.interval = 1000 / perSecond;
  }

  /** Resolves when the next start may go; undefined (no promise to await) when it may go now. */
  take(): Promise<void> | undefined {
    const now = performance.now();
    const at = Math.max(now, this.next);
    this.next = at + this.interval;
    return at - now > AHEAD_MS ? sleep(at - now - AHEAD_MS) : undefined;
  }
}
