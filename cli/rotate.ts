import type { CliContext } from './context.js';
import { EXIT, type ExitCode } from './exit-codes.js';
import { Reporter } from './reporter.js';
import { describeProgress, type RotationOutcome, rotateSecret } from './rotate-secret.js';
import { outcomeJson } from './rotation-outcome-json.js';

export interface RotateCommand {
  readonly secretId: string;
  readonly wait: boolean;
  readonly timeoutSeconds: number;
  readonly json: boolean;
}

/**
 * One secret: RotateSecret, progress on one updating line, and what happened in full: a rotated key
 * on stdout, a refusal, a failure or a timeout on stderr.
 */
export async function rotate(ctx: CliContext, cmd: RotateCommand): Promise<ExitCode> {
  const out = new Reporter(ctx.io, cmd.json);
  const outcome = await rotateSecret(ctx, cmd, {
    started: (name, token) => {
      const text = `Rotation of ${name} started: version ${token}`;
      if (cmd.wait) out.note(text);
      else out.line(text);
    },
    progress: (name, failure, elapsed) =>
      out.progress(`rotating ${name}: ${describeProgress(failure)}  ${elapsed.toFixed(1)} s`),
  });
  const { result, problems } = describe(outcome, cmd);
  for (const line of result) out.line(line);
  for (const line of problems) out.problem(line);
  out.result({ command: 'rotate', ...outcomeJson(outcome) });
  return EXIT_OF[outcome.result];
}

const EXIT_OF: Record<RotationOutcome['result'], ExitCode> = {
  started: EXIT.ok,
  rotated: EXIT.ok,
  failed: EXIT.failed,
  'timed-out': EXIT.timedOut,
  refused: EXIT.refused,
  'key-rejected': EXIT.keyRejected,
};

/** What to say about an outcome: the result (stdout) and the diagnostics (stderr). */
function describe(outcome: RotationOutcome, cmd: RotateCommand): { result: string[]; problems: string[] } {
  const elapsed = outcome.elapsedSeconds;
  const problems = (...lines: string[]) => ({ result: [], problems: lines });
  switch (outcome.result) {
    case 'started':
      return { result: [], problems: [] };
    case 'failed':
      return outcome.error.code === 'rotation-abandoned'
        ? problems(`Rotation FAILED after ${elapsed} s: ${outcome.error.message}.`)
        : problems(
            `Rotation FAILED in ${outcome.step} after ${elapsed} s: ${outcome.error.code}`,
            outcome.error.message,
          );
    case 'timed-out':
      return problems(
        `Timed out after ${cmd.timeoutSeconds} s; the rotation is not finished and Secrets Manager may still retry it.`,
        ...(outcome.error
          ? [`Last error (${outcome.error.step}): ${outcome.error.code}: ${outcome.error.message}`]
          : []),
        `Watch it with: ringg-rotate status --secret-id ${cmd.secretId}`,
      );
    case 'key-rejected':
      return problems(
        `Version ${outcome.token} is AWSCURRENT, but Ringg REJECTS its key ${outcome.key.fingerprint} (HTTP ${outcome.status}). Follow the README runbook "Key lost".`,
      );
    case 'rotated': {
      if (outcome.key.fingerprint === null) {
        return {
          result: [`Rotated ${outcome.name} in ${elapsed} s: version ${outcome.token} is AWSCURRENT.`],
          problems: [
            `Not checked with Ringg here (${outcome.key.reason}); the rotation proved it with Ringg before promoting it.`,
          ],
        };
      }
      const rotated = `Rotated ${outcome.name} in ${elapsed} s: version ${outcome.token} is AWSCURRENT, key ${outcome.key.fingerprint}.`;
      return outcome.key.verified
        ? { result: [rotated, 'Ringg accepts the new key (GET /workspace 200).'], problems: [] }
        : { result: [rotated], problems: [`Could not check the key with Ringg: ${outcome.checkProblem}.`] };
    }
    case 'refused':
      if (outcome.error.code !== 'previous-rotation-incomplete') {
        return problems(
          `Refused: Secrets Manager did not start a rotation: ${outcome.error.code}: ${outcome.error.message}. Nothing was changed.`,
        );
      }
      return problems(
        `Refused: a previous rotation of ${cmd.secretId} is not complete (AWSPENDING is on version ${outcome.pendingVersion ?? 'unknown'}${outcome.pendingSince ? ` since ${outcome.pendingSince}` : ''}).${outcome.lastError ? ` Its last error: ${outcome.lastError.code} in ${outcome.lastError.step}.` : ''}`,
        'Secrets Manager will reattempt that rotation itself and starts no new one until it finishes. Nothing was changed.',
        `Next: ringg-rotate status --secret-id ${cmd.secretId}, then ringg-rotate resume --secret-id ${cmd.secretId} to finish it now`,
      );
  }
}
