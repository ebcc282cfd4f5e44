/**
 * Why the library has no key to give, as typed errors with a `code`. None ever holds a key: a key
 * is named by its fingerprint only.
 */

export type RinggSecretErrorCode =
  /** Secrets Manager has no such secret in the client's Region (a typo, or another Region or account). */
  | 'secret-not-found'
  /** The secret's ARN names another Region than the one the client reads from. */
  | 'wrong-region'
  /** The credentials may not read the secret (AccessDeniedException). */
  | 'secret-access-denied'
  /** Secrets Manager could not decrypt the value: its KMS key refuses these credentials, or is disabled. */
  | 'secret-decryption-failed'
  /** The secret has no AWSCURRENT value, or one that is not a Ringg key. */
  | 'secret-has-no-key'
  /** The AWS SDK has no Region or no usable credentials. */
  | 'aws-configuration'
  /** Anything else (throttling, the network, a 5xx): a later read may succeed. */
  | 'secret-read-failed';

/** Reading the Ringg key from Secrets Manager failed. */
export class RinggSecretError extends Error {
  override readonly name = 'RinggSecretError';

  constructor(
    readonly code: RinggSecretErrorCode,
    /** The secret id the provider was given. */
    readonly secretId: string,
    /** The Region the client reads from, when it has one. */
    readonly region: string | undefined,
    message: string,
    /** True when the same read may succeed later without anyone changing anything. */
    readonly retryable: boolean,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/**
 * Ringg answered 401 to every key the secret holds: the key in AWSCURRENT (and the one used before
 * it, if any) is dead. Nothing the library can do helps: a person must store the workspace's live
 * key in the secret (docs/workspaces.md, "What the consumer library reports").
 */
export class RinggKeysRejectedError extends Error {
  override readonly name = 'RinggKeysRejectedError';
  readonly code = 'all-keys-rejected';

  constructor(
    readonly secretId: string,
    readonly method: string,
    /** The request path, without its query string. */
    readonly path: string,
    readonly status: number,
    /** The rejected keys, as `sha256:` fingerprints, newest last. */
    readonly keyFingerprints: readonly string[],
  ) {
    super(
      `Ringg rejects every key secret ${secretId} holds (${keyFingerprints.join(', ')}; HTTP ${status} to ${method} ${path}), ` +
        'so the request failed and was not repeated. The secret will be read again at most once per refresh ' +
        "interval. Someone must store the workspace's live key in it: first look for another secret holding " +
        "that workspace's live key (a copy whose rotation killed this one) and copy it, and only if none exists " +
        'regenerate the key in the Ringg dashboard and store it with `ringg-rotate recover` (docs/workspaces.md).',
    );
  }
}
