import { ListSecretsCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { listWorkspaceHolders } from '../../cli/doctor-holders.js';
import { SecretsManagerModel } from '../../dev/secrets-manager-model.js';

const TAG = 'ringg-rotation:workspace-id';
const arn = (name: string) => `arn:aws:secretsmanager:eu-west-1:111122223333:secret:${name}-AbCdEf`;
const entry = (name: string, tags: Record<string, string>) => ({
  ARN: arn(name),
  Name: name,
  Tags: Object.entries(tags).map(([Key, Value]) => ({ Key, Value })),
});

const sm = mockClient(SecretsManagerClient);
afterEach(() => sm.reset());

describe('listWorkspaceHolders', () => {
  it('asks ListSecrets with the tag filters, reads every page, keeps the exact tag pair, never self', async () => {
    sm.on(ListSecretsCommand, { NextToken: undefined }).resolves({
      SecretList: [
        entry('ringg/self', { [TAG]: 'ws-1' }),
        entry('ringg/copy', { [TAG]: 'ws-1' }),
        // Filters match by prefix and on any tag: these come back, and are not holders.
        entry('ringg/prefix', { [TAG]: 'ws-10' }),
        entry('ringg/other-key', { owner: 'ws-1', [TAG]: 'ws-2' }),
      ],
      NextToken: 'page-2',
    });
    sm.on(ListSecretsCommand, { NextToken: 'page-2' }).resolves({
      SecretList: [entry('eu/copy', { [TAG]: 'ws-1' })],
    });
    const holders = await listWorkspaceHolders(new SecretsManagerClient({ region: 'eu-west-1' }))(
      'ws-1',
      arn('ringg/self'),
    );
    expect(holders).toEqual([
      { arn: arn('eu/copy'), name: 'eu/copy' },
      { arn: arn('ringg/copy'), name: 'ringg/copy' },
    ]);
    const inputs = sm.commandCalls(ListSecretsCommand).map((call) => call.args[0].input);
    expect(inputs).toEqual([
      {
        MaxResults: 100,
        NextToken: undefined,
        Filters: [
          { Key: 'tag-key', Values: [TAG] },
          { Key: 'tag-value', Values: ['ws-1'] },
        ],
      },
      expect.objectContaining({ NextToken: 'page-2' }),
    ]);
  });

  it.each(['', '!ws-1', 'ws 1#', 'x'.repeat(513)])(
    'refuses %j as a filter value without calling AWS',
    async (id) => {
      const find = listWorkspaceHolders(new SecretsManagerClient({ region: 'eu-west-1' }));
      await expect(find(id, arn('ringg/self'))).rejects.toThrow(RangeError);
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
  });
});
