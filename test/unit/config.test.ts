import { describe, expect, it } from 'vitest';
import { DEFAULT_RINGG_BASE_URL } from '../../common/defaults.js';
import { loadConfig } from '../../lambda/config.js';

describe('loadConfig', () => {
  it('has documented defaults', () => {
    expect(loadConfig({})).toEqual({
      ringgBaseUrl: DEFAULT_RINGG_BASE_URL,
      connectTimeoutMs: 10_000,
      headersTimeoutMs: 10_000,
      bodyTimeoutMs: 10_000,
      parameterPrefix: '/ringg-rotation',
      parameterKmsKeyId: undefined,
      mirrorPrefix: undefined,
      mirrorKmsKeyId: undefined,
      safetyMarginMs: 5_000,
      maxRetryAfterMs: 10_000,
      awsCallTimeoutMs: 10_000,
      rescueReserveMs: 3_000,
    });
  });

  it.each([
    ['https://api.example.com/v1/', 'https://api.example.com/v1'],
    ['http://127.0.0.1:8080/ca/api/v0', 'http://127.0.0.1:8080/ca/api/v0'],
    ['http://localhost:1', 'http://localhost:1'],
    ['http://[::1]:9/x', 'http://[::1]:9/x'],
  ])('accepts %s', (raw, expected) => {
    expect(loadConfig({ RINGG_BASE_URL: raw }).ringgBaseUrl).toBe(expected);
  });

  it.each([
    ['http://prod-api.ringg.ai/ca/api/v0', /must use https:\/\//],
    ['http://127.0.0.2:80', /must use https:\/\//],
    ['http://localhost.evil.com', /must use https:\/\//],
    ['ftp://localhost', /must use https:\/\//],
    ['not a url', /is not a URL/],
    ['https://user:pw@api.example.com', /must not carry credentials/],
    ['https://api.example.com/?x=1', /must not carry credentials, a query/],
    ['https://prod-api.ringg.ai/ca/api/v0?', /must not carry credentials, a query/],
    ['https://prod-api.ringg.ai/ca/api/v0#', /must not carry credentials, a query/],
    ['https://prod-api.ringg.ai/ca/api/v0#frag', /must not carry credentials, a query/],
    ['https://@prod-api.ringg.ai/ca/api/v0', /must not carry credentials/],
    ['https://:@prod-api.ringg.ai/ca/api/v0', /must not carry credentials/],
    ['https://user@prod-api.ringg.ai/ca/api/v0', /must not carry credentials/],
  ])('refuses %s', (raw, message) => {
    expect(() => loadConfig({ RINGG_BASE_URL: raw })).toThrow(message);
  });

  it('never echoes user-info it refuses', () => {
    expect(() => loadConfig({ RINGG_BASE_URL: 'https://ops:hunter2@api.example.com' })).toThrow(
      expect.objectContaining({ message: expect.not.stringContaining('hunter2') }),
    );
  });

  it('refuses AWS call timeouts and a rescue reserve out of range', () => {
    expect(() => loadConfig({ ROTATION_AWS_CALL_TIMEOUT_MS: '0' })).toThrow(
      /ROTATION_AWS_CALL_TIMEOUT_MS "0"/,
    );
    expect(() => loadConfig({ ROTATION_RESCUE_RESERVE_MS: 'soon' })).toThrow(
      /ROTATION_RESCUE_RESERVE_MS "soon"/,
    );
  });

  it('refuses timeouts that are not whole milliseconds in range, naming the variable', () => {
    expect(() => loadConfig({ RINGG_HEADERS_TIMEOUT_MS: '10s' })).toThrow(
      /RINGG_HEADERS_TIMEOUT_MS "10s" must be a whole number/,
    );
    expect(() => loadConfig({ RINGG_CONNECT_TIMEOUT_MS: '0' })).toThrow(/RINGG_CONNECT_TIMEOUT_MS/);
    expect(() => loadConfig({ RINGG_BODY_TIMEOUT_MS: '70000' })).toThrow(/from 1 to 60000/);
    expect(loadConfig({ RINGG_BODY_TIMEOUT_MS: '2500' }).bodyTimeoutMs).toBe(2_500);
  });

  it('refuses a parameter prefix SSM would not take', () => {
    expect(() => loadConfig({ ROTATION_PARAMETER_PREFIX: 'no-slash' })).toThrow(
      /must be an SSM parameter path/,
    );
    expect(() => loadConfig({ ROTATION_PARAMETER_PREFIX: '/aws/x' })).toThrow(/not start with aws or ssm/);
    expect(() => loadConfig({ ROTATION_PARAMETER_PREFIX: '/x/' })).toThrow(/not end with/);
    expect(loadConfig({ ROTATION_PARAMETER_PREFIX: '/team/ringg' }).parameterPrefix).toBe('/team/ringg');
  });

  it('fails the cold start of the real handler on a bad URL', async () => {
    const { vi } = await import('vitest');
    vi.stubEnv('RINGG_BASE_URL', 'http://example.com');
    vi.resetModules();
    await expect(import('../../lambda/handler.js')).rejects.toThrow(
      /RINGG_BASE_URL "http:\/\/example.com" must use https/,
    );
    vi.unstubAllEnvs();
  });
});
