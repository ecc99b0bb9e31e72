import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { LeaseKeeper } from './lease-keeper.js';

describe('LeaseKeeper', () => {
  let renewals: string[][];
  let keeper: LeaseKeeper<string>;
  const make = (renew?: (keys: string[]) => Promise<void>, onError?: (e: unknown) => void) =>
    new LeaseKeeper<string>({
      leaseMs: 30_000,
      renew:
        renew ??
        (async (keys) => {
          renewals.push([...keys].sort());
        }),
      onError,
    });

  beforeEach(() => {
    vi.useFakeTimers();
    renewals = [];
    keeper = make();
  });
  afterEach(async () => {
    await keeper.close();
    vi.useRealTimers();
  });

  it('renews every held key in one call every third of the lease', async () => {
    keeper.hold('a');
    keeper.hold('b');
    await vi.advanceTimersByTimeAsync(9_999);
    expect(renewals).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(renewals).toEqual([['a', 'b']]);
    await vi.advanceTimersByTimeAsync(20_000);
    expect(renewals).toEqual([
      ['a', 'b'],
      ['a', 'b'],
      ['a', 'b'],
    ]);
  });

  it('stops renewing a key the moment its work ends, and the others go on', async () => {
    const releaseA = keeper.hold('a');
    keeper.hold('b');
    await vi.advanceTimersByTimeAsync(10_000);
    releaseA();
    await vi.advanceTimersByTimeAsync(10_000);
    expect(renewals).toEqual([['a', 'b'], ['b']]);
  });

  it('keep() holds the key exactly while the work runs, whether it succeeds or fails', async () => {
    let finish!: () => void;
    const work = keeper.keep('a', () => new Promise<void>((r) => (finish = r)));
    await vi.advanceTimersByTimeAsync(10_000);
    expect(keeper.keys()).toEqual(['a']);
    finish();
    await work;
    expect(keeper.keys()).toEqual([]);
    await expect(keeper.keep('b', () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect(keeper.keys()).toEqual([]);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(renewals).toEqual([['a']]);
  });

  it('never renews when nothing is held: a claim nobody works on runs out', async () => {
    const release = keeper.hold('a');
    release();
    release(); // twice is harmless
    await vi.advanceTimersByTimeAsync(120_000);
    expect(renewals).toEqual([]);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('a key held twice is renewed until both holders let go', async () => {
    const first = keeper.hold('a');
    const second = keeper.hold('a');
    first();
    await vi.advanceTimersByTimeAsync(10_000);
    expect(renewals).toEqual([['a']]);
    second();
    await vi.advanceTimersByTimeAsync(30_000);
    expect(renewals).toEqual([['a']]);
  });

  it('does not overlap renewals: a slow one delays the next', async () => {
    await keeper.close();
    let calls = 0;
    let finish!: () => void;
    keeper = make(() => {
      calls++;
      return new Promise<void>((r) => (finish = r));
    });
    keeper.hold('a');
    await vi.advanceTimersByTimeAsync(10_000);
    expect(calls).toBe(1);
    await vi.advanceTimersByTimeAsync(25_000); // still renewing
    expect(calls).toBe(1);
    finish();
    await vi.advanceTimersByTimeAsync(9_999);
    expect(calls).toBe(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(calls).toBe(2);
    finish();
  });

  it('reports a failed renewal and tries again on schedule', async () => {
    await keeper.close();
    const errors: unknown[] = [];
    let fail = true;
    keeper = make(
      async (keys) => {
        if (fail) throw new Error('database away');
        renewals.push(keys);
      },
      (e) => errors.push(e),
    );
    keeper.hold('a');
    await vi.advanceTimersByTimeAsync(10_000);
    expect(errors).toHaveLength(1);
    fail = false;
    await vi.advanceTimersByTimeAsync(10_000);
    expect(renewals).toEqual([['a']]);
  });

  it('renews nothing once closed', async () => {
    keeper.hold('a');
    await keeper.close();
    keeper.hold('b');
    await vi.advanceTimersByTimeAsync(60_000);
    expect(renewals).toEqual([]);
  });

  it('uses idOf to tell keys apart', async () => {
    await keeper.close();
    const seen: { c: string; a: string }[][] = [];
    const byPair = new LeaseKeeper<{ c: string; a: string }>({
      leaseMs: 3_000,
      idOf: (k) => `${k.c}/${k.a}`,
      renew: async (keys) => {
        seen.push(keys);
      },
    });
    byPair.hold({ c: 'x', a: '1' });
    byPair.hold({ c: 'x', a: '1' });
    byPair.hold({ c: 'x', a: '2' });
    await vi.advanceTimersByTimeAsync(1_000);
    expect(seen).toEqual([
      [
        { c: 'x', a: '1' },
        { c: 'x', a: '2' },
      ],
    ]);
    await byPair.close();
  });
});
