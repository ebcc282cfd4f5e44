import { adviceFor } from './failure-advice.js';
import { describeFunctionRef, type FunctionRef, rotatedBy } from './function-ref.js';
import type { RotationError } from './rotate-secret.js';
import type { SecretState } from './secret-state.js';

export type Preflight =
  | { readonly kind: 'ready'; readonly rotationFunction: string }
  | {
      readonly kind: 'refuse';
      readonly error: RotationError;
      readonly pendingVersion?: string;
      readonly pendingSince?: string;
      readonly lastError?: RotationError;
    };

/**
 * Whether a bulk rotation may start a rotation of this secret. It refuses what a RotateSecret
 * would refuse (an unfinished rotation) or would do behind the operator's back (turn rotation back
 * on, or run a function other than the one asked for). Pure: the state is read beforehand.
 */
export function preflight(state: SecretState, functionRef: FunctionRef | undefined): Preflight {
  const fn = state.rotationFunction;
  if (fn === undefined) {
    return refuse(
      'rotation-not-configured',
      `Secret ${state.name} has no rotation function, so Secrets Manager cannot rotate it.`,
    );
  }
  if (functionRef && !rotatedBy(functionRef, fn)) {
    return refuse(
      'other-rotation-function',
      `Secret ${state.name} is rotated by ${fn}, not by ${describeFunctionRef(functionRef)}.`,
    );
  }
  if (!state.rotationEnabled) {
    return refuse(
      'rotation-disabled',
      `Rotation is turned off on secret ${state.name}; starting one would turn it back on, which is left to the stack.`,
    );
  }
  if (state.stuck) {
    const since = state.stuck.since?.toISOString();
    const lastError = state.lastFailure;
    return {
      kind: 'refuse',
      error: {
        code: 'previous-rotation-incomplete',
        message: `A previous rotation of ${state.name} is not complete (AWSPENDING is on version ${state.stuck.versionId}${since ? ` since ${since}` : ''}); Secrets Manager reattempts it and starts no new one until it finishes.`,
      },
      pendingVersion: state.stuck.versionId,
      pendingSince: since,
      lastError: lastError
        ? { code: lastError.code, message: adviceFor(lastError.code), step: lastError.step, at: lastError.at }
        : undefined,
    };
  }
  return { kind: 'ready', rotationFunction: fn };
}

function refuse(code: string, message: string): Preflight {
  return { kind: 'refuse', error: { code, message } };
}
