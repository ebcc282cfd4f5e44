import { appendFile } from 'node:fs/promises';
import { GetSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import { fingerprint } from '../common/fingerprint.js';
import type { Verification } from '../common/key-check.js';
import { newValueFits, parseSecretValue } from '../common/secret-value.js';
import { findWorkspaceHolders, workspaceHolderFilters } from '../common/workspace-holders.js';
import { configurationProblem } from './aws-setup.js';
import type { CliContext } from './context.js';
import type { DoctorCommand } from './doctor-args.js';
import {
  diagnose,
  type HoldersFact,
  type KeyFact,
  type OpenRotationJournal,
  type PendingKeyFact,
  type SecretFacts,
  type ValueFact,
  workspaceOf,
} from './doctor-findings.js';
import { doctorJson, doctorMarkdown, doctorText } from './doctor-report.js';
import { EXIT, type ExitCode } from './exit-codes.js';
import { describeFunctionRef } from './function-ref.js';
import { verifyWithCliLimits } from './key-check.js';
import { listRotatedSecrets } from './list-rotated-secrets.js';
import { DEFAULT_PARALLEL, mapWithConcurrency } from './parallel.js';
import { readSecretState, type SecretState } from './secret-state.js';

/**
 * `ringg-rotate doctor`: gathers, read-only, what the rotation function would look at before it
 * regenerates (DescribeSecret (its failure tag), ListSecretVersionIds, GetSecretValue, Ringg's
 * `GET /workspace`, ListSecrets for the workspace's other holders), then lets doctor-findings.ts judge.
 * It sends no PATCH and calls no Secrets Manager or SSM write.
 */
export async function doctor(ctx: CliContext, cmd: DoctorCommand): Promise<ExitCode> {
  let secretIds: readonly string[];
  let listing: { functionName: string; listed: number } | undefined;
  if (cmd.targets.kind === 'all') {
    const ref = cmd.functionRef;
    if (!ref) throw new Error('--all needs a function'); // the parser guarantees one
    try {
      const found = await listRotatedSecrets(ctx, ref);
      secretIds = found.secretIds;
      listing = { functionName: describeFunctionRef(ref), listed: found.listed };
    } catch (error) {
      if (errorName(error) !== 'AccessDeniedException') throw error;
      return listingRefused(ctx, cmd, error);
    }
  } else {
    secretIds = cmd.targets.secretIds;
  }
  if (!cmd.json)
    ctx.io.stderr.write(`Checking ${secretIds.length} secret${secretIds.length === 1 ? '' : 's'}...\n`);

  const facts = await mapWithConcurrency(secretIds, DEFAULT_PARALLEL, (id) => gatherFacts(ctx, id));
  const diagnoses = diagnose(facts, {
    functionRef: cmd.functionRef,
    parameterPrefix: ctx.config.parameterPrefix,
    ringgBaseUrl: ctx.config.ringgBaseUrl,
  });
  const exitCode = diagnoses.length > 0 && diagnoses.every((d) => d.ready) ? EXIT.ok : EXIT.failed;
  const run = { diagnoses, listing, exitCode };
  ctx.io.stdout.write(cmd.json ? `${JSON.stringify(doctorJson(run), null, 2)}\n` : doctorText(run));
  if (cmd.markdownSummary) {
    try {
      await appendFile(cmd.markdownSummary, doctorMarkdown(run));
    } catch (error) {
      ctx.io.stderr.write(
        `Could not append the table to ${cmd.markdownSummary}: ${error instanceof Error ? error.message : String(error)}\n`,
      );
    }
  }
  return exitCode;
}

function listingRefused(ctx: CliContext, cmd: DoctorCommand, error: unknown): ExitCode {
  const problem = {
    code: 'access-denied',
    message: `These credentials may not list the secrets (ListSecrets: ${errorName(error)}: ${errorMessage(error)}).`,
    hint: 'doctor --all needs secretsmanager:ListSecrets on "*" (the stack\'s CI role has it); or name the secrets with --secret-id.',
  };
  ctx.io.stderr.write(
    `Configuration problem: ${problem.message} Nothing was changed.\nHint: ${problem.hint}\n`,
  );
  if (cmd.json) {
    ctx.io.stdout.write(
      `${JSON.stringify({ command: 'doctor', result: 'configuration-error', error: problem }, null, 2)}\n`,
    );
  }
  return EXIT.configuration;
}

/** Everything doctor-findings.ts needs about one secret; errors that are the secret's own become facts. */
export async function gatherFacts(ctx: CliContext, secretId: string): Promise<SecretFacts> {
  let state: SecretState;
  try {
    state = await readSecretState(ctx, secretId);
  } catch (error) {
    const name = errorName(error);
    if (name !== 'ResourceNotFoundException' && name !== 'AccessDeniedException') throw error;
    const problem = await configurationProblem(error, ctx, secretId);
    return {
      kind: 'unseen',
      secretId,
      reason: name === 'ResourceNotFoundException' ? 'not-found' : 'access-denied',
      message: problem ? `${problem.message} ${problem.hint}` : errorMessage(error),
    };
  }
  const current = await readValue(ctx, secretId, { VersionStage: 'AWSCURRENT' });
  let value: ValueFact;
  let currentKey: KeyFact = { kind: 'not-asked' };
  if (current.kind === 'value') {
    const parsed = parseSecretValue(current.text);
    if (parsed.ok) {
      value = {
        kind: 'read',
        format: parsed.value.format,
        worstCaseBytes: newValueFits(parsed.value).worstCaseBytes,
      };
      currentKey = keyFact(parsed.value.apiKey, await verifyWithCliLimits(ctx, parsed.value.apiKey));
    } else {
      value = { kind: 'invalid', problem: parsed.problem };
    }
  } else if (current.kind === 'empty') {
    value = { kind: 'invalid', problem: 'the AWSCURRENT version holds no value' };
  } else {
    value = { kind: 'unreadable', reason: current.reason };
  }

  let pendingKey: PendingKeyFact = { kind: 'not-asked' };
  if (currentKey.kind === 'rejected' && state.stuck) {
    const pending = await readValue(ctx, secretId, {
      VersionId: state.stuck.versionId,
      VersionStage: 'AWSPENDING',
    });
    if (pending.kind === 'empty') pendingKey = { kind: 'empty' };
    else if (pending.kind === 'unreadable') pendingKey = { kind: 'unreadable', reason: pending.reason };
    else {
      const parsed = parseSecretValue(pending.text);
      pendingKey = parsed.ok
        ? (keyFact(
            parsed.value.apiKey,
            await verifyWithCliLimits(ctx, parsed.value.apiKey),
          ) as PendingKeyFact)
        : { kind: 'unreadable', reason: `the AWSPENDING value is not a Ringg key: ${parsed.problem}` };
    }
  }

  const described = {
    kind: 'described' as const,
    secretId,
    arn: state.arn,
    name: state.name,
    setup: state,
    workspaceTag: state.workspaceTag,
    journal: openRotationJournal(state),
    value,
    currentKey,
    pendingKey,
    holders: { kind: 'no-workspace' } as HoldersFact,
  };
  const workspaceId = workspaceOf(described);
  if (workspaceId) described.holders = await holdersFact(ctx, workspaceId, state.arn);
  return described;
}

/** The other secrets tagged with the workspace, by the same search the bulk rotation's preflight uses. */
async function holdersFact(ctx: CliContext, workspaceId: string, selfArn: string): Promise<HoldersFact> {
  try {
    workspaceHolderFilters(workspaceId);
  } catch (error) {
    return { kind: 'not-listed', reason: (error as Error).message.replace(/\.$/, '') };
  }
  try {
    const search = await findWorkspaceHolders(ctx.sm, { workspaceId, secretArn: selfArn });
    if (!search.complete && search.others.length === 0) {
      return {
        kind: 'not-listed',
        reason: `The search for other secrets tagged with workspace ${workspaceId} stopped after ${search.pagesRead} ListSecrets pages, so copies may exist`,
      };
    }
    return { kind: 'listed', holders: search.others.map(({ arn, name }) => ({ arn, name })) };
  } catch (error) {
    if (errorName(error) === 'AccessDeniedException') {
      return {
        kind: 'not-listed',
        reason:
          'These credentials may not call ListSecrets, so other secrets tagged with the same workspace in this account were not looked for',
      };
    }
    throw error;
  }
}

type ValueRead =
  | { readonly kind: 'value'; readonly text: string | undefined }
  | { readonly kind: 'empty' }
  | { readonly kind: 'unreadable'; readonly reason: string };

/** One GetSecretValue; its text goes only to the parser, and is registered for redaction first. */
async function readValue(
  ctx: CliContext,
  secretId: string,
  which: { VersionStage: string; VersionId?: string },
): Promise<ValueRead> {
  try {
    const out = await ctx.sm.send(new GetSecretValueCommand({ SecretId: secretId, ...which }));
    const text = out.SecretString;
    if (text !== undefined) {
      ctx.io.redact?.(text);
      ctx.io.redact?.(text.trim());
    }
    return { kind: 'value', text };
  } catch (error) {
    const name = errorName(error);
    if (name === 'ResourceNotFoundException') return { kind: 'empty' };
    if (name === 'AccessDeniedException') {
      return {
        kind: 'unreadable',
        reason: `GetSecretValue (${which.VersionStage}): AccessDeniedException: these credentials may not read the value (the stack's CI role may not, by design). Run doctor with credentials that may, to check the key, its workspace, the format and the size.`,
      };
    }
    if (name === 'DecryptionFailure') {
      return {
        kind: 'unreadable',
        reason: `GetSecretValue (${which.VersionStage}): DecryptionFailure: the secret's KMS key refused these credentials. If the key is disabled or its policy refuses the function too, every rotation fails the same way.`,
      };
    }
    throw error;
  }
}

function keyFact(key: string, verification: Verification): Exclude<KeyFact, { kind: 'not-asked' }> {
  const print = fingerprint(key);
  switch (verification.kind) {
    case 'valid':
      return { kind: 'valid', fingerprint: print, workspaceId: verification.workspaceId };
    case 'rejected':
      return { kind: 'rejected', fingerprint: print };
    case 'forbidden':
      return { kind: 'forbidden', fingerprint: print };
    case 'unavailable':
      return { kind: 'unavailable', fingerprint: print, detail: verification.detail };
  }
}

/** The function's failure tag for the open rotation, only when it is about that version. */
function openRotationJournal(state: SecretState): OpenRotationJournal | undefined {
  const failure = state.lastFailure;
  if (!failure || !state.stuck || failure.token !== state.stuck.versionId) return undefined;
  return {
    step: failure.step,
    state: 'failed',
    updatedAt: failure.at,
    lastError: { code: failure.code, step: failure.step, retryable: failure.retryable },
  };
}

const errorName = (error: unknown) => (error instanceof Error ? error.name : 'Error');
const errorMessage = (error: unknown) => (error instanceof Error ? error.message : String(error));
