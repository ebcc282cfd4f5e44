import type { RotationOutcome } from './rotate-secret.js';

/** The JSON form of one rotation's outcome, for `--json`; the same for one secret and for many. */
export function outcomeJson(outcome: RotationOutcome): Record<string, unknown> {
  const { secretId, result, elapsedSeconds } = outcome;
  const common = { secretId, name: outcome.name, result, elapsedSeconds };
  switch (outcome.result) {
    case 'started':
      return { ...common, token: outcome.token };
    case 'refused':
      return {
        ...common,
        error: outcome.error,
        pendingVersion: outcome.pendingVersion,
        pendingSince: outcome.pendingSince,
        lastError: outcome.lastError,
      };
    case 'failed':
    case 'timed-out':
      return { ...common, token: outcome.token, step: outcome.step, error: outcome.error };
    case 'rotated':
      return {
        ...common,
        token: outcome.token,
        key: outcome.key,
        workspaceId: outcome.workspaceId,
        checkProblem: outcome.checkProblem,
      };
    case 'key-rejected':
      return { ...common, token: outcome.token, key: outcome.key, status: outcome.status };
  }
}
