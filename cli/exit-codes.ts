/**
 * The CLI's exit codes, the one place they are defined and explained: `--help`, each command's help
 * and docs/cli.md are built from or checked against this table.
 */
export const EXIT = {
  /** The command did what was asked (for `rotate`: the key rotated; for `status`: nothing needs attention). */
  ok: 0,
  /**
   * Failed, or a person must act: a rotation failed, `status` found a stuck rotation or could not check
   * the key with Ringg, `resume` stopped at a failing step, or the CLI failed part-way.
   */
  failed: 1,
  /** `rotate` gave up waiting; the rotation may still finish. */
  timedOut: 2,
  /** Refused before anything was started: nothing was changed. */
  refused: 3,
  /** Ringg rejected the key that was checked. */
  keyRejected: 4,
  /** The command line was wrong. */
  usage: 64,
  /**
   * The CLI cannot work as configured: no region, no or rejected credentials, no such secret, no
   * permission, AWS unreachable, or a bad environment variable. The message has a hint.
   */
  configuration: 78,
  /** Interrupted (Ctrl-C, SIGINT): no new rotation started; the ones running in AWS go on. */
  interrupted: 130,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** Every exit code with its meaning for people, in the order `--help` and docs/cli.md list them. */
export const EXIT_CODE_MEANINGS: readonly { readonly code: ExitCode; readonly meaning: string }[] = [
  { code: EXIT.ok, meaning: 'done; for status, nothing needs attention' },
  {
    code: EXIT.failed,
    meaning:
      'failed or needs a person: a rotation failed (its error is shown), status found a stuck rotation or could not check the key, resume stopped at a failing step, or the CLI failed part-way (status shows where things are)',
  },
  { code: EXIT.timedOut, meaning: 'rotate timed out waiting; the rotation may still finish' },
  {
    code: EXIT.refused,
    meaning:
      'refused before anything started, nothing changed: Secrets Manager would not start a rotation, recover would not write, resume found nothing to resume',
  },
  { code: EXIT.keyRejected, meaning: 'Ringg rejected the key that was checked' },
  { code: EXIT.usage, meaning: 'bad command line (the message names what is wrong)' },
  {
    code: EXIT.configuration,
    meaning:
      'configuration problem: no AWS region, no or rejected credentials, no such secret, no permission, AWS unreachable, or a bad environment variable; a hint says what to do. Found before anything ran, nothing changed; found part-way, the message says so',
  },
  {
    code: EXIT.interrupted,
    meaning:
      'interrupted (Ctrl-C): no new rotation was started; the rotations already running in AWS go on and are listed',
  },
];

/** For several secrets at once (`rotate` with several --secret-id or --all). */
export const BULK_EXIT_RULE =
  'Several secrets: 1 if any secret failed (timed out or key rejected included), else 3 if any was refused, else 0; 78 only when nothing could run at all.';
