import {
  type Filter,
  ListSecretsCommand,
  type SecretListEntry,
  type SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { usableWorkspaceId, WORKSPACE_TAG_KEY } from './workspace-tag.js';

/**
 * Which secrets hold the key of one Ringg workspace. A workspace has exactly one live key, so two
 * secrets holding it cannot both be rotated: each rotation kills the key the other holds. The
 * function tags every secret it rotates with its workspace (common/workspace-tag.ts), which is what
 * finds the others. The adapter reads ListSecrets; everything else here is pure.
 */

/**
 * ListSecrets' largest page (MaxResults 1-100). It may return fewer, even none, with a NextToken
 * when there are more: a filtered page can be empty.
 * https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_ListSecrets.html
 */
export const LIST_SECRETS_MAX_RESULTS = 100;

/**
 * A ListSecrets filter value: at most 512 characters of letters, digits and ` :_@/+=.-!`, a leading
 * `!` negating it; tag-key and tag-value match by prefix, case-sensitively, and each matches any tag,
 * not necessarily the same one, so every match is checked again here.
 * https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_Filter.html
 */
export const LIST_SECRETS_FILTER_VALUE_MAX_LENGTH = 512;

/**
 * Pages read at most for one workspace: 2,000 secrets scanned at 100 a page. A page filtered by tag
 * usually holds the matches themselves, so this is reached only in an account with very many
 * secrets where the service returns empty filtered pages; the search then says it is incomplete
 * rather than reading on inside a rotation step.
 */
export const MAX_WORKSPACE_HOLDER_PAGES = 20;

/** A secret that holds a key of the workspace, from its ListSecrets entry. Never holds a value. */
export interface WorkspaceHolder {
  readonly arn: string;
  readonly name: string;
  readonly rotationEnabled: boolean;
  readonly rotationFunction: string | undefined;
  readonly lastRotated: Date | undefined;
  readonly lastChanged: Date | undefined;
  /** For a replica: the Region of its primary secret, where its rotation runs. */
  readonly replicaOf: string | undefined;
}

export interface WorkspaceHolderSearch {
  readonly workspaceId: string;
  /** The secrets of this account and Region, other than the one asked about, tagged with the workspace. */
  readonly others: readonly WorkspaceHolder[];
  /** False when MAX_WORKSPACE_HOLDER_PAGES stopped the search: there may be more. */
  readonly complete: boolean;
  readonly pagesRead: number;
}

export interface FindWorkspaceHoldersInput {
  readonly workspaceId: string;
  /** The full ARN of the secret asked about, left out of the answer. */
  readonly secretArn: string;
  /** @default MAX_WORKSPACE_HOLDER_PAGES */
  readonly maxPages?: number;
}

/** The ListSecrets filters that find the secrets tagged with `workspaceId` (and some that are not). */
export function workspaceHolderFilters(workspaceId: string): Filter[] {
  const id = usableWorkspaceId(workspaceId);
  if (id === undefined || id !== workspaceId || id.length > LIST_SECRETS_FILTER_VALUE_MAX_LENGTH) {
    throw new TypeError(
      `"${workspaceId}" is not a Ringg workspace id that can be searched for (letters, digits and _ . : / = + - @, at most 256 characters).`,
    );
  }
  return [
    { Key: 'tag-key', Values: [WORKSPACE_TAG_KEY] },
    { Key: 'tag-value', Values: [id] },
  ];
}

/** Whether a ListSecrets entry carries exactly the tag ringg-rotation:workspace-id = `workspaceId`. */
export function holdsWorkspace(entry: SecretListEntry, workspaceId: string): boolean {
  return (entry.Tags ?? []).some((tag) => tag.Key === WORKSPACE_TAG_KEY && tag.Value === workspaceId);
}

/** The entries that hold `workspaceId`, other than `secretArn`, as holders. */
export function holdersIn(
  entries: readonly SecretListEntry[],
  workspaceId: string,
  secretArn: string,
): WorkspaceHolder[] {
  return entries
    .filter(
      (entry) => entry.ARN !== undefined && entry.ARN !== secretArn && holdsWorkspace(entry, workspaceId),
    )
    .map(toHolder)
    .sort((a, b) => a.name.localeCompare(b.name));
}

function toHolder(entry: SecretListEntry): WorkspaceHolder {
  const arn = entry.ARN ?? '';
  const region = arn.split(':')[3];
  return {
    arn,
    name: entry.Name ?? arn,
    rotationEnabled: entry.RotationEnabled === true,
    rotationFunction: entry.RotationLambdaARN,
    lastRotated: entry.LastRotatedDate,
    lastChanged: entry.LastChangedDate,
    replicaOf:
      entry.PrimaryRegion !== undefined && entry.PrimaryRegion !== region ? entry.PrimaryRegion : undefined,
  };
}

/**
 * The other secrets of this account and Region that hold `workspaceId` (by its tag), at most
 * `maxPages` ListSecrets pages. Throws the SDK's error when ListSecrets fails (it needs
 * secretsmanager:ListSecrets, which IAM grants only on "*").
 */
export async function findWorkspaceHolders(
  client: SecretsManagerClient,
  input: FindWorkspaceHoldersInput,
): Promise<WorkspaceHolderSearch> {
  const Filters = workspaceHolderFilters(input.workspaceId);
  const maxPages = input.maxPages ?? MAX_WORKSPACE_HOLDER_PAGES;
  const entries: SecretListEntry[] = [];
  let nextToken: string | undefined;
  let pagesRead = 0;
  do {
    const page = await client.send(
      new ListSecretsCommand({ Filters, MaxResults: LIST_SECRETS_MAX_RESULTS, NextToken: nextToken }),
    );
    pagesRead++;
    entries.push(...(page.SecretList ?? []));
    nextToken = page.NextToken;
  } while (nextToken && pagesRead < maxPages);
  return {
    workspaceId: input.workspaceId,
    others: holdersIn(entries, input.workspaceId, input.secretArn),
    complete: !nextToken,
    pagesRead,
  };
}

export type WorkspaceSharing =
  /** No other secret of this account and Region holds the workspace. */
  | { readonly kind: 'alone' }
  /** Rotating this secret would kill the key the others hold: refuse before anything destructive. */
  | { readonly kind: 'shared'; readonly others: readonly WorkspaceHolder[] }
  /** The search stopped at its page bound before finding another holder. */
  | { readonly kind: 'unverified'; readonly pagesRead: number };

export function workspaceSharing(search: WorkspaceHolderSearch): WorkspaceSharing {
  if (search.others.length > 0) return { kind: 'shared', others: search.others };
  return search.complete ? { kind: 'alone' } : { kind: 'unverified', pagesRead: search.pagesRead };
}

/**
 * Of the secrets holding the workspace, the one most likely to hold its live key: the one rotated
 * (or, never rotated, written) last, since each rotation kills the key every other copy holds.
 */
export function likelyLiveKeyHolder(holders: readonly WorkspaceHolder[]): WorkspaceHolder | undefined {
  const when = (h: WorkspaceHolder) => (h.lastRotated ?? h.lastChanged)?.getTime() ?? 0;
  return [...holders].sort((a, b) => when(b) - when(a) || a.name.localeCompare(b.name))[0];
}

const isoDate = (date: Date | undefined) => date?.toISOString();

/** What a message says of a holder. */
export type HolderSummary = Pick<WorkspaceHolder, 'name' | 'rotationEnabled' | 'lastRotated' | 'replicaOf'>;

/** A holder for a message: its name, where it rotates, and when it last did. Never a value. */
export function describeHolder(holder: HolderSummary): string {
  const details = [
    holder.replicaOf ? `a replica of a secret in ${holder.replicaOf}, rotated there` : undefined,
    `rotation ${holder.rotationEnabled ? 'on' : 'off'}`,
    holder.lastRotated ? `last rotated ${isoDate(holder.lastRotated)}` : undefined,
  ].filter(Boolean);
  return `"${holder.name}" (${details.join(', ')})`;
}

function listOf(items: readonly string[]): string {
  if (items.length <= 1) return items.join('');
  return `${items.slice(0, -1).join(', ')} and ${items.at(-1)}`;
}

/** What keeping one secret per workspace means, for the end of a message. */
export const ONE_SECRET_PER_WORKSPACE =
  'Keep one secret per workspace: serve other Regions with replica secrets of it (the rotation runs in ' +
  'the primary; replicas follow) and other accounts with a resource policy on it (docs/workspaces.md).';

/**
 * Why a rotation of `secretName` is refused before anything destructive: the other secrets that
 * hold its workspace, and what to do.
 */
export function sharedWorkspaceMessage(
  secretName: string,
  workspaceId: string,
  others: readonly HolderSummary[],
): string {
  const names = others.map(describeHolder);
  const one = others.length === 1;
  return (
    `Secret "${secretName}" holds the key of Ringg workspace ${workspaceId}, and so ${one ? 'does secret' : 'do secrets'} ` +
    `${listOf(names)}. A workspace has one live key: rotating "${secretName}" would kill the key ` +
    `${one ? 'the other holds' : 'the others hold'}, and ${one ? 'its' : 'their'} rotation would kill this one's. ` +
    'Nothing was changed. Remove the extra secret, or its rotation (take it out of the stack and deploy, or ' +
    `aws secretsmanager cancel-rotate-secret --secret-id <it>). ${ONE_SECRET_PER_WORKSPACE}`
  );
}

/**
 * Why Ringg rejects the AWSCURRENT key of `secretName` when other secrets hold its workspace: the
 * likeliest one's rotation killed it, and that secret holds the live key. Says never to regenerate
 * in the dashboard, which would kill that live key too. `holders` must not be empty.
 */
export function killedByOtherRotationMessage(
  secretName: string,
  workspaceId: string,
  holders: readonly WorkspaceHolder[],
): string {
  const live = likelyLiveKeyHolder(holders);
  if (!live) throw new RangeError('killedByOtherRotationMessage needs at least one other holder');
  const rest = holders.filter((h) => h !== live).map((h) => `"${h.name}"`);
  const when = live.lastRotated ? `, last rotated ${isoDate(live.lastRotated)}` : '';
  return (
    `Ringg rejects the AWSCURRENT key of secret "${secretName}", and secret "${live.name}" holds a key of the ` +
    `same Ringg workspace ${workspaceId}${when}${live.replicaOf ? ` (a replica; its primary in ${live.replicaOf} rotates)` : ''}: ` +
    `its rotation most likely killed this secret's key, and "${live.name}" holds the workspace's live key. ` +
    'Nothing was regenerated. Do not regenerate the key in the Ringg dashboard: that would kill the live key ' +
    `in "${live.name}" too. Check it with \`ringg-rotate status --secret-id ${live.name} --check\`. To restore ` +
    `this secret's consumers, copy its AWSCURRENT into this secret (aws secretsmanager get-secret-value ` +
    `--secret-id ${live.name} --query SecretString --output text, the "apiKey" field of a JSON value, piped to ` +
    `\`ringg-rotate recover --secret-id ${secretName}\`). To stop it happening again, point this secret's ` +
    `consumers at "${live.name}" and delete this secret, or at least its rotation (take it out of the stack, ` +
    `or aws secretsmanager cancel-rotate-secret --secret-id ${secretName}; its copy then goes stale at the ` +
    `next rotation of "${live.name}"). ${ONE_SECRET_PER_WORKSPACE}` +
    (rest.length > 0 ? ` Other secrets of that workspace: ${listOf(rest)}.` : '')
  );
}
