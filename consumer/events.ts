/**
 * What the consumer library reports to an `onEvent` listener. No event ever carries a key: a key is
 * named only by its fingerprint (`sha256:` and 8 hex characters of its SHA-256).
 */
export type ConsumerEvent =
  /** A key was read from Secrets Manager and is used from now on. */
  | { readonly type: 'key-loaded'; readonly stage: 'AWSCURRENT' | 'AWSPENDING' }
  /**
   * Ringg answered 401 to a request: it rejected the key. `outcome` says what the library did:
   * - `repeated`: a newer key was found and the request was sent again once with it;
   * - `not-repeated`: a newer key was found and is used from now on, but repeating is turned off, so
   *   the caller got the 401;
   * - `no-newer-key`: the secret holds nothing newer than the rejected key (in AWSCURRENT or
   *   AWSPENDING): the key was changed outside Secrets Manager or a rotation lost it. The caller got
   *   the 401; an operator must act (README runbook "Key lost");
   * - `refresh-failed`: reading the secret failed (a `refresh-failed` event names the error); the
   *   caller got the 401.
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
  /** Reading the secret failed; `error` is the SDK error's name, e.g. `AccessDeniedException`. */
  | { readonly type: 'refresh-failed'; readonly error: string };

export type ConsumerEventListener = (event: ConsumerEvent) => void;
