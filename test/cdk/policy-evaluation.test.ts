// Evaluates the synthesized policies with an offline IAM policy evaluator (@cloud-copilot/iam-simulate):
// what the function, Secrets Manager, CloudWatch, EventBridge, the CI role and the readers of the
// copies of a key may do, at 1,000 secrets, and what an attacker gains from each finding of issue 18.
import { runSimulation, runUnsafeSimulation } from '@cloud-copilot/iam-simulate';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import { beforeAll, describe, expect, it } from 'vitest';
import { parameterNames } from '../../common/parameter-names.js';
import { type GitHubCiRoleOptions, githubTrustConditions } from '../../lib/ci-role.js';
import { RinggRotationStack } from '../../lib/ringg-rotation-stack.js';
import { SCALE_ENV, scaleContext } from '../../scripts/scale-measure.js';

const { account, region } = SCALE_ENV;
const FUNCTION_ARN = `arn:aws:lambda:${region}:${account}:function:Scale-RinggKeyRotationFunction-AbC123`;
const FUNCTION_ROLE = `arn:aws:iam::${account}:role/Scale-RinggKeyRotationRole-AbC123`;
const CI_ROLE = `arn:aws:iam::${account}:role/Scale-RinggKeyRotationCiRole-AbC123`;
const TOPIC_ARN = `arn:aws:sns:${region}:${account}:Scale-RinggKeyRotationAlarms-XyZ789`;
const KEY_ARN = `arn:aws:kms:${region}:${account}:key/0000aaaa-11bb-22cc-33dd-444444444444`;
const OTHER_FUNCTION_ARN = `arn:aws:lambda:${region}:${account}:function:someone-elses-rotation`;
const TEAM_A = `arn:aws:iam::${account}:role/team-a-service`;
const TEAM_B = `arn:aws:iam::${account}:role/team-b-service`;
const secretArn = (name: string, acct = account) =>
  `arn:aws:secretsmanager:${region}:${acct}:secret:${name}-AbCdEf`;
const parameterArn = (name: string) => `arn:aws:ssm:${region}:${account}:parameter${name}`;
const ROTATED = secretArn('ringg/workspace-0999');
const PREFIX = '/ringg-rotation';
const MIRROR = (n: string) => `/services/ringg/ringg/workspace-${n}`;
const TOKEN = '0c8b1a2e-5e6f-4b1d-9a2f-3c4d5e6f7a8b';
const RECORD = (n: string, token = TOKEN) => parameterNames(PREFIX, `ringg/workspace-${n}`).record(token, 1);

type Json = Record<string, unknown>;
type Resource = { Type: string; Properties: Json; DependsOn?: string[] };

/** Resolves a template value with this deployment's concrete values. */
function concrete(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(concrete);
  if (value && typeof value === 'object') {
    const obj = value as Json;
    if ('Fn::Join' in obj) {
      const [sep, parts] = obj['Fn::Join'] as [string, unknown[]];
      return parts.map(concrete).join(sep);
    }
    if ('Ref' in obj) {
      const ref = String(obj.Ref);
      if (ref === 'AWS::Partition') return 'aws';
      if (ref === 'AWS::URLSuffix') return 'amazonaws.com';
      if (/Alarms/.test(ref)) return TOPIC_ARN;
      if (/FunctionArn$|Function.*Arn$/.test(ref)) return FUNCTION_ARN;
      throw new Error(`No concrete value for Ref ${ref}`);
    }
    if ('Fn::GetAtt' in obj) {
      const [id] = obj['Fn::GetAtt'] as string[];
      if (/Function/.test(id ?? '')) return FUNCTION_ARN;
      if (/ParameterKey/.test(id ?? '')) return KEY_ARN;
      if (/RinggKeyRotationRole/.test(id ?? '')) return FUNCTION_ROLE;
      if (/Logs/.test(id ?? '')) return `arn:aws:logs:${region}:${account}:log-group:Scale-Logs:*`;
      throw new Error(`No concrete value for GetAtt ${id}`);
    }
    return Object.fromEntries(Object.entries(obj).map(([k, v]) => [k, concrete(v)]));
  }
  return value;
}

let parent: [string, Resource][];
let nested: [string, Resource][];
let access: [string, Resource][];
const ofType = (list: [string, Resource][], type: string) => list.filter(([, r]) => r.Type === type);
const inlinePolicies = (rolePrefix: string) => {
  const roleId = ofType(parent, 'AWS::IAM::Role').find(([id]) => id.startsWith(rolePrefix))?.[0];
  return ofType(parent, 'AWS::IAM::Policy')
    .filter(([, p]) => JSON.stringify(p.Properties.Roles).includes(`"${roleId}"`))
    .map(([id, p]) => ({ name: id, policy: concrete(p.Properties.PolicyDocument) }));
};
/** The function's policies: its inline ones and the managed ones of the secrets access stack. */
const functionPolicies = () => [
  ...inlinePolicies('RinggKeyRotationRole'),
  ...ofType(access, 'AWS::IAM::ManagedPolicy').map(([id, p]) => ({
    name: id,
    policy: concrete(p.Properties.PolicyDocument),
  })),
];
const keyPolicy = () => concrete(ofType(parent, 'AWS::KMS::Key')[0]?.[1].Properties.KeyPolicy);

/** The AWS managed key aws/ssm's policy, as AWS writes it: anyone of the account, through SSM. */
const AWS_SSM_KEY_POLICY = {
  Version: '2012-10-17',
  Statement: [
    {
      Effect: 'Allow',
      Principal: { AWS: '*' },
      Action: ['kms:Encrypt', 'kms:Decrypt', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:DescribeKey'],
      Resource: '*',
      Condition: {
        StringEquals: { 'kms:CallerAccount': account, 'kms:ViaService': `ssm.${region}.amazonaws.com` },
      },
    },
    {
      Effect: 'Allow',
      Principal: { AWS: `arn:aws:iam::${account}:root` },
      Action: ['kms:Describe*', 'kms:Get*', 'kms:List*', 'kms:RevokeGrant'],
      Resource: '*',
    },
  ],
};

/** Read access to Parameter Store and nothing else, like the AWS managed AmazonSSMReadOnlyAccess. */
const SSM_READ_ONLY = {
  name: 'AmazonSSMReadOnlyAccessLike',
  policy: {
    Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', Action: ['ssm:Describe*', 'ssm:Get*', 'ssm:List*'], Resource: '*' }],
  },
};

beforeAll(() => {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  const stack = new RinggRotationStack(app, 'Scale', scaleContext(1000), { env: SCALE_ENV });
  // Team A's service may read the mirror of its own workspace's secret; team B's of its own.
  const [a, b] = stack.rotation.secrets;
  if (!a || !b) throw new Error('no secrets');
  stack.rotation.grantReadMirror(iam.Role.fromRoleArn(stack, 'TeamA', TEAM_A, { mutable: false }), a);
  stack.rotation.grantReadMirror(iam.Role.fromRoleArn(stack, 'TeamB', TEAM_B, { mutable: false }), b);
  const resources = (t: Template) => Object.entries(t.toJSON().Resources as Record<string, Resource>);
  parent = resources(Template.fromStack(stack));
  nested = stack.rotation.scheduleStacks.flatMap((s) => resources(Template.fromStack(s)));
  access = resources(Template.fromStack(stack.rotation.secretsAccess));
});

/**
 * Context keys the evaluator's validation does not know and would drop (it only expands variable
 * keys written with "/"): KMS encryption context keys and GitHub's OIDC claims. Requests with them
 * are evaluated without that validation, every key kept.
 */
const UNLISTED_KEYS = /^(kms:EncryptionContext:|token\.actions\.githubusercontent\.com:)/;

async function decide(
  principal: string,
  action: string,
  resource: string,
  context: Record<string, string | string[]>,
  policies: { identity?: { name: string; policy: unknown }[]; resource?: unknown },
): Promise<string> {
  const simulation = {
    request: {
      principal,
      action,
      resource: { resource, accountId: resource.split(':')[4] || account },
      contextVariables: context,
    },
    identityPolicies: policies.identity ?? [],
    serviceControlPolicies: [],
    resourceControlPolicies: [],
    // biome-ignore lint/suspicious/noExplicitAny: a policy document as JSON
    resourcePolicy: policies.resource as any,
  };
  if (Object.keys(context).some((key) => UNLISTED_KEYS.test(key))) {
    // The unvalidated path names no resource policy: hand it one as a validated policy with a name.
    const resourcePolicy = policies.resource
      ? {
          __validated: true,
          policyDocument: policies.resource,
          metadata: { name: 'ResourcePolicy' },
          errors: [],
        }
      : undefined;
    // biome-ignore lint/suspicious/noExplicitAny: the evaluator's ValidatedPolicy shape
    return String(runUnsafeSimulation({ ...simulation, resourcePolicy: resourcePolicy as any }, {}));
  }
  const result = await runSimulation(simulation, {});
  if (result.resultType === 'error') throw new Error(JSON.stringify(result.errors));
  return result.overallResult;
}

/** The function calling Secrets Manager for `secret` (its complete ARN, as rotation events carry it). */
const callFor = (secret: string, boundTo = FUNCTION_ARN) => ({
  'secretsmanager:resource/AllowRotationLambdaArn': boundTo,
  'secretsmanager:SecretId': secret,
});

describe('the function, with 1,000 secrets', () => {
  const actions = [
    'secretsmanager:DescribeSecret',
    'secretsmanager:GetSecretValue',
    'secretsmanager:PutSecretValue',
    'secretsmanager:UpdateSecretVersionStage',
  ];

  it.each(actions)('may %s a listed secret bound to it, the first and the last', async (action) => {
    for (const secret of [secretArn('ringg/workspace-0000'), ROTATED]) {
      expect(
        await decide(FUNCTION_ROLE, action, secret, callFor(secret), { identity: functionPolicies() }),
      ).toBe('Allowed');
    }
  });

  it.each(actions)(
    'may not %s a secret bound to it that its deployment does not name, nor one it does not rotate',
    async (action) => {
      const identity = functionPolicies();
      // Finding 3: whoever may bind a secret to the function cannot make it read that secret.
      const bound = secretArn('prod/database');
      expect(await decide(FUNCTION_ROLE, action, bound, callFor(bound), { identity })).toBe(
        'ImplicitlyDenied',
      );
      // A name that only starts like a listed one.
      const longer = secretArn('ringg/workspace-0001-extra');
      expect(await decide(FUNCTION_ROLE, action, longer, callFor(longer), { identity })).toBe(
        'ImplicitlyDenied',
      );
      // Listed, but rotated by another function; or not rotated at all.
      const listed = secretArn('ringg/workspace-0001');
      expect(
        await decide(FUNCTION_ROLE, action, listed, callFor(listed, OTHER_FUNCTION_ARN), { identity }),
      ).toBe('ImplicitlyDenied');
      expect(
        await decide(FUNCTION_ROLE, action, listed, { 'secretsmanager:SecretId': listed }, { identity }),
      ).toBe('ImplicitlyDenied');
      // A listed name in another account.
      const elsewhere = secretArn('ringg/workspace-0001', '444455556666');
      expect(await decide(FUNCTION_ROLE, action, elsewhere, callFor(elsewhere), { identity })).toBe(
        'ImplicitlyDenied',
      );
    },
  );

  it('may tag and untag a listed secret with the workspace and failure tags only, and not rotate, delete or re-point any secret', async () => {
    const identity = functionPolicies();
    for (const action of ['secretsmanager:TagResource', 'secretsmanager:UntagResource']) {
      const tag = (keys: string[], secret = ROTATED) =>
        decide(FUNCTION_ROLE, action, secret, { ...callFor(secret), 'aws:TagKeys': keys }, { identity });
      expect(await tag(['ringg-rotation:workspace-id'])).toBe('Allowed');
      expect(await tag(['ringg-rotation:last-failure'])).toBe('Allowed');
      expect(await tag(['ringg-rotation:workspace-id', 'ringg-rotation:last-failure'])).toBe('Allowed');
      expect(await tag(['owner'])).toBe('ExplicitlyDenied');
      expect(await tag(['ringg-rotation:last-failure', 'owner'])).toBe('ExplicitlyDenied');
      expect(await tag(['ringg-rotation:workspace-id', 'owner'])).toBe('ExplicitlyDenied');
      // Not a secret its deployment does not name, with the rotation's own tag keys either.
      const bound = secretArn('prod/database');
      expect(await tag(['ringg-rotation:last-failure'], bound)).toBe('ImplicitlyDenied');
    }
    for (const action of [
      'secretsmanager:RotateSecret',
      'secretsmanager:DeleteSecret',
      'secretsmanager:PutResourcePolicy',
    ]) {
      expect(await decide(FUNCTION_ROLE, action, ROTATED, callFor(ROTATED), { identity })).toBe(
        'ImplicitlyDenied',
      );
    }
  });

  it('may list secrets (the shared-workspace check) but not read a secret it does not rotate', async () => {
    const identity = functionPolicies();
    expect(await decide(FUNCTION_ROLE, 'secretsmanager:ListSecrets', '*', {}, { identity })).toBe('Allowed');
    const other = secretArn('prod/database');
    expect(
      await decide(
        FUNCTION_ROLE,
        'secretsmanager:GetSecretValue',
        other,
        { 'secretsmanager:SecretId': other },
        { identity },
      ),
    ).toBe('ImplicitlyDenied');
  });

  it('reads, lists, writes and deletes its rotation records, and no parameter outside its prefix', async () => {
    const identity = functionPolicies();
    const names = parameterNames(PREFIX, 'ringg/workspace-0999');
    const ssm = (action: string, name: string) =>
      decide(FUNCTION_ROLE, action, parameterArn(name), {}, { identity });
    for (const action of ['ssm:GetParameter', 'ssm:PutParameter', 'ssm:DeleteParameter']) {
      expect(await ssm(action, names.record(TOKEN, 1))).toBe('Allowed');
      expect(await ssm(action, '/someone-else/ringg/workspace-0999/rotation/t')).toBe('ImplicitlyDenied');
      expect(await ssm(action, '/ringg-rotation-other/x')).toBe('ImplicitlyDenied');
    }
    expect(await ssm('ssm:GetParametersByPath', names.recordPath)).toBe('Allowed');
    expect(await ssm('ssm:GetParameter', names.legacyRescue(TOKEN))).toBe('Allowed');
    expect(await ssm('ssm:DeleteParameter', names.legacyRescue(TOKEN))).toBe('Allowed');
    expect(await ssm('ssm:GetParametersByPath', '/services/ringg')).toBe('ImplicitlyDenied');
  });

  it('may write but not read the mirror, and uses its parameter key only through SSM for its own parameters', async () => {
    const identity = functionPolicies();
    const resource = keyPolicy();
    expect(
      await decide(FUNCTION_ROLE, 'ssm:PutParameter', parameterArn(MIRROR('0000')), {}, { identity }),
    ).toBe('Allowed');
    expect(
      await decide(FUNCTION_ROLE, 'ssm:GetParameter', parameterArn(MIRROR('0000')), {}, { identity }),
    ).toBe('ImplicitlyDenied');
    const use = (action: string, parameter: string, via = `ssm.${region}.amazonaws.com`) =>
      decide(
        FUNCTION_ROLE,
        action,
        KEY_ARN,
        {
          'kms:ViaService': via,
          'kms:EncryptionContext:PARAMETER_ARN': parameterArn(parameter),
          'kms:CallerAccount': account,
        },
        { identity, resource },
      );
    expect(await use('kms:Encrypt', RECORD('0000'))).toBe('Allowed');
    expect(await use('kms:Decrypt', RECORD('0000'))).toBe('Allowed');
    expect(await use('kms:Encrypt', MIRROR('0000'))).toBe('Allowed');
    expect(await use('kms:Decrypt', MIRROR('0000'))).toBe('ImplicitlyDenied');
    expect(await use('kms:Decrypt', '/somewhere/else')).toBe('ImplicitlyDenied');
    expect(await use('kms:Decrypt', RECORD('0000'), `secretsmanager.${region}.amazonaws.com`)).toBe(
      'ImplicitlyDenied',
    );
    expect(await use('kms:GenerateDataKey', RECORD('0000'))).toBe('ImplicitlyDenied');
  });
});

describe('the copies of a key (finding 1): a principal with only Parameter Store read access', () => {
  const decrypt = (
    principal: string,
    parameter: string,
    keyPolicyDocument: unknown,
    identity: { name: string; policy: unknown }[] = [SSM_READ_ONLY],
  ) =>
    decide(
      principal,
      'kms:Decrypt',
      KEY_ARN,
      {
        'kms:ViaService': `ssm.${region}.amazonaws.com`,
        'kms:EncryptionContext:PARAMETER_ARN': parameterArn(parameter),
        'kms:CallerAccount': account,
      },
      { identity, resource: keyPolicyDocument },
    );
  const READER = `arn:aws:iam::${account}:role/ssm-read-only`;

  it('could read a mirror under aws/ssm (before), though not the secret', async () => {
    expect(
      await decide(
        READER,
        'ssm:GetParameter',
        parameterArn(MIRROR('0000')),
        {},
        { identity: [SSM_READ_ONLY] },
      ),
    ).toBe('Allowed');
    expect(await decrypt(READER, MIRROR('0000'), AWS_SSM_KEY_POLICY)).toBe('Allowed');
    expect(
      await decide(READER, 'secretsmanager:GetSecretValue', ROTATED, {}, { identity: [SSM_READ_ONLY] }),
    ).toBe('ImplicitlyDenied');
  });

  it('cannot decrypt the mirror or the rotation record under the parameter key (after), even with kms:Decrypt on "*"', async () => {
    const withKmsToo: { name: string; policy: unknown }[] = [
      SSM_READ_ONLY,
      {
        name: 'KmsEverything',
        policy: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'kms:*', Resource: '*' }] },
      },
    ];
    for (const parameter of [MIRROR('0000'), RECORD('0000')]) {
      expect(await decrypt(READER, parameter, keyPolicy())).toBe('ImplicitlyDenied');
      expect(await decrypt(READER, parameter, keyPolicy(), withKmsToo)).toBe('ImplicitlyDenied');
    }
  });
});

describe('the copies of a key (finding 2): a consumer of another workspace', () => {
  const decrypt = (principal: string, parameter: string) =>
    decide(
      principal,
      'kms:Decrypt',
      KEY_ARN,
      {
        'kms:ViaService': `ssm.${region}.amazonaws.com`,
        'kms:EncryptionContext:PARAMETER_ARN': parameterArn(parameter),
        'kms:CallerAccount': account,
      },
      { identity: [SSM_READ_ONLY], resource: keyPolicy() },
    );

  it('reads its own workspace’s mirror, and neither another workspace’s mirror nor any rotation record', async () => {
    expect(await decrypt(TEAM_A, MIRROR('0000'))).toBe('Allowed');
    expect(await decrypt(TEAM_B, MIRROR('0001'))).toBe('Allowed');
    expect(await decrypt(TEAM_A, MIRROR('0001'))).toBe('ImplicitlyDenied');
    expect(await decrypt(TEAM_B, MIRROR('0000'))).toBe('ImplicitlyDenied');
    expect(await decrypt(TEAM_A, RECORD('0000'))).toBe('ImplicitlyDenied');
  });

  it("gains nothing on the copies from kms:Decrypt on the secrets' own key (the copies never use it)", async () => {
    const secretsKey = scaleContext(1).kmsKeyArn;
    const onSecretsKey = {
      name: 'DecryptSecretsKey',
      policy: {
        Version: '2012-10-17',
        Statement: [{ Effect: 'Allow', Action: 'kms:Decrypt', Resource: secretsKey }],
      },
    };
    expect(
      await decide(
        TEAM_B,
        'kms:Decrypt',
        KEY_ARN,
        {
          'kms:ViaService': `ssm.${region}.amazonaws.com`,
          'kms:EncryptionContext:PARAMETER_ARN': parameterArn(MIRROR('0000')),
        },
        { identity: [SSM_READ_ONLY, onSecretsKey], resource: keyPolicy() },
      ),
    ).toBe('ImplicitlyDenied');
    expect(JSON.stringify(keyPolicy())).not.toContain(secretsKey);
  });
});

describe('grants by pattern (finding 4): the CI role', () => {
  const read = (name: string) =>
    decide(
      CI_ROLE,
      'ssm:GetParameter',
      parameterArn(name),
      {},
      { identity: inlinePolicies('RinggKeyRotationCiRole') },
    );
  const token = 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa/journal';

  it('reads no parameter: no record (a token ending in /journal or named like a kind included), no journal, no mirror', async () => {
    const names = parameterNames(PREFIX, 'ringg/workspace-0000');
    const tokens = [TOKEN, token, 'journal', 'rotation', 'rescue', 'intent', 'x/../../journal'];
    for (const t of tokens) {
      // Tokens are hashed into one segment: no record name ends in /journal, whatever the token.
      expect(names.record(t, 1)).not.toMatch(/\/journal$/);
      expect(await read(names.record(t, 1))).toBe('ImplicitlyDenied');
      expect(await read(names.legacyRescue(t))).toBe('ImplicitlyDenied');
    }
    expect(await read(`${PREFIX}/ringg/workspace-0000/journal`)).toBe('ImplicitlyDenied');
    expect(await read(`${PREFIX}/ringg/workspace-0000/rescue/${token}`)).toBe('ImplicitlyDenied');
    expect(await read(MIRROR('0000'))).toBe('ImplicitlyDenied');
    const ci = inlinePolicies('RinggKeyRotationCiRole');
    for (const path of [names.recordPath, PREFIX, '/services/ringg']) {
      expect(await decide(CI_ROLE, 'ssm:GetParametersByPath', parameterArn(path), {}, { identity: ci })).toBe(
        'ImplicitlyDenied',
      );
    }
    expect(JSON.stringify(ci)).not.toMatch(/"ssm:/);
  });

  it('cannot decrypt any copy of a key', async () => {
    const ci = inlinePolicies('RinggKeyRotationCiRole');
    for (const parameter of [RECORD('0000'), MIRROR('0000')]) {
      expect(
        await decide(
          CI_ROLE,
          'kms:Decrypt',
          KEY_ARN,
          {
            'kms:ViaService': `ssm.${region}.amazonaws.com`,
            'kms:EncryptionContext:PARAMETER_ARN': parameterArn(parameter),
          },
          { identity: ci, resource: keyPolicy() },
        ),
      ).toBe('ImplicitlyDenied');
    }
  });
});

describe('Secrets Manager invoking the function', () => {
  const permissionPolicy = () => ({
    Version: '2012-10-17',
    Statement: ofType(parent, 'AWS::Lambda::Permission').map(([, p]) => ({
      Effect: 'Allow',
      Principal: { Service: p.Properties.Principal },
      Action: p.Properties.Action,
      Resource: FUNCTION_ARN,
      Condition: {
        StringEquals: { 'AWS:SourceAccount': concrete(p.Properties.SourceAccount) },
        ArnLike: { 'AWS:SourceArn': concrete(p.Properties.SourceArn) },
      },
    })),
  });
  const invoke = (source: string, sourceAccount = account) =>
    decide(
      'secretsmanager.amazonaws.com',
      'lambda:InvokeFunction',
      FUNCTION_ARN,
      { 'aws:SourceArn': source, 'aws:SourceAccount': sourceAccount },
      { resource: permissionPolicy() },
    );

  it('may, for each of the rotated secrets of this account', async () => {
    expect(ofType(parent, 'AWS::Lambda::Permission')).toHaveLength(1);
    expect(await invoke(secretArn('ringg/workspace-0000'))).toBe('Allowed');
    expect(await invoke(ROTATED)).toBe('Allowed');
  });

  it('may not, for a secret of another account, or outside the rotated secrets’ name prefix', async () => {
    expect(await invoke(secretArn('ringg/workspace-0001', '444455556666'), '444455556666')).toBe(
      'ImplicitlyDenied',
    );
    expect(await invoke(secretArn('prod/database'))).toBe('ImplicitlyDenied');
  });
});

describe('the alarm topic', () => {
  const topicPolicy = () =>
    concrete(ofType(parent, 'AWS::SNS::TopicPolicy')[0]?.[1].Properties.PolicyDocument);
  const publish = (service: string, sourceArn: string, sourceAccount = account) =>
    decide(
      service,
      'sns:Publish',
      TOPIC_ARN,
      { 'aws:SourceArn': sourceArn, 'aws:SourceAccount': sourceAccount, 'aws:SecureTransport': 'true' },
      { resource: topicPolicy() },
    );

  it('lets every alarm action of the stack publish', async () => {
    const alarms = ofType(parent, 'AWS::CloudWatch::Alarm');
    expect(alarms.length).toBe(3); // function errors, throttles, mirror write failures
    for (const [id, alarm] of alarms) {
      expect((alarm.Properties.AlarmActions as unknown[]).map(concrete)).toEqual([TOPIC_ARN]);
      expect(
        await publish(
          'cloudwatch.amazonaws.com',
          `arn:aws:cloudwatch:${region}:${account}:alarm:Scale-${id}-Q1W2E3`,
        ),
      ).toBe('Allowed');
    }
  });

  it('lets every failure rule publish, in every schedule stack', async () => {
    const rules = ofType(nested, 'AWS::Events::Rule');
    expect(rules.length).toBeGreaterThan(10);
    for (const [id, rule] of rules) {
      const [target] = rule.Properties.Targets as { Arn: { Ref: string } }[];
      expect(target?.Arn.Ref).toMatch(/Alarms.*Ref$/);
      expect(
        await publish('events.amazonaws.com', `arn:aws:events:${region}:${account}:rule/Scale-${id}-Z9`),
      ).toBe('Allowed');
    }
  });

  it('refuses alarms and rules of other accounts, other services, and publishing without TLS', async () => {
    expect(
      await publish(
        'cloudwatch.amazonaws.com',
        `arn:aws:cloudwatch:${region}:444455556666:alarm:x`,
        '444455556666',
      ),
    ).toBe('ImplicitlyDenied');
    expect(await publish('s3.amazonaws.com', 'arn:aws:s3:::bucket')).toBe('ImplicitlyDenied');
    const plain = await decide(
      'cloudwatch.amazonaws.com',
      'sns:Publish',
      TOPIC_ARN,
      {
        'aws:SourceArn': `arn:aws:cloudwatch:${region}:${account}:alarm:x`,
        'aws:SourceAccount': account,
        'aws:SecureTransport': 'false',
      },
      { resource: topicPolicy() },
    );
    expect(plain).toBe('ExplicitlyDenied');
  });

  it('(documented, not prevented) admits a principal of the account whose own policy allows sns:Publish on it', async () => {
    const publisher = {
      name: 'MayPublish',
      policy: {
        Version: '2012-10-17',
        Statement: [{ Effect: 'Allow', Action: 'sns:Publish', Resource: TOPIC_ARN }],
      },
    };
    const user = `arn:aws:iam::${account}:role/some-operator`;
    const context = { 'aws:SecureTransport': 'true' };
    expect(
      await decide(user, 'sns:Publish', TOPIC_ARN, context, {
        identity: [publisher],
        resource: topicPolicy(),
      }),
    ).toBe('Allowed');
    expect(await decide(user, 'sns:Publish', TOPIC_ARN, context, { resource: topicPolicy() })).toBe(
      'ImplicitlyDenied',
    );
  });
});

describe('the CI role', () => {
  const rotateNow = {
    'secretsmanager:ModifyRotationRules': 'false',
    'secretsmanager:resource/AllowRotationLambdaArn': FUNCTION_ARN,
  };

  it('may start a rotation of a rotated secret and watch it', async () => {
    const identity = inlinePolicies('RinggKeyRotationCiRole');
    expect(await decide(CI_ROLE, 'secretsmanager:RotateSecret', ROTATED, rotateNow, { identity })).toBe(
      'Allowed',
    );
    for (const action of ['secretsmanager:DescribeSecret', 'secretsmanager:ListSecretVersionIds']) {
      expect(
        await decide(
          CI_ROLE,
          action,
          ROTATED,
          { 'secretsmanager:resource/AllowRotationLambdaArn': FUNCTION_ARN },
          { identity },
        ),
      ).toBe('Allowed');
    }
    // RotateSecret requires it of the caller; it also lets the role invoke steps directly (docs/security.md).
    expect(await decide(CI_ROLE, 'lambda:InvokeFunction', FUNCTION_ARN, {}, { identity })).toBe('Allowed');
  });

  it('may not change the rotation rules or the rotation function, read the key, or touch other secrets', async () => {
    const identity = inlinePolicies('RinggKeyRotationCiRole');
    const decideRotate = (context: Record<string, string>, resource = ROTATED) =>
      decide(CI_ROLE, 'secretsmanager:RotateSecret', resource, context, { identity });
    expect(await decideRotate({ ...rotateNow, 'secretsmanager:ModifyRotationRules': 'true' })).toBe(
      'ImplicitlyDenied',
    );
    expect(await decideRotate({ ...rotateNow, 'secretsmanager:RotationLambdaARN': OTHER_FUNCTION_ARN })).toBe(
      'ImplicitlyDenied',
    );
    expect(
      await decideRotate(
        { ...rotateNow, 'secretsmanager:resource/AllowRotationLambdaArn': OTHER_FUNCTION_ARN },
        secretArn('prod/db'),
      ),
    ).toBe('ImplicitlyDenied');
    expect(
      await decide(
        CI_ROLE,
        'secretsmanager:GetSecretValue',
        ROTATED,
        { 'secretsmanager:resource/AllowRotationLambdaArn': FUNCTION_ARN },
        { identity },
      ),
    ).toBe('ImplicitlyDenied');
  });
});

describe('the CI role’s trust, option by option (finding 5)', () => {
  const PROVIDER = `arn:aws:iam::${account}:oidc-provider/token.actions.githubusercontent.com`;
  const trust = (options: GitHubCiRoleOptions) => ({
    Version: '2012-10-17',
    Statement: [
      {
        Effect: 'Allow',
        Principal: { Federated: PROVIDER },
        Action: 'sts:AssumeRoleWithWebIdentity',
        Condition: githubTrustConditions(options),
      },
    ],
  });
  /** A GitHub token's claims, for the repository acme/platform (id 42, owner id 7) on main. */
  const token = (claims: Record<string, string> = {}) => {
    const c = {
      repository: 'acme/platform',
      repository_id: '42',
      repository_owner_id: '7',
      ref: 'refs/heads/main',
      job_workflow_ref: 'acme/platform/.github/workflows/rotate-ringg-key.yml@refs/heads/main',
      sub: 'repo:acme/platform:ref:refs/heads/main',
      ...claims,
    };
    return {
      'token.actions.githubusercontent.com:aud': 'sts.amazonaws.com',
      ...Object.fromEntries(
        Object.entries(c).map(([k, v]) => [`token.actions.githubusercontent.com:${k}`, v]),
      ),
    };
  };
  const assume = (options: GitHubCiRoleOptions, claims: Record<string, string> = {}) =>
    decide(PROVIDER, 'sts:AssumeRoleWithWebIdentity', CI_ROLE, token(claims), { resource: trust(options) });
  const base = { repository: 'acme/platform' };

  it('repository and refs: main only, in both subject forms; no other ref, repository or audience', async () => {
    expect(await assume(base)).toBe('Allowed');
    expect(await assume(base, { sub: 'repo:acme@7/platform@42:ref:refs/heads/main' })).toBe('Allowed');
    expect(await assume(base, { sub: 'repo:acme/platform:ref:refs/heads/feature' })).toBe('ImplicitlyDenied');
    expect(await assume(base, { sub: 'repo:acme/platform:pull_request' })).toBe('ImplicitlyDenied');
    expect(await assume(base, { sub: 'repo:evil/platform:ref:refs/heads/main' })).toBe('ImplicitlyDenied');
    expect(
      await decide(
        PROVIDER,
        'sts:AssumeRoleWithWebIdentity',
        CI_ROLE,
        {
          ...token(),
          'token.actions.githubusercontent.com:aud': 'https://github.com/acme',
        },
        { resource: trust(base) },
      ),
    ).toBe('ImplicitlyDenied');
  });

  it('repositoryId: a repository that took over the name cannot', async () => {
    const options = { ...base, repositoryId: '42' };
    expect(await assume(options)).toBe('Allowed');
    expect(await assume(options, { repository_id: '99' })).toBe('ImplicitlyDenied');
    expect(
      await assume(options, { sub: 'repo:acme@7/platform@99:ref:refs/heads/main', repository_id: '42' }),
    ).toBe('ImplicitlyDenied');
  });

  it('ownerId: an account that took over the owner’s name cannot', async () => {
    const options = { ...base, ownerId: '7' };
    expect(await assume(options)).toBe('Allowed');
    expect(await assume(options, { repository_owner_id: '8' })).toBe('ImplicitlyDenied');
    expect(
      await assume(options, { sub: 'repo:acme@8/platform@42:ref:refs/heads/main', repository_owner_id: '7' }),
    ).toBe('ImplicitlyDenied');
  });

  it('workflows: only the named workflow file on the named ref, not another file on main', async () => {
    const options = {
      ...base,
      workflows: ['acme/platform/.github/workflows/rotate-ringg-key.yml@refs/heads/main'],
    };
    expect(await assume(options)).toBe('Allowed');
    expect(
      await assume(options, {
        job_workflow_ref: 'acme/platform/.github/workflows/other.yml@refs/heads/main',
      }),
    ).toBe('ImplicitlyDenied');
    expect(
      await assume(base, { job_workflow_ref: 'acme/platform/.github/workflows/other.yml@refs/heads/main' }),
    ).toBe('Allowed');
  });

  it('environments: jobs of the named environment only; with refs, on those refs only', async () => {
    const options = { ...base, environments: ['production'] };
    const inProduction = { sub: 'repo:acme/platform:environment:production' };
    expect(await assume(options, inProduction)).toBe('Allowed');
    expect(await assume(options)).toBe('ImplicitlyDenied'); // a ref subject: no environment
    expect(await assume(options, { sub: 'repo:acme/platform:environment:staging' })).toBe('ImplicitlyDenied');
    const pinned = { ...options, refs: ['refs/heads/main'] };
    expect(await assume(pinned, inProduction)).toBe('Allowed');
    expect(await assume(pinned, { ...inProduction, ref: 'refs/heads/feature' })).toBe('ImplicitlyDenied');
  });
});
