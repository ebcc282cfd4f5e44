import { DescribeSecretCommand, ListSecretVersionIdsCommand } from '@aws-sdk/client-secrets-manager';
import { versionHolding } from '../common/labels.js';
import {
  FAILURE_TAG_KEY,
  type FailureTag,
  parseFailureTag,
  WORKSPACE_TAG_KEY,
} from '../common/workspace-tag.js';
import type { CliContext } from './context.js';

export interface SecretState {
  readonly arn: string;
  readonly name: string;
  readonly rotationEnabled: boolean;
  readonly rotationFunction: string | undefined;
  readonly schedule: string | undefined;
  readonly window: string | undefined;
  readonly lastRotated: Date | undefined;
  readonly nextRotation: Date | undefined;
  readonly labels: { readonly current?: string; readonly pending?: string; readonly previous?: string };
  /** AWSPENDING on a version that is not AWSCURRENT: a rotation that has not finished. */
  readonly stuck: { readonly versionId: string; readonly since: Date | undefined } | undefined;
  /** The function's tag ringg-rotation:last-failure: the last failed step, until a rotation finishes. */
  readonly lastFailure: FailureTag | undefined;
  /** The tag ringg-rotation:workspace-id: the workspace the secret's key must belong to. */
  readonly workspaceTag: string | undefined;
}

export async function readSecretState(ctx: CliContext, secretId: string): Promise<SecretState> {
  const secret = await ctx.sm.send(new DescribeSecretCommand({ SecretId: secretId }));
  const stages = secret.VersionIdsToStages ?? {};
  const holder = (stage: string) => versionHolding(stages, stage);
  const labels = {
    current: holder('AWSCURRENT'),
    pending: holder('AWSPENDING'),
    previous: holder('AWSPREVIOUS'),
  };
  let stuck: SecretState['stuck'];
  if (labels.pending !== undefined && labels.pending !== labels.current) {
    stuck = { versionId: labels.pending, since: await versionCreated(ctx, secretId, labels.pending) };
  }
  const name = secret.Name ?? secretId;
  const tag = (key: string) => secret.Tags?.find((t) => t.Key === key)?.Value;
  const rules = secret.RotationRules;
  return {
    arn: secret.ARN ?? secretId,
    name,
    rotationEnabled: secret.RotationEnabled === true,
    rotationFunction: secret.RotationLambdaARN,
    schedule:
      rules?.ScheduleExpression ??
      (rules?.AutomaticallyAfterDays ? `rate(${rules.AutomaticallyAfterDays} days)` : undefined),
    window: rules?.Duration,
    lastRotated: secret.LastRotatedDate,
    nextRotation: secret.NextRotationDate,
    labels,
    stuck,
    lastFailure: parseFailureTag(tag(FAILURE_TAG_KEY)),
    workspaceTag: tag(WORKSPACE_TAG_KEY),
  };
}

async function versionCreated(
  ctx: CliContext,
  secretId: string,
  versionId: string,
): Promise<Date | undefined> {
  try {
    const out = await ctx.sm.send(
      new ListSecretVersionIdsCommand({ SecretId: secretId, IncludeDeprecated: false }),
    );
    return out.Versions?.find((v) => v.VersionId === versionId)?.CreatedDate;
  } catch {
    return undefined;
  }
}
