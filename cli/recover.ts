import { PutSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import { GetParametersByPathCommand } from '@aws-sdk/client-ssm';
import { fingerprint } from '../common/fingerprint.js';
import { parameterNames } from '../common/parameter-names.js';
import { formatWithKey, keyRuleProblem } from '../common/secret-value.js';
import type { CliContext } from './context.js';
import { EXIT, type ExitCode } from './exit-codes.js';
import { checkWithRingg, readCurrentValue } from './key-check.js';
import { readKeyFromStdin } from './read-key.js';
import { Reporter } from './reporter.js';
import { readSecretState } from './secret-state.js';

export interface RecoverCommand {
  readonly secretId: string;
  readonly dryRun: boolean;
  readonly json: boolean;
  /** The workspace the key must belong to, when the secret has none recorded (tag or journal). */
  readonly workspaceId?: string | undefined;
}

/** Stores a key regenerated in the Ringg dashboard as AWSCURRENT, after Ringg confirms it. */
export async function recover(ctx: CliContext, cmd: RecoverCommand): Promise<ExitCode> {
  const out = new Reporter(ctx.io, cmd.json);
  const base = { command: 'recover', secretId: cmd.secretId, dryRun: cmd.dryRun };
  const stop = (code: ExitCode, result: string, message: string) => {
    out.problem(message);
    out.result({ ...base, result, message });
    return code;
  };

  const state = await readSecretState(ctx, cmd.secretId);
  const current = await readCurrentValue(ctx, cmd.secretId);
  if (current.kind === 'unreadable') {
    return stop(
      EXIT.refused,
      'refused',
      `Refused: cannot read the current value of ${state.name} to keep its format (${current.reason}). Nothing was written.`,
    );
  }

  const key = await readKeyFromStdin(
    ctx.io,
    `Paste the new Ringg key for ${state.name} (input hidden), then Enter: `,
  );
  if (key === '')
    return stop(
      EXIT.refused,
      'refused',
      'Refused: no key on standard input. Pipe it in or paste it at the prompt. Nothing was written.',
    );
  const problem = keyRuleProblem(key);
  if (problem) return stop(EXIT.refused, 'refused', `Refused: the key ${problem}. Nothing was written.`);
  out.note(`Checking key ${fingerprint(key)} with Ringg...`);

  const check = await checkWithRingg(ctx, key);
  if (check.kind === 'rejected') {
    return stop(
      EXIT.keyRejected,
      'key-rejected',
      `Refused: Ringg rejects key ${fingerprint(key)} (HTTP ${check.status}). Copy the key again from the Ringg dashboard. Nothing was written.`,
    );
  }
  if (check.kind === 'unavailable') {
    return stop(
      EXIT.failed,
      'unverified',
      `Could not check the key with Ringg (${check.detail}); it was not stored. Try again when Ringg answers.`,
    );
  }
  // The secret's tag, which the rotation's principal cannot rewrite through the parameter prefix; the
  // operator's word only where there is none.
  const recorded = state.workspaceTag;
  if (recorded && cmd.workspaceId && recorded !== cmd.workspaceId) {
    return stop(
      EXIT.refused,
      'wrong-workspace',
      `Refused: --workspace-id ${cmd.workspaceId} differs from workspace ${recorded} recorded for ${state.name}. Nothing was written.`,
    );
  }
  const expected = recorded ?? cmd.workspaceId;
  if (!check.workspaceId) {
    return stop(
      EXIT.refused,
      'workspace-unknown',
      `Refused: Ringg's answer for key ${fingerprint(key)} names no workspace, so it cannot be shown to belong to ${state.name}'s workspace. Nothing was written.`,
    );
  }
  if (!expected) {
    return stop(
      EXIT.refused,
      'workspace-unknown',
      `Refused: ${state.name} records no Ringg workspace yet (no ringg-rotation:workspace-id tag), so nothing shows that key ${fingerprint(key)} (workspace ${check.workspaceId}) is this secret's. Run again with --workspace-id <id> of the workspace whose key the secret must hold (Ringg dashboard). Nothing was written.`,
    );
  }
  if (expected !== check.workspaceId) {
    return stop(
      EXIT.refused,
      'wrong-workspace',
      `Refused: key ${fingerprint(key)} belongs to Ringg workspace ${check.workspaceId}, but ${state.name} holds the key of workspace ${expected}. Nothing was written.`,
    );
  }

  const newValue = formatWithKey(current.value, key);
  const fields =
    current.value.format === 'json'
      ? Object.keys(current.value.fields ?? {}).filter((f) => f !== 'apiKey')
      : [];
  const plan = [
    `store key ${fingerprint(key)} (Ringg accepts it, workspace ${check.workspaceId ?? 'unknown'}) as AWSCURRENT of ${state.name}`,
    `in the ${current.value.format} format${fields.length ? `, keeping the fields ${fields.join(', ')}` : ''}`,
    `move the old AWSCURRENT ${state.labels.current ?? '(none)'} (key ${fingerprint(current.value.apiKey)}) to AWSPREVIOUS`,
    ...(state.stuck
      ? [`end the unfinished rotation on version ${state.stuck.versionId} (Secrets Manager abandons it)`]
      : []),
  ];
  if (cmd.dryRun) {
    out.line('Dry run, nothing written. recover would:');
    for (const step of plan) out.line(`  - ${step}`);
    out.result({
      ...base,
      result: 'dry-run',
      plan,
      key: { fingerprint: fingerprint(key), workspaceId: check.workspaceId },
    });
    return EXIT.ok;
  }

  const written = await ctx.sm.send(
    new PutSecretValueCommand({
      SecretId: cmd.secretId,
      SecretString: newValue,
      VersionStages: ['AWSCURRENT'],
    }),
  );
  const after = await readSecretState(ctx, cmd.secretId);
  const rescues = await rescueParameters(ctx, state.name);
  out.line(
    `Recovered ${state.name}: version ${written.VersionId} is AWSCURRENT with key ${fingerprint(key)}.`,
  );
  if (after.stuck) {
    out.problem(`A rotation is still pending on ${after.stuck.versionId}; run ringg-rotate status.`);
  } else out.line('No rotation is pending.');
  if (rescues.length > 0) {
    out.problem(
      `Rescue parameters of an earlier rotation remain; their keys are dead now, delete them: ${rescues.join(', ')}`,
    );
  }
  out.result({
    ...base,
    result: 'recovered',
    version: written.VersionId,
    key: { fingerprint: fingerprint(key), workspaceId: check.workspaceId },
    stuck: after.stuck ? after.stuck.versionId : null,
    rescueParameters: rescues,
  });
  return EXIT.ok;
}

async function rescueParameters(ctx: CliContext, secretName: string): Promise<string[]> {
  try {
    const path = parameterNames(ctx.config.parameterPrefix, secretName).recordPath;
    const out = await ctx.ssm.send(new GetParametersByPathCommand({ Path: path, Recursive: false }));
    return (out.Parameters ?? []).map((p) => p.Name ?? '').filter(Boolean);
  } catch {
    return [];
  }
}
