import { fingerprint } from '../common/fingerprint.js';
import type { CliContext } from './context.js';
import { EXIT, type ExitCode } from './exit-codes.js';
import { adviceFor } from './failure-advice.js';
import { checkWithRingg, readCurrentValue } from './key-check.js';
import { Reporter } from './reporter.js';
import { readSecretState } from './secret-state.js';

export interface StatusCommand {
  readonly secretId: string;
  readonly check: boolean;
  readonly json: boolean;
}

/**
 * The secret's state on stdout. Exits 0 only when nothing needs attention: a stuck rotation, or a key
 * check that could not be done, is 1 (what to do on stderr); a key Ringg rejects is 4.
 */
export async function status(ctx: CliContext, cmd: StatusCommand): Promise<ExitCode> {
  const out = new Reporter(ctx.io, cmd.json);
  const state = await readSecretState(ctx, cmd.secretId);
  const date = (d: Date | undefined) => d?.toISOString() ?? '(none)';
  const failure = state.lastFailure;

  out.line(`Secret       ${state.name}`);
  out.line(`             ${state.arn}`);
  out.line(
    `Rotation     ${state.rotationEnabled ? 'enabled' : 'DISABLED'}${state.rotationFunction ? `, function ${state.rotationFunction}` : ''}`,
  );
  out.line(`Schedule     ${state.schedule ?? '(none)'}${state.window ? `, window ${state.window}` : ''}`);
  out.line(`Last rotated ${date(state.lastRotated)}`);
  out.line(`Next         ${date(state.nextRotation)}`);
  out.line(`AWSCURRENT   ${state.labels.current ?? '(none)'}`);
  out.line(`AWSPENDING   ${state.labels.pending ?? '(none)'}`);
  out.line(`AWSPREVIOUS  ${state.labels.previous ?? '(none)'}`);
  out.line(
    state.stuck
      ? `STUCK        a rotation is not complete: AWSPENDING is on ${state.stuck.versionId}${state.stuck.since ? ` since ${date(state.stuck.since)}` : ''}`
      : 'Stuck        no',
  );
  out.line(`Workspace    ${state.workspaceTag ?? '(not tagged yet: the first rotation records it)'}`);
  out.line(
    failure
      ? `Last failure ${failure.code} in ${failure.step} at ${failure.at}, token ${failure.token}${failure.retryable ? ' (Secrets Manager retries)' : ''}`
      : 'Last failure none since the last finished rotation',
  );
  if (failure) out.line(`             ${adviceFor(failure.code)}`);

  let keyReport: Record<string, unknown> | undefined;
  let exit: ExitCode = EXIT.ok;
  if (cmd.check) {
    const current = await readCurrentValue(ctx, cmd.secretId);
    if (current.kind === 'unreadable') {
      keyReport = { verified: false, reason: current.reason };
      out.line(`Key check    not possible: ${current.reason}`);
      exit = EXIT.failed;
    } else {
      const check = await checkWithRingg(ctx, current.value.apiKey);
      keyReport = {
        fingerprint: fingerprint(current.value.apiKey),
        verified: check.kind === 'valid',
        ...check,
      };
      if (check.kind === 'valid')
        out.line(
          `Key check    Ringg accepts AWSCURRENT (key ${fingerprint(current.value.apiKey)}, workspace ${check.workspaceId ?? 'unknown'})`,
        );
      if (check.kind === 'rejected') {
        out.line(
          `Key check    Ringg REJECTS AWSCURRENT (key ${fingerprint(current.value.apiKey)}, HTTP ${check.status}): follow the README runbook "Key lost".`,
        );
        exit = EXIT.keyRejected;
      }
      if (check.kind === 'unavailable') {
        out.line(`Key check    Ringg did not answer usefully: ${check.detail}`);
        exit = EXIT.failed;
      }
    }
  }

  const attention: { code: string; message: string }[] = [];
  if (state.stuck) {
    const lastError = failure?.token === state.stuck.versionId ? failure : undefined;
    attention.push({
      code: 'rotation-stuck',
      message: `A rotation of ${state.name} is not complete: AWSPENDING is on version ${state.stuck.versionId}${lastError ? `, last error ${lastError.code} in ${lastError.step}: ${adviceFor(lastError.code)}` : '.'} To finish it now: ringg-rotate resume --secret-id ${cmd.secretId}`,
    });
    if (exit === EXIT.ok) exit = EXIT.failed;
  }
  if (keyReport && keyReport.verified !== true) {
    attention.push({
      code: exit === EXIT.keyRejected ? 'key-rejected' : 'key-check-failed',
      message:
        exit === EXIT.keyRejected
          ? `Ringg rejects the AWSCURRENT key of ${state.name}: ${adviceFor('current-key-rejected')}`
          : `The AWSCURRENT key of ${state.name} could not be checked with Ringg; run the check again (--check) once Ringg answers, with credentials that may read the secret.`,
    });
  }
  for (const item of attention) out.problem(`Needs attention: ${item.message}`);

  out.result({
    command: 'status',
    secretId: cmd.secretId,
    arn: state.arn,
    name: state.name,
    rotationEnabled: state.rotationEnabled,
    schedule: state.schedule,
    window: state.window,
    lastRotated: state.lastRotated?.toISOString(),
    nextRotation: state.nextRotation?.toISOString(),
    labels: state.labels,
    stuck: state.stuck ? { versionId: state.stuck.versionId, since: state.stuck.since?.toISOString() } : null,
    workspaceId: state.workspaceTag ?? null,
    lastFailure: failure ?? null,
    key: keyReport,
    attention,
  });
  return exit;
}
