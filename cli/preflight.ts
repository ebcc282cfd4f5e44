import { setupBlockers } from './doctor-findings.js';
import type { FunctionRef } from './function-ref.js';
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
 * on, or run a function other than the one asked for). Pure: the state is read beforehand. The
 * blockers are doctor's (cli/doctor-findings.ts), so doctor and the bulk rotation never disagree.
 */
export function preflight(state: SecretState, functionRef: FunctionRef | undefined): Preflight {
  const blocker = setupBlockers(state, functionRef)[0];
  const fn = state.rotationFunction;
  if (blocker === undefined && fn !== undefined) return { kind: 'ready', rotationFunction: fn };
  switch (blocker?.kind) {
    case undefined:
    case 'no-rotation-function':
      return refuse(
        'rotation-not-configured',
        `Secret ${state.name} has no rotation function, so Secrets Manager cannot rotate it.`,
      );
    case 'other-rotation-function':
      return refuse(
        'other-rotation-function',
        `Secret ${state.name} is rotated by ${blocker.rotationFunction}, not by ${blocker.expected}.`,
      );
    case 'rotation-off':
      return refuse(
        'rotation-disabled',
        `Rotation is turned off on secret ${state.name}; starting one would turn it back on, which is left to the stack.`,
      );
    case 'rotation-open': {
      const since = blocker.since?.toISOString();
      const lastError = state.journal?.lastError;
      return {
        kind: 'refuse',
        error: {
          code: 'previous-rotation-incomplete',
          message: `A previous rotation of ${state.name} is not complete (AWSPENDING is on version ${blocker.versionId}${since ? ` since ${since}` : ''}); Secrets Manager reattempts it and starts no new one until it finishes.`,
        },
        pendingVersion: blocker.versionId,
        pendingSince: since,
        lastError: lastError
          ? { code: lastError.code, message: lastError.message, step: lastError.step, at: lastError.at }
          : undefined,
      };
    }
  }
}

function refuse(code: string, message: string): Preflight {
  return { kind: 'refuse', error: { code, message } };
}
