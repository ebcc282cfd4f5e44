import { type FunctionRef, parseFunctionRef } from './function-ref.js';

/** `ringg-rotate doctor`: which secrets, against which function, and how to print the answer. */
export interface DoctorCommand {
  readonly targets:
    | { readonly kind: 'ids'; readonly secretIds: readonly string[] }
    | { readonly kind: 'all' };
  readonly functionRef: FunctionRef | undefined;
  readonly json: boolean;
  /** A file to append the table to as Markdown, e.g. $GITHUB_STEP_SUMMARY. */
  readonly markdownSummary: string | undefined;
}

export class DoctorUsageError extends Error {}

/** The findings doctor can report, for its help (docs/doctor.md says what to do about each). */
export const DOCTOR_FINDINGS = `Findings (each makes the secret "not ready"; docs/doctor.md says what to do):
  rotation-disabled     rotation is off, the secret has no rotation function, or another function
                        than --function rotates it
  rotation-stuck        a rotation is open (AWSPENDING on another version): since when, and
                        ringg-rotate resume to finish it
  current-key-rejected  Ringg rejects the AWSCURRENT key; the recovery that keeps any live copy
  workspace-mismatch    the key belongs to another workspace than the tag ringg-rotation:workspace-id
  workspace-shared      another secret (checked here, or tagged in this account) holds the same
                        workspace: rotating one kills the other's key
  workspace-unknown     Ringg names no workspace for the key
  permission-denied     Ringg answers 403 to GET /workspace with the key
  invalid-secret-value  the value is neither a plain key nor JSON with an "apiKey" field
  secret-too-large      the new value could exceed Secrets Manager's 65,536 bytes
  secret-name-too-deep  the rotation's SSM parameters would exceed 15 levels
  secret-not-found, secret-access-denied
                        no such secret here, or these credentials may not describe it
What the caller may not read (e.g. the CI role cannot read secret values), what Ringg did not answer,
and whether the key may regenerate (only a regenerate shows it) are listed as "not checked": never a
finding, never a change of the exit code.`;

/** Validates doctor's options, as the shared parser read them. */
export function doctorCommandOf(
  values: Readonly<Record<string, string | boolean | string[] | undefined>>,
  json: boolean,
): DoctorCommand {
  const secretIds = [
    ...new Set(((values['secret-id'] as string[] | undefined) ?? []).map((id) => id.trim())),
  ];
  if (secretIds.some((id) => id === '')) throw new DoctorUsageError('--secret-id needs a name or ARN.');
  const all = values.all === true;
  if (all && secretIds.length > 0) {
    throw new DoctorUsageError('Give either --all or --secret-id, not both (ringg-rotate doctor --help).');
  }
  if (!all && secretIds.length === 0) {
    throw new DoctorUsageError(
      'doctor needs --secret-id <name or ARN> (repeatable) or --all --function <name|arn> (ringg-rotate doctor --help).',
    );
  }
  let functionRef: FunctionRef | undefined;
  if (typeof values.function === 'string') {
    const parsed = parseFunctionRef(values.function);
    if (!parsed.ok) throw new DoctorUsageError(parsed.problem);
    functionRef = parsed.ref;
  } else if (all) {
    throw new DoctorUsageError(
      '--all needs --function <name or ARN>: the rotation function whose secrets to check (the stack output FunctionName).',
    );
  }
  const markdown = values['markdown-summary'];
  if (typeof markdown === 'string' && markdown.trim() === '') {
    throw new DoctorUsageError('--markdown-summary needs a file name, e.g. "$GITHUB_STEP_SUMMARY".');
  }
  return {
    targets: all ? { kind: 'all' } : { kind: 'ids', secretIds },
    functionRef,
    json,
    markdownSummary: typeof markdown === 'string' ? markdown : undefined,
  };
}
