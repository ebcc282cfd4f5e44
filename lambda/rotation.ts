import { randomUUID } from 'node:crypto';
import { backoffMs, type Sleep } from '../common/backoff.js';
import { checkKey, type Verification } from '../common/key-check.js';
import { versionHolding } from '../common/labels.js';
import { MIRROR_FAILED_MESSAGE } from '../common/log-messages.js';
import { type ParameterNames, parameterNames, parameterNamesProblem } from '../common/parameter-names.js';
import type { RinggApi } from '../common/ringg-client.js';
import { traceOf } from '../common/ringg-policy.js';
import {
  mergeVersionId,
  parseRecord,
  type RotationRecord,
  serializeRecord,
} from '../common/rotation-record.js';
import {
  formatWithKey,
  newValueFits,
  normalizeApiKey,
  parseSecretValue,
  SECRET_STRING_MAX_BYTES,
  type SecretValue,
} from '../common/secret-value.js';
import {
  killedByOtherRotationMessage,
  sharedWorkspaceMessage,
  type WorkspaceHolderSearch,
  workspaceSharing,
} from '../common/workspace-holders.js';
import {
  FAILURE_TAG_KEY,
  failureTagValue,
  parseFailureTag,
  usableWorkspaceId,
  WORKSPACE_TAG_KEY,
} from '../common/workspace-tag.js';
import type { KeyMirror } from './adapters/key-mirror.js';
import type { RecordStore, StoredRecord } from './adapters/record-store.js';
import type { SecretDescription, SecretsStore } from './adapters/secrets-store.js';
import { type AllowedSecrets, checkSecretAllowed } from './allowed-secrets.js';
import type { RotationConfig } from './config.js';
import {
  type Action,
  decide,
  type Facts,
  type FailureCode,
  MAX_GENERATIONS,
  MAX_RELOOKS,
  type Proof,
  type VersionState,
} from './decider.js';
import { errorName, invalidConfiguration, RotationError, rotationError } from './errors.js';
import { parseEvent, type RotationEvent } from './event.js';
import type { Logger } from './logger.js';
import { sendRegenerate } from './regenerate.js';
import {
  CLAIM_CLOCK_GRACE_MS,
  DEFAULT_BUDGET_MS,
  LAMBDA_MAX_TIMEOUT_MS,
  MIN_PATCH_MS,
  MIN_WRITE_ATTEMPT_MS,
  MOVE_RESERVE_MS,
  RELOOK_SETTLE_MS,
  recordWriteMs,
  type StepBudget,
  stepBudget,
  timeFacts,
  WAIT_POLL_MS,
} from './time-budget.js';

/** What lives once per container and is shared by every invocation and every secret. */
export interface RotationDeps {
  readonly config: RotationConfig;
  readonly secrets: SecretsStore;
  readonly records: RecordStore;
  readonly ringg: RinggApi;
  /** Present when the key is mirrored to Parameter Store. */
  readonly mirror: KeyMirror | undefined;
  readonly log: Logger;
  /** The secrets this deployment names; read for each invocation, before any secret is read. */
  readonly allowedSecrets: () => AllowedSecrets;
  readonly sleep: Sleep;
  readonly now: () => number;
  readonly random: () => number;
}

export interface LambdaContextLike {
  getRemainingTimeInMillis?(): number;
}

/**
 * Keys other rotations left (rescued, or in a version nothing labels) proven in one step, newest
 * first: a live one can only be in the newest, since every later regenerate killed the older ones.
 */
const MAX_LEFTOVER_KEYS_PROVEN = 5;
/** The owner of a record made from a key 0.1.x rescued: deleting the record deletes that parameter too. */
const LEGACY_RESCUE_OWNER = 'rescue-of-0.1.x';
/** Every round observes or acts; no sequence of answers needs more rounds than this. */
const MAX_ROUNDS = 200;
const MAX_WRITE_ATTEMPTS = 5;
const PROOF_ATTEMPTS = 5;
const CHECK_ATTEMPTS = 3;
/** Observations made while waiting for another delivery: bounded by the step's time, not the count. */
const WAITING = new Set<Action['kind']>(['wait-for-other-delivery', 'read', 'read-record']);

export function createRotationHandler(deps: RotationDeps) {
  // Each invocation masks its own set of values in every log line, and nothing else's.
  return (rawEvent: unknown, context?: LambdaContextLike): Promise<void> =>
    deps.log.invocation(() => step(rawEvent, context));

  async function step(rawEvent: unknown, context?: LambdaContextLike): Promise<void> {
    const startedAt = deps.now();
    const remaining = context?.getRemainingTimeInMillis?.() ?? DEFAULT_BUDGET_MS;
    const budget = stepBudget(remaining, deps.config.safetyMarginMs, deps.now);
    let log = deps.log;
    let rotation: Rotation | undefined;
    try {
      const event = parseEvent(rawEvent);
      deps.log.redact(event.rotationToken);
      log = deps.log.child({ step: event.step, secretId: event.secretId, token: event.token });
      const timeout = Math.min(deps.config.awsCallTimeoutMs, budget.step.remainingMs());
      const secret = await deps.secrets.describe(event.secretId, timeout);
      checkSecretAllowed(deps.allowedSecrets(), event.secretId, secret);
      log = log.child({ secret: secret.name });
      rotation = new Rotation(deps, event, secret, budget, log);
      const outcome = await rotation.run();
      log.info('step succeeded', { outcome, ...rotation.summary(startedAt) });
    } catch (caught) {
      const note = rotation?.keyNote(caught);
      const error = note ? withNote(caught, note) : caught;
      const code = error instanceof RotationError ? error.code : errorName(error);
      const message = deps.log.scrub(error instanceof Error ? error.message : String(error));
      const retryable = error instanceof RotationError ? error.retryable : true;
      log.error('step failed', {
        outcome: 'failed',
        errorCode: code,
        error: message,
        retryable,
        ...(rotation?.summary(startedAt) ?? { durationMs: deps.now() - startedAt }),
      });
      await rotation?.reportFailure(code, retryable);
      // The Lambda runtime logs what leaves the handler, outside the logger: only a masked copy does.
      throw deps.log.scrubbedError(error, retryable);
    }
  }
}

/** One step of one rotation: its facts, what they were learned from, and the actions that change them. */
class Rotation {
  private facts: Facts;
  private readonly names: ParameterNames;
  private readonly token: string;
  /** AWSCURRENT when the step began: a different holder later means someone wrote the secret. */
  private readonly startCurrent: string | undefined;
  /** The version this rotation replaces: its record's, else AWSCURRENT when the step began. */
  private replaces: string | undefined;
  private currentVersion: string | undefined;
  private current: SecretValue | undefined;
  private ours: SecretValue | undefined;
  private written: SecretValue | undefined;
  private record: RotationRecord | undefined;
  private listed: StoredRecord[] | undefined;
  private check: Verification | undefined;
  private newKey: string | undefined;
  private regenerateError: RotationError | undefined;
  private moveCause = '';
  private holders: WorkspaceHolderSearch | undefined;
  private holdersProblem = '';
  /** The version an abandoned rotation left the key in, when that key is the one in hand. */
  private strandedIn: string | undefined;
  /** Why a merge that was decided could not be made. */
  private mergeProblem = '';
  /** Why AWSPREVIOUS, which may hold the live key while the current key is rejected, could not be read. */
  private previousUnreadable: RotationError | undefined;
  /** Another rotation's record that holds the rescued key in hand. */
  private recordInHand: string | undefined;
  /** This invocation, as a claim's owner. */
  private readonly owner = randomUUID();
  private proofDetail: { expected?: string; actual?: string } = {};
  private readonly trace = {
    attempts: 0,
    ringgStatuses: [] as (number | string)[],
    promotion: '',
    mirror: '',
    deferredBecause: '',
  };

  constructor(
    private readonly deps: RotationDeps,
    private readonly event: RotationEvent,
    private secret: SecretDescription,
    private readonly budget: StepBudget,
    private readonly log: Logger,
  ) {
    this.token = event.token;
    if (!secret.rotationEnabled) throw rotationError('rotation-not-enabled', { secret: secret.name });
    // A version without labels is not listed: unknown to the first two steps, abandoned for the last two.
    const early = event.step === 'createSecret' || event.step === 'setSecret';
    if (secret.versions[this.token] === undefined && early)
      throw rotationError('version-not-found', { secret: secret.name, token: this.token });
    const problem = parameterNamesProblem(deps.config.parameterPrefix, secret.name);
    if (problem) {
      throw invalidConfiguration(
        `Secret "${secret.name}" cannot be rotated: ${problem} (ROTATION_PARAMETER_PREFIX). Nothing was changed.`,
      );
    }
    this.names = parameterNames(deps.config.parameterPrefix, secret.name);
    this.startCurrent = holderOf(secret, 'AWSCURRENT');
    this.currentVersion = this.startCurrent;
    this.replaces = this.startCurrent;
    this.facts = {
      step: event.step,
      ...labelFacts(secret, this.token, this.startCurrent),
      relooks: 0,
      ours: 'unread',
      current: 'unread',
      currentKey: 'unchecked',
      identity: secret.workspaceTag ? 'confirmed' : 'untagged',
      room: true,
      record: { kind: 'unread' },
      regenerate: 'not-sent',
      holders: 'unread',
      store: 'not-needed',
      rescue: 'not-needed',
      rescueProof: 'unchecked',
      proof: 'unchecked',
      mirror: deps.mirror ? 'to-write' : 'none',
      move: 'not-tried',
      written: 'unread',
      merged: false,
      released: false,
      cleaned: false,
      time: timeFacts(budget.step, deps.config.rescueReserveMs),
    };
  }

  async run(): Promise<string> {
    // Waiting for another delivery is bounded by the step's time; every other action by the count.
    for (let round = 0; round < MAX_ROUNDS; ) {
      this.facts = { ...this.facts, time: timeFacts(this.budget.step, this.deps.config.rescueReserveMs) };
      const action = decide(this.facts);
      if (action.kind === 'done') {
        if (action.outcome === 'promotion-deferred') this.deferred();
        return action.outcome;
      }
      if (action.kind === 'fail') throw this.failure(action.code, action.about);
      if (!WAITING.has(action.kind)) round++;
      await this.act(action);
    }
    throw rotationError('decider-unsettled', { secret: this.secret.name, step: this.event.step });
  }

  /**
   * Where the new key is, for a failure whose message cannot say (a timeout, an AWS error) while it
   * is stored in the rotation's version and AWSCURRENT holds the dead old key. The labels may have
   * changed since they were last looked at, so it says when it saw them.
   */
  keyNote(error: unknown): string | undefined {
    const generic = !(error instanceof RotationError) || error.code === 'aws-call-timeout';
    if (!generic || this.facts.ours !== 'new-key' || this.facts.version !== 'open') return undefined;
    return (
      `The new key is stored in version ${this.token} (AWSPENDING when this step last looked), and Ringg no ` +
      'longer accepts the old key: do not regenerate in the Ringg dashboard. If AWSCURRENT does not come to ' +
      `hold that version's key (\`ringg-rotate status --secret-id ${this.secret.name} --check\`), store it ` +
      `as AWSCURRENT with \`ringg-rotate recover --secret-id ${this.secret.name}\`.`
    );
  }

  summary(startedAt: number) {
    return {
      durationMs: this.deps.now() - startedAt,
      attempts: this.trace.attempts,
      ringgStatuses: this.trace.ringgStatuses,
      ...(this.trace.promotion ? { promotion: this.trace.promotion } : {}),
      ...(this.trace.mirror ? { mirror: this.trace.mirror } : {}),
      ...(this.trace.deferredBecause ? { promotionDeferredBecause: this.trace.deferredBecause } : {}),
    };
  }

  /** Best effort, within the report's deadline: the tag `ringg-rotate status` reads. */
  async reportFailure(code: string, retryable: boolean): Promise<void> {
    if (this.facts.version === 'completed' || this.facts.version === 'detached') return;
    const ms = Math.min(this.deps.config.awsCallTimeoutMs, this.budget.report.remainingMs());
    try {
      await this.deps.secrets.tag(
        this.event.secretId,
        FAILURE_TAG_KEY,
        failureTagValue({
          code,
          step: this.event.step,
          retryable,
          token: this.token,
          at: this.isoNow(),
        }),
        ms,
      );
    } catch (error) {
      this.log.warn('could not record the failure in the secret tag', { error: errorName(error) });
    }
  }

  private aws(reserveMs = 0): number {
    return Math.min(this.deps.config.awsCallTimeoutMs, this.budget.step.remainingMs() - reserveMs);
  }

  private set(update: Partial<Facts>): void {
    this.facts = { ...this.facts, ...update };
  }

  private async act(action: Exclude<Action, { kind: 'done' | 'fail' }>): Promise<void> {
    switch (action.kind) {
      case 'relook':
        return this.relook();
      case 'read':
        return action.which === 'current'
          ? this.readCurrent()
          : action.which === 'ours'
            ? this.readOurs()
            : this.readWritten();
      case 'read-record':
        return this.readRecord();
      case 'check-current-key':
        return this.checkCurrent();
      case 'tag-workspace':
        return this.tagWorkspace();
      case 'find-holders':
        return this.findHolders();
      case 'claim':
        return this.claim(action.next);
      case 'wait-for-other-delivery':
        await this.deps.sleep(WAIT_POLL_MS);
        this.set({ ours: 'unread', record: { kind: 'unread' } });
        this.listed = undefined;
        return;
      case 'regenerate':
        return this.regenerate();
      case 'record-outcome':
        return this.recordOutcome();
      case 'prove-rescue':
        return this.proveRescue();
      case 'store':
        return this.store();
      case 'rescue':
        return this.rescue();
      case 'prove':
        return this.prove();
      case 'write-mirror': {
        const key = this.ourKey();
        const ms = Math.min(this.aws(), this.budget.step.remainingMs() / 2);
        const ok = this.deps.mirror && key ? await this.deps.mirror.write(this.secret.name, key, ms) : false;
        this.trace.mirror = ok ? 'written' : 'failed';
        return this.set({ mirror: ok ? 'written' : 'failed' });
      }
      case 'mirror-not-written':
        this.log.warn(MIRROR_FAILED_MESSAGE, { error: `the key could not be proven: ${this.facts.proof}` });
        this.trace.mirror = 'failed';
        return this.set({ mirror: 'failed' });
      case 'move-current':
        return this.moveCurrent();
      case 'merge-edit':
        return this.mergeEdit();
      case 'clean-up':
        return this.cleanUp(action.others);
      case 'release-pending':
        return this.releasePending();
    }
  }

  /** Describe again, after a moment for a read right after a write to catch up, and forget what the labels invalidated. */
  private async relook(): Promise<void> {
    if (this.budget.step.allows(RELOOK_SETTLE_MS * 2)) await this.deps.sleep(RELOOK_SETTLE_MS);
    this.secret = await this.deps.secrets.describe(this.event.secretId, this.aws());
    const holder = holderOf(this.secret, 'AWSCURRENT');
    const labels = labelFacts(this.secret, this.token, this.replaces);
    const update: { -readonly [K in keyof Facts]?: Facts[K] } = {
      ...labels,
      relooks: this.facts.relooks + 1,
      written: 'unread',
    };
    if (this.facts.move === 'refused') update.move = 'refused-relooked';
    if (this.facts.ours === 'empty') update.ours = 'unread';
    if (holder !== this.currentVersion) {
      this.currentVersion = holder;
      this.current = undefined;
      update.current = 'unread';
      update.currentKey = 'unchecked';
      // A regenerate Ringg refused was sent with the key of a version that is no longer current.
      if (this.facts.regenerate === 'rejected') update.regenerate = 'not-sent';
    }
    if (this.facts.regenerate === 'rejected' || this.facts.currentKey === 'rejected') {
      // Another delivery's claim, or a key it or an abandoned rotation rescued, may explain the 401.
      this.listed = undefined;
      update.record = { kind: 'unread' };
    }
    this.set(update);
  }

  private async readValue(versionId: string | undefined, label: string): Promise<SecretValue | undefined> {
    if (versionId === undefined)
      throw rotationError('invalid-secret-value', {
        secret: this.secret.name,
        label,
        problem: 'no version holds it',
      });
    let raw: string | undefined;
    try {
      raw = await this.deps.secrets.readVersion(this.event.secretId, versionId, this.aws());
    } catch (error) {
      throw isKmsFailure(error) ? this.kmsRefused(error) : error;
    }
    if (raw === undefined) return undefined;
    const parsed = parseSecretValue(raw);
    if (!parsed.ok)
      throw rotationError('invalid-secret-value', {
        secret: this.secret.name,
        label,
        problem: parsed.problem,
      });
    this.deps.log.redact(parsed.value.apiKey);
    return parsed.value;
  }

  private async readCurrent(): Promise<void> {
    const value = await this.readValue(this.currentVersion, 'AWSCURRENT');
    if (value === undefined) return this.set({ current: 'unusable' });
    this.current = value;
    this.set({ current: 'read', room: newValueFits(value).fits, ...this.oursAgainstCurrent() });
  }

  private async readOurs(): Promise<void> {
    const value = await this.readValue(this.token, 'AWSPENDING');
    this.ours = value;
    if (value === undefined) return this.set({ ours: 'empty' });
    if (this.facts.version === 'open' && this.current === undefined && this.facts.step === 'testSecret') {
      await this.readCurrent();
    }
    this.set(this.oursAgainstCurrent());
  }

  private oursAgainstCurrent(): Partial<Facts> {
    if (this.ours === undefined) return {};
    const isCurrent = this.currentVersion === this.token;
    const same = !isCurrent && this.current !== undefined && this.current.apiKey === this.ours.apiKey;
    return { ours: same ? 'same-as-current' : 'new-key' };
  }

  private async readWritten(): Promise<void> {
    const holder = holderOf(this.secret, 'AWSCURRENT');
    let value: SecretValue | undefined;
    try {
      value = holder === undefined ? undefined : await this.readValue(holder, 'AWSCURRENT');
    } catch (error) {
      if (!(error instanceof RotationError && error.code === 'invalid-secret-value')) throw error;
    }
    this.written = value;
    const key = this.ourKey();
    this.set({
      written: value === undefined ? 'unusable' : value.apiKey === key ? 'holds-our-key' : 'other-key',
    });
  }

  /**
   * This rotation's latest claim; but a key of the secret waiting elsewhere wins over it: rescued by
   * this rotation or an abandoned one, or stored by an abandoned one in a version nothing labels.
   */
  private async readRecord(): Promise<void> {
    let stored: StoredRecord[];
    try {
      stored = await this.deps.records.list(this.names.recordPath, () => this.aws());
    } catch (error) {
      if (this.facts.ours !== 'new-key') throw this.recordNotWritten('read', this.names.recordPath, error);
      // Only the promotion asks now: it names AWSCURRENT as the step began, and finishSecret looks again.
      this.log.warn('could not read the rotation record before the promotion', { error: errorName(error) });
      return this.set({ record: { kind: 'none' } });
    }
    this.listed = stored;
    const parsed = stored.flatMap((r) => {
      const p = parseRecord(r.text);
      return p.ok && p.record.secretArn === this.secret.arn ? [{ name: r.name, record: p.record }] : [];
    });
    const records = parsed.map((p) => p.record);
    const latest = stored
      .map((r) => ({ ...r, generation: this.names.generationOf(r.name, this.token) ?? 0 }))
      .reduce<(StoredRecord & { generation: number }) | undefined>(
        (a, r) => (r.generation > (a?.generation ?? 0) ? r : a),
        undefined,
      );
    const own = parsed.find(
      (p) =>
        p.name === latest?.name && p.record.token === this.token && p.record.generation === latest.generation,
    )?.record;
    if (own) this.replaces = own.fromVersion;
    // This rotation's own rescued key wins; the decider proves it before it is stored.
    const rescued = records.find((r) => r.status === 'rescued' && r.token === this.token);
    if (rescued) return this.useRecord(rescued, false);
    if (latest && !own) return this.set({ record: { kind: 'unreadable' } });
    const elsewhere = await this.keyElsewhere(parsed);
    if (elsewhere) {
      this.useRecord(elsewhere.record, false);
      return this.set({
        rescueProof: elsewhere.proof,
        store: elsewhere.proof === 'proven' ? 'to-do' : 'not-needed',
      });
    }
    if (own) return this.useRecord(own, own.owner === this.owner);
    const legacy = this.facts.ours === 'new-key' ? undefined : await this.legacyRescue();
    if (legacy) return this.useRecord(legacy, false);
    this.record = undefined;
    this.set({ record: { kind: 'none' } });
  }

  /**
   * A key of the secret another rotation left: rescued into its record, or stored in its version
   * before a person's write took the labels away (its record still says `regenerating`, the version is
   * listed no more). Only a key Ringg proves (the tagged workspace's live key) is taken, as a rescued
   * key; one it rejects or places in another workspace is passed over; one it cannot place blocks.
   * As many as the records listed, rescued ones first, each proof within the step's time.
   */
  private async keyElsewhere(
    records: readonly { name: string; record: RotationRecord }[],
  ): Promise<{ record: RotationRecord; proof: Proof } | undefined> {
    if (this.facts.step !== 'createSecret' && this.facts.step !== 'setSecret') return undefined;
    // Newest first; a rotation a later one started from was replaced (its key is dead).
    const replaced = new Set(records.map((r) => r.record.fromVersion));
    const others = records
      .filter(({ record: r }) => r.token !== this.token && !replaced.has(r.token))
      .sort((a, b) => Date.parse(b.record.updatedAt) - Date.parse(a.record.updatedAt))
      .slice(0, MAX_LEFTOVER_KEYS_PROVEN);
    // Stranded: a claim whose version neither label holds (none, or AWSPREVIOUS after a write of the
    // old key). One stale DescribeSecret shows a version just promoted without its label: look again first.
    const stranded = (r: RotationRecord) =>
      r.status === 'regenerating' &&
      !(this.secret.versions[r.token] ?? []).some((l) => l === 'AWSCURRENT' || l === 'AWSPENDING');
    if (others.some((o) => stranded(o.record)) && this.facts.relooks < MAX_RELOOKS) await this.relook();
    // With the current key rejected, AWSPREVIOUS may hold the live key even with no record left: a
    // write of an old value after a rotation finished. Taken, as any other, only once Ringg proves it.
    const previous = holderOf(this.secret, 'AWSPREVIOUS');
    const rejected = this.facts.currentKey === 'rejected' || this.facts.regenerate === 'rejected';
    const candidates: { name: string | undefined; record: RotationRecord }[] = [...others];
    if (
      rejected &&
      previous &&
      previous !== this.token &&
      !records.some((r) => r.record.token === previous)
    ) {
      const at = new Date(0).toISOString();
      const r = { token: previous, status: 'regenerating', generation: 1, until: at, updatedAt: at } as const;
      const base = { secretArn: this.secret.arn, fromVersion: 'unknown', workspaceId: '' };
      candidates.push({ name: undefined, record: { ...base, ...r } });
    }
    const reserveMs = this.deps.config.rescueReserveMs + MIN_PATCH_MS + MIN_WRITE_ATTEMPT_MS;
    for (const { name, record: r } of candidates) {
      const isStranded = stranded(r);
      // A version that cannot be read may hold the live key: a stranded claim's stops the step; the
      // AWSPREVIOUS one, only where no other secret of the workspace explains the rejection.
      let key = r.status === 'rescued' ? r.apiKey : undefined;
      if (isStranded && name === undefined)
        key = await this.keyInVersion(r.token, name).catch((error: unknown) => {
          this.previousUnreadable =
            error instanceof RotationError
              ? error
              : rotationError('version-unreadable', {
                  secret: this.secret.name,
                  version: r.token,
                  cause: errorName(error),
                });
          return undefined;
        });
      else if (isStranded) key = await this.keyInVersion(r.token, name);
      if (key === undefined) continue;
      if (this.current === undefined) await this.readCurrent();
      if (key === this.current?.apiKey) continue;
      this.deps.log.redact(key);
      const proof = await this.proofOf(key, CHECK_ATTEMPTS, reserveMs, false);
      this.log.warn(
        name === undefined
          ? 'Ringg rejects the AWSCURRENT key; checked the AWSPREVIOUS key'
          : isStranded
            ? 'an abandoned rotation left a key in a version nothing labels'
            : 'an earlier rotation left a rescued key',
        { version: r.token, proof },
      );
      // Dead, or of another workspace: not the live key. Not proven otherwise: it may be, so it blocks.
      if (proof === 'rejected' || proof === 'wrong-workspace' || proof === 'key-mismatch') continue;
      if (proof === 'proven') this.newKey = key;
      if (isStranded) this.strandedIn = r.token;
      else this.recordInHand = name;
      return { record: { ...r, status: 'rescued', apiKey: key }, proof };
    }
    return undefined;
  }

  /** The key in an abandoned rotation's version, which nothing labels. */
  private async keyInVersion(versionId: string, record: string | undefined): Promise<string | undefined> {
    const raw = await this.deps.secrets
      .readVersion(this.event.secretId, versionId, this.aws())
      .catch((error) => {
        if (!isKmsFailure(error)) throw error;
        const { name: secret, kmsKeyId } = this.secret;
        throw rotationError('kms-key-refused', {
          secret,
          kmsKeyId,
          cause: errorName(error),
          keptIn: undefined,
          stranded: { version: versionId, record },
        });
      });
    const parsed = raw === undefined ? undefined : parseSecretValue(raw);
    return parsed?.ok ? parsed.value.apiKey : undefined;
  }

  /**
   * A key left by 0.1.x in its rescue parameter, moved into this rotation's record (under the
   * rotation's own KMS key, which only the function uses) and the parameter deleted.
   */
  private async legacyRescue(): Promise<RotationRecord | undefined> {
    const name = this.names.legacyRescue(this.token);
    // Unreadable, it may still hold the live key: the step stops rather than regenerate past it.
    const found = await this.deps.records.read(name, this.aws()).catch((error: unknown) => {
      throw rotationError('record-not-written', {
        secret: this.secret.name,
        what: 'read the 0.1.x rescue parameter',
        record: name,
        cause: errorName(error),
        mayHoldKey: true,
      });
    });
    if (!found) return undefined;
    let key: string;
    try {
      const raw = JSON.parse(found.text ?? '') as Record<string, unknown>;
      const normalized = normalizeApiKey(raw.apiKey);
      if (raw.v !== 1 || raw.token !== this.token || !normalized.ok) return undefined;
      key = normalized.key;
    } catch {
      return undefined;
    }
    this.deps.log.redact(key);
    const record: RotationRecord = {
      secretArn: this.secret.arn,
      token: this.token,
      status: 'rescued',
      generation: 1,
      until: new Date(0).toISOString(),
      fromVersion: this.startCurrent ?? 'unknown',
      workspaceId: this.secret.workspaceTag ?? '',
      updatedAt: this.isoNow(),
      owner: LEGACY_RESCUE_OWNER,
      apiKey: key,
    };
    // Best effort: until the record exists the key stays where 0.1.x left it, and is read from there;
    // once it exists, whoever deletes the record deletes that parameter too.
    try {
      if (
        (await this.deps.records.create(this.recordName(), serializeRecord(record), this.aws())) === 'created'
      ) {
        await this.deps.records.delete(name, this.aws());
        this.log.info('moved the key 0.1.x rescued into the rotation record and deleted its parameter', {
          parameter: name,
        });
      }
    } catch (error) {
      this.log.warn('could not move the key 0.1.x rescued into the rotation record; it stays where it is', {
        parameter: name,
        error: errorName(error),
      });
    }
    return record;
  }

  private useRecord(record: RotationRecord, mine: boolean): void {
    this.record = record;
    // A record this invocation wrote is not in an earlier listing: the clean-up lists again.
    if (mine) this.listed = undefined;
    if (record.token === this.token) this.replaces = record.fromVersion;
    this.set({ currentWritten: labelFacts(this.secret, this.token, this.replaces).currentWritten });
    if (record.apiKey) this.deps.log.redact(record.apiKey);
    const until = Date.parse(record.until);
    const now = this.deps.now();
    // A claim that says it lives past the longest Lambda timeout was not written by an owner.
    const live =
      record.status === 'regenerating' &&
      until + CLAIM_CLOCK_GRACE_MS > now &&
      until <= now + LAMBDA_MAX_TIMEOUT_MS + CLAIM_CLOCK_GRACE_MS;
    this.set({
      record: {
        kind: 'found',
        status: record.status,
        ours: record.token === this.token,
        live,
        generation: record.generation,
        mine,
      },
    });
  }

  private async checkCurrent(): Promise<void> {
    const key = this.current?.apiKey;
    if (key === undefined) return this.set({ current: 'unusable' });
    this.check = await this.checkKey(key, false, CHECK_ATTEMPTS, 0);
    const c = this.check;
    const workspace = c.kind === 'valid' ? usableWorkspaceId(c.workspaceId) : undefined;
    const tag = this.secret.workspaceTag;
    this.set({
      currentKey: c.kind === 'valid' ? 'works' : c.kind,
      identity:
        workspace === undefined
          ? 'unknown'
          : !tag
            ? 'untagged'
            : tag === workspace
              ? 'confirmed'
              : 'mismatch',
    });
  }

  private async tagWorkspace(): Promise<void> {
    const workspace = this.check?.kind === 'valid' ? usableWorkspaceId(this.check.workspaceId) : undefined;
    if (workspace === undefined) return this.set({ identity: 'unknown' });
    await this.deps.secrets.tag(this.event.secretId, WORKSPACE_TAG_KEY, workspace, this.aws());
    this.secret = { ...this.secret, workspaceTag: workspace };
    this.log.info("recorded the secret's workspace in its tag", { workspaceId: workspace });
    this.set({ identity: 'confirmed' });
  }

  /** The other secrets tagged with this secret's workspace (the tag, or Ringg's answer for the current key). */
  private async findHolders(): Promise<void> {
    const workspace =
      this.secret.workspaceTag ??
      (this.check?.kind === 'valid' ? usableWorkspaceId(this.check.workspaceId) : undefined);
    if (workspace === undefined) {
      this.holdersProblem =
        'the secret has no workspace tag, and Ringg names no workspace for a rejected key';
      return this.set({ holders: 'unknown' });
    }
    try {
      this.holders = await this.deps.secrets.holders(workspace, this.secret.arn, this.aws());
      const sharing = workspaceSharing(this.holders);
      this.set({
        holders: sharing.kind === 'shared' ? 'shared' : sharing.kind === 'alone' ? 'none' : 'unknown',
      });
    } catch (error) {
      this.holdersProblem = errorName(error);
      this.set({ holders: 'unknown' });
    }
  }

  private async claim(next: boolean): Promise<void> {
    const generation = next && this.record?.token === this.token ? this.record.generation + 1 : 1;
    const name = this.names.record(this.token, generation);
    const record: RotationRecord = {
      secretArn: this.secret.arn,
      token: this.token,
      status: 'regenerating',
      generation,
      // The owner cannot outlive its Lambda timeout, which the report deadline ends just before.
      until: new Date(this.deps.now() + this.budget.report.remainingMs() + 1_000).toISOString(),
      fromVersion: this.currentVersion ?? 'none',
      workspaceId: this.secret.workspaceTag ?? '',
      updatedAt: this.isoNow(),
      owner: this.owner,
    };
    try {
      if ((await this.deps.records.create(name, serializeRecord(record), this.aws())) === 'exists') {
        return this.readRecord();
      }
    } catch (error) {
      // SSM refused the claim: a key an earlier attempt rescued (in SSM or this container) still wins.
      await this.readRecord().catch(() => undefined);
      const found = this.facts.record;
      if (found.kind === 'found' && found.status === 'rescued') return;
      throw this.recordNotWritten('create', name, error);
    }
    this.useRecord(record, true);
  }

  private async regenerate(): Promise<void> {
    const key = this.current?.apiKey;
    if (key === undefined) return this.set({ current: 'unusable' });
    const record = this.record;
    if (record && this.currentVersion && record.fromVersion !== this.currentVersion) {
      // The claim was made on a stale read of AWSCURRENT: it names the version this PATCH really replaces.
      const updated = {
        ...record,
        fromVersion: this.currentVersion,
        updatedAt: this.isoNow(),
      };
      try {
        await this.writeOwnRecord(updated, this.aws());
      } catch (error) {
        throw this.recordNotWritten('update', this.recordName(), error);
      }
      this.useRecord(updated, true);
    }
    const reserveMs = this.deps.config.rescueReserveMs + MIN_WRITE_ATTEMPT_MS;
    const outcome = await sendRegenerate(
      {
        ringg: this.deps.ringg,
        deadline: this.budget.step,
        sleep: this.deps.sleep,
        random: this.deps.random,
        maxRetryAfterMs: this.deps.config.maxRetryAfterMs,
        reserveMs,
        requestTimeoutMs: (reserve) => this.requestTimeoutMs(reserve),
        onResult: (status) => {
          this.trace.attempts++;
          this.trace.ringgStatuses.push(status);
        },
      },
      this.secret.name,
      key,
    );
    if (outcome.kind === 'issued') {
      this.deps.log.redact(outcome.newKey);
      this.newKey = outcome.newKey;
      return this.set({ regenerate: 'issued', store: 'to-do' });
    }
    this.regenerateError = outcome.error;
    this.set({
      regenerate:
        outcome.kind === 'may-have-regenerated'
          ? 'outcome-unknown'
          : outcome.rejected
            ? 'rejected'
            : 'not-regenerated',
    });
  }

  private async recordOutcome(): Promise<void> {
    const record = this.record;
    if (!record) return;
    const status = this.facts.regenerate === 'outcome-unknown' ? 'outcome-unknown' : 'not-regenerated';
    const updated: RotationRecord = { ...record, status, updatedAt: this.isoNow() };
    try {
      await this.writeOwnRecord(updated, this.reportMs());
    } catch (error) {
      this.log.warn(
        'could not record the regenerate outcome; the next attempt waits for the claim to expire',
        {
          error: errorName(error),
        },
      );
    }
    this.useRecord(updated, true);
  }

  private async proveRescue(): Promise<void> {
    const key = this.record?.apiKey;
    if (key === undefined) return this.set({ rescueProof: 'rejected' });
    const proof = await this.proofOf(key, 3, 0);
    if (proof === 'proven') {
      this.newKey = key;
      return this.set({ rescueProof: proof, store: 'to-do' });
    }
    this.set({ rescueProof: proof });
  }

  /** Writes the new key, in the format of AWSCURRENT, to the rotation's version, keeping the rescue reserve. */
  private async store(): Promise<void> {
    const key = this.newKey;
    const current = this.current;
    if (key === undefined || current === undefined) throw new Error('unreachable: store without a key');
    const value = formatWithKey(current, key);
    const reserve = this.deps.config.rescueReserveMs;
    let result: Facts['store'] = 'failed';
    for (let attempt = 1; attempt <= MAX_WRITE_ATTEMPTS; attempt++) {
      if (!this.budget.step.allows(MIN_WRITE_ATTEMPT_MS, reserve)) break;
      try {
        const put = await this.deps.secrets.put(
          this.event.secretId,
          this.token,
          value,
          'AWSPENDING',
          this.event.rotationToken,
          this.aws(reserve),
        );
        result = put === 'conflict' ? 'conflict' : 'stored';
        break;
      } catch (error) {
        this.log.warn('writing the new key to Secrets Manager failed', { attempt, error: errorName(error) });
        if (isKmsFailure(error)) {
          result = 'kms-refused';
          this.moveCause = errorName(error);
          break;
        }
        const wait = backoffMs(attempt, 200, 2_000, this.deps.random);
        if (!this.budget.step.allows(wait + MIN_WRITE_ATTEMPT_MS, reserve)) break;
        await this.deps.sleep(wait);
      }
    }
    if (result === 'stored') {
      this.ours = { ...current, apiKey: key };
      return this.set({ store: 'stored', ours: 'new-key' });
    }
    this.set({ store: result });
  }

  /** Puts the new key in the rotation's record, under the rotation's own KMS key, before the step fails. */
  private async rescue(): Promise<void> {
    const key = this.newKey;
    if (key === undefined) return this.set({ rescue: 'failed' });
    if (this.record?.status === 'rescued' && this.record.apiKey === key && this.record.token === this.token) {
      return this.set({ rescue: 'saved' });
    }
    const base = this.record?.token === this.token ? this.record : undefined;
    const record: RotationRecord = {
      secretArn: this.secret.arn,
      token: this.token,
      status: 'rescued',
      generation: base?.generation ?? 1,
      until: base?.until ?? this.isoNow(),
      fromVersion: base?.fromVersion ?? this.currentVersion ?? 'none',
      workspaceId: this.secret.workspaceTag ?? '',
      updatedAt: this.isoNow(),
      apiKey: key,
    };
    try {
      await this.writeOwnRecord(record, this.reportMs(), true);
      this.recordInHand = undefined;
      this.set({ rescue: 'saved' });
    } catch (error) {
      this.log.error('the new key could not be rescued in SSM either; only this container holds it', {
        error: errorName(error),
      });
      this.set({ rescue: 'failed' });
    }
  }

  private async prove(): Promise<void> {
    const key = this.ourKey();
    if (key === undefined) return this.set({ proof: 'rejected' });
    const reserve = this.facts.step === 'setSecret' ? MOVE_RESERVE_MS : 0;
    this.set({ proof: await this.proofOf(key, PROOF_ATTEMPTS, reserve) });
  }

  private async moveCurrent(): Promise<void> {
    try {
      await this.deps.secrets.moveCurrent(this.event.secretId, this.token, this.currentVersion, this.aws());
      this.trace.promotion = 'promoted';
      this.set({ move: 'moved' });
    } catch (error) {
      this.moveCause = `UpdateSecretVersionStage: ${errorName(error)}`;
      this.set({ move: 'refused' });
    }
  }

  /** Keeps a version someone wrote during the rotation: its fields, with the live key, as AWSCURRENT. */
  private async mergeEdit(): Promise<void> {
    const key = this.ourKey();
    const written = this.written;
    const writtenVersion = holderOf(this.secret, 'AWSCURRENT');
    if (key === undefined || written === undefined || writtenVersion === undefined)
      return this.set({ written: 'unusable' });
    // A newer write since the read is merged instead (the merge moves AWSCURRENT off whatever holds it).
    // AWSCURRENT back on this rotation's version, or on the one it replaces, is a stale read from before
    // the write or a person's move back: looked at once more, after a moment, before it is believed.
    // Believed only from a second look after the pause that GetSecretValue confirms; otherwise the merge
    // goes on, since a dead key left in AWSCURRENT costs more than a move back merged over.
    let fresh = await this.deps.secrets.describe(this.event.secretId, this.aws());
    const back = (v: string | undefined) => v === this.token || v === this.replaces;
    if (back(holderOf(fresh, 'AWSCURRENT'))) {
      const settled = this.budget.step.allows(RELOOK_SETTLE_MS * 2);
      if (settled) await this.deps.sleep(RELOOK_SETTLE_MS);
      fresh = await this.deps.secrets.describe(this.event.secretId, this.aws());
      const holder = holderOf(fresh, 'AWSCURRENT');
      const confirmed =
        settled &&
        back(holder) &&
        (await this.deps.secrets.currentVersionId(this.event.secretId, this.aws())) === holder;
      if (back(holder) && !confirmed) fresh = this.secret;
    }
    if (holderOf(fresh, 'AWSCURRENT') !== writtenVersion) {
      this.secret = fresh;
      return this.set({ ...labelFacts(fresh, this.token, this.replaces), written: 'unread' });
    }
    const versionId = mergeVersionId(this.token, writtenVersion);
    const result = await this.deps.secrets.put(
      this.event.secretId,
      versionId,
      formatWithKey(written, key),
      'AWSCURRENT',
      undefined,
      this.aws(),
    );
    if (result === 'conflict') return this.set({ written: 'unusable' });
    // Merged before, and AWSCURRENT moved off it since: the put changed nothing, so the label is moved.
    if (result === 'unlabelled') {
      try {
        await this.deps.secrets.moveCurrent(this.event.secretId, versionId, writtenVersion, this.aws());
      } catch (error) {
        this.mergeProblem = `moving AWSCURRENT to the merged version ${versionId} failed (${errorName(error)})`;
        return this.set({ written: 'unusable' });
      }
    }
    this.log.warn(
      'version written during the rotation held a key Ringg no longer accepts; its fields are kept with the live key in a new AWSCURRENT version',
      { writtenVersion, mergedVersion: versionId },
    );
    this.trace.promotion = 'merged';
    this.set({ merged: true });
  }

  private async releasePending(): Promise<void> {
    try {
      await this.deps.secrets.removePending(this.event.secretId, this.token, this.aws());
      this.log.info(
        'AWSPENDING taken off the rotation version: AWSCURRENT stays on the version someone wrote',
      );
    } catch (error) {
      this.log.warn(
        'could not take AWSPENDING off the rotation version; remove it by hand to let rotations start',
        {
          error: errorName(error),
        },
      );
    }
    this.set({ released: true });
  }

  /**
   * The rotation has ended: its records go, and those of earlier rotations no open rotation needs.
   * A newer rotation's (one that started from this rotation's version, or from one of those) and the
   * open one's are kept, records and failure tag: a late step of this rotation must not erase the
   * only copy of a newer rotation's key, nor the failure that says where it is.
   */
  private async cleanUp(others: boolean): Promise<void> {
    try {
      const stored = this.listed ?? (await this.deps.records.list(this.names.recordPath, () => this.aws()));
      const records = stored
        .map((r) => ({ name: r.name, parsed: parseRecord(r.text) }))
        .filter((r) => others || (r.parsed.ok && r.parsed.record.token === this.token));
      const kept = new Set([holderOf(this.secret, 'AWSPENDING')]);
      for (let newer = new Set([this.token]), grew = true; grew; ) {
        grew = false;
        for (const { parsed } of records) {
          if (!parsed.ok || !newer.has(parsed.record.fromVersion) || newer.has(parsed.record.token)) continue;
          newer.add(parsed.record.token);
          kept.add(parsed.record.token);
          grew = true;
        }
      }
      kept.delete(this.token);
      for (const { name, parsed } of records) {
        if (parsed.ok && kept.has(parsed.record.token)) continue;
        // The 0.1.x parameter first: the record is what points to it.
        if (parsed.ok && parsed.record.owner === LEGACY_RESCUE_OWNER)
          await this.deps.records.delete(this.names.legacyRescue(parsed.record.token), this.aws());
        await this.deps.records.delete(name, this.aws());
      }
      const failure = parseFailureTag(this.secret.failureTag);
      const ours = failure?.token === this.token;
      if (this.secret.failureTag !== undefined && (others || ours) && !(failure && kept.has(failure.token)))
        await this.deps.secrets.untag(this.event.secretId, FAILURE_TAG_KEY, this.aws());
    } catch (error) {
      this.log.warn('the rotation ended, but deleting its records failed; the next rotation deletes them', {
        error: errorName(error),
      });
    }
    this.set({ cleaned: true });
  }

  private deferred(): void {
    this.trace.promotion = 'deferred';
    const f = this.facts;
    const reason =
      f.proof === 'unchecked'
        ? 'no time left in setSecret to prove the new key and move AWSCURRENT'
        : f.proof !== 'proven'
          ? `the new key is not proven: ${f.proof}`
          : `the move was refused: ${this.moveCause || 'unknown'}`;
    this.trace.deferredBecause = reason;
    this.log.warn(
      'the new key is stored as AWSPENDING but not promoted yet; testSecret and finishSecret will',
      {
        reason,
      },
    );
  }

  private ourKey(): string | undefined {
    return this.ours?.apiKey ?? this.newKey;
  }

  /** Overwrites this rotation's record: only its owner does. `keepInMemory`: a rescue SSM refuses. */
  private writeOwnRecord(record: RotationRecord, timeoutMs: number, keepInMemory = false): Promise<void> {
    const name = this.names.record(this.token, record.generation);
    return this.deps.records.overwrite(name, serializeRecord(record), timeoutMs, keepInMemory);
  }

  /** The parameter of this rotation's latest claim (the first before any). */
  private recordName(): string {
    return this.names.record(this.token, this.record?.token === this.token ? this.record.generation : 1);
  }

  private isoNow(): string {
    return new Date(this.deps.now()).toISOString();
  }

  private reportMs(): number {
    const { rescueReserveMs, awsCallTimeoutMs } = this.deps.config;
    return recordWriteMs(this.budget.report, rescueReserveMs, awsCallTimeoutMs);
  }

  private requestTimeoutMs(reserveMs: number): number {
    const { connectTimeoutMs, headersTimeoutMs, bodyTimeoutMs } = this.deps.config;
    return Math.min(
      connectTimeoutMs + headersTimeoutMs + bodyTimeoutMs,
      this.budget.step.remainingMs() - reserveMs,
    );
  }

  private checkKey(
    apiKey: string,
    fresh: boolean,
    maxAttempts: number,
    reserveMs: number,
  ): Promise<Verification> {
    return checkKey(
      {
        ringg: this.deps.ringg,
        sleep: this.deps.sleep,
        random: this.deps.random,
        maxRetryAfterMs: this.deps.config.maxRetryAfterMs,
        allows: (ms) => this.budget.step.allows(ms, reserveMs),
        timeoutMs: () => this.requestTimeoutMs(reserveMs),
        onResult: (result) => {
          this.trace.attempts++;
          this.trace.ringgStatuses.push(traceOf(result));
        },
      },
      apiKey,
      { fresh, maxAttempts },
    );
  }

  /**
   * Fails closed: a key is proven only when Ringg accepts it, names its workspace, that workspace is the
   * secret's tag, and Ringg does not report a different key as the workspace's key.
   */
  /** `fresh`: a key Ringg issued just now, whose 401 may only be propagation (retried). */
  private async proofOf(apiKey: string, attempts: number, reserveMs: number, fresh = true): Promise<Proof> {
    const v = await this.checkKey(apiKey, fresh, attempts, reserveMs);
    if (v.kind !== 'valid') return v.kind;
    const expected = this.secret.workspaceTag;
    const actual = usableWorkspaceId(v.workspaceId);
    this.proofDetail = { ...(expected ? { expected } : {}), ...(actual ? { actual } : {}) };
    if (!expected) return 'untagged';
    if (actual === undefined) return 'no-workspace';
    if (actual !== expected) return 'wrong-workspace';
    if (v.apiKey !== undefined && v.apiKey !== apiKey) return 'key-mismatch';
    return 'proven';
  }

  private kmsRefused(error: unknown): RotationError {
    const { name: secret, kmsKeyId } = this.secret;
    return rotationError('kms-key-refused', { secret, kmsKeyId, cause: errorName(error), keptIn: undefined });
  }

  private recordNotWritten(what: string, record: string, error: unknown): RotationError {
    return rotationError('record-not-written', {
      secret: this.secret.name,
      what,
      record,
      cause: errorName(error),
    });
  }

  /** The decider's failure, with what this step learned for its message. */
  private failure(code: FailureCode | 'regenerate-failed', about?: 'current' | 'new' | 'rescued'): Error {
    const f = this.facts;
    // Advice to regenerate in the dashboard is never given while an unreadable AWSPREVIOUS may hold the
    // live key and no other secret of the workspace explains the rejection.
    // For new-key-lost only the version the claim replaced (AWSCURRENT moved back off it since) can
    // hold it: every other version is older than the claim, whose key still worked then.
    const previous = holderOf(this.secret, 'AWSPREVIOUS');
    const regenerateAdvice =
      code === 'current-key-rejected' ||
      (code === 'new-key-lost' && previous !== undefined && previous === this.record?.fromVersion);
    if (regenerateAdvice && this.previousUnreadable && !this.holders?.others.length)
      return this.previousUnreadable;
    const c = { secret: this.secret.name, token: this.token, record: this.recordInHand ?? this.recordName() };
    const workspaceId = this.holders?.workspaceId ?? this.secret.workspaceTag ?? 'unknown';
    const others = this.holders?.others ?? [];
    switch (code) {
      case 'regenerate-failed':
        return (
          this.regenerateError ??
          rotationError('ringg-unavailable', {
            ...c,
            action: 'PATCH /workspace/api-key',
            detail: 'no answer',
          })
        );
      case 'new-key-unsaved':
        return rotationError(code, {
          ...c,
          ...(about === 'rescued' ? { waitsIn: this.keptIn('rescued') } : {}),
          ...(f.store === 'kms-refused'
            ? {
                kms: {
                  keyId: this.secret.kmsKeyId ?? 'aws/secretsmanager',
                  cause: this.moveCause || 'EncryptionFailure',
                },
              }
            : {}),
        });
      case 'version-not-pending':
      case 'new-key-rescued':
      case 'secret-write-conflict':
      case 'pending-version-empty':
      case 'key-mismatch':
        return rotationError(code, c);
      case 'invalid-secret-value':
        return rotationError(code, { ...c, label: 'AWSCURRENT', problem: 'no version holds a value' });
      case 'current-key-rejected':
        return rotationError(code, {
          ...c,
          ...(others.length > 0
            ? { explained: killedByOtherRotationMessage(c.secret, workspaceId, others) }
            : {}),
          ...(f.holders === 'unknown'
            ? { holdersUnknown: this.holdersProblem || 'ListSecrets returned more pages than are read' }
            : {}),
        });
      case 'shared-workspace':
        return rotationError(code, { message: sharedWorkspaceMessage(c.secret, workspaceId, others) });
      case 'workspace-holders-unknown':
        return rotationError(code, {
          ...c,
          workspaceId,
          cause:
            this.holdersProblem || `ListSecrets returned more than ${this.holders?.pagesRead ?? 0} pages`,
        });
      case 'new-key-lost':
        return rotationError(code, {
          ...c,
          detail:
            'an earlier attempt of this rotation claimed the regenerate and ended without storing or rescuing the new key, and Ringg now rejects the old key',
        });
      case 'new-key-rejected':
        return rotationError(code, {
          ...c,
          detail: 'HTTP 401 on every attempt',
          promoted: f.version !== 'open',
        });
      case 'new-key-not-readable':
        return rotationError(code, { ...c, generation: this.record?.generation ?? 1 });
      case 'kms-key-refused':
        return rotationError(code, {
          ...c,
          kmsKeyId: this.secret.kmsKeyId,
          cause: this.moveCause || 'EncryptionFailure',
          keptIn: f.rescue === 'saved' ? c.record : undefined,
        });
      case 'secret-written-during-rotation':
        return rotationError(code, {
          ...c,
          writtenVersion: holderOf(this.secret, 'AWSCURRENT') ?? 'unknown',
          problem:
            this.mergeProblem ||
            (f.written === 'unusable'
              ? 'its value is not one this rotation can merge the live key into'
              : 'the rotation could not prove its key'),
        });
      case 'permission-denied':
        return rotationError(code, { ...c, call: 'GET /workspace', keptIn: this.keptIn(about) });
      case 'ringg-unavailable':
        return rotationError(code, {
          ...c,
          action: 'GET /workspace',
          detail:
            this.check?.kind === 'unavailable' ? this.check.detail : 'no usable answer in the time left',
          changed:
            about === 'new'
              ? f.version === 'open'
                ? 'The new key is safe in AWSPENDING'
                : `Nothing was changed by this step; the new key is in version ${c.token}`
              : about === 'rescued'
                ? this.strandedIn
                  ? `Nothing was changed; a key that may be the live one waits in ${this.strandedText()}`
                  : `The new key is safe in the rotation record "${c.record}"`
                : 'Nothing was changed',
        });
      case 'regenerate-in-progress':
        return rotationError(code, { ...c, until: this.record?.until ?? 'unknown' });
      case 'rescue-unreadable':
        return rotationError(code, {
          ...c,
          problem:
            'it does not parse as a rotation record of this secret and token, or its key is rejected while the AWSCURRENT key works',
        });
      case 'wrong-workspace':
        return about === 'current'
          ? rotationError(code, {
              secret: c.secret,
              expected: this.secret.workspaceTag ?? 'unknown',
              actual: this.workspaceOfCheck(),
            })
          : rotationError(code, {
              ...c,
              expected: this.proofDetail.expected ?? 'unknown',
              actual: this.proofDetail.actual ?? 'unknown',
              keptIn: this.keptIn(about) ?? 'AWSCURRENT',
            });
      case 'workspace-unknown':
        return rotationError(code, {
          ...c,
          problem:
            about === 'current'
              ? "Ringg's answer for the AWSCURRENT key carries no usable workspace id"
              : `the ${about === 'rescued' && this.strandedIn ? `key in ${this.strandedText()}` : `${about ?? 'new'} key`}'s workspace cannot be checked against the ringg-rotation:workspace-id tag`,
          keptIn: this.keptIn(about),
        });
      case 'secret-too-large':
        return rotationError(code, {
          ...c,
          worstCaseBytes: this.current ? newValueFits(this.current).worstCaseBytes : 0,
          limit: SECRET_STRING_MAX_BYTES,
        });
      case 'promotion-refused':
        return rotationError(code, { ...c, cause: this.moveCause || 'unknown' });
      case 'too-many-regenerate-attempts':
        return rotationError(code, { ...c, attempts: MAX_GENERATIONS });
    }
  }

  /** Where the key `about` waits, when it is not the AWSCURRENT key. */
  private keptIn(about: 'current' | 'new' | 'rescued' | undefined): string | undefined {
    if (about === 'rescued')
      return this.strandedIn
        ? this.strandedText()
        : `the rotation record "${this.recordInHand ?? this.recordName()}"`;
    if (about === 'new')
      return this.facts.version === 'open' ? `AWSPENDING (version ${this.token})` : undefined;
    return undefined;
  }

  /** The version a stranded key waits in, with its labels (none, or AWSPREVIOUS). */
  private strandedText(): string {
    const labels = this.secret.versions[this.strandedIn ?? ''] ?? [];
    return `version ${this.strandedIn} (${labels.length > 0 ? labels.join(', ') : 'no label'})`;
  }

  private workspaceOfCheck(): string {
    return this.check?.kind === 'valid'
      ? (usableWorkspaceId(this.check.workspaceId) ?? 'unknown')
      : 'unknown';
  }
}

/** The same failure, its message followed by `note`. */
function withNote(error: unknown, note: string): Error {
  if (error instanceof RotationError)
    return new RotationError(error.code, `${error.message} ${note}`, error.retryable);
  const source = error instanceof Error ? error : new Error(String(error));
  const out = new Error(`${source.message} ${note}`);
  Object.defineProperty(out, 'name', { value: source.name, enumerable: false, configurable: true });
  return out;
}

export function holderOf(secret: SecretDescription, stage: string): string | undefined {
  return versionHolding(secret.versions, stage);
}

/** The labels as facts: where the rotation's version stands, and whether someone else moved things. */
function labelFacts(secret: SecretDescription, token: string, replaces: string | undefined) {
  const stages = secret.versions[token] ?? [];
  const current = stages.includes('AWSCURRENT');
  const pending = stages.includes('AWSPENDING');
  const version: VersionState = current
    ? pending
      ? 'promoted'
      : 'completed'
    : pending
      ? 'open'
      : 'detached';
  const pendingHolder = holderOf(secret, 'AWSPENDING');
  const currentHolder = holderOf(secret, 'AWSCURRENT');
  return {
    version,
    newerRotation: pendingHolder !== undefined && pendingHolder !== token,
    currentWritten: currentHolder !== undefined && currentHolder !== token && currentHolder !== replaces,
  };
}

/** Secrets Manager's answers when the secret's KMS key refuses. */
function isKmsFailure(error: unknown): boolean {
  const name = errorName(error);
  return name === 'EncryptionFailure' || name === 'DecryptionFailure' || name.startsWith('KMS');
}
