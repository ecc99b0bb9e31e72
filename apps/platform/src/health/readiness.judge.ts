import type { OpsConfig } from '../config/platform-config.js';

/** ok: ready; warn: ready, shown for a person to look; fail: not ready (503). */
export type Verdict = 'ok' | 'warn' | 'fail';

/** What readiness knows of one component, gathered by the readiness service. */
export interface ComponentFacts {
  /** Seconds since the newest verify ticket's CreateTime; null when none arrived. */
  ticketAgeSec: number | null;
  /** The stored component_access_token's expiry; null when none. */
  tokenExpiresAt: Date | null;
  /** The earliest planned refresh among overdue tokens; null when none is overdue. */
  oldestDueAt: Date | null;
  /** Overdue tokens (authorized accounts past their planned refresh). */
  refreshDue: number;
}

export interface Judgement {
  verdict: Verdict;
  /** Why it is not ok, in words for an operator (never a secret). */
  reasons: string[];
}

type Thresholds = Pick<
  OpsConfig,
  'ticketWarnAfterSec' | 'ticketFailAfterSec' | 'backlogWarnAfterSec' | 'backlogFailAfterSec'
>;

/**
 * Judges a component: the ticket's age (WeChat pushes one every 10 minutes and it lives 12
 * hours: past the warn age pushes have stopped, past the fail age the token can soon no longer
 * be minted), the component token (absent or expired fails), and the refresh backlog (tokens
 * overdue for refresh: the sweep is behind or failing).
 */
export function judgeComponent(f: ComponentFacts, t: Thresholds, nowMs: number): Judgement {
  const fails: string[] = [];
  const warns: string[] = [];
  if (f.ticketAgeSec === null) fails.push('no component_verify_ticket received');
  else if (f.ticketAgeSec > t.ticketFailAfterSec)
    fails.push(`verify ticket is ${f.ticketAgeSec} s old (fail past ${t.ticketFailAfterSec} s)`);
  else if (f.ticketAgeSec > t.ticketWarnAfterSec)
    warns.push(`verify ticket is ${f.ticketAgeSec} s old (warn past ${t.ticketWarnAfterSec} s)`);

  if (f.tokenExpiresAt === null) fails.push('no component_access_token');
  else if (f.tokenExpiresAt.getTime() <= nowMs) fails.push('component_access_token expired');

  if (f.refreshDue > 0 && f.oldestDueAt) {
    const overdueSec = Math.floor((nowMs - f.oldestDueAt.getTime()) / 1000);
    const what = `${f.refreshDue} token(s) past their planned refresh, the oldest by ${overdueSec} s`;
    if (overdueSec > t.backlogFailAfterSec)
      fails.push(`${what} (fail past ${t.backlogFailAfterSec} s)`);
    else if (overdueSec > t.backlogWarnAfterSec)
      warns.push(`${what} (warn past ${t.backlogWarnAfterSec} s)`);
  }
  if (fails.length > 0) return { verdict: 'fail', reasons: [...fails, ...warns] };
  if (warns.length > 0) return { verdict: 'warn', reasons: warns };
  return { verdict: 'ok', reasons: [] };
}
