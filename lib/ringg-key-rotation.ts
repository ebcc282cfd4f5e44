import { Duration, Stack, Token, Validations } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cwActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import type * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { DEFAULT_PARAMETER_PREFIX } from '../common/defaults.js';
import { MIRROR_FAILED_MESSAGE } from '../common/log-messages.js';
import { parseRinggBaseUrl } from '../common/ringg-base-url.js';
import { FAILURE_TAG_KEY, WORKSPACE_TAG_KEY } from '../common/workspace-tag.js';
import { createAlarmTopic } from './alarm-topic.js';
import { createCiRole, type GitHubCiRoleOptions } from './ci-role.js';
import { secretArnChars } from './failure-pattern.js';
import { rotationFunctionCode } from './function-code.js';
import {
  acknowledgeRotatedSecretsWildcard,
  invokeSourceArnPattern,
  rotatedSecretsStatement,
} from './iam-scope.js';
import { wildcardFindingId } from './nag-finding.js';
import { checkParameterNames, readRotatedSecrets } from './rotated-secrets.js';
import {
  EcsForceNewDeployment,
  type ForceEcsDeploymentOptions,
  type RotatedSecretArn,
  type RotationSucceededOptions,
  rotationSucceededRule,
} from './rotation-event.js';
import { KeyRotationSchedule } from './rotation-schedule.js';
import { assignScheduleStacks, ScheduleStack } from './schedule-stacks.js';

export type { GitHubCiRoleOptions } from './ci-role.js';

/** Timeouts of each request the function sends to Ringg. */
export interface RinggTimeouts {
  /**
   * TCP and TLS connect timeout.
   *
   * @default Duration.seconds(10)
   */
  readonly connect?: Duration;
  /**
   * Time to wait for the response headers.
   *
   * @default Duration.seconds(10)
   */
  readonly headers?: Duration;
  /**
   * Time allowed between two chunks of the response body.
   *
   * @default Duration.seconds(10)
   */
  readonly body?: Duration;
}

export interface RinggKeyRotationProps {
  /**
   * The secrets holding Ringg keys, one per workspace. Import them, e.g. with
   * `Secret.fromSecretNameV2`, `Secret.fromSecretCompleteArn`, or `Secret.fromSecretAttributes` with an
   * `encryptionKey` when the secret uses a customer-managed KMS key. Each must already hold the live
   * key: the function never creates a key, it only rotates one.
   */
  readonly secrets: secretsmanager.ISecret[];
  /**
   * When to rotate.
   *
   * @default KeyRotationSchedule.rate(Duration.days(30))
   */
  readonly schedule?: KeyRotationSchedule;
  /**
   * Rotate when a deployment creates or changes the schedule. When false, CloudFormation only runs the
   * function's configuration test (testSecret on an empty pending version), which regenerates nothing.
   *
   * @default false - a deploy never rotates a key by surprise
   */
  readonly rotateImmediatelyOnUpdate?: boolean;
  /**
   * Ringg API base URL: https://, without credentials, query or fragment (checked at synth, by the same
   * rule the function applies).
   *
   * @default 'https://prod-api.ringg.ai/ca/api/v0'
   */
  readonly ringgBaseUrl?: string;
  /**
   * Timeouts of each request to Ringg.
   *
   * @default - 10 seconds each
   */
  readonly ringgTimeouts?: RinggTimeouts;
  /**
   * SSM path of the rotation journal and the rescue parameters. Give each instance in an account its own.
   *
   * @default '/ringg-rotation'
   */
  readonly parameterPrefix?: string;
  /**
   * The function's timeout. Every step finishes, with success or a clear error, 5 seconds before it.
   *
   * @default Duration.seconds(90)
   */
  readonly timeout?: Duration;
  /**
   * How long the function's logs are kept.
   *
   * @default logs.RetentionDays.ONE_YEAR
   */
  readonly logRetention?: logs.RetentionDays;
  /**
   * A VPC to run the function in. The function must reach both Ringg (internet: a NAT gateway) and
   * Secrets Manager and SSM (a NAT gateway or interface endpoints); without them every rotation times out.
   *
   * @default - not in a VPC
   */
  readonly vpc?: ec2.IVpc;
  /**
   * Subnets in `vpc`.
   *
   * @default - private subnets with egress
   */
  readonly vpcSubnets?: ec2.SubnetSelection;
  /**
   * Security groups for the function in `vpc`.
   *
   * @default - a new group allowing all outbound traffic
   */
  readonly securityGroups?: ec2.ISecurityGroup[];
  /**
   * An existing SNS topic for the alarms. Give either this or `alarmEmail`, or neither.
   *
   * @default - a new topic
   */
  readonly alarmTopic?: sns.ITopic;
  /**
   * An e-mail address subscribed to the topic the construct creates.
   *
   * @default - no subscription
   */
  readonly alarmEmail?: string;
  /**
   * Mirror each secret's key, when AWSCURRENT moves to it (after Ringg proved it), to the SecureString `<prefix>/<secret name>`
   * for services that read Parameter Store. Encrypted with the secrets' customer-managed key when they
   * use one (all secrets must then share it). Best effort: a failed write is logged and alarmed, and
   * never fails the rotation.
   *
   * @default - no mirror
   */
  readonly parameterStoreMirror?: { readonly prefix: string };
  /**
   * A role for a GitHub Actions workflow that rotates the keys after an incident.
   *
   * @default - no CI role
   */
  readonly ciRole?: GitHubCiRoleOptions;
  /**
   * How many rotations may run at once: the function's reserved concurrency. With many secrets on one
   * schedule, Secrets Manager starts many rotations together; the ones above this bound are throttled
   * and Secrets Manager retries them later in the window, instead of all of them hitting Ringg's rate
   * limit and the Secrets Manager and SSM quotas at the same moment. Lambda keeps 100 executions of the
   * account unreserved, so the account's concurrency quota must be at least 100 + this value.
   *
   * @default 10
   */
  readonly maxConcurrentRotations?: number;
  /**
   * How many nested stacks hold the rotation schedules. Each secret's schedule goes to the stack its
   * name hashes to, so adding or removing a secret never moves another one. Changing this number moves
   * schedules between stacks (see the README, "Many workspaces"); set it once. A deployment creates the
   * schedules of one stack one after the other, so at most this many configuration tests run at once:
   * it may not exceed `maxConcurrentRotations`.
   *
   * @default 10 - room for about 4,000 secrets
   */
  readonly scheduleStacks?: number;
}

const SECRET_ACTIONS = [
  'secretsmanager:DescribeSecret',
  'secretsmanager:GetSecretValue',
  'secretsmanager:PutSecretValue',
  'secretsmanager:UpdateSecretVersionStage',
];

/**
 * Rotates Ringg workspace API keys kept in Secrets Manager: the rotation function, a schedule on every
 * secret, least-privilege IAM, and alarms that reach a person.
 */
export class RinggKeyRotation extends Construct {
  readonly function: nodejs.NodejsFunction;
  readonly alarmTopic: sns.ITopic;
  readonly errorsAlarm: cloudwatch.Alarm;
  readonly mirrorFailuresAlarm: cloudwatch.Alarm | undefined;
  /** One rule per group of secrets, each matching exactly the ARNs of its group. */
  readonly rotationFailureRules: events.Rule[];
  readonly ciRole: iam.Role | undefined;
  readonly parameterPrefix: string;
  /** The function's access to the rotated secrets: one statement, whatever the number of secrets. */
  readonly secretsPolicy: iam.Policy;
  /** The nested stacks holding the rotation schedules. */
  readonly scheduleStacks: ScheduleStack[];
  /** The secrets this construct rotates. */
  readonly secrets: secretsmanager.ISecret[];
  /** Each rotated secret's exact ARN, for rules that must match it and nothing else. */
  private readonly secretArns = new Map<secretsmanager.ISecret, RotatedSecretArn>();

  constructor(scope: Construct, id: string, props: RinggKeyRotationProps) {
    super(scope, id);
    this.secrets = [...props.secrets];
    if (props.secrets.length === 0)
      throw new Error('RinggKeyRotation needs at least one secret in `secrets`.');
    if (props.alarmTopic && props.alarmEmail) {
      throw new Error(
        'Give either `alarmTopic` or `alarmEmail`: the e-mail subscribes to a topic the construct creates.',
      );
    }
    const stack = Stack.of(this);
    const rotated = readRotatedSecrets(props.secrets, stack);
    const maxConcurrentRotations = props.maxConcurrentRotations ?? 10;
    const scheduleStacks = props.scheduleStacks ?? 10;
    checkConcurrency(maxConcurrentRotations, scheduleStacks);
    this.parameterPrefix = props.parameterPrefix ?? DEFAULT_PARAMETER_PREFIX;
    checkParameterNames(rotated, this.parameterPrefix, props.parameterStoreMirror?.prefix);
    const parameterArn = (path: string) =>
      stack.formatArn({
        service: 'ssm',
        resource: 'parameter',
        resourceName: `${this.parameterPrefix.slice(1)}/${path}`,
      });

    const logGroup = new logs.LogGroup(this, 'Logs', {
      retention: props.logRetention ?? logs.RetentionDays.ONE_YEAR,
    });
    const role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: 'Ringg key rotation function',
    });
    logGroup.grantWrite(role);

    if (props.vpc) {
      role.addManagedPolicy(
        iam.ManagedPolicy.fromAwsManagedPolicyName('service-role/AWSLambdaVPCAccessExecutionRole'),
      );
      Validations.of(role).acknowledge({
        id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole]',
        reason:
          'Lambda needs network-interface permissions to run in a VPC; AWS grants them only on resource "*".',
      });
    }

    const keys = [
      ...new Map(
        props.secrets.flatMap((s) => (s.encryptionKey ? [[s.encryptionKey.keyArn, s.encryptionKey]] : [])),
      ).values(),
    ];
    const mirrorKey = props.parameterStoreMirror ? this.mirrorKey(props, keys) : undefined;

    const timeouts = props.ringgTimeouts ?? {};
    this.function = new nodejs.NodejsFunction(this, 'Function', {
      ...rotationFunctionCode(),
      runtime: lambda.Runtime.NODEJS_24_X,
      architecture: lambda.Architecture.ARM_64,
      memorySize: 256,
      timeout: props.timeout ?? Duration.seconds(90),
      role,
      logGroup,
      loggingFormat: lambda.LoggingFormat.JSON,
      description: 'Rotates Ringg workspace API keys in Secrets Manager',
      environment: {
        RINGG_BASE_URL: ringgBaseUrl(props.ringgBaseUrl),
        RINGG_CONNECT_TIMEOUT_MS: String((timeouts.connect ?? Duration.seconds(10)).toMilliseconds()),
        RINGG_HEADERS_TIMEOUT_MS: String((timeouts.headers ?? Duration.seconds(10)).toMilliseconds()),
        RINGG_BODY_TIMEOUT_MS: String((timeouts.body ?? Duration.seconds(10)).toMilliseconds()),
        ROTATION_PARAMETER_PREFIX: this.parameterPrefix,
        // The rotation record (which may hold the new key) is encrypted with this key, never the secret's.
        ...(keys.length === 1 && keys[0] ? { ROTATION_PARAMETER_KMS_KEY_ID: keys[0].keyArn } : {}),
        NODE_OPTIONS: '--enable-source-maps',
        ...(props.parameterStoreMirror
          ? {
              MIRROR_PARAMETER_PREFIX: props.parameterStoreMirror.prefix,
              ...(mirrorKey ? { MIRROR_KMS_KEY_ID: mirrorKey.keyArn } : {}),
            }
          : {}),
      },
      reservedConcurrentExecutions: maxConcurrentRotations,
      vpc: props.vpc,
      vpcSubnets: props.vpc ? props.vpcSubnets : undefined,
      securityGroups: props.vpc ? props.securityGroups : undefined,
    });
    // Its own policy: it names the function, which already depends on the role's default policy.
    this.secretsPolicy = new iam.Policy(this, 'SecretsPolicy', {
      roles: [role],
      statements: [
        rotatedSecretsStatement(
          stack,
          this.function.functionArn,
          'RotateSecretsBoundToThisFunction',
          SECRET_ACTIONS,
        ),
      ],
    });
    this.secretsPolicy.addStatements(
      rotatedSecretsStatement(
        stack,
        this.function.functionArn,
        'RecordTheWorkspaceAndFailureTags',
        ['secretsmanager:TagResource', 'secretsmanager:UntagResource'],
        {
          'ForAllValues:StringEquals': { 'aws:TagKeys': [WORKSPACE_TAG_KEY, FAILURE_TAG_KEY] },
        },
      ),
    );
    acknowledgeRotatedSecretsWildcard(this.secretsPolicy);
    role.addToPolicy(
      new iam.PolicyStatement({
        sid: 'RotationRecords',
        actions: ['ssm:GetParameter', 'ssm:GetParametersByPath', 'ssm:PutParameter', 'ssm:DeleteParameter'],
        resources: [parameterArn('*')],
      }),
    );
    Validations.of(role).acknowledge({
      id: wildcardFindingId(this, parameterArn('*')),
      reason:
        'The rotation records are named per secret and per rotation token under this path, which is the construct’s own.',
    });
    if (keys.length > 0) {
      role.addToPolicy(
        new iam.PolicyStatement({
          sid: 'SecretsCustomerManagedKeys',
          actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
          resources: keys.map((key) => key.keyArn),
          conditions: { StringEquals: { 'kms:ViaService': `secretsmanager.${stack.region}.amazonaws.com` } },
        }),
      );
      role.addToPolicy(
        new iam.PolicyStatement({
          sid: 'RescueParameterEncryption',
          actions: ['kms:Encrypt', 'kms:GenerateDataKey', 'kms:Decrypt'],
          resources: keys.map((key) => key.keyArn),
          conditions: { StringEquals: { 'kms:ViaService': `ssm.${stack.region}.amazonaws.com` } },
        }),
      );
    }

    if (props.parameterStoreMirror) {
      const mirrorArn = stack.formatArn({
        service: 'ssm',
        resource: 'parameter',
        resourceName: `${props.parameterStoreMirror.prefix.slice(1)}/*`,
      });
      role.addToPolicy(
        new iam.PolicyStatement({
          sid: 'MirrorParameters',
          actions: ['ssm:PutParameter'],
          resources: [mirrorArn],
        }),
      );
      Validations.of(role).acknowledge({
        id: wildcardFindingId(this, mirrorArn),
        reason:
          'The mirror parameters are named after each rotated secret under this path, which is the construct’s own.',
      });
      if (mirrorKey) {
        role.addToPolicy(
          new iam.PolicyStatement({
            sid: 'MirrorEncryption',
            actions: ['kms:Encrypt'],
            resources: [mirrorKey.keyArn],
            conditions: { StringEquals: { 'kms:ViaService': `ssm.${stack.region}.amazonaws.com` } },
          }),
        );
      }
    }

    this.alarmTopic = props.alarmTopic ?? createAlarmTopic(this, props.alarmEmail);

    const permission = new lambda.CfnPermission(this, 'SecretsManagerInvoke', {
      action: 'lambda:InvokeFunction',
      functionName: this.function.functionArn,
      principal: 'secretsmanager.amazonaws.com',
      sourceAccount: stack.account,
      sourceArn: invokeSourceArnPattern(stack, rotated),
    });
    const schedule = props.schedule ?? KeyRotationSchedule.rate(Duration.days(30));
    const failureMessage = events.RuleTargetInput.fromText(
      `Ringg key rotation: ${events.EventField.fromPath('$.detail.eventName')} for ` +
        `${events.EventField.fromPath('$.detail.additionalEventData.SecretId')} at ${events.EventField.time}. ` +
        `Read the journal (ringg-rotate status --secret-id <id>, or SSM ${this.parameterPrefix}/<secret>/journal) ` +
        'and follow the README runbook.',
    );
    this.scheduleStacks = [...assignScheduleStacks(rotated, scheduleStacks)].map(([index, secrets]) => {
      const nested = new ScheduleStack(this, `Schedules${index}`, {
        index,
        secrets,
        functionArn: this.function.functionArn,
        rotateImmediatelyOnUpdate: props.rotateImmediatelyOnUpdate ?? false,
        scheduleExpression: schedule.expression,
        window: schedule.window,
        alarmTopicArn: this.alarmTopic.topicArn,
        failureMessage,
      });
      nested.node.addDependency(permission, role, this.secretsPolicy);
      return nested;
    });
    this.rotationFailureRules = this.scheduleStacks.flatMap((nested) => nested.failureRules);
    const exactArns = new Map(this.scheduleStacks.flatMap((nested) => [...nested.secretArns]));
    props.secrets.forEach((secret, index) => {
      const entry = rotated[index];
      const arn = entry && exactArns.get(entry);
      if (entry && arn) this.secretArns.set(secret, { arn, chars: secretArnChars(entry) });
    });

    this.errorsAlarm = new cloudwatch.Alarm(this, 'ErrorsAlarm', {
      alarmDescription:
        'The Ringg key rotation function failed a step. Read the journal (ringg-rotate status, or the SSM parameter ' +
        `${this.parameterPrefix}/<secret>/journal) and the README runbook.`,
      metric: this.function.metricErrors({ period: Duration.minutes(5), statistic: cloudwatch.Stats.SUM }),
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    this.errorsAlarm.addAlarmAction(new cwActions.SnsAction(this.alarmTopic));
    this.mirrorFailuresAlarm = props.parameterStoreMirror ? this.alarmOnMirrorFailures(logGroup) : undefined;

    this.ciRole = props.ciRole ? createCiRole(this, props.ciRole, this.function.functionArn) : undefined;
  }

  /**
   * An EventBridge rule for each successful rotation of these secrets (Secrets Manager's
   * `RotationSucceeded`, delivered through CloudTrail once AWSCURRENT holds the new key), for consumers
   * that must be told to re-read the key. The event names the secret, never a key.
   */
  onRotationSucceeded(id: string, options: RotationSucceededOptions = {}): events.Rule {
    return rotationSucceededRule(this, id, this.secretArns, options);
  }

  /**
   * After each successful rotation, force a new deployment of these ECS services (a Step Functions
   * `ecs:UpdateService` call, no Lambda code), so their new tasks start with the new key. A failed
   * redeploy alarms to the alarm topic.
   */
  forceEcsDeploymentOnRotation(id: string, options: ForceEcsDeploymentOptions): EcsForceNewDeployment {
    return new EcsForceNewDeployment(this, id, this.secretArns, { alarmTopic: this.alarmTopic, ...options });
  }

  private mirrorKey(props: RinggKeyRotationProps, keys: kms.IKey[]): kms.IKey | undefined {
    if (keys.length > 1 || (keys.length === 1 && props.secrets.some((s) => !s.encryptionKey))) {
      throw new Error(
        'parameterStoreMirror encrypts every mirror with one key: the secrets must all use the same customer-managed KMS key, or none.',
      );
    }
    return keys[0];
  }

  private alarmOnMirrorFailures(logGroup: logs.ILogGroup): cloudwatch.Alarm {
    const filter = new logs.MetricFilter(this, 'MirrorFailures', {
      logGroup,
      filterPattern: logs.FilterPattern.stringValue('$.message', '=', MIRROR_FAILED_MESSAGE),
      metricNamespace: 'RinggKeyRotation',
      metricName: 'MirrorWriteFailures',
      metricValue: '1',
    });
    const alarm = new cloudwatch.Alarm(this, 'MirrorFailuresAlarm', {
      alarmDescription:
        'The rotation could not mirror a new Ringg key to Parameter Store; services reading the mirror hold a dead key. ' +
        'The function log names the parameter; write the AWSCURRENT key there by hand.',
      metric: filter.metric({ period: Duration.minutes(5), statistic: cloudwatch.Stats.SUM }),
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    alarm.addAlarmAction(new cwActions.SnsAction(this.alarmTopic));
    return alarm;
  }
}

function checkConcurrency(maxConcurrentRotations: number, scheduleStacks: number): void {
  if (
    !Number.isInteger(maxConcurrentRotations) ||
    maxConcurrentRotations < 1 ||
    maxConcurrentRotations > 1000
  ) {
    throw new Error(
      `maxConcurrentRotations must be a whole number from 1 to 1000; got ${maxConcurrentRotations}. The default, 10, suits most accounts.`,
    );
  }
  if (!Number.isInteger(scheduleStacks) || scheduleStacks < 1 || scheduleStacks > maxConcurrentRotations) {
    throw new Error(
      `scheduleStacks must be a whole number from 1 to maxConcurrentRotations (${maxConcurrentRotations}); got ${scheduleStacks}. ` +
        'A deployment runs one configuration test per schedule stack at a time, and more than the function may run at once would be throttled.',
    );
  }
}

/** The base URL as the function will accept it, or a synth error saying why it would not. */
function ringgBaseUrl(value: string | undefined): string {
  if (value !== undefined && Token.isUnresolved(value)) return value;
  const parsed = parseRinggBaseUrl(value);
  if (!parsed.ok) throw new Error(`ringgBaseUrl: ${parsed.problem}`);
  return parsed.url;
}
