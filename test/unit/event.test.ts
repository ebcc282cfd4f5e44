import { describe, expect, it } from 'vitest';
import { parseEvent } from '../../lambda/event.js';

describe('parseEvent', () => {
  it('reads the camelCase and snake_case step names', () => {
    for (const [raw, step] of [
      ['createSecret', 'createSecret'],
      ['create_secret', 'createSecret'],
      ['finish_secret', 'finishSecret'],
    ]) {
      expect(parseEvent({ Step: raw, SecretId: 's', ClientRequestToken: 't' }).step).toBe(step);
    }
  });

  it('carries RotationToken when present', () => {
    expect(
      parseEvent({ Step: 'setSecret', SecretId: 's', ClientRequestToken: 't', RotationToken: 'r' }),
    ).toEqual({
      step: 'setSecret',
      secretId: 's',
      token: 't',
      rotationToken: 'r',
    });
  });

  it('does not accept inherited property names as steps', () => {
    expect(() => parseEvent({ Step: 'toString', SecretId: 's', ClientRequestToken: 't' })).toThrow(
      /Step "toString" is not one of/,
    );
  });

  it('says how to rotate by hand instead', () => {
    expect(() => parseEvent(null)).toThrow(/call RotateSecret \(aws secretsmanager rotate-secret\)/);
  });

  it('never echoes a RotationToken value', () => {
    expect(() =>
      parseEvent({ Step: 'nope', SecretId: 's', ClientRequestToken: 't', RotationToken: 'secret-rt' }),
    ).toThrow(expect.objectContaining({ message: expect.not.stringContaining('secret-rt') }));
  });
});
