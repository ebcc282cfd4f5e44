/** Which workspaces several of a set of secrets hold (a bulk rotation refuses those before it starts). */

/** A secret with the workspace it holds, from its tag or from Ringg's answer for its current key. */
export interface SecretWorkspace {
  readonly arn: string;
  readonly name: string;
  /** Undefined when it could not be established (no tag, and the key not readable or not accepted). */
  readonly workspaceId: string | undefined;
  readonly source: 'tag' | 'ringg' | undefined;
}

export interface SharedWorkspace {
  readonly workspaceId: string;
  /** Two or more, sorted by name. */
  readonly secrets: readonly SecretWorkspace[];
}

/** The workspaces held by more than one of `secrets` (one entry per ARN), in order of workspace id. */
export function sharedWorkspaces(secrets: readonly SecretWorkspace[]): SharedWorkspace[] {
  const byWorkspace = new Map<string, Map<string, SecretWorkspace>>();
  for (const secret of secrets) {
    if (secret.workspaceId === undefined) continue;
    const group = byWorkspace.get(secret.workspaceId) ?? new Map<string, SecretWorkspace>();
    if (!group.has(secret.arn)) group.set(secret.arn, secret);
    byWorkspace.set(secret.workspaceId, group);
  }
  return [...byWorkspace]
    .filter(([, group]) => group.size > 1)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([workspaceId, group]) => ({
      workspaceId,
      secrets: [...group.values()].sort((a, b) => a.name.localeCompare(b.name)),
    }));
}
