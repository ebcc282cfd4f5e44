import { sharedWorkspaceMessage, type WorkspaceHolder } from '../common/workspace-holders.js';
import type { SharedHolder, WorkspaceNote } from './bulk-result.js';
import { setupBlockers } from './doctor-findings.js';
import { adviceFor } from './failure-advice.js';
import type { FunctionRef } from './function-ref.js';
import type { RotationError } from './rotate-secret.js';
import type { SecretState } from './secret-state.js';
import { type SecretWorkspace, sharedWorkspaces } from './shared-workspaces.js';

/** The code of a refusal because other secrets hold the same Ringg workspace. */
export const SHARED_WORKSPACE = 'shared-workspace';

export type Preflight =
  | { readonly kind: 'ready'; readonly rotationFunction: string }
  | {
      readonly kind: 'refuse';
      readonly error: RotationError;
      readonly pendingVersion?: string;
      readonly pendingSince?: string;
      readonly lastError?: RotationError;
    };

/**
 * Whether a bulk rotation may start a rotation of this secret. It refuses what a RotateSecret
 * would refuse (an unfinished rotation) or would do behind the operator's back (turn rotation back
 * on, or run a function other than the one asked for). Pure: the state is read beforehand. The
 * blockers are doctor's (cli/doctor-findings.ts), so doctor and the bulk rotation never disagree.
 */
export function preflight(state: SecretState, functionRef: FunctionRef | undefined): Preflight {
  const blocker = setupBlockers(state, functionRef)[0];
  const fn = state.rotationFunction;
  if (blocker === undefined && fn !== undefined) return { kind: 'ready', rotationFunction: fn };
  switch (blocker?.kind) {
    case undefined:
    case 'no-rotation-function':
      return refuse(
        'rotation-not-configured',
        `Secret ${state.name} has no rotation function, so Secrets Manager cannot rotate it.`,
      );
    case 'other-rotation-function':
      return refuse(
        'other-rotation-function',
        `Secret ${state.name} is rotated by ${blocker.rotationFunction}, not by ${blocker.expected}.`,
      );
    case 'rotation-off':
      return refuse(
        'rotation-disabled',
        `Rotation is turned off on secret ${state.name}; starting one would turn it back on, which is left to the stack.`,
      );
    case 'rotation-open': {
      const since = blocker.since?.toISOString();
      const lastError = state.lastFailure;
      return {
        kind: 'refuse',
        error: {
          code: 'previous-rotation-incomplete',
          message: `A previous rotation of ${state.name} is not complete (AWSPENDING is on version ${blocker.versionId}${since ? ` since ${since}` : ''}); Secrets Manager reattempts it and starts no new one until it finishes.`,
        },
        pendingVersion: blocker.versionId,
        pendingSince: since,
        lastError: lastError
          ? {
              code: lastError.code,
              message: adviceFor(lastError.code),
              step: lastError.step,
              at: lastError.at,
            }
          : undefined,
      };
    }
  }
}

function refuse(code: string, message: string): Preflight {
  return { kind: 'refuse', error: { code, message } };
}

/** A secret of the bulk rotation with the workspace it holds. */
export interface SelectedWorkspace extends SecretWorkspace {
  readonly rotationEnabled: boolean;
  readonly lastRotated: Date | undefined;
  /** Why the workspace is not known, when it is not. */
  readonly problem?: string;
}

/** What the account holds for one workspace: the holders found by their tag, and whether the search completed. */
export interface HolderLookup {
  readonly holders: readonly WorkspaceHolder[];
  readonly complete: boolean;
}

/**
 * Each selected secret's workspace and the other secrets holding it: the other selected ones, and
 * the ones `found` in the account by their tag. Pure: the workspaces and holders are read beforehand.
 */
export function workspaceNotes(
  selected: readonly SelectedWorkspace[],
  found: ReadonlyMap<string, HolderLookup>,
): Map<string, WorkspaceNote> {
  const selectedArns = new Set(selected.map((s) => s.arn));
  const notes = new Map<string, WorkspaceNote>();
  for (const secret of selected) {
    const id = secret.workspaceId;
    if (id === undefined) {
      notes.set(secret.arn, {
        id,
        source: undefined,
        sharedWith: [],
        searched: false,
        ...(secret.problem ? { problem: secret.problem } : {}),
      });
      continue;
    }
    const lookup = found.get(id);
    const sharedWith: SharedHolder[] = [
      ...selected
        .filter((other) => other.workspaceId === id && other.arn !== secret.arn)
        .map((other) => ({
          name: other.name,
          arn: other.arn,
          selected: true,
          rotationEnabled: other.rotationEnabled,
          lastRotated: other.lastRotated?.toISOString(),
          replicaOf: undefined,
        })),
      ...(lookup?.holders ?? [])
        .filter((holder) => holder.arn !== secret.arn && !selectedArns.has(holder.arn))
        .map((holder) => ({
          name: holder.name,
          arn: holder.arn,
          selected: false,
          rotationEnabled: holder.rotationEnabled,
          lastRotated: holder.lastRotated?.toISOString(),
          replicaOf: holder.replicaOf,
        })),
    ];
    sharedWith.sort((a, b) => a.name.localeCompare(b.name));
    notes.set(secret.arn, { id, source: secret.source, sharedWith, searched: lookup?.complete ?? false });
  }
  return notes;
}

/** The refusal of a secret whose workspace other secrets hold: rotating it would kill their key. */
export function sharedWorkspaceRefusal(name: string, note: WorkspaceNote): Preflight | undefined {
  if (note.id === undefined || note.sharedWith.length === 0) return undefined;
  const others = note.sharedWith.map((holder) => ({
    ...holder,
    lastRotated: holder.lastRotated === undefined ? undefined : new Date(holder.lastRotated),
  }));
  return refuse(SHARED_WORKSPACE, sharedWorkspaceMessage(name, note.id, others));
}

/** The workspaces that more than one secret holds, with every holder, for the summary and the JSON. */
export function sharedWorkspaceGroups(
  selected: readonly SelectedWorkspace[],
  notes: ReadonlyMap<string, WorkspaceNote>,
): { readonly workspaceId: string; readonly secrets: readonly SharedHolder[] }[] {
  const holders = new Map<string, SharedHolder>();
  const members: SecretWorkspace[] = [];
  for (const secret of selected) {
    const note = notes.get(secret.arn);
    if (!note?.id || note.sharedWith.length === 0) continue;
    members.push(secret);
    holders.set(secret.arn, {
      name: secret.name,
      arn: secret.arn,
      selected: true,
      rotationEnabled: secret.rotationEnabled,
      lastRotated: secret.lastRotated?.toISOString(),
      replicaOf: undefined,
    });
    for (const other of note.sharedWith) {
      if (holders.has(other.arn)) continue;
      holders.set(other.arn, other);
      members.push({ arn: other.arn, name: other.name, workspaceId: note.id, source: 'tag' });
    }
  }
  return sharedWorkspaces(members).map((group) => ({
    workspaceId: group.workspaceId,
    secrets: group.secrets.flatMap((secret) => holders.get(secret.arn) ?? []),
  }));
}
