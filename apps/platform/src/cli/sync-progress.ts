import { SingleBar } from 'cli-progress';

/** Where the bar is drawn: standard error (standard output stays the command's result). */
export interface ProgressStream {
  write(s: string): void;
  isTTY?: boolean;
}

/**
 * Progress of an authorizer list sync on standard error: a cli-progress bar redrawn in place on a
 * terminal, plain lines otherwise (a log file or a pipe gets a line per tenth of the list, not a
 * line per account, and no carriage returns).
 */
export class SyncProgress {
  private lastTenth = -1;
  private bar: SingleBar | null = null;

  constructor(
    private readonly label: string,
    private readonly write: (s: string) => void,
    private readonly tty: boolean,
    /** The terminal for the bar (tests pass a fake one). Default process.stderr. */
    private readonly stream: ProgressStream = process.stderr,
  ) {}

  update({ done, total }: { done: number; total: number }): void {
    if (this.tty) {
      if (!this.bar) {
        this.bar = new SingleBar({
          format: `${this.label} [{bar}] {value}/{total}`,
          stream: this.stream as NodeJS.WritableStream,
          noTTYOutput: true,
          hideCursor: false,
          clearOnComplete: false,
        });
        this.bar.start(total, done);
      } else {
        this.bar.setTotal(total);
        this.bar.update(done);
      }
      return;
    }
    const ratio = total > 0 ? Math.min(1, done / total) : 1;
    const tenth = Math.floor(ratio * 10);
    if (tenth === this.lastTenth) return;
    this.lastTenth = tenth;
    this.write(`${this.label}: ${done}/${total} accounts\n`);
  }

  /** Ends the bar (its line stays), so that what follows starts on a line of its own. */
  stop(): void {
    this.bar?.stop();
    this.bar = null;
  }
}
