import { ListSecretsCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { WORKSPACE_TAG_KEY } from '../common/workspace-tag.js';
import type { Holder } from './doctor-findings.js';

/**
 * The other secrets of this account and Region whose tag says they hold Ringg workspace
 * `workspaceId` (never `selfArn`). Doctor needs no more than this; issue 19's shared-workspace module
 * can stand in for it.
 */
export type FindWorkspaceHolders = (workspaceId: string, selfArn: string) => Promise<Holder[]>;

/**
 * ListSecrets filters: at most 10 values of at most 512 characters, of these characters. A workspace
 * id that could not be sent as one is not looked for.
 * https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_Filter.html
 */
export const LIST_SECRETS_FILTER_VALUE_MAX_LENGTH = 512;
const FILTER_VALUE = /^[a-zA-Z0-9 :_@/+=.\-!]*$/;

/**
 * ListSecrets with the tag-key and tag-value filters. Both match by prefix and on any tag, so the
 * exact pair is checked here. Secrets scheduled for deletion are left out (ListSecrets' default), and
 * ListSecrets may miss tags set in the last few minutes (it is eventually consistent).
 */
export function listWorkspaceHolders(sm: SecretsManagerClient): FindWorkspaceHolders {
  return async (workspaceId, selfArn) => {
    if (
      workspaceId === '' ||
      workspaceId.startsWith('!') ||
      workspaceId.length > LIST_SECRETS_FILTER_VALUE_MAX_LENGTH ||
      !FILTER_VALUE.test(workspaceId)
    ) {
      throw new RangeError(`workspace id "${workspaceId}" cannot be sent as a ListSecrets filter value`);
    }
    const holders: Holder[] = [];
    let nextToken: string | undefined;
    do {
      const page = await sm.send(
        new ListSecretsCommand({
          MaxResults: 100,
          NextToken: nextToken,
          Filters: [
            { Key: 'tag-key', Values: [WORKSPACE_TAG_KEY] },
            { Key: 'tag-value', Values: [workspaceId] },
          ],
        }),
      );
      for (const secret of page.SecretList ?? []) {
        const tagged = secret.Tags?.some((tag) => tag.Key === WORKSPACE_TAG_KEY && tag.Value === workspaceId);
        if (tagged && secret.ARN && secret.ARN !== selfArn) {
          holders.push({ arn: secret.ARN, name: secret.Name ?? secret.ARN });
        }
      }
      nextToken = page.NextToken;
    } while (nextToken);
    return holders.sort((a, b) => a.name.localeCompare(b.name));
  };
}
