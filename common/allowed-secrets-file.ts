/**
 * The file, shipped inside the rotation function's code, that lists the secrets its deployment names
 * (an environment variable could not hold a thousand names: Lambda allows 4 KB for all of them).
 * The construct writes it at synth; the function reads it before it reads any secret.
 */
export const ALLOWED_SECRETS_FILE = 'allowed-secrets.json';

/** The secrets one deployment names. */
export interface AllowedSecretsList {
  /** Secrets imported by complete ARN: exactly that secret. */
  readonly arns: readonly string[];
  /**
   * Secrets imported by name: the secret of that name (`<name>-` and Secrets Manager's six random
   * characters in its ARN); the function's IAM policy keeps it to the function's account and Region.
   */
  readonly names: readonly string[];
}

export function serializeAllowedSecrets(list: AllowedSecretsList): string {
  return `${JSON.stringify({ v: 1, arns: [...list.arns].sort(), names: [...list.names].sort() }, null, 1)}\n`;
}

/** The list in `text`, or why it is not one. */
export function parseAllowedSecrets(
  text: string,
): { ok: true; list: AllowedSecretsList } | { ok: false; problem: string } {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return { ok: false, problem: 'it is not JSON' };
  }
  const doc = raw as { v?: unknown; arns?: unknown; names?: unknown } | null;
  const strings = (value: unknown): value is string[] =>
    Array.isArray(value) && value.every((item) => typeof item === 'string' && item !== '');
  if (doc === null || typeof doc !== 'object' || doc.v !== 1 || !strings(doc.arns) || !strings(doc.names)) {
    return { ok: false, problem: 'it is not {"v":1,"arns":[…],"names":[…]}' };
  }
  return { ok: true, list: { arns: doc.arns, names: doc.names } };
}
