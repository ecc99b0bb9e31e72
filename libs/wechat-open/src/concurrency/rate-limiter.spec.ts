import { describe, expect, it } from 'vitest';
import { RateLimiter } from './rate-limiter.js';

describe('RateLimiter', () => {
  it('lets a start go at once when its turn is now', () => {
    expect(new RateLimiter(1).take()).toBeUndefined();
  });

  it('makes the start after it wait for its turn', async () => {
    const limiter = new RateLimiter(10); // a turn every 100 ms: far more than a start may go early
    expect(limiter.take()).toBeUndefined();
    const wait = limiter.take();
    expect(wait).toBeInstanceOf(Promise);
    await wait;
  });

  it('lets starts whose turns all fall within the next few milliseconds go without a timer', () => {
    // 100 turns 0.01 ms apart: the last one is 1 ms away, within what a start may go early.
    const limiter = new RateLimiter(100_000);
    for (let i = 0; i < 100; i++) expect(limiter.take()).toBeUndefined();
  });
});
