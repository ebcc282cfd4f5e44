import { PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { MAX_API_KEY_LENGTH } from '../../common/secret-value.js';
import { MAX_TAG_VALUE_LENGTH } from '../../common/workspace-tag.js';
import {
  parseRescue,
  SSM_STANDARD_MAX_VALUE_CHARS,
  SsmRescueStore,
  serializeRescue,
} from '../../lambda/rescue-store.js';

/** ClientRequestToken: 32 to 64 characters (Secrets Manager API reference, RotateSecret). */
const MAX_TOKEN_LENGTH = 64;

describe('the rescue record', () => {
  it('fits SSM Standard tier for the longest key, token and workspace id the function accepts', () => {
    const worst = serializeRescue({
      token: 't'.repeat(MAX_TOKEN_LENGTH),
      workspaceId: 'w'.repeat(MAX_TAG_VALUE_LENGTH),
      apiKey: '"'.repeat(MAX_API_KEY_LENGTH),
    });
    expect(worst.length).toBeLessThanOrEqual(SSM_STANDARD_MAX_VALUE_CHARS);
  });

  it('holds the key, the token and the workspace, nothing else', () => {
    const text = serializeRescue({ token: 't-1', workspaceId: 'ws-1', apiKey: 'k-1' });
    expect(JSON.parse(text)).toEqual({ v: 1, token: 't-1', workspaceId: 'ws-1', apiKey: 'k-1' });
  });

  it.each([
    ['garbage', 'not json', 'its value is not a rescue record'],
    [
      'another token',
      serializeRescue({ token: 't-2', workspaceId: 'w', apiKey: 'k' }),
      'it names another rotation token',
    ],
    [
      'a key with a control character',
      JSON.stringify({ v: 1, token: 't-1', workspaceId: 'w', apiKey: 'a\u0000b' }),
      'its key contains control characters',
    ],
  ])('refuses %s', (_what, text, problem) => {
    expect(parseRescue(text, 't-1')).toEqual({ kind: 'unreadable', problem });
  });

  it('refuses a whole secret value (what older versions wrote, or a planted one)', () => {
    expect(parseRescue('{"apiKey":"k-1","extra":"planted"}', 't-1')).toEqual({
      kind: 'unreadable',
      problem: 'its value is not a rescue record',
    });
  });
});

describe('SsmRescueStore.save', () => {
  const ssm = mockClient(SSMClient);
  afterEach(() => ssm.reset());

  it("writes a Standard-tier SecureString with the secret's own KMS key, else the configured one", async () => {
    ssm.on(PutParameterCommand).resolves({});
    const store = new SsmRescueStore(new SSMClient({ region: 'us-east-1' }), 'alias/fallback');
    const record = { token: 't-1', workspaceId: 'ws-1', apiKey: 'k-1' };
    expect(await store.save('/p/rescue/t-1', record, 'arn:aws:kms:us-east-1:1:key/secret-key', 1_000)).toBe(
      'parameter',
    );
    await store.save('/p/rescue/t-1', record, undefined, 1_000);
    const inputs = ssm.commandCalls(PutParameterCommand).map((c) => c.args[0].input);
    expect(inputs.map((i) => [i.Type, i.Tier, i.KeyId])).toEqual([
      ['SecureString', 'Standard', 'arn:aws:kms:us-east-1:1:key/secret-key'],
      ['SecureString', 'Standard', 'alias/fallback'],
    ]);
  });

  it('keeps the key in memory when SSM fails, and reads it back from there', async () => {
    ssm.on(PutParameterCommand).rejects(new Error('down'));
    const store = new SsmRescueStore(new SSMClient({ region: 'us-east-1' }), undefined);
    const record = { token: 't-1', workspaceId: 'ws-1', apiKey: 'k-1' };
    expect(await store.save('/p/rescue/t-1', record, undefined, 1_000)).toBe('memory');
    expect(await store.read('/p/rescue/t-1', 't-1', 1_000)).toEqual({ kind: 'found', record });
  });
});
