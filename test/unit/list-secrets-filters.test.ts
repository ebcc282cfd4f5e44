import { ListSecretsCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { findWorkspaceHolders } from '../../common/workspace-holders.js';
import { SecretsManagerModel } from '../../dev/secrets-manager-model.js';

const TAG = 'ringg-rotation:workspace-id';
const arn = (name: string) => `arn:aws:secretsmanager:eu-west-1:111122223333:secret:${name}-AbCdEf`;

const sm = mockClient(SecretsManagerClient);
afterEach(() => sm.reset());

describe('the workspace holder search doctor and the bulk preflight share', () => {
  it.each(['', '!ws-1', 'ws 1#', 'x'.repeat(513)])(
    'refuses %j as a filter value without calling AWS',
    async (id) => {
      const search = findWorkspaceHolders(new SecretsManagerClient({ region: 'eu-west-1' }), {
        workspaceId: id,
        secretArn: arn('ringg/self'),
      });
      await expect(search).rejects.toThrow(TypeError);
      expect(sm.commandCalls(ListSecretsCommand)).toHaveLength(0);
    },
  );
});

describe('the stand-in ListSecrets filters', () => {
  it('matches tag keys and values by prefix, case-sensitive, every filter, with ! negating', () => {
    const model = new SecretsManagerModel();
    for (const [name, value] of [
      ['a', 'ws-1'],
      ['b', 'ws-10'],
      ['c', 'WS-1'],
      ['d', 'ws-2'],
    ] as const) {
      model.createSecret({ Name: name, SecretString: 'k' });
      model.tagResource({ SecretId: name, Tags: [{ Key: TAG, Value: value }] });
    }
    model.createSecret({ Name: 'untagged', SecretString: 'k' });
    const names = (Filters: { Key: string; Values: string[] }[]) =>
      model.listSecrets({ Filters }).SecretList.map((s) => s.Name);
    expect(names([{ Key: 'tag-value', Values: ['ws-1'] }])).toEqual(['a', 'b']);
    expect(
      names([
        { Key: 'tag-key', Values: [TAG] },
        { Key: 'tag-value', Values: ['ws-2', 'WS'] },
      ]),
    ).toEqual(['c', 'd']);
    expect(names([{ Key: 'tag-value', Values: ['!ws'] }])).toEqual(['c', 'untagged']);
    expect(names([{ Key: 'name', Values: ['un'] }])).toEqual(['untagged']);
    expect(() => names([{ Key: 'description', Values: ['x'] }])).toThrow(/does not implement filter/);
    expect(model.listSecrets({}).SecretList).toHaveLength(5);
    expect(() => names(Array(11).fill({ Key: 'name', Values: ['a'] }))).toThrow(/At most 10 filters/);
    expect(() => names([{ Key: 'name', Values: [] }])).toThrow(/1-10 values/);
  });
});
