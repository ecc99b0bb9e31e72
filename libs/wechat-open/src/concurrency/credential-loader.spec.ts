import { describe, expect, it } from 'vitest';
import {
  CachedCredential,
  CredentialLoader,
  CredentialLoaderOptions,
  FetchOutcome,
} from './credential-loader.js';

/** A stored credential as the fake database keeps it. */
interface Row {
  value: string | null;
  expiresAt: number;
  /** Due for refresh from then on (still usable until expiresAt). */
  dueAt: number;
  /** A failed fetch planned the next one for then. */
  retryAt: number | null;
  leaseOwner: string | null;
}

interface Entry extends CachedCredential {
  value: string;
  expiresAt: number;
  dueAt: number;
  untilMs: number;
}

class Unavailable extends Error {}
class Backoff extends Error {}

/** A fake row store, clock and sleep: everything the loader asks for, counted. */
function harness(
  overrides: (h: {
    state: { now: number };
    store: (key: string, row: Partial<Row>) => void;
    read: (key: string) => Promise<Row | null>;
  }) => Partial<CredentialLoaderOptions<string, Row, Row, Entry>> = () => ({}),
) {
  const state = {
    now: 1_000,
    rows: new Map<string, Row>(),
    reads: 0,
    leases: 0,
    releases: 0,
    fetches: 0,
    sleeps: 0,
    /** Called on every sleep (other tasks' work in the meantime). */
    onSleep: (): void => undefined,
    fetch: async (key: string): Promise<FetchOutcome<Entry>> => {
      const row = state.rows.get(key)!;
      const fetched: Row = {
        value: `v${state.fetches}`,
        expiresAt: state.now + 1_000,
        dueAt: state.now + 800,
        retryAt: null,
        leaseOwner: null,
      };
      Object.assign(row, fetched);
      const entry = toEntry(fetched);
      loader.set(key, entry);
      return { kind: 'fetched', entry };
    },
  };
  const toEntry = (row: Row, untilMs = 0): Entry => ({
    value: row.value!,
    expiresAt: row.expiresAt,
    dueAt: row.dueAt,
    untilMs,
    checkedAt: state.now,
  });
  const usable = (r: { value: string | null; expiresAt: number }) =>
    r.value !== null && r.expiresAt > state.now;
  const store = (key: string, row: Partial<Row>): void => {
    state.rows.set(key, {
      value: 'stored',
      expiresAt: state.now + 1_000,
      dueAt: state.now + 800,
      retryAt: null,
      leaseOwner: null,
      ...row,
    });
  };
  const read = async (key: string): Promise<Row | null> => {
    state.reads++;
    const row = state.rows.get(key);
    return row ? { ...row } : null;
  };
  const loader = new CredentialLoader<string, Row, Row, Entry>({
    id: (key) => key,
    now: () => state.now,
    cacheTtlMs: () => 100,
    servable: (e) => usable(e) && (state.now < e.dueAt || state.now < e.untilMs),
    read,
    usable,
    due: (row) => row.dueAt <= state.now,
    blocked: (_key, row) =>
      row.retryAt !== null && row.retryAt > state.now
        ? { untilMs: row.retryAt, error: new Backoff('backing off') }
        : null,
    serve: (_key, row, untilMs) => toEntry(row, untilMs),
    tryLease: async (key) => {
      state.leases++;
      let row = state.rows.get(key);
      if (!row) {
        row = { value: null, expiresAt: 0, dueAt: 0, retryAt: null, leaseOwner: null };
        state.rows.set(key, row);
      }
      if (row.leaseOwner !== null) return null;
      row.leaseOwner = 'me';
      return { lease: { ...row }, row: { ...row } };
    },
    release: async (key) => {
      state.releases++;
      state.rows.get(key)!.leaseOwner = null;
    },
    fetch: async (key) => {
      state.fetches++;
      return state.fetch(key);
    },
    unavailable: (key, reason) => new Unavailable(`${key}: ${reason}`),
    waitMs: 1_000,
    pollMs: 100,
    sleep: async (ms) => {
      state.sleeps++;
      state.now += ms;
      state.onSleep();
      await Promise.resolve();
    },
    ...overrides({ state, store, read }),
  });
  return { state, loader, store };
}

describe('CredentialLoader', () => {
  it('serves a usable stored credential without a lease, then from memory until the TTL runs out', async () => {
    const { state, loader, store } = harness();
    store('a', {});
    expect((await loader.get('a')).value).toBe('stored');
    expect(await loader.get('a')).toMatchObject({ value: 'stored' });
    expect(state).toMatchObject({ reads: 1, leases: 0, fetches: 0 });
    state.now += 100; // the TTL: the database is asked again
    await loader.get('a');
    expect(state.reads).toBe(2);
  });

  it('counts reads served from memory (hits) and reads that loaded (misses)', async () => {
    const { state, loader, store } = harness();
    store('a', {});
    expect([loader.hits, loader.misses]).toEqual([0, 0]);
    await loader.get('a');
    await loader.get('a');
    await loader.get('a');
    expect([loader.hits, loader.misses]).toEqual([2, 1]);
    state.now += 100;
    await loader.get('a');
    expect([loader.hits, loader.misses]).toEqual([2, 2]);
  });

  it('store out of reach: a servable copy in memory serves past its TTL, re-checked after a pause', async () => {
    class Down extends Error {}
    let down = false;
    let refused = 0;
    const { state, loader, store } = harness(({ read }) => ({
      read: async (key) => {
        if (down && ++refused) throw new Down('connection refused');
        return read(key);
      },
      outage: (error) => error instanceof Down,
      outageRecheckMs: 30,
    }));
    store('a', {});
    await loader.get('a');
    down = true;
    state.now += 100; // past the TTL: the read fails, the copy serves
    expect((await loader.get('a')).value).toBe('stored');
    expect(refused).toBe(1);
    state.now += 20; // within the pause: from memory, the store is not asked
    expect((await loader.get('a')).value).toBe('stored');
    expect(refused).toBe(1);
    state.now += 20; // after it: asked again (and still down)
    expect((await loader.get('a')).value).toBe('stored');
    expect(refused).toBe(2);
    // No copy: the outage is the caller's error.
    await expect(loader.get('b')).rejects.toBeInstanceOf(Down);
    // A copy no longer servable is not handed out.
    state.now += 900;
    await expect(loader.get('a')).rejects.toBeInstanceOf(Down);
  });

  it('serves no copy through a failure that is not an outage (an account revoked)', async () => {
    class Revoked extends Error {}
    let revoked = false;
    const { state, loader, store } = harness(({ read }) => ({
      read: async (key) => {
        if (revoked) throw new Revoked('revoked');
        return read(key);
      },
      outage: (error) => !(error instanceof Revoked),
    }));
    store('a', {});
    await loader.get('a');
    revoked = true;
    state.now += 100;
    await expect(loader.get('a')).rejects.toBeInstanceOf(Revoked);
  });

  it('does not serve a cached copy the source calls unservable, even within the TTL', async () => {
    const { state, loader, store } = harness();
    store('a', { dueAt: state.now + 50 });
    await loader.get('a');
    state.now += 60; // due now: the row is read, leased and fetched again
    expect((await loader.get('a')).value).toBe('v1');
    expect(state).toMatchObject({ reads: 2, leases: 1, fetches: 1 });
  });

  it('joins concurrent callers of one key onto one load', async () => {
    const { state, loader } = harness();
    const values = await Promise.all([loader.get('a'), loader.get('a'), loader.get('a')]);
    expect(values.map((v) => v.value)).toEqual(['v1', 'v1', 'v1']);
    expect(state).toMatchObject({ reads: 1, leases: 1, fetches: 1 });
    expect((await loader.get('b')).value).toBe('v2');
  });

  it('fetches under the lease when there is no usable credential, and caches what the fetch kept', async () => {
    const { state, loader, store } = harness();
    store('a', { value: 'old', expiresAt: state.now - 1 });
    expect((await loader.get('a')).value).toBe('v1');
    expect(await loader.get('a')).toMatchObject({ value: 'v1' });
    expect(state).toMatchObject({ reads: 1, leases: 1, fetches: 1, releases: 0 });
  });

  it('re-checks the row the lease returned: fetched meanwhile, the lease is released and nothing fetched', async () => {
    // Between the read and the lease, another task stores a usable credential.
    const { state, loader, store } = harness(({ store, read }) => ({
      read: async (key) => {
        const row = await read(key);
        store(key, { value: 'theirs' });
        return row;
      },
    }));
    store('a', { value: null });
    expect((await loader.get('a')).value).toBe('theirs');
    expect(state).toMatchObject({ leases: 1, releases: 1, fetches: 0 });
    expect(state.rows.get('a')!.leaseOwner).toBeNull();
  });

  it('while blocked: serves a still-valid credential until the block ends, refuses with its error once invalid', async () => {
    const { state, loader, store } = harness();
    store('a', { dueAt: state.now - 1, retryAt: state.now + 500 });
    const served = await loader.get('a');
    expect(served).toMatchObject({ value: 'stored', untilMs: state.now + 500 });
    expect(state).toMatchObject({ leases: 0, fetches: 0 });
    state.rows.get('a')!.expiresAt = state.now + 10;
    state.now += 150; // past the TTL and the expiry, before the planned retry
    await expect(loader.get('a')).rejects.toBeInstanceOf(Backoff);
    expect(state).toMatchObject({ leases: 0, fetches: 0 });
  });

  it('a failed fetch with a planned retry serves the still-valid current credential until then', async () => {
    const { state, loader, store } = harness();
    store('a', { dueAt: state.now - 1 });
    const failure = new Error('getticket failed');
    state.fetch = async () => ({ kind: 'failed', error: failure, retryAtMs: state.now + 300 });
    expect(await loader.get('a')).toMatchObject({ value: 'stored', untilMs: state.now + 300 });
    // Served from memory until the retry, though due.
    await loader.get('a');
    expect(state.fetches).toBe(1);
  });

  it('a failed fetch without a usable credential, or without a planned retry, throws its error', async () => {
    const { state, loader, store } = harness();
    const failure = new Error('refused');
    state.fetch = async () => ({ kind: 'failed', error: failure, retryAtMs: state.now + 300 });
    await expect(loader.get('a')).rejects.toBe(failure);
    store('b', { dueAt: state.now - 1 });
    state.fetch = async () => ({ kind: 'failed', error: failure, retryAtMs: null });
    await expect(loader.get('b')).rejects.toBe(failure);
  });

  it('a fetch that throws passes the error on, and the next caller loads afresh', async () => {
    const { state, loader } = harness();
    const failure = new Error('boom');
    state.fetch = async () => {
      throw failure;
    };
    await expect(loader.get('a')).rejects.toBe(failure);
    state.rows.get('a')!.leaseOwner = null;
    await expect(loader.get('a')).rejects.toBe(failure);
    expect(state.reads).toBe(2);
  });

  it('while another task holds the lease: serves the still-valid current credential', async () => {
    const { state, loader, store } = harness();
    store('a', { dueAt: state.now - 1, leaseOwner: 'other' });
    expect((await loader.get('a')).value).toBe('stored');
    expect(state).toMatchObject({ leases: 1, fetches: 0, sleeps: 0 });
  });

  it('waits for another task holding the lease, and serves what it stored', async () => {
    const { state, loader, store } = harness();
    store('a', { value: null, leaseOwner: 'other' });
    state.onSleep = () => {
      if (state.sleeps === 3) store('a', { value: 'theirs' });
    };
    expect((await loader.get('a')).value).toBe('theirs');
    expect(state).toMatchObject({ sleeps: 3, fetches: 0 });
  });

  it('gives up waiting at the deadline with the source error', async () => {
    const { state, loader, store } = harness();
    store('a', { value: null, leaseOwner: 'other' });
    await expect(loader.get('a')).rejects.toThrow('a: timeout');
    expect(state.sleeps).toBe(11);
  });

  it('reads a stored fetch back, and gives up when stored fetches produce nothing usable', async () => {
    const { state, loader, store } = harness();
    store('a', { value: null });
    state.fetch = async (key) => {
      state.rows.get(key)!.leaseOwner = null; // stored nothing usable (e.g. lost the version race)
      return { kind: 'stored' };
    };
    await expect(loader.get('a')).rejects.toThrow('a: exhausted');
    expect(state).toMatchObject({ fetches: 2, reads: 3 });
    state.fetch = async (key) => {
      store(key, { value: 'stored again' });
      return { kind: 'stored' };
    };
    expect((await loader.get('a')).value).toBe('stored again');
  });

  it('without rows from the lease, fetches straight away (the lease conditions decided)', async () => {
    const { state, loader, store } = harness(() => ({
      tryLease: async () => ({
        lease: { value: null, expiresAt: 0, dueAt: 0, retryAt: null, leaseOwner: 'me' },
      }),
    }));
    store('a', { value: 'x', expiresAt: 0 });
    expect((await loader.get('a')).value).toBe('v1');
    expect(state.releases).toBe(0);
  });

  it('forgets one copy (conditionally) or all of them', async () => {
    const { state, loader, store } = harness();
    store('a', {});
    store('b', {});
    await loader.get('a');
    await loader.get('b');
    loader.forget('a', (e) => e.value === 'other');
    expect(loader.peek('a')).toBeDefined();
    loader.forget('a', (e) => e.value === 'stored');
    expect(loader.peek('a')).toBeUndefined();
    loader.clear();
    expect(loader.peek('b')).toBeUndefined();
    await loader.get('b');
    expect(state.reads).toBe(3);
  });
});
