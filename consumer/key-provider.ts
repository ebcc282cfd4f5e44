import {
  GetSecretValueCommand,
  ResourceNotFoundException,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { parseSecretValue } from '../common/secret-value.js';
import type { ConsumerEvent, ConsumerEventListener } from './events.js';

export type { ConsumerEvent } from './events.js';

export interface RinggKeyProviderOptions {
  /** Name or ARN of the secret holding the Ringg key (plain string or JSON with `apiKey`). */
  readonly secretId: string;
  /**
   * How long a key read from AWSCURRENT is used before it is read again.
   *
   * @default 300000 (5 minutes)
   */
  readonly ttlMs?: number;
  /**
   * How long a key taken from AWSPENDING (during a rotation's window), or a key known to be rejected,
   * is used before AWSCURRENT is read again.
   *
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

/** While a rotation is between regenerate and its write of AWSPENDING, the new key is moments away. */
const PENDING_POLLS_MS = [50, 100, 200, 400];

/**
 * The Ringg key from Secrets Manager, cached, with one read however many callers ask at once. After
 * Ringg rejects a key, `refresh` finds the live one: AWSCURRENT if it changed, else AWSPENDING, which
 * holds the new key from setSecret's write until it is promoted (in setSecret once Ringg accepts it).
 */
export class RinggKeyProvider {
  private cached: CachedKey | undefined;
  private inFlight: Flight | undefined;
  /** The last key Ringg rejected: never cached for long again, even if AWSCURRENT still holds it. */
  private lastRejected: string | undefined;
  /** A rejected key for which the secret was just found to hold nothing newer, and until when to believe it. */
  private nothingNewer: { readonly key: string; readonly until: number } | undefined;
  private readonly client: SecretsManagerClient;
  private readonly now: () => number;
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(private readonly options: RinggKeyProviderOptions) {
    if (typeof options?.secretId !== 'string' || options.secretId.trim() === '') {
      throw new Error(
        'RinggKeyProvider needs `secretId`: the name or ARN of the Secrets Manager secret holding the Ringg key, e.g. "ringg/prod".',
      );
    }
    this.client = options.client ?? new SecretsManagerClient({});
    this.now = options.now ?? Date.now;
    this.sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
  }

  /** The key to use now. */
  async getKey(): Promise<string> {
    if (this.cached && this.cached.expiresAt > this.now()) return this.cached.key;
    return this.join(this.lastRejected);
  }

  /**
   * The key to use after Ringg rejected `rejectedKey`. Callers that were rejected with the same key
   * at the same time share one refresh; a caller whose key was already replaced gets the new one at
   * once. Returns `rejectedKey` itself when the secret holds nothing newer.
   */
  async refresh(rejectedKey: string): Promise<string> {
    this.lastRejected = rejectedKey;
    // A dead key with nothing newer in the secret ("Key lost"): every 401 would otherwise read the
    // secret again, so a storm of rejected requests is answered from what the last read found.
    if (this.nothingNewer?.key === rejectedKey && this.nothingNewer.until > this.now()) return rejectedKey;
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
    const current = await this.read('AWSCURRENT');
    if (current !== undefined && current !== rejectedKey) return this.keep(current, 'AWSCURRENT');
    for (const wait of [0, ...PENDING_POLLS_MS]) {
      if (wait) await this.sleep(wait);
      const pending = await this.read('AWSPENDING');
      if (pending !== undefined && pending !== rejectedKey) return this.keep(pending, 'AWSPENDING');
    }
    if (current === undefined)
      throw new Error(
        `Secret ${this.options.secretId} holds no Ringg key in AWSCURRENT. Store the workspace's key in it (README "Deploy").`,
      );
    // Nothing newer exists: the rejected key is all there is. Keep it briefly so callers do not hammer Secrets Manager.
    const ttl = this.options.pendingTtlMs ?? 5_000;
    if (rejectedKey !== undefined) this.nothingNewer = { key: rejectedKey, until: this.now() + ttl };
    return this.keep(current, 'AWSCURRENT', ttl);
  }

  private keep(key: string, stage: 'AWSCURRENT' | 'AWSPENDING', ttlMs?: number): string {
    const ttl =
      ttlMs ??
      (stage === 'AWSPENDING' ? (this.options.pendingTtlMs ?? 5_000) : (this.options.ttlMs ?? 300_000));
    this.cached = { key, expiresAt: this.now() + ttl };
    this.report({ type: 'key-loaded', stage });
    return key;
  }

  private async read(stage: 'AWSCURRENT' | 'AWSPENDING'): Promise<string | undefined> {
    let secretString: string | undefined;
    try {
      const out = await this.client.send(
        new GetSecretValueCommand({ SecretId: this.options.secretId, VersionStage: stage }),
      );
      secretString = out.SecretString;
    } catch (error) {
      if (error instanceof ResourceNotFoundException) return undefined;
      const name = error instanceof Error ? error.name : 'Error';
      this.report({ type: 'refresh-failed', error: name });
      throw new Error(
        `Could not read the Ringg key from secret ${this.options.secretId} (${stage}): ${name}` +
          `${error instanceof Error ? `: ${error.message}` : ''}. Check the region and credentials the AWS SDK uses ` +
          '(AWS_REGION, AWS_PROFILE, the instance or task role) and that they allow secretsmanager:GetSecretValue ' +
          'on the secret (and kms:Decrypt on its customer-managed key, if it has one).',
        { cause: error },
      );
    }
    const parsed = parseSecretValue(secretString);
    if (!parsed.ok)
      throw new Error(
        `Secret ${this.options.secretId} (${stage}) is not a Ringg key: ${parsed.problem}. ` +
          'It must hold the key as a plain string or as JSON with a string field "apiKey" (README "Secret formats").',
      );
    return parsed.value.apiKey;
  }
}
