import { DescribeSecretCommand, ListSecretVersionIdsCommand } from '@aws-sdk/client-secrets-manager';
import { GetParameterCommand, ParameterNotFound } from '@aws-sdk/client-ssm';
import { type JournalEntry, parseJournalEntry } from '../common/journal-entry.js';
import { parameterNames } from '../common/parameter-names.js';
import { WORKSPACE_TAG_KEY } from '../common/workspace-tag.js';
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
  readonly journal: JournalEntry | undefined;
  /** Why the journal could not be read, when it exists but was not readable. */
  readonly journalProblem: string | undefined;
  readonly journalParameter: string;
  /** The tag ringg-rotation:workspace-id: the workspace the secret's key must belong to. */
  readonly workspaceTag: string | undefined;
}

export async function readSecretState(ctx: CliContext, secretId: string): Promise<SecretState> {
  const secret = await ctx.sm.send(new DescribeSecretCommand({ SecretId: secretId }));
  const stages = secret.VersionIdsToStages ?? {};
  const holder = (stage: string) => Object.entries(stages).find(([, s]) => s.includes(stage))?.[0];
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
  const journalParameter = parameterNames(ctx.config.parameterPrefix, name).journal;
  const { journal, problem } = await readJournal(ctx, journalParameter);
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
    journal: journal?.secretArn === undefined || journal.secretArn === secret.ARN ? journal : undefined,
    journalProblem: problem,
    journalParameter,
    workspaceTag: secret.Tags?.find((tag) => tag.Key === WORKSPACE_TAG_KEY)?.Value,
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

export async function readJournal(
  ctx: CliContext,
  name: string,
): Promise<{ journal: JournalEntry | undefined; problem: string | undefined }> {
  try {
    const out = await ctx.ssm.send(new GetParameterCommand({ Name: name }));
    const parsed = parseJournalEntry(out.Parameter?.Value);
    return parsed.ok
      ? { journal: parsed.entry, problem: undefined }
      : { journal: undefined, problem: `${name} does not match the journal schema: ${parsed.problem}` };
  } catch (error) {
    if (error instanceof ParameterNotFound) return { journal: undefined, problem: undefined };
    return {
      journal: undefined,
      problem: `${error instanceof Error ? error.name : 'error'} reading ${name}`,
    };
  }
}
