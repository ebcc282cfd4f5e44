import { Readable } from 'node:stream';
import type { CliIo } from '../../cli/io.js';
import { run } from '../../cli/main.js';

export interface CliRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Runs the CLI in-process with captured output. stdin is `input`, piped (not a terminal) unless
 * `tty`; waits are cut to at most `maxSleepMs` (default 50) so polling loops run fast against the
 * loopback stand-ins.
 */
export async function runCli(
  args: string[],
  options: { input?: string; tty?: boolean; columns?: number; maxSleepMs?: number } = {},
): Promise<CliRun> {
  const stdout: string[] = [];
  const stderr: string[] = [];
  const io: CliIo = {
    stdout: {
      write: (t: string) => stdout.push(t),
      isTTY: options.tty ?? false,
      ...(options.columns ? { columns: options.columns } : {}),
    },
    stderr: { write: (t: string) => stderr.push(t) },
    stdin: Readable.from(options.input === undefined ? [] : [options.input]),
    env: process.env,
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, Math.min(ms, options.maxSleepMs ?? 50))),
    now: Date.now,
  };
  const code = await run(args, io);
  return { code, stdout: stdout.join(''), stderr: stderr.join('') };
}
