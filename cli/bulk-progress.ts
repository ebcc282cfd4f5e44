/**
 * Progress of a bulk rotation. On a terminal: one line per secret, kept in place, the running ones
 * redrawn below the finished ones. Otherwise (CI logs, pipes): plain lines, one when a secret starts
 * and one when it is done. Nothing in JSON mode.
 */
export interface ProgressSink {
  write(text: string): unknown;
  readonly isTTY?: boolean;
  readonly columns?: number;
}

export class BulkProgress {
  private readonly running = new Map<string, string>();
  private drawn = 0;

  constructor(
    private readonly out: ProgressSink,
    private readonly enabled: boolean,
  ) {}

  /** A secret's rotation started; plain output gets a line, a terminal a running line. */
  started(key: string, line: string): void {
    if (!this.enabled) return;
    if (!this.out.isTTY) {
      this.out.write(`${line}\n`);
      return;
    }
    this.running.set(key, line);
    this.redraw([]);
  }

  /** The running line of a secret changed (its step); shown on a terminal only. */
  update(key: string, line: string): void {
    if (!this.enabled || !this.out.isTTY || this.running.get(key) === line) return;
    this.running.set(key, line);
    this.redraw([]);
  }

  /** A secret is done: its final line replaces its running line. */
  finished(key: string, line: string): void {
    if (!this.enabled) return;
    if (!this.out.isTTY) {
      this.out.write(`${line}\n`);
      return;
    }
    this.running.delete(key);
    this.redraw([line]);
  }

  private redraw(finishedLines: string[]): void {
    const width = Math.max(20, (this.out.columns ?? 120) - 1);
    const clip = (line: string) => (line.length > width ? `${line.slice(0, width - 1)}…` : line);
    let text = this.drawn > 0 ? `\x1b[${this.drawn}A\r` : '\r';
    for (const line of finishedLines) text += `\x1b[2K${line}\n`;
    for (const line of this.running.values()) text += `\x1b[2K${clip(line)}\n`;
    text += '\x1b[J';
    this.drawn = this.running.size;
    this.out.write(text);
  }
}
