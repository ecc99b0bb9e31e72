/**
 * At most `capacity` holders at a time; the others wait in arrival order. `run` takes a slot for
 * the duration of `fn` and gives it back however `fn` ends.
 */
export class Semaphore {
  private held = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(readonly capacity: number) {
    if (!(Number.isInteger(capacity) && capacity >= 1)) {
      throw new RangeError('a semaphore needs a capacity of at least 1');
    }
  }

  /** Slots in use. */
  get inUse(): number {
    return this.held;
  }

  async run<T>(fn: () => Promise<T>): Promise<T> {
    await this.acquire();
    try {
      return await fn();
    } finally {
      this.release();
    }
  }

  private acquire(): Promise<void> {
    if (this.held < this.capacity) {
      this.held++;
      return Promise.resolve();
    }
    // The releasing holder hands its slot over: `held` stays the same.
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  private release(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.held--;
  }
}
