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
    lastFailure: failure ?? null,
    key: keyReport,
  });
  return exit;
}
