/**
 * When a credential (component token, authorizer token, JS-SDK ticket) is refreshed and until
 * when it may be handed out, from the configured margins and the lifetime WeChat actually gave
 * it. Short lifetimes (tests, sandboxes) scale the margins down in proportion, so a token is
 * never due at birth and never unusable before it is due.
 */

/** WeChat's documented lifetime of every token and ticket in the chain. */
export const NOMINAL_LIFETIME_SEC = 7200;
/** At most this share of a lifetime is spent as refresh margin. */
const MARGIN_SHARE = 0.25;
/** At most this share of a lifetime is kept back as "too close to expiry to hand out". */
const MIN_REMAINING_SHARE = 0.1;

/** Refresh this long before expiry: the configured margin, scaled down for short lifetimes. */
export function refreshMarginMs(lifetimeMs: number, marginSec: number): number {
  return Math.min(marginSec * 1000, Math.max(0, lifetimeMs) * MARGIN_SHARE);
}

/**
 * Never hand out a credential with less than this left (it could expire on the way to WeChat):
 * the configured minimum, scaled down for short lifetimes. Always below the refresh margin when
 * the configuration was validated (validateTokenTiming).
 */
export function minRemainingMs(lifetimeMs: number, minRemainingSec: number): number {
  return Math.min(minRemainingSec * 1000, Math.max(0, lifetimeMs) * MIN_REMAINING_SHARE);
}

/** Whether a credential expiring at `expiresAtMs` may still be handed out at `nowMs`. */
export function isUsable(
  nowMs: number,
  expiresAtMs: number,
  lifetimeMs: number,
  minRemainingSec: number,
): boolean {
  return expiresAtMs - minRemainingMs(lifetimeMs, minRemainingSec) > nowMs;
}

/** Whether a credential expiring at `expiresAtMs` is due for refresh at `nowMs`. */
export function isDue(
  nowMs: number,
  expiresAtMs: number,
  lifetimeMs: number,
  marginSec: number,
): boolean {
  return expiresAtMs - refreshMarginMs(lifetimeMs, marginSec) <= nowMs;
}

/**
 * Start-up checks of a set of timings: the margin is shorter than the nominal lifetime, the
 * minimum remaining time is shorter than the margin, and a lease fits well inside the margin
 * (a dead instance's claim must run out long before the token does). Returns the problems.
 */
export function validateTokenTiming(
  name: string,
  t: { marginSec: number; minRemainingSec: number; leaseSec?: number },
): string[] {
  const problems: string[] = [];
  if (!(t.marginSec > 0) || t.marginSec >= NOMINAL_LIFETIME_SEC) {
    problems.push(
      `${name}: refresh margin ${t.marginSec} s must be in (0, ${NOMINAL_LIFETIME_SEC}) s`,
    );
  }
  if (!(t.minRemainingSec >= 0) || t.minRemainingSec >= t.marginSec) {
    problems.push(
      `${name}: minimum remaining time ${t.minRemainingSec} s must be below the refresh margin ${t.marginSec} s`,
    );
  }
  if (t.leaseSec !== undefined && (!(t.leaseSec > 0) || t.leaseSec * 2 > t.marginSec)) {
    problems.push(
      `${name}: lease ${t.leaseSec} s must be at most half the refresh margin ${t.marginSec} s`,
    );
  }
  return problems;
}
