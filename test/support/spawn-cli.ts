import { type ChildProcess, spawn } from 'node:child_process';

export interface SpawnedCli {
  readonly child: ChildProcess;
  /** Resolves once the stream so far matches `pattern`. */
  waitFor(stream: 'stdout' | 'stderr', pattern: RegExp): Promise<void>;
  /** Resolves when the process has exited. */
  readonly exited: Promise<{
    code: number | null;
    signal: NodeJS.Signals | null;
    stdout: string;
    stderr: string;
  }>;
}

/**
 * The CLI as a real process, as a user runs it: `node bin/ringg-rotate.ts` (through tsx, from the
 * source), its own stdin, stdout and stderr as pipes, the given environment.
 */
export function spawnCli(
  args: readonly string[],
  options: { env?: NodeJS.ProcessEnv; nodeArgs?: readonly string[] } = {},
): SpawnedCli {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', ...(options.nodeArgs ?? []), 'bin/ringg-rotate.ts', ...args],
    { env: options.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const text = { stdout: '', stderr: '' };
  const waiters: { stream: 'stdout' | 'stderr'; pattern: RegExp; resolve: () => void }[] = [];
  const check = () => {
    for (const waiter of [...waiters]) {
      if (waiter.pattern.test(text[waiter.stream])) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve();
      }
    }
  };
  for (const stream of ['stdout', 'stderr'] as const) {
    child[stream]?.setEncoding('utf8');
    child[stream]?.on('data', (chunk: string) => {
      text[stream] += chunk;
      check();
    });
  }
  const exited = new Promise<{
    code: number | null;
    signal: NodeJS.Signals | null;
    stdout: string;
    stderr: string;
  }>((resolve) => child.on('close', (code, signal) => resolve({ code, signal, ...text })));
  return {
    child,
    exited,
    waitFor: (stream, pattern) =>
      new Promise<void>((resolve, reject) => {
        waiters.push({ stream, pattern, resolve });
        exited.then(() =>
          reject(new Error(`the CLI exited before its ${stream} matched ${pattern}:\n${text[stream]}`)),
        );
        check();
      }),
  };
}
