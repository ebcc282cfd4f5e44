import type { ParameterNames } from '../common/parameter-names.js';
import type { RotationConfig } from './config.js';
import type { Deadline, Sleep } from './deadline.js';
import type { RotationEvent } from './event.js';
import type { JournalStore } from './journal.js';
import type { JournalSession } from './journal-session.js';
import type { KeyMirror } from './key-mirror.js';
import type { Logger } from './logger.js';
import type { RescueStore } from './rescue-store.js';
import type { RinggApi } from './ringg-client.js';
import type { SecretsStore } from './secrets-store.js';
import type { SecretDescription } from './version-guard.js';

/** What lives once per container and is shared by every invocation and every secret. */
export interface RotationDeps {
  readonly config: RotationConfig;
  readonly secrets: SecretsStore;
  readonly ringg: RinggApi;
  readonly journal: JournalStore;
  readonly rescue: RescueStore;
  /** Present when the key is mirrored to Parameter Store. */
  readonly mirror: KeyMirror | undefined;
  readonly log: Logger;
  readonly sleep: Sleep;
  readonly now: () => number;
  readonly random: () => number;
}

/** What one step of one rotation reports in its log line. */
export interface StepTrace {
  attempts: number;
  readonly ringgStatuses: (number | string)[];
  outcome?: string;
}

export interface StepContext {
  readonly event: RotationEvent;
  readonly secret: SecretDescription;
  readonly names: ParameterNames;
  readonly deps: RotationDeps;
  readonly log: Logger;
  readonly deadline: Deadline;
  readonly journal: JournalSession;
  readonly trace: StepTrace;
}

/** Per-request timeout: the configured connect + headers + body time, never past the step's deadline. */
export function requestTimeoutMs(ctx: StepContext): number {
  const { connectTimeoutMs, headersTimeoutMs, bodyTimeoutMs } = ctx.deps.config;
  return Math.min(connectTimeoutMs + headersTimeoutMs + bodyTimeoutMs, ctx.deadline.remainingMs());
}
