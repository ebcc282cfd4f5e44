import { describe, expect, it } from 'vitest';
import {
  parseRecord,
  type RotationRecord,
  SSM_STANDARD_MAX_VALUE_CHARS,
  serializeRecord,
} from '../../common/rotation-record.js';
import { MAX_API_KEY_LENGTH } from '../../common/secret-value.js';
import { MAX_TAG_VALUE_LENGTH } from '../../common/workspace-tag.js';

/** Secrets Manager's longest secret name, and ClientRequestToken (VersionId); API reference. */
const MAX_SECRET_NAME = 512;
const MAX_TOKEN = 64;

describe('the rotation record', () => {
  it('fits an SSM Standard parameter for the longest ARN, token, version id, workspace id and key', () => {
    const worst: RotationRecord = {
      secretArn: `arn:aws-us-gov:secretsmanager:us-gov-west-1:123456789012:secret:${'n'.repeat(MAX_SECRET_NAME)}-AbCdEf`,
      token: 't'.repeat(MAX_TOKEN),
      status: 'rescued',
      generation: 10,
      until: new Date(8.64e15).toISOString(),
      fromVersion: 'v'.repeat(MAX_TOKEN),
      workspaceId: 'w'.repeat(MAX_TAG_VALUE_LENGTH),
      updatedAt: new Date(8.64e15).toISOString(),
      owner: '00000000-0000-0000-0000-000000000000',
      // The character JSON escapes to two: the longest serialized key.
      apiKey: '"'.repeat(MAX_API_KEY_LENGTH),
    };
    const text = serializeRecord(worst);
    expect(text.length).toBeLessThanOrEqual(SSM_STANDARD_MAX_VALUE_CHARS);
    expect(parseRecord(text)).toEqual({ ok: true, record: worst });
  });

  it('refuses what it did not write: another schema, a key outside `rescued`, a broken field', () => {
    const ok: RotationRecord = {
      secretArn: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:ringg/a-AbCdEf',
      token: 't1',
      status: 'regenerating',
      generation: 1,
      until: '2026-12-01T00:00:00.000Z',
      fromVersion: 'v0',
      workspaceId: 'w',
      updatedAt: '2026-12-01T00:00:00.000Z',
    };
    expect(parseRecord(serializeRecord(ok))).toEqual({ ok: true, record: ok });
    const raw = JSON.parse(serializeRecord(ok));
    expect(parseRecord(JSON.stringify({ ...raw, v: 1 })).ok).toBe(false);
    expect(parseRecord(JSON.stringify({ ...raw, apiKey: 'k' })).ok).toBe(false);
    expect(parseRecord(JSON.stringify({ ...raw, status: 'done' })).ok).toBe(false);
    expect(parseRecord(JSON.stringify({ ...raw, generation: 0 })).ok).toBe(false);
    expect(parseRecord('not json').ok).toBe(false);
  });
});
