import { Agent, type Dispatcher, request } from 'undici';
import type { RinggKeyProvider } from './key-provider.js';

export const RINGG_API_URL = 'https://prod-api.ringg.ai/ca/api/v0';

export interface RinggApiOptions {
  readonly keys: RinggKeyProvider;
  /** @default 'https://prod-api.ringg.ai/ca/api/v0' */
  readonly baseUrl?: string;
  /** @default an undici Agent with 10 s connect, headers and body timeouts */
  readonly dispatcher?: Dispatcher;
}

export interface RinggRequest {
  /** @default 'GET' */
  readonly method?: 'GET' | 'HEAD' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  readonly body?: unknown;
  readonly headers?: Record<string, string>;
  /**
   * Retry once with the refreshed key after a 401 even though the method is not safe to repeat.
   * Only for calls that Ringg treats as idempotent.
   *
   * @default false (GET and HEAD are always retried once)
   */
  readonly retryUnsafe?: boolean;
}

export interface RinggResponse<T = unknown> {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  /** Parsed JSON, or the text when the body is not JSON. It may hold the key: never log it. */
  readonly body: T;
}

const SAFE = new Set(['GET', 'HEAD']);

/**
 * Calls Ringg with the key in X-API-KEY. On a 401 it asks the key provider for the live key and
 * repeats the request once, if the method is safe to repeat or the caller said so.
 */
export class RinggApi {
  private readonly baseUrl: string;
  private readonly dispatcher: Dispatcher;

  constructor(private readonly options: RinggApiOptions) {
    this.baseUrl = (options.baseUrl ?? RINGG_API_URL).replace(/\/+$/, '');
    this.dispatcher =
      options.dispatcher ??
      new Agent({ connect: { timeout: 10_000 }, headersTimeout: 10_000, bodyTimeout: 10_000 });
  }

  async request<T = unknown>(path: string, init: RinggRequest = {}): Promise<RinggResponse<T>> {
    const method = init.method ?? 'GET';
    const key = await this.options.keys.getKey();
    const first = await this.send<T>(path, method, key, init);
    if (first.status !== 401 || !(SAFE.has(method) || init.retryUnsafe)) return first;
    const fresh = await this.options.keys.refresh(key);
    if (fresh === key) return first;
    return this.send<T>(path, method, fresh, init);
  }

  private async send<T>(
    path: string,
    method: string,
    key: string,
    init: RinggRequest,
  ): Promise<RinggResponse<T>> {
    const response = await request(`${this.baseUrl}${path.startsWith('/') ? path : `/${path}`}`, {
      method: method as Dispatcher.HttpMethod,
      dispatcher: this.dispatcher,
      headers: {
        accept: 'application/json',
        ...(init.body === undefined ? {} : { 'content-type': 'application/json' }),
        ...init.headers,
        'x-api-key': key,
      },
      body: init.body === undefined ? undefined : JSON.stringify(init.body),
    });
    const text = await response.body.text();
    let body: unknown = text;
    try {
      body = text === '' ? undefined : JSON.parse(text);
    } catch {
      // not JSON: the text as is
    }
    return { status: response.statusCode, headers: response.headers, body: body as T };
  }
}
