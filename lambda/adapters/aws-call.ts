import { backoffMs, type Sleep } from '../../common/backoff.js';
import { rotationError } from '../errors.js';
import { THROTTLE_BACKOFF_BASE_MS, THROTTLE_BACKOFF_CAP_MS } from '../time-budget.js';

/**
 * Per HTTP attempt of an SDK call; the SDK makes up to SDK_MAX_ATTEMPTS of them (its standard mode),
 * and `callWithin` retries a call the service still throttled, or answered with a 5xx, for as long as
 * the call's time allows, with shorter backoffs than the SDK's (every call the rotation makes is
 * idempotent, or create-once with its owner recorded).
 * https://docs.aws.amazon.com/sdkref/latest/guide/feature-retry-behavior.html
 */
export const SDK_MAX_ATTEMPTS = 3;
export const SDK_CONNECTION_TIMEOUT_MS = 1_000;
export const SDK_REQUEST_TIMEOUT_MS = 3_000;

/**
 * The error names AWS services answer a throttled call with (Secrets Manager and SSM:
 * ThrottlingException; SSM PutParameter: TooManyUpdates; the SDK's own: ThrottledException).
 * https://docs.aws.amazon.com/systems-manager/latest/userguide/parameter-store-throughput.html
 */
const THROTTLE_NAMES = new Set([
  'ThrottlingException',
  'TooManyUpdates',
  'ThrottledException',
  'TooManyRequestsException',
  'RequestLimitExceeded',
]);

export function isThrottle(error: unknown): boolean {
  return error instanceof Error && THROTTLE_NAMES.has(error.name);
}

/** Throttled, or a 5xx: worth another try while there is time. */
export function isTransient(error: unknown): boolean {
  const status = (error as { $metadata?: { httpStatusCode?: number } } | undefined)?.$metadata
    ?.httpStatusCode;
  return isThrottle(error) || (typeof status === 'number' && status >= 500);
}

const timedOut = (call: string, timeoutMs: number) => rotationError('aws-call-timeout', { call, timeoutMs });

export interface CallEnv {
  readonly sleep: Sleep;
  readonly random: () => number;
  readonly now: () => number;
}

export const REAL_CALL_ENV: CallEnv = {
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  random: Math.random,
  now: Date.now,
};

/**
 * Runs one AWS call within `timeoutMs`, its retries included: the SDK gets an abort signal, the call is
 * abandoned at the deadline even if the SDK or a stand-in ignores it, and a throttled call is tried
 * again after a jittered backoff while the time allows (a rotation storm rides out Parameter Store's
 * shared 40 TPS instead of failing its step).
 */
export async function callWithin<T>(
  call: string,
  timeoutMs: number,
  send: (abortSignal: AbortSignal) => Promise<T>,
  env: CallEnv = REAL_CALL_ENV,
): Promise<T> {
  const budget = Math.floor(timeoutMs);
  if (budget <= 0) throw timedOut(call, 0);
  const endsAt = env.now() + budget;
  for (let attempt = 1; ; attempt++) {
    try {
      return await once(call, endsAt - env.now(), send);
    } catch (error) {
      const wait = backoffMs(attempt, THROTTLE_BACKOFF_BASE_MS, THROTTLE_BACKOFF_CAP_MS, env.random);
      if (!isTransient(error) || env.now() + wait + THROTTLE_BACKOFF_BASE_MS >= endsAt) throw error;
      await env.sleep(wait);
    }
  }
}

async function once<T>(call: string, ms: number, send: (abortSignal: AbortSignal) => Promise<T>): Promise<T> {
  if (ms <= 0) throw timedOut(call, 0);
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      controller.abort();
      reject(timedOut(call, Math.floor(ms)));
    }, ms);
    timer.unref?.();
  });
  try {
    return await Promise.race([send(controller.signal), expired]);
  } finally {
    clearTimeout(timer);
  }
}
