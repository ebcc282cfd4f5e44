export type LogLevel = 'INFO' | 'WARN' | 'ERROR';
export type LogFields = Record<string, unknown>;
export type LogSink = (line: string) => void;

const REDACTED = '[REDACTED]';
const MAX_REDACTIONS = 256;

/**
 * One JSON object per line. Keys never reach a log on purpose; as a second line of defence every
 * value registered with `redact` is masked in whatever is written, however it got there.
 */
export class Logger {
  private readonly secrets: Set<string>;

  constructor(
    private readonly sink: LogSink = (line) => process.stdout.write(`${line}\n`),
    private readonly base: LogFields = {},
    secrets?: Set<string>,
  ) {
    this.secrets = secrets ?? new Set();
  }

  child(fields: LogFields): Logger {
    return new Logger(this.sink, { ...this.base, ...fields }, this.secrets);
  }

  redact(value: string | undefined): void {
    if (!value || value.length < 4) return;
    if (this.secrets.size >= MAX_REDACTIONS) {
      const oldest = this.secrets.values().next().value;
      if (oldest !== undefined) this.secrets.delete(oldest);
    }
    this.secrets.add(value);
  }

  /** Masks every registered value in `text`; for strings leaving the function by another way than a log. */
  scrub(text: string): string {
    let out = text;
    for (const secret of this.secrets) out = out.split(secret).join(REDACTED);
    return out;
  }

  info(message: string, fields?: LogFields): void {
    this.emit('INFO', message, fields);
  }

  warn(message: string, fields?: LogFields): void {
    this.emit('WARN', message, fields);
  }

  error(message: string, fields?: LogFields): void {
    this.emit('ERROR', message, fields);
  }

  private emit(level: LogLevel, message: string, fields?: LogFields): void {
    const line = JSON.stringify({
      timestamp: new Date().toISOString(),
      level,
      message,
      ...this.base,
      ...fields,
    });
    this.sink(this.scrub(line));
  }
}
