import { Duration } from 'aws-cdk-lib';
import { Match } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as sns from 'aws-cdk-lib/aws-sns';
import { describe, expect, it } from 'vitest';
import { readRotationContext } from '../../lib/context.js';
import { KeyRotationSchedule } from '../../lib/rotation-schedule.js';
import { build, byName, ENV, flatten, statementsOf } from './support.js';

const SECRET_ARN = `arn:aws:secretsmanager:${ENV.region}:${ENV.account}:secret:ringg/prod-AbCdEf`;
const KEY_ARN = `arn:aws:kms:${ENV.region}:${ENV.account}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;

describe('the function', () => {
  const { template } = build();

  it('runs the real handler on nodejs24.x, arm64, with a timeout above the 60 s worst case', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Runtime: 'nodejs24.x',
      Architectures: ['arm64'],
      Handler: 'index.handler',
      Timeout: 90,
      MemorySize: 256,
      LoggingConfig: { LogFormat: 'JSON', LogGroup: { Ref: Match.stringLikeRegexp('^RotationLogs') } },
      Environment: {
        Variables: {
          RINGG_BASE_URL: 'https://prod-api.ringg.ai/ca/api/v0',
          RINGG_CONNECT_TIMEOUT_MS: '10000',
          RINGG_HEADERS_TIMEOUT_MS: '10000',
          RINGG_BODY_TIMEOUT_MS: '10000',
          ROTATION_PARAMETER_PREFIX: '/ringg-rotation',
          NODE_OPTIONS: '--enable-source-maps',
        },
      },
    });
  });

  it('has its own log group with a retention', () => {
    template.resourceCountIs('AWS::Logs::LogGroup', 1);
    template.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 365 });
  });

  it('takes the Ringg URL and timeouts from props', () => {
    const { template: custom } = build(() => ({
      ringgBaseUrl: 'https://staging.ringg.example/api',
      ringgTimeouts: {
        connect: Duration.seconds(3),
        headers: Duration.seconds(8),
        body: Duration.seconds(5),
      },
      timeout: Duration.minutes(2),
    }));
    custom.hasResourceProperties('AWS::Lambda::Function', {
      Timeout: 120,
      Environment: {
        Variables: Match.objectLike({
          RINGG_BASE_URL: 'https://staging.ringg.example/api',
          RINGG_CONNECT_TIMEOUT_MS: '3000',
          RINGG_HEADERS_TIMEOUT_MS: '8000',
          RINGG_BODY_TIMEOUT_MS: '5000',
        }),
      },
    });
  });
});

describe('the schedule', () => {
  it('defaults to every 30 days and never rotates on deploy', () => {
    const { template } = build();
    template.hasResourceProperties('AWS::SecretsManager::RotationSchedule', {
      SecretId: 'ringg/prod',
      RotationLambdaARN: { 'Fn::GetAtt': [Match.stringLikeRegexp('^RotationFunction'), 'Arn'] },
      RotateImmediatelyOnUpdate: false,
      RotationRules: { ScheduleExpression: 'rate(30 days)' },
    });
  });

  it('renders a rate in hours, a cron with a window, and rotate-on-deploy when asked', () => {
    build(() => ({ schedule: KeyRotationSchedule.rate(Duration.hours(12)) })).template.hasResourceProperties(
      'AWS::SecretsManager::RotationSchedule',
      { RotationRules: { ScheduleExpression: 'rate(12 hours)' } },
    );
    build(() => ({
      schedule: KeyRotationSchedule.cron('cron(0 3 ? * SUN *)', { window: Duration.hours(3) }),
      rotateImmediatelyOnUpdate: true,
    })).template.hasResourceProperties('AWS::SecretsManager::RotationSchedule', {
      RotateImmediatelyOnUpdate: true,
      RotationRules: { ScheduleExpression: 'cron(0 3 ? * SUN *)', Duration: '3h' },
    });
  });

  it('parses context strings', () => {
    expect(KeyRotationSchedule.parse('rate(1 day)')).toMatchObject({
      expression: 'rate(1 day)',
      window: undefined,
    });
    expect(KeyRotationSchedule.parse('rate(48 hours)', '2h')).toMatchObject({
      expression: 'rate(2 days)',
      window: '2h',
    });
    expect(KeyRotationSchedule.parse('cron(0  4 * * ? *)')).toMatchObject({
      expression: 'cron(0 4 * * ? *)',
    });
  });

  it.each([
    [() => KeyRotationSchedule.rate(Duration.hours(2)), /from 4 hours to 1000 days; got 2 hours/],
    [() => KeyRotationSchedule.rate(Duration.days(1001)), /from 4 hours to 1000 days/],
    [() => KeyRotationSchedule.rate(Duration.minutes(270)), /whole number of hours/],
    [() => KeyRotationSchedule.cron('cron(0 3 * *)'), /six fields/],
    [() => KeyRotationSchedule.cron('0 3 ? * SUN *'), /six fields/],
    [
      () => KeyRotationSchedule.rate(Duration.days(1), { window: Duration.hours(25) }),
      /whole hours from 1 to 24/,
    ],
    [() => KeyRotationSchedule.parse('every day'), /must be rate\(N days\), rate\(N hours\) or cron/],
    [() => KeyRotationSchedule.parse('rate(1 day)', '90m'), /like 3h/],
  ])('refuses a bad schedule (%#)', (make, message) => {
    expect(make).toThrow(message);
  });

  it('puts one schedule and one scoped invoke permission on every secret', () => {
    const app = build(byName('ringg/prod', 'ringg/staging'));
    app.template.resourceCountIs('AWS::SecretsManager::RotationSchedule', 2);
    app.template.resourceCountIs('AWS::Lambda::Permission', 2);
    app.template.hasResourceProperties('AWS::Lambda::Permission', {
      Action: 'lambda:InvokeFunction',
      Principal: 'secretsmanager.amazonaws.com',
      SourceAccount: ENV.account,
      SourceArn: Match.objectLike({
        'Fn::Join': [
          '',
          Match.arrayWith([`:secretsmanager:${ENV.region}:${ENV.account}:secret:ringg/staging-??????`]),
        ],
      }),
    });
    const schedules = app.template.findResources('AWS::SecretsManager::RotationSchedule');
    for (const schedule of Object.values(schedules)) {
      expect(schedule.DependsOn).toEqual(
        expect.arrayContaining([
          expect.stringMatching(/^RotationSecretsManagerInvoke/),
          expect.stringMatching(/^RotationRoleDefaultPolicy/),
        ]),
      );
    }
  });
});

describe('least privilege', () => {
  it('grants exactly what the function uses, on the listed secrets and its own parameter path', () => {
    const { template } = build();
    const statements = statementsOf(template, 'RotationRole');
    expect(statements).toEqual([
      {
        Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        Effect: 'Allow',
        Resource: expect.stringMatching(/^\$\{RotationLogs.*\.Arn\}$/),
      },
      {
        Sid: 'RotateTheListedSecrets',
        Action: [
          'secretsmanager:DescribeSecret',
          'secretsmanager:GetSecretValue',
          'secretsmanager:PutSecretValue',
          'secretsmanager:UpdateSecretVersionStage',
        ],
        Effect: 'Allow',
        Resource: `arn:\${AWS::Partition}:secretsmanager:${ENV.region}:${ENV.account}:secret:ringg/prod-??????`,
      },
      {
        Sid: 'JournalAndRescueParameters',
        Action: ['ssm:GetParameter', 'ssm:PutParameter', 'ssm:DeleteParameter'],
        Effect: 'Allow',
        Resource: `arn:\${AWS::Partition}:ssm:${ENV.region}:${ENV.account}:parameter/ringg-rotation/*`,
      },
    ]);
    expect(JSON.stringify(statements)).not.toContain('kms:');
    expect(JSON.stringify(statements)).not.toContain('GetRandomPassword');
  });

  it('grants kms:Decrypt and kms:GenerateDataKey, through Secrets Manager only, on a customer-managed key', () => {
    const { template } = build((stack) => ({
      secrets: [
        secretsmanager.Secret.fromSecretAttributes(stack, 'WithKey', {
          secretCompleteArn: SECRET_ARN,
          encryptionKey: kms.Key.fromKeyArn(stack, 'Key', KEY_ARN),
        }),
      ],
    }));
    const statements = statementsOf(template, 'RotationRole');
    expect(statements).toContainEqual({
      Sid: 'SecretsCustomerManagedKeys',
      Action: ['kms:Decrypt', 'kms:GenerateDataKey'],
      Effect: 'Allow',
      Resource: KEY_ARN,
      Condition: { StringEquals: { 'kms:ViaService': `secretsmanager.${ENV.region}.amazonaws.com` } },
    });
    expect(statements.find((s) => s.Sid === 'RotateTheListedSecrets')?.Resource).toBe(SECRET_ARN);
    expect(JSON.stringify(template.toJSON())).not.toMatch(/kms:(Encrypt|ReEncrypt|\*)/);
  });

  it('places the function in a VPC with network-interface permissions when given one', () => {
    const { template } = build((stack) => ({
      vpc: ec2.Vpc.fromVpcAttributes(stack, 'Vpc', {
        vpcId: 'vpc-1',
        availabilityZones: ['eu-west-1a', 'eu-west-1b'],
        privateSubnetIds: ['subnet-a', 'subnet-b'],
      }),
    }));
    template.hasResourceProperties('AWS::Lambda::Function', {
      VpcConfig: {
        SubnetIds: ['subnet-a', 'subnet-b'],
        SecurityGroupIds: [{ 'Fn::GetAtt': [Match.anyValue(), 'GroupId'] }],
      },
    });
    template.hasResourceProperties('AWS::IAM::Role', {
      ManagedPolicyArns: [
        {
          'Fn::Join': [
            '',
            Match.arrayWith([':iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole']),
          ],
        },
      ],
    });
    expect(JSON.stringify(build().template.toJSON())).not.toContain('VpcConfig');
  });
});

describe('alarms', () => {
  it('alarms on any function error through a new topic, with an optional e-mail', () => {
    const { template } = build(() => ({ alarmEmail: 'oncall@example.com' }));
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'Errors',
      Namespace: 'AWS/Lambda',
      Statistic: 'Sum',
      Period: 300,
      Threshold: 1,
      EvaluationPeriods: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      TreatMissingData: 'notBreaching',
      AlarmActions: [{ Ref: Match.stringLikeRegexp('^RotationAlarms') }],
    });
    template.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'email',
      Endpoint: 'oncall@example.com',
    });
  });

  it('routes RotationFailed and RotationAbandoned of these secrets, and only these, to the topic', () => {
    const { template } = build((stack) => ({
      secrets: [
        secretsmanager.Secret.fromSecretNameV2(stack, 'A', 'ringg/prod'),
        secretsmanager.Secret.fromSecretCompleteArn(stack, 'B', SECRET_ARN.replace('prod', 'eu')),
      ],
    }));
    const rule = Object.values(template.findResources('AWS::Events::Rule'))[0];
    expect(flatten(rule?.Properties.EventPattern)).toEqual({
      source: ['aws.secretsmanager'],
      'detail-type': ['AWS Service Event via CloudTrail'],
      detail: {
        eventSource: ['secretsmanager.amazonaws.com'],
        eventName: ['RotationFailed', 'RotationAbandoned'],
        additionalEventData: {
          SecretId: [
            {
              prefix: `arn:\${AWS::Partition}:secretsmanager:${ENV.region}:${ENV.account}:secret:ringg/prod-`,
            },
            SECRET_ARN.replace('prod', 'eu'),
          ],
        },
      },
    });
    expect(rule?.Properties.Targets[0].Arn).toEqual({ Ref: expect.stringMatching(/^RotationAlarms/) });
  });

  it('uses an existing topic instead, and refuses a topic and an e-mail together', () => {
    const topicArn = `arn:aws:sns:${ENV.region}:${ENV.account}:oncall`;
    const { template } = build((stack) => ({ alarmTopic: sns.Topic.fromTopicArn(stack, 'T', topicArn) }));
    template.resourceCountIs('AWS::SNS::Topic', 0);
    template.hasResourceProperties('AWS::CloudWatch::Alarm', { AlarmActions: [topicArn] });
    expect(() =>
      build((stack) => ({ alarmTopic: sns.Topic.fromTopicArn(stack, 'T', topicArn), alarmEmail: 'a@b.c' })),
    ).toThrow(/either `alarmTopic` or `alarmEmail`/);
  });
});

describe('the CI role', () => {
  it('is absent unless asked for', () => {
    build().template.resourceCountIs('AWS::IAM::Role', 1);
  });

  it('trusts only GitHub OIDC tokens of the given repository and refs, and may only find secrets, start and watch a rotation', () => {
    const { template } = build(() => ({
      ciRole: { repository: 'acme/platform', refs: ['refs/heads/main', 'refs/tags/v1'] },
    }));
    template.hasResourceProperties('AWS::IAM::Role', {
      MaxSessionDuration: 3600,
      AssumeRolePolicyDocument: {
        Statement: [
          {
            Action: 'sts:AssumeRoleWithWebIdentity',
            Effect: 'Allow',
            Principal: {
              Federated: {
                'Fn::Join': [
                  '',
                  Match.arrayWith([`:iam::${ENV.account}:oidc-provider/token.actions.githubusercontent.com`]),
                ],
              },
            },
            Condition: {
              StringEquals: {
                'token.actions.githubusercontent.com:aud': 'sts.amazonaws.com',
                'token.actions.githubusercontent.com:sub': [
                  'repo:acme/platform:ref:refs/heads/main',
                  'repo:acme/platform:ref:refs/tags/v1',
                ],
              },
            },
          },
        ],
      },
    });
    expect(statementsOf(template, 'RotationCiRole')).toEqual([
      {
        Sid: 'StartAndWatchRotation',
        Action: [
          'secretsmanager:RotateSecret',
          'secretsmanager:DescribeSecret',
          'secretsmanager:ListSecretVersionIds',
        ],
        Effect: 'Allow',
        Resource: `arn:\${AWS::Partition}:secretsmanager:${ENV.region}:${ENV.account}:secret:ringg/prod-??????`,
      },
      {
        Sid: 'InvokeRotationFunction',
        Action: 'lambda:InvokeFunction',
        Effect: 'Allow',
        Resource: expect.stringMatching(/^\$\{RotationFunction.*\.Arn\}$/),
      },
      {
        Sid: 'ReadJournal',
        Action: 'ssm:GetParameter',
        Effect: 'Allow',
        Resource: `arn:\${AWS::Partition}:ssm:${ENV.region}:${ENV.account}:parameter/ringg-rotation/*/journal`,
      },
      {
        // rotate --all: ListSecrets has no resource-level permissions, so "*" is the only resource.
        Sid: 'FindRotatedSecrets',
        Action: 'secretsmanager:ListSecrets',
        Effect: 'Allow',
        Resource: '*',
      },
    ]);
  });

  it('trusts a GitHub environment when one is named, and refuses a malformed repository', () => {
    const { template } = build(() => ({
      ciRole: { repository: 'acme/platform', environment: 'production' },
    }));
    template.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: {
        Statement: [
          Match.objectLike({
            Condition: {
              StringEquals: Match.objectLike({
                'token.actions.githubusercontent.com:sub': ['repo:acme/platform:environment:production'],
              }),
            },
          }),
        ],
      },
    });
    expect(() => build(() => ({ ciRole: { repository: 'acme' } }))).toThrow(/must be owner\/name/);
  });
});

describe('the ready stack context', () => {
  it('reads lists from cdk.json arrays, JSON strings and comma-separated strings', () => {
    const values: Record<string, unknown> = {
      secretNames: ['a', 'b'],
      secretArns: '["arn:1"]',
      githubRefs: 'refs/heads/main, refs/heads/release',
      schedule: 'rate(7 days)',
    };
    expect(readRotationContext((k) => values[k])).toEqual({
      secretNames: ['a', 'b'],
      secretArns: ['arn:1'],
      githubRefs: ['refs/heads/main', 'refs/heads/release'],
      schedule: 'rate(7 days)',
    });
    expect(() => readRotationContext((k) => (k === 'secretNames' ? [1] : undefined))).toThrow(
      /must be a list of strings/,
    );
  });

  it('needs at least one secret', () => {
    expect(() => build(() => ({ secrets: [] }))).toThrow(/at least one secret/);
  });
});

describe('the Parameter Store mirror', () => {
  const KEY = `arn:aws:kms:${ENV.region}:${ENV.account}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;
  const withKey = (id: string, name: string) => (stack: import('aws-cdk-lib').Stack) =>
    secretsmanager.Secret.fromSecretAttributes(stack, id, {
      secretPartialArn: `arn:aws:secretsmanager:${ENV.region}:${ENV.account}:secret:${name}`,
      encryptionKey: kms.Key.fromKeyArn(stack, `${id}Key`, KEY),
    });

  it('configures the function, may write only under its prefix, encrypts with the secrets’ key, and alarms on failures', () => {
    const { template } = build((stack) => ({
      secrets: [withKey('A', 'ringg/prod')(stack)],
      parameterStoreMirror: { prefix: '/services/ringg' },
    }));
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: Match.objectLike({ MIRROR_PARAMETER_PREFIX: '/services/ringg', MIRROR_KMS_KEY_ID: KEY }),
      },
    });
    const statements = statementsOf(template, 'RotationRole');
    expect(statements).toContainEqual({
      Sid: 'MirrorParameters',
      Action: 'ssm:PutParameter',
      Effect: 'Allow',
      Resource: `arn:\${AWS::Partition}:ssm:${ENV.region}:${ENV.account}:parameter/services/ringg/*`,
    });
    expect(statements).toContainEqual({
      Sid: 'MirrorEncryption',
      Action: 'kms:Encrypt',
      Effect: 'Allow',
      Resource: KEY,
      Condition: { StringEquals: { 'kms:ViaService': `ssm.${ENV.region}.amazonaws.com` } },
    });
    template.hasResourceProperties('AWS::Logs::MetricFilter', {
      FilterPattern: '{ $.message = "mirror write failed" }',
      MetricTransformations: [
        { MetricNamespace: 'RinggKeyRotation', MetricName: 'MirrorWriteFailures', MetricValue: '1' },
      ],
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'MirrorWriteFailures',
      Threshold: 1,
      AlarmActions: [{ Ref: Match.stringLikeRegexp('^RotationAlarms') }],
    });
  });

  it('is absent by default, and refuses secrets that do not share one key', () => {
    const plain = build().template;
    plain.resourceCountIs('AWS::Logs::MetricFilter', 0);
    expect(JSON.stringify(plain.toJSON())).not.toContain('MIRROR_PARAMETER_PREFIX');
    expect(() =>
      build((stack) => ({
        secrets: [
          withKey('A', 'ringg/prod')(stack),
          secretsmanager.Secret.fromSecretNameV2(stack, 'B', 'ringg/b'),
        ],
        parameterStoreMirror: { prefix: '/services/ringg' },
      })),
    ).toThrow(/must all use the same customer-managed KMS key, or none/);
  });
});
