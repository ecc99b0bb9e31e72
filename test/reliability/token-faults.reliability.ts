import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  HTTP_TIMEOUT_MS,
  LifetimeRig,
  startLifetimeRig,
  watchLifetimes,
} from '../support/reliability-lifetimes.js';
import { SIZES, summary } from './scale.js';

const TTL = SIZES.faultTokenTtlSec;

/**
 * The token-lifetime scenario with WeChat failing 20 % of calls. A refused refresh backs off,
 * bounded by the stored token's time left (boundByTimeLeft); a timed-out one (WeChat may have
 * issued a token we never saw, which retires ours after the grace) tries again within seconds.
 */
describe(`token lifetimes with faults: 3 instances, ${SIZES.authorizers} authorizers, ${TTL} s tokens`, () => {
  let rig: LifetimeRig | null;

  beforeAll(async () => {
    rig = await startLifetimeRig(SIZES.authorizers, TTL);
  }, 600_000);

  afterAll(async () => rig?.close());

  it('20 % of calls faulted (-1, HTTP 5xx, answered after the client gave up): no lapse, nothing invalid presented', async ({
    skip,
  }) => {
    if (!rig) return skip('needs a real PostgreSQL with several connections');
    const { sandbox } = rig.stack;
    // Three faults of p each: 1 - (1 - p)^3 = 0.2 of calls.
    const p = 1 - Math.cbrt(0.8);
    await sandbox.fault({ endpoint: '*', errcode: -1, probability: p });
    await sandbox.fault({ endpoint: '*', httpStatus: 503, probability: p });
    await sandbox.fault({ endpoint: '*', latencyMs: HTTP_TIMEOUT_MS + 500, probability: p });
    try {
      const counts = await watchLifetimes(rig, TTL, SIZES.faultLifetimes);
      const c = await sandbox.counters();
      const reasons = new Map<string, number>();
      for (const t of c.invalidTokensPresented) {
        const key = `${t.tokenKind}/${t.reason}`;
        reasons.set(key, (reasons.get(key) ?? 0) + 1);
      }
      const { rows } = await rig.db.query<{ result: string; n: string }>(
        `SELECT result, count(*) n FROM authorizer_refresh_log GROUP BY result ORDER BY result`,
      );
      summary('lifetimes+faults', {
        authorizers: rig.appids.length,
        ...counts,
        faultedMinus1: c.errcodes['-1'] ?? 0,
        refreshLog: rows.map((r) => `${r.result}:${r.n}`).join(','),
        invalidByReason: [...reasons].map(([k, n]) => `${k}:${n}`).join(',') || 'none',
      });
      expect(counts.invalidPresented).toBe(0);
      expect(counts.lapsedAccounts).toBe(0);
      expect(counts.callErrors).toBeGreaterThan(0); // the faults did bite
    } finally {
      await sandbox.clearFaults();
    }
  }, 900_000);
});
