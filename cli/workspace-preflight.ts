import type { SecretListEntry } from '@aws-sdk/client-secrets-manager';
import { findWorkspaceHolders, holdersIn } from '../common/workspace-holders.js';
import { usableWorkspaceId } from '../common/workspace-tag.js';
import type { CliContext } from './context.js';
import { checkWithRingg, readCurrentValue } from './key-check.js';
import { mapWithConcurrency } from './parallel.js';
import type { HolderLookup, SelectedWorkspace } from './preflight.js';
import type { SecretState } from './secret-state.js';

/**
 * The workspace a secret holds: its tag ringg-rotation:workspace-id, else Ringg's answer for its
 * AWSCURRENT key (GET /workspace, which changes nothing), when these credentials may read it.
 */
export async function establishWorkspace(
  ctx: CliContext,
  state: SecretState,
  /** False for a secret this project's function does not rotate: its value may not be a Ringg key at all. */
  askRingg: boolean,
): Promise<SelectedWorkspace> {
  const base = {
    arn: state.arn,
    name: state.name,
    rotationEnabled: state.rotationEnabled,
    lastRotated: state.lastRotated,
  };
  if (state.workspaceTag !== undefined) return { ...base, workspaceId: state.workspaceTag, source: 'tag' };
  const unknown = (problem: string) => ({ ...base, workspaceId: undefined, source: undefined, problem });
  if (!askRingg) return unknown('no workspace tag, and not rotated by this function');
  const current = await readCurrentValue(ctx, state.arn);
  if (current.kind === 'unreadable') return unknown(`no workspace tag, and ${current.reason}`);
  const check = await checkWithRingg(ctx, current.value.apiKey);
  if (check.kind === 'rejected') return unknown('no workspace tag, and Ringg rejects its AWSCURRENT key');
  if (check.kind === 'unavailable')
    return unknown(`no workspace tag, and Ringg did not answer (${check.detail})`);
  const id = usableWorkspaceId(check.workspaceId);
  return id === undefined
    ? unknown('no workspace tag, and Ringg named no usable workspace id')
    : { ...base, workspaceId: id, source: 'ringg' };
}

export interface HolderLookups {
  readonly byWorkspace: Map<string, HolderLookup>;
  /** One line per workspace whose holders could not be looked for, e.g. a missing ListSecrets permission. */
  readonly problems: string[];
}

/**
 * The secrets of this account and Region tagged with each workspace: from the `listing` that
 * `--all` already read, else one ListSecrets search per workspace, `parallel` at once.
 */
export async function lookUpHolders(
  ctx: CliContext,
  workspaceIds: readonly string[],
  parallel: number,
  listing: readonly SecretListEntry[] | undefined,
): Promise<HolderLookups> {
  const byWorkspace = new Map<string, HolderLookup>();
  const problems: string[] = [];
  const distinct = [...new Set(workspaceIds)];
  if (listing) {
    for (const id of distinct) byWorkspace.set(id, { holders: holdersIn(listing, id, ''), complete: true });
    return { byWorkspace, problems };
  }
  await mapWithConcurrency(distinct, parallel, async (workspaceId) => {
    try {
      const search = await findWorkspaceHolders(ctx.sm, { workspaceId, secretArn: '' });
      byWorkspace.set(workspaceId, { holders: search.others, complete: search.complete });
      if (!search.complete)
        problems.push(
          `The search for other secrets holding workspace ${workspaceId} stopped after ${search.pagesRead} ListSecrets pages; there may be more.`,
        );
    } catch (error) {
      const code = error instanceof Error ? error.name : 'Error';
      problems.push(
        `Could not look for other secrets holding workspace ${workspaceId} (ListSecrets: ${code}); only the selected secrets were compared. The caller needs secretsmanager:ListSecrets on "*".`,
      );
    }
  });
  return { byWorkspace, problems };
}
