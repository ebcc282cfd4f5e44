import { type BulkEntry, categoryOf, errorCodeOf } from './bulk-result.js';

/**
 * What an operator does about each error code, in one sentence; the README runbook has the detail.
 * Codes come from the rotation function (its failure tag), from Secrets Manager, or from the CLI itself.
 */
const KEY_LOST =
  'Key lost: look for a copy of the new key first (README "Key lost", step 0); only if there is none, regenerate the key in the Ringg dashboard, then `ringg-rotate recover --secret-id <secret>`.';

const ADVICE: Record<string, string> = {
  'current-key-rejected': `Ringg rejects AWSCURRENT; nothing was regenerated. ${KEY_LOST}`,
  'new-key-lost': KEY_LOST,
  'new-key-unusable': `Ringg regenerated but answered with a key that breaks the key rule; the old key is dead. ${KEY_LOST}`,
  'rescue-unreadable':
    'Nothing was regenerated. Inspect the rotation record named in the error: if it holds the live key, `ringg-rotate recover`; otherwise delete it, then rotate again.',
  'record-not-written':
    "Nothing was regenerated or changed; Secrets Manager retries. If it persists, check SSM reachability and the function's access to its rotation records and their KMS key.",
  'kms-key-refused':
    "The secret's KMS key refused (disabled, pending deletion, or its policy). If a new key was issued it waits in the rotation record; enable the key or fix its policy and Secrets Manager's retry stores it. Do not regenerate in the dashboard.",
  'secret-written-during-rotation':
    'Someone wrote the secret during the rotation; the message names the version that holds the live key: store it with `ringg-rotate recover`. Do not regenerate in the dashboard.',
  'promotion-refused':
    'The new key is safe in AWSPENDING; Secrets Manager retries finishSecret. If it persists, check secretsmanager:UpdateSecretVersionStage for the function role.',
  'regenerate-in-progress':
    'Another delivery of this rotation is regenerating; nothing was changed by this one. Watch it with `ringg-rotate status --secret-id <secret>`.',
  'too-many-regenerate-attempts':
    'The rotation stopped after 10 regenerate attempts; the old key still works. Read the function logs, fix the cause, rotate again.',
  'secret-too-large':
    'The new value could exceed 65,536 bytes; nothing was regenerated. Shrink the JSON value of AWSCURRENT, then rotate again.',
  'workspace-unknown':
    "The secret's workspace cannot be established; nothing was promoted. Tag the secret with the workspace id (the message has the command).",
  'aws-call-timeout':
    'A Secrets Manager or SSM call did not answer in time; Secrets Manager retries. If it persists, check the function can reach both endpoints.',
  'key-rejected': `The rotation finished but Ringg rejects the new AWSCURRENT. ${KEY_LOST}`,
  'new-key-rejected':
    'Secrets Manager retries the rotation; if it keeps failing, compare the Ringg dashboard with AWSPENDING/AWSCURRENT and store the live key with `ringg-rotate recover` (README "Key lost", from step 0).',
  'key-mismatch':
    'Do not regenerate: Ringg accepts the stored key but names another as live. Find the live key in the dashboard and store it with `ringg-rotate recover`.',
  'wrong-workspace':
    "Do not regenerate: if the message says the new key is kept, the secret's tag ringg-rotation:workspace-id was most likely changed; set it back with the command in the message and the next attempt finishes. For AWSCURRENT, fix the tag or store the right workspace's key with `ringg-rotate recover`.",
  'permission-denied':
    "Ringg answered 403: the key may not manage API keys. Store a workspace administrator's key with `ringg-rotate recover`, then rotate again.",
  'ringg-unavailable':
    'Ringg did not answer usefully (5xx, 429 or timeouts); nothing was lost. Check Ringg status, then rotate this secret again (with a lower --parallel if Ringg answered 429).',
  'regenerate-outcome-unknown':
    'Secrets Manager retries and the next attempt checks first; watch it with `ringg-rotate status --secret-id <secret>`.',
  'new-key-rescued':
    'The new key is safe in the rescue parameter and the next attempt stores it; if it stays stuck, README "Rotation stuck".',
  'new-key-unsaved':
    'Fix the function role (PutSecretValue, PutParameter); if the next attempt does not finish, README "Key lost".',
  'secret-write-conflict':
    'Do not regenerate: the new key is in the rescue parameter named in the error. Read it (aws ssm get-parameter --with-decryption) and store it with `ringg-rotate recover`.',
  'new-key-not-readable':
    'Do not regenerate: the new key is on its way into AWSPENDING and Secrets Manager retries the rotation; if it stays stuck, README "Rotation stuck".',
  'pending-version-empty': '`ringg-rotate status --secret-id <secret>` shows why; README "Rotation stuck".',
  'invalid-secret-value':
    'Fix the secret value (README "Secret formats"); nothing was changed. Then rotate again.',
  'invalid-configuration': 'Fix the function\'s environment (README "Configuration") and redeploy.',
  'rotation-not-enabled':
    'Rotation was turned off meanwhile; deploy the stack to turn it on, then rotate again.',
  'rotation-abandoned':
    'A new value was written to the secret during the rotation; find who wrote it (CloudTrail PutSecretValue), check the key works (`ringg-rotate status --check`), then rotate again.',
  'previous-rotation-incomplete':
    'An earlier rotation is unfinished and Secrets Manager reattempts it itself: `ringg-rotate status --secret-id <secret>`, then README "Rotation stuck".',
  'rotation-disabled':
    'Rotation is turned off on this secret and the CLI will not turn it on: deploy the stack (or enable rotation), then rotate again.',
  'rotation-not-configured':
    'No rotation function is set: add the secret to the stack (secretNames/secretArns), deploy, then rotate.',
  'other-rotation-function':
    "Another function rotates this secret: leave it out, or check that --function names this project's function.",
  'timed-out':
    'Not finished in time; Secrets Manager may still finish it: `ringg-rotate status --secret-id <secret>`, or rotate again with a longer --timeout.',
  ResourceNotFoundException: 'No such secret here: check the name or ARN and the region (AWS_REGION).',
  AccessDeniedException:
    "These credentials may not rotate this secret: the CI role covers only the stack's secrets; use credentials that may.",
};

const UNKNOWN =
  '`ringg-rotate status --secret-id <secret>` shows its state and last failure; then the runbook in docs.';

export function adviceFor(code: string): string {
  return ADVICE[code] ?? UNKNOWN;
}

/** Advice for a secret that did not rotate; a timeout also gets its last error's advice. */
export function adviceForEntry(entry: BulkEntry): string | undefined {
  if (categoryOf(entry) === 'rotated') return undefined;
  if (entry.result === 'timed-out') {
    const base = ADVICE['timed-out'] ?? UNKNOWN;
    return entry.error ? `${base} Last error ${entry.error.code}: ${adviceFor(entry.error.code)}` : base;
  }
  return adviceFor(errorCodeOf(entry) ?? '');
}
