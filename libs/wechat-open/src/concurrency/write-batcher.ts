/**
 * Group commit in the application: items submitted within `maxDelayMs` of each other (or until
 * `maxBatch` are waiting) are written by one `flush` call, and each submitter gets its own
 * result. Fewer statements and far fewer commits when many writes come at once.
 *
 * Each item may say how long it can wait: the group is written when the most pressed of its
 * items has waited its time. Work that nobody waits on (the refresh sweep's) waits longer and
 * is written in bigger groups; a caller's write keeps the short default.
 */
export class WriteBatcher<TIn, TOut> {
  private pending: { item: TIn; resolve: (r: TOut) => void; reject: (e: unknown) => void }[] = [];
  private timer?: NodeJS.Timeout;
  /** When the pending group is due (performance.now()), while the timer runs. */
  private due = Infinity;
  /** Groups handed to `flush` and not done yet (`close` waits for them). */
  private readonly inFlight = new Set<Promise<void>>();

  constructor(
    private readonly flush: (items: TIn[]) => Promise<TOut[]>,
    private readonly maxBatch = 50,
    private readonly maxDelayMs = 2,
  ) {}

  /** Queues `item`; it is written within `maxDelayMs` (default the batcher's), with others. */
  submit(item: TIn, maxDelayMs = this.maxDelayMs): Promise<TOut> {
    return new Promise<TOut>((resolve, reject) => {
      this.pending.push({ item, resolve, reject });
      if (this.pending.length >= this.maxBatch) {
        this.drain();
        return;
      }
      const due = performance.now() + maxDelayMs;
      if (due < this.due) {
        clearTimeout(this.timer);
        this.due = due;
        this.timer = setTimeout(() => this.drain(), maxDelayMs);
      }
    });
  }

  /** Writes what is waiting now (the work that would have joined it is over). */
  flushNow(): void {
    this.drain();
  }

  /**
   * Writes what is waiting now and resolves when every group written so far is done (whether
   * it succeeded or not: its submitters hear that). For shutdown: nothing submitted is lost.
   */
  async close(): Promise<void> {
    this.drain();
    await Promise.all(this.inFlight);
  }

  private drain(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.due = Infinity;
    const batch = this.pending;
    this.pending = [];
    if (batch.length === 0) return;
    const written = this.flush(batch.map((b) => b.item)).then(
      (results) => batch.forEach((b, i) => b.resolve(results[i])),
      (error: unknown) => batch.forEach((b) => b.reject(error)),
    );
    this.inFlight.add(written);
    void written.finally(() => this.inFlight.delete(written));
  }
}
