import {
  ListSecretsCommand,
  type SecretListEntry,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { sharedWorkspaces } from '../../cli/shared-workspaces.js';
import {
  describeHolder,
  findWorkspaceHolders,
  holdersIn,
  killedByOtherRotationMessage,
  LIST_SECRETS_MAX_RESULTS,
  likelyLiveKeyHolder,
  MAX_WORKSPACE_HOLDER_PAGES,
  sharedWorkspaceMessage,
  type WorkspaceHolder,
  workspaceHolderFilters,
  workspaceSharing,
} from '../../common/workspace-holders.js';
import { WORKSPACE_TAG_KEY } from '../../common/workspace-tag.js';
import { AwsServiceError, SecretsManagerModel } from '../../dev/secrets-manager-model.js';
import { mockSecretsManager } from '../support/harness.js';

const WS = 'd079bcb3-72a3-42dc-9586-edf0328e2973';
const arnOf = (name: string, region = 'eu-west-1') =>
  `arn:aws:secretsmanager:${region}:111122223333:secret:${name}-AbCdEf`;
const entry = (name: string, tags: Record<string, string>, extra: Partial<SecretListEntry> = {}) => ({
  ARN: arnOf(name),
  Name: name,
  Tags: Object.entries(tags).map(([Key, Value]) => ({ Key, Value })),
  ...extra,
});
const client = () => new SecretsManagerClient({ region: 'eu-west-1' });

let restore: (() => void) | undefined;
afterEach(() => {
  restore?.();
  restore = undefined;
});

describe('findWorkspaceHolders (ListSecrets by the workspace tag)', () => {
  it('asks for the tag key and the workspace id, 100 a page, and reads every page, empty ones too', async () => {
    const sm = mockClient(SecretsManagerClient);
    restore = () => sm.restore();
    sm.on(ListSecretsCommand, { NextToken: undefined }).resolves({
      SecretList: [entry('ringg/self', { [WORKSPACE_TAG_KEY]: WS })],
      NextToken: 'p2',
    });
    sm.on(ListSecretsCommand, { NextToken: 'p2' }).resolves({ SecretList: [], NextToken: 'p3' });
    sm.on(ListSecretsCommand, { NextToken: 'p3' }).resolves({
      SecretList: [
        entry(
          'ringg/copy',
          { [WORKSPACE_TAG_KEY]: WS },
          { RotationEnabled: true, LastRotatedDate: new Date(0) },
        ),
      ],
    });

    const search = await findWorkspaceHolders(client(), { workspaceId: WS, secretArn: arnOf('ringg/self') });

    expect(sm.commandCalls(ListSecretsCommand).map((c) => c.args[0].input)).toEqual(
      [undefined, 'p2', 'p3'].map((NextToken) => ({
        Filters: [
          { Key: 'tag-key', Values: [WORKSPACE_TAG_KEY] },
          { Key: 'tag-value', Values: [WS] },
        ],
        MaxResults: 100,
        NextToken,
      })),
    );
    expect(search).toEqual({
      workspaceId: WS,
      complete: true,
      pagesRead: 3,
      others: [
        {
          arn: arnOf('ringg/copy'),
          name: 'ringg/copy',
          rotationEnabled: true,
          rotationFunction: undefined,
          lastRotated: new Date(0),
          lastChanged: undefined,
          replicaOf: undefined,
        },
      ],
    });
  });

  it(`stops after MAX_WORKSPACE_HOLDER_PAGES (${MAX_WORKSPACE_HOLDER_PAGES}) pages and says the search is incomplete`, async () => {
    const sm = mockClient(SecretsManagerClient);
    restore = () => sm.restore();
    sm.on(ListSecretsCommand).resolves({ SecretList: [], NextToken: 'more' });
    const search = await findWorkspaceHolders(client(), { workspaceId: WS, secretArn: arnOf('a') });
    expect(sm.commandCalls(ListSecretsCommand)).toHaveLength(MAX_WORKSPACE_HOLDER_PAGES);
    expect(search).toMatchObject({ complete: false, pagesRead: MAX_WORKSPACE_HOLDER_PAGES, others: [] });
    expect(workspaceSharing(search)).toEqual({ kind: 'unverified', pagesRead: MAX_WORKSPACE_HOLDER_PAGES });

    const fewer = await findWorkspaceHolders(client(), {
      workspaceId: WS,
      secretArn: arnOf('a'),
      maxPages: 2,
    });
    expect(fewer.pagesRead).toBe(2);
  });

  it("throws ListSecrets' own error (a missing secretsmanager:ListSecrets), and sends nothing for a bad id", async () => {
    const sm = mockClient(SecretsManagerClient);
    restore = () => sm.restore();
    sm.on(ListSecretsCommand).rejects(
      Object.assign(new Error('not authorized to perform: secretsmanager:ListSecrets'), {
        name: 'AccessDeniedException',
      }),
    );
    await expect(findWorkspaceHolders(client(), { workspaceId: WS, secretArn: 'x' })).rejects.toMatchObject({
      name: 'AccessDeniedException',
    });
    await expect(
      findWorkspaceHolders(client(), { workspaceId: '!not-this', secretArn: 'x' }),
    ).rejects.toThrow(/is not a Ringg workspace id that can be searched for/);
    expect(sm.commandCalls(ListSecretsCommand)).toHaveLength(1);
  });

  it('finds the holders among 250 secrets in the Secrets Manager stand-in, whose filtered pages can be empty', async () => {
    const model = new SecretsManagerModel('eu-west-1');
    const sm = mockSecretsManager(model);
    restore = () => sm.restore();
    for (let i = 0; i < 250; i++) model.createSecret({ Name: `other/${i}`, SecretString: 'x' });
    const tag = (name: string, value: string, key = WORKSPACE_TAG_KEY) => {
      model.createSecret({ Name: name, SecretString: 'k' });
      model.tagResource({ SecretId: name, Tags: [{ Key: key, Value: value }] });
    };
    tag('ringg/self', WS);
    tag('ringg/copy', WS);
    tag('ringg/prefix-only', `${WS}0`); // tag-value is a prefix match
    tag('ringg/other-key', WS, `${WORKSPACE_TAG_KEY}-old`); // so is tag-key
    const search = await findWorkspaceHolders(client(), {
      workspaceId: WS,
      secretArn: model.arnOf('ringg/self'),
    });
    expect(search.others.map((h) => h.name)).toEqual(['ringg/copy']);
    expect(search.complete).toBe(true);
    expect(search.pagesRead).toBe(3);
    expect(model.calls.ListSecrets).toBe(3);
  });
});

describe('the ListSecrets limits', () => {
  it('uses the largest page ListSecrets allows, and the service refuses a larger one', () => {
    expect(LIST_SECRETS_MAX_RESULTS).toBe(100);
    const model = new SecretsManagerModel();
    expect(() => model.listSecrets({ MaxResults: LIST_SECRETS_MAX_RESULTS + 1 })).toThrow(AwsServiceError);
  });

  it('builds filters only from a workspace id the tag can hold', () => {
    expect(workspaceHolderFilters('ws_1.a:b/c=d+e-f@g')).toEqual([
      { Key: 'tag-key', Values: [WORKSPACE_TAG_KEY] },
      { Key: 'tag-value', Values: ['ws_1.a:b/c=d+e-f@g'] },
    ]);
    for (const bad of ['', ' ws', 'a b', '!ws', 'x'.repeat(257), 'ws*']) {
      expect(() => workspaceHolderFilters(bad), JSON.stringify(bad)).toThrow(TypeError);
    }
  });
});

describe('pure decisions', () => {
  const holder = (
    name: string,
    lastRotated?: string,
    extra: Partial<WorkspaceHolder> = {},
  ): WorkspaceHolder => ({
    arn: arnOf(name),
    name,
    rotationEnabled: true,
    rotationFunction: undefined,
    lastRotated: lastRotated ? new Date(lastRotated) : undefined,
    lastChanged: undefined,
    replicaOf: undefined,
    ...extra,
  });

  it('holdersIn: the exact tag only, never the secret itself, a replica named as one', () => {
    const entries = [
      entry('b', { [WORKSPACE_TAG_KEY]: WS }),
      entry('self', { [WORKSPACE_TAG_KEY]: WS }),
      entry('a', { [WORKSPACE_TAG_KEY]: WS }, { PrimaryRegion: 'us-east-1' }),
      entry('same-region-primary', { [WORKSPACE_TAG_KEY]: WS }, { PrimaryRegion: 'eu-west-1' }),
      entry('other-value', { [WORKSPACE_TAG_KEY]: 'ws-2', team: WS }),
    ];
    const found = holdersIn(entries, WS, arnOf('self'));
    expect(found.map((h) => [h.name, h.replicaOf])).toEqual([
      ['a', 'us-east-1'],
      ['b', undefined],
      ['same-region-primary', undefined],
    ]);
  });

  it('workspaceSharing: shared when another holds it, alone when none and the search completed', () => {
    expect(workspaceSharing({ workspaceId: WS, others: [], complete: true, pagesRead: 1 })).toEqual({
      kind: 'alone',
    });
    const others = [holder('b')];
    expect(workspaceSharing({ workspaceId: WS, others, complete: false, pagesRead: 20 })).toEqual({
      kind: 'shared',
      others,
    });
  });

  it('likelyLiveKeyHolder: the one rotated last; written last when never rotated', () => {
    expect(
      likelyLiveKeyHolder([holder('old', '2026-01-01'), holder('new', '2026-03-01'), holder('never')])?.name,
    ).toBe('new');
    expect(
      likelyLiveKeyHolder([holder('x'), holder('y', undefined, { lastChanged: new Date('2026-02-01') })])
        ?.name,
    ).toBe('y');
    expect(likelyLiveKeyHolder([])).toBeUndefined();
  });

  it('sharedWorkspaces: groups of two or more, by workspace; unknown workspaces and duplicates left out', () => {
    const s = (name: string, workspaceId: string | undefined) => ({
      arn: arnOf(name),
      name,
      workspaceId,
      source: workspaceId ? ('tag' as const) : undefined,
    });
    expect(
      sharedWorkspaces([
        s('c', 'w1'),
        s('a', 'w1'),
        s('b', 'w2'),
        s('d', undefined),
        s('e', undefined),
        s('a', 'w1'),
      ]),
    ).toEqual([{ workspaceId: 'w1', secrets: [s('a', 'w1'), s('c', 'w1')] }]);
    expect(sharedWorkspaces([s('a', 'w1'), s('b', 'w2')])).toEqual([]);
  });

  it('sharedWorkspaceMessage names every other holder, says nothing changed and what to do', () => {
    const message = sharedWorkspaceMessage('ringg/a', WS, [
      holder('ringg/b', '2026-03-01T00:00:00Z'),
      holder('ringg/c', undefined, { rotationEnabled: false, replicaOf: 'us-east-1' }),
    ]);
    expect(message).toContain(`Secret "ringg/a" holds the key of Ringg workspace ${WS}, and so do secrets`);
    expect(message).toContain('"ringg/b" (rotation on, last rotated 2026-03-01T00:00:00.000Z) and "ringg/c"');
    expect(message).toContain('a replica of a secret in us-east-1, rotated there, rotation off');
    expect(message).toContain('Nothing was changed.');
    expect(message).toMatch(/replica secrets.*resource policy.*docs\/workspaces\.md/);
    expect(describeHolder(holder('x'))).toBe('"x" (rotation on)');
  });

  it('killedByOtherRotationMessage names the likeliest live-key holder, forbids the dashboard, says how to copy or remove', () => {
    const message = killedByOtherRotationMessage('ringg/b', WS, [
      holder('ringg/old', '2026-01-01T00:00:00Z'),
      holder('ringg/a', '2026-03-01T00:00:00Z'),
    ]);
    expect(message).toMatch(
      /^Ringg rejects the AWSCURRENT key of secret "ringg\/b", and secret "ringg\/a" holds/,
    );
    expect(message).toContain('"ringg/a" holds the workspace\'s live key');
    expect(message).toContain('Do not regenerate the key in the Ringg dashboard');
    expect(message).toContain('aws secretsmanager get-secret-value --secret-id ringg/a');
    expect(message).toContain('`ringg-rotate recover --secret-id ringg/b`');
    expect(message).toContain('aws secretsmanager cancel-rotate-secret --secret-id ringg/b');
    expect(message).toContain('Other secrets of that workspace: "ringg/old".');
    expect(() => killedByOtherRotationMessage('ringg/b', WS, [])).toThrow(RangeError);
  });
});
