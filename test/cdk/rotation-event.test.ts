import { App, Stack, Validations } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { AwsSolutionsChecks } from 'cdk-nag';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { RinggKeyRotation, type RinggKeyRotationProps } from '../../lib/ringg-key-rotation.js';
import { ENV, flatten, statementsOf, UNBUNDLED } from './support.js';

const PROD_ARN = `arn:aws:secretsmanager:${ENV.region}:${ENV.account}:secret:ringg/prod-AbCdEf`;
const CLUSTER_ARN = `arn:aws:ecs:${ENV.region}:${ENV.account}:cluster/calls`;
const STATES_ECS_UPDATE = `arn:\${AWS::Partition}:states:::aws-sdk:ecs:updateService`;
const EU_ARN = `arn:aws:secretsmanager:${ENV.region}:${ENV.account}:secret:ringg/eu-GhIjKl`;

/** The construct with `secrets`, then `extend` (before synthesis), then the template. */
function build(
  secrets: (stack: Stack) => RinggKeyRotationProps['secrets'] = twoSecrets,
  extend: (rotation: RinggKeyRotation, stack: Stack) => void = () => undefined,
  context: Record<string, unknown> = {},
) {
  const app = new App({ context: { ...UNBUNDLED, ...context } });
  const stack = new Stack(app, 'Test', { env: ENV });
  const rotation = new RinggKeyRotation(stack, 'Rotation', { secrets: secrets(stack) });
  extend(rotation, stack);
  return { app, stack, rotation, template: Template.fromStack(stack) };
}

function twoSecrets(stack: Stack) {
  return [
    secretsmanager.Secret.fromSecretCompleteArn(stack, 'Prod', PROD_ARN),
    secretsmanager.Secret.fromSecretCompleteArn(stack, 'Eu', EU_ARN),
  ];
}

function services(stack: Stack) {
  const cluster = ecs.Cluster.fromClusterArn(stack, 'Cluster', CLUSTER_ARN);
  return ['dialer', 'webhooks'].map((serviceName) =>
    ecs.FargateService.fromFargateServiceAttributes(stack, serviceName, { cluster, serviceName }),
  );
}

const ecsArn = (resource: string) => `arn:\${AWS::Partition}:ecs:${ENV.region}:${ENV.account}:${resource}`;

/** The rules matching RotationSucceeded, as plain JSON. */
function succeededRules(template: Template) {
  return Object.values(template.findResources('AWS::Events::Rule'))
    .map(
      (r) =>
        flatten(r.Properties) as {
          EventPattern: { detail: { additionalEventData: { SecretId: unknown } } };
          Targets?: Record<string, unknown>[];
        },
    )
    .filter((p) => JSON.stringify(p.EventPattern).includes('RotationSucceeded'));
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe('onRotationSucceeded', () => {
  it("matches Secrets Manager's RotationSucceeded of the rotated secrets, and attaches the target", () => {
    expect(succeededRules(build().template)).toEqual([]); // nothing unless asked

    const { template } = build(twoSecrets, (rotation, stack) => {
      const fn = lambda.Function.fromFunctionArn(
        stack,
        'Refresher',
        `arn:aws:lambda:${ENV.region}:${ENV.account}:function:refresh`,
      );
      rotation.onRotationSucceeded('KeyRotated', { target: new targets.LambdaFunction(fn) });
    });
    const rules = succeededRules(template);
    expect(rules).toHaveLength(1);
    expect(rules[0]?.EventPattern).toEqual({
      source: ['aws.secretsmanager'],
      'detail-type': ['AWS Service Event via CloudTrail'],
      detail: {
        eventSource: ['secretsmanager.amazonaws.com'],
        eventName: ['RotationSucceeded'],
        additionalEventData: { SecretId: [PROD_ARN, EU_ARN] },
      },
    });
    expect(rules[0]?.Targets?.[0]?.Arn).toBe(`arn:aws:lambda:${ENV.region}:${ENV.account}:function:refresh`);
  });

  it('narrows to given secrets; a secret imported by name matches its exact ARN (the schedule Ref), never a prefix', () => {
    const { template } = build(
      (s) => [
        secretsmanager.Secret.fromSecretNameV2(s, 'ByName', 'ringg/staging'),
        secretsmanager.Secret.fromSecretCompleteArn(s, 'Prod', PROD_ARN),
      ],
      (rotation) =>
        rotation.onRotationSucceeded('StagingRotated', {
          secrets: [rotation.secrets[0] as secretsmanager.ISecret],
        }),
    );
    const [rule] = succeededRules(template);
    // ringg/staging- as a prefix would also match ringg/staging-2: the ARN comes from the schedule stack.
    expect(rule?.EventPattern.detail.additionalEventData.SecretId).toEqual([
      expect.stringMatching(/^\$\{RotationSchedules\d.*\.Outputs\..*Scheduleringgstaging.*Ref\}$/),
    ]);
    expect(JSON.stringify(rule?.EventPattern)).not.toContain('prefix');
  });

  it('refuses a secret the construct does not rotate, and too many secrets for one pattern', () => {
    expect(() =>
      build(twoSecrets, (rotation, stack) => {
        const other = secretsmanager.Secret.fromSecretNameV2(stack, 'Other', 'ringg/other');
        rotation.onRotationSucceeded('X', { secrets: [other] });
      }),
    ).toThrow(/must be one of the construct's `secrets`/);
    expect(() =>
      build(
        (s) =>
          Array.from({ length: 40 }, (_, i) =>
            secretsmanager.Secret.fromSecretNameV2(s, `S${i}`, `ringg/w${i}`),
          ),
        (rotation) => rotation.onRotationSucceeded('All'),
      ),
    ).toThrow(/40 secrets exceed EventBridge's 2,048-character event pattern limit \(the first \d+ fit\)/);
    // Sized by the ARNs' real bound, not a fixed count: twenty such secrets fit in one rule.
    const twenty = build(
      (s) =>
        Array.from({ length: 20 }, (_, i) =>
          secretsmanager.Secret.fromSecretNameV2(s, `S${i}`, `ringg/w${i}`),
        ),
      (rotation) => rotation.onRotationSucceeded('Twenty'),
    );
    expect(succeededRules(twenty.template)[0]?.EventPattern.detail.additionalEventData.SecretId).toHaveLength(
      20,
    );
  });
});

describe('forceEcsDeploymentOnRotation', () => {
  const withReaction = () =>
    build(twoSecrets, (rotation, stack) =>
      rotation.forceEcsDeploymentOnRotation('RedeployCalls', {
        services: services(stack),
        secrets: [rotation.secrets[0] as secretsmanager.ISecret],
      }),
    );

  it('starts the state machine on RotationSucceeded of the services’ secret, with no key in its input', () => {
    const { template } = withReaction();
    const [rule] = succeededRules(template);
    expect(rule?.EventPattern.detail.additionalEventData.SecretId).toEqual([PROD_ARN]);
    expect(rule?.Targets).toHaveLength(1);
    expect(rule?.Targets?.[0]?.Arn).toMatch(/^\$\{RotationRedeployCallsStateMachine[0-9A-F]+\}$/);
    expect(rule?.Targets?.[0]?.InputTransformer).toEqual({
      InputPathsMap: {
        'detail-additionalEventData-SecretId': '$.detail.additionalEventData.SecretId',
        time: '$.time',
        id: '$.id',
      },
      InputTemplate: '{"secretArn":<detail-additionalEventData-SecretId>,"rotatedAt":<time>,"eventId":<id>}',
    });
  });

  it('calls ecs:UpdateService with forceNewDeployment for each service, with retries, no Lambda', () => {
    const { template } = withReaction();
    template.resourceCountIs('AWS::Lambda::Function', 1); // the rotation function only
    const machine = Object.values(template.findResources('AWS::StepFunctions::StateMachine'))[0];
    const definition = JSON.parse(String(flatten(machine?.Properties.DefinitionString)));
    type Task = { Resource: string; Parameters: unknown; Retry: unknown[] };
    const branches: Task[] = definition.States.RedeployServices.Branches.map(
      (b: { States: Record<string, Task> }) => Object.values(b.States)[0],
    );
    expect(branches.map((t) => [t.Resource, t.Parameters])).toEqual([
      [
        STATES_ECS_UPDATE,
        {
          Cluster: CLUSTER_ARN,
          Service: 'dialer',
          ForceNewDeployment: true,
        },
      ],
      [
        STATES_ECS_UPDATE,
        {
          Cluster: CLUSTER_ARN,
          Service: 'webhooks',
          ForceNewDeployment: true,
        },
      ],
    ]);
    for (const task of branches)
      expect(task.Retry[0]).toMatchObject({ ErrorEquals: ['States.ALL'], MaxAttempts: 3 });
    expect(definition.TimeoutSeconds).toBe(300);
  });

  it('least privilege: the state machine may call ecs:UpdateService on the given services only, by their long ARN', () => {
    const { template } = withReaction();
    // Imported by name: never the short form service/<name>, which names that service in any cluster.
    expect(statementsOf(template, 'RotationRedeployCallsStateMachineRole')).toEqual([
      { Action: 'ecs:UpdateService', Effect: 'Allow', Resource: ecsArn('service/calls/dialer') },
      { Action: 'ecs:UpdateService', Effect: 'Allow', Resource: ecsArn('service/calls/webhooks') },
    ]);
    expect(JSON.stringify(template.toJSON())).not.toContain(':service/dialer');
    const eventsRoleStatements = Object.values(template.findResources('AWS::IAM::Policy'))
      .map((p) => flatten(p.Properties.PolicyDocument.Statement) as Record<string, unknown>[])
      .filter((s) => JSON.stringify(s).includes('states:StartExecution'));
    expect(eventsRoleStatements).toEqual([
      [
        {
          Action: 'states:StartExecution',
          Effect: 'Allow',
          Resource: expect.stringMatching(/^\$\{RotationRedeployCallsStateMachine[0-9A-F]+\}$/),
        },
      ],
    ]);
  });

  it('each role may be assumed only by its own state machine or rule (aws:SourceArn), never by any of the account', () => {
    const { template } = withReaction();
    const roles = template.findResources('AWS::IAM::Role');
    const trust = (prefix: string) => {
      const [, role] = Object.entries(roles).find(([id]) => id.startsWith(prefix)) ?? [];
      return flatten(role?.Properties.AssumeRolePolicyDocument.Statement);
    };
    const machines = template.findResources('AWS::StepFunctions::StateMachine');
    const [machine] = Object.values(machines);
    const machineName = machine?.Properties.StateMachineName as string;
    expect(machineName).toMatch(/RedeployCalls/);
    expect(trust('RotationRedeployCallsStateMachineRole')).toEqual([
      {
        Action: 'sts:AssumeRole',
        Effect: 'Allow',
        Principal: { Service: 'states.amazonaws.com' },
        Condition: {
          StringEquals: {
            'aws:SourceAccount': ENV.account,
            'aws:SourceArn': `arn:\${AWS::Partition}:states:${ENV.region}:${ENV.account}:stateMachine:${machineName}`,
          },
        },
      },
    ]);
    const rules = Object.values(template.findResources('AWS::Events::Rule')).filter((r) =>
      JSON.stringify(r.Properties.Targets ?? []).includes('RedeployCalls'),
    );
    const ruleName = rules[0]?.Properties.Name as string;
    expect(ruleName).toMatch(/RedeployCalls/);
    expect(trust('RotationRedeployCallsEventsRole')).toEqual([
      {
        Action: 'sts:AssumeRole',
        Effect: 'Allow',
        Principal: { Service: 'events.amazonaws.com' },
        Condition: {
          StringEquals: {
            'aws:SourceAccount': ENV.account,
            'aws:SourceArn': `arn:\${AWS::Partition}:events:${ENV.region}:${ENV.account}:rule/${ruleName}`,
          },
        },
      },
    ]);
  });

  it('with the long ARN format flag on (as in cdk.json), the same one ARN per service', () => {
    const { template } = build(
      twoSecrets,
      (rotation, stack) =>
        rotation.forceEcsDeploymentOnRotation('RedeployCalls', { services: services(stack) }),
      { '@aws-cdk/aws-ecs:arnFormatIncludesClusterName': true },
    );
    expect(statementsOf(template, 'RotationRedeployCallsStateMachineRole').map((st) => st.Resource)).toEqual([
      ecsArn('service/calls/dialer'),
      ecsArn('service/calls/webhooks'),
    ]);
  });

  it('alarms to the alarm topic when a redeploy fails or times out', () => {
    const { template } = withReaction();
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmDescription: Match.stringLikeRegexp('still hold the old, dead key'),
      AlarmActions: [{ Ref: Match.stringLikeRegexp('^RotationAlarms') }],
      Metrics: Match.arrayWith([Match.objectLike({ Expression: 'failed + timedOut' })]),
    });
  });

  it('refuses an empty service list', () => {
    expect(() =>
      build(twoSecrets, (rotation) => rotation.forceEcsDeploymentOnRotation('None', { services: [] })),
    ).toThrow(/at least one ECS service/);
  });

  it('cdk-nag: no unacknowledged finding, and each acknowledgement is found', () => {
    const findings = (app: App) =>
      new AwsSolutionsChecks(app).validateScope(app).violations.map((v) => v.ruleName);
    expect(findings(withReaction().app)).toEqual([]);
    vi.spyOn(Validations.prototype, 'acknowledge').mockImplementation(() => undefined);
    const base = new Set(findings(build().app));
    const added = findings(withReaction().app).filter((f) => !base.has(f));
    expect(new Set(added)).toEqual(new Set(['AwsSolutions-SF1', 'AwsSolutions-SF2']));
  });
});
