import { Arn, ArnFormat, Duration, Stack, Validations } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cwActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import type * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct } from 'constructs';
import { DEFAULT_PARAMETER_PREFIX } from '../common/defaults.js';
import { MIRROR_FAILED_MESSAGE } from '../common/log-messages.js';
import { rotationFunctionCode } from './function-code.js';
import { wildcardFindingId } from './nag-finding.js';
import { KeyRotationSchedule } from './rotation-schedule.js';

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

/** A role that a GitHub Actions workflow assumes through OIDC to rotate the keys after an incident. */
export interface GitHubCiRoleOptions {
  /** The repository allowed to assume the role, as `owner/name`. */
  readonly repository: string;
  /**
   * The git refs whose workflows may assume the role.
   *
   * @default ['refs/heads/main']
   */
  readonly refs?: string[];
  /**
   * A GitHub environment whose jobs may assume the role, instead of refs. GitHub puts the environment,
   * not the ref, in the token's subject when a job names one.
   *
   * @default - refs decide
   */
  readonly environment?: string;
  /**
   * The account's GitHub OIDC provider. It is one per account, so it is imported, never created here.
   *
   * @default - arn:aws:iam::<account>:oidc-provider/token.actions.githubusercontent.com
   */
  readonly oidcProviderArn?: string;
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
   * Ringg API base URL.
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
   * Mirror each secret's key, once testSecret proved it, to the SecureString `<prefix>/<secret name>`
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
  readonly rotationFailureRule: events.Rule;
  readonly ciRole: iam.Role | undefined;
  readonly parameterPrefix: string;

  constructor(scope: Construct, id: string, props: RinggKeyRotationProps) {
    super(scope, id);
    if (props.secrets.length === 0)
      throw new Error('RinggKeyRotation needs at least one secret in `secrets`.');
    if (props.alarmTopic && props.alarmEmail) {
      throw new Error(
        'Give either `alarmTopic` or `alarmEmail`: the e-mail subscribes to a topic the construct creates.',
      );
    }
    const stack = Stack.of(this);
    this.parameterPrefix = props.parameterPrefix ?? DEFAULT_PARAMETER_PREFIX;
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
        RINGG_BASE_URL: props.ringgBaseUrl ?? 'https://prod-api.ringg.ai/ca/api/v0',
        RINGG_CONNECT_TIMEOUT_MS: String((timeouts.connect ?? Duration.seconds(10)).toMilliseconds()),
        RINGG_HEADERS_TIMEOUT_MS: String((timeouts.headers ?? Duration.seconds(10)).toMilliseconds()),
        RINGG_BODY_TIMEOUT_MS: String((timeouts.body ?? Duration.seconds(10)).toMilliseconds()),
        ROTATION_PARAMETER_PREFIX: this.parameterPrefix,
        NODE_OPTIONS: '--enable-source-maps',
        ...(props.parameterStoreMirror
          ? {
              MIRROR_PARAMETER_PREFIX: props.parameterStoreMirror.prefix,
              ...(mirrorKey ? { MIRROR_KMS_KEY_ID: mirrorKey.keyArn } : {}),
            }
          : {}),
      },
      vpc: props.vpc,
      vpcSubnets: props.vpc ? props.vpcSubnets : undefined,
      securityGroups: props.vpc ? props.securityGroups : undefined,
    });
    const secretArns = props.secrets.map((secret) => secret.secretFullArn ?? `${secret.secretArn}-??????`);
    role.addToPolicy(
      new iam.PolicyStatement({
        sid: 'RotateTheListedSecrets',
        actions: SECRET_ACTIONS,
        resources: secretArns,
      }),
    );
    role.addToPolicy(
      new iam.PolicyStatement({
        sid: 'JournalAndRescueParameters',
        actions: ['ssm:GetParameter', 'ssm:PutParameter', 'ssm:DeleteParameter'],
        resources: [parameterArn('*')],
      }),
    );
    Validations.of(role).acknowledge({
      id: wildcardFindingId(this, parameterArn('*')),
      reason:
        'The journal and rescue parameters are named per secret and per rotation token under this path, which is the construct’s own.',
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

    const schedule = props.schedule ?? KeyRotationSchedule.rate(Duration.days(30));
    props.secrets.forEach((secret, index) => {
      const permission = new lambda.CfnPermission(this, `SecretsManagerInvoke${index}`, {
        action: 'lambda:InvokeFunction',
        functionName: this.function.functionArn,
        principal: 'secretsmanager.amazonaws.com',
        sourceAccount: stack.account,
        sourceArn: secretArns[index],
      });
      const rotation = new secretsmanager.CfnRotationSchedule(this, `Schedule${index}`, {
        secretId: secret.secretFullArn ?? secret.secretName,
        rotationLambdaArn: this.function.functionArn,
        rotateImmediatelyOnUpdate: props.rotateImmediatelyOnUpdate ?? false,
        rotationRules: { scheduleExpression: schedule.expression, duration: schedule.window },
      });
      rotation.node.addDependency(permission, role);
    });

    if (props.alarmTopic) {
      this.alarmTopic = props.alarmTopic;
    } else {
      const topic = new sns.Topic(this, 'Alarms', {
        displayName: 'Ringg key rotation alarms',
        enforceSSL: true,
      });
      if (props.alarmEmail) topic.addSubscription(new subscriptions.EmailSubscription(props.alarmEmail));
      this.alarmTopic = topic;
    }

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

    this.rotationFailureRule = new events.Rule(this, 'RotationFailureRule', {
      description: 'Secrets Manager reports a failed or abandoned rotation of a Ringg key',
      eventPattern: {
        source: ['aws.secretsmanager'],
        detailType: ['AWS Service Event via CloudTrail'],
        detail: {
          eventSource: ['secretsmanager.amazonaws.com'],
          eventName: ['RotationFailed', 'RotationAbandoned'],
          additionalEventData: {
            SecretId: props.secrets.map((secret) =>
              secret.secretFullArn ? secret.secretFullArn : { prefix: `${secret.secretArn}-` },
            ),
          },
        },
      },
    });
    this.rotationFailureRule.addTarget(
      new targets.SnsTopic(this.alarmTopic, {
        message: events.RuleTargetInput.fromText(
          `Ringg key rotation: ${events.EventField.fromPath('$.detail.eventName')} for ` +
            `${events.EventField.fromPath('$.detail.additionalEventData.SecretId')} at ${events.EventField.time}. ` +
            `Read the journal (ringg-rotate status --secret-id <id>, or SSM ${this.parameterPrefix}/<secret>/journal) ` +
            'and follow the README runbook.',
        ),
      }),
    );

    this.ciRole = props.ciRole
      ? this.createCiRole(props.ciRole, secretArns, parameterArn('*/journal'))
      : undefined;
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

  private createCiRole(options: GitHubCiRoleOptions, secretArns: string[], journalArn: string): iam.Role {
    if (!/^[\w.-]+\/[\w.-]+$/.test(options.repository)) {
      throw new Error(`ciRole.repository "${options.repository}" must be owner/name, e.g. acme/platform.`);
    }
    const stack = Stack.of(this);
    const providerArn =
      options.oidcProviderArn ??
      Arn.format(
        {
          service: 'iam',
          region: '',
          resource: 'oidc-provider',
          resourceName: 'token.actions.githubusercontent.com',
          arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
        },
        stack,
      );
    const subjects = options.environment
      ? [`repo:${options.repository}:environment:${options.environment}`]
      : (options.refs ?? ['refs/heads/main']).map((ref) => `repo:${options.repository}:ref:${ref}`);
    const role = new iam.Role(this, 'CiRole', {
      description: `Rotates Ringg keys from GitHub Actions in ${options.repository}`,
      maxSessionDuration: Duration.hours(1),
      assumedBy: new iam.WebIdentityPrincipal(providerArn, {
        StringEquals: {
          'token.actions.githubusercontent.com:aud': 'sts.amazonaws.com',
          'token.actions.githubusercontent.com:sub': subjects,
        },
      }),
    });
    role.addToPolicy(
      new iam.PolicyStatement({
        sid: 'StartAndWatchRotation',
        actions: [
          'secretsmanager:RotateSecret',
          'secretsmanager:DescribeSecret',
          'secretsmanager:ListSecretVersionIds',
        ],
        resources: secretArns,
      }),
    );
    role.addToPolicy(
      new iam.PolicyStatement({
        sid: 'InvokeRotationFunction',
        actions: ['lambda:InvokeFunction'],
        resources: [this.function.functionArn],
      }),
    );
    role.addToPolicy(
      new iam.PolicyStatement({ sid: 'ReadJournal', actions: ['ssm:GetParameter'], resources: [journalArn] }),
    );
    Validations.of(role).acknowledge({
      id: wildcardFindingId(this, journalArn),
      reason: 'Read-only access to the journal parameter of each rotated secret, named after the secret.',
    });
    return role;
  }
}
