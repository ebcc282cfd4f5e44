import type { RinggSecretErrorCode } from './key-errors.js';

/**
 * What the consumer library reports to an `onEvent` listener. No event ever carries a key: a key is
 * named only by its fingerprint (`sha256:` and 8 hex characters of its SHA-256).
 */
export type ConsumerEvent =
  /** A key was read from Secrets Manager (always AWSCURRENT) and is used from now on. */
  | { readonly type: 'key-loaded'; readonly stage: 'AWSCURRENT' }
  /**
   * Ringg answered 401 to a request: it rejected the key. `outcome` says what the library did:
   * - `repeated`: a newer key was found in AWSCURRENT and the request was sent again once with it;
   * - `not-repeated`: a newer key was found and is used from now on, but repeating is turned off, so
   *   the caller got the 401;
   * - `no-newer-key`: AWSCURRENT holds nothing newer than the rejected key, or the newer key was
   *   rejected too: every key the secret holds is dead. The caller got a `RinggKeysRejectedError`
   *   (code `all-keys-rejected`); a person must act (docs/workspaces.md);
   * - `refresh-failed`: reading the secret failed (a `refresh-failed` event names the error); the
   *   caller got that `RinggSecretError`.
   */
  | {
      readonly type: 'key-rejected';
      readonly status: number;
      readonly method: string;
      /** The request path, without its query string. */
      readonly path: string;
      readonly keyFingerprint: string;
      readonly outcome: 'repeated' | 'not-repeated' | 'no-newer-key' | 'refresh-failed';
    }
  /**
   * Reading the secret failed; `error` is the SDK error's name, e.g. `AccessDeniedException`, and
   * `code` the library's (`RinggSecretError.code`), e.g. `secret-access-denied`.
   */
  | { readonly type: 'refresh-failed'; readonly error: string; readonly code: RinggSecretErrorCode };

export type ConsumerEventListener = (event: ConsumerEvent) => void;
