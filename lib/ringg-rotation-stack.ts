import { ArnFormat, CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as sns from 'aws-cdk-lib/aws-sns';
import type { Construct } from 'constructs';
import { RinggKeyRotation } from './ringg-key-rotation.js';
import { KeyRotationSchedule } from './rotation-schedule.js';

/** The context values the ready stack reads (cdk.json, or `-c key=value`). */
export interface RinggRotationContext {
  /** Names of the secrets to rotate. */
  readonly secretNames?: string[];
  /** Complete ARNs of the secrets to rotate. */
  readonly secretArns?: string[];
  /** ARN of the customer-managed KMS key the secrets use, if any. */
  readonly kmsKeyArn?: string;
  /** `rate(30 days)`, `rate(12 hours)` or `cron(...)`. */
  readonly schedule?: string;
  /** Rotation window, e.g. `3h`. */
  readonly rotationWindow?: string;
  /** Ringg API base URL. */
  readonly ringgBaseUrl?: string;
  /** E-mail subscribed to the alarm topic the stack creates. */
  readonly alarmEmail?: string;
  /** An existing SNS topic for the alarms instead. */
  readonly alarmTopicArn?: string;
  /** `owner/name` of the GitHub repository whose workflows may rotate (creates the CI role). */
  readonly githubRepository?: string;
  /** The repository's numeric id: the CI role then also requires the token's `repository_id` claim. */
  readonly githubRepositoryId?: string;
  /** The refs whose workflows may assume the CI role. */
  readonly githubRefs?: string[];
  /** The numeric id of the repository's owner: the CI role then also requires `repository_owner_id`. */
  readonly githubOwnerId?: string;
  /** GitHub environments whose jobs may assume the CI role (instead of refs). */
  readonly githubEnvironments?: string[];
  /** `job_workflow_ref` values of the workflow files that may assume the CI role. */
  readonly githubWorkflows?: string[];
  /** ARN of a customer managed KMS key for the rotation records and the mirror (default: a new key). */
  readonly parameterKmsKeyArn?: string;
  /**
   * ARNs of the roles that may read every mirror: named in the parameter key's policy (their own IAM
   * policy must allow ssm:GetParameter on the mirror parameters; this stack does not change them).
   */
  readonly mirrorReaderArns?: string[];
  /** The function's reserved concurrency (default 10). */
  readonly maxConcurrentRotations?: number;
  /** Nested stacks holding the schedules (default 10). Set once: changing it moves schedules. */
  readonly scheduleStacks?: number;
  /** SSM path of the rotation records. */
  readonly parameterPrefix?: string;
  /** SSM path under which each secret's key is mirrored to a SecureString (off when absent). */
  readonly parameterStoreMirrorPrefix?: string;
}

/** Wires context values into {@link RinggKeyRotation}, and outputs what operators and CI need. */
export class RinggRotationStack extends Stack {
  /** The construct, configured from the context values. */
  readonly rotation: RinggKeyRotation;

  constructor(scope: Construct, id: string, context: RinggRotationContext, props?: StackProps) {
    super(scope, id, props);
    const names = context.secretNames ?? [];
    const arns = context.secretArns ?? [];
    if (names.length + arns.length === 0) {
      throw new Error(
        'Set the context value "secretNames" (or "secretArns") to the secrets holding Ringg keys, e.g. -c secretNames=\'["ringg/prod"]\'.',
      );
    }
    const encryptionKey = context.kmsKeyArn
      ? kms.Key.fromKeyArn(this, 'SecretsKey', context.kmsKeyArn)
      : undefined;
    const secrets = [
      ...names.map((secretName, i) =>
        encryptionKey
          ? secretsmanager.Secret.fromSecretAttributes(this, `SecretByName${i}`, {
              secretPartialArn: this.formatArn({
                service: 'secretsmanager',
                resource: 'secret',
                resourceName: secretName,
                arnFormat: ArnFormat.COLON_RESOURCE_NAME,
              }),
              encryptionKey,
            })
          : secretsmanager.Secret.fromSecretNameV2(this, `SecretByName${i}`, secretName),
      ),
      ...arns.map((secretCompleteArn, i) =>
        secretsmanager.Secret.fromSecretAttributes(this, `SecretByArn${i}`, {
          secretCompleteArn,
          encryptionKey,
        }),
      ),
    ];

    this.rotation = new RinggKeyRotation(this, 'RinggKeyRotation', {
      secrets,
      schedule: context.schedule
        ? KeyRotationSchedule.parse(context.schedule, context.rotationWindow)
        : undefined,
      ringgBaseUrl: context.ringgBaseUrl,
      alarmEmail: context.alarmEmail,
      alarmTopic: context.alarmTopicArn
        ? sns.Topic.fromTopicArn(this, 'AlarmTopic', context.alarmTopicArn)
        : undefined,
      ciRole: context.githubRepository
        ? {
            repository: context.githubRepository,
            repositoryId: context.githubRepositoryId,
            ownerId: context.githubOwnerId,
            refs: context.githubRefs,
            environments: context.githubEnvironments,
            workflows: context.githubWorkflows,
          }
        : undefined,
      maxConcurrentRotations: context.maxConcurrentRotations,
      scheduleStacks: context.scheduleStacks,
      parameterPrefix: context.parameterPrefix,
      parameterStoreMirror: context.parameterStoreMirrorPrefix
        ? { prefix: context.parameterStoreMirrorPrefix }
        : undefined,
      parameterEncryptionKey: context.parameterKmsKeyArn
        ? kms.Key.fromKeyArn(this, 'ParameterKey', context.parameterKmsKeyArn)
        : undefined,
    });
    (context.mirrorReaderArns ?? []).forEach((arn, i) => {
      this.rotation.grantReadMirror(iam.Role.fromRoleArn(this, `MirrorReader${i}`, arn, { mutable: false }));
    });

    new CfnOutput(this, 'FunctionName', {
      description: 'The rotation function: ringg-rotate rotate --all --function <this>',
      value: this.rotation.functionName,
    });
    new CfnOutput(this, 'FunctionArn', { value: this.rotation.function.functionArn });
    new CfnOutput(this, 'AlarmTopicArn', { value: this.rotation.alarmTopic.topicArn });
    new CfnOutput(this, 'ParameterKeyArn', { value: this.rotation.parameterEncryptionKey.keyArn });
    if (this.rotation.ciRole) new CfnOutput(this, 'CiRoleArn', { value: this.rotation.ciRole.roleArn });
  }
}
