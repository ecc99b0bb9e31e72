/**
 * Sizes of the reliability suite. `RELIABILITY_SCALE=full` (what `npm run test:reliability` runs)
 * is the sizes; `short` is the form CI runs inside `npm test`, the same checks on fewer
 * accounts, shorter lifetimes and fewer mutations.
 */
export type ReliabilityScale = 'short' | 'full';

export const SCALE: ReliabilityScale = process.env.RELIABILITY_SCALE === 'full' ? 'full' : 'short';

export interface ScaleSizes {
  /** Authorized accounts shared by the token-lifetime scenarios. */
  authorizers: number;
  /** The sandbox's authorizer token lifetime, seconds. */
  tokenTtlSec: number;
  /** How many lifetimes each token-lifetime scenario watches. */
  lifetimes: number;
  /**
   * The token lifetime of the fault scenario, seconds: long enough next to the sweep's cadence
   * (1 s) and the client timeout (1 s) that its refresh margin (a quarter) holds several tries,
   * as WeChat's 20 minutes hold dozens of 10 s sweeps.
   */
  faultTokenTtlSec: number;
  /** How many lifetimes the fault scenario watches. */
  faultLifetimes: number;
  /** Mutated pushes plus mutated messages in the fuzz scenario. */
  fuzzMutations: number;
}

export const SIZES: ScaleSizes =
  SCALE === 'full'
    ? {
        authorizers: 300,
        tokenTtlSec: 12,
        lifetimes: 3.5,
        faultTokenTtlSec: 60,
        faultLifetimes: 3,
        fuzzMutations: 10_000,
      }
    : {
        authorizers: 24,
        tokenTtlSec: 6,
        lifetimes: 3.2,
        faultTokenTtlSec: 30,
        faultLifetimes: 2,
        fuzzMutations: 1_000,
      };

/** One summary line: `scenario | key=value | ...`, easy to grep from the run's output. */
export function summary(scenario: string, counts: Record<string, number | string>): void {
  const cells = Object.entries(counts).map(([k, v]) => `${k}=${v}`);
  console.log(`[reliability:${SCALE}] ${scenario} | ${cells.join(' | ')}`);
}
