/** A stream the CLI writes to; `isTTY` and `columns` as on a terminal's process.stdout/stderr. */
export interface OutputStream {
  write(text: string): unknown;
  readonly isTTY?: boolean;
  readonly columns?: number;
}

/** Where a command reads and writes; the real process in use, fakes in tests. */
export interface CliIo {
  /** Results: the text or JSON a script would read. */
  readonly stdout: OutputStream;
  /** Diagnostics: progress, refusals, failures and hints. */
  readonly stderr: OutputStream;
  readonly stdin: NodeJS.ReadableStream & { readonly isTTY?: boolean; setRawMode?(mode: boolean): unknown };
  readonly env: Record<string, string | undefined>;
  readonly sleep: (ms: number) => Promise<void>;
  readonly now: () => number;
  /** Registers a key so that no output path prints it (set up by `run`). */
  readonly redact?: (secret: string) => void;
  /** Aborted when the user interrupts (Ctrl-C); the bin wires it to SIGINT. */
  readonly interrupt?: AbortSignal;
}

export function processIo(interrupt?: AbortSignal): CliIo {
  return {
    stdout: process.stdout,
    stderr: process.stderr,
    stdin: process.stdin,
    env: process.env,
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
    now: Date.now,
    ...(interrupt ? { interrupt } : {}),
  };
}
