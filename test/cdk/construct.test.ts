import { Duration, Fn, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as sns from 'aws-cdk-lib/aws-sns';
import { describe, expect, it } from 'vitest';
import { parameterNames } from '../../common/parameter-names.js';
import { readRotationContext } from '../../lib/context.js';
import { RinggKeyRotation } from '../../lib/ringg-key-rotation.js';
import { KeyRotationSchedule } from '../../lib/rotation-schedule.js';
import {
  build,
  byName,
  ENV,
  flatten,
  onlyResource,
  resourcesOf,
  statementsOf,
  unbundledApp,
} from './support.js';

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
    const { template, schedules } = build();
    const [nested] = schedules();
    nested?.hasResourceProperties('AWS::SecretsManager::RotationSchedule', {
      SecretId: 'ringg/prod',
      RotationLambdaARN: { Ref: Match.stringLikeRegexp('RotationFunction.*Arn$') },
      RotateImmediatelyOnUpdate: false,
      RotationRules: { ScheduleExpression: 'rate(30 days)' },
    });
    const [, stackResource] =
      resourcesOf([template], 'AWS::CloudFormation::Stack').find(([id]) =>
        id.startsWith('RotationSchedules'),
      ) ?? [];
    expect(Object.values(stackResource?.Properties.Parameters)).toContainEqual({
      'Fn::GetAtt': [expect.stringMatching(/^RotationFunction/), 'Arn'],
    });
  });

  it('renders a rate in hours, a cron with a window, and rotate-on-deploy when asked', () => {
    build(() => ({ schedule: KeyRotationSchedule.rate(Duration.hours(12)) }))
      .schedules()[0]
      ?.hasResourceProperties('AWS::SecretsManager::RotationSchedule', {
        RotationRules: { ScheduleExpression: 'rate(12 hours)' },
      });
    build(() => ({
      schedule: KeyRotationSchedule.cron('cron(0 3 ? * SUN *)', { window: Duration.hours(3) }),
      rotateImmediatelyOnUpdate: true,
    }))
      .schedules()[0]
      ?.hasResourceProperties('AWS::SecretsManager::RotationSchedule', {
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

  it('puts one schedule on every secret, and one invoke permission for them all, created before any schedule', () => {
    const built = build(byName('ringg/prod', 'ringg/staging'));
    const schedules = resourcesOf(built.schedules(), 'AWS::SecretsManager::RotationSchedule');
    expect(schedules.map(([, r]) => r.Properties.SecretId).sort()).toEqual(['ringg/prod', 'ringg/staging']);
    built.template.resourceCountIs('AWS::Lambda::Permission', 1);
    built.template.hasResourceProperties('AWS::Lambda::Permission', {
      Action: 'lambda:InvokeFunction',
      Principal: 'secretsmanager.amazonaws.com',
      SourceAccount: ENV.account,
    });
    const permission = onlyResource([built.template], 'AWS::Lambda::Permission');
    expect(flatten(permission.Properties.SourceArn)).toBe(
      `arn:\${AWS::Partition}:secretsmanager:${ENV.region}:${ENV.account}:secret:ringg/*`,
    );
    const scheduleStacks = resourcesOf([built.template], 'AWS::CloudFormation::Stack').filter(([id]) =>
      id.startsWith('RotationSchedules'),
    );
    expect(scheduleStacks.length).toBeGreaterThan(0);
    for (const [, nested] of scheduleStacks) {
      expect(nested.DependsOn).toEqual(
        expect.arrayContaining([
          expect.stringMatching(/^RotationSecretsManagerInvoke/),
          expect.stringMatching(/^RotationRoleDefaultPolicy/),
          expect.stringMatching(/^RotationSecretsAccess/),
        ]),
      );
    }
  });

  it('scopes the permission to the one secret exactly when there is one', () => {
    const one = build(byName('ringg/prod'));
    const byNameOnly = onlyResource([one.template], 'AWS::Lambda::Permission');
    expect(flatten(byNameOnly.Properties.SourceArn)).toBe(
      `arn:\${AWS::Partition}:secretsmanager:${ENV.region}:${ENV.account}:secret:ringg/prod-??????`,
    );
    const exact = build((stack) => ({
      secrets: [secretsmanager.Secret.fromSecretCompleteArn(stack, 'S', SECRET_ARN)],
    }));
    exact.template.hasResourceProperties('AWS::Lambda::Permission', { SourceArn: SECRET_ARN });
  });

  it('keeps a name that ends like a random suffix, with a customer-managed key (ringg/team-alpha1)', () => {
    const { schedules, template } = build((stack) => ({
      secrets: [
        secretsmanager.Secret.fromSecretAttributes(stack, 'S', {
          secretPartialArn: `arn:aws:secretsmanager:${ENV.region}:${ENV.account}:secret:ringg/team-alpha1`,
          encryptionKey: kms.Key.fromKeyArn(stack, 'K', KEY_ARN),
        }),
      ],
    }));
    const schedule = onlyResource(schedules(), 'AWS::SecretsManager::RotationSchedule');
    expect(schedule.Properties.SecretId).toBe('ringg/team-alpha1');
    template.hasResourceProperties('AWS::Lambda::Permission', {
      SourceArn: Match.objectLike({
        'Fn::Join': ['', Match.arrayWith([Match.stringLikeRegexp('secret:ringg/team-alpha1-\\?{6}$')])],
      }),
    });
  });

  it('names each schedule after its secret, so adding or removing another secret changes nothing about it', () => {
    const ids = (names: string[]) =>
      new Map(
        resourcesOf(build(byName(...names)).schedules(), 'AWS::SecretsManager::RotationSchedule').map(
          ([id, r]) => [r.Properties.SecretId, id],
        ),
      );
    const before = ids(['ringg/a', 'ringg/b', 'ringg/c', 'ringg/d']);
    const after = ids(['ringg/new', 'ringg/a', 'ringg/c', 'ringg/d']);
    for (const name of ['ringg/a', 'ringg/c', 'ringg/d']) expect(after.get(name)).toBe(before.get(name));
    expect(before.get('ringg/a')).toMatch(/^Scheduleringga[0-9A-F]{8}$/);
    const clash = ids(['ringg/prod', 'ringg-prod']);
    expect(new Set(clash.values()).size).toBe(2);
  });

  it('refuses the same secret twice, a secret of another account, and a name Secrets Manager would refuse', () => {
    expect(() => build(byName('ringg/prod', 'ringg/prod'))).toThrow(
      /secrets\[1\] and secrets\[0\] are the same secret \(ringg\/prod\)/,
    );
    expect(() =>
      build((stack) => ({
        secrets: [
          secretsmanager.Secret.fromSecretCompleteArn(
            stack,
            'S',
            SECRET_ARN.replace(ENV.account, '444455556666'),
          ),
        ],
      })),
    ).toThrow(/is in account 444455556666, the stack in 111122223333/);
    expect(() => build(byName('ringg/prod team'))).toThrow(
      /"ringg\/prod team" is not a Secrets Manager secret name/,
    );
  });

  it('refuses a Ringg base URL the function would refuse (clear text, credentials), at synth', () => {
    expect(() => build(() => ({ ringgBaseUrl: 'http://example.com/ca/api/v0' }))).toThrow(
      /ringgBaseUrl: RINGG_BASE_URL "http:\/\/example.com" must use https:\/\//,
    );
    expect(() => build(() => ({ ringgBaseUrl: 'https://user:pw@example.com/v0' }))).toThrow(
      /must not carry credentials/,
    );
    build(() => ({ ringgBaseUrl: 'https://eu.example.com/ca/api/v0/' })).template.hasResourceProperties(
      'AWS::Lambda::Function',
      {
        Environment: { Variables: Match.objectLike({ RINGG_BASE_URL: 'https://eu.example.com/ca/api/v0' }) },
      },
    );
  });

  it('refuses a name whose rotation or mirror parameters SSM could not hold (15 levels), before any rotation fails', () => {
    expect(() => build(byName('org/a/b/c/d/e/f/g/h/i/j/k/ringg'))).toThrow(
      /"org\/a\/b\/c\/d\/e\/f\/g\/h\/i\/j\/k\/ringg" cannot be rotated: .* would have 16 levels, and SSM Parameter Store allows 15/,
    );
    expect(() => build(byName('org/a/b/c/d/e/f/g/h/i/j/ringg'))).not.toThrow();
    expect(() =>
      build((stack) => ({
        ...byName('org/a/b/c/d/e/f/g/h/i/j/ringg')(stack),
        parameterStoreMirror: { prefix: '/m/n/o/p' },
      })),
    ).toThrow(/cannot be mirrored: .* would have 16 levels/);
  });

  it('accepts names that differ only in characters SSM names cannot hold (ringg/team+a, ringg/team=a), mirror included', () => {
    expect(() =>
      build((stack) => ({
        ...byName('ringg/team+a', 'ringg/team=a')(stack),
        parameterStoreMirror: { prefix: '/services/ringg' },
      })),
    ).not.toThrow();
    // A name spelled like another's encoded path would share its rotation records: refused at synth.
    const encoded = parameterNames('/x', 'ringg/team+a').recordPath.slice('/x/'.length, -'/rotation'.length);
    expect(() => build(byName('ringg/team+a', encoded))).toThrow(
      /Secrets "ringg\/team\+a" and "ringg\/team_a\.[0-9a-f]{10}" would share the SSM parameter/,
    );
  });
});

describe('least privilege', () => {
  it('grants exactly what the function uses: the listed secrets bound to it, its own parameter path, its parameter key', () => {
    const built = build(byName('ringg/prod', 'ringg/staging'));
    const { template } = built;
    expect(statementsOf(template, 'RotationRole')).toEqual([
      {
        Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        Effect: 'Allow',
        Resource: expect.stringMatching(/^\$\{RotationLogs.*\.Arn\}$/),
      },
      {
        Sid: 'TagWithTheRotationTagsOnly',
        Action: ['secretsmanager:TagResource', 'secretsmanager:UntagResource'],
        Condition: {
          'ForAnyValue:StringNotEquals': {
            'aws:TagKeys': ['ringg-rotation:workspace-id', 'ringg-rotation:last-failure'],
          },
        },
        Effect: 'Deny',
        Resource: `arn:\${AWS::Partition}:secretsmanager:${ENV.region}:${ENV.account}:secret:*`,
      },
      {
        Sid: 'OwnRotationParameters',
        Action: ['ssm:GetParameter', 'ssm:GetParametersByPath', 'ssm:PutParameter', 'ssm:DeleteParameter'],
        Effect: 'Allow',
        Resource: `arn:\${AWS::Partition}:ssm:${ENV.region}:${ENV.account}:parameter/ringg-rotation/*`,
      },
      {
        // The shared-workspace check: ListSecrets has no resource-level permissions.
        Sid: 'FindOtherHoldersOfTheWorkspace',
        Action: 'secretsmanager:ListSecrets',
        Effect: 'Allow',
        Resource: '*',
      },
      {
        Sid: 'FunctionUsesItForItsRotationRecords',
        Action: ['kms:Encrypt', 'kms:Decrypt'],
        Condition: {
          StringEquals: { 'kms:ViaService': `ssm.${ENV.region}.\${AWS::URLSuffix}` },
          StringLike: {
            'kms:EncryptionContext:PARAMETER_ARN': `arn:\${AWS::Partition}:ssm:${ENV.region}:${ENV.account}:parameter/ringg-rotation/*/rotation/*`,
          },
        },
        Effect: 'Allow',
        Resource: expect.stringMatching(/^\$\{RotationParameterKey.*\.Arn\}$/),
      },
    ]);
    const [access] = resourcesOf(
      [Template.fromStack(built.rotation.secretsAccess)],
      'AWS::IAM::ManagedPolicy',
    );
    const document = flatten(access?.[1].Properties.PolicyDocument) as { Statement: unknown[] };
    expect(document.Statement).toEqual([
      {
        Sid: 'RotateTheListedSecretsBoundToThisFunction',
        Action: [
          'secretsmanager:DescribeSecret',
          'secretsmanager:GetSecretValue',
          'secretsmanager:PutSecretValue',
          'secretsmanager:UpdateSecretVersionStage',
          'secretsmanager:TagResource',
          'secretsmanager:UntagResource',
        ],
        Condition: {
          StringEquals: {
            'secretsmanager:resource/AllowRotationLambdaArn': expect.stringMatching(/Function/),
          },
          StringLike: { 'secretsmanager:SecretId': ['*:ringg/prod-??????', '*:ringg/staging-??????'] },
        },
        Effect: 'Allow',
        Resource: `arn:\${AWS::Partition}:secretsmanager:${ENV.region}:${ENV.account}:secret:*`,
      },
    ]);
    const everything = JSON.stringify([
      template.toJSON(),
      Template.fromStack(built.rotation.secretsAccess).toJSON(),
    ]);
    expect(everything).not.toContain('kms:GenerateDataKey');
    expect(everything).not.toContain('GetRandomPassword');
    expect(everything).not.toMatch(/kms:(ReEncrypt|CreateGrant|\*)/);
  });

  it('lists a secret imported by complete ARN by its exact suffix, and refuses one whose ARN is known only at deploy time', () => {
    const built = build((stack) => ({
      secrets: [secretsmanager.Secret.fromSecretCompleteArn(stack, 'ByArn', SECRET_ARN)],
    }));
    const [access] = resourcesOf(
      [Template.fromStack(built.rotation.secretsAccess)],
      'AWS::IAM::ManagedPolicy',
    );
    expect(JSON.stringify(access?.[1].Properties.PolicyDocument)).toContain('"*:ringg/prod-AbCdEf"');
    expect(() =>
      build((stack) => ({
        secrets: [secretsmanager.Secret.fromSecretCompleteArn(stack, 'Token', Fn.importValue('SecretArn'))],
      })),
    ).toThrow(/complete ARN known only at deploy time: import it by name/);
  });

  it('refuses more secrets than the managed policies the role may hold, saying how many it needs', () => {
    const names = Array.from({ length: 400 }, (_, i) => `ringg/a-rather-long-workspace-name-${i}`);
    expect(() => build((stack) => ({ ...byName(...names)(stack), maxManagedPoliciesPerRole: 2 }))).toThrow(
      /access to 400 secrets, one by one, needs \d+ IAM managed policies .* its role may hold 2 more \(maxManagedPoliciesPerRole/,
    );
    expect(() => build(() => ({ maxManagedPoliciesPerRole: 21 }))).toThrow(
      /maxManagedPoliciesPerRole must be a whole number from 1 to 20/,
    );
  });

  it('bounds how many rotations run at once (reserved concurrency), 10 unless told', () => {
    build().template.hasResourceProperties('AWS::Lambda::Function', { ReservedConcurrentExecutions: 10 });
    build(() => ({ maxConcurrentRotations: 25 })).template.hasResourceProperties('AWS::Lambda::Function', {
      ReservedConcurrentExecutions: 25,
    });
    expect(() => build(() => ({ maxConcurrentRotations: 0 }))).toThrow(
      /maxConcurrentRotations must be a whole number from 1 to 1000; got 0/,
    );
    expect(() => build(() => ({ maxConcurrentRotations: 4 }))).toThrow(
      /scheduleStacks must be a whole number from 1 to maxConcurrentRotations \(4\); got 10/,
    );
  });

  it("grants the secrets' own key, through Secrets Manager for secrets, Decrypt and GenerateDataKey; through SSM only Decrypt of 0.1.x rescues", () => {
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
      Condition: {
        StringEquals: { 'kms:ViaService': `secretsmanager.${ENV.region}.\${AWS::URLSuffix}` },
        StringLike: {
          'kms:EncryptionContext:SecretARN': `arn:\${AWS::Partition}:secretsmanager:${ENV.region}:${ENV.account}:secret:*`,
        },
      },
    });
    // The copies of the key the function writes never use the secrets' key: it only reads, through SSM,
    // the rescue parameter a rotation 0.1.x left open kept under it.
    const onSecretsKey = statements.filter((s) => JSON.stringify(s.Resource).includes(KEY_ARN));
    expect(onSecretsKey).toHaveLength(2);
    expect(statements).toContainEqual({
      Sid: 'ReadsTheRescueLeftBy01x',
      Action: 'kms:Decrypt',
      Effect: 'Allow',
      Resource: KEY_ARN,
      Condition: {
        StringEquals: { 'kms:ViaService': `ssm.${ENV.region}.\${AWS::URLSuffix}` },
        StringLike: {
          'kms:EncryptionContext:PARAMETER_ARN': expect.stringMatching(
            /:parameter\/ringg-rotation\/\*\/rescue\/\*$/,
          ),
        },
      },
    });
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: Match.objectLike({
          ROTATION_PARAMETER_KMS_KEY_ID: {
            'Fn::GetAtt': [Match.stringLikeRegexp('^RotationParameterKey'), 'Arn'],
          },
        }),
      },
    });
  });

  it('creates the parameter key: rotated, kept, administered by the account but used only by the function for its records', () => {
    const { template } = build();
    template.resourceCountIs('AWS::KMS::Key', 1);
    const [, key] = resourcesOf([template], 'AWS::KMS::Key')[0] ?? [];
    expect(key?.Properties.EnableKeyRotation).toBe(true);
    expect(key?.DeletionPolicy).toBe('Retain');
    const statements = (flatten(key?.Properties.KeyPolicy) as { Statement: Record<string, unknown>[] })
      .Statement;
    expect(statements.map((st) => st.Sid)).toEqual([
      'AdministerTheKeyButNeverUseIt',
      'FunctionUsesItForItsRotationRecords',
    ]);
    const admin = statements[0] as { Action: string[]; Principal: unknown };
    expect(admin.Principal).toEqual({ AWS: `arn:\${AWS::Partition}:iam::${ENV.account}:root` });
    expect(admin.Action.filter((a) => /Decrypt|Encrypt|GenerateDataKey|CreateGrant|\*/.test(a))).toEqual([]);
    expect(statements[1]).toMatchObject({
      Principal: { AWS: expect.stringMatching(/^\$\{RotationRole.*\.Arn\}$/) },
      Action: ['kms:Encrypt', 'kms:Decrypt'],
    });
  });

  it('takes a key of the user’s instead, refusing an AWS managed key and the secrets’ own key', () => {
    const { template } = build((stack) => ({
      parameterEncryptionKey: kms.Key.fromKeyArn(stack, 'Mine', KEY_ARN.replace('1234abcd', '9999abcd')),
    }));
    template.resourceCountIs('AWS::KMS::Key', 0);
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: Match.objectLike({
          ROTATION_PARAMETER_KMS_KEY_ID: KEY_ARN.replace('1234abcd', '9999abcd'),
        }),
      },
    });
    expect(() =>
      build((stack) => ({ parameterEncryptionKey: kms.Alias.fromAliasName(stack, 'Ssm', 'alias/aws/ssm') })),
    ).toThrow(
      /parameterEncryptionKey is an AWS managed key \(alias\/aws\/…\), whose policy lets every principal of the account decrypt/,
    );
    expect(() =>
      build((stack) => {
        const key = kms.Key.fromKeyArn(stack, 'Shared', KEY_ARN);
        return {
          secrets: [
            secretsmanager.Secret.fromSecretAttributes(stack, 'S', {
              secretCompleteArn: SECRET_ARN,
              encryptionKey: key,
            }),
          ],
          parameterEncryptionKey: key,
        };
      }),
    ).toThrow(/parameterEncryptionKey is one of the secrets' own keys/);
  });

  it('may tag and untag the listed secrets with the workspace and failure tag keys only', () => {
    const built = build();
    const deny = statementsOf(built.template, 'RotationRole').filter((s) => s.Effect === 'Deny');
    expect(deny).toEqual([
      expect.objectContaining({
        Action: ['secretsmanager:TagResource', 'secretsmanager:UntagResource'],
        Condition: {
          'ForAnyValue:StringNotEquals': {
            'aws:TagKeys': ['ringg-rotation:workspace-id', 'ringg-rotation:last-failure'],
          },
        },
      }),
    ]);
    // Tagging is granted nowhere else: only through the per-secret statement, under that Deny.
    const inline = JSON.stringify(statementsOf(built.template, 'RotationRole'));
    expect(inline.match(/secretsmanager:(Un)?[Tt]agResource/g)).toHaveLength(2);
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
  it('alarms on throttling that lasts half an hour (the reserved concurrency used up), through the topic', () => {
    const { template } = build();
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'Throttles',
      Namespace: 'AWS/Lambda',
      Statistic: 'Sum',
      Period: 300,
      EvaluationPeriods: 6,
      DatapointsToAlarm: 6,
      Threshold: 1,
      AlarmActions: [{ Ref: Match.stringLikeRegexp('^RotationAlarms') }],
      AlarmDescription: Match.stringLikeRegexp('direct invocations with the CI role'),
    });
  });

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

  it('routes RotationFailed and RotationAbandoned of exactly these secrets, by complete ARN, to the topic', () => {
    const { schedules } = build((stack) => ({
      secrets: [
        secretsmanager.Secret.fromSecretNameV2(stack, 'A', 'ringg/prod'),
        secretsmanager.Secret.fromSecretCompleteArn(stack, 'B', SECRET_ARN.replace('prod', 'eu')),
      ],
    }));
    const rules = resourcesOf(schedules(), 'AWS::Events::Rule');
    const scheduleIds = new Map(
      resourcesOf(schedules(), 'AWS::SecretsManager::RotationSchedule').map(([id, r]) => [
        r.Properties.SecretId,
        id,
      ]),
    );
    const patterns = rules.map(([, rule]) => rule.Properties.EventPattern);
    for (const pattern of patterns) {
      expect(pattern).toMatchObject({
        source: ['aws.secretsmanager'],
        'detail-type': ['AWS Service Event via CloudTrail'],
        detail: {
          eventSource: ['secretsmanager.amazonaws.com'],
          eventName: ['RotationFailed', 'RotationAbandoned'],
        },
      });
    }
    // The name-imported secret by its schedule's Ref (the complete ARN at deploy time), never by a prefix.
    expect(patterns.flatMap((p) => p.detail.additionalEventData.SecretId).sort()).toEqual(
      [{ Ref: scheduleIds.get('ringg/prod') }, SECRET_ARN.replace('prod', 'eu')].sort(),
    );
    expect(JSON.stringify(patterns)).not.toContain('prefix');
    for (const [, rule] of rules) {
      expect(rule.Properties.Targets[0].Arn).toEqual({ Ref: expect.stringMatching(/RotationAlarms.*Ref$/) });
    }
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

  const trustCondition = (template: import('aws-cdk-lib/assertions').Template) => {
    const role = resourcesOf([template], 'AWS::IAM::Role').find(([id]) => id.startsWith('RotationCiRole'));
    return role?.[1].Properties.AssumeRolePolicyDocument.Statement[0].Condition;
  };

  it('trusts GitHub OIDC tokens of the repository and refs in both subject forms, and may only find secrets, start and watch a rotation', () => {
    const { template } = build(() => ({
      ciRole: { repository: 'acme/platform', refs: ['refs/heads/main', 'refs/tags/v1'] },
    }));
    template.hasResourceProperties('AWS::IAM::Role', {
      MaxSessionDuration: 3600,
      AssumeRolePolicyDocument: {
        Statement: [
          Match.objectLike({
            Action: 'sts:AssumeRoleWithWebIdentity',
            Principal: {
              Federated: {
                'Fn::Join': [
                  '',
                  Match.arrayWith([`:iam::${ENV.account}:oidc-provider/token.actions.githubusercontent.com`]),
                ],
              },
            },
          }),
        ],
      },
    });
    expect(trustCondition(template)).toEqual({
      StringEquals: { 'token.actions.githubusercontent.com:aud': 'sts.amazonaws.com' },
      StringLike: {
        'token.actions.githubusercontent.com:sub': [
          'repo:acme/platform:ref:refs/heads/main',
          'repo:acme@*/platform@*:ref:refs/heads/main',
          'repo:acme/platform:ref:refs/tags/v1',
          'repo:acme@*/platform@*:ref:refs/tags/v1',
        ],
      },
    });
    const bound = {
      'secretsmanager:resource/AllowRotationLambdaArn': expect.stringMatching(
        /^\$\{RotationFunction.*\.Arn\}$/,
      ),
    };
    const anySecret = `arn:\${AWS::Partition}:secretsmanager:${ENV.region}:${ENV.account}:secret:*`;
    expect(statementsOf(template, 'RotationCiRole')).toEqual([
      {
        Sid: 'RotateNowOnly',
        Action: 'secretsmanager:RotateSecret',
        Condition: {
          StringEquals: bound,
          Bool: { 'secretsmanager:ModifyRotationRules': 'false' },
          Null: { 'secretsmanager:RotationLambdaARN': 'true' },
        },
        Effect: 'Allow',
        Resource: anySecret,
      },
      {
        Sid: 'WatchRotation',
        Action: ['secretsmanager:DescribeSecret', 'secretsmanager:ListSecretVersionIds'],
        Condition: { StringEquals: bound },
        Effect: 'Allow',
        Resource: anySecret,
      },
      {
        Sid: 'InvokeRotationFunction',
        Action: 'lambda:InvokeFunction',
        Effect: 'Allow',
        Resource: expect.stringMatching(/^\$\{RotationFunction.*\.Arn\}$/),
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

  it('pins the repository id when given one, in the repository_id claim and the immutable subject', () => {
    const { template } = build(() => ({
      ciRole: { repository: 'acme/platform', repositoryId: '123456789' },
    }));
    expect(trustCondition(template)).toEqual({
      StringEquals: {
        'token.actions.githubusercontent.com:aud': 'sts.amazonaws.com',
        'token.actions.githubusercontent.com:repository_id': '123456789',
      },
      StringLike: {
        'token.actions.githubusercontent.com:sub': [
          'repo:acme/platform:ref:refs/heads/main',
          'repo:acme@*/platform@123456789:ref:refs/heads/main',
        ],
      },
    });
  });

  it('pins the owner id, the workflow files, and with environments the refs, when given', () => {
    const { template } = build(() => ({
      ciRole: {
        repository: 'acme/platform',
        repositoryId: '42',
        ownerId: '7',
        environments: ['production'],
        refs: ['refs/heads/main'],
        workflows: ['acme/platform/.github/workflows/rotate-ringg-key.yml@refs/heads/main'],
      },
    }));
    expect(trustCondition(template)).toEqual({
      StringEquals: {
        'token.actions.githubusercontent.com:aud': 'sts.amazonaws.com',
        'token.actions.githubusercontent.com:repository_id': '42',
        'token.actions.githubusercontent.com:repository_owner_id': '7',
        'token.actions.githubusercontent.com:job_workflow_ref': [
          'acme/platform/.github/workflows/rotate-ringg-key.yml@refs/heads/main',
        ],
        'token.actions.githubusercontent.com:ref': ['refs/heads/main'],
      },
      StringLike: {
        'token.actions.githubusercontent.com:sub': [
          'repo:acme/platform:environment:production',
          'repo:acme@7/platform@42:environment:production',
        ],
      },
    });
  });

  it.each([
    [{ ownerId: 'acme' }, /ciRole.ownerId "acme" must be a numeric id: gh api users\/acme --jq .id/],
    [{ environments: ['prod*'] }, /ciRole.environments: "prod\*" is not a GitHub environment name/],
    [{ environments: [' prod'] }, /not a GitHub environment name this role can match exactly/],
    [{ environments: [] }, /ciRole.environments is empty: leave it out for the default/],
    [{ refs: ['main'] }, /"main" is not a full git ref of a branch or tag/],
    [
      { workflows: ['.github/workflows/rotate.yml'] },
      /is not a job_workflow_ref: write owner\/name\/.github\/workflows\/<file>.yml@refs\/heads\/<branch> \(e.g. acme\/platform/,
    ],
    [{ workflows: ['acme/platform/.github/workflows/*.yml@refs/heads/main'] }, /is not a job_workflow_ref/],
    [
      { refs: Array.from({ length: 30 }, (_, i) => `refs/heads/release-${i}-with-a-long-branch-name`) },
      /trust policy would have \d+ characters, more than IAM's 2048/,
    ],
  ])('refuses CI role option %j with a clear error', (options, message) => {
    expect(() => build(() => ({ ciRole: { repository: 'acme/platform', ...options } }))).toThrow(message);
  });

  it('trusts GitHub environments when named, and refuses a malformed repository, id or ref', () => {
    const { template } = build(() => ({
      ciRole: { repository: 'acme/platform', environments: ['production'] },
    }));
    expect(trustCondition(template).StringLike).toEqual({
      'token.actions.githubusercontent.com:sub': [
        'repo:acme/platform:environment:production',
        'repo:acme@*/platform@*:environment:production',
      ],
    });
    expect(() => build(() => ({ ciRole: { repository: 'acme' } }))).toThrow(/must be owner\/name/);
    expect(() => build(() => ({ ciRole: { repository: 'acme/platform', repositoryId: 'R_kgDO' } }))).toThrow(
      /ciRole.repositoryId "R_kgDO" must be a numeric id: gh api repos\/acme\/platform --jq .id/,
    );
    expect(() => build(() => ({ ciRole: { repository: 'acme/platform', refs: ['refs/heads/*'] } }))).toThrow(
      /"refs\/heads\/\*" is not a full git ref/,
    );
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

  it('reads whole numbers and the repository id, and refuses a number that is not whole', () => {
    const values: Record<string, unknown> = {
      maxConcurrentRotations: '20',
      scheduleStacks: 12,
      githubRepositoryId: '123456789',
    };
    expect(readRotationContext((k) => values[k])).toEqual({
      maxConcurrentRotations: 20,
      scheduleStacks: 12,
      githubRepositoryId: '123456789',
    });
    expect(() => readRotationContext((k) => (k === 'scheduleStacks' ? '2.5' : undefined))).toThrow(
      /"scheduleStacks" must be a whole number; got "2.5"/,
    );
  });

  it('needs at least one secret', () => {
    expect(() => build(() => ({ secrets: [] }))).toThrow(/at least one secret/);
  });
});

describe('the Parameter Store mirror', () => {
  const MIRROR = `arn:\${AWS::Partition}:ssm:${ENV.region}:${ENV.account}:parameter/services/ringg`;

  it('configures the function, may write only under its prefix, encrypts with the parameter key, and alarms on failures', () => {
    const { template } = build(() => ({ parameterStoreMirror: { prefix: '/services/ringg' } }));
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: Match.objectLike({
          MIRROR_PARAMETER_PREFIX: '/services/ringg',
          MIRROR_KMS_KEY_ID: { 'Fn::GetAtt': [Match.stringLikeRegexp('^RotationParameterKey'), 'Arn'] },
        }),
      },
    });
    const statements = statementsOf(template, 'RotationRole');
    expect(statements).toContainEqual({
      Sid: 'MirrorParameters',
      Action: 'ssm:PutParameter',
      Effect: 'Allow',
      Resource: `${MIRROR}/*`,
    });
    expect(statements).toContainEqual({
      Sid: 'FunctionWritesTheMirror',
      Action: 'kms:Encrypt',
      Effect: 'Allow',
      Resource: expect.stringMatching(/^\$\{RotationParameterKey.*\.Arn\}$/),
      Condition: {
        StringEquals: { 'kms:ViaService': `ssm.${ENV.region}.\${AWS::URLSuffix}` },
        StringLike: { 'kms:EncryptionContext:PARAMETER_ARN': `${MIRROR}/*` },
      },
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

  it('lets exactly the principals given to grantReadMirror decrypt exactly their mirrors', () => {
    const stack = new Stack(unbundledApp(), 'Test', { env: ENV });
    const rotation = new RinggKeyRotation(stack, 'Rotation', {
      ...(byName('ringg/team-a', 'ringg/team-b')(stack) as { secrets: secretsmanager.ISecret[] }),
      parameterStoreMirror: { prefix: '/services/ringg' },
    });
    const built = { rotation };
    const teamA = new iam.Role(stack, 'TeamA', {
      assumedBy: new iam.ServicePrincipal('ecs-tasks.amazonaws.com'),
    });
    const everyone = new iam.Role(stack, 'Platform', {
      assumedBy: new iam.ServicePrincipal('ecs-tasks.amazonaws.com'),
    });
    const [a] = built.rotation.secrets;
    built.rotation.grantReadMirror(teamA, a as secretsmanager.ISecret);
    built.rotation.grantReadMirror(everyone);
    const template = Template.fromStack(stack);
    const [, key] = resourcesOf([template], 'AWS::KMS::Key')[0] ?? [];
    const statements = (flatten(key?.Properties.KeyPolicy) as { Statement: Record<string, unknown>[] })
      .Statement;
    expect(statements.find((st) => st.Sid === 'ReadMirror1')).toEqual({
      Sid: 'ReadMirror1',
      Effect: 'Allow',
      Principal: { AWS: expect.stringMatching(/^\$\{TeamA.*\.Arn\}$/) },
      Action: 'kms:Decrypt',
      Resource: '*',
      Condition: {
        StringEquals: {
          'kms:ViaService': `ssm.${ENV.region}.\${AWS::URLSuffix}`,
          'kms:EncryptionContext:PARAMETER_ARN': `${MIRROR}/ringg/team-a`,
        },
      },
    });
    expect(statements.find((st) => st.Sid === 'ReadMirror2')?.Condition).toEqual({
      StringEquals: { 'kms:ViaService': `ssm.${ENV.region}.\${AWS::URLSuffix}` },
      StringLike: { 'kms:EncryptionContext:PARAMETER_ARN': `${MIRROR}/*` },
    });
    expect(statementsOf(template, 'TeamA')).toEqual([
      {
        Action: ['ssm:GetParameter', 'ssm:GetParameters'],
        Effect: 'Allow',
        Resource: `${MIRROR}/ringg/team-a`,
      },
    ]);
    expect(() =>
      built.rotation.grantReadMirror(teamA, secretsmanager.Secret.fromSecretNameV2(stack, 'X', 'x')),
    ).toThrow(/every secret must be one of the construct's `secrets`/);
    expect(() => build().rotation.grantReadMirror(teamA)).toThrow(/there is no mirror/);
  });

  it('is absent by default, and refuses a prefix that overlaps the parameter prefix or is no SSM path', () => {
    const plain = build().template;
    plain.resourceCountIs('AWS::Logs::MetricFilter', 0);
    expect(JSON.stringify(plain.toJSON())).not.toContain('MIRROR_PARAMETER_PREFIX');
    for (const [parameterPrefix, prefix] of [
      ['/ringg-rotation', '/ringg-rotation'],
      ['/ringg-rotation', '/ringg-rotation/mirror'],
      ['/ringg', '/ringg/rotation'],
    ]) {
      expect(() =>
        build(() => ({ parameterPrefix, parameterStoreMirror: { prefix: prefix as string } })),
      ).toThrow(
        /parameterStoreMirror.prefix ".*" and parameterPrefix ".*" overlap: a grant on one would reach the other's parameters/,
      );
    }
    expect(() => build(() => ({ parameterStoreMirror: { prefix: '/ringg-rotation-mirror' } }))).not.toThrow();
    expect(() => build(() => ({ parameterStoreMirror: { prefix: 'services/ringg' } }))).toThrow(
      /parameterStoreMirror.prefix "services\/ringg" must be an SSM parameter path/,
    );
  });
});
