import { checkKey, type Verification, type VerifyOptions } from '../common/key-check.js';
import { traceOf } from '../common/ringg-policy.js';
import {
  KeyMismatchError,
  NewKeyRejectedError,
  PermissionDeniedError,
  RinggUnavailableError,
  type RotationError,
  WorkspaceUnknownError,
  WrongWorkspaceError,
} from './errors.js';
import { requestTimeoutMs, type StepContext } from './step-context.js';

/** The key check within a rotation step: its deadline, its clock, its trace. */
export async function verifyKey(
  ctx: StepContext,
  apiKey: string,
  options: VerifyOptions,
): Promise<Verification> {
  const { ringg, config, sleep, random } = ctx.deps;
  const reserveMs = options.reserveMs ?? 0;
  return checkKey(
    {
      ringg,
      sleep,
      random,
      maxRetryAfterMs: config.maxRetryAfterMs,
      allows: (ms) => ctx.deadline.allows(ms, reserveMs),
      timeoutMs: () => requestTimeoutMs(ctx, reserveMs),
      onResult: (result) => {
        ctx.trace.attempts++;
        ctx.trace.ringgStatuses.push(traceOf(result));
      },
    },
    apiKey,
    options,
  );
}

/**
 * The error for a check that neither proved nor disproved the key: Ringg answered 403, or did not
 * answer usefully. `changed` says what state the rotation is in, for the operator.
 */
export function inconclusiveCheckError(
  secretName: string,
  verification: Extract<Verification, { kind: 'forbidden' | 'unavailable' }>,
  changed?: string,
): RotationError {
  if (verification.kind === 'forbidden') return new PermissionDeniedError(secretName, 'GET /workspace');
  return new RinggUnavailableError(secretName, 'GET /workspace', verification.detail, changed);
}

/** What a check of a new key proved. Pure: the same judgement for setSecret's proof and testSecret. */
export type KeyProof =
  | { readonly kind: 'proven'; readonly workspaceId: string }
  | { readonly kind: 'rejected' }
  | {
      readonly kind: 'inconclusive';
      readonly verification: Extract<Verification, { kind: 'forbidden' | 'unavailable' }>;
    }
  | { readonly kind: 'untagged' }
  | { readonly kind: 'no-workspace' }
  | { readonly kind: 'wrong-workspace'; readonly expected: string; readonly actual: string }
  | { readonly kind: 'key-mismatch' };

/**
 * Fails closed: a new key is proven only when Ringg accepts it, names its workspace, that workspace is
 * the secret's tag, and Ringg does not report a different key as the workspace's key.
 */
export function judgeNewKey(
  verification: Verification,
  expectedWorkspace: string | undefined,
  storedKey: string,
): KeyProof {
  if (verification.kind === 'rejected') return { kind: 'rejected' };
  if (verification.kind !== 'valid') return { kind: 'inconclusive', verification };
  const workspace = workspaceProof(expectedWorkspace, verification.workspaceId);
  if (workspace.kind !== 'proven') return workspace;
  if (verification.apiKey !== undefined && verification.apiKey !== storedKey) return { kind: 'key-mismatch' };
  return workspace;
}

function workspaceProof(expected: string | undefined, actual: string | undefined): KeyProof {
  if (!expected) return { kind: 'untagged' };
  if (actual === undefined) return { kind: 'no-workspace' };
  if (actual !== expected) return { kind: 'wrong-workspace', expected, actual };
  return { kind: 'proven', workspaceId: actual };
}

/** For the log and the journal: why a new key is not proven. Never a key. */
export function describeProof(proof: KeyProof): string {
  switch (proof.kind) {
    case 'proven':
      return 'proven';
    case 'rejected':
      return 'Ringg rejected the new key (HTTP 401 on every attempt)';
    case 'inconclusive':
      return proof.verification.kind === 'forbidden'
        ? 'Ringg answered 403 for the new key'
        : `Ringg did not answer usefully: ${proof.verification.detail}`;
    case 'untagged':
      return 'the secret has no workspace tag to check the new key against';
    case 'no-workspace':
      return "Ringg's answer for the new key carries no usable workspace id";
    case 'wrong-workspace':
      return `the new key belongs to workspace ${proof.actual}, not ${proof.expected}`;
    case 'key-mismatch':
      return 'Ringg reports another key as the workspace key';
  }
}

/** The error for a key that is not proven; `which` names it ("new", "rescued"), `changed` the state. */
export function proofError(
  ctx: StepContext,
  proof: Exclude<KeyProof, { kind: 'proven' }>,
  which: string,
  changed?: string,
): RotationError {
  const name = ctx.secret.name;
  const token = ctx.event.token;
  switch (proof.kind) {
    case 'rejected':
      return new NewKeyRejectedError(name, token, 'HTTP 401 on every attempt', ctx.version !== 'proceed');
    case 'inconclusive':
      return inconclusiveCheckError(name, proof.verification, changed);
    case 'untagged':
      return new WorkspaceUnknownError(
        name,
        `the secret has no ringg-rotation:workspace-id tag to check the ${which} key against`,
      );
    case 'no-workspace':
      return new WorkspaceUnknownError(
        name,
        `Ringg's answer for the ${which} key carries no usable workspace id`,
      );
    case 'wrong-workspace':
      return new WrongWorkspaceError(name, token, proof.expected, proof.actual, keptIn(ctx, which));
    case 'key-mismatch':
      return new KeyMismatchError(name, token);
  }
}

/**
 * Fails closed unless Ringg names the workspace of the key in version `ctx.event.token` and it is the
 * one in the secret's tag. `which` names the key in the error ("new", "rescued").
 */
export function requireTaggedWorkspace(
  ctx: StepContext,
  workspaceId: string | undefined,
  which: string,
): void {
  const proof = workspaceProof(ctx.secret.workspaceTag, workspaceId);
  if (proof.kind !== 'proven') throw proofError(ctx, proof, which);
}

/** Where the key being proven is, for an operator who must not regenerate it away. */
function keptIn(ctx: StepContext, which: string): string {
  if (which === 'rescued') return `the rescue parameter "${ctx.names.rescue(ctx.event.token)}"`;
  return ctx.version === 'proceed' ? 'AWSPENDING' : 'AWSCURRENT';
}
