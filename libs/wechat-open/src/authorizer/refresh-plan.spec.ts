import { describe, expect, it } from 'vitest';
import {
  planNextRefresh,
  profileRetryDelayMs,
  retryDelayMs,
  unknownOutcomeRetryMs,
} from './refresh-plan.js';

describe('planNextRefresh', () => {
  const now = Date.UTC(2026, 10, 23);

  it('refreshes a 2 h token between margin+jitter and margin before expiry', () => {
    const lo = planNextRefresh(now, 7200, 1200, 600, () => 0.999);
    const hi = planNextRefresh(now, 7200, 1200, 600, () => 0);
    expect(hi.expiresAt.getTime()).toBe(now + 7_200_000);
    expect(hi.nextRefreshAt.getTime()).toBe(now + 7_200_000 - 1_200_000);
    expect(lo.nextRefreshAt.getTime()).toBeGreaterThan(now + 7_200_000 - 1_800_000);
    expect(lo.nextRefreshAt.getTime()).toBeLessThan(hi.nextRefreshAt.getTime());
  });

  it('spreads tokens minted together', () => {
    const times = new Set(
      Array.from({ length: 50 }, () =>
        planNextRefresh(now, 7200, 1200, 600).nextRefreshAt.getTime(),
      ),
    );
    expect(times.size).toBeGreaterThan(40);
  });

  it('scales the margin for short lifetimes so the refresh is in the future', () => {
    const p = planNextRefresh(now, 8, 1200, 600, () => 0.5);
    expect(p.nextRefreshAt.getTime()).toBeGreaterThan(now);
    expect(p.nextRefreshAt.getTime()).toBeLessThan(p.expiresAt.getTime());
    expect(p.expiresAt.getTime() - p.nextRefreshAt.getTime()).toBe(2000 + 400);
  });
});

describe('retryDelayMs', () => {
  it('doubles from 30 s and caps at 10 min', () => {
    expect([1, 2, 3, 4, 5, 6, 10].map((n) => retryDelayMs(n))).toEqual([
      30_000, 60_000, 120_000, 240_000, 480_000, 600_000, 600_000,
    ]);
  });
});

describe('unknownOutcomeRetryMs', () => {
  const day = 7_200_000;

  it('tries again within 5 to 20 s, spread by jitter', () => {
    expect(unknownOutcomeRetryMs(1, day, () => 0)).toBe(5_000);
    expect(unknownOutcomeRetryMs(1, day, () => 0.999)).toBeLessThan(20_000);
    const spread = new Set(Array.from({ length: 50 }, () => unknownOutcomeRetryMs(1, day)));
    expect(spread.size).toBeGreaterThan(20);
  });

  it('grows when it happens again, but never past a minute: far inside the ~5 min grace', () => {
    expect(unknownOutcomeRetryMs(2, day, () => 0)).toBe(10_000);
    expect(unknownOutcomeRetryMs(3, day, () => 0)).toBe(20_000);
    for (const n of [4, 10, 1000]) expect(unknownOutcomeRetryMs(n, day, () => 0.999)).toBe(60_000);
  });

  it('scales down for short lifetimes, with a floor', () => {
    expect(unknownOutcomeRetryMs(1, 60_000, () => 0.5)).toBe(3_000);
    expect(unknownOutcomeRetryMs(1, 5_000, () => 0.5)).toBe(1_000);
  });
});

describe('profileRetryDelayMs', () => {
  it('doubles from 15 min up to the cap', () => {
    expect([1, 2, 3, 4, 8, 100].map((n) => profileRetryDelayMs(n, 86_400_000))).toEqual([
      900_000, 1_800_000, 3_600_000, 7_200_000, 86_400_000, 86_400_000,
    ]);
  });
});
