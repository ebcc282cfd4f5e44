import { createHash } from 'node:crypto';
import { normalizeApiKey } from './secret-value.js';

/**
 * The one durable record of a rotation: an SSM SecureString per secret and rotation token, under the
 * rotation's own KMS key (never the secret's, so a customer key that refuses cannot lose the new key).
 * It exists from the moment setSecret claims the regenerate until finishSecret (or the next rotation's
 * finishSecret) deletes it, and is created once (`Overwrite: false`): two deliveries can never both
 * own a claim. Only its owner writes it afterwards. `status` is the one state field:
 * - `regenerating`: the owner may be sending the PATCH until `until`;
 * - `not-regenerated`: the owner proved Ringg changed nothing; a later attempt may claim again;
 * - `outcome-unknown`: a PATCH may have been applied without its answer reaching the owner;
 * - `rescued`: Ringg issued `apiKey` and Secrets Manager did not take it; the next attempt stores it.
 */
export const RECORD_SCHEMA_VERSION = 2;

/**
 * SSM Standard-tier parameter values hold at most 4,096 characters; the record must fit whatever the
 * secret's name, the token and the key are (test/unit/rotation-record.test.ts).
 * https://docs.aws.amazon.com/systems-manager/latest/userguide/parameter-store-advanced-parameters.html
 */
export const SSM_STANDARD_MAX_VALUE_CHARS = 4_096;
export const RECORD_STATUSES = ['regenerating', 'not-regenerated', 'outcome-unknown', 'rescued'] as const;
export type RecordStatus = (typeof RECORD_STATUSES)[number];

export interface RotationRecord {
  readonly secretArn: string;
  readonly token: string;
  readonly status: RecordStatus;
  /** Claims made for this token so far: 1 for the first regenerate, +1 for each claim after a proven non-regenerate. */
  readonly generation: number;
  /** When the owning invocation is certainly over (its Lambda timeout). */
  readonly until: string;
  /** The AWSCURRENT version when the claim was made: a different one later was written by someone else. */
  readonly fromVersion: string;
  /** The workspace the new key must belong to (the secret's tag when the claim was made). */
  readonly workspaceId: string;
  readonly updatedAt: string;
  /** The invocation that made the claim: a create whose answer was lost is still known as its own. */
  readonly owner?: string;
  /** `rescued` only: the new key, waiting to be stored. */
  readonly apiKey?: string;
}

export function serializeRecord(record: RotationRecord): string {
  return JSON.stringify({ v: RECORD_SCHEMA_VERSION, ...record });
}

export type RecordParse =
  | { readonly ok: true; readonly record: RotationRecord }
  | { readonly ok: false; readonly problem: string };

/** Anything that is not a record this function wrote is refused, never half-trusted. */
export function parseRecord(text: string | undefined): RecordParse {
  let raw: unknown;
  try {
    raw = JSON.parse(text ?? '');
  } catch {
    return { ok: false, problem: 'it is not JSON' };
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    return { ok: false, problem: 'it is not a JSON object' };
  }
  const r = raw as Record<string, unknown>;
  if (r.v !== RECORD_SCHEMA_VERSION)
    return { ok: false, problem: `its schema version is not ${RECORD_SCHEMA_VERSION}` };
  const problems: string[] = [];
  for (const field of ['secretArn', 'token', 'fromVersion', 'workspaceId'] as const) {
    if (typeof r[field] !== 'string' || r[field] === '')
      problems.push(`"${field}" is not a non-empty string`);
  }
  for (const field of ['until', 'updatedAt'] as const) {
    if (typeof r[field] !== 'string' || Number.isNaN(Date.parse(r[field] as string)))
      problems.push(`"${field}" is not a date`);
  }
  if (typeof r.status !== 'string' || !(RECORD_STATUSES as readonly string[]).includes(r.status))
    problems.push(`"status" is not one of ${RECORD_STATUSES.join(', ')}`);
  if (!Number.isInteger(r.generation) || (r.generation as number) < 1)
    problems.push('"generation" is not a whole number ≥ 1');
  if (r.owner !== undefined && (typeof r.owner !== 'string' || r.owner.length > 64))
    problems.push('"owner" is not a short string');
  let apiKey: string | undefined;
  if (r.status === 'rescued') {
    const key = normalizeApiKey(r.apiKey);
    if (key.ok) apiKey = key.key;
    else problems.push(`its key ${key.problem}`);
  } else if (r.apiKey !== undefined) {
    problems.push('it holds a key but is not "rescued"');
  }
  if (problems.length > 0) return { ok: false, problem: problems.join('; ') };
  return {
    ok: true,
    record: {
      secretArn: r.secretArn as string,
      token: r.token as string,
      status: r.status as RecordStatus,
      generation: r.generation as number,
      until: r.until as string,
      fromVersion: r.fromVersion as string,
      workspaceId: r.workspaceId as string,
      updatedAt: r.updatedAt as string,
      ...(typeof r.owner === 'string' ? { owner: r.owner } : {}),
      ...(apiKey === undefined ? {} : { apiKey }),
    },
  };
}

/** The record as a person or the CLI may see it: everything but the key. */
export function describeRecord(
  record: RotationRecord,
): Omit<RotationRecord, 'apiKey'> & { holdsKey: boolean } {
  const { apiKey, ...rest } = record;
  return { ...rest, holdsKey: apiKey !== undefined };
}

/**
 * The version a rotation writes when it keeps an edit made during it (the edit's fields with the live
 * key): the same id for the same merge, however often it is attempted (PutSecretValue is then
 * idempotent), and one the CLI recognises from the labels alone.
 */
export function mergeVersionId(token: string, writtenVersion: string): string {
  const h = createHash('sha256').update(`${token}\n${writtenVersion}`).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}
