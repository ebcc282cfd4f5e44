import type { Verification } from '../common/key-check.js';
import { newValueFits, SECRET_STRING_MAX_BYTES } from '../common/secret-value.js';
import { usableWorkspaceId } from '../common/workspace-tag.js';
import {
  CurrentKeyRejectedError,
  IntentNotRecordedError,
  NewKeyLostError,
  RegenerateInProgressError,
  RescueUnreadableError,
  type RotationError,
  SecretTooLargeError,
  TooManyRegenerateAttemptsError,
  WorkspaceUnknownError,
  WrongWorkspaceError,
} from './errors.js';
import { MAX_REGENERATE_INTENTS } from './intent-store.js';
import { errorName } from './journal.js';
import {
  decideNextAction,
  type Facts,
  type FailureCode,
  type IntentFact,
  identityFact,
  intentFact,
  type Mode,
} from './recovery-state-machine.js';
import { regenerateAsOwner } from './regenerate.js';
import type { RescueRead } from './rescue-store.js';
import { readCurrentValue, readPendingRaw } from './secret-reads.js';
import { awsTimeoutMs, type StepContext } from './step-context.js';
import { completeRescue } from './store-new-key.js';
import { inconclusiveCheckError, verifyKey } from './verify-key.js';

/** How often a delivery that waits for another delivery's regenerate looks for its outcome. */
export const WAIT_POLL_MS = 500;
const MIN_WAIT_LEFT_MS = 1_000;
/** Every round gathers facts or acts; no sequence of answers needs more rounds than this. */
const MAX_ROUNDS = 200;

/**
 * Runs the recovery state machine for createSecret (`check`) or setSecret (`regenerate`): observe,
 * ask `decideNextAction`, act, repeat. All decisions are in recovery-state-machine.ts.
 */
export async function advanceRotation(ctx: StepContext, mode: Mode): Promise<void> {
  const observed = await observe(ctx);
  if (observed.pending === 'filled') {
    ctx.trace.outcome = 'new-key-already-stored';
    return;
  }
  const current = await readCurrentValue(ctx);
  const room = newValueFits(current);
  let workspaceTag = ctx.secret.workspaceTag;
  let verification: Verification | undefined;
  let facts: Facts = {
    mode,
    ...observed.facts,
    currentKey: 'unchecked',
    identity: 'unknown',
    roomForNewKey: room.fits,
    canWait: canWait(ctx, observed.facts.intent),
  };
  let rescue = observed.rescue;
  /**
   * Looks at the pending version, the rescue and the intent again. Another delivery may have
   * regenerated since the current key was checked, so it is checked again before anything else.
   */
  const observeAgain = async () => {
    const again = await observe(ctx);
    rescue = again.rescue;
    facts = { ...facts, ...again.facts, currentKey: 'unchecked', canWait: canWait(ctx, again.facts.intent) };
    return again.pending;
  };

  for (let round = 0; round < MAX_ROUNDS; round++) {
    const action = decideNextAction(facts);
    switch (action.kind) {
      case 'done':
        if (action.outcome === 'current-key-verified') {
          await ctx.journal.record('current-key-verified', { workspaceId: workspaceTag });
        }
        ctx.trace.outcome = action.outcome;
        return;
      case 'fail':
        throw failure(ctx, action.code, {
          facts,
          verification,
          rescue,
          workspaceTag,
          worstCaseBytes: room.worstCaseBytes,
        });
      case 'complete-rescue':
        if (rescue.kind !== 'found') throw new Error('unreachable: complete-rescue without a rescue');
        await completeRescue(ctx, current, rescue.record.apiKey);
        ctx.trace.outcome = 'rescued-key-stored';
        return;
      case 'wait-for-other-delivery': {
        await ctx.deps.sleep(WAIT_POLL_MS);
        if ((await observeAgain()) === 'filled') {
          ctx.trace.outcome = 'new-key-stored-by-another-delivery';
          return;
        }
        continue;
      }
      case 'check-current-key': {
        verification = await verifyKey(ctx, current.apiKey, { fresh: false, maxAttempts: 3 });
        facts = {
          ...facts,
          currentKey:
            verification.kind === 'valid'
              ? 'works'
              : verification.kind === 'rejected'
                ? 'rejected'
                : verification.kind,
          identity: identityFact(
            workspaceTag,
            verification.kind === 'valid' ? usableWorkspaceId(verification.workspaceId) : undefined,
          ),
        };
        continue;
      }
      case 'record-workspace-tag': {
        const workspaceId = verification?.kind === 'valid' ? verification.workspaceId : undefined;
        if (workspaceId === undefined) throw new Error('unreachable: tag without a workspace');
        await ctx.deps.secrets.tagWorkspace(ctx.event.secretId, workspaceId, awsTimeoutMs(ctx));
        ctx.log.info("recorded the secret's workspace in its tag", { workspaceId });
        workspaceTag = workspaceId;
        facts = { ...facts, identity: 'confirmed' };
        continue;
      }
      case 'regenerate': {
        const result = await regenerateAsOwner(ctx, current, action.generation, workspaceTag ?? '');
        if (result === 'taken') {
          await observeAgain();
          continue;
        }
        return;
      }
    }
  }
  throw new Error('the recovery state machine did not settle');
}

interface Observation {
  readonly pending: 'filled' | 'empty';
  readonly rescue: RescueRead;
  readonly facts: Pick<Facts, 'pending' | 'rescue' | 'intent'>;
}

/** The facts that live in AWS: the pending version, the rescue parameter, the latest regenerate intent. */
async function observe(ctx: StepContext): Promise<Observation> {
  const pending = (await readPendingRaw(ctx)) === undefined ? 'empty' : 'filled';
  if (pending === 'filled') {
    return {
      pending,
      rescue: { kind: 'none' },
      facts: { pending, rescue: 'none', intent: { kind: 'none' } },
    };
  }
  const { names, event } = ctx;
  let rescue: RescueRead;
  try {
    rescue = await ctx.deps.rescue.read(names.rescue(event.token), event.token, awsTimeoutMs(ctx));
  } catch (error) {
    throw new IntentNotRecordedError(
      ctx.secret.name,
      'read the rescue parameter',
      names.rescue(event.token),
      errorName(error),
    );
  }
  let intent: IntentFact;
  try {
    const latest = await ctx.deps.intents.latest(names, event.token, () => awsTimeoutMs(ctx));
    intent = intentFact(latest, ctx.deps.now());
  } catch (error) {
    throw new IntentNotRecordedError(
      ctx.secret.name,
      'read the regenerate intent',
      names.intent(event.token, 1),
      errorName(error),
    );
  }
  return { pending, rescue, facts: { pending, rescue: rescue.kind, intent } };
}

function canWait(ctx: StepContext, intent: IntentFact): boolean {
  if (intent.kind !== 'live') return false;
  return ctx.deadline.allows(WAIT_POLL_MS + MIN_WAIT_LEFT_MS);
}

function failure(
  ctx: StepContext,
  code: FailureCode,
  d: {
    facts: Facts;
    verification: Verification | undefined;
    rescue: RescueRead;
    workspaceTag: string | undefined;
    worstCaseBytes: number;
  },
): RotationError {
  const name = ctx.secret.name;
  const token = ctx.event.token;
  switch (code) {
    case 'rescue-unreadable':
      return new RescueUnreadableError(
        name,
        ctx.names.rescue(token),
        d.rescue.kind === 'unreadable' ? d.rescue.problem : 'unknown',
      );
    case 'regenerate-in-progress':
      return new RegenerateInProgressError(
        name,
        token,
        d.facts.intent.kind === 'live' ? new Date(d.facts.intent.until).toISOString() : 'unknown',
      );
    case 'current-key-rejected':
      return new CurrentKeyRejectedError(name);
    case 'new-key-lost':
      return new NewKeyLostError(
        name,
        'an earlier attempt of this rotation recorded its intent to regenerate and ended without storing or ' +
          'rescuing the new key, and Ringg now rejects the old key',
      );
    case 'permission-denied':
    case 'ringg-unavailable': {
      const v = d.verification;
      if (v?.kind === 'forbidden' || v?.kind === 'unavailable') return inconclusiveCheckError(name, v);
      return inconclusiveCheckError(name, { kind: 'unavailable', detail: 'no answer' });
    }
    case 'wrong-workspace': {
      const actual = d.verification?.kind === 'valid' ? (d.verification.workspaceId ?? 'unknown') : 'unknown';
      return new WrongWorkspaceError(name, undefined, d.workspaceTag ?? 'unknown', actual);
    }
    case 'workspace-unknown':
      return new WorkspaceUnknownError(
        name,
        "Ringg's answer for the AWSCURRENT key carries no usable workspace id",
      );
    case 'secret-too-large':
      return new SecretTooLargeError(name, d.worstCaseBytes, SECRET_STRING_MAX_BYTES);
    case 'too-many-regenerate-attempts':
      return new TooManyRegenerateAttemptsError(name, token, MAX_REGENERATE_INTENTS);
  }
}
