import { InvokeCommand, type InvokeCommandOutput } from '@aws-sdk/client-lambda';
import type { Step } from '../common/steps.js';
import type { CliContext } from './context.js';

/** The event Secrets Manager sends the rotation function for one step. */
export interface RotationStepEvent {
  readonly Step: Step;
  readonly SecretId: string;
  readonly ClientRequestToken: string;
}

export type StepInvocation =
  | { readonly kind: 'succeeded' }
  /** The function ran and threw: Lambda's errorType and errorMessage. */
  | { readonly kind: 'function-error'; readonly errorType: string; readonly errorMessage: string }
  /** Lambda did not run the function: the Invoke call itself failed (permission, throttle, no such function). */
  | { readonly kind: 'invoke-error'; readonly code: string; readonly message: string };

/** Invokes the rotation function synchronously with one step's event, as Secrets Manager does. */
export async function invokeRotationStep(
  ctx: CliContext,
  functionName: string,
  event: RotationStepEvent,
): Promise<StepInvocation> {
  const lambda = await ctx.lambda();
  let answer: InvokeCommandOutput;
  try {
    answer = await lambda.send(
      new InvokeCommand({
        FunctionName: functionName,
        InvocationType: 'RequestResponse',
        Payload: new TextEncoder().encode(JSON.stringify(event)),
      }),
    );
  } catch (error) {
    return {
      kind: 'invoke-error',
      code: error instanceof Error ? error.name : 'Error',
      message: error instanceof Error ? error.message : String(error),
    };
  }
  if (!answer.FunctionError) return { kind: 'succeeded' };
  const payload = parsePayload(answer.Payload);
  return {
    kind: 'function-error',
    errorType: typeof payload.errorType === 'string' ? payload.errorType : answer.FunctionError,
    errorMessage:
      typeof payload.errorMessage === 'string'
        ? payload.errorMessage
        : 'the function failed without a message',
  };
}

function parsePayload(payload: Uint8Array | undefined): Record<string, unknown> {
  try {
    const value = JSON.parse(new TextDecoder().decode(payload ?? new Uint8Array()));
    return typeof value === 'object' && value !== null ? value : {};
  } catch {
    return {};
  }
}
