import type { CliIo } from './io.js';

/** The user interrupted (Ctrl-C): thrown where a command notices it, reported with exit 130. */
export class InterruptedError extends Error {
  override readonly name = 'InterruptedError';
  constructor() {
    super('Interrupted (Ctrl-C).');
  }
}

export function throwIfInterrupted(io: CliIo): void {
  if (io.interrupt?.aborted) throw new InterruptedError();
}

/** Resolves when the user interrupts; never, without a signal. */
export function whenInterrupted(io: CliIo): Promise<'interrupted'> {
  const signal = io.interrupt;
  if (!signal) return new Promise(() => {});
  if (signal.aborted) return Promise.resolve('interrupted');
  return new Promise((resolve) =>
    signal.addEventListener('abort', () => resolve('interrupted'), { once: true }),
  );
}

/** Something this CLI started in AWS that goes on without it: a rotation, or a step it invoked. */
export interface RunningWork {
  readonly secretId: string;
  readonly name: string;
  readonly version: string;
  /** e.g. `rotation started` or `step setSecret invoked` */
  readonly what: string;
}

/**
 * What this CLI run started in AWS and has not yet seen end, so that an interrupt can say what goes on
 * (a rotation cannot be cancelled). Keyed by secret: one rotation per secret at a time.
 */
export class RunningInAws {
  private readonly work = new Map<string, RunningWork>();

  started(work: RunningWork): void {
    this.work.set(work.secretId, work);
  }

  ended(secretId: string): void {
    this.work.delete(secretId);
  }

  list(): RunningWork[] {
    return [...this.work.values()];
  }
}

/** The lines an interrupt ends with, on stderr: what goes on in AWS, and how to look at it. */
export function interruptReport(running: readonly RunningWork[]): string[] {
  const head = 'Interrupted (Ctrl-C): no new rotation or step was started.';
  if (running.length === 0) return [head, 'Nothing this command started is still running in AWS.'];
  return [
    head,
    `Still running in AWS (${running.length}): a rotation cannot be cancelled, and Secrets Manager finishes or reattempts it on its own.`,
    ...running.map((work) => `  ${work.name}  version ${work.version}: ${work.what}`),
    'See where each is with:',
    ...running.map((work) => `  ringg-rotate status --secret-id ${work.secretId}`),
  ];
}
