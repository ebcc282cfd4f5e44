import {
  GetSecretValueCommand,
  ResourceNotFoundException,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { parseSecretValue } from '../common/secret-value.js';

/** What the library reports; never carries a key. */
export type ConsumerEvent =
  | { readonly type: 'key-loaded'; readonly stage: 'AWSCURRENT' | 'AWSPENDING' }
  | { readonly type: 'key-rejected'; readonly status: number }
  | { readonly type: 'refresh-failed'; readonly error: string };

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
   * How long a key taken from AWSPENDING (during a rotation's window) is used before AWSCURRENT is
   * read again.
   *
   * @default 5000
   */
  readonly pendingTtlMs?: number;
  /** @default a new SecretsManagerClient with the SDK's standard configuration */
  readonly client?: SecretsManagerClient;
  readonly onEvent?: (event: ConsumerEvent) => void;
  /** @default Date.now */
  readonly now?: () => number;
  /** @default setTimeout-based sleep */
  readonly sleep?: (ms: number) => Promise<void>;
}

interface CachedKey {
  readonly key: string;
  readonly expiresAt: number;
}

/** While a rotation is between regenerate and its write of AWSPENDING, the new key is moments away. */
const PENDING_POLLS_MS = [50, 100, 200, 400];

/**
 * The Ringg key from Secrets Manager, cached, with one read however many callers ask at once. After
 * Ringg rejects a key, `refresh` finds the live one: AWSCURRENT if it changed, else AWSPENDING, which
 * holds the new key between a rotation's setSecret and finishSecret.
 */
export class RinggKeyProvider {
  private cached: CachedKey | undefined;
  private inFlight: Promise<string> | undefined;
  private readonly client: SecretsManagerClient;
  private readonly now: () => number;
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(private readonly options: RinggKeyProviderOptions) {
    this.client = options.client ?? new SecretsManagerClient({});
    this.now = options.now ?? Date.now;
    this.sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
  }

  /** The key to use now. */
  async getKey(): Promise<string> {
    if (this.cached && this.cached.expiresAt > this.now()) return this.cached.key;
    return this.singleFlight(() => this.load(undefined));
  }

  /**
   * The key to use after Ringg rejected `rejectedKey`. Callers that were rejected with the same key
   * at the same time share one refresh; a caller whose key was already replaced gets the new one at once.
   */
  async refresh(rejectedKey: string): Promise<string> {
    if (this.cached && this.cached.key !== rejectedKey && this.cached.expiresAt > this.now())
      return this.cached.key;
    return this.singleFlight(() => this.load(rejectedKey));
  }

  private singleFlight(load: () => Promise<string>): Promise<string> {
    if (!this.inFlight) {
      this.inFlight = load().finally(() => {
        this.inFlight = undefined;
      });
    }
    return this.inFlight;
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
      throw new Error(`Secret ${this.options.secretId} holds no Ringg key in AWSCURRENT.`);
    // Nothing newer exists: the rejected key is all there is. Keep it briefly so callers do not hammer Secrets Manager.
    return this.keep(current, 'AWSCURRENT', this.options.pendingTtlMs ?? 5_000);
  }

  private keep(key: string, stage: 'AWSCURRENT' | 'AWSPENDING', ttlMs?: number): string {
    const ttl =
      ttlMs ??
      (stage === 'AWSPENDING' ? (this.options.pendingTtlMs ?? 5_000) : (this.options.ttlMs ?? 300_000));
    this.cached = { key, expiresAt: this.now() + ttl };
    this.options.onEvent?.({ type: 'key-loaded', stage });
    return key;
  }

  private async read(stage: 'AWSCURRENT' | 'AWSPENDING'): Promise<string | undefined> {
    try {
      const out = await this.client.send(
        new GetSecretValueCommand({ SecretId: this.options.secretId, VersionStage: stage }),
      );
      const parsed = parseSecretValue(out.SecretString);
      if (!parsed.ok)
        throw new Error(`Secret ${this.options.secretId} (${stage}) is not a Ringg key: ${parsed.problem}.`);
      return parsed.value.apiKey;
    } catch (error) {
      if (error instanceof ResourceNotFoundException) return undefined;
      this.options.onEvent?.({
        type: 'refresh-failed',
        error: error instanceof Error ? error.name : 'error',
      });
      throw error;
    }
  }
}
