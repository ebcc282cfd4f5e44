import { Agent, type Dispatcher, request } from 'undici';
import { fingerprint } from '../common/fingerprint.js';
import { parseRinggBaseUrl } from '../common/ringg-base-url.js';
import type { ConsumerEvent } from './events.js';
import { RinggKeysRejectedError } from './key-errors.js';
import type { RinggKeyProvider } from './key-provider.js';
import { RinggRequestError } from './request-error.js';

export type RinggMethod = 'GET' | 'HEAD' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export interface RinggApiOptions {
  /** Where the key comes from. */
  readonly keys: RinggKeyProvider;
  /**
   * Ringg API base URL. Only https://, or http:// to 127.0.0.1, localhost or [::1] for local runs.
   *
   * @default - `RINGG_BASE_URL` from the environment, as the rotation function and the CLI read it;
   * when unset, https://prod-api.ringg.ai/ca/api/v0
   */
  readonly baseUrl?: string;
  /**
   * After Ringg rejects the key (401), send the request once more with the newer key the secret
   * holds, whatever the method. A 401 means Ringg did not process the request, so this is safe for
   * POST too. When false the newer key is still fetched and used from the next request on, and the
   * caller gets the 401. A request can override it.
   *
   * @default true
   */
  readonly repeatOnKeyRejected?: boolean;
  /**
   * Connect, response-headers and body timeout of each request. A timeout is an error
   * ({@link RinggRequestError}) and is never repeated.
   *
   * @default 10000
   */
  readonly timeoutMs?: number;
  /**
   * The undici dispatcher that sends the requests (e.g. a MockAgent in tests, or a proxy agent).
   *
   * @default - an undici Agent with `timeoutMs` for connect, headers and body
   */
  readonly dispatcher?: Dispatcher;
  /**
   * Where `RINGG_BASE_URL` is read from.
   *
   * @default process.env
   */
  readonly env?: Readonly<Record<string, string | undefined>>;
}

export interface RinggRequest {
  /**
   * The HTTP method.
   *
   * @default 'GET'
   */
  readonly method?: RinggMethod;
  /** Sent as JSON. */
  readonly body?: unknown;
  /**
   * More request headers; the key's header is the library's.
   *
   * @default - none
   */
  readonly headers?: Record<string, string>;
  /**
   * Overrides the client's `repeatOnKeyRejected` for this request.
   *
   * @default - the client's setting
   */
  readonly repeatOnKeyRejected?: boolean;
  /**
   * Aborts the request. An aborted request is an error and is never repeated.
   *
   * @default - no signal
   */
  readonly signal?: AbortSignal;
}

export interface RinggResponse<T = unknown> {
  /** The HTTP status Ringg answered. */
  readonly status: number;
  /** The response headers. */
  readonly headers: Record<string, string | string[] | undefined>;
  /** Parsed JSON, or the text when the body is not JSON. It may hold the key: never log it. */
  readonly body: T;
}

/**
 * Calls Ringg with the key in X-API-KEY. On a 401 it asks the key provider for the live key
 * (single-flight) and, if it differs, sends the request once more with it, for any method: one
 * repeat at most, so a caller's request costs at most two Ringg requests, and one when every key is
 * known dead. Nothing else is ever repeated: a 5xx is returned as is, and a timeout or connection
 * error is thrown as a {@link RinggRequestError}.
 */
export class RinggApi {
  /** The base URL requests go to, without a trailing slash. */
  readonly baseUrl: string;
  private readonly dispatcher: Dispatcher;
  private readonly repeatOnKeyRejected: boolean;

  constructor(private readonly options: RinggApiOptions) {
    if (!options?.keys)
      throw new Error('RinggApi needs `keys`: a RinggKeyProvider for the secret holding the Ringg key.');
    const fromOption = options.baseUrl !== undefined;
    const parsed = parseRinggBaseUrl(
      fromOption ? options.baseUrl : (options.env ?? process.env).RINGG_BASE_URL,
    );
    if (!parsed.ok)
      throw new Error(`RinggApi ${fromOption ? 'option baseUrl' : 'configuration'}: ${parsed.problem}`);
    this.baseUrl = parsed.url;
    const timeoutMs = options.timeoutMs ?? 10_000;
    if (!Number.isInteger(timeoutMs) || timeoutMs < 1)
      throw new Error(
        `RinggApi option timeoutMs must be a whole number of milliseconds ≥ 1, not ${timeoutMs}.`,
      );
    this.dispatcher =
      options.dispatcher ??
      new Agent({ connect: { timeout: timeoutMs }, headersTimeout: timeoutMs, bodyTimeout: timeoutMs });
    this.repeatOnKeyRejected = options.repeatOnKeyRejected ?? true;
  }

  /**
   * Sends the request to `path` under the base URL with the current key, and answers a 401 as the
   * class describes. The response is returned whatever its status. Throws a {@link RinggSecretError}
   * when the secret gives no key, a {@link RinggKeysRejectedError} when Ringg rejects every key the
   * secret holds, and a {@link RinggRequestError} when Ringg did not answer.
   */
  async request<T = unknown>(path: string, init: RinggRequest = {}): Promise<RinggResponse<T>> {
    const method = init.method ?? 'GET';
    const cleanPath = path.split('?')[0] ?? path;
    const key = await this.options.keys.getKey();
    const first = await this.send<T>(path, method, key, init);
    if (first.status !== 401) return first;

    const rejected = (
      outcome: Extract<ConsumerEvent, { type: 'key-rejected' }>['outcome'],
      rejectedKey = key,
    ) =>
      this.options.keys.report({
        type: 'key-rejected',
        status: 401,
        method,
        path: cleanPath,
        keyFingerprint: fingerprint(rejectedKey),
        outcome,
      });
    let fresh: string;
    try {
      fresh = await this.options.keys.refresh(key);
    } catch (error) {
      rejected('refresh-failed');
      throw error;
    }
    const allRejected = (keys: string[]) =>
      new RinggKeysRejectedError(this.options.keys.secretId, method, cleanPath, 401, keys.map(fingerprint));
    if (fresh === key) {
      rejected('no-newer-key');
      throw allRejected([key]);
    }
    if (!(init.repeatOnKeyRejected ?? this.repeatOnKeyRejected)) {
      rejected('not-repeated');
      return first;
    }
    rejected('repeated');
    const second = await this.send<T>(path, method, fresh, init);
    if (second.status !== 401) return second;
    // Never a second repeat: the key AWSCURRENT holds now is dead too. The next request's 401 makes
    // the provider look again, at most once per refresh interval.
    rejected('no-newer-key', fresh);
    throw allRejected([key, fresh]);
  }

  /** Closes the connections of the dispatcher the client created (not one passed in). */
  async close(): Promise<void> {
    if (!this.options.dispatcher) await this.dispatcher.close();
  }

  private async send<T>(
    path: string,
    method: RinggMethod,
    key: string,
    init: RinggRequest,
  ): Promise<RinggResponse<T>> {
    let response: Dispatcher.ResponseData;
    let text: string;
    try {
      response = await request(`${this.baseUrl}${path.startsWith('/') ? path : `/${path}`}`, {
        method,
        dispatcher: this.dispatcher,
        signal: init.signal,
        headers: {
          accept: 'application/json',
          ...(init.body === undefined ? {} : { 'content-type': 'application/json' }),
          ...init.headers,
          'x-api-key': key,
        },
        body: init.body === undefined ? undefined : JSON.stringify(init.body),
      });
      text = await response.body.text();
    } catch (error) {
      throw new RinggRequestError(method, path, error);
    }
    let body: unknown = text;
    try {
      body = text === '' ? undefined : JSON.parse(text);
    } catch {
      // not JSON: the text as is
    }
    return { status: response.statusCode, headers: response.headers, body: body as T };
  }
}
