import { backoffMs, type Sleep } from './deadline.js';
import {
  PermissionDeniedError,
  RinggUnavailableError,
  type RotationError,
  WorkspaceUnknownError,
  WrongWorkspaceError,
} from './errors.js';
import type { RinggApi, RinggFailure, WorkspaceResult } from './ringg-client.js';
import { decideAfterVerify, describeFailure, traceOf } from './ringg-policy.js';
import { requestTimeoutMs, type StepContext } from './step-context.js';

export type Verification =
  | { readonly kind: 'valid'; readonly workspaceId: string | undefined; readonly apiKey: string | undefined }
  | { readonly kind: 'rejected' }
  /** 403: the key is valid but may not do this: a permission problem, never "key rejected". */
  | { readonly kind: 'forbidden' }
  | { readonly kind: 'unavailable'; readonly detail: string };

export interface VerifyOptions {
  /** A key Ringg issued moments ago may answer 401 briefly: retry it instead of giving up. */
  readonly fresh: boolean;
  readonly maxAttempts: number;
}

/** What the check needs around it; the function passes its step's deadline, the CLI its own limits. */
export interface KeyCheckEnv {
  readonly ringg: RinggApi;
  readonly sleep: Sleep;
  readonly random: () => number;
  readonly maxRetryAfterMs: number;
  /** Whether `ms` more may be spent. */
  allows(ms: number): boolean;
  timeoutMs(): number;
  onResult?(result: WorkspaceResult): void;
}

const MIN_ATTEMPT_MS = 500;

/**
 * `GET /workspace` with `apiKey`, retried within bounds on the answers that may be passing. The one
 * key check, shared by the function and the CLI.
 */
export async function checkKey(
  env: KeyCheckEnv,
  apiKey: string,
  options: VerifyOptions,
): Promise<Verification> {
  let last: RinggFailure | undefined;
  for (let attempt = 1; attempt <= options.maxAttempts; attempt++) {
    if (attempt > 1) {
      const retryAfter = last?.kind === 'status' ? last.retryAfterMs : undefined;
      const wait = Math.min(
        retryAfter ?? backoffMs(attempt - 1, 500, 4_000, env.random),
        env.maxRetryAfterMs,
      );
      if (!env.allows(wait + MIN_ATTEMPT_MS)) break;
      await env.sleep(wait);
    }
    if (!env.allows(MIN_ATTEMPT_MS)) break;
    const result = await env.ringg.getWorkspace(apiKey, env.timeoutMs());
    env.onResult?.(result);
    const decision = decideAfterVerify(result, options.fresh);
    if (result.kind === 'ok')
      return { kind: 'valid', workspaceId: result.workspaceId, apiKey: result.apiKey };
    last = result;
    if (decision === 'rejected') return { kind: 'rejected' };
    if (decision === 'forbidden') return { kind: 'forbidden' };
    if (decision === 'give-up') break;
  }
  if (last?.kind === 'status' && last.status === 401) return { kind: 'rejected' };
  return { kind: 'unavailable', detail: last ? describeFailure(last) : 'no time left to ask' };
}

/** The key check within a rotation step: its deadline, its clock, its trace. */
export async function verifyKey(
  ctx: StepContext,
  apiKey: string,
  options: VerifyOptions,
): Promise<Verification> {
  const { ringg, config, sleep, random } = ctx.deps;
  return checkKey(
    {
      ringg,
      sleep,
      random,
      maxRetryAfterMs: config.maxRetryAfterMs,
      allows: (ms) => ctx.deadline.allows(ms),
      timeoutMs: () => requestTimeoutMs(ctx),
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

/**
 * Fails closed unless Ringg names the workspace of the key in version `ctx.event.token` and it is the
 * one in the secret's tag. `which` names the key in the error ("new", "rescued").
 */
export function requireTaggedWorkspace(
  ctx: StepContext,
  workspaceId: string | undefined,
  which: string,
): void {
  const name = ctx.secret.name;
  const expected = ctx.secret.workspaceTag;
  if (!expected) {
    throw new WorkspaceUnknownError(
      name,
      `the secret has no ringg-rotation:workspace-id tag to check the ${which} key against`,
    );
  }
  if (workspaceId === undefined) {
    throw new WorkspaceUnknownError(
      name,
      `Ringg's answer for the ${which} key carries no usable workspace id`,
    );
  }
  if (workspaceId !== expected) throw new WrongWorkspaceError(name, ctx.event.token, expected, workspaceId);
}
