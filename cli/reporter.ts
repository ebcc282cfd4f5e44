import type { CliIo } from './io.js';

/**
 * Human output: progress on one updating line on a terminal, plain lines otherwise, and nothing but
 * the final object in JSON mode.
 */
export class Reporter {
  private lastProgress = '';
  private progressShown = false;

  constructor(
    private readonly io: CliIo,
    readonly json: boolean,
  ) {}

  progress(text: string): void {
    if (this.json || text === this.lastProgress) return;
    this.lastProgress = text;
    if (this.io.stdout.isTTY) {
      this.io.stdout.write(`\r\x1b[2K${text}`);
      this.progressShown = true;
    } else {
      this.io.stdout.write(`${text}\n`);
    }
  }

  line(text = ''): void {
    if (this.json) return;
    this.endProgress();
    this.io.stdout.write(`${text}\n`);
  }

  result(value: Record<string, unknown>): void {
    if (!this.json) return;
    this.io.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
  }

  private endProgress(): void {
    if (!this.progressShown) return;
    this.io.stdout.write('\n');
    this.progressShown = false;
  }
}
