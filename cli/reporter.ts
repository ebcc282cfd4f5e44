import type { CliIo } from './io.js';

/**
 * A command's output by kind: results on stdout (text, or in JSON mode only the final object), and
 * diagnostics on stderr: progress (one updating line on a terminal) and notes in text mode only,
 * refusals, failures and hints in both modes.
 */
export class Reporter {
  private lastProgress = '';
  private progressShown = false;

  constructor(
    private readonly io: CliIo,
    readonly json: boolean,
  ) {}

  /** A line of the result, on stdout (text mode). */
  line(text = ''): void {
    if (this.json) return;
    this.endProgress();
    this.io.stdout.write(`${text}\n`);
  }

  /** Where a long operation is, on stderr (text mode): one updating line on a terminal. */
  progress(text: string): void {
    if (this.json || text === this.lastProgress) return;
    this.lastProgress = text;
    if (this.io.stderr.isTTY) {
      this.io.stderr.write(`\r\x1b[2K${text}`);
      this.progressShown = true;
    } else {
      this.io.stderr.write(`${text}\n`);
    }
  }

  /** What is going on, e.g. what was found or started, on stderr (text mode). */
  note(text: string): void {
    if (this.json) return;
    this.endProgress();
    this.io.stderr.write(`${text}\n`);
  }

  /** A refusal, a failure or a hint, on stderr in both modes (JSON carries it too, in the result). */
  problem(text: string): void {
    this.endProgress();
    this.io.stderr.write(`${text}\n`);
  }

  /** The result as one JSON object on stdout (JSON mode). */
  result(value: Record<string, unknown>): void {
    if (!this.json) return;
    this.io.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
  }

  /** Clears the updating line, so that what follows replaces it. */
  private endProgress(): void {
    if (!this.progressShown) return;
    this.io.stderr.write('\r\x1b[2K');
    this.progressShown = false;
  }
}
