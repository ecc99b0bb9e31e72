import { describe, expect, it } from 'vitest';
import {
  boundByTimeLeft,
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

describe('boundByTimeLeft', () => {
  const now = Date.UTC(2026, 10, 23);
  const hour2 = 7_200_000;

  it('keeps the back-off while the token has far more time left than it', () => {
    expect(boundByTimeLeft(30_000, now, now + 25 * 60_000, hour2)).toBe(30_000);
    expect(boundByTimeLeft(240_000, now, now + 25 * 60_000, hour2)).toBe(240_000);
  });

  it('never waits past half the time until the last tenth of the lifetime', () => {
    // 20 min left, 12 min kept back: the 10 min back-off becomes 4 min.
    expect(boundByTimeLeft(600_000, now, now + 20 * 60_000, hour2)).toBe(240_000);
    // A 12 s token with 7 s left: (7 - 1.2) / 2 s.
    expect(boundByTimeLeft(30_000, now, now + 7_000, 12_000)).toBe(2_900);
  });

  it('the next try always comes before the token expires, try after try', () => {
    for (const [lifetime, left] of [
      [hour2, 30 * 60_000],
      [12_000, 3_000],
      [6_000, 1_500],
    ]) {
      const expiresAt = now + left;
      let t = now;
      for (let failures = 1; t + lifetime * 0.1 < expiresAt; failures++) {
        t += boundByTimeLeft(30_000 * 2 ** Math.min(failures, 5), t, expiresAt, lifetime);
        expect(t).toBeLessThan(expiresAt);
      }
    }
  });

  it('keeps a floor: 1/200 of the lifetime, within 200 ms and 30 s', () => {
    // Inside the last tenth: the floor, not zero.
    expect(boundByTimeLeft(600_000, now, now + 60_000, hour2)).toBe(30_000);
    expect(boundByTimeLeft(30_000, now, now + 500, 12_000)).toBe(200);
    expect(boundByTimeLeft(600_000, now, now + 100_000, 2 * 3_600_000 * 10)).toBe(30_000);
    // A back-off already below the floor is kept.
    expect(boundByTimeLeft(100, now, now + 500, 12_000)).toBe(100);
  });

  it('leaves the back-off alone once the token has expired or its expiry is unknown', () => {
    expect(boundByTimeLeft(30_000, now, now - 1, 12_000)).toBe(30_000);
    expect(boundByTimeLeft(30_000, now, null, 12_000)).toBe(30_000);
    expect(boundByTimeLeft(30_000, now, now + 5_000, 0)).toBe(30_000);
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
