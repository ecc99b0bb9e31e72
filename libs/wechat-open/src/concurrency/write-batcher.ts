/**
 * Group commit in the application: items submitted within `maxDelayMs` of each other (or until
 * `maxBatch` are waiting) are written by one `flush` call, and each submitter gets its own
 * result. Fewer statements and far fewer commits when many writes come at once.
 */
export class WriteBatcher<TIn, TOut> {
  private pending: { item: TIn; resolve: (r: TOut) => void; reject: (e: unknown) => void }[] = [];
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly flush: (items: TIn[]) => Promise<TOut[]>,
    private readonly maxBatch = 50,
    private readonly maxDelayMs = 2,
  ) {}

  submit(item: TIn): Promise<TOut> {
    return new Promise<TOut>((resolve, reject) => {
      this.pending.push({ item, resolve, reject });
      if (this.pending.length >= this.maxBatch) this.drain();
      else this.timer ??= setTimeout(() => this.drain(), this.maxDelayMs);
    });
  }

  private drain(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    const batch = this.pending;
    this.pending = [];
    if (batch.length === 0) return;
    this.flush(batch.map((b) => b.item)).then(
      (results) => batch.forEach((b, i) => b.resolve(results[i])),
      (error: unknown) => batch.forEach((b) => b.reject(error)),
    );
  }
}
