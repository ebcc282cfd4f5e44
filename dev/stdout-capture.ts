/**
 * Collects what is written to stdout, line by line, as CloudWatch Logs would receive a Lambda's output.
 * `echo` decides whether a line also reaches the terminal.
 */
export class StdoutCapture {
  readonly lines: string[] = [];
  private readonly original = process.stdout.write.bind(process.stdout);
  private pending = '';

  constructor(private readonly echo: (line: string) => boolean = () => false) {
    process.stdout.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
      this.pending += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
      let newline = this.pending.indexOf('\n');
      while (newline >= 0) {
        const line = this.pending.slice(0, newline);
        this.pending = this.pending.slice(newline + 1);
        this.lines.push(line);
        if (this.echo(line)) this.original(`${line}\n`);
        newline = this.pending.indexOf('\n');
      }
      const callback = rest.find((r) => typeof r === 'function') as (() => void) | undefined;
      callback?.();
      return true;
    }) as typeof process.stdout.write;
  }

  /** Writes to the real stdout, bypassing the capture. */
  print(text: string): void {
    this.original(text);
  }

  restore(): void {
    if (this.pending) this.lines.push(this.pending);
    process.stdout.write = this.original;
  }
}
