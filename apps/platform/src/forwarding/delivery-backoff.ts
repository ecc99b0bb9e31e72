/**
 * Delay before the next attempt after `attempts` failed ones: `baseMs · 2^(attempts-1)`, capped
 * at `maxMs`, with equal jitter (half fixed, half random) so that a receiver that was down is not
 * hit by every queued delivery at the same instant when it comes back.
 */
export function retryDelayMs(
  attempts: number,
  baseMs: number,
  maxMs: number,
  random: () => number = Math.random,
): number {
  const exponent = Math.min(Math.max(attempts - 1, 0), 30);
  const ceiling = Math.min(maxMs, baseMs * 2 ** exponent);
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}
