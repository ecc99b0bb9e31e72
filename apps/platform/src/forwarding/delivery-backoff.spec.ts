import { describe, expect, it } from 'vitest';
import { retryDelayMs } from './delivery-backoff.js';

describe('retryDelayMs', () => {
  it('doubles per attempt between half and all of base · 2^(n-1)', () => {
    expect(retryDelayMs(1, 1000, 1e9, () => 0)).toBe(500);
    expect(retryDelayMs(1, 1000, 1e9, () => 1)).toBe(1000);
    expect(retryDelayMs(2, 1000, 1e9, () => 0)).toBe(1000);
    expect(retryDelayMs(4, 1000, 1e9, () => 1)).toBe(8000);
  });

  it('is capped at the maximum, jitter included', () => {
    expect(retryDelayMs(40, 1000, 60_000, () => 1)).toBe(60_000);
    expect(retryDelayMs(40, 1000, 60_000, () => 0)).toBe(30_000);
  });

  it('spreads retries of the same attempt', () => {
    const delays = new Set(Array.from({ length: 20 }, () => retryDelayMs(3, 1000, 1e9)));
    expect(delays.size).toBeGreaterThan(1);
    for (const d of delays) expect(d).toBeGreaterThanOrEqual(2000);
    for (const d of delays) expect(d).toBeLessThanOrEqual(4000);
  });
});
