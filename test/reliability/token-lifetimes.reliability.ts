import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LifetimeRig, startLifetimeRig, watchLifetimes } from '../support/reliability-lifetimes.js';
import { SIZES, summary } from './scale.js';

describe(`token lifetimes: 3 instances, ${SIZES.authorizers} authorizers, ${SIZES.tokenTtlSec} s tokens`, () => {
  let rig: LifetimeRig | null;

  beforeAll(async () => {
    rig = await startLifetimeRig(SIZES.authorizers, SIZES.tokenTtlSec);
  }, 600_000);

  afterAll(async () => rig?.close());

  it('no faults: never presented expired or invalid, about one refresh per lifetime, no lapse', async ({
    skip,
  }) => {
    if (!rig) return skip('needs a real PostgreSQL with several connections');
    const counts = await watchLifetimes(rig, SIZES.tokenTtlSec, SIZES.lifetimes);
    summary('lifetimes', { authorizers: rig.appids.length, ...counts });
    expect(counts.presented).toBeGreaterThan(rig.appids.length * 2);
    expect(counts.invalidPresented).toBe(0);
    expect(counts.lapsedAccounts).toBe(0);
    expect(counts.perTokenPerLifetimeMax).toBeLessThanOrEqual(1.5);
    expect(counts.perTokenPerLifetimeAvg).toBeGreaterThanOrEqual(0.9);
  }, 600_000);
});
