/**
 * Every failure the rotation can report. Each message says what happened and what to do, and none
 * ever contains a key, a secret value or a Ringg response body.
 */
export type RotationErrorCode =
  | 'invalid-configuration'
  | 'invalid-event'
  | 'rotation-not-enabled'
  | 'version-not-found'
  | 'version-not-pending'
  | 'invalid-secret-value'
  | 'current-key-rejected'
  | 'new-key-lost'
  | 'new-key-rejected'
  | 'new-key-rescued'
  | 'new-key-unsaved'
  | 'key-mismatch'
  | 'wrong-workspace'
  | 'permission-denied'
  | 'ringg-unavailable'
  | 'regenerate-outcome-unknown'
  | 'pending-version-empty'
  | 'secret-write-conflict'
  | 'aws-call-timeout'
  | 'record-not-written'
  | 'kms-key-refused'
  | 'secret-written-during-rotation'
  | 'promotion-refused'
  | 'decider-unsettled'
  | 'shared-workspace'
  | 'workspace-holders-unknown'
  | 'regenerate-in-progress'
  | 'too-many-regenerate-attempts'
  | 'secret-too-large'
  | 'workspace-unknown'
  | 'new-key-unusable'
  | 'rescue-unreadable'
  | 'new-key-not-readable'
  | 'secret-not-allowed';

export abstract class RotationError extends Error {
  abstract readonly code: RotationErrorCode;
  /** True when a later attempt of the same rotation can succeed without a person doing anything. */
  readonly retryable: boolean = false;

  /** Derived from the code, not the class, so that it survives minification: new-key-lost → NewKeyLostError. */
  override get name(): string {
    return `${this.code.replace(/(^|-)([a-z])/g, (_, __, c: string) => c.toUpperCase())}Error`;
  }
}

export class InvalidConfigurationError extends RotationError {
  readonly code = 'invalid-configuration';
}

export class InvalidEventError extends RotationError {
  readonly code = 'invalid-event';
  constructor(problem: string) {
    super(
      `Invalid rotation event: ${problem}. Secrets Manager sends {"Step","SecretId","ClientRequestToken"} with Step ` +
        'one of createSecret, setSecret, testSecret, finishSecret; to rotate by hand, call RotateSecret ' +
        '(aws secretsmanager rotate-secret) instead of invoking the function. Nothing was changed.',
    );
  }
}

export class RotationNotEnabledError extends RotationError {
  readonly code = 'rotation-not-enabled';
  constructor(secretName: string) {
    super(
      `Rotation is not enabled on secret "${secretName}". Enable it (the CDK construct does) before invoking ` +
        'this function. Nothing was changed.',
    );
  }
}

export class VersionNotFoundError extends RotationError {
  readonly code = 'version-not-found';
  constructor(secretName: string, token: string) {
    super(
      `Version ${token} is not a version of secret "${secretName}". The event does not belong to a rotation of ` +
        'this secret; start one with RotateSecret. Nothing was changed.',
    );
  }
}

export class VersionNotPendingError extends RotationError {
  readonly code = 'version-not-pending';
  constructor(secretName: string, token: string) {
    super(
      `Version ${token} of secret "${secretName}" is not labelled AWSPENDING, so it is not the rotation in ` +
        'progress (it was abandoned or replaced). Start a new rotation with RotateSecret. Nothing was changed.',
    );
  }
}

export class InvalidSecretValueError extends RotationError {
  readonly code = 'invalid-secret-value';
  constructor(secretName: string, versionLabel: string, problem: string) {
    super(
      `The ${versionLabel} value of secret "${secretName}" is not a Ringg key this rotation understands: ${problem}. ` +
        'Store either the key itself as a plain string, or a JSON object with the key in the string field ' +
        '"apiKey", e.g. {"apiKey":"<key>"}. Nothing was changed.',
    );
  }
}

export class CurrentKeyRejectedError extends RotationError {
  readonly code = 'current-key-rejected';
  /** `explained`: the message when another secret of the workspace most likely holds the live key. */
  constructor(secretName: string, explained?: string) {
    super(
      explained ??
        `Ringg rejected the AWSCURRENT key of secret "${secretName}" (401), no regenerate of this rotation was ` +
          'in flight, and no other secret of this account and Region is tagged with its workspace: the key was ' +
          'changed or revoked outside Secrets Manager. Nothing was regenerated. First look for a copy of the live ' +
          'key (another secret, Region or account that holds this workspace); only if there is none, regenerate ' +
          'it in the Ringg dashboard. Store it as AWSCURRENT with ' +
          `\`ringg-rotate recover --secret-id ${secretName}\` (runbook "Key lost").`,
    );
  }
}

/** Another secret of this account and Region holds the same workspace: nothing was changed. */
export class SharedWorkspaceError extends RotationError {
  readonly code = 'shared-workspace';
}

export class WorkspaceHoldersUnknownError extends RotationError {
  readonly code = 'workspace-holders-unknown';
  override readonly retryable = true;
  constructor(secretName: string, workspaceId: string, cause: string) {
    super(
      `Could not find out whether another secret holds Ringg workspace ${workspaceId} of secret "${secretName}" ` +
        `(${cause}), so nothing was regenerated: rotating one of two secrets of a workspace kills the other's key. ` +
        'Check that the function role has secretsmanager:ListSecrets (IAM grants it only on "*"); Secrets ' +
        'Manager retries the rotation.',
    );
  }
}

export class NewKeyLostError extends RotationError {
  readonly code = 'new-key-lost';
  constructor(secretName: string, detail: string) {
    super(
      `The new key of secret "${secretName}" was created and lost: ${detail}. Ringg has already invalidated the ` +
        'old key, so AWSCURRENT holds a dead key and every consumer is failing. Retrying cannot bring it back: ' +
        'regenerate the key in the Ringg dashboard and store it as AWSCURRENT with ' +
        `\`ringg-rotate recover --secret-id ${secretName}\` (README: runbook "Key lost").`,
    );
  }
}

export class NewKeyRejectedError extends RotationError {
  readonly code = 'new-key-rejected';
  override readonly retryable = true;
  /** `promoted`: the version already holds AWSCURRENT (setSecret promoted it once Ringg accepted it). */
  constructor(secretName: string, token: string, detail: string, promoted = false) {
    super(
      promoted
        ? `Ringg no longer accepts the key in version ${token} of secret "${secretName}" (${detail}), which is ` +
            'already AWSCURRENT: Ringg accepted it when setSecret promoted it, so it was changed or revoked ' +
            'outside this rotation since. Compare the key in the Ringg dashboard with AWSCURRENT and store the ' +
            'live one as AWSCURRENT (README: runbook "Key lost").'
        : `Ringg did not accept the new key in version ${token} of secret "${secretName}" (${detail}). The old key ` +
            'is already dead, so AWSCURRENT is not usable until this is resolved. The rotation retries testSecret ' +
            'on its own; if it keeps failing, compare the key in the Ringg dashboard with AWSPENDING and store ' +
            'the live one as AWSCURRENT (README: runbook "Key lost").',
    );
  }
}

export class NewKeyRescuedError extends RotationError {
  readonly code = 'new-key-rescued';
  override readonly retryable = true;
  constructor(secretName: string, token: string, parameterName: string) {
    super(
      `Ringg issued a new key for secret "${secretName}", but writing it to version ${token} failed after ` +
        `retries. The key is safe in the rotation record "${parameterName}" (a SecureString only the rotation ` +
        'reads); the next attempt of this rotation stores it. Do not regenerate in the Ringg dashboard: that ' +
        'would kill it. If the rotation does not finish, run `ringg-rotate resume` (runbook "Rotation stuck").',
    );
  }
}

export class NewKeyUnsavedError extends RotationError {
  readonly code = 'new-key-unsaved';
  override readonly retryable = true;
  constructor(secretName: string, token: string) {
    super(
      `Ringg issued a new key for secret "${secretName}", but neither Secrets Manager (version ${token}) nor ` +
        'the rotation record in SSM accepted it. It is held only in the memory of this Lambda container, which ' +
        'the next attempt uses if it lands on the same container. Check the function role for ' +
        'secretsmanager:PutSecretValue and ssm:PutParameter and that both services are reachable; if the ' +
        'rotation does not finish, follow the runbook "Key lost".',
    );
  }
}

export class KeyMismatchError extends RotationError {
  readonly code = 'key-mismatch';
  constructor(secretName: string, token: string) {
    super(
      `Ringg accepted the key in version ${token} of secret "${secretName}" but reports a different key as the ` +
        "workspace's key. The stored key is not the workspace's live key; compare it with the Ringg dashboard " +
        'and store the live one as AWSCURRENT (README: runbook "Key lost").',
    );
  }
}

export class WrongWorkspaceError extends RotationError {
  readonly code = 'wrong-workspace';
  /** A new key that is kept somewhere is not lost: restoring a mistaken tag lets the service's retry finish. */
  override readonly retryable: boolean;
  /**
   * `token` undefined: the AWSCURRENT key itself is of another workspace than the secret's tag says.
   * `keptIn`: where the rotation's new key is (AWSPENDING, AWSCURRENT, or the rotation record).
   */
  constructor(
    secretName: string,
    token: string | undefined,
    expected: string,
    actual: string,
    keptIn?: string,
  ) {
    super(
      token === undefined
        ? `The AWSCURRENT key of secret "${secretName}" belongs to Ringg workspace ${actual}, but the secret's ` +
            `tag ringg-rotation:workspace-id says ${expected}. Nothing was regenerated or changed. If the ` +
            `secret now intentionally holds a key of workspace ${actual}, set the tag to it (aws ` +
            'secretsmanager tag-resource); otherwise store a key of workspace ' +
            `${expected} with \`ringg-rotate recover --secret-id ${secretName}\`.`
        : `The key in version ${token} of secret "${secretName}" belongs to Ringg workspace ${actual}, but the ` +
            `secret's tag ringg-rotation:workspace-id says ${expected}, so it is not promoted` +
            `${keptIn ? `; it is kept in ${keptIn}` : ''}. Ringg accepts this key: do not regenerate in the ` +
            'Ringg dashboard. If the tag was changed by mistake, set it back (aws secretsmanager tag-resource ' +
            `--secret-id ${secretName} --tags Key=ringg-rotation:workspace-id,Value=${actual}); Secrets Manager's ` +
            'next attempt of this rotation then finishes it. If the secret must hold a key of workspace ' +
            `${expected}, compare with the Ringg dashboard first (README: error code wrong-workspace).`,
    );
    this.retryable = token !== undefined;
  }
}

export class KmsKeyRefusedError extends RotationError {
  readonly code = 'kms-key-refused';
  override readonly retryable = true;
  /** `keptIn`: where the new key waits (the rotation record), undefined when nothing was regenerated. */
  constructor(secretName: string, kmsKeyId: string | undefined, cause: string, keptIn: string | undefined) {
    super(
      `KMS refused the key of secret "${secretName}" (${kmsKeyId ?? 'aws/secretsmanager'}): Secrets Manager ` +
        `answered ${cause}. The key is disabled, pending deletion, or its key policy no longer lets the ` +
        'rotation function use it through Secrets Manager. ' +
        (keptIn
          ? `The new key is safe in the rotation record "${keptIn}", encrypted with the rotation's own KMS key; ` +
            'enable the key or fix its policy (kms:Encrypt, kms:Decrypt and kms:GenerateDataKey for the ' +
            "function's role) and Secrets Manager's next attempt stores it. Do not regenerate in the Ringg dashboard."
          : 'Nothing was changed by this step. Enable the key or fix its policy; Secrets Manager retries the rotation.'),
    );
  }
}

export class SecretWrittenDuringRotationError extends RotationError {
  readonly code = 'secret-written-during-rotation';
  constructor(secretName: string, token: string, writtenVersion: string, problem: string) {
    super(
      `Someone wrote version ${writtenVersion} of secret "${secretName}" while the rotation to version ${token} ` +
        `stored the new key, and ${problem}, so it was left as it is. The live key is in version ${token} (no ` +
        `label now). Read it with aws secretsmanager get-secret-value --secret-id "${secretName}" --version-id ` +
        `${token}, and store it as AWSCURRENT with \`ringg-rotate recover --secret-id ${secretName}\`. Do not ` +
        'regenerate in the Ringg dashboard: Ringg accepts that key.',
    );
  }
}

export class PromotionRefusedError extends RotationError {
  readonly code = 'promotion-refused';
  override readonly retryable = true;
  constructor(secretName: string, token: string, cause: string) {
    super(
      `Moving AWSCURRENT of secret "${secretName}" to version ${token} failed (${cause}), and the labels, looked ` +
        'at again, show it was not applied. The new key is safe in AWSPENDING; Secrets Manager retries ' +
        'finishSecret. If it keeps failing, check secretsmanager:UpdateSecretVersionStage for the function role.',
    );
  }
}

export class PermissionDeniedError extends RotationError {
  readonly code = 'permission-denied';
  constructor(secretName: string, call: 'PATCH /workspace/api-key' | 'GET /workspace') {
    super(
      `Ringg answered 403 to ${call} for secret "${secretName}": this key may not ${
        call === 'GET /workspace' ? 'read the workspace' : 'manage API keys'
      }. Nothing was changed by this step. Store a key of a workspace administrator as AWSCURRENT.`,
    );
  }
}

export class RinggUnavailableError extends RotationError {
  readonly code = 'ringg-unavailable';
  override readonly retryable = true;
  constructor(secretName: string, action: string, detail: string, changed = 'Nothing was changed') {
    super(
      `Ringg did not answer ${action} for secret "${secretName}" usefully (${detail}). ${changed}; ` +
        'Secrets Manager retries the rotation. If it keeps failing, check Ringg status and that the function ' +
        'can reach Ringg (VPC: NAT or egress).',
    );
  }
}

export class RegenerateOutcomeUnknownError extends RotationError {
  readonly code = 'regenerate-outcome-unknown';
  override readonly retryable = true;
  constructor(secretName: string, detail: string) {
    super(
      `A regenerate for secret "${secretName}" got no clear answer (${detail}), and checking whether the old key ` +
        'still works failed too, so whether Ringg issued a new key is unknown. The next attempt checks again ' +
        'before doing anything. If the next attempt reports new-key-lost, follow the runbook "Key lost".',
    );
  }
}

export class NewKeyNotReadableError extends RotationError {
  readonly code = 'new-key-not-readable';
  override readonly retryable = true;
  constructor(secretName: string, token: string, generation: number) {
    super(
      `Ringg rejects the AWSCURRENT key of secret "${secretName}", and this rotation recorded a regenerate ` +
        `(claim ${generation}), but version ${token} still reads empty: the new key is most likely in AWSPENDING ` +
        "and not yet readable (Secrets Manager's read-after-write), or waiting in the rotation record. " +
        "Secrets Manager's next attempt stores and finishes it. Do not regenerate in the Ringg dashboard: that " +
        'would kill the new key. If the rotation does not finish, follow the runbook "Rotation stuck".',
    );
  }
}

export class PendingVersionEmptyError extends RotationError {
  readonly code = 'pending-version-empty';
  constructor(secretName: string, token: string) {
    super(
      `Version ${token} of secret "${secretName}" holds no value, so there is nothing to promote to AWSCURRENT. ` +
        'setSecret has not stored a key for this rotation; `ringg-rotate status` shows its last failure. ' +
        'Nothing was changed.',
    );
  }
}

export class SecretWriteConflictError extends RotationError {
  readonly code = 'secret-write-conflict';
  constructor(secretName: string, token: string, parameterName: string) {
    super(
      `Version ${token} of secret "${secretName}" already holds a different value than the key Ringg just ` +
        `issued, so it cannot be written. The key Ringg issued is kept in the rotation record "${parameterName}". ` +
        'Someone wrote this version outside the rotation. Store the key from the record as AWSCURRENT ' +
        `(\`ringg-rotate recover --secret-id ${secretName}\` reads it); ` +
        'do not regenerate in the Ringg dashboard: Ringg accepts that key.',
    );
  }
}

export class DeciderUnsettledError extends RotationError {
  readonly code = 'decider-unsettled';
  override readonly retryable = true;
  constructor(secretName: string, step: string) {
    super(
      `${step} of secret "${secretName}" took more actions than any sequence of answers needs and stopped. ` +
        'Nothing more was changed by it; Secrets Manager retries the rotation. If it keeps happening, report it ' +
        'with the function log of this step.',
    );
  }
}

export class RecordNotWrittenError extends RotationError {
  readonly code = 'record-not-written';
  override readonly retryable = true;
  constructor(secretName: string, what: string, parameterName: string, cause: string) {
    super(
      `Could not ${what} the rotation record "${parameterName}" of secret "${secretName}" (${cause}), so no ` +
        'regenerate was sent and nothing was changed. Secrets Manager retries the rotation; if it keeps failing, ' +
        "check that SSM is reachable and the function role may use the rotation's parameters and KMS key.",
    );
  }
}

export class RegenerateInProgressError extends RotationError {
  readonly code = 'regenerate-in-progress';
  override readonly retryable = true;
  constructor(secretName: string, token: string, until: string) {
    super(
      `Another delivery of the rotation to version ${token} of secret "${secretName}" is regenerating the ` +
        `key right now (its claim in the rotation record is live until ${until}), and its outcome did not arrive while this delivery ` +
        'could wait. This delivery changed nothing and sent no regenerate. Secrets Manager retries the ' +
        'rotation, which then finds the new key stored, or rescued, or learns that it was lost.',
    );
  }
}

export class TooManyRegenerateAttemptsError extends RotationError {
  readonly code = 'too-many-regenerate-attempts';
  constructor(secretName: string, token: string, attempts: number) {
    super(
      `The rotation to version ${token} of secret "${secretName}" has already recorded ${attempts} regenerate ` +
        'attempts without storing a key. It stops here; the old key still works and nothing more was changed. ' +
        'Check the function logs for why the attempts failed, then start a new rotation.',
    );
  }
}

export class SecretTooLargeError extends RotationError {
  readonly code = 'secret-too-large';
  constructor(secretName: string, worstCaseBytes: number, limit: number) {
    super(
      `The new value of secret "${secretName}" could reach ${worstCaseBytes} bytes with the longest key Ringg ` +
        `may issue, over Secrets Manager's limit of ${limit} bytes, so the key was not regenerated (the new ` +
        'key could not have been stored). Nothing was changed. Remove fields from the JSON value of AWSCURRENT ' +
        'until it is well under the limit, then rotate again.',
    );
  }
}

export class WorkspaceUnknownError extends RotationError {
  readonly code = 'workspace-unknown';
  constructor(secretName: string, problem: string) {
    super(
      `The Ringg workspace of secret "${secretName}" cannot be established: ${problem}. A key whose workspace ` +
        'is not proven is never regenerated or promoted. Nothing was changed by this step. If the secret is ' +
        'missing its tag, tag it with the workspace id shown in the Ringg dashboard: aws secretsmanager ' +
        `tag-resource --secret-id "${secretName}" --tags Key=ringg-rotation:workspace-id,Value=<id>.`,
    );
  }
}

export class NewKeyUnusableError extends RotationError {
  readonly code = 'new-key-unusable';
  constructor(secretName: string, problem: string) {
    super(
      `Ringg regenerated the key of secret "${secretName}" but answered with a key that ${problem}, which ` +
        'cannot be sent as an API key header. The old key is dead and the new one was not stored. Regenerate the ' +
        'key in the Ringg dashboard and store it as AWSCURRENT with ' +
        `\`ringg-rotate recover --secret-id ${secretName}\` (README: runbook "Key lost").`,
    );
  }
}

export class RescueUnreadableError extends RotationError {
  readonly code = 'rescue-unreadable';
  constructor(secretName: string, parameterName: string, problem: string) {
    super(
      `The rotation record "${parameterName}" of secret "${secretName}" exists but is not one this ` +
        `rotation can use (${problem}). Nothing was regenerated or stored. Someone may have written it: inspect ` +
        "it (aws ssm get-parameter --with-decryption); if it holds the workspace's live key, store that key " +
        `with \`ringg-rotate recover --secret-id ${secretName}\`; otherwise delete the parameter and the ` +
        'rotation continues on its next attempt.',
    );
  }
}

export class SecretNotAllowedError extends RotationError {
  readonly code = 'secret-not-allowed';
  constructor(secretName: string, secretArn: string) {
    super(
      `Secret "${secretName}" (${secretArn}) is not one of the secrets this function's deployment names, so the function does not ` +
        "rotate it: nothing was read or changed. To rotate it, add it to the construct's `secrets` (the ready stack: " +
        'secretNames or secretArns) and deploy. If it was never meant to be rotated here, whoever bound it to this ' +
        'function should cancel that rotation (aws secretsmanager cancel-rotate-secret --secret-id <secret>).',
    );
  }
}

export function errorName(error: unknown): string {
  return error instanceof Error ? error.name : typeof error;
}
