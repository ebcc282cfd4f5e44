import { AsyncLocalStorage } from 'node:async_hooks';

export type LogLevel = 'INFO' | 'WARN' | 'ERROR';
export type LogFields = Record<string, unknown>;
export type LogSink = (line: string) => void;

const REDACTED = '[REDACTED]';

/**
 * The values to mask during one invocation. Every logger of the container, children and the ones the
 * adapters hold alike, masks the set of the invocation it is called in; the set dies with it.
 */
const invocationSecrets = new AsyncLocalStorage<Set<string>>();

/** What an error leaving the handler carries: its name, code and retryability, nothing else. */
export interface ScrubbedError extends Error {
  readonly code?: string;
  readonly retryable?: boolean;
}

/**
 * One JSON object per line. Keys never reach a log on purpose; as a second line of defence every
 * value registered with `redact` is masked in whatever is written, however it got there: in the
 * message, in any field at any depth, and in field names, before the line is serialized (so a key
 * holding `"` or `\` is never written in its escaped form either).
 */
export class Logger {
  constructor(
    private readonly sink: LogSink = (line) => process.stdout.write(`${line}\n`),
    private readonly base: LogFields = {},
    /** Used outside an invocation (tests, tools); shared by this logger's children. */
    private readonly own: Set<string> = new Set(),
  ) {}

  child(fields: LogFields): Logger {
    return new Logger(this.sink, { ...this.base, ...fields }, this.own);
  }

  /**
   * Runs one invocation with a fresh set of values to mask: whatever is registered during `run`
   * is masked by every logger until `run` settles, and is forgotten then. No bound, no eviction.
   */
  invocation<T>(run: () => Promise<T>): Promise<T> {
    return invocationSecrets.run(new Set(), run);
  }

  redact(value: string | undefined): void {
    if (value) this.secrets().add(value);
  }

  /** Masks every registered value in `text`; for strings leaving the function by another way than a log. */
  scrub(text: string): string {
    return maskText(text, this.longestFirst());
  }

  /**
   * The error to throw out of the handler in place of `error` (the Lambda runtime logs what it
   * gets, outside this logger): the same name, `code` and `retryable` (or the one given), its message and stack masked,
   * and none of the original's other properties (an SDK error carries the raw HTTP response).
   */
  scrubbedError(error: unknown, retryable?: boolean): ScrubbedError {
    const source = error instanceof Error ? error : new Error(String(error));
    const name = this.scrub(source.name);
    const message = this.scrub(source.message);
    const out = new Error(message) as ScrubbedError & { code?: string; retryable?: boolean };
    Object.defineProperty(out, 'name', { value: name, enumerable: false, configurable: true });
    const { code, retryable: own } = source as { code?: unknown; retryable?: unknown };
    if (typeof code === 'string') out.code = this.scrub(code);
    const flag = retryable ?? own;
    if (typeof flag === 'boolean') out.retryable = flag;
    out.stack = this.scrub(source.stack ?? `${name}: ${message}`);
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

  private secrets(): Set<string> {
    return invocationSecrets.getStore() ?? this.own;
  }

  /**
   * Each registered value as written and as JSON escapes it (text may quote a serialized value),
   * longest first, so that a value holding another is masked whole, not around the shorter one.
   */
  private longestFirst(): string[] {
    const forms = new Set<string>();
    for (const secret of this.secrets()) forms.add(secret).add(JSON.stringify(secret).slice(1, -1));
    return [...forms].sort((a, b) => b.length - a.length);
  }

  private emit(level: LogLevel, message: string, fields?: LogFields): void {
    const secrets = this.longestFirst();
    const record = { timestamp: new Date().toISOString(), level, message, ...this.base, ...fields };
    // Masked before serializing, and the line once more in case serializing produced a value anew.
    const line =
      secrets.length === 0
        ? JSON.stringify(record)
        : maskText(JSON.stringify(mask(record, secrets, new Set())), secrets);
    this.sink(line);
  }
}

function maskText(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of secrets) out = out.split(secret).join(REDACTED);
  return out;
}

/**
 * `value` as JSON.stringify would see it, with every registered value masked in every string and
 * object key. `ancestors` stops a cycle (which JSON.stringify would refuse) from looping.
 */
function mask(value: unknown, secrets: readonly string[], ancestors: Set<object>): unknown {
  if (typeof value === 'string') return maskText(value, secrets);
  if (value === null || typeof value !== 'object') return value;
  if (ancestors.has(value)) return '[Circular]';
  ancestors.add(value);
  try {
    const withJson = value as { toJSON?: () => unknown };
    if (typeof withJson.toJSON === 'function') return mask(withJson.toJSON(), secrets, ancestors);
    if (Array.isArray(value)) return value.map((item) => mask(item, secrets, ancestors));
    return Object.fromEntries(
      Object.entries(value).map(([key, item]) => [maskText(key, secrets), mask(item, secrets, ancestors)]),
    );
  } finally {
    ancestors.delete(value);
  }
}
