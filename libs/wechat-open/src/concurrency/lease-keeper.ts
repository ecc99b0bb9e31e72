export interface LeaseKeeperOptions<K> {
  /**
   * Extends the leases of `keys` (all claimed by this instance) by one lease, in one statement.
   * Must only touch rows this instance still owns, so a lease another instance took over stays
   * theirs.
   */
  renew: (keys: K[]) => Promise<void>;
  /** The lease length: leases are renewed every third of it. */
  leaseMs: number;
  /** A key's identity: keys with the same id are one lease. Default `String(key)`. */
  idOf?: (key: K) => string;
  /** Told of a failed renewal; the next one is tried on schedule all the same. */
  onError?: (error: unknown) => void;
}

interface Held<K> {
  key: K;
  /** How many pieces of work hold it (the same key may be held twice). */
  holders: number;
}

/**
 * Keeps short leases alive while this instance works on what they protect. A lease can then be
 * short (a dead instance's claims come free quickly) and still cover work that takes longer than
 * the lease (a slow WeChat, a retry). Only keys whose work is in progress are renewed: the moment
 * the work ends, its key is dropped, and a claim nobody holds here (leaked, or left by a crash)
 * runs out on its own. Every renewal covers all held keys in one `renew` call.
 */
export class LeaseKeeper<K> {
  private readonly held = new Map<string, Held<K>>();
  private readonly idOf: (key: K) => string;
  private readonly everyMs: number;
  private timer?: NodeJS.Timeout;
  private renewing?: Promise<void>;
  private closed = false;

  constructor(private readonly options: LeaseKeeperOptions<K>) {
    if (!(options.leaseMs > 0)) throw new RangeError('leaseMs must be positive');
    this.idOf = options.idOf ?? ((key) => String(key));
    // A third: even a renewal that fails once leaves a whole third of the lease to the next.
    this.everyMs = Math.max(1, Math.floor(options.leaseMs / 3));
  }

  /**
   * Starts renewing `key`'s lease (claimed just now by the caller) until the returned release is
   * called. Releasing twice is harmless.
   */
  hold(key: K): () => void {
    const id = this.idOf(key);
    const entry = this.held.get(id);
    if (entry) entry.holders++;
    else this.held.set(id, { key, holders: 1 });
    this.schedule();
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const current = this.held.get(id);
      if (!current) return;
      if (--current.holders === 0) this.held.delete(id);
      if (this.held.size === 0) this.unschedule();
    };
  }

  /** Runs `work` while renewing `key`'s lease; renewing stops the moment the work settles. */
  async keep<T>(key: K, work: () => Promise<T>): Promise<T> {
    const release = this.hold(key);
    try {
      return await work();
    } finally {
      release();
    }
  }

  /** The keys renewed now. */
  keys(): K[] {
    return [...this.held.values()].map((h) => h.key);
  }

  /** Stops renewing (shutdown) and waits for a renewal in flight. Holding afterwards renews nothing. */
  async close(): Promise<void> {
    this.closed = true;
    this.unschedule();
    await this.renewing;
  }

  /** Nest calls this when the keeper is a provider. */
  async onApplicationShutdown(): Promise<void> {
    await this.close();
  }

  private schedule(): void {
    if (this.closed || this.timer || this.renewing) return;
    this.timer = setTimeout(() => this.tick(), this.everyMs);
    // Renewing leases must never keep a process alive that has nothing else to do.
    this.timer.unref();
  }

  private unschedule(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  private tick(): void {
    this.timer = undefined;
    const keys = this.keys();
    if (keys.length === 0 || this.closed) return;
    // The next tick is planned only once this renewal is over: renewals never overlap.
    this.renewing = this.options
      .renew(keys)
      .catch((error: unknown) => {
        try {
          this.options.onError?.(error);
        } catch {
          // A faulty observer must not stop the renewals.
        }
      })
      .finally(() => {
        this.renewing = undefined;
        if (this.held.size > 0) this.schedule();
      });
  }
}
