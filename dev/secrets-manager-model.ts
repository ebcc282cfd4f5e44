import { randomUUID } from 'node:crypto';
import { KmsKeys, SECRETS_MANAGER_DEFAULT_KEY } from './kms-keys.js';
import type { RateLimit } from './throttle.js';

/**
 * An in-memory Secrets Manager that follows ../shared/rotation-contract.md. One implementation
 * serves the unit tests (behind aws-sdk-client-mock) and the local HTTP stand-in.
 */
export class AwsServiceError extends Error {
  constructor(
    readonly type: string,
    message: string,
    readonly statusCode = 400,
  ) {
    super(message);
    this.name = type;
  }
}

interface Version {
  value: string | undefined;
  readonly stages: Set<string>;
  readonly createdAt: number;
}

interface Secret {
  readonly arn: string;
  readonly name: string;
  readonly kmsKeyId: string | undefined;
  readonly versions: Map<string, Version>;
  readonly tags: Map<string, string>;
  rotationEnabled: boolean;
  rotationLambdaArn: string | undefined;
  rotationRules:
    | { AutomaticallyAfterDays?: number; ScheduleExpression?: string; Duration?: string }
    | undefined;
  lastRotatedAt: number | undefined;
  lastChangedAt: number;
  /**
   * The version of the rotation the service has open (started, not completed nor abandoned). Labels
   * alone cannot tell: after an early promotion AWSPENDING sits on the AWSCURRENT version while the
   * service still runs (or retries) the rotation's steps.
   */
  openRotation: string | undefined;
  /** Where AWSCURRENT and AWSPREVIOUS were just before AWSCURRENT last moved (for stale label reads). */
  labelsBeforeCurrentMove: { readonly current?: string; readonly previous?: string } | undefined;
}

export type SmOperation =
  | 'DescribeSecret'
  | 'GetSecretValue'
  | 'PutSecretValue'
  | 'UpdateSecretVersionStage'
  | 'ListSecretVersionIds'
  | 'ListSecrets'
  | 'RotateSecret'
  | 'CreateSecret'
  | 'TagResource'
  | 'UntagResource';

/** Makes the next `times` calls of an operation fail, as a throttled or failing service would. */
export interface SmFault {
  readonly operation: SmOperation;
  times: number;
  readonly error?: AwsServiceError;
  /** Answer only after this many milliseconds (a slow service). */
  readonly delayMs?: number;
  /** Never answer (a hung connection). */
  readonly hang?: boolean;
  /** Matching calls let through before the fault applies. */
  skip?: number;
}

/**
 * Runs once, just before the next matching call is applied (after its faults let it through), e.g.
 * a person's PutSecretValue that lands between a rotation's pending write and its move of AWSCURRENT.
 */
export interface SmHook {
  readonly operation: SmOperation;
  // biome-ignore lint/suspicious/noExplicitAny: the wire input of the operation
  readonly when?: (input: any) => boolean;
  // biome-ignore lint/suspicious/noExplicitAny: the wire input of the operation
  readonly run: (input: any) => void | Promise<void>;
  /** True once the hook ran: a test proves with it that the interleaving it arranged happened. */
  fired: boolean;
}

/**
 * Which labels a read answers with: as they are, or as they were just before AWSCURRENT last moved
 * (AWSCURRENT and AWSPREVIOUS put back, every other label as it is), the stale answer a read right
 * after a move can give (../shared/rotation-contract.md, read-after-write).
 */
export type LabelView = 'now' | 'before-last-current-move';

/** The service's rotation events (CloudTrail / EventBridge), as the model and the driver record them. */
export interface RotationEventRecord {
  readonly at: number;
  readonly arn: string;
  readonly type: 'RotationStarted' | 'RotationSucceeded' | 'RotationFailed' | 'RotationAbandoned';
  /** The rotation's token (the version the rotation fills). */
  readonly versionId: string;
}

export class SecretsManagerModel {
  private readonly secrets = new Map<string, Secret>();
  private readonly faults: SmFault[] = [];
  private readonly hooks: SmHook[] = [];
  private readonly staleReads: Record<'DescribeSecret' | 'GetSecretValue', number> = {
    DescribeSecret: 0,
    GetSecretValue: 0,
  };
  readonly calls: Record<string, number> = {};
  /** Which KMS keys refuse; AwsStandIn shares one instance with its Parameter Store. */
  kms = new KmsKeys();
  readonly rotationEvents: RotationEventRecord[] = [];
  /**
   * When set, PutSecretValue and UpdateSecretVersionStage over this rate fail with ThrottlingException
   * (Secrets Manager's quota: 50 per second together, per account and Region).
   */
  writeThrottle: RateLimit | undefined;
  /**
   * Whether a new version abandons a rotation already promoted early (AWSPENDING on the AWSCURRENT
   * version, not completed yet). Undocumented (../shared/rotation-contract.md): true removes its
   * AWSPENDING (RotationAbandoned); false treats the rotation as complete and leaves AWSPENDING where it is.
   */
  newVersionAbandonsPromotedRotation = true;
  /** When AWSCURRENT moved, per secret ARN: what a stale-window measurement needs. */
  readonly currentMoves: { readonly at: number; readonly arn: string; readonly versionId: string }[] = [];

  constructor(
    readonly region = 'us-east-1',
    readonly accountId = '123456789012',
    private readonly now: () => number = Date.now,
  ) {}

  injectFault(fault: SmFault): void {
    this.faults.push({ ...fault });
  }

  clearFaults(): void {
    this.faults.length = 0;
    this.hooks.length = 0;
    this.staleReads.DescribeSecret = 0;
    this.staleReads.GetSecretValue = 0;
  }

  /** Runs `run` once, just before the next call of `operation` (whose input passes `when`) is applied. */
  onceBefore(
    operation: SmOperation,
    // biome-ignore lint/suspicious/noExplicitAny: the wire input of the operation
    run: (input: any) => void | Promise<void>,
    // biome-ignore lint/suspicious/noExplicitAny: the wire input of the operation
    when?: (input: any) => boolean,
  ): SmHook {
    const hook: SmHook = { operation, run, when, fired: false };
    this.hooks.push(hook);
    return hook;
  }

  /**
   * The next `times` label reads of `operation` (DescribeSecret; GetSecretValue by label, never one
   * by VersionId) answer with the labels as they were just before AWSCURRENT last moved.
   */
  answerStaleLabels(operation: 'DescribeSecret' | 'GetSecretValue', times = 1): void {
    this.staleReads[operation] += times;
  }

  /** Stale label reads armed and not served yet. */
  staleReadsLeft(operation: 'DescribeSecret' | 'GetSecretValue'): number {
    return this.staleReads[operation];
  }

  /** The labels this wire call reads; the wire and mock adapters ask before DescribeSecret and GetSecretValue. */
  labelView(
    operation: 'DescribeSecret' | 'GetSecretValue',
    input: { VersionId?: string | undefined },
  ): LabelView {
    if (operation === 'GetSecretValue' && input.VersionId !== undefined) return 'now';
    if (this.staleReads[operation] <= 0) return 'now';
    this.staleReads[operation]--;
    return 'before-last-current-move';
  }

  /** The service's RotationFailed: the driver records it when a step of the rotation `token` fails. */
  recordRotationFailed(secretId: string, token: string): void {
    this.recordEvent(this.find(secretId), 'RotationFailed', token);
  }

  /**
   * Counts the call, applies a pending fault, then runs a hook waiting for it; the wire and mock
   * adapters call this first.
   */
  async enter(operation: SmOperation, input?: unknown): Promise<void> {
    this.calls[operation] = (this.calls[operation] ?? 0) + 1;
    if (
      this.writeThrottle &&
      (operation === 'PutSecretValue' || operation === 'UpdateSecretVersionStage') &&
      !this.writeThrottle.take()
    ) {
      throw new AwsServiceError('ThrottlingException', 'Rate exceeded', 400);
    }
    await this.applyFault(operation);
    const hook = this.hooks.find((h) => h.operation === operation && (h.when?.(input ?? {}) ?? true));
    if (!hook) return;
    this.hooks.splice(this.hooks.indexOf(hook), 1);
    hook.fired = true;
    await hook.run(input ?? {});
  }

  private async applyFault(operation: SmOperation): Promise<void> {
    const fault = this.faults.find((f) => f.operation === operation && f.times > 0);
    if (!fault) return;
    if (fault.skip) {
      fault.skip--;
      return;
    }
    fault.times--;
    if (fault.hang) await new Promise<never>(() => {});
    if (fault.delayMs) await new Promise((resolve) => setTimeout(resolve, fault.delayMs));
    if (fault.error !== undefined || !fault.delayMs) {
      throw fault.error ?? new AwsServiceError('InternalServiceError', 'Injected failure', 500);
    }
  }

  createSecret(input: {
    Name: string;
    SecretString?: string;
    KmsKeyId?: string;
    ClientRequestToken?: string;
  }) {
    if (this.secrets.has(input.Name)) {
      throw new AwsServiceError(
        'ResourceExistsException',
        `The operation failed because the secret ${input.Name} already exists.`,
      );
    }
    if (input.SecretString !== undefined) this.requireEncrypt(input.KmsKeyId);
    const suffix = randomUUID().replace(/-/g, '').slice(0, 6);
    const arn = `arn:aws:secretsmanager:${this.region}:${this.accountId}:secret:${input.Name}-${suffix}`;
    const secret: Secret = {
      arn,
      name: input.Name,
      kmsKeyId: input.KmsKeyId,
      versions: new Map(),
      tags: new Map(),
      rotationEnabled: false,
      rotationLambdaArn: undefined,
      rotationRules: undefined,
      lastRotatedAt: undefined,
      lastChangedAt: this.now(),
      openRotation: undefined,
      labelsBeforeCurrentMove: undefined,
    };
    this.secrets.set(input.Name, secret);
    const versionId = input.ClientRequestToken ?? randomUUID();
    if (input.SecretString !== undefined) {
      secret.versions.set(versionId, {
        value: input.SecretString,
        stages: new Set(['AWSCURRENT']),
        createdAt: this.now(),
      });
    }
    return {
      ARN: arn,
      Name: input.Name,
      VersionId: input.SecretString !== undefined ? versionId : undefined,
    };
  }

  /** Turns rotation on, as RotateSecret with a Lambda ARN or CloudFormation's RotationSchedule does. */
  enableRotation(
    secretId: string,
    lambdaArn: string,
    rules: Secret['rotationRules'] = { AutomaticallyAfterDays: 30 },
  ): void {
    const secret = this.find(secretId);
    secret.rotationEnabled = true;
    secret.rotationLambdaArn = lambdaArn;
    secret.rotationRules = rules;
  }

  disableRotation(secretId: string): void {
    this.find(secretId).rotationEnabled = false;
  }

  describeSecret(input: { SecretId: string }, view: LabelView = 'now') {
    const secret = this.find(input.SecretId);
    const stages: Record<string, string[]> = {};
    for (const [id, labels] of this.labelsIn(secret, view)) if (labels.size > 0) stages[id] = [...labels];
    const days = rotationIntervalDays(secret.rotationRules);
    return {
      ARN: secret.arn,
      Name: secret.name,
      KmsKeyId: secret.kmsKeyId,
      RotationEnabled: secret.rotationEnabled,
      RotationLambdaARN: secret.rotationLambdaArn,
      RotationRules: secret.rotationRules,
      LastRotatedDate: secret.lastRotatedAt === undefined ? undefined : new Date(secret.lastRotatedAt),
      LastChangedDate: new Date(secret.lastChangedAt),
      NextRotationDate:
        secret.rotationEnabled && days !== undefined
          ? new Date((secret.lastRotatedAt ?? secret.lastChangedAt) + days * 86_400_000)
          : undefined,
      VersionIdsToStages: stages,
      ...(secret.tags.size > 0 ? { Tags: [...secret.tags].map(([Key, Value]) => ({ Key, Value })) } : {}),
    };
  }

  tagResource(input: { SecretId: string; Tags?: { Key?: string; Value?: string }[] }) {
    const secret = this.find(input.SecretId);
    for (const tag of input.Tags ?? []) {
      if (!tag.Key || tag.Value === undefined || tag.Key.length > 128 || tag.Value.length > 256) {
        throw new AwsServiceError(
          'ValidationException',
          'A tag needs a Key (1-128) and a Value (0-256 characters).',
        );
      }
      secret.tags.set(tag.Key, tag.Value);
    }
    return {};
  }

  untagResource(input: { SecretId: string; TagKeys?: string[] }) {
    const secret = this.find(input.SecretId);
    for (const key of input.TagKeys ?? []) secret.tags.delete(key);
    return {};
  }

  /** Removes a tag, as an operator with UntagResource would. */
  untag(secretId: string, key: string): void {
    this.find(secretId).tags.delete(key);
  }

  getSecretValue(
    input: { SecretId: string; VersionId?: string; VersionStage?: string },
    view: LabelView = 'now',
  ) {
    const secret = this.find(input.SecretId);
    const labels = this.labelsIn(secret, view);
    const stage = input.VersionStage ?? (input.VersionId ? undefined : 'AWSCURRENT');
    let id: string | undefined;
    if (input.VersionId !== undefined) {
      id = secret.versions.has(input.VersionId) ? input.VersionId : undefined;
      if (id !== undefined && stage !== undefined && !labels.get(id)?.has(stage)) id = undefined;
    } else {
      id = [...labels].find(([, l]) => l.has(stage ?? 'AWSCURRENT'))?.[0];
    }
    const version = id === undefined ? undefined : secret.versions.get(id);
    if (id === undefined || version?.value === undefined) {
      throw new AwsServiceError(
        'ResourceNotFoundException',
        `Secrets Manager can't find the specified secret value for ${
          input.VersionId ? `VersionId: ${input.VersionId}` : `staging label: ${stage}`
        }`,
      );
    }
    if (this.kms.refusesDecrypt(secret.kmsKeyId ?? SECRETS_MANAGER_DEFAULT_KEY)) {
      throw new AwsServiceError(
        'DecryptionFailure',
        "Secrets Manager can't decrypt the protected secret text using the provided KMS key.",
      );
    }
    return {
      ARN: secret.arn,
      Name: secret.name,
      VersionId: id,
      SecretString: version.value,
      VersionStages: [...(labels.get(id) ?? [])],
      CreatedDate: new Date(version.createdAt),
    };
  }

  putSecretValue(input: {
    SecretId: string;
    ClientRequestToken?: string;
    SecretString?: string;
    VersionStages?: string[];
  }) {
    const secret = this.find(input.SecretId);
    const token = input.ClientRequestToken ?? randomUUID();
    if (input.SecretString === undefined) {
      throw new AwsServiceError(
        'InvalidParameterException',
        'You must provide either SecretString or SecretBinary.',
      );
    }
    this.requireEncrypt(secret.kmsKeyId);
    const existing = secret.versions.get(token);
    if (existing?.value !== undefined) {
      if (existing.value !== input.SecretString) {
        throw new AwsServiceError(
          'ResourceExistsException',
          `A version with VersionId ${token} already exists and it has a different value.`,
        );
      }
      return { ARN: secret.arn, Name: secret.name, VersionId: token, VersionStages: [...existing.stages] };
    }
    if (existing === undefined) {
      // A new version while a rotation is open abandons that rotation: its AWSPENDING label goes, even
      // when it sits on the AWSCURRENT version (promoted early, the rotation not yet completed).
      const pendingId = this.versionWith(secret, 'AWSPENDING');
      const promoted = pendingId !== undefined && pendingId === this.versionWith(secret, 'AWSCURRENT');
      let abandoned = promoted && !this.newVersionAbandonsPromotedRotation ? undefined : secret.openRotation;
      if (
        pendingId !== undefined &&
        (!promoted || (pendingId === secret.openRotation && this.newVersionAbandonsPromotedRotation))
      ) {
        secret.versions.get(pendingId)?.stages.delete('AWSPENDING');
        abandoned ??= pendingId;
      }
      if (abandoned !== undefined) this.recordEvent(secret, 'RotationAbandoned', abandoned);
      secret.openRotation = undefined;
    }
    const version: Version = existing ?? { value: undefined, stages: new Set(), createdAt: this.now() };
    version.value = input.SecretString;
    secret.versions.set(token, version);
    for (const stage of input.VersionStages ?? ['AWSCURRENT']) this.attach(secret, stage, token);
    secret.lastChangedAt = this.now();
    return { ARN: secret.arn, Name: secret.name, VersionId: token, VersionStages: [...version.stages] };
  }

  updateSecretVersionStage(input: {
    SecretId: string;
    VersionStage: string;
    MoveToVersionId?: string;
    RemoveFromVersionId?: string;
  }) {
    const secret = this.find(input.SecretId);
    const holder = this.versionWith(secret, input.VersionStage);
    if (input.MoveToVersionId !== undefined && !secret.versions.has(input.MoveToVersionId)) {
      throw new AwsServiceError('ResourceNotFoundException', `Version ${input.MoveToVersionId} not found.`);
    }
    if (input.RemoveFromVersionId !== undefined && input.RemoveFromVersionId !== holder) {
      throw new AwsServiceError(
        'InvalidParameterException',
        `The staging label ${input.VersionStage} is not attached to version ${input.RemoveFromVersionId}.`,
      );
    }
    if (input.MoveToVersionId !== undefined) {
      if (holder !== undefined && holder !== input.MoveToVersionId && input.RemoveFromVersionId !== holder) {
        throw new AwsServiceError(
          'InvalidParameterException',
          `The staging label ${input.VersionStage} is currently attached to version ${holder}, so you must explicitly reference that version in RemoveFromVersionId.`,
        );
      }
      this.attach(secret, input.VersionStage, input.MoveToVersionId);
    } else if (holder !== undefined) {
      secret.versions.get(holder)?.stages.delete(input.VersionStage);
    }
    secret.lastChangedAt = this.now();
    return { ARN: secret.arn, Name: secret.name };
  }

  listSecretVersionIds(input: { SecretId: string; IncludeDeprecated?: boolean }) {
    const secret = this.find(input.SecretId);
    const versions = [...secret.versions]
      .filter(([, v]) => input.IncludeDeprecated || v.stages.size > 0)
      .map(([id, v]) => ({
        VersionId: id,
        VersionStages: [...v.stages],
        CreatedDate: new Date(v.createdAt),
      }));
    return { ARN: secret.arn, Name: secret.name, Versions: versions };
  }

  /** The name of every secret, for a local deployment that names them all. */
  secretNames(): string[] {
    return [...this.secrets.values()].map((secret) => secret.name);
  }

  /**
   * ListSecrets, paginated like the service (MaxResults 1-100, NextToken), with the Filters this
   * project uses (name, tag-key, tag-value; prefix match, case-sensitive, `!` negates), as AWS
   * documents them: at most 10 filters, which together must all match, the values of one filter any;
   * tag-key and tag-value each match any tag, not necessarily the same one. A page is filtered after
   * it is cut, so a filtered page may be empty and still carry a NextToken, as the service's may.
   * https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_ListSecrets.html
   * https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_Filter.html
   */
  listSecrets(input: {
    MaxResults?: number;
    NextToken?: string;
    Filters?: { Key?: string; Values?: string[] }[];
  }) {
    const pageSize = input.MaxResults ?? 100;
    const start = input.NextToken === undefined ? 0 : Number(input.NextToken);
    if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > 100 || !Number.isInteger(start)) {
      throw new AwsServiceError('InvalidParameterException', 'Invalid MaxResults or NextToken.');
    }
    const given = input.Filters ?? [];
    if (given.length > 10) {
      throw new AwsServiceError('ValidationException', 'At most 10 filters.');
    }
    const filters = given.map(parseFilter);
    const all = [...this.secrets.values()];
    const page = all
      .slice(start, start + pageSize)
      .filter((secret) => filters.every((filter) => filter(secret)))
      .map((secret) => {
        const { VersionIdsToStages, ...described } = this.describeSecret({ SecretId: secret.arn });
        return { ...described, SecretVersionsToStages: VersionIdsToStages };
      });
    const next = start + pageSize;
    return { SecretList: page, NextToken: next < all.length ? String(next) : undefined };
  }

  /**
   * The service's side of RotateSecret before the first step: refuse while a rotation is open,
   * then label an empty version AWSPENDING. Returns the token the steps receive.
   */
  beginRotation(input: {
    SecretId: string;
    ClientRequestToken?: string;
    RotationLambdaARN?: string;
    RotationRules?: Secret['rotationRules'];
  }): string {
    const secret = this.find(input.SecretId);
    if (input.RotationLambdaARN)
      this.enableRotation(
        input.SecretId,
        input.RotationLambdaARN,
        input.RotationRules ?? secret.rotationRules,
      );
    if (!secret.rotationEnabled || !secret.rotationLambdaArn) {
      throw new AwsServiceError(
        'InvalidRequestException',
        'No Lambda rotation function ARN is associated with this secret.',
      );
    }
    const pendingId = this.versionWith(secret, 'AWSPENDING');
    if (pendingId !== undefined && pendingId !== this.versionWith(secret, 'AWSCURRENT')) {
      throw new AwsServiceError(
        'InvalidRequestException',
        "A previous rotation isn't complete. That rotation will be reattempted.",
      );
    }
    if (pendingId !== undefined) secret.versions.get(pendingId)?.stages.delete('AWSPENDING');
    const token = input.ClientRequestToken ?? randomUUID();
    if (secret.versions.has(token)) {
      throw new AwsServiceError(
        'ResourceExistsException',
        `A version with VersionId ${token} already exists.`,
      );
    }
    secret.versions.set(token, { value: undefined, stages: new Set(['AWSPENDING']), createdAt: this.now() });
    secret.openRotation = token;
    this.recordEvent(secret, 'RotationStarted', token);
    return token;
  }

  /**
   * For RotateImmediately=false: a temporary AWSPENDING version for testSecret alone, empty or
   * holding a copy of the current value (AWS leaves which undocumented).
   */
  beginConfigurationTest(secretId: string, copyCurrent: boolean): string {
    const secret = this.find(secretId);
    const token = randomUUID();
    const currentId = this.versionWith(secret, 'AWSCURRENT');
    const value = copyCurrent && currentId ? secret.versions.get(currentId)?.value : undefined;
    // A staging label is on one version at a time: the test version takes AWSPENDING from any other.
    for (const version of secret.versions.values()) version.stages.delete('AWSPENDING');
    secret.versions.set(token, { value, stages: new Set(['AWSPENDING']), createdAt: this.now() });
    return token;
  }

  endConfigurationTest(secretId: string, token: string): void {
    this.find(secretId).versions.delete(token);
  }

  /**
   * The service's clean-up once every step succeeded: AWSPENDING leaves the now-current version. The
   * function never removes it itself; until this runs, a version promoted early carries both labels.
   */
  completeRotation(secretId: string, token: string): boolean {
    const secret = this.find(secretId);
    const version = secret.versions.get(token);
    if (!version?.stages.has('AWSCURRENT')) return false;
    version.stages.delete('AWSPENDING');
    if (secret.openRotation === token) secret.openRotation = undefined;
    secret.lastRotatedAt = this.now();
    this.recordEvent(secret, 'RotationSucceeded', token);
    return true;
  }

  /** Test and demo inspection: version id to labels, and a label's value. */
  stagesOf(secretId: string): Record<string, string[]> {
    return this.describeSecret({ SecretId: secretId }).VersionIdsToStages;
  }

  valueAt(secretId: string, stage: string): string | undefined {
    const secret = this.find(secretId);
    const id = this.versionWith(secret, stage);
    return id === undefined ? undefined : secret.versions.get(id)?.value;
  }

  valueOf(secretId: string, versionId: string): string | undefined {
    return this.find(secretId).versions.get(versionId)?.value;
  }

  arnOf(secretId: string): string {
    return this.find(secretId).arn;
  }

  private recordEvent(secret: Secret, type: RotationEventRecord['type'], versionId: string): void {
    this.rotationEvents.push({ at: this.now(), arn: secret.arn, type, versionId });
  }

  private requireEncrypt(kmsKeyId: string | undefined): void {
    if (this.kms.refusesEncrypt(kmsKeyId ?? SECRETS_MANAGER_DEFAULT_KEY)) {
      throw new AwsServiceError(
        'EncryptionFailure',
        "Secrets Manager can't encrypt the protected secret text using the provided KMS key. Check that the KMS key is available, enabled, and not in an invalid state.",
      );
    }
  }

  /** Version id to labels, as they are or as a stale read sees them (see LabelView). */
  private labelsIn(secret: Secret, view: LabelView): Map<string, Set<string>> {
    const labels = new Map([...secret.versions].map(([id, v]) => [id, new Set(v.stages)]));
    const before = secret.labelsBeforeCurrentMove;
    if (view === 'now' || before === undefined) return labels;
    for (const set of labels.values()) {
      set.delete('AWSCURRENT');
      set.delete('AWSPREVIOUS');
    }
    if (before.current !== undefined) labels.get(before.current)?.add('AWSCURRENT');
    if (before.previous !== undefined) labels.get(before.previous)?.add('AWSPREVIOUS');
    return labels;
  }

  private attach(secret: Secret, stage: string, versionId: string): void {
    const holder = this.versionWith(secret, stage);
    if (holder === versionId) return;
    if (stage === 'AWSCURRENT') {
      secret.labelsBeforeCurrentMove = { current: holder, previous: this.versionWith(secret, 'AWSPREVIOUS') };
    }
    if (holder !== undefined) secret.versions.get(holder)?.stages.delete(stage);
    if (stage === 'AWSCURRENT' && holder !== undefined) this.attach(secret, 'AWSPREVIOUS', holder);
    secret.versions.get(versionId)?.stages.add(stage);
    if (stage === 'AWSCURRENT') this.currentMoves.push({ at: this.now(), arn: secret.arn, versionId });
  }

  private versionWith(secret: Secret, stage: string): string | undefined {
    for (const [id, version] of secret.versions) if (version.stages.has(stage)) return id;
    return undefined;
  }

  private find(secretId: string): Secret {
    for (const secret of this.secrets.values()) {
      if (secret.name === secretId || secret.arn === secretId || secret.arn.startsWith(`${secretId}-`))
        return secret;
    }
    throw new AwsServiceError(
      'ResourceNotFoundException',
      "Secrets Manager can't find the specified secret.",
    );
  }
}

/** One ListSecrets filter as a test of a secret; refuses what the service refuses. */
function parseFilter(filter: { Key?: string; Values?: string[] }): (secret: Secret) => boolean {
  const values = filter.Values ?? [];
  if (
    values.length < 1 ||
    values.length > 10 ||
    values.some((v) => v.length > 512 || !/^!?[a-zA-Z0-9 :_@/+=.\-!]*$/.test(v))
  ) {
    throw new AwsServiceError(
      'ValidationException',
      'A filter needs 1-10 values of at most 512 characters of letters, digits and " :_@/+=.-!".',
    );
  }
  const attribute: Record<string, (secret: Secret) => string[]> = {
    name: (secret) => [secret.name],
    'tag-key': (secret) => [...secret.tags.keys()],
    'tag-value': (secret) => [...secret.tags.values()],
  };
  const of = filter.Key === undefined ? undefined : attribute[filter.Key];
  if (!of)
    throw new AwsServiceError('ValidationException', `The stand-in does not implement filter ${filter.Key}.`);
  return (secret) =>
    values.some((value) => {
      const negated = value.startsWith('!');
      const prefix = negated ? value.slice(1) : value;
      const found = of(secret).some((candidate) => candidate.startsWith(prefix));
      return negated ? !found : found;
    });
}

/** The interval of a rate schedule in days; cron schedules are not evaluated by the stand-in. */
function rotationIntervalDays(rules: Secret['rotationRules']): number | undefined {
  if (rules?.AutomaticallyAfterDays !== undefined) return rules.AutomaticallyAfterDays;
  const rate = /^rate\((\d+) (hour|hours|day|days)\)$/.exec(rules?.ScheduleExpression ?? '');
  if (!rate) return undefined;
  return rate[2]?.startsWith('hour') ? Number(rate[1]) / 24 : Number(rate[1]);
}
