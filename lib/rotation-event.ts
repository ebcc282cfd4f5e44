import { Arn, ArnFormat, Duration, Names, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cwActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import type * as ecs from 'aws-cdk-lib/aws-ecs';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type * as sns from 'aws-cdk-lib/aws-sns';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct } from 'constructs';
import { packFailurePatterns, rotationEventsPattern } from './failure-pattern.js';
import { acknowledge } from './nag-finding.js';
import { EVENT_PATTERN_MAX_CHARS } from './scale-limits.js';

/**
 * A successful rotation as an event: Secrets Manager's own `RotationSucceeded`, which it records in
 * CloudTrail once finishSecret has moved AWSCURRENT and the rotation is complete, and which
 * EventBridge delivers on the default bus as "AWS Service Event via CloudTrail" (best effort, no trail
 * needed). It names the secret (`detail.additionalEventData.SecretId`, its ARN) and never holds a
 * value.
 */
export const ROTATION_SUCCEEDED = 'RotationSucceeded';

/** Options of `RinggKeyRotation.onRotationSucceeded`. */
export interface RotationSucceededOptions extends events.OnEventOptions {
  /**
   * Only the rotations of these secrets (each must be one the construct rotates): the ones whose
   * consumers the target refreshes. One rule matches the exact ARN of each, so they must fit in one
   * EventBridge pattern (2,048 characters: about 20 secrets); the error says how many fit.
   *
   * @default - every secret the construct rotates
   */
  readonly secrets?: secretsmanager.ISecret[];
}

/** How a rule refers to one rotated secret: its complete ARN (or a deploy-time token for it), and its length. */
export interface RotatedSecretArn {
  readonly arn: string;
  /** The ARN's length once deployed, or its upper bound. */
  readonly chars: number;
}

/**
 * A rule matching the successful rotations of `options.secrets` (default: every secret in `rotated`) by
 * exact ARN, never by prefix (`ringg/prod` must not match `ringg/prod-2`), with `options.target` attached
 * if given. Works like aws-cdk-lib's `onEvent` methods.
 */
export function rotationSucceededRule(
  scope: Construct,
  id: string,
  rotated: ReadonlyMap<secretsmanager.ISecret, RotatedSecretArn>,
  options: RotationSucceededOptions = {},
): events.Rule {
  const secrets = options.secrets ?? [...rotated.keys()];
  if (secrets.length === 0)
    throw new Error(
      `onRotationSucceeded("${id}"): \`secrets\` is empty; leave it out to match every rotated secret.`,
    );
  const arns = secrets.map((secret) => {
    const arn = rotated.get(secret);
    if (!arn) {
      throw new Error(
        `onRotationSucceeded("${id}"): every secret in \`secrets\` must be one of the construct's \`secrets\` ` +
          '(the same imported object): another secret is not rotated by this construct, so no event would ever match.',
      );
    }
    return arn;
  });
  const fitting = packFailurePatterns(arns, (arn) => arn.chars)[0]?.length ?? 0;
  if (fitting < arns.length) {
    throw new Error(
      `onRotationSucceeded("${id}"): the exact ARNs of ${arns.length} secrets exceed EventBridge's ` +
        `${EVENT_PATTERN_MAX_CHARS.toLocaleString('en-US')}-character event pattern limit (the first ${fitting} fit). ` +
        "Pass `secrets` with the ones this target's consumers use, and add one rule per group.",
    );
  }
  const pattern = rotationEventsPattern(
    [ROTATION_SUCCEEDED],
    arns.map((arn) => arn.arn),
  );
  const rule = new events.Rule(scope, id, {
    description:
      options.description ??
      'A Ringg key was rotated: Secrets Manager reports RotationSucceeded (AWSCURRENT is the new key)',
    ruleName: options.ruleName,
    crossStackScope: options.crossStackScope,
    eventPattern: { source: pattern.source, detailType: pattern['detail-type'], detail: pattern.detail },
  });
  if (options.eventPattern) rule.addEventPattern(options.eventPattern);
  if (options.target) rule.addTarget(options.target);
  return rule;
}

/** What the reactions get from the event: which secret rotated, when. Never a key. */
export const ROTATION_EVENT_INPUT = events.RuleTargetInput.fromObject({
  secretArn: events.EventField.fromPath('$.detail.additionalEventData.SecretId'),
  rotatedAt: events.EventField.time,
  eventId: events.EventField.eventId,
});

/**
 * The service's ARN in ECS's long format (`service/<cluster>/<service>`, the format of every service
 * created since 2021), whatever the construct knows it as: a service imported by name gets the short
 * format `service/<service>` unless the feature flag `@aws-cdk/aws-ecs:arnFormatIncludesClusterName`
 * is on, and that form names a service of that name in any cluster still on the old format.
 */
function serviceArn(service: ecs.IBaseService): string {
  return Arn.format(
    {
      service: 'ecs',
      resource: 'service',
      resourceName: `${service.cluster.clusterName}/${service.serviceName}`,
      account: service.env.account,
      region: service.env.region,
      arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
    },
    Stack.of(service),
  );
}

/** Options of `RinggKeyRotation.forceEcsDeploymentOnRotation`. */
export interface ForceEcsDeploymentOptions {
  /**
   * The ECS services to redeploy. Their tasks must read the key when they start (e.g. the task
   * definition's `secrets` with `ecs.Secret.fromSecretsManager`), so new tasks get the new key.
   */
  readonly services: ecs.IBaseService[];
  /**
   * Only after the rotations of these secrets (the ones the services use).
   *
   * @default - every secret the construct rotates
   */
  readonly secrets?: secretsmanager.ISecret[];
  /**
   * Alarmed when a redeploy fails or times out: the services then keep the dead key.
   *
   * @default - the construct's alarm topic (through `forceEcsDeploymentOnRotation`); no alarm when the
   * class is used on its own
   */
  readonly alarmTopic?: sns.ITopic;
  /**
   * How long the redeploy may take (the UpdateService calls, not the deployments themselves).
   *
   * @default Duration.minutes(5)
   */
  readonly timeout?: Duration;
}

/**
 * After each successful rotation, a Step Functions state machine calls `ecs:UpdateService` with
 * `forceNewDeployment` on each service (no Lambda code). Its role may call exactly that, on exactly
 * those services. A failure or timeout raises an alarm.
 */
export class EcsForceNewDeployment extends Construct {
  /** The workflow that calls `ecs:UpdateService` on each service. */
  readonly stateMachine: sfn.StateMachine;
  /** The rule that starts it on each successful rotation of the secrets. */
  readonly rule: events.Rule;
  /** Fires when a run fails or times out. */
  readonly failureAlarm: cloudwatch.Alarm;

  constructor(
    scope: Construct,
    id: string,
    rotated: ReadonlyMap<secretsmanager.ISecret, RotatedSecretArn>,
    options: ForceEcsDeploymentOptions,
  ) {
    super(scope, id);
    if (options.services.length === 0)
      throw new Error(
        `forceEcsDeploymentOnRotation("${id}"): give at least one ECS service in \`services\`.`,
      );

    const redeploy = new sfn.Parallel(this, 'RedeployServices', { resultPath: sfn.JsonPath.DISCARD });
    options.services.forEach((service, index) => {
      redeploy.branch(
        new tasks.CallAwsService(this, `ForceNewDeployment${index}`, {
          comment: `ecs:UpdateService forceNewDeployment on ${service.node.path}`,
          service: 'ecs',
          action: 'updateService',
          iamAction: 'ecs:UpdateService',
          iamResources: [serviceArn(service)],
          parameters: {
            Cluster: service.cluster.clusterArn,
            Service: service.serviceName,
            ForceNewDeployment: true,
          },
        }).addRetry({
          errors: [sfn.Errors.ALL],
          maxAttempts: 3,
          interval: Duration.seconds(5),
          backoffRate: 2,
        }),
      );
    });
    // Names fixed at synth, so that each role's trust can name the one resource that may assume it
    // (aws:SourceArn) without a reference cycle: the state machine and the rule each name their role.
    const stack = Stack.of(this);
    const stateMachineName = Names.uniqueResourceName(this, { maxLength: 80, separator: '-' });
    const ruleName = Names.uniqueResourceName(this, { maxLength: 64, separator: '-' });
    const trustedSource = (service: string, sourceArn: string) =>
      new iam.ServicePrincipal(service).withConditions({
        StringEquals: { 'aws:SourceAccount': stack.account, 'aws:SourceArn': sourceArn },
      });
    const stateMachineArn = stack.formatArn({
      service: 'states',
      resource: 'stateMachine',
      resourceName: stateMachineName,
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    });
    const stateMachineRole = new iam.Role(this, 'StateMachineRole', {
      description: 'Redeploys ECS services after a Ringg key rotation; assumable by this state machine only',
      assumedBy: trustedSource('states.amazonaws.com', stateMachineArn),
    });
    const eventsRole = new iam.Role(this, 'EventsRole', {
      description: 'Starts the ECS redeploy state machine; assumable by its rule only',
      assumedBy: trustedSource(
        'events.amazonaws.com',
        stack.formatArn({ service: 'events', resource: 'rule', resourceName: ruleName }),
      ),
    });
    this.stateMachine = new sfn.StateMachine(this, 'StateMachine', {
      stateMachineName,
      role: stateMachineRole,
      comment: 'Starts a new deployment of ECS services after their Ringg key was rotated',
      definitionBody: sfn.DefinitionBody.fromChainable(redeploy),
      stateMachineType: sfn.StateMachineType.STANDARD,
      timeout: options.timeout ?? Duration.minutes(5),
    });
    acknowledge(
      this.stateMachine,
      {
        id: 'AwsSolutions-SF1',
        reason:
          'Each run is two or three UpdateService calls; the standard workflow keeps every run with its inputs and errors in its execution history for 90 days, and a failed run raises the alarm.',
      },
      {
        id: 'AwsSolutions-SF2',
        reason:
          'X-Ray tracing would add xray:Put* on "*" to a role that should only call ecs:UpdateService; the execution history shows each call.',
      },
    );

    this.rule = rotationSucceededRule(this, 'Rule', rotated, {
      secrets: options.secrets,
      ruleName,
      description: 'A Ringg key was rotated: force a new deployment of the ECS services that use it',
      target: new targets.SfnStateMachine(this.stateMachine, {
        input: ROTATION_EVENT_INPUT,
        role: eventsRole,
      }),
    });

    this.failureAlarm = new cloudwatch.Alarm(this, 'FailureAlarm', {
      alarmDescription:
        'The redeploy of ECS services after a Ringg key rotation failed or timed out: their running tasks still hold the ' +
        'old, dead key. See the state machine execution, then run `aws ecs update-service --cluster <cluster> ' +
        '--service <service> --force-new-deployment`.',
      metric: new cloudwatch.MathExpression({
        expression: 'failed + timedOut',
        usingMetrics: {
          failed: this.stateMachine.metricFailed({ statistic: cloudwatch.Stats.SUM }),
          timedOut: this.stateMachine.metricTimedOut({ statistic: cloudwatch.Stats.SUM }),
        },
        period: Duration.minutes(5),
      }),
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    if (options.alarmTopic) this.failureAlarm.addAlarmAction(new cwActions.SnsAction(options.alarmTopic));
  }
}
