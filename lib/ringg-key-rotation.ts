import { Duration, NestedStack, Stack, Token } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cwActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import type * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { DEFAULT_PARAMETER_PREFIX } from '../common/defaults.js';
import { DURATION_DEFAULTS_MS, type DurationSetting } from '../common/function-settings.js';
import { MIRROR_FAILED_MESSAGE } from '../common/log-messages.js';
import { mirrorParameterName } from '../common/parameter-names.js';
import { parseRinggBaseUrl } from '../common/ringg-base-url.js';
import { FAILURE_TAG_KEY, WORKSPACE_TAG_KEY } from '../common/workspace-tag.js';
import { createAlarmTopic } from './alarm-topic.js';
import { createCiRole, type GitHubCiRoleOptions } from './ci-role.js';
import { secretArnChars } from './failure-pattern.js';
import { createRotationFunction } from './function-code.js';
import { anySecretArn, invokeSourceArnPattern, listedSecretsPolicies } from './iam-scope.js';
import { acknowledge, wildcardFindingId } from './nag-finding.js';
import {
  type CreatedParameterKey,
  createParameterKey,
  identityStatement,
  keyPolicyStatement,
  type ParameterKeyUse,
  parameterUseConditions,
  SECRET_ARN_CONTEXT,
  secretsManagerViaService,
} from './parameter-key.js';
import { defaultConcurrentRotations, propsProblems } from './props-validation.js';
import { parameterNameProblems, type RotatedSecret, readRotatedSecrets } from './rotated-secrets.js';
import {
  EcsForceNewDeployment,
  type ForceEcsDeploymentOptions,
  type RotatedSecretArn,
  type RotationSucceededOptions,
  rotationSucceededRule,
} from './rotation-event.js';
import { KeyRotationSchedule } from './rotation-schedule.js';
import {
  IAM_MANAGED_POLICIES_PER_ROLE,
  IAM_MANAGED_POLICIES_PER_ROLE_MAX,
  KMS_KEY_POLICY_MAX_BYTES,
  policyChars,
  worstCase,
} from './scale-limits.js';
import { assignScheduleStacks, ScheduleStack } from './schedule-stacks.js';

export type { GitHubCiRoleOptions } from './ci-role.js';

/** Timeouts of each request the function sends to Ringg: whole milliseconds from 1 ms to 60 seconds each. */
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
   * SSM path of each secret's rotation records (`<prefix>/<secret>/rotation/<token>.g<claim>`: one per open
   * rotation, holding a new key while the rotation needs it). Give each instance in an account its own;
   * it may not overlap `parameterStoreMirror.prefix`.
   *
   * @default '/ringg-rotation'
   */
  readonly parameterPrefix?: string;
  /**
   * The KMS key of the copies of a key the construct writes to Parameter Store: every rotation record
   * and, with `parameterStoreMirror`, every mirror. A customer managed key whose policy allows what
   * docs/security.md ("A key of your own") shows. Refused at synth: an AWS managed key
   * (`alias/aws/ssm` lets every principal of the account decrypt) and one of the secrets' own keys.
   *
   * @default - a new key, rotated yearly, whose policy lets the account administer it but lets only the
   * function (its own parameters) and the principals given to `grantReadMirror` (their mirrors) use it
   */
  readonly parameterEncryptionKey?: kms.IKey;
  /**
   * How many managed policies the function's role may hold: the account's IAM quota. The function
   * reaches each listed secret by name, and 1,000 secrets need several managed policies (the error
   * says how many); raise the quota (up to 20) and this number together.
   *
   * @default 10 - IAM's default quota
   */
  readonly maxManagedPoliciesPerRole?: number;
  /**
   * The function's timeout. Every step finishes, with success or a clear error, 5 seconds before it.
   * At least 9 seconds, below which setSecret could never regenerate (refused at synth); a step that
   * waits for a slow Ringg needs far more.
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
   * Mirror each secret's key, when AWSCURRENT moves to it (after Ringg proved it), to the SecureString
   * `<prefix>/<secret name>` for services that read Parameter Store. Encrypted with
   * `parameterEncryptionKey` (never `aws/ssm`): only the principals given to `grantReadMirror` can
   * decrypt it, each its own secrets' mirrors. The prefix may not overlap `parameterPrefix`. Best
   * effort: a failed write is logged and alarmed, and never fails the rotation.
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
   * schedule, Secrets Manager starts their rotations together; each runs one step at a time, and the
   * steps ride out Ringg's 429s and the Secrets Manager and SSM quotas inside their time. An invocation
   * above this bound is throttled, which is a failed attempt (a RotationFailed event and an alarm) that
   * Secrets Manager retries later. Lambda keeps 100 executions of the account unreserved, so the
   * account's concurrency quota must be at least 100 + this value. Lower it to protect other functions
   * of the account; the CI role can also invoke the function (the throttles alarm says when it is used up).
   *
   * @default - one per rotated secret, at least 10 and at most 900
   */
  readonly maxConcurrentRotations?: number;
  /**
   * How many nested stacks hold the rotation schedules. Each secret's schedule goes to the stack its
   * name hashes to, so adding or removing a secret never moves another one. Changing this number moves
   * schedules between stacks (see "Many workspaces" in docs/operating.md); set it once. A deployment creates the
   * schedules of one stack one after the other, so at most this many configuration tests run at once:
   * it may not exceed `maxConcurrentRotations`.
   *
   * @default 10 - room for about 4,000 secrets
   */
  readonly scheduleStacks?: number;
}

/** The function's timeout unless `timeout` says otherwise. */
const DEFAULT_TIMEOUT = Duration.seconds(90);

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
  /** The rotation function Secrets Manager invokes for each step. */
  readonly function: lambda.Function;
  /**
   * The rotation function's name: give it to `ringg-rotate rotate --all --function`, e.g. through a
   * `CfnOutput` of your stack.
   */
  readonly functionName: string;
  /** Where every alarm and failed-rotation event goes: `alarmTopic`, or the topic the construct created. */
  readonly alarmTopic: sns.ITopic;
  /** Fires on any failed step of the function within 5 minutes. */
  readonly errorsAlarm: cloudwatch.Alarm;
  /** Fires when the Parameter Store mirror could not be written; only with `parameterStoreMirror`. */
  readonly mirrorFailuresAlarm: cloudwatch.Alarm | undefined;
  /** One rule per group of secrets, each matching exactly the ARNs of its group. */
  readonly rotationFailureRules: events.Rule[];
  /** Alarms when the function is throttled for half an hour (its reserved concurrency is used up). */
  readonly throttlesAlarm: cloudwatch.Alarm;
  /** The role GitHub Actions assumes to rotate after an incident; only with `ciRole`. */
  readonly ciRole: iam.Role | undefined;
  /** The SSM path of the rotation records. */
  readonly parameterPrefix: string;
  /** The key of the rotation records and the mirror (created unless `parameterEncryptionKey` is given). */
  readonly parameterEncryptionKey: kms.IKey;
  /** The function's access to exactly the listed secrets, in as many managed policies as they need. */
  readonly secretsPolicies: iam.ManagedPolicy[];
  /** The nested stack holding {@link secretsPolicies}. */
  readonly secretsAccess: NestedStack;
  /** The nested stacks holding the rotation schedules. */
  readonly scheduleStacks: ScheduleStack[];
  /** The secrets this construct rotates. */
  readonly secrets: secretsmanager.ISecret[];
  /** Each rotated secret's exact ARN, for rules that must match it and nothing else. */
  private readonly secretArns = new Map<secretsmanager.ISecret, RotatedSecretArn>();
  private readonly rotated = new Map<secretsmanager.ISecret, RotatedSecret>();
  private readonly mirrorPrefix: string | undefined;
  /** The policy of the key the construct created; undefined for a key of the user's. */
  private readonly createdKey: CreatedParameterKey | undefined;
  private mirrorReaders = 0;

  constructor(scope: Construct, id: string, props: RinggKeyRotationProps) {
    super(scope, id);
    this.secrets = [...props.secrets];
    const stack = Stack.of(this);
    const read = readRotatedSecrets(props.secrets, stack);
    const rotated = read.secrets;
    const maxConcurrentRotations =
      props.maxConcurrentRotations ?? defaultConcurrentRotations(props.secrets.length);
    this.parameterPrefix = props.parameterPrefix ?? DEFAULT_PARAMETER_PREFIX;
    // Every refused setting is reported at synth, all at once, as CDK's validation errors; until then
    // the construct is built as far as it can be, so that nothing else fails first.
    const problems = [
      ...propsProblems(props),
      ...read.problems,
      ...parameterNameProblems(rotated, this.parameterPrefix, props.parameterStoreMirror?.prefix),
    ];
    this.node.addValidation({ validate: () => problems });
    const scheduleStacks =
      Number.isInteger(props.scheduleStacks) && (props.scheduleStacks ?? 0) >= 1
        ? (props.scheduleStacks as number)
        : 10;
    props.secrets.forEach((secret, index) => {
      const entry = rotated[index];
      if (entry) this.rotated.set(secret, entry);
    });
    this.mirrorPrefix = props.parameterStoreMirror?.prefix;
    const maxManagedPolicies = Math.min(
      Math.max(Math.floor(props.maxManagedPoliciesPerRole ?? IAM_MANAGED_POLICIES_PER_ROLE), 1),
      IAM_MANAGED_POLICIES_PER_ROLE_MAX,
    );
    const parameterArn = (path: string) => parameterArnOf(stack, `${this.parameterPrefix}/${path}`);

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
      acknowledge(role, {
        id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole]',
        reason:
          'Lambda needs network-interface permissions to run in a VPC; AWS grants them only on resource "*".',
      });
    }

    const secretKeys = [
      ...new Map(
        props.secrets.flatMap((s) => (s.encryptionKey ? [[s.encryptionKey.keyArn, s.encryptionKey]] : [])),
      ).values(),
    ];
    // The copies of a key: the rotation records and the mirror (common/parameter-names.ts).
    const keyUses: ParameterKeyUse[] = [
      {
        sid: 'FunctionUsesItForItsRotationRecords',
        principal: role,
        actions: ['kms:Encrypt', 'kms:Decrypt'],
        parameterArns: [parameterArn('*/rotation/*')],
      },
      ...(this.mirrorPrefix
        ? [
            {
              sid: 'FunctionWritesTheMirror',
              principal: role,
              actions: ['kms:Encrypt'],
              parameterArns: [this.mirrorArn('*')],
            },
          ]
        : []),
    ];
    if (props.parameterEncryptionKey) {
      // A key refused by parameterKeyProblem is reported with the other props (props-validation.ts).
      this.parameterEncryptionKey = props.parameterEncryptionKey;
      this.createdKey = undefined;
    } else {
      this.createdKey = createParameterKey(this, 'ParameterKey', keyUses);
      this.parameterEncryptionKey = this.createdKey.key;
      this.node.addValidation({ validate: () => this.keyPolicyProblems() });
    }

    const timeouts = props.ringgTimeouts ?? {};
    this.function = createRotationFunction(
      this,
      'Function',
      {
        architecture: lambda.Architecture.ARM_64,
        memorySize: 256,
        timeout: props.timeout ?? DEFAULT_TIMEOUT,
        role,
        logGroup,
        loggingFormat: lambda.LoggingFormat.JSON,
        description: 'Rotates Ringg workspace API keys in Secrets Manager',
        environment: {
          RINGG_BASE_URL: ringgBaseUrl(props.ringgBaseUrl),
          RINGG_CONNECT_TIMEOUT_MS: millis(timeouts.connect, 'RINGG_CONNECT_TIMEOUT_MS'),
          RINGG_HEADERS_TIMEOUT_MS: millis(timeouts.headers, 'RINGG_HEADERS_TIMEOUT_MS'),
          RINGG_BODY_TIMEOUT_MS: millis(timeouts.body, 'RINGG_BODY_TIMEOUT_MS'),
          ROTATION_PARAMETER_PREFIX: this.parameterPrefix,
          ROTATION_PARAMETER_KMS_KEY_ID: this.parameterEncryptionKey.keyArn,
          NODE_OPTIONS: '--enable-source-maps',
          ...(this.mirrorPrefix
            ? {
                MIRROR_PARAMETER_PREFIX: this.mirrorPrefix,
                MIRROR_KMS_KEY_ID: this.parameterEncryptionKey.keyArn,
              }
            : {}),
        },
        reservedConcurrentExecutions: maxConcurrentRotations,
        vpc: props.vpc,
        vpcSubnets: props.vpc ? props.vpcSubnets : undefined,
        securityGroups: props.vpc ? props.securityGroups : undefined,
      },
      {
        arns: rotated.flatMap((secret) => (secret.completeArn ? [secret.completeArn] : [])),
        names: rotated.flatMap((secret) => (secret.completeArn || !secret.name ? [] : [secret.name])),
      },
    );
    this.functionName = this.function.functionName;
    // Managed policies of their own: they name the function, which already depends on the role's
    // default policy; and 1,000 names do not fit in the role's inline policies. In a nested stack,
    // so that the parent template stays small enough to be passed inline.
    this.secretsAccess = new NestedStack(this, 'SecretsAccess', {
      description: 'Ringg key rotation: the function’s access to exactly the listed secrets',
    });
    const secretsAccess = listedSecretsPolicies(
      this.secretsAccess,
      role,
      this.function.functionArn,
      rotated,
      [...SECRET_ACTIONS, 'secretsmanager:TagResource', 'secretsmanager:UntagResource'],
      maxManagedPolicies - (props.vpc ? 1 : 0),
    );
    this.secretsPolicies = secretsAccess.policies;
    this.node.addValidation({ validate: () => secretsAccess.problems });
    role.addToPolicy(
      new iam.PolicyStatement({
        sid: 'TagWithTheRotationTagsOnly',
        effect: iam.Effect.DENY,
        actions: ['secretsmanager:TagResource', 'secretsmanager:UntagResource'],
        resources: [anySecretArn(stack)],
        conditions: {
          'ForAnyValue:StringNotEquals': { 'aws:TagKeys': [WORKSPACE_TAG_KEY, FAILURE_TAG_KEY] },
        },
      }),
    );
    role.addToPolicy(
      new iam.PolicyStatement({
        sid: 'OwnRotationParameters',
        actions: ['ssm:GetParameter', 'ssm:GetParametersByPath', 'ssm:PutParameter', 'ssm:DeleteParameter'],
        resources: [parameterArn('*')],
      }),
    );
    acknowledge(role, {
      id: wildcardFindingId(this, parameterArn('*')),
      reason:
        'The rotation parameters are named per secret under this path, which is the construct’s own and overlaps no other (checked at synth).',
    });
    // The shared-workspace check looks for the other secrets tagged with the secret's workspace
    // (common/workspace-holders.ts). ListSecrets has no resource-level permissions (IAM requires "*");
    // it returns names, tags and metadata, never values.
    role.addToPolicy(
      new iam.PolicyStatement({
        sid: 'FindOtherHoldersOfTheWorkspace',
        actions: ['secretsmanager:ListSecrets'],
        resources: ['*'],
      }),
    );
    acknowledge(role, {
      id: wildcardFindingId(role, '*'),
      reason:
        'secretsmanager:ListSecrets supports no resource-level permissions; it lists secret metadata and tags, never values, to find other secrets holding the same Ringg workspace.',
    });
    if (secretKeys.length > 0) {
      role.addToPolicy(
        new iam.PolicyStatement({
          sid: 'SecretsCustomerManagedKeys',
          actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
          resources: secretKeys.map((key) => key.keyArn),
          conditions: {
            StringEquals: { 'kms:ViaService': secretsManagerViaService(stack) },
            StringLike: { [SECRET_ARN_CONTEXT]: anySecretArn(stack) },
          },
        }),
      );
      // 0.1.x kept a new key it could not store in <prefix>/<secret>/rescue/<token>, under the secret's
      // own key: a rotation it left open is finished by reading that parameter once.
      role.addToPolicy(
        new iam.PolicyStatement({
          sid: 'ReadsTheRescueLeftBy01x',
          actions: ['kms:Decrypt'],
          resources: secretKeys.map((key) => key.keyArn),
          conditions: parameterUseConditions(stack, [parameterArn('*/rescue/*')]),
        }),
      );
    }
    for (const use of keyUses) role.addToPolicy(identityStatement(stack, this.parameterEncryptionKey, use));

    if (this.mirrorPrefix) {
      role.addToPolicy(
        new iam.PolicyStatement({
          sid: 'MirrorParameters',
          actions: ['ssm:PutParameter'],
          resources: [this.mirrorArn('*')],
        }),
      );
      acknowledge(role, {
        id: wildcardFindingId(this, this.mirrorArn('*')),
        reason:
          'The mirror parameters are named after each listed secret under this path, which is the construct’s own and overlaps no other (checked at synth); the function writes only the mirrors of the secrets it may rotate.',
      });
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
        '`ringg-rotate status --secret-id <id>` shows its last failure (tag ringg-rotation:last-failure) and what to do; ' +
        'docs/operating.md has the runbooks.',
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
      nested.node.addDependency(permission, role, this.secretsAccess);
      return nested;
    });
    this.rotationFailureRules = this.scheduleStacks.flatMap((nested) => nested.failureRules);
    const exactArns = new Map(this.scheduleStacks.flatMap((nested) => [...nested.secretArns]));
    for (const [secret, entry] of read.bySecret) {
      const arn = exactArns.get(entry);
      if (arn) this.secretArns.set(secret, { arn, chars: secretArnChars(entry) });
    }

    this.errorsAlarm = new cloudwatch.Alarm(this, 'ErrorsAlarm', {
      alarmDescription:
        'The Ringg key rotation function failed a step. `ringg-rotate status --secret-id <id>` shows the last failure ' +
        '(tag ringg-rotation:last-failure) and what to do; docs/operating.md has the runbooks.',
      metric: this.function.metricErrors({ period: Duration.minutes(5), statistic: cloudwatch.Stats.SUM }),
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    this.errorsAlarm.addAlarmAction(new cwActions.SnsAction(this.alarmTopic));
    this.mirrorFailuresAlarm = props.parameterStoreMirror ? this.alarmOnMirrorFailures(logGroup) : undefined;
    this.throttlesAlarm = new cloudwatch.Alarm(this, 'ThrottlesAlarm', {
      alarmDescription:
        'The Ringg key rotation function was throttled in every 5 minutes for half an hour: something uses up its ' +
        'reserved concurrency (maxConcurrentRotations), e.g. direct invocations with the CI role, or a schedule ' +
        'starting more rotations than it can run; rotations wait meanwhile. See docs/security.md, "The CI role".',
      metric: this.function.metricThrottles({ period: Duration.minutes(5), statistic: cloudwatch.Stats.SUM }),
      threshold: 1,
      evaluationPeriods: 6,
      datapointsToAlarm: 6,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    this.throttlesAlarm.addAlarmAction(new cwActions.SnsAction(this.alarmTopic));

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

  /**
   * Lets `grantee` read the Parameter Store mirror of `secrets` (each one the construct rotates; none:
   * every mirror): `ssm:GetParameter(s)` on exactly those parameters, and `kms:Decrypt` of
   * `parameterEncryptionKey` through SSM for exactly those parameters (a statement in the key policy of
   * the key the construct created; for a key of your own, an IAM statement, and its key policy must
   * allow it: docs/security.md). Nobody else can decrypt a mirror, whatever their SSM permissions.
   */
  grantReadMirror(grantee: iam.IGrantable, ...secrets: secretsmanager.ISecret[]): iam.Grant {
    if (!this.mirrorPrefix) {
      throw new Error('grantReadMirror: there is no mirror; set parameterStoreMirror to have one.');
    }
    const parameterArns =
      secrets.length === 0
        ? [this.mirrorArn('*')]
        : secrets.map((secret) => {
            const rotated = this.rotated.get(secret);
            if (!rotated?.name) {
              throw new Error(
                "grantReadMirror: every secret must be one of the construct's `secrets` (the same imported object), whose mirror it writes.",
              );
            }
            return parameterArnOf(
              Stack.of(this),
              mirrorParameterName(this.mirrorPrefix as string, rotated.name),
            );
          });
    const stack = Stack.of(this);
    const use: ParameterKeyUse = {
      sid: `ReadMirror${++this.mirrorReaders}`,
      principal: grantee.grantPrincipal,
      actions: ['kms:Decrypt'],
      parameterArns,
    };
    if (this.createdKey) this.createdKey.policy.addStatements(keyPolicyStatement(stack, use));
    else
      iam.Grant.addToPrincipal({
        grantee,
        actions: use.actions,
        resourceArns: [this.parameterEncryptionKey.keyArn],
        conditions: parameterUseConditions(stack, parameterArns),
      });
    return iam.Grant.addToPrincipal({
      grantee,
      actions: ['ssm:GetParameter', 'ssm:GetParameters'],
      resourceArns: parameterArns,
    });
  }

  /** The ARN of the mirror parameter `<mirror prefix>/<path>`. */
  private mirrorArn(path: string): string {
    return parameterArnOf(Stack.of(this), `${this.mirrorPrefix}/${path}`);
  }

  /** The created key's policy at its longest once deployed, against KMS's 32 KB. */
  private keyPolicyProblems(): string[] {
    if (!this.createdKey) return [];
    const stack = Stack.of(this);
    const bytes = policyChars(worstCase(stack.resolve(this.createdKey.policy.toJSON())));
    return bytes > KMS_KEY_POLICY_MAX_BYTES
      ? [
          `The parameter key's policy would be up to ${bytes} bytes, more than KMS's ${KMS_KEY_POLICY_MAX_BYTES}: ` +
            'grantReadMirror to fewer principals (one role for a group of services), or without listing secrets (every mirror).',
        ]
      : [];
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

/** The ARN of the SSM parameter `name` (which starts with "/"). */
function parameterArnOf(stack: Stack, name: string): string {
  return stack.formatArn({ service: 'ssm', resource: 'parameter', resourceName: name.slice(1) });
}

/** The base URL as the function will accept it; one it would refuse is reported by propsProblems. */
function ringgBaseUrl(value: string | undefined): string {
  if (value !== undefined && Token.isUnresolved(value)) return value;
  const parsed = parseRinggBaseUrl(value);
  return parsed.ok ? parsed.url : (value ?? '');
}

/** A duration setting as the function reads it: whole milliseconds (the default when not given). */
function millis(duration: Duration | undefined, setting: DurationSetting): string {
  return String(duration?.toMilliseconds({ integral: false }) ?? DURATION_DEFAULTS_MS[setting]);
}
