import { refreshMarginMs } from '../core/token-timing.js';

/** When to refresh a token that expires at `expiresAt` (pure, unit-tested). */
export function planNextRefresh(
  now: number,
  expiresInSec: number,
  marginSec: number,
  jitterSec: number,
  random: () => number = Math.random,
): { expiresAt: Date; nextRefreshAt: Date } {
  const lifetime = expiresInSec * 1000;
  // Short lifetimes (tests, the sandbox) scale the margin down so a refresh is never already due.
  const margin = refreshMarginMs(lifetime, marginSec);
  const jitter = Math.min(jitterSec * 1000, lifetime * 0.1);
  const expiresAt = now + lifetime;
  return {
    expiresAt: new Date(expiresAt),
    nextRefreshAt: new Date(expiresAt - margin - Math.floor(random() * jitter)),
  };
}

/** Pause before the next try after `failures` failed refreshes: 30 s doubling, capped. */
export function retryDelayMs(failures: number, capMs = 10 * 60_000): number {
  return Math.min(30_000 * 2 ** Math.max(0, failures - 1), capMs);
}

/** Share of a token's lifetime kept back before its expiry: a retry is planned before it. */
const RETRY_SAFETY_SHARE = 0.1;
/** Retries are never closer together than this share of the lifetime, within the bounds below. */
const RETRY_FLOOR_SHARE = 0.005;
const RETRY_FLOOR_MIN_MS = 200;
const RETRY_FLOOR_MAX_MS = 30_000;

/**
 * `delayMs` (a back-off after a failed refresh), shortened so that the next try comes while the
 * stored token still has time left: never past half the time until the token's last tenth of
 * life (several tries fit before it lapses), yet never shorter than a floor (1/200 of the
 * lifetime, 200 ms to 30 s) so that a failing WeChat is not hammered. A token already expired,
 * or of unknown expiry, has nothing left to save: `delayMs` as is.
 */
export function boundByTimeLeft(
  delayMs: number,
  nowMs: number,
  expiresAtMs: number | null,
  lifetimeMs: number,
): number {
  if (expiresAtMs === null || expiresAtMs <= nowMs || !(lifetimeMs > 0)) return delayMs;
  const floor = Math.min(
    RETRY_FLOOR_MAX_MS,
    Math.max(RETRY_FLOOR_MIN_MS, Math.floor(lifetimeMs * RETRY_FLOOR_SHARE)),
  );
  const window = expiresAtMs - lifetimeMs * RETRY_SAFETY_SHARE - nowMs;
  return Math.min(delayMs, Math.max(floor, Math.floor(window / 2)));
}

/** The next try after a refresh whose outcome is unknown: 5 to 20 s, with jitter. */
const SUSPECT_MIN_MS = 5_000;
const SUSPECT_SPREAD_MS = 15_000;
/** However often it happens in a row, never later than this (WeChat's grace is ~5 min). */
const SUSPECT_CAP_MS = 60_000;
/** Nor later than this share of the token's lifetime (short-lived tokens in tests, sandboxes). */
const SUSPECT_LIFETIME_SHARE = 0.05;
const SUSPECT_FLOOR_MS = 1_000;

/**
 * Pause before the next try after a refresh that timed out (`failures` failed tries in a row,
 * this one included). WeChat may have issued a token we never saw, and that token kills the
 * stored one after a grace of about five minutes: try again within seconds, well inside the
 * grace, instead of backing off as for a refusal. The jitter keeps accounts that timed out
 * together from trying again together.
 */
export function unknownOutcomeRetryMs(
  failures: number,
  lifetimeMs: number,
  random: () => number = Math.random,
): number {
  const base = SUSPECT_MIN_MS + Math.floor(random() * SUSPECT_SPREAD_MS);
  const grown = Math.min(base * 2 ** Math.max(0, Math.min(failures, 8) - 1), SUSPECT_CAP_MS);
  return Math.max(SUSPECT_FLOOR_MS, Math.min(grown, lifetimeMs * SUSPECT_LIFETIME_SHARE));
}

/** Pause before the next profile fetch after `failures` failed ones: 15 min doubling, capped. */
export function profileRetryDelayMs(failures: number, capMs: number): number {
  return Math.min(15 * 60_000 * 2 ** Math.max(0, Math.min(failures, 20) - 1), capMs);
}
