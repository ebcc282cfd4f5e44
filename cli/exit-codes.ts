/** Distinct exit codes, documented in `--help` and the README. */
export const EXIT = {
  /** The command did what was asked (for `rotate`: the key rotated). */
  ok: 0,
  /** The rotation failed; the journal's last error says why. */
  failed: 1,
  /** `rotate` gave up waiting; the rotation may still finish. */
  timedOut: 2,
  /** Secrets Manager or the CLI refused to start: nothing was changed. */
  refused: 3,
  /** Ringg rejected the key that was checked. */
  keyRejected: 4,
  /** The command line was wrong. */
  usage: 64,
  /**
   * The CLI cannot work as configured: no region, no or rejected credentials, no such secret, no
   * permission, AWS unreachable, or a bad environment variable. Nothing ran; the message has a hint.
   */
  configuration: 78,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];
