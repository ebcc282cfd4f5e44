import { Agent, type Dispatcher, request } from 'undici';
import { normalizeApiKey } from './secret-value.js';
import { usableWorkspaceId } from './workspace-tag.js';

/**
 * What one call to Ringg produced. Bodies are read only where the contract defines them, and what
 * they carry stays in memory: no body text ever leaves this module.
 */
export type RinggFailure =
  | { readonly kind: 'status'; readonly status: number; readonly retryAfterMs: number | undefined }
  /** `sent` is false only when the request certainly never reached Ringg (connect refused or timed out). */
  | { readonly kind: 'network'; readonly sent: boolean; readonly code: string };

export type WorkspaceResult =
  | { readonly kind: 'ok'; readonly workspaceId: string | undefined; readonly apiKey: string | undefined }
  | RinggFailure;

export type RegenerateResult =
  | { readonly kind: 'ok'; readonly newKey: string }
  /** 200, but the body holds no `new_api_key` at all (or an empty one, or the old key). */
  | { readonly kind: 'no-key' }
  /** 200 with a `new_api_key` that breaks the key rule: Ringg regenerated, but the key cannot be used. */
  | { readonly kind: 'unusable-key'; readonly problem: string }
  | RinggFailure;

export interface RinggApi {
  getWorkspace(apiKey: string, timeoutMs: number): Promise<WorkspaceResult>;
  regenerateKey(apiKey: string, timeoutMs: number): Promise<RegenerateResult>;
}

const MAX_BODY_BYTES = 64 * 1024;
const NOT_SENT_CODES = new Set([
  'UND_ERR_CONNECT_TIMEOUT',
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ENETUNREACH',
  'EHOSTUNREACH',
]);

/** The time limits of each request to Ringg (the function's and the CLI's RINGG_*_TIMEOUT_MS). */
export interface RinggTimeouts {
  readonly connectTimeoutMs: number;
  readonly headersTimeoutMs: number;
  readonly bodyTimeoutMs: number;
}

export function createRinggDispatcher(config: RinggTimeouts): Dispatcher {
  return new Agent({
    connect: { timeout: config.connectTimeoutMs },
    headersTimeout: config.headersTimeoutMs,
    bodyTimeout: config.bodyTimeoutMs,
    maxResponseSize: MAX_BODY_BYTES,
  });
}

export class RinggClient implements RinggApi {
  constructor(
    private readonly baseUrl: string,
    private readonly dispatcher: Dispatcher,
    private readonly now: () => number = Date.now,
  ) {}

  async getWorkspace(apiKey: string, timeoutMs: number): Promise<WorkspaceResult> {
    const response = await this.call('GET', '/workspace', apiKey, timeoutMs);
    if (response.kind !== 'ok') return response;
    const info = field(response.body, 'workspace_info');
    const key = normalizeApiKey(field(info, 'api_key'));
    return {
      kind: 'ok',
      workspaceId: usableWorkspaceId(field(info, 'id')),
      apiKey: key.ok ? key.key : undefined,
    };
  }

  async regenerateKey(apiKey: string, timeoutMs: number): Promise<RegenerateResult> {
    const response = await this.call('PATCH', '/workspace/api-key', apiKey, timeoutMs);
    if (response.kind !== 'ok') return response;
    const raw = field(response.body, 'new_api_key');
    if (typeof raw !== 'string' || raw.trim() === '') return { kind: 'no-key' };
    // The key rule applies the moment Ringg answers: trimmed, or refused as unusable.
    const newKey = normalizeApiKey(raw);
    if (!newKey.ok) return { kind: 'unusable-key', problem: newKey.problem };
    if (newKey.key === apiKey) return { kind: 'no-key' };
    return { kind: 'ok', newKey: newKey.key };
  }

  private async call(
    method: 'GET' | 'PATCH',
    path: string,
    apiKey: string,
    timeoutMs: number,
  ): Promise<{ kind: 'ok'; body: unknown } | RinggFailure> {
    // A key that breaks the rule would be refused by undici as a header: never send it.
    if (!normalizeApiKey(apiKey).ok) return { kind: 'network', sent: false, code: 'UNUSABLE_KEY' };
    try {
      const response = await request(`${this.baseUrl}${path}`, {
        method,
        dispatcher: this.dispatcher,
        headers: { 'x-api-key': apiKey, accept: 'application/json' },
        signal: AbortSignal.timeout(Math.max(1, timeoutMs)),
      });
      const text = await response.body.text();
      if (response.statusCode === 200) return { kind: 'ok', body: parseJson(text) };
      return {
        kind: 'status',
        status: response.statusCode,
        retryAfterMs: parseRetryAfter(response.headers['retry-after'], this.now()),
      };
    } catch (error) {
      const code = errorCode(error);
      return { kind: 'network', sent: !NOT_SENT_CODES.has(code), code };
    }
  }
}

/**
 * Retry-After in milliseconds. `0` or a date already past is no hint (undefined): the caller's backoff
 * applies, else a 429 that never counts as an attempt would be retried in a tight loop.
 */
export function parseRetryAfter(header: string | string[] | undefined, now: number): number | undefined {
  const value = (Array.isArray(header) ? header[0] : header)?.trim();
  if (value === undefined || value === '') return undefined;
  const ms = /^\d+$/.test(value) ? Number(value) * 1000 : Date.parse(value) - now;
  return ms > 0 ? ms : undefined;
}

function errorCode(error: unknown): string {
  if (error instanceof Error) {
    const own = (error as { code?: unknown }).code;
    if (typeof own === 'string') return own;
    const cause = (error as { cause?: { code?: unknown } }).cause?.code;
    if (typeof cause === 'string') return cause;
    if (error.name === 'TimeoutError' || error.name === 'AbortError') return 'TIMEOUT';
  }
  return 'UNKNOWN';
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function field(value: unknown, name: string): unknown {
  return typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[name] : undefined;
}
