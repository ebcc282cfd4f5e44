import type { ParameterNames } from '../common/parameter-names.js';
import type { RinggApi } from '../common/ringg-client.js';
import type { AllowedSecrets } from './allowed-secrets.js';
import type { RotationConfig } from './config.js';
import type { Deadline, Sleep } from './deadline.js';
import type { RotationEvent } from './event.js';
import type { IntentStore } from './intent-store.js';
import type { JournalStore } from './journal.js';
import type { JournalSession } from './journal-session.js';
import type { KeyMirror } from './key-mirror.js';
import type { Logger } from './logger.js';
import type { RescueStore } from './rescue-store.js';
import type { SecretsStore } from './secrets-store.js';
import type { GuardResult, SecretDescription } from './version-guard.js';

/** What lives once per container and is shared by every invocation and every secret. */
export interface RotationDeps {
  readonly config: RotationConfig;
  readonly secrets: SecretsStore;
  readonly ringg: RinggApi;
  readonly journal: JournalStore;
  readonly rescue: RescueStore;
  readonly intents: IntentStore;
  /** Present when the key is mirrored to Parameter Store. */
  readonly mirror: KeyMirror | undefined;
  readonly log: Logger;
  /** The secrets this deployment names; read for each invocation, before any secret is read. */
  readonly allowedSecrets: () => AllowedSecrets;
  readonly sleep: Sleep;
  readonly now: () => number;
  readonly random: () => number;
}

/** What one step of one rotation reports in its log line. */
export interface StepTrace {
  attempts: number;
  readonly ringgStatuses: (number | string)[];
  outcome?: string;
  /** Where AWSCURRENT stands after the step, when the step dealt with it. */
  promotion?: 'promoted' | 'deferred' | 'already-promoted';
  /** Why setSecret left the version pending. Never a key. */
  promotionDeferredBecause?: string;
  /** The Parameter Store mirror write made at the promotion. */
  mirror?: 'written' | 'failed';
}

export interface StepContext {
  readonly event: RotationEvent;
  readonly secret: SecretDescription;
  /** What the guard found for the rotation's version (see version-guard.ts). */
  readonly version: GuardResult;
  readonly names: ParameterNames;
  readonly deps: RotationDeps;
  readonly log: Logger;
  /** The step's own deadline: the Lambda's remaining time minus the safety margin. */
  readonly deadline: Deadline;
  /** The Lambda's remaining time minus a hair: only the failure report runs into the safety margin. */
  readonly reportDeadline: Deadline;
  readonly journal: JournalSession;
  readonly trace: StepTrace;
}

/**
 * Per-request timeout for Ringg: the configured connect + headers + body time, never past the step's
 * deadline less `reserveMs` (what must stay free afterwards, e.g. to store a key Ringg just issued).
 */
export function requestTimeoutMs(ctx: StepContext, reserveMs = 0): number {
  const { connectTimeoutMs, headersTimeoutMs, bodyTimeoutMs } = ctx.deps.config;
  return Math.min(
    connectTimeoutMs + headersTimeoutMs + bodyTimeoutMs,
    ctx.deadline.remainingMs() - reserveMs,
  );
}

/** Time one AWS call may take, its SDK retries included: the configured cap, within the step's deadline less `reserveMs`. */
export function awsTimeoutMs(ctx: Pick<StepContext, 'deps' | 'deadline'>, reserveMs = 0): number {
  return Math.min(ctx.deps.config.awsCallTimeoutMs, ctx.deadline.remainingMs() - reserveMs);
}

/** Time for the failure report, which may use the safety margin the step kept free for it. */
export function reportTimeoutMs(ctx: Pick<StepContext, 'deps' | 'reportDeadline'>): number {
  return Math.min(ctx.deps.config.awsCallTimeoutMs, ctx.reportDeadline.remainingMs());
}
