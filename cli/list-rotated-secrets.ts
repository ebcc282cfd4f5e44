import { ListSecretsCommand, type SecretListEntry } from '@aws-sdk/client-secrets-manager';
import type { CliContext } from './context.js';
import { type FunctionRef, rotatedBy } from './function-ref.js';

export interface ListedSecrets {
  /** ARNs of the secrets whose rotation function is `ref`, sorted by name. */
  readonly secretIds: string[];
  /** How many secrets ListSecrets returned in all. */
  readonly listed: number;
  /** Every secret listed, with its tags: what finds the other holders of a workspace without more calls. */
  readonly entries: SecretListEntry[];
}

/**
 * Every secret in this account and region whose rotation function is `ref`, rotation on or off.
 * ListSecrets has no filter on the rotation function, so every page is read and filtered here.
 * Secrets scheduled for deletion are left out (ListSecrets' default).
 */
export async function listRotatedSecrets(ctx: CliContext, ref: FunctionRef): Promise<ListedSecrets> {
  const found: { arn: string; name: string }[] = [];
  const entries: SecretListEntry[] = [];
  let listed = 0;
  let nextToken: string | undefined;
  do {
    const page = await ctx.sm.send(new ListSecretsCommand({ MaxResults: 100, NextToken: nextToken }));
    for (const secret of page.SecretList ?? []) {
      listed++;
      entries.push(secret);
      if (secret.ARN && rotatedBy(ref, secret.RotationLambdaARN)) {
        found.push({ arn: secret.ARN, name: secret.Name ?? secret.ARN });
      }
    }
    nextToken = page.NextToken;
  } while (nextToken);
  found.sort((a, b) => a.name.localeCompare(b.name));
  return { secretIds: found.map((secret) => secret.arn), listed, entries };
}
