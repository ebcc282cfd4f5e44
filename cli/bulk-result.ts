import { EXIT, type ExitCode } from './exit-codes.js';
import type { RotationOutcome } from './rotate-secret.js';

/** Another secret holding the same Ringg workspace as a secret of the bulk rotation. */
export interface SharedHolder {
  readonly name: string;
  readonly arn: string;
  /** Whether it is one of the secrets this bulk rotation was asked to rotate. */
  readonly selected: boolean;
  readonly rotationEnabled: boolean;
  readonly lastRotated: string | undefined;
  /** For a replica: the Region of its primary, where its rotation runs. */
  readonly replicaOf: string | undefined;
}

/** The Ringg workspace a secret holds, as the preflight established it. */
export interface WorkspaceNote {
  /** Undefined when it could not be established (no tag, and the key not readable or not accepted here). */
  readonly id: string | undefined;
  /** Where the id came from: the secret's tag, or Ringg's answer for its AWSCURRENT key. */
  readonly source: 'tag' | 'ringg' | undefined;
  /** The other secrets holding it, selected or found in the account by their tag. */
  readonly sharedWith: readonly SharedHolder[];
  /** Whether every other holder in this account and Region was looked for (false: ListSecrets failed or was cut short). */
  readonly searched: boolean;
  /** Why the workspace is not known, when it is not. */
  readonly problem?: string;
}

/** One secret of a bulk rotation: what became of its rotation, or (dry run) that it would rotate. */
export type BulkEntry = (
  | RotationOutcome
  | {
      readonly secretId: string;
      readonly name: string;
      readonly result: 'would-rotate';
      readonly elapsedSeconds: number;
      readonly rotationFunction: string;
    }
) & { readonly workspace?: WorkspaceNote };

export type Category = 'rotated' | 'failed' | 'refused';

/**
 * rotated: the key rotated (or, in a dry run, would). failed: a rotation started and did not end
 * with a working new key, or the CLI lost sight of it. refused: nothing was started or changed.
 */
export function categoryOf(entry: BulkEntry): Category {
  switch (entry.result) {
    case 'rotated':
    case 'would-rotate':
    case 'started':
      return 'rotated';
    case 'failed':
    case 'timed-out':
    case 'key-rejected':
      return 'failed';
    case 'refused':
      return 'refused';
  }
}

export interface BulkCounts {
  readonly total: number;
  readonly rotated: number;
  readonly failed: number;
  readonly refused: number;
}

export function countEntries(entries: readonly BulkEntry[]): BulkCounts {
  const counts = { total: entries.length, rotated: 0, failed: 0, refused: 0 };
  for (const entry of entries) counts[categoryOf(entry)]++;
  return counts;
}

/**
 * Exit code precedence: 1 if any secret failed (its key may need a person now), else 3 if any was
 * refused (nothing changed for it), else 0. An empty selection is a refusal: nothing was rotated.
 */
export function bulkExitCode(counts: BulkCounts): ExitCode {
  if (counts.failed > 0) return EXIT.failed;
  if (counts.refused > 0 || counts.total === 0) return EXIT.refused;
  return EXIT.ok;
}

/** The error code an entry reports, if any: for a timeout, the last error of its attempts. */
export function errorCodeOf(entry: BulkEntry): string | undefined {
  switch (entry.result) {
    case 'failed':
    case 'refused':
      return entry.error.code;
    case 'timed-out':
      return entry.error?.code ?? 'timed-out';
    case 'key-rejected':
      return 'key-rejected';
    default:
      return undefined;
  }
}
