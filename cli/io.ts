/** Where a command reads and writes; the real process in use, fakes in tests. */
export interface CliIo {
  readonly stdout: { write(text: string): unknown; readonly isTTY?: boolean };
  readonly stderr: { write(text: string): unknown };
  readonly stdin: NodeJS.ReadableStream & { readonly isTTY?: boolean; setRawMode?(mode: boolean): unknown };
  readonly env: Record<string, string | undefined>;
  readonly sleep: (ms: number) => Promise<void>;
  readonly now: () => number;
  /** Registers a key so that no output path prints it (set up by `run`). */
  readonly redact?: (secret: string) => void;
}

export function processIo(): CliIo {
  return {
    stdout: process.stdout,
    stderr: process.stderr,
    stdin: process.stdin,
    env: process.env,
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
    now: Date.now,
  };
}
