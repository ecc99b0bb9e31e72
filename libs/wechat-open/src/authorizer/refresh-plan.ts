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
  const margin = Math.min(marginSec * 1000, lifetime * 0.25);
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
