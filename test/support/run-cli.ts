import { Readable } from 'node:stream';
import type { CliIo } from '../../cli/io.js';
import { run } from '../../cli/main.js';

export interface CliRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Runs the CLI in-process with captured output. stdin is `input`; stdout and stderr are pipes (not
 * terminals) unless `tty`; waits are cut to at most `maxSleepMs` (default 50) so polling loops run fast against the
 * loopback stand-ins.
 */
export async function runCli(
  args: string[],
  options: {
    input?: string;
    tty?: boolean;
    columns?: number;
    maxSleepMs?: number;
    /** Aborting it is the user's Ctrl-C, as the bin wires SIGINT. */
    interrupt?: AbortSignal;
    /** Sees each write to stderr as it happens. */
    onStderr?: (text: string) => void;
  } = {},
): Promise<CliRun> {
  const stdout: string[] = [];
  const stderr: string[] = [];
  const terminal = { isTTY: options.tty ?? false, ...(options.columns ? { columns: options.columns } : {}) };
  const io: CliIo = {
    stdout: { write: (t: string) => stdout.push(t), ...terminal },
    stderr: {
      write: (t: string) => {
        stderr.push(t);
        options.onStderr?.(stderr.join(''));
      },
      ...terminal,
    },
    stdin: Readable.from(options.input === undefined ? [] : [options.input]),
    env: process.env,
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, Math.min(ms, options.maxSleepMs ?? 50))),
    now: Date.now,
    ...(options.interrupt ? { interrupt: options.interrupt } : {}),
  };
  const code = await run(args, io);
  return { code, stdout: stdout.join(''), stderr: stderr.join('') };
}
