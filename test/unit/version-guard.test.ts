import { describe, expect, it } from 'vitest';
import {
  checkRotationVersion,
  type SecretDescription,
  versionWithStage,
} from '../../lambda/version-guard.js';

const secret = (overrides: Partial<SecretDescription> = {}): SecretDescription => ({
  arn: 'arn',
  name: 'ringg/prod',
  rotationEnabled: true,
  versions: { v1: ['AWSCURRENT'], v2: ['AWSPENDING'], v0: ['AWSPREVIOUS'] },
  ...overrides,
});

describe('checkRotationVersion', () => {
  it('proceeds for the pending version', () => {
    expect(checkRotationVersion(secret(), 'v2')).toBe('proceed');
  });

  it('a version current and still pending was promoted early: the rotation is open, its steps still run', () => {
    expect(checkRotationVersion(secret({ versions: { v2: ['AWSCURRENT', 'AWSPENDING'] } }), 'v2')).toBe(
      'promoted',
    );
  });

  it('a version current and no longer pending belongs to a complete rotation', () => {
    expect(checkRotationVersion(secret({ versions: { v2: ['AWSCURRENT'] } }), 'v2')).toBe('already-current');
  });

  it('refuses, in the templates’ order', () => {
    expect(() => checkRotationVersion(secret({ rotationEnabled: false }), 'v2')).toThrow(
      /Rotation is not enabled/,
    );
    expect(() => checkRotationVersion(secret(), 'v9')).toThrow(/v9 is not a version of secret "ringg\/prod"/);
    expect(() => checkRotationVersion(secret(), 'v0')).toThrow(/is not labelled AWSPENDING/);
  });

  it('finds the holder of a label', () => {
    expect(versionWithStage(secret(), 'AWSCURRENT')).toBe('v1');
    expect(versionWithStage(secret({ versions: {} }), 'AWSCURRENT')).toBeUndefined();
  });
});
