import { afterEach, describe, expect, it } from 'vitest';
import { AwsStandIn } from '../../dev/aws-stand-in.js';
import { RINGG_BASE_PATH, RinggStandIn } from '../../dev/ringg-stand-in.js';
import { AwsServiceError, SecretsManagerModel } from '../../dev/secrets-manager-model.js';
import { SsmModel } from '../../dev/ssm-model.js';
import { RateLimit } from '../../dev/throttle.js';

/**
 * The stand-ins' switches for issue 17's interleavings (test/e2e/interleavings.test.ts) behave as the
 * AWS facts they model (../shared/rotation-contract.md, ../shared/aws-limits.md).
 */

const LAMBDA = 'arn:aws:lambda:us-east-1:123456789012:function:f';

function errorOf(run: () => unknown): { type: string; message: string } | undefined {
  try {
    run();
    return undefined;
  } catch (error) {
    if (!(error instanceof AwsServiceError)) throw error;
    return { type: error.type, message: error.message };
  }
}

function secretWithKey(kmsKeyId?: string) {
  const sm = new SecretsManagerModel();
  const ssm = new SsmModel();
  ssm.kms = sm.kms;
  sm.createSecret({ Name: 's', SecretString: 'v0', ...(kmsKeyId ? { KmsKeyId: kmsKeyId } : {}) });
  sm.enableRotation('s', LAMBDA);
  return { sm, ssm };
}

describe('a KMS key that refuses', () => {
  it('disabled: the secret under it can be neither written nor read, nor a SecureString under it; other keys work', () => {
    const { sm, ssm } = secretWithKey('alias/team');
    sm.kms.refuse('alias/team');
    expect(errorOf(() => sm.putSecretValue({ SecretId: 's', SecretString: 'v1' }))?.type).toBe(
      'EncryptionFailure',
    );
    expect(errorOf(() => sm.getSecretValue({ SecretId: 's' }))?.type).toBe('DecryptionFailure');
    const put = (KeyId?: string) => () =>
      ssm.putParameter({ Name: `/p/${KeyId ?? 'default'}`, Value: 'x', Type: 'SecureString', KeyId });
    expect(errorOf(put('alias/team'))).toMatchObject({
      type: 'InvalidKeyId',
      message: expect.stringContaining('AWSKMS'),
    });
    expect(errorOf(put('alias/rotation'))).toBeUndefined();
    expect(errorOf(put())).toBeUndefined();
    expect(
      errorOf(() => ssm.putParameter({ Name: '/p/plain', Value: 'x', Type: 'String', KeyId: 'alias/team' })),
    ).toBe(undefined);
    // A SecureString written before the key was disabled cannot be decrypted any more.
    sm.kms.restore('alias/team');
    ssm.putParameter({ Name: '/p/old', Value: 'x', Type: 'SecureString', KeyId: 'alias/team' });
    sm.kms.refuse('alias/team');
    expect(errorOf(() => ssm.getParameter({ Name: '/p/old', WithDecryption: true }))?.type).toBe(
      'InvalidKeyId',
    );
    expect(ssm.getParameter({ Name: '/p/old' }).Parameter.Value).toBe('ENCRYPTED');

    sm.kms.restore('alias/team');
    expect(sm.putSecretValue({ SecretId: 's', SecretString: 'v1' }).VersionStages).toEqual(['AWSCURRENT']);
    expect(sm.getSecretValue({ SecretId: 's' }).SecretString).toBe('v1');
  });

  it('encrypt-denied: writes under the key fail, reads still work', () => {
    const { sm, ssm } = secretWithKey('alias/team');
    sm.kms.refuse('alias/team', 'encrypt-denied');
    expect(errorOf(() => sm.putSecretValue({ SecretId: 's', SecretString: 'v1' }))?.type).toBe(
      'EncryptionFailure',
    );
    expect(sm.getSecretValue({ SecretId: 's' }).SecretString).toBe('v0');
    expect(
      errorOf(() => ssm.putParameter({ Name: '/p', Value: 'x', Type: 'SecureString', KeyId: 'alias/team' }))
        ?.type,
    ).toBe('AccessDeniedException');
  });

  it('a secret without KmsKeyId is under aws/secretsmanager, and AwsStandIn shares one KMS between both services', () => {
    const { sm } = secretWithKey();
    sm.kms.refuse('alias/aws/secretsmanager');
    expect(errorOf(() => sm.getSecretValue({ SecretId: 's' }))?.type).toBe('DecryptionFailure');
    const aws = new AwsStandIn({ invoke: async () => {} });
    expect(aws.secretsManager.kms).toBe(aws.kms);
    expect(aws.ssm.kms).toBe(aws.kms);
  });
});

describe('a stale label read', () => {
  it('answers once with AWSCURRENT and AWSPREVIOUS where they were before the last move; reads by VersionId stay fresh', () => {
    const { sm } = secretWithKey();
    const first = sm.describeSecret({ SecretId: 's' }).VersionIdsToStages;
    const [v0] = Object.keys(first);
    const token = sm.beginRotation({ SecretId: 's' });
    sm.putSecretValue({
      SecretId: 's',
      ClientRequestToken: token,
      SecretString: 'v1',
      VersionStages: ['AWSPENDING'],
    });
    sm.updateSecretVersionStage({
      SecretId: 's',
      VersionStage: 'AWSCURRENT',
      MoveToVersionId: token,
      RemoveFromVersionId: v0,
    });
    sm.answerStaleLabels('DescribeSecret');
    sm.answerStaleLabels('GetSecretValue');

    expect(sm.labelView('GetSecretValue', { VersionId: token })).toBe('now');
    expect(sm.staleReadsLeft('GetSecretValue')).toBe(1);
    const view = sm.labelView('DescribeSecret', {});
    expect(sm.describeSecret({ SecretId: 's' }, view).VersionIdsToStages).toEqual({
      [v0 as string]: ['AWSCURRENT'],
      [token]: ['AWSPENDING'],
    });
    const read = sm.getSecretValue({ SecretId: 's' }, sm.labelView('GetSecretValue', {}));
    expect(read).toMatchObject({ VersionId: v0, SecretString: 'v0', VersionStages: ['AWSCURRENT'] });
    // Served: the next reads are fresh.
    expect([sm.labelView('DescribeSecret', {}), sm.labelView('GetSecretValue', {})]).toEqual(['now', 'now']);
    expect(sm.getSecretValue({ SecretId: 's' }).VersionId).toBe(token);
  });

  it('the AWS stand-in serves it over the wire', async () => {
    const aws = new AwsStandIn({ invoke: async () => {} });
    const endpoint = await aws.start();
    try {
      const sm = aws.secretsManager;
      sm.createSecret({ Name: 's', SecretString: 'v0' });
      const v1 = sm.putSecretValue({ SecretId: 's', SecretString: 'v1' }).VersionId;
      sm.answerStaleLabels('GetSecretValue');
      const call = async () => {
        const response = await fetch(endpoint, {
          method: 'POST',
          headers: {
            'x-amz-target': 'secretsmanager.GetSecretValue',
            'content-type': 'application/x-amz-json-1.1',
          },
          body: JSON.stringify({ SecretId: 's' }),
        });
        return ((await response.json()) as { VersionId: string }).VersionId;
      };
      const stale = await call();
      expect(stale).not.toBe(v1);
      expect(await call()).toBe(v1);
    } finally {
      await aws.stop();
    }
  });
});

describe('hooks and rotation events of the Secrets Manager model', () => {
  it('onceBefore runs once, before the first matching call is applied', async () => {
    const { sm } = secretWithKey();
    const seen: string[] = [];
    const hook = sm.onceBefore(
      'UpdateSecretVersionStage',
      (input: { VersionStage: string }) => {
        seen.push(`${input.VersionStage} while AWSCURRENT is ${sm.valueAt('s', 'AWSCURRENT')}`);
      },
      (input: { VersionStage?: string }) => input.VersionStage === 'AWSCURRENT',
    );
    await sm.enter('UpdateSecretVersionStage', { VersionStage: 'AWSPREVIOUS' });
    expect(hook.fired).toBe(false);
    await sm.enter('UpdateSecretVersionStage', { VersionStage: 'AWSCURRENT' });
    await sm.enter('UpdateSecretVersionStage', { VersionStage: 'AWSCURRENT' });
    expect(hook.fired).toBe(true);
    expect(seen).toEqual(['AWSCURRENT while AWSCURRENT is v0']);
  });

  it('a new version abandons the open rotation (RotationAbandoned, AWSPENDING removed)', () => {
    const { sm } = secretWithKey();
    const token = sm.beginRotation({ SecretId: 's' });
    sm.putSecretValue({
      SecretId: 's',
      ClientRequestToken: token,
      SecretString: 'v1',
      VersionStages: ['AWSPENDING'],
    });
    sm.putSecretValue({ SecretId: 's', SecretString: 'by hand' });
    expect(sm.rotationEvents.map((e) => [e.type, e.versionId])).toEqual([
      ['RotationStarted', token],
      ['RotationAbandoned', token],
    ]);
    expect(Object.values(sm.stagesOf('s')).flat()).not.toContain('AWSPENDING');
  });

  for (const abandons of [true, false]) {
    it(`a rotation promoted early: a new version ${abandons ? 'abandons it' : 'leaves its AWSPENDING'}; a new RotateSecret is accepted before`, () => {
      const { sm } = secretWithKey();
      sm.newVersionAbandonsPromotedRotation = abandons;
      const v0 = Object.keys(sm.stagesOf('s'))[0];
      const token = sm.beginRotation({ SecretId: 's' });
      sm.putSecretValue({
        SecretId: 's',
        ClientRequestToken: token,
        SecretString: 'v1',
        VersionStages: ['AWSPENDING'],
      });
      sm.updateSecretVersionStage({
        SecretId: 's',
        VersionStage: 'AWSCURRENT',
        MoveToVersionId: token,
        RemoveFromVersionId: v0,
      });
      sm.putSecretValue({ SecretId: 's', SecretString: 'edit' });
      expect(sm.stagesOf('s')[token]).toEqual(abandons ? ['AWSPREVIOUS'] : ['AWSPENDING', 'AWSPREVIOUS']);
      expect(sm.rotationEvents.some((e) => e.type === 'RotationAbandoned')).toBe(abandons);
    });
  }

  it('accepts a new RotateSecret once AWSPENDING sits on the AWSCURRENT version', () => {
    const { sm } = secretWithKey();
    const v0 = Object.keys(sm.stagesOf('s'))[0];
    const first = sm.beginRotation({ SecretId: 's' });
    sm.putSecretValue({
      SecretId: 's',
      ClientRequestToken: first,
      SecretString: 'v1',
      VersionStages: ['AWSPENDING'],
    });
    expect(errorOf(() => sm.beginRotation({ SecretId: 's' }))?.message).toContain("isn't complete");
    sm.updateSecretVersionStage({
      SecretId: 's',
      VersionStage: 'AWSCURRENT',
      MoveToVersionId: first,
      RemoveFromVersionId: v0,
    });
    const second = sm.beginRotation({ SecretId: 's' });
    expect(sm.stagesOf('s')[second]).toEqual(['AWSPENDING']);
    expect(sm.stagesOf('s')[first]).toEqual(['AWSCURRENT']);
  });
});

describe('Parameter Store throughput', () => {
  it('counts PutParameter only when throttleWrites is on', async () => {
    const ssm = new SsmModel();
    ssm.throttle = new RateLimit(1, 1, () => 0);
    await ssm.enter('PutParameter', '/p');
    await ssm.enter('GetParameter', '/p');
    await expect(ssm.enter('GetParameter', '/p')).rejects.toMatchObject({ type: 'ThrottlingException' });
    ssm.throttleWrites = true;
    await expect(ssm.enter('PutParameter', '/p')).rejects.toMatchObject({ type: 'ThrottlingException' });
  });
});

describe('the Ringg stand-in', () => {
  let ringg: RinggStandIn | undefined;
  afterEach(async () => {
    await ringg?.stop();
    ringg = undefined;
  });

  it('holds a request until released and answers it against the keys as they are then; onRegenerated sees each PATCH', async () => {
    ringg = new RinggStandIn();
    const base = await ringg.start();
    const ws = ringg.addWorkspace();
    const regenerated: string[] = [];
    ringg.onRegenerated = (id) => regenerated.push(id);
    const hold = ringg.holdNext('workspace-call');
    const held = fetch(`${base}/workspace`, { headers: { 'x-api-key': ws.key } });
    await hold.arrived;
    expect(hold.isHeld()).toBe(true);
    const patch = await fetch(`${base}/workspace/api-key`, {
      method: 'PATCH',
      headers: { 'x-api-key': ws.key },
    });
    expect(patch.status).toBe(200);
    await patch.body?.cancel();
    expect(regenerated).toEqual([ws.id]);
    hold.release();
    const answer = await held;
    await answer.body?.cancel();
    expect(answer.status).toBe(401);
    expect(base.endsWith(RINGG_BASE_PATH)).toBe(true);
  });
});
