// Evaluates the synthesized policies with an offline IAM policy evaluator (@cloud-copilot/iam-simulate):
// what the function, Secrets Manager, CloudWatch, EventBridge and the CI role may do, at 1,000 secrets.
import { runSimulation } from '@cloud-copilot/iam-simulate';
import { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { SCALE_ENV, scaleStack } from '../../scripts/scale-measure.js';

const { account, region } = SCALE_ENV;
const FUNCTION_ARN = `arn:aws:lambda:${region}:${account}:function:Scale-RinggKeyRotationFunction-AbC123`;
const TOPIC_ARN = `arn:aws:sns:${region}:${account}:Scale-RinggKeyRotationAlarms-XyZ789`;
const OTHER_FUNCTION_ARN = `arn:aws:lambda:${region}:${account}:function:someone-elses-rotation`;
const secretArn = (name: string, acct = account) =>
  `arn:aws:secretsmanager:${region}:${acct}:secret:${name}-AbCdEf`;
const ROTATED = secretArn('ringg/workspace-0999');

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
      if (/Alarms/.test(ref)) return TOPIC_ARN;
      throw new Error(`No concrete value for Ref ${ref}`);
    }
    if ('Fn::GetAtt' in obj) {
      const [id] = obj['Fn::GetAtt'] as string[];
      if (/Function/.test(id ?? '')) return FUNCTION_ARN;
      if (/Logs/.test(id ?? '')) return `arn:aws:logs:${region}:${account}:log-group:Scale-Logs:*`;
      throw new Error(`No concrete value for GetAtt ${id}`);
    }
    return Object.fromEntries(Object.entries(obj).map(([k, v]) => [k, concrete(v)]));
  }
  return value;
}

let parent: [string, Resource][];
let nested: [string, Resource][];
const ofType = (list: [string, Resource][], type: string) => list.filter(([, r]) => r.Type === type);
const inlinePolicies = (rolePrefix: string) => {
  const roleId = ofType(parent, 'AWS::IAM::Role').find(([id]) => id.startsWith(rolePrefix))?.[0];
  return ofType(parent, 'AWS::IAM::Policy')
    .filter(([, p]) => JSON.stringify(p.Properties.Roles).includes(`"${roleId}"`))
    .map(([id, p]) => ({ name: id, policy: concrete(p.Properties.PolicyDocument) }));
};

beforeAll(() => {
  const stack = scaleStack(1000);
  const resources = (t: Template) => Object.entries(t.toJSON().Resources as Record<string, Resource>);
  parent = resources(Template.fromStack(stack));
  nested = stack.rotation.scheduleStacks.flatMap((s) => resources(Template.fromStack(s)));
});

async function decide(
  principal: string,
  action: string,
  resource: string,
  context: Record<string, string>,
  policies: { identity?: { name: string; policy: unknown }[]; resource?: unknown },
): Promise<string> {
  const result = await runSimulation(
    {
      request: {
        principal,
        action,
        resource: { resource, accountId: resource.split(':')[4] || account },
        contextVariables: context,
      },
      identityPolicies: policies.identity ?? [],
      serviceControlPolicies: [],
      resourceControlPolicies: [],
      resourcePolicy: policies.resource,
    },
    {},
  );
  if (result.resultType === 'error') throw new Error(JSON.stringify(result.errors));
  return result.overallResult;
}

describe('the function, with 1,000 secrets', () => {
  const role = `arn:aws:iam::${account}:role/Scale-RinggKeyRotationRole`;
  const bound = (fn: string) => ({ 'secretsmanager:resource/AllowRotationLambdaArn': fn });
  const actions = [
    'secretsmanager:DescribeSecret',
    'secretsmanager:GetSecretValue',
    'secretsmanager:PutSecretValue',
    'secretsmanager:UpdateSecretVersionStage',
  ];

  it.each(actions)('may %s a secret whose rotation is bound to it', async (action) => {
    expect(
      await decide(role, action, ROTATED, bound(FUNCTION_ARN), {
        identity: inlinePolicies('RinggKeyRotationRole'),
      }),
    ).toBe('Allowed');
  });

  it.each(actions)('may not %s a secret it does not rotate, whatever its name', async (action) => {
    const identity = inlinePolicies('RinggKeyRotationRole');
    // Same name pattern as the rotated ones, but rotated by another function, or not rotated at all.
    expect(
      await decide(role, action, secretArn('ringg/workspace-1000'), bound(OTHER_FUNCTION_ARN), { identity }),
    ).toBe('ImplicitlyDenied');
    expect(await decide(role, action, secretArn('ringg/workspace-0001'), {}, { identity })).toBe(
      'ImplicitlyDenied',
    );
    expect(await decide(role, action, secretArn('prod/database'), {}, { identity })).toBe('ImplicitlyDenied');
  });

  it('may not rotate, delete or re-point any secret', async () => {
    const identity = inlinePolicies('RinggKeyRotationRole');
    for (const action of [
      'secretsmanager:RotateSecret',
      'secretsmanager:DeleteSecret',
      'secretsmanager:PutResourcePolicy',
    ]) {
      expect(await decide(role, action, ROTATED, bound(FUNCTION_ARN), { identity })).toBe('ImplicitlyDenied');
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
      {
        'aws:SourceArn': source,
        'aws:SourceAccount': sourceAccount,
      },
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
      {
        'aws:SourceArn': sourceArn,
        'aws:SourceAccount': sourceAccount,
        'aws:SecureTransport': 'true',
      },
      { resource: topicPolicy() },
    );

  it('lets every alarm action of the stack publish', async () => {
    const alarms = ofType(parent, 'AWS::CloudWatch::Alarm');
    expect(alarms.length).toBe(2); // function errors, mirror write failures
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
    expect(await publish('s3.amazonaws.com', `arn:aws:s3:::bucket`)).toBe('ImplicitlyDenied');
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
});

describe('the CI role', () => {
  const ci = `arn:aws:iam::${account}:role/Scale-RinggKeyRotationCiRole`;
  const rotateNow = {
    'secretsmanager:ModifyRotationRules': 'false',
    'secretsmanager:resource/AllowRotationLambdaArn': FUNCTION_ARN,
  };

  it('may start a rotation of a rotated secret and watch it', async () => {
    const identity = inlinePolicies('RinggKeyRotationCiRole');
    expect(await decide(ci, 'secretsmanager:RotateSecret', ROTATED, rotateNow, { identity })).toBe('Allowed');
    for (const action of ['secretsmanager:DescribeSecret', 'secretsmanager:ListSecretVersionIds']) {
      expect(
        await decide(
          ci,
          action,
          ROTATED,
          { 'secretsmanager:resource/AllowRotationLambdaArn': FUNCTION_ARN },
          { identity },
        ),
      ).toBe('Allowed');
    }
    expect(await decide(ci, 'lambda:InvokeFunction', FUNCTION_ARN, {}, { identity })).toBe('Allowed');
  });

  it('may not change the rotation rules or the rotation function, read the key, or touch other secrets', async () => {
    const identity = inlinePolicies('RinggKeyRotationCiRole');
    const decideRotate = (context: Record<string, string>, resource = ROTATED) =>
      decide(ci, 'secretsmanager:RotateSecret', resource, context, { identity });
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
        ci,
        'secretsmanager:GetSecretValue',
        ROTATED,
        { 'secretsmanager:resource/AllowRotationLambdaArn': FUNCTION_ARN },
        { identity },
      ),
    ).toBe('ImplicitlyDenied');
  });
});
