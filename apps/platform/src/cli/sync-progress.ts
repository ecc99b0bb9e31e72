const BAR_WIDTH = 30;

/**
 * Progress of an authorizer list sync on standard error: a bar redrawn in place on a terminal,
 * plain lines otherwise (a log file or a pipe gets a line per tenth of the list, not a line per
 * account, and no carriage returns).
 */
export class SyncProgress {
  private lastTenth = -1;
  private drawn = false;

  constructor(
    private readonly label: string,
    private readonly write: (s: string) => void,
    private readonly tty: boolean,
  ) {}

  update({ done, total }: { done: number; total: number }): void {
    const ratio = total > 0 ? Math.min(1, done / total) : 1;
    if (this.tty) {
      const filled = Math.round(ratio * BAR_WIDTH);
      this.write(
        `\r${this.label} [${'#'.repeat(filled)}${'-'.repeat(BAR_WIDTH - filled)}] ${done}/${total}`,
      );
      this.drawn = true;
      return;
    }
    const tenth = Math.floor(ratio * 10);
    if (tenth === this.lastTenth) return;
    this.lastTenth = tenth;
    this.write(`${this.label}: ${done}/${total} accounts\n`);
  }

  /** Ends the bar's line, so that what follows starts on a line of its own. */
  stop(): void {
    if (this.drawn) this.write('\n');
    this.drawn = false;
  }
}
