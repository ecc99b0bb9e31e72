import { setTimeout as sleep } from 'node:timers/promises';
import { SingleFlight } from './single-flight.js';

/** An in-process copy of a credential: `checkedAt` is when the database last confirmed it. */
export interface CachedCredential {
  checkedAt: number;
}

/** What a fetch under the lease came to. */
export type FetchOutcome<E> =
  /** The new credential, served as is (the fetch cached it, or not, as it saw fit). */
  | { kind: 'fetched'; entry: E }
  /** The result (or the account's new state) is in the database: read the row again. */
  | { kind: 'stored' }
  /**
   * It failed. `retryAtMs`: the next fetch is planned for then, and the still-valid current
   * credential may serve until then; null: nothing is planned and `error` is thrown.
   */
  | { kind: 'failed'; error: unknown; retryAtMs: number | null };

/** No fetch may be tried now (a backoff, a pause, a missing refresh token). */
export interface Blocked {
  /** When the still-valid current credential is served meanwhile: no fetch before then. */
  untilMs: number;
  /** What callers are told when nothing valid is left to serve. */
  error: unknown;
}

/** A lease this task took: `row` is the stored row as the lease returned it, if it did. */
export interface Leased<R, L> {
  lease: L;
  /**
   * Re-checked before fetching (another task may have fetched, or failed to, between the read
   * and the lease); when it needs no fetch the lease is released. Absent when taking the lease
   * returns no row: then the lease's own conditions must already say that a fetch is wanted.
   */
  row?: R;
}

/** What a stored row settles without a fetch (see CredentialLoader.settle). */
type Settled = { serve: true; untilMs?: number } | { serve: false; error: unknown };

/** Why no credential could be had; the source turns it into its own typed error. */
export type UnavailableReason =
  /** Another task held the lease past the wait deadline. */
  | 'timeout'
  /** `maxFetches` fetches were stored and read back without producing a usable credential. */
  | 'exhausted';

export interface CredentialLoaderOptions<K, R, L, E extends CachedCredential> {
  /** The key's identity in the cache and in single-flight. */
  id: (key: K) => string;
  /** Time in ms (the injected Clock's nowMs). */
  now: () => number;
  /**
   * How long a cached copy is trusted before the database is asked again. A function, so that it
   * may follow the state of notifications (longer while LISTEN/NOTIFY reports changes).
   */
  cacheTtlMs: () => number;
  /** Whether a cached copy may be served as it is (not too close to expiry, not due...). */
  servable: (entry: E) => boolean;
  /**
   * Reads the stored credential (null: no row yet). Throws when the key cannot have one at all
   * (an account revoked or unknown), which the caller gets as is.
   */
  read: (key: K) => Promise<R | null>;
  /** Whether the stored credential may still be handed out (present, not too close to expiry). */
  usable: (row: R) => boolean;
  /**
   * Whether a usable credential is refreshed before it is served. Default: never (a schedule
   * refreshes ahead of expiry; on demand only a credential that is no longer usable is fetched).
   */
  due?: (row: R) => boolean;
  /** Why no fetch may be tried now, or null. Default: never blocked. */
  blocked?: (key: K, row: R) => Blocked | null;
  /**
   * The cache entry of a stored, usable credential (the loader caches it). `untilMs`: it is
   * served although due, because a fetch failed or is blocked; no fetch before then.
   */
  serve: (key: K, row: R, untilMs?: number) => E;
  /**
   * Takes the lease of the key's row (the row no other task enters while it is held; `row` is
   * what was read just before). Null: another task holds it.
   */
  tryLease: (key: K, row: R | null) => Promise<Leased<R, L> | null>;
  /** Gives back a lease that turned out not to be needed. Required when leases return rows. */
  release?: (key: K, lease: L) => Promise<void>;
  /** Fetches the credential under the lease. It may also throw, which the caller gets as is. */
  fetch: (key: K, lease: L) => Promise<FetchOutcome<E>>;
  /** The error for a caller that gets no credential. */
  unavailable: (key: K, reason: UnavailableReason) => unknown;
  /** How long a caller waits for another task's fetch before `unavailable(key, 'timeout')`. */
  waitMs: number;
  /** How often the database is read while waiting. Default 100 ms. */
  pollMs?: number;
  /** Stored fetches read back before `unavailable(key, 'exhausted')`. Default 2. */
  maxFetches?: number;
  /** Waits (injected by tests). Default node:timers' setTimeout. */
  sleep?: (ms: number) => Promise<void>;
  /**
   * Whether a failed load says the store is out of reach (the database down), not something
   * about the credential: then a copy in memory that is still servable is served instead, and
   * the store asked again after `outageRecheckMs`. Default: never (every failure is thrown).
   */
  outage?: (error: unknown) => boolean;
  /** How long a copy served through an outage goes before the store is asked again. Default 1000. */
  outageRecheckMs?: number;
}

/**
 * A credential (token, ticket) kept in a database row shared by every instance, and in memory
 * here. `get` serves the in-process copy while it is trusted; otherwise one task per key
 * (single-flight) reads the row: a usable credential is served; else the task takes the row's
 * lease and fetches a new one under it (re-checking the row the lease returned first), or, when
 * the fetch fails or may not be tried now, serves the current credential while it is still
 * valid; when another task holds the lease, it waits for that task's result, up to a deadline.
 *
 * Everything that differs between credentials (rows, leases, fetches, backoff, typed errors) is
 * given as callbacks: the loader only decides in which order they are asked.
 */
export class CredentialLoader<K, R, L, E extends CachedCredential> {
  private readonly memory = new Map<string, E>();
  private readonly flights = new SingleFlight<E>();
  private readonly pollMs: number;
  private readonly maxFetches: number;
  private readonly sleep: (ms: number) => Promise<void>;
  /** Reads served from memory, and reads that went to the store (plain counts, for metrics). */
  private hitCount = 0;
  private missCount = 0;

  constructor(private readonly source: CredentialLoaderOptions<K, R, L, E>) {
    this.pollMs = source.pollMs ?? 100;
    this.maxFetches = source.maxFetches ?? 2;
    this.sleep = source.sleep ?? ((ms) => sleep(ms));
  }

  /** A usable credential: the trusted in-process copy, else loaded (single-flight per key). */
  async get(key: K): Promise<E> {
    const id = this.source.id(key);
    const cached = this.memory.get(id);
    if (
      cached &&
      this.source.now() - cached.checkedAt < this.source.cacheTtlMs() &&
      this.source.servable(cached)
    ) {
      this.hitCount++;
      return cached;
    }
    this.missCount++;
    return this.flights
      .run(id, () => this.load(key))
      .catch((error: unknown) => {
        // The database is out of reach: a copy still valid serves, as it would have within its TTL.
        const copy = this.memory.get(id);
        if (!copy || !this.source.outage?.(error) || !this.source.servable(copy)) throw error;
        const recheck = Math.min(this.source.outageRecheckMs ?? 1_000, this.source.cacheTtlMs());
        copy.checkedAt = this.source.now() - this.source.cacheTtlMs() + recheck;
        return copy;
      });
  }

  /** Reads served from memory (`hits`) and reads that loaded (`misses`) since start. */
  get hits(): number {
    return this.hitCount;
  }

  get misses(): number {
    return this.missCount;
  }

  /** The in-process copy, trusted or not. */
  peek(key: K): E | undefined {
    return this.memory.get(this.source.id(key));
  }

  /** Keeps `entry` as the in-process copy (a fetch or a scheduled refresh produced it). */
  set(key: K, entry: E): void {
    this.memory.set(this.source.id(key), entry);
  }

  /** Drops the in-process copy; with `when`, only if it says so (e.g. it is an older version). */
  forget(key: K, when?: (entry: E) => boolean): void {
    const id = this.source.id(key);
    const entry = this.memory.get(id);
    if (entry && (!when || when(entry))) this.memory.delete(id);
  }

  /** Drops every in-process copy (changes may have been missed). */
  clear(): void {
    this.memory.clear();
  }

  private async load(key: K): Promise<E> {
    const s = this.source;
    const deadline = s.now() + s.waitMs;
    for (let fetches = 0; ;) {
      const row = await s.read(key);
      if (row !== null) {
        const settled = this.settle(key, row);
        if (settled) return this.conclude(key, row, settled);
      }
      if (fetches >= this.maxFetches) throw s.unavailable(key, 'exhausted');
      const leased = await s.tryLease(key, row);
      if (leased) {
        if (leased.row !== undefined) {
          const settled = this.settle(key, leased.row);
          if (settled) {
            await s.release?.(key, leased.lease);
            return this.conclude(key, leased.row, settled);
          }
        }
        fetches++;
        const outcome = await s.fetch(key, leased.lease);
        switch (outcome.kind) {
          case 'fetched':
            return outcome.entry;
          case 'stored':
            continue;
          case 'failed': {
            // The current credential serves until the planned retry while it is still valid.
            const current = leased.row ?? row;
            if (outcome.retryAtMs !== null && current !== null && s.usable(current)) {
              return this.remember(key, current, outcome.retryAtMs);
            }
            throw outcome.error;
          }
        }
      }
      // Another task is fetching: the current credential serves meanwhile if it is still valid.
      if (row !== null && s.usable(row)) return this.remember(key, row);
      if (s.now() > deadline) throw s.unavailable(key, 'timeout');
      await this.sleep(this.pollMs);
    }
  }

  /**
   * What a stored row settles without a fetch: served (usable and not due), served until a
   * blocked fetch may be tried, or refused with the block's error. Null: fetch.
   */
  private settle(key: K, row: R): Settled | null {
    const s = this.source;
    if (s.usable(row) && !(s.due?.(row) ?? false)) return { serve: true };
    const blocked = s.blocked?.(key, row) ?? null;
    if (blocked === null) return null;
    if (s.usable(row)) return { serve: true, untilMs: blocked.untilMs };
    return { serve: false, error: blocked.error };
  }

  private conclude(key: K, row: R, settled: Settled): E {
    if (!settled.serve) throw settled.error;
    return this.remember(key, row, settled.untilMs);
  }

  private remember(key: K, row: R, untilMs?: number): E {
    const entry = this.source.serve(key, row, untilMs);
    this.memory.set(this.source.id(key), entry);
    return entry;
  }
}
