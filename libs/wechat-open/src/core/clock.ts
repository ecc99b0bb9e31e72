/** Time, injected so that expiry logic is tested without sleeping. */
export abstract class Clock {
  abstract now(): Date;
  nowMs(): number {
    return this.now().getTime();
  }
}

export class SystemClock extends Clock {
  now(): Date {
    return new Date();
  }

  /**
   * Without a Date object: hot paths (cached token reads) ask for the time on every call. A
   * subclass that moves `now()` (a test's) moves this with it.
   */
  override nowMs(): number {
    return this.now === SystemClock.prototype.now ? Date.now() : this.now().getTime();
  }
}
