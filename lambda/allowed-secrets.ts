import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  ALLOWED_SECRETS_FILE,
  type AllowedSecretsList,
  parseAllowedSecrets,
} from '../common/allowed-secrets-file.js';
import { invalidConfiguration, rotationError } from './errors.js';

/** The secrets this function may rotate, as its deployment named them. */
export interface AllowedSecrets {
  readonly arns: ReadonlySet<string>;
  readonly names: ReadonlySet<string>;
}

export function allowedSecrets(list: AllowedSecretsList): AllowedSecrets {
  return { arns: new Set(list.arns), names: new Set(list.names) };
}

/** Secrets Manager puts `-` and six random characters after the name in a secret's ARN. */
const ARN_SUFFIX = /^-[A-Za-z0-9]{6}$/;

/**
 * Whether the secret the event names is one of `list`: DescribeSecret answered `describedArn` and
 * `describedName` for `secretArnOrId`. A complete ARN must be listed exactly; a name must be listed
 * and be the name inside the described ARN. `secretArnOrId` must be the described secret (its ARN,
 * a partial ARN of it, or its name), or nothing is allowed.
 */
export function secretAllowed(
  list: AllowedSecrets,
  secretArnOrId: string,
  describedArn: string,
  describedName: string,
): boolean {
  const asked = secretArnOrId.startsWith('arn:')
    ? describedArn === secretArnOrId ||
      (describedArn.startsWith(secretArnOrId) && ARN_SUFFIX.test(describedArn.slice(secretArnOrId.length)))
    : secretArnOrId === describedName;
  if (!asked || !describedArn.startsWith('arn:')) return false;
  if (list.arns.has(describedArn)) return true;
  const at = describedArn.indexOf(':secret:');
  const resource = at < 0 ? '' : describedArn.slice(at + ':secret:'.length);
  return (
    list.names.has(describedName) &&
    resource.startsWith(describedName) &&
    ARN_SUFFIX.test(resource.slice(describedName.length))
  );
}

/** Throws SecretNotAllowedError unless {@link secretAllowed}. */
export function checkSecretAllowed(
  list: AllowedSecrets,
  secretArnOrId: string,
  described: { readonly arn: string; readonly name: string },
): void {
  if (!secretAllowed(list, secretArnOrId, described.arn, described.name)) {
    throw rotationError('secret-not-allowed', { secret: described.name, arn: described.arn });
  }
}

/**
 * Where the deployed function finds its list: `allowed-secrets.json` in its code directory
 * (LAMBDA_TASK_ROOT), or the file ROTATION_ALLOWED_SECRETS_FILE names (local runs).
 */
export function allowedSecretsPath(env: Record<string, string | undefined>): string | undefined {
  const file = env.ROTATION_ALLOWED_SECRETS_FILE?.trim();
  if (file) return file;
  const root = env.LAMBDA_TASK_ROOT?.trim();
  return root ? join(root, ALLOWED_SECRETS_FILE) : undefined;
}

/**
 * Reads the list at `path` (each call reads it afresh: it is small, and local runs add to it).
 * A missing or malformed list refuses every secret with a configuration error.
 */
export function loadAllowedSecrets(path: string | undefined): AllowedSecrets {
  if (path === undefined) {
    throw invalidConfiguration(
      `The function has no list of the secrets it may rotate (${ALLOWED_SECRETS_FILE} in its code, or ` +
        'ROTATION_ALLOWED_SECRETS_FILE): deploy it with the RinggKeyRotation construct, which writes the list. Nothing was read or changed.',
    );
  }
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw invalidConfiguration(
      `The function's list of the secrets it may rotate (${path}) cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'}): ` +
        'redeploy the stack, which writes it into the function code. Nothing was read or changed.',
    );
  }
  const parsed = parseAllowedSecrets(text);
  if (!parsed.ok) {
    throw invalidConfiguration(
      `The function's list of the secrets it may rotate (${path}) is unusable: ${parsed.problem}. Redeploy the stack. Nothing was read or changed.`,
    );
  }
  return allowedSecrets(parsed.list);
}
