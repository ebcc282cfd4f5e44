import { RotationError } from './errors.js';

/**
 * Per HTTP attempt of an SDK call; the SDK makes up to SDK_MAX_ATTEMPTS of them. Twice the standard
 * retry mode's default (3), so that a burst of throttling in a rotation storm (Parameter Store's 40 TPS,
 * Secrets Manager's 50 TPS for writes) is absorbed inside the step instead of failing it; the whole call,
 * retries included, stays bounded by `callWithin`.
 * https://docs.aws.amazon.com/sdkref/latest/guide/feature-retry-behavior.html
 */
export const SDK_MAX_ATTEMPTS = 6;
export const SDK_CONNECTION_TIMEOUT_MS = 1_000;
export const SDK_REQUEST_TIMEOUT_MS = 3_000;

export class AwsCallTimeoutError extends RotationError {
  readonly code = 'aws-call-timeout';
  override readonly retryable = true;
  constructor(
    readonly call: string,
    readonly timeoutMs: number,
  ) {
    super(
      `${timeoutMs > 0 ? `${call} did not answer within ${timeoutMs} ms` : `No time was left in the step for ${call}`} ` +
        "(the step's deadline, the SDK's retries included). " +
        'Secrets Manager retries the rotation; if it keeps happening, check that the function reaches the ' +
        'Secrets Manager and SSM endpoints (VPC: NAT or interface endpoints).',
    );
  }
}

/**
 * Runs one AWS call, its SDK retries included, within `timeoutMs`: the SDK gets an abort signal, and the
 * call is abandoned at the deadline even if the SDK or a stand-in ignores it.
 */
export async function callWithin<T>(
  call: string,
  timeoutMs: number,
  send: (abortSignal: AbortSignal) => Promise<T>,
): Promise<T> {
  const budget = Math.floor(timeoutMs);
  if (budget <= 0) throw new AwsCallTimeoutError(call, 0);
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      controller.abort();
      reject(new AwsCallTimeoutError(call, budget));
    }, budget);
    timer.unref?.();
  });
  try {
    return await Promise.race([send(controller.signal), expired]);
  } finally {
    clearTimeout(timer);
  }
}
