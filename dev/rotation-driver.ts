import type { SecretsManagerModel } from './secrets-manager-model.js';

export const ROTATION_STEPS = ['createSecret', 'setSecret', 'testSecret', 'finishSecret'] as const;

export interface RotationEventOut {
  Step: (typeof ROTATION_STEPS)[number];
  SecretId: string;
  ClientRequestToken: string;
  RotationToken?: string;
}

export type InvokeStep = (event: RotationEventOut) => Promise<unknown>;

export interface StepReport {
  readonly attempt: number;
  readonly step: RotationEventOut['Step'];
  readonly ok: boolean;
  readonly durationMs: number;
  readonly error?: { readonly name: string; readonly message: string };
}

export interface RotationReport {
  readonly token: string;
  readonly succeeded: boolean;
  readonly steps: StepReport[];
}

export interface RotateOptions {
  /** Whole-rotation attempts, each from createSecret with the same token. */
  readonly maxAttempts?: number;
  readonly token?: string;
  readonly rotationToken?: string;
  readonly onStep?: (report: StepReport) => void;
  /** Pause between whole-rotation attempts. */
  readonly retryDelayMs?: number;
  /**
   * Pause before each step but the first, as Secrets Manager leaves between its invocations of the
   * function (AWS documents no figure). 0 runs the steps back to back.
   */
  readonly stepGapMs?: number;
}

/**
 * The service's side of a rotation: the AWSPENDING stub, the four steps in order, whole-rotation
 * retries with the same token, and the clean-up when every step succeeded.
 */
export async function runRotation(
  model: SecretsManagerModel,
  secretId: string,
  invoke: InvokeStep,
  options: RotateOptions = {},
): Promise<RotationReport> {
  const token = model.beginRotation({ SecretId: secretId, ClientRequestToken: options.token });
  return continueRotation(model, secretId, token, invoke, options);
}

/** Retries an open rotation with its token, as the service does in a later rotation window. */
export async function continueRotation(
  model: SecretsManagerModel,
  secretId: string,
  token: string,
  invoke: InvokeStep,
  options: RotateOptions = {},
): Promise<RotationReport> {
  const steps: StepReport[] = [];
  const maxAttempts = options.maxAttempts ?? 3;
  for (let attempt = 1; attempt <= maxAttempts; attempt++) {
    if (attempt > 1 && options.retryDelayMs) await new Promise((r) => setTimeout(r, options.retryDelayMs));
    let failed = false;
    for (const step of ROTATION_STEPS) {
      if (step !== 'createSecret' && options.stepGapMs)
        await new Promise((r) => setTimeout(r, options.stepGapMs));
      const report = await invokeStep(
        invoke,
        {
          Step: step,
          SecretId: secretId,
          ClientRequestToken: token,
          ...(options.rotationToken ? { RotationToken: options.rotationToken } : {}),
        },
        attempt,
      );
      steps.push(report);
      options.onStep?.(report);
      if (!report.ok) {
        model.recordRotationFailed(secretId, token);
        failed = true;
        break;
      }
    }
    if (!failed && model.completeRotation(secretId, token)) return { token, succeeded: true, steps };
  }
  return { token, succeeded: false, steps };
}

/** RotateImmediately=false: only testSecret, on a temporary AWSPENDING version that is then removed. */
export async function runConfigurationTest(
  model: SecretsManagerModel,
  secretId: string,
  invoke: InvokeStep,
  copyCurrent = false,
): Promise<StepReport> {
  const token = model.beginConfigurationTest(secretId, copyCurrent);
  try {
    const report = await invokeStep(
      invoke,
      { Step: 'testSecret', SecretId: secretId, ClientRequestToken: token },
      1,
    );
    if (!report.ok) model.recordRotationFailed(secretId, token);
    return report;
  } finally {
    model.endConfigurationTest(secretId, token);
  }
}

async function invokeStep(invoke: InvokeStep, event: RotationEventOut, attempt: number): Promise<StepReport> {
  const started = performance.now();
  try {
    await invoke(event);
    return { attempt, step: event.Step, ok: true, durationMs: performance.now() - started };
  } catch (error) {
    const e = error instanceof Error ? error : new Error(String(error));
    return {
      attempt,
      step: event.Step,
      ok: false,
      durationMs: performance.now() - started,
      error: { name: e.name, message: e.message },
    };
  }
}
