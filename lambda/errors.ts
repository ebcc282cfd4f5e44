/**
 * Every failure the rotation can report, as one table: its code, whether a later attempt of the same
 * rotation can succeed without a person (`retryable`), and its message, which says what happened and
 * what to do and never contains a key, a secret value or a Ringg response body.
 */

type Rule<C> = { readonly retryable: boolean | ((c: C) => boolean); readonly message: (c: C) => string };
const rule = <C>(retryable: Rule<C>['retryable'], message: (c: C) => string): Rule<C> => ({
  retryable,
  message,
});

interface Secret {
  readonly secret: string;
}
interface Version extends Secret {
  readonly token: string;
}
interface Parked extends Version {
  /** The parameter of the rotation record that holds (or would hold) the new key. */
  readonly record: string;
}

const recover = (secret: string) => `\`ringg-rotate recover --secret-id ${secret}\``;

const RULES = {
  'invalid-configuration': rule<{ problem: string }>(false, (c) => c.problem),
  'invalid-event': rule<{ problem: string }>(
    false,
    (c) =>
      `Invalid rotation event: ${c.problem}. Secrets Manager sends {"Step","SecretId","ClientRequestToken"} with Step ` +
      'one of createSecret, setSecret, testSecret, finishSecret; to rotate by hand, call RotateSecret ' +
      '(aws secretsmanager rotate-secret) instead of invoking the function. Nothing was changed.',
  ),
  'rotation-not-enabled': rule<Secret>(
    false,
    (c) =>
      `Rotation is not enabled on secret "${c.secret}". Enable it (the CDK construct does) before invoking ` +
      'this function. Nothing was changed.',
  ),
  'version-not-found': rule<Version>(
    false,
    (c) =>
      `Version ${c.token} is not a version of secret "${c.secret}". The event does not belong to a rotation of ` +
      'this secret; start one with RotateSecret. Nothing was changed.',
  ),
  'version-not-pending': rule<Version>(
    false,
    (c) =>
      `Version ${c.token} of secret "${c.secret}" is not labelled AWSPENDING, so it is not the rotation in ` +
      'progress (it was abandoned or replaced). Start a new rotation with RotateSecret. Nothing was changed.',
  ),
  'invalid-secret-value': rule<Secret & { label: string; problem: string }>(
    false,
    (c) =>
      `The ${c.label} value of secret "${c.secret}" is not a Ringg key this rotation understands: ${c.problem}. ` +
      'Store either the key itself as a plain string, or a JSON object with the key in the string field ' +
      '"apiKey", e.g. {"apiKey":"<key>"}. Nothing was changed.',
  ),
  /** `holdersUnknown`: why the other secrets of the workspace could not be looked for. */
  'current-key-rejected': rule<Secret & { explained?: string; holdersUnknown?: string }>(
    false,
    (c) =>
      c.explained ??
      `Ringg rejected the AWSCURRENT key of secret "${c.secret}" (401), no regenerate of this rotation was ` +
        (c.holdersUnknown
          ? `in flight, and whether another secret of this account and Region holds its workspace could not be checked (${c.holdersUnknown}): ` +
            'another secret, or a change outside Secrets Manager, killed the key. '
          : 'in flight, and no other secret of this account and Region is tagged with its workspace: the key was ' +
            'changed or revoked outside Secrets Manager. ') +
        'Nothing was regenerated. First look for a copy of the live ' +
        'key (another secret, Region or account that holds this workspace); only if there is none, regenerate ' +
        `it in the Ringg dashboard. Store it as AWSCURRENT with ${recover(c.secret)} (runbook "Key lost").`,
  ),
  /** Another secret of this account and Region holds the same workspace: nothing was changed. */
  'shared-workspace': rule<{ message: string }>(false, (c) => c.message),
  'workspace-holders-unknown': rule<Secret & { workspaceId: string; cause: string }>(
    true,
    (c) =>
      `Could not find out whether another secret holds Ringg workspace ${c.workspaceId} of secret "${c.secret}" ` +
      `(${c.cause}), so nothing was regenerated: rotating one of two secrets of a workspace kills the other's key. ` +
      'Check that the function role has secretsmanager:ListSecrets (IAM grants it only on "*"); Secrets ' +
      'Manager retries the rotation.',
  ),
  'new-key-lost': rule<Secret & { detail: string }>(
    false,
    (c) =>
      `The new key of secret "${c.secret}" was created and lost: ${c.detail}. Ringg has already invalidated the ` +
      'old key, so AWSCURRENT holds a dead key and every consumer is failing. Retrying cannot bring it back: ' +
      `regenerate the key in the Ringg dashboard and store it as AWSCURRENT with ${recover(c.secret)} ` +
      '(README: runbook "Key lost").',
  ),
  /** `promoted`: the version already holds AWSCURRENT (setSecret promoted it once Ringg accepted it). */
  'new-key-rejected': rule<Version & { detail: string; promoted: boolean }>(true, (c) =>
    c.promoted
      ? `Ringg no longer accepts the key in version ${c.token} of secret "${c.secret}" (${c.detail}), which is ` +
        'already AWSCURRENT: Ringg accepted it when setSecret promoted it, so it was changed or revoked ' +
        'outside this rotation since. Compare the key in the Ringg dashboard with AWSCURRENT and store the ' +
        'live one as AWSCURRENT (README: runbook "Key lost").'
      : `Ringg did not accept the new key in version ${c.token} of secret "${c.secret}" (${c.detail}). The old key ` +
        'is already dead, so AWSCURRENT is not usable until this is resolved. The rotation retries testSecret ' +
        'on its own; if it keeps failing, compare the key in the Ringg dashboard with AWSPENDING and store ' +
        'the live one as AWSCURRENT (README: runbook "Key lost").',
  ),
  'new-key-rescued': rule<Parked>(
    true,
    (c) =>
      `Ringg issued a new key for secret "${c.secret}", but writing it to version ${c.token} failed after ` +
      `retries. The key is safe in the rotation record "${c.record}" (a SecureString only the rotation ` +
      'reads); the next attempt of this rotation stores it. Do not regenerate in the Ringg dashboard: that ' +
      'would kill it. If the rotation does not finish, run `ringg-rotate resume` (runbook "Rotation stuck").',
  ),
  /**
   * `kms`: Secrets Manager's answer when the secret's KMS key refused the write. `waitsIn`: the key was
   * not issued in this step but found there (a rescue, a stranded version, AWSPREVIOUS), where it still is.
   */
  'new-key-unsaved': rule<Version & { kms?: { keyId: string; cause: string }; waitsIn?: string }>(
    true,
    (c) =>
      c.waitsIn
        ? `The key of secret "${c.secret}" that Ringg accepts waits in ${c.waitsIn}; writing it to version ` +
          `${c.token} failed` +
          (c.kms
            ? ` (Secrets Manager answered ${c.kms.cause}: the secret's KMS key ${c.kms.keyId} refused it)`
            : '') +
          ', and so did keeping a copy in the rotation record. Nothing was regenerated, and the key is still ' +
          'there. Fix what refused the write; Secrets Manager retries the rotation. Do not regenerate in the Ringg dashboard.'
        : `Ringg issued a new key for secret "${c.secret}", but neither Secrets Manager (version ${c.token}) nor ` +
          'the rotation record in SSM accepted it' +
          (c.kms
            ? ` (Secrets Manager answered ${c.kms.cause}: the secret's KMS key ${c.kms.keyId} refused it; enable the key or fix its policy)`
            : '') +
          '. The old key is dead. It is held only in the memory of this Lambda container, which ' +
          'the next attempt uses if it lands on the same container. Check the function role for ' +
          'secretsmanager:PutSecretValue and ssm:PutParameter and that both services are reachable; if the ' +
          'rotation does not finish, follow the runbook "Key lost".',
  ),
  'key-mismatch': rule<Version>(
    false,
    (c) =>
      `Ringg accepted the key in version ${c.token} of secret "${c.secret}" but reports a different key as the ` +
      "workspace's key. The stored key is not the workspace's live key; compare it with the Ringg dashboard " +
      'and store the live one as AWSCURRENT (README: runbook "Key lost").',
  ),
  /**
   * `token` undefined: the AWSCURRENT key itself is of another workspace than the secret's tag says.
   * A new key kept somewhere (`keptIn`) is not lost: restoring a mistaken tag lets the retry finish.
   */
  'wrong-workspace': rule<Secret & { token?: string; expected: string; actual: string; keptIn?: string }>(
    (c) => c.token !== undefined,
    (c) =>
      c.token === undefined
        ? `The AWSCURRENT key of secret "${c.secret}" belongs to Ringg workspace ${c.actual}, but the secret's ` +
          `tag ringg-rotation:workspace-id says ${c.expected}. Nothing was regenerated or changed. If the ` +
          `secret now intentionally holds a key of workspace ${c.actual}, set the tag to it (aws ` +
          'secretsmanager tag-resource); otherwise store a key of workspace ' +
          `${c.expected} with ${recover(c.secret)}.`
        : `The key in version ${c.token} of secret "${c.secret}" belongs to Ringg workspace ${c.actual}, but the ` +
          `secret's tag ringg-rotation:workspace-id says ${c.expected}, so it is not promoted` +
          `${c.keptIn ? `; it is kept in ${c.keptIn}` : ''}. Ringg accepts this key: do not regenerate in the ` +
          'Ringg dashboard. If the tag was changed by mistake, set it back (aws secretsmanager tag-resource ' +
          `--secret-id ${c.secret} --tags Key=ringg-rotation:workspace-id,Value=${c.actual}); Secrets Manager's ` +
          'next attempt of this rotation then finishes it. If the secret must hold a key of workspace ' +
          `${c.expected}, compare with the Ringg dashboard first (README: error code wrong-workspace).`,
  ),
  /**
   * `keptIn`: where the new key waits (the rotation record), undefined when nothing was regenerated.
   * `stranded`: the refused read was of a version that may hold the live key: an abandoned rotation's
   * (its `record`), or AWSPREVIOUS (no record).
   */
  'kms-key-refused': rule<
    Secret & {
      kmsKeyId: string | undefined;
      cause: string;
      keptIn: string | undefined;
      stranded?: { version: string; record: string | undefined };
    }
  >(true, (c) =>
    c.stranded?.record === undefined && c.stranded
      ? `Secrets Manager could not decrypt version ${c.stranded.version} (AWSPREVIOUS) of secret "${c.secret}" ` +
        `(${c.cause}): the KMS key that encrypts that version is disabled, pending deletion, or refuses the ` +
        "function. Ringg rejects the AWSCURRENT key, and that version may hold the workspace's live key (an old " +
        'value written back after a rotation, or AWSCURRENT moved back). Nothing was changed. Let the function ' +
        "decrypt it (the key and its policy) and Secrets Manager's retry reads it; or store the live key as " +
        `AWSCURRENT with ${recover(c.secret)}. Do not regenerate in the Ringg dashboard before you know.`
      : c.stranded
        ? `Secrets Manager could not decrypt version ${c.stranded.version} of secret "${c.secret}" (${c.cause}). ` +
          "An abandoned rotation stored a key there that may be the workspace's live key, and nothing labels " +
          'the version, so when the secret moved to another KMS key Secrets Manager did not re-encrypt it. ' +
          'Nothing was changed. Enable the KMS key it was written with (or let the function role use it) and ' +
          "Secrets Manager's retry reads it; or, once you know its key is dead (Ringg rejects it), delete the " +
          `abandoned rotation's record "${c.stranded.record}" and rotations go on. Do not regenerate in the ` +
          'Ringg dashboard before you know.'
        : `KMS refused the key of secret "${c.secret}" (${c.kmsKeyId ?? 'aws/secretsmanager'}): Secrets Manager ` +
          `answered ${c.cause}. The key is disabled, pending deletion, or its key policy no longer lets the ` +
          'rotation function use it through Secrets Manager. ' +
          (c.keptIn
            ? `The new key is safe in the rotation record "${c.keptIn}", encrypted with the rotation's own KMS key; ` +
              'enable the key or fix its policy (kms:Encrypt, kms:Decrypt and kms:GenerateDataKey for the ' +
              "function's role) and Secrets Manager's next attempt stores it. Do not regenerate in the Ringg dashboard."
            : 'Nothing was changed by this step. Enable the key or fix its policy; Secrets Manager retries the rotation.'),
  ),
  'secret-written-during-rotation': rule<Version & { writtenVersion: string; problem: string }>(
    false,
    (c) =>
      `Someone wrote version ${c.writtenVersion} of secret "${c.secret}" while the rotation to version ${c.token} ` +
      `stored the new key, and ${c.problem}, so it was left as it is. The live key is in version ${c.token} (no ` +
      `label now). Read it with aws secretsmanager get-secret-value --secret-id "${c.secret}" --version-id ` +
      `${c.token}, and store it as AWSCURRENT with ${recover(c.secret)}. Do not ` +
      'regenerate in the Ringg dashboard: Ringg accepts that key.',
  ),
  'promotion-refused': rule<Version & { cause: string }>(
    true,
    (c) =>
      `Moving AWSCURRENT of secret "${c.secret}" to version ${c.token} failed (${c.cause}), and the labels, looked ` +
      'at again, show it was not applied. The new key is safe in AWSPENDING; Secrets Manager retries ' +
      'finishSecret. If it keeps failing, check secretsmanager:UpdateSecretVersionStage for the function role.',
  ),
  /** `keptIn`: where the key Ringg answered 403 for waits, when it is not the AWSCURRENT key. */
  'permission-denied': rule<
    Secret & { call: 'PATCH /workspace/api-key' | 'GET /workspace'; keptIn?: string }
  >(false, (c) =>
    c.keptIn
      ? `Ringg answered 403 to GET /workspace for the key in ${c.keptIn} of secret "${c.secret}": the key is ` +
        'valid but may not read the workspace, so its workspace cannot be proven and it was not promoted. ' +
        "It may be the workspace's live key: do not regenerate in the Ringg dashboard. Nothing was changed " +
        'by this step. Let the key read the workspace (Ringg dashboard) and rotate again, or store it as ' +
        `AWSCURRENT with ${recover(c.secret)} (runbook "Key lost").`
      : `Ringg answered 403 to ${c.call} for secret "${c.secret}": this key may not ${
          c.call === 'GET /workspace' ? 'read the workspace' : 'manage API keys'
        }. Nothing was changed by this step. Store a key of a workspace administrator as AWSCURRENT.`,
  ),
  'ringg-unavailable': rule<Secret & { action: string; detail: string; changed?: string }>(
    true,
    (c) =>
      `Ringg did not answer ${c.action} for secret "${c.secret}" usefully (${c.detail}). ` +
      `${c.changed ?? 'Nothing was changed'}; Secrets Manager retries the rotation. If it keeps failing, ` +
      'check Ringg status and that the function can reach Ringg (VPC: NAT or egress).',
  ),
  'regenerate-outcome-unknown': rule<Secret & { detail: string }>(
    true,
    (c) =>
      `A regenerate for secret "${c.secret}" got no clear answer (${c.detail}), and checking whether the old key ` +
      'still works failed too, so whether Ringg issued a new key is unknown. The next attempt checks again ' +
      'before doing anything. If the next attempt reports new-key-lost, follow the runbook "Key lost".',
  ),
  'new-key-not-readable': rule<Version & { generation: number }>(
    true,
    (c) =>
      `Ringg rejects the AWSCURRENT key of secret "${c.secret}", and this rotation recorded a regenerate ` +
      `(claim ${c.generation}), but version ${c.token} still reads empty: the new key is most likely in AWSPENDING ` +
      "and not yet readable (Secrets Manager's read-after-write), or waiting in the rotation record. " +
      "Secrets Manager's next attempt stores and finishes it. Do not regenerate in the Ringg dashboard: that " +
      'would kill the new key. If the rotation does not finish, follow the runbook "Rotation stuck".',
  ),
  'pending-version-empty': rule<Version>(
    false,
    (c) =>
      `Version ${c.token} of secret "${c.secret}" holds no value, so there is nothing to promote to AWSCURRENT. ` +
      'setSecret has not stored a key for this rotation; `ringg-rotate status` shows its last failure. ' +
      'Nothing was changed.',
  ),
  'secret-write-conflict': rule<Parked>(
    false,
    (c) =>
      `Version ${c.token} of secret "${c.secret}" already holds a different value than the key Ringg just ` +
      `issued, so it cannot be written. The key Ringg issued is kept in the rotation record "${c.record}". ` +
      'Someone wrote this version outside the rotation. Store the key from the record as AWSCURRENT ' +
      `(${recover(c.secret)} reads it); do not regenerate in the Ringg dashboard: Ringg accepts that key.`,
  ),
  'aws-call-timeout': rule<{ call: string; timeoutMs: number }>(
    true,
    (c) =>
      `${c.timeoutMs > 0 ? `${c.call} did not answer within ${c.timeoutMs} ms` : `No time was left in the step for ${c.call}`} ` +
      "(the step's deadline, retries included). " +
      'Secrets Manager retries the rotation; if it keeps happening, check that the function reaches the ' +
      'Secrets Manager and SSM endpoints (VPC: NAT or interface endpoints).',
  ),
  'decider-unsettled': rule<Secret & { step: string }>(
    true,
    (c) =>
      `${c.step} of secret "${c.secret}" took more actions than any sequence of answers needs and stopped. ` +
      'Nothing more was changed by it; Secrets Manager retries the rotation. If it keeps happening, report it ' +
      'with the function log of this step.',
  ),
  /** `mayHoldKey`: the parameter is a 0.1.x rescue, which may hold the workspace's live key. */
  'version-unreadable': rule<Secret & { version: string; cause: string }>(
    true,
    (c) =>
      `Reading version ${c.version} (AWSPREVIOUS) of secret "${c.secret}" failed (${c.cause}). Ringg rejects the ` +
      "AWSCURRENT key and that version may hold the workspace's live key (an old value written back after a " +
      'rotation), so the step stopped; nothing was changed. Secrets Manager retries the rotation. Do not ' +
      'regenerate in the Ringg dashboard before that version has been read (aws secretsmanager ' +
      `get-secret-value --secret-id "${c.secret}" --version-stage AWSPREVIOUS, then ${recover(c.secret)} if Ringg accepts its key).`,
  ),
  'record-not-written': rule<Secret & { what: string; record: string; cause: string; mayHoldKey?: boolean }>(
    true,
    (c) =>
      c.mayHoldKey
        ? `Could not ${c.what} "${c.record}" of secret "${c.secret}" (${c.cause}), so no regenerate was sent ` +
          "and nothing was changed. A rotation 0.1.x left open keeps its new key there, under the secret's own " +
          "KMS key: it may be the workspace's live key. Let the function role decrypt it (the construct grants " +
          "kms:Decrypt through SSM on the secrets' keys; check the key policy) and Secrets Manager's retry " +
          `stores it; or read it yourself (aws ssm get-parameter --name "${c.record}" --with-decryption), store ` +
          `its apiKey with ${recover(c.secret)} and delete the parameter. Do not regenerate in the Ringg dashboard.`
        : `Could not ${c.what} the rotation record "${c.record}" of secret "${c.secret}" (${c.cause}), so no ` +
          'regenerate was sent and nothing was changed. Secrets Manager retries the rotation; if it keeps failing, ' +
          "check that SSM is reachable and the function role may use the rotation's parameters and KMS key.",
  ),
  'regenerate-in-progress': rule<Version & { until: string }>(
    true,
    (c) =>
      `Another delivery of the rotation to version ${c.token} of secret "${c.secret}" is regenerating the ` +
      `key right now (its claim in the rotation record is live until ${c.until}), and its outcome did not ` +
      'arrive while this delivery could wait. This delivery changed nothing and sent no regenerate. Secrets ' +
      'Manager retries the rotation, which then finds the new key stored, or rescued, or learns that it was lost.',
  ),
  'too-many-regenerate-attempts': rule<Version & { attempts: number }>(
    false,
    (c) =>
      `The rotation to version ${c.token} of secret "${c.secret}" has already recorded ${c.attempts} regenerate ` +
      'attempts without storing a key. It stops here; the old key still works and nothing more was changed. ' +
      'Check the function logs for why the attempts failed, then start a new rotation.',
  ),
  'secret-too-large': rule<Secret & { worstCaseBytes: number; limit: number }>(
    false,
    (c) =>
      `The new value of secret "${c.secret}" could reach ${c.worstCaseBytes} bytes with the longest key Ringg ` +
      `may issue, over Secrets Manager's limit of ${c.limit} bytes, so the key was not regenerated (the new ` +
      'key could not have been stored). Nothing was changed. Remove fields from the JSON value of AWSCURRENT ' +
      'until it is well under the limit, then rotate again.',
  ),
  /** `keptIn`: where the key whose workspace is unknown waits, when it is not the AWSCURRENT key. */
  'workspace-unknown': rule<Secret & { problem: string; keptIn?: string }>(
    false,
    (c) =>
      `The Ringg workspace of secret "${c.secret}" cannot be established: ${c.problem}. A key whose workspace ` +
      'is not proven is never regenerated or promoted. Nothing was changed by this step. ' +
      (c.keptIn
        ? `Ringg accepts the key in ${c.keptIn}, which may be the workspace's live key: do not regenerate in ` +
          `the Ringg dashboard; once Ringg names its workspace again the retry promotes it, or store it as AWSCURRENT with ${recover(c.secret)}. `
        : '') +
      'If the secret is ' +
      'missing its tag, tag it with the workspace id shown in the Ringg dashboard: aws secretsmanager ' +
      `tag-resource --secret-id "${c.secret}" --tags Key=ringg-rotation:workspace-id,Value=<id>.`,
  ),
  'new-key-unusable': rule<Secret & { problem: string }>(
    false,
    (c) =>
      `Ringg regenerated the key of secret "${c.secret}" but answered with a key that ${c.problem}, which ` +
      'cannot be sent as an API key header. The old key is dead and the new one was not stored. Regenerate the ' +
      `key in the Ringg dashboard and store it as AWSCURRENT with ${recover(c.secret)} (README: runbook "Key lost").`,
  ),
  'rescue-unreadable': rule<Secret & { record: string; problem: string }>(
    false,
    (c) =>
      `The rotation record "${c.record}" of secret "${c.secret}" exists but is not one this ` +
      `rotation can use (${c.problem}). Nothing was regenerated or stored. Someone may have written it: inspect ` +
      "it (aws ssm get-parameter --with-decryption); if it holds the workspace's live key, store that key " +
      `with ${recover(c.secret)}; otherwise delete the parameter and the rotation continues on its next attempt.`,
  ),
  'secret-not-allowed': rule<Secret & { arn: string }>(
    false,
    (c) =>
      `Secret "${c.secret}" (${c.arn}) is not one of the secrets this function's deployment names, so the function does not ` +
      "rotate it: nothing was read or changed. To rotate it, add it to the construct's `secrets` (the ready stack: " +
      'secretNames or secretArns) and deploy. If it was never meant to be rotated here, whoever bound it to this ' +
      'function should cancel that rotation (aws secretsmanager cancel-rotate-secret --secret-id <secret>).',
  ),
};

export type RotationErrorCode = keyof typeof RULES;
export type ErrorContext<C extends RotationErrorCode> = Parameters<(typeof RULES)[C]['message']>[0];
export const ROTATION_ERROR_CODES = Object.keys(RULES) as RotationErrorCode[];

export class RotationError extends Error {
  constructor(
    readonly code: RotationErrorCode,
    message: string,
    /** True when a later attempt of the same rotation can succeed without a person doing anything. */
    readonly retryable: boolean,
  ) {
    super(message);
  }

  /** Derived from the code, so that it survives minification: new-key-lost → NewKeyLostError. */
  override get name(): string {
    return `${this.code.replace(/(^|-)([a-z])/g, (_, __, c: string) => c.toUpperCase())}Error`;
  }
}

export function rotationError<C extends RotationErrorCode>(code: C, context: ErrorContext<C>): RotationError {
  const r = RULES[code] as Rule<ErrorContext<C>>;
  const retryable = typeof r.retryable === 'function' ? r.retryable(context) : r.retryable;
  return new RotationError(code, r.message(context), retryable);
}

export function errorName(error: unknown): string {
  return error instanceof Error ? error.name : typeof error;
}

export const invalidConfiguration = (problem: string) => rotationError('invalid-configuration', { problem });
export const invalidEvent = (problem: string) => rotationError('invalid-event', { problem });
