import { describeFunctionRef, type FunctionRef, rotatedBy } from './function-ref.js';
import type { SecretState } from './secret-state.js';

export type ResumePlan =
  | {
      readonly kind: 'resume';
      /** The function Secrets Manager invokes for this secret (its RotationLambdaARN). */
      readonly functionArn: string;
      /** The open rotation's token: the version AWSPENDING is on. */
      readonly token: string;
    }
  | { readonly kind: 'refuse'; readonly code: string; readonly message: string };

/**
 * Whether `resume` may run the steps of this secret's rotation, and with which function and token.
 * Only an open rotation (AWSPENDING on a version that is not AWSCURRENT) is resumed, and only with
 * the secret's own rotation function. Pure: the state is read beforehand.
 */
export function resumePlan(state: SecretState, functionRef: FunctionRef | undefined): ResumePlan {
  const fn = state.rotationFunction;
  if (fn === undefined) {
    return refuse(
      'rotation-not-configured',
      `Secret ${state.name} has no rotation function, so there is no rotation to resume.`,
    );
  }
  if (functionRef && !rotatedBy(functionRef, fn)) {
    return refuse(
      'other-rotation-function',
      `Secret ${state.name} is rotated by ${fn}, not by ${describeFunctionRef(functionRef)}.`,
    );
  }
  if (!state.stuck) {
    const where =
      state.labels.pending === undefined
        ? 'no version holds AWSPENDING'
        : `AWSPENDING is on version ${state.labels.pending}, which is already AWSCURRENT`;
    return refuse(
      'nothing-to-resume',
      `No rotation of ${state.name} is open (${where}); rotate starts a new one.`,
    );
  }
  if (!state.rotationEnabled) {
    return refuse(
      'rotation-disabled',
      `Rotation is turned off on secret ${state.name}, and the function refuses to rotate it (rotation-not-enabled); turning it on is left to the stack.`,
    );
  }
  return { kind: 'resume', functionArn: fn, token: state.stuck.versionId };
}

/**
 * The rotation function's error code from Lambda's errorType: the function names each error after its
 * code (new-key-lost is NewKeyLostError, lambda/errors.ts). Other errors keep their name.
 */
export function functionErrorCode(errorType: string, knownCodes: (code: string) => boolean): string {
  const match = /^([A-Z][A-Za-z]*)Error$/.exec(errorType);
  if (!match?.[1]) return errorType;
  const code = match[1].replace(/([a-z])([A-Z])/g, '$1-$2').toLowerCase();
  return knownCodes(code) ? code : errorType;
}

function refuse(code: string, message: string): ResumePlan {
  return { kind: 'refuse', code, message };
}
