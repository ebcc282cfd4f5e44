import { createHash } from 'node:crypto';
import { NestedStack } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type { Construct } from 'constructs';
import { failurePattern, packFailurePatterns, secretArnChars } from './failure-pattern.js';
import type { RotatedSecret } from './rotated-secrets.js';
import { CFN_RESOURCES_PER_STACK } from './scale-limits.js';

/**
 * The stack a secret's schedule lives in: a hash of the secret's name (or complete ARN), so it never
 * depends on the list's order or length. Adding or removing a secret leaves every other schedule where
 * it is; moving one would make CloudFormation create it anew and then delete the old one.
 */
export function scheduleStackOf(key: string, stacks: number): number {
  return createHash('sha256').update(key).digest().readUInt32BE(0) % stacks;
}

/**
 * The schedule's logical id: readable, from the secret's name, and unique by a hash of it
 * (`ringg/prod` and `ringg-prod` differ). Never from a position in a list.
 */
export function scheduleLogicalId(key: string): string {
  const readable = key
    .replace(/:secret:/, '')
    .replace(/[^A-Za-z0-9]/g, '')
    .slice(-80);
  return `Schedule${readable}${createHash('sha256').update(key).digest('hex').slice(0, 8).toUpperCase()}`;
}

/** Groups the secrets by {@link scheduleStackOf}, each group sorted by key; empty groups are left out. */
export function assignScheduleStacks(
  secrets: readonly RotatedSecret[],
  stacks: number,
): Map<number, RotatedSecret[]> {
  const groups = new Map<number, RotatedSecret[]>();
  for (const secret of [...secrets].sort((a, b) => (a.key < b.key ? -1 : 1))) {
    const index = scheduleStackOf(secret.key, stacks);
    groups.set(index, [...(groups.get(index) ?? []), secret]);
  }
  return new Map([...groups].sort(([a], [b]) => a - b));
}

export interface ScheduleStackProps {
  readonly index: number;
  readonly secrets: readonly RotatedSecret[];
  readonly functionArn: string;
  readonly rotateImmediatelyOnUpdate: boolean;
  readonly scheduleExpression: string;
  readonly window: string | undefined;
  /** The SNS topic the failure rules publish to, and the text they send. */
  readonly alarmTopicArn: string;
  readonly failureMessage: events.RuleTargetInput;
}

/**
 * A nested stack with the rotation schedules of some of the secrets, and the rules that forward their
 * failed and abandoned rotations. Its schedules are created one after the other, so a deployment runs
 * at most one configuration test (testSecret) per schedule stack at a time.
 */
export class ScheduleStack extends NestedStack {
  /** One rotation schedule per secret of the group. */
  readonly schedules: secretsmanager.CfnRotationSchedule[] = [];
  /** The rules forwarding the group's failed and abandoned rotations to the alarm topic. */
  readonly failureRules: events.Rule[] = [];
  /** Each secret's complete ARN: as imported, or the schedule's `Ref` (known at deploy time). */
  readonly secretArns = new Map<RotatedSecret, string>();

  constructor(scope: Construct, id: string, props: ScheduleStackProps) {
    super(scope, id, {
      description: `Ringg key rotation schedules, group ${props.index} (${props.secrets.length} secrets)`,
    });
    let previous: secretsmanager.CfnRotationSchedule | undefined;
    const arns = this.secretArns;
    for (const secret of props.secrets) {
      const schedule = new secretsmanager.CfnRotationSchedule(this, scheduleLogicalId(secret.key), {
        secretId: secret.secretId,
        rotationLambdaArn: props.functionArn,
        rotateImmediatelyOnUpdate: props.rotateImmediatelyOnUpdate,
        rotationRules: { scheduleExpression: props.scheduleExpression, duration: props.window },
      });
      schedule.overrideLogicalId(scheduleLogicalId(secret.key));
      if (previous) schedule.node.addDependency(previous);
      previous = schedule;
      this.schedules.push(schedule);
      // Ref of a RotationSchedule is the secret's complete ARN (its primary identifier), known at deploy time.
      arns.set(secret, secret.completeArn ?? schedule.ref);
    }

    const groups = packFailurePatterns(props.secrets, secretArnChars);
    groups.forEach((group, i) => {
      const pattern = failurePattern(group.map((secret) => arns.get(secret)));
      this.failureRules.push(
        new events.Rule(this, `FailureRule${i}`, {
          description: `Secrets Manager reports a failed or abandoned rotation of one of ${group.length} Ringg keys`,
          eventPattern: {
            source: pattern.source,
            detailType: pattern['detail-type'],
            detail: pattern.detail,
          },
          targets: [{ bind: () => ({ arn: props.alarmTopicArn, input: props.failureMessage }) }],
        }),
      );
    });

    const resources = props.secrets.length + groups.length;
    if (resources > CFN_RESOURCES_PER_STACK) {
      const problem =
        `Schedule stack ${props.index} would hold ${resources} resources, more than CloudFormation's ${CFN_RESOURCES_PER_STACK} per stack. ` +
        'Raise `scheduleStacks` (context value scheduleStacks); read "Many workspaces" in docs/operating.md first, ' +
        'because that moves schedules between stacks.';
      this.node.addValidation({ validate: () => [problem] });
    }
  }
}
