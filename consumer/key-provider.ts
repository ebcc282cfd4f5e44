import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { parseSecretValue } from '../common/secret-value.js';
import type { ConsumerEvent, ConsumerEventListener } from './events.js';
import { RinggSecretError } from './key-errors.js';
import { readFailure, secretArnRegion } from './read-failure.js';

export type { ConsumerEvent } from './events.js';

export interface RinggKeyProviderOptions {
  /** Name or ARN of the secret holding the Ringg key (plain string or JSON with `apiKey`). */
  readonly secretId: string;
  /**
   * How long a working key read from AWSCURRENT is used before it is read again.
   *
   * @default 300000 (5 minutes)
   */
  readonly ttlMs?: number;
  /**
   * The refresh interval: how long a key Ringg rejected with nothing newer in the secret, or a read
   * that failed for good (no such secret, no permission), stands before the secret is read again.
   * While every key is dead, the secret is read at most once per interval.
   *
   * @default 5000
   */
  readonly refreshIntervalMs?: number;
  /**
   * The former name of `refreshIntervalMs`, from when the library also took keys from AWSPENDING.
   *
   * @deprecated use `refreshIntervalMs`
   * @default 5000
   */
  readonly pendingTtlMs?: number;
  /**
   * The Secrets Manager client.
   *
   * @default - a new SecretsManagerClient with the SDK's standard configuration: region, credentials
   * and endpoint (`AWS_ENDPOINT_URL_SECRETS_MANAGER`) from the SDK's default providers
   */
  readonly client?: SecretsManagerClient;
  /**
   * Receives what the library does (keys loaded, keys rejected, failed reads). Never given a key.
   *
   * @default - no listener
   */
  readonly onEvent?: ConsumerEventListener;
  /**
   * The clock the cache expires by (for tests).
   *
   * @default Date.now
   */
  readonly now?: () => number;
  /**
   * How the library waits while it polls for a key being written (for tests).
   *
   * @default - a setTimeout-based sleep
   */
  readonly sleep?: (ms: number) => Promise<void>;
}

interface CachedKey {
  readonly key: string;
  readonly expiresAt: number;
}

interface Flight {
  /** The key the load must not return unless nothing newer exists. */
  readonly rejected: string | undefined;
  readonly promise: Promise<string>;
}

/**
 * When Ringg rejects the key AWSCURRENT holds, the rotation that killed it is most likely promoting
 * the new key this very moment: setSecret moves AWSCURRENT once Ringg accepts the new key, tens to
 * hundreds of milliseconds after the regenerate (docs/benchmarks.md, stale window; 751 ms at most
 * measured with a new key that Ringg refuses for its first 400 ms). AWSCURRENT is read again after
 * these pauses, 1.55 s in all, once per dead key.
 */
export const CURRENT_KEY_POLLS_MS: readonly number[] = [50, 100, 200, 400, 800];

const DEFAULT_TTL_MS = 300_000;
const DEFAULT_REFRESH_INTERVAL_MS = 5_000;

/**
 * The Ringg key from Secrets Manager, cached, with one read however many callers ask at once. Only
 * AWSCURRENT is ever used: a key gets there when the rotation has proven it with Ringg for the
 * secret's workspace, or when a person stored it. After Ringg rejects a key, `refresh` finds the
 * newer one AWSCURRENT holds, waiting briefly for a rotation that is promoting it.
 */
export class RinggKeyProvider {
  private cached: CachedKey | undefined;
  private inFlight: Flight | undefined;
  /** The last key Ringg rejected: never cached for long again, even if AWSCURRENT still holds it. */
  private lastRejected: string | undefined;
  /** A rejected key for which the secret was found to hold nothing newer, and until when to believe it. */
  private nothingNewer: { readonly key: string; readonly until: number } | undefined;
  /** The rejected key whose polls of AWSCURRENT were spent: the polls bridge a promotion, once. */
  private polledFor: string | undefined;
  /** A read that failed for good, and until when it stands. */
  private failure: { readonly error: RinggSecretError; readonly until: number } | undefined;
  private readonly client: SecretsManagerClient;
  private readonly now: () => number;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly ttlMs: number;
  private readonly refreshIntervalMs: number;

  /** The secret the key is read from, as given. */
  get secretId(): string {
    return this.options.secretId;
  }

  constructor(private readonly options: RinggKeyProviderOptions) {
    if (typeof options?.secretId !== 'string' || options.secretId.trim() === '') {
      throw new Error(
        'RinggKeyProvider needs `secretId`: the name or ARN of the Secrets Manager secret holding the Ringg key, e.g. "ringg/prod".',
      );
    }
    this.ttlMs = milliseconds('ttlMs', options.ttlMs, DEFAULT_TTL_MS);
    this.refreshIntervalMs = milliseconds(
      options.refreshIntervalMs === undefined && options.pendingTtlMs !== undefined
        ? 'pendingTtlMs'
        : 'refreshIntervalMs',
      options.refreshIntervalMs ?? options.pendingTtlMs,
      DEFAULT_REFRESH_INTERVAL_MS,
    );
    this.client = options.client ?? new SecretsManagerClient({});
    this.now = options.now ?? Date.now;
    this.sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
  }

  /** The key to use now. Throws a {@link RinggSecretError} when the secret cannot give one. */
  async getKey(): Promise<string> {
    if (this.cached && this.cached.expiresAt > this.now()) return this.cached.key;
    this.throwStandingFailure();
    return this.join(this.lastRejected);
  }

  /**
   * The key to use after Ringg rejected `rejectedKey`. Callers that were rejected with the same key
   * at the same time share one refresh; a caller whose key was already replaced gets the new one at
   * once. Returns `rejectedKey` itself when the secret holds nothing newer.
   */
  async refresh(rejectedKey: string): Promise<string> {
    this.lastRejected = rejectedKey;
    // Every key dead ("Key lost"): the last read found nothing newer, and is believed for the refresh
    // interval, so a storm of rejected requests costs no Secrets Manager read.
    if (this.nothingNewer?.key === rejectedKey && this.nothingNewer.until > this.now()) return rejectedKey;
    this.throwStandingFailure();
    // At most two rounds: a load already under way for another reason may return the rejected key.
    for (let round = 0; round < 2; round++) {
      if (this.cached && this.cached.key !== rejectedKey && this.cached.expiresAt > this.now())
        return this.cached.key;
      const flight = this.inFlight;
      if (flight && flight.rejected !== rejectedKey) {
        await flight.promise.catch(() => undefined);
        continue;
      }
      break;
    }
    return this.join(rejectedKey);
  }

  /** Passes an event to the `onEvent` listener, so one listener sees what the API client does too. */
  report(event: ConsumerEvent): void {
    this.options.onEvent?.(event);
  }

  private throwStandingFailure(): void {
    if (this.failure && this.failure.until > this.now()) throw this.failure.error;
  }

  private join(rejected: string | undefined): Promise<string> {
    if (this.inFlight && (this.inFlight.rejected === rejected || rejected === undefined))
      return this.inFlight.promise;
    const promise = this.load(rejected).finally(() => {
      if (this.inFlight?.promise === promise) this.inFlight = undefined;
    });
    this.inFlight = { rejected, promise };
    return promise;
  }

  private async load(rejectedKey: string | undefined): Promise<string> {
    let current = await this.read();
    if (current !== rejectedKey) return this.keep(current, this.ttlMs);
    if (this.polledFor !== rejectedKey) {
      this.polledFor = rejectedKey;
      for (const wait of CURRENT_KEY_POLLS_MS) {
        await this.sleep(wait);
        current = await this.read();
        if (current !== rejectedKey) return this.keep(current, this.ttlMs);
      }
    }
    // Nothing newer: the rejected key is all the secret holds. Believe that for the refresh interval.
    this.nothingNewer = { key: current, until: this.now() + this.refreshIntervalMs };
    return this.keep(current, this.refreshIntervalMs);
  }

  private keep(key: string, ttlMs: number): string {
    this.cached = { key, expiresAt: this.now() + ttlMs };
    this.report({ type: 'key-loaded', stage: 'AWSCURRENT' });
    return key;
  }

  /** The key in AWSCURRENT; a {@link RinggSecretError} when there is none to be had. */
  private async read(): Promise<string> {
    const { secretId } = this.options;
    const region = await this.client.config.region().catch(() => undefined);
    const arnRegion = secretArnRegion(secretId);
    if (region !== undefined && arnRegion !== undefined && arnRegion !== region) {
      throw this.fail(
        new RinggSecretError(
          'wrong-region',
          secretId,
          region,
          `Secret ${secretId} is in Region ${arnRegion}, but the Secrets Manager client reads from ${region}. ` +
            `Set AWS_REGION=${arnRegion} for this service (or pass a client for ${arnRegion}), or use the ` +
            `ARN of a replica in ${region}. Nothing was read.`,
          false,
        ),
      );
    }
    let secretString: string | undefined;
    try {
      const out = await this.client.send(
        new GetSecretValueCommand({ SecretId: secretId, VersionStage: 'AWSCURRENT' }),
      );
      secretString = out.SecretString;
    } catch (error) {
      throw this.fail(readFailure(error, secretId, region));
    }
    const parsed = parseSecretValue(secretString);
    if (!parsed.ok)
      throw this.fail(
        new RinggSecretError(
          'secret-has-no-key',
          secretId,
          region,
          `Secret ${secretId} (AWSCURRENT) is not a Ringg key: ${parsed.problem}. It must hold the key as a ` +
            'plain string or as JSON with a string field "apiKey" (README "Secret formats").',
          false,
        ),
      );
    this.failure = undefined;
    return parsed.value.apiKey;
  }

  /** Reports a failed read and, unless a retry may succeed, lets it stand for the refresh interval. */
  private fail(error: RinggSecretError): RinggSecretError {
    const cause = error.cause instanceof Error ? error.cause.name : undefined;
    this.report({ type: 'refresh-failed', error: cause ?? error.code, code: error.code });
    if (!error.retryable) this.failure = { error, until: this.now() + this.refreshIntervalMs };
    return error;
  }
}

function milliseconds(option: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0)
    throw new Error(`RinggKeyProvider option ${option} must be a number of milliseconds ≥ 0, not ${value}.`);
  return value;
}
