import { parameterNames, parameterNamesProblem } from '../common/parameter-names.js';
import { checkSecretAllowed } from './allowed-secrets.js';
import { Deadline } from './deadline.js';
import { InvalidConfigurationError, RotationError } from './errors.js';
import { parseEvent, type RotationEvent, type Step } from './event.js';
import { errorName } from './journal.js';
import { JournalSession } from './journal-session.js';
import type { Logger } from './logger.js';
import type { RotationDeps, StepContext, StepTrace } from './step-context.js';
import { createSecret } from './steps/create-secret.js';
import { finishSecret } from './steps/finish-secret.js';
import { setSecret } from './steps/set-secret.js';
import { testSecret } from './steps/test-secret.js';
import { checkRotationVersion, type GuardResult } from './version-guard.js';

export interface LambdaContextLike {
  getRemainingTimeInMillis?(): number;
}

const STEP_HANDLERS: Record<Step, (ctx: StepContext) => Promise<void>> = {
  createSecret,
  setSecret,
  testSecret,
  finishSecret,
};

/** Without a Lambda context (local runs), a step gets the time a 60 s function would give it. */
const DEFAULT_BUDGET_MS = 60_000;
/** Kept free even from the failure report: the log line must still be written before Lambda stops. */
const FINAL_LOG_MS = 250;

export function createRotationHandler(deps: RotationDeps) {
  // Each invocation masks its own set of values in every log line, and nothing else's.
  return (rawEvent: unknown, context?: LambdaContextLike): Promise<void> =>
    deps.log.invocation(() => step(rawEvent, context));

  async function step(rawEvent: unknown, context?: LambdaContextLike): Promise<void> {
    const startedAt = deps.now();
    const remaining = context?.getRemainingTimeInMillis?.() ?? DEFAULT_BUDGET_MS;
    const deadline = new Deadline(remaining - deps.config.safetyMarginMs, deps.now);
    const reportDeadline = new Deadline(remaining - FINAL_LOG_MS, deps.now);
    const trace: StepTrace = { attempts: 0, ringgStatuses: [] };
    const timeout = () => Math.min(deps.config.awsCallTimeoutMs, deadline.remainingMs());
    let log: Logger = deps.log;
    let journal: JournalSession | undefined;
    let version: GuardResult | undefined;
    const summary = () => ({
      durationMs: deps.now() - startedAt,
      attempts: trace.attempts,
      ringgStatuses: trace.ringgStatuses,
      ...(trace.promotion ? { promotion: trace.promotion } : {}),
      ...(trace.promotionDeferredBecause ? { promotionDeferredBecause: trace.promotionDeferredBecause } : {}),
      ...(trace.mirror ? { mirror: trace.mirror } : {}),
    });

    try {
      const event: RotationEvent = parseEvent(rawEvent);
      deps.log.redact(event.rotationToken);
      log = deps.log.child({ step: event.step, secretId: event.secretId, token: event.token });
      const secret = await deps.secrets.describe(event.secretId, timeout());
      checkSecretAllowed(deps.allowedSecrets(), event.secretId, secret);
      log = log.child({ secret: secret.name });

      version = checkRotationVersion(secret, event.token);
      // testSecret is never skipped: a version promoted early is still proven with Ringg, even if the
      // service had already completed the rotation (removed AWSPENDING) when testSecret arrives.
      if (version === 'already-current' && event.step !== 'testSecret') {
        log.info('step skipped: this version is already AWSCURRENT', {
          outcome: 'already-current',
          ...summary(),
        });
        return;
      }
      const namesProblem = parameterNamesProblem(deps.config.parameterPrefix, secret.name);
      if (namesProblem) {
        throw new InvalidConfigurationError(
          `Secret "${secret.name}" cannot be rotated: ${namesProblem} (ROTATION_PARAMETER_PREFIX). Nothing was changed.`,
        );
      }
      const names = parameterNames(deps.config.parameterPrefix, secret.name);
      const previous = await deps.journal.read(names.journal, timeout());
      journal = new JournalSession(
        deps.journal,
        names.journal,
        secret.arn,
        event.token,
        event.step,
        previous,
        timeout,
        deps.now,
      );
      await STEP_HANDLERS[event.step]({
        event,
        secret,
        version,
        names,
        deps,
        log,
        deadline,
        reportDeadline,
        journal,
        trace,
      });
      log.info('step succeeded', { outcome: trace.outcome ?? 'done', ...summary() });
    } catch (error) {
      const code = error instanceof RotationError ? error.code : errorName(error);
      const message = deps.log.scrub(error instanceof Error ? error.message : String(error));
      const retryable = error instanceof RotationError ? error.retryable : true;
      log.error('step failed', {
        outcome: 'failed',
        errorCode: code,
        error: message,
        retryable,
        ...summary(),
      });
      const reportMs = Math.min(deps.config.awsCallTimeoutMs, reportDeadline.remainingMs());
      // A step of a rotation that already completed must not write over the journal of the next one.
      if (journal && version !== 'already-current') {
        await journal.record('failed', { error: { code, message, retryable } }, reportMs);
      }
      // The Lambda runtime logs what leaves the handler, outside the logger: only a masked copy does.
      throw deps.log.scrubbedError(error);
    }
  }
}
