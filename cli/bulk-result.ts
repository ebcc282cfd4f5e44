import { EXIT, type ExitCode } from './exit-codes.js';
import type { RotationOutcome } from './rotate-secret.js';

/** One secret of a bulk rotation: what became of its rotation, or (dry run) that it would rotate. */
export type BulkEntry =
  | RotationOutcome
  | {
      readonly secretId: string;
      readonly name: string;
      readonly result: 'would-rotate';
      readonly elapsedSeconds: number;
      readonly rotationFunction: string;
    };

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
