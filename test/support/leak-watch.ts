import type { LocalEnvironment } from '../../dev/local-environment.js';
import type { StdoutCapture } from '../../dev/stdout-capture.js';

/**
 * Collects, across a test file, every key the Ringg stand-in issued and every text a user or the
 * function's log could see, so that one check at the end proves no key appeared in any of them.
 */
export class LeakWatch {
  readonly keys = new Set<string>();
  private readonly texts: string[] = [];

  see(...texts: string[]): void {
    this.texts.push(...texts);
  }

  /**
   * After each test: stop the stand-ins (which waits for the rotations still running, e.g. after
   * `--no-wait`), then stop capturing the function's log, so that its last lines are kept and checked
   * too instead of reaching the terminal.
   */
  async stop(env: LocalEnvironment | undefined, logs: StdoutCapture | undefined): Promise<void> {
    try {
      await env?.stop();
    } finally {
      logs?.restore();
    }
    if (!env) return;
    for (const key of env.ringg.issuedKeys) this.keys.add(key);
    this.see(...(logs?.lines ?? []));
  }

  /** The texts that contain an issued key: should be none. */
  leaks(): string[] {
    return this.texts.filter((text) => [...this.keys].some((key) => text.includes(key)));
  }
}
