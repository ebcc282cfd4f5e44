import { WORKSPACE_TAG_KEY } from '../common/workspace-tag.js';
import { type BulkEntry, categoryOf, errorCodeOf, type WorkspaceNote } from './bulk-result.js';

/**
 * What an operator does about each error code, in one sentence; the README runbook has the detail.
 * Codes come from the rotation function (its failure tag), from Secrets Manager, or from the CLI itself.
 */
const KEY_LOST =
  'Key lost: look for a copy of the new key first (README "Key lost", step 0); only if there is none, regenerate the key in the Ringg dashboard, then `ringg-rotate recover --secret-id <secret>`.';

const ONE_SECRET =
  'keep one secret per workspace (docs/workspaces.md: replica secrets for other Regions, a resource policy for other accounts)';

/**
 * A rejected key may have been killed by the rotation of another secret holding the same workspace,
 * which then holds its live key: that copy comes first, and the dashboard (which would kill it) last.
 */
function lookForTheLiveKey(note: WorkspaceNote | undefined, then: string): string {
  const copy = (holder: string) =>
    `aws secretsmanager get-secret-value --secret-id ${holder} --query SecretString --output text (its "apiKey" field for a JSON value) | ringg-rotate recover --secret-id <secret>`;
  const others = note?.sharedWith ?? [];
  if (note?.id && others.length > 0) {
    const names = others.map((o) => `"${o.name}"`).join(', ');
    const live =
      [...others].sort((a, b) => (b.lastRotated ?? '').localeCompare(a.lastRotated ?? ''))[0]?.name ??
      '<other secret>';
    return `Do not regenerate in the Ringg dashboard: ${names} also hold${others.length === 1 ? 's' : ''} workspace ${note.id}, and "${live}" (rotated last) most likely holds its live key (its rotation killed this copy). Check it (\`ringg-rotate status --secret-id ${live} --check\`), copy its AWSCURRENT here (${copy(live)}), and ${ONE_SECRET}.`;
  }
  const workspace = note?.id ?? '<workspace id>';
  const searched =
    note?.id && note.searched
      ? `No other secret in this Region has the tag ${WORKSPACE_TAG_KEY}=${note.id}; `
      : '';
  return `First look for another secret holding this workspace's live key (a copy whose rotation killed this one): ${searched}look in the other Regions and accounts (aws secretsmanager list-secrets --filters Key=tag-key,Values=${WORKSPACE_TAG_KEY} Key=tag-value,Values=${workspace}) and for untagged copies. If one holds it, copy its AWSCURRENT here (${copy('<that secret>')}) and ${ONE_SECRET}. Only if none exists: ${then}`;
}

/** Advice that depends on what the bulk rotation knows of the secret's workspace. */
const WORKSPACE_ADVICE: Record<string, (note: WorkspaceNote | undefined) => string> = {
  'current-key-rejected': (note) =>
    `Ringg rejects AWSCURRENT; nothing was regenerated. ${lookForTheLiveKey(note, KEY_LOST)}`,
  'new-key-rejected': (note) =>
    `Secrets Manager retries the rotation; if it keeps failing: ${lookForTheLiveKey(note, 'compare the Ringg dashboard with AWSPENDING/AWSCURRENT and store the live key with `ringg-rotate recover` (README "Key lost", from step 0).')}`,
  'key-rejected': (note) =>
    `The rotation finished but Ringg rejects the new AWSCURRENT. ${lookForTheLiveKey(note, KEY_LOST)}`,
};

const ADVICE: Record<string, string> = {
  'shared-workspace':
    'Nothing was changed: other secrets hold the same Ringg workspace (the "Shared workspaces" list and the error message name them), and rotating one kills the key the others hold. Keep one secret per workspace: delete the extra secrets or take their rotation out of the stack (or aws secretsmanager cancel-rotate-secret), serve other Regions with replica secrets and other accounts with a resource policy (docs/workspaces.md), then rotate the one left.',
  'new-key-lost': KEY_LOST,
  'new-key-unusable': `Ringg regenerated but answered with a key that breaks the key rule; the old key is dead. ${KEY_LOST}`,
  'rescue-unreadable':
    'Nothing was regenerated. Inspect the rotation record named in the error: if it holds the live key, `ringg-rotate recover`; otherwise delete it, then rotate again.',
  'record-not-written':
    "Nothing was regenerated or changed; Secrets Manager retries. If it persists, check SSM reachability and the function's access to its rotation records and their KMS key.",
  'version-unreadable':
    'Ringg rejects AWSCURRENT and AWSPREVIOUS, which may hold the live key, could not be read. Usually transient: Secrets Manager retries. Do not regenerate in the dashboard before AWSPREVIOUS has been read; if Ringg accepts its key, store it with `ringg-rotate recover`.',
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
    'The new key is safe in the rotation record and the next attempt stores it; to run that attempt now, `ringg-rotate resume --secret-id <secret>`.',
  'new-key-unsaved':
    'Fix the function role (PutSecretValue, PutParameter); if the next attempt does not finish, README "Key lost".',
  'secret-write-conflict':
    'Do not regenerate: the new key is in the rotation record named in the error. Store it with `ringg-rotate recover` (operators with the parameter key can read it: aws ssm get-parameter --with-decryption).',
  'new-key-not-readable':
    'Do not regenerate: the new key is on its way into AWSPENDING and Secrets Manager retries the rotation; to finish it now, `ringg-rotate resume --secret-id <secret>`.',
  'pending-version-empty': '`ringg-rotate status --secret-id <secret>` shows why; README "Rotation stuck".',
  'invalid-secret-value':
    'Fix the secret value (README "Secret formats"); nothing was changed. Then rotate again.',
  'secret-not-allowed':
    "The function rotates only the secrets its deployment names: add this one to the construct's `secrets` (secretNames/secretArns) and deploy, then rotate again.",
  'invalid-configuration': 'Fix the function\'s environment (README "Configuration") and redeploy.',
  'rotation-not-enabled':
    'Rotation was turned off meanwhile; deploy the stack to turn it on, then rotate again.',
  'rotation-abandoned':
    'A new value was written to the secret during the rotation; find who wrote it (CloudTrail PutSecretValue), check the key works (`ringg-rotate status --check`), then rotate again.',
  'previous-rotation-incomplete':
    'An earlier rotation is unfinished and Secrets Manager reattempts it itself: `ringg-rotate status --secret-id <secret>`, then `ringg-rotate resume --secret-id <secret>` to finish it now (README "Rotation stuck").',
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

/** The advice for an error code; `workspace` (what the bulk rotation learnt of it) names other holders. */
export function adviceFor(code: string, workspace?: WorkspaceNote): string {
  return WORKSPACE_ADVICE[code]?.(workspace) ?? ADVICE[code] ?? UNKNOWN;
}

/** Whether this is a code the advice table knows (the function's, Secrets Manager's or the CLI's). */
export function hasAdvice(code: string): boolean {
  return Object.hasOwn(ADVICE, code);
}

/** Advice for a secret that did not rotate; a timeout also gets its last error's advice. */
export function adviceForEntry(entry: BulkEntry): string | undefined {
  if (categoryOf(entry) === 'rotated') return undefined;
  if (entry.result === 'timed-out') {
    const base = ADVICE['timed-out'] ?? UNKNOWN;
    return entry.error
      ? `${base} Last error ${entry.error.code}: ${adviceFor(entry.error.code, entry.workspace)}`
      : base;
  }
  return adviceFor(errorCodeOf(entry) ?? '', entry.workspace);
}
