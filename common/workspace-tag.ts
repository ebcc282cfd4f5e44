/**
 * The Ringg workspace a secret's key must belong to is kept as a tag on the secret: DescribeSecret,
 * which every step makes, returns it, and a principal who can only write the rotation's SSM
 * parameters cannot change it. The function writes it once, from Ringg's own answer for the live key.
 */
export const WORKSPACE_TAG_KEY = 'ringg-rotation:workspace-id';

/**
 * Secrets Manager tag values: at most 256 characters of letters, digits, spaces and _ . : / = + - @.
 * https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_Tag.html
 */
export const MAX_TAG_VALUE_LENGTH = 256;

/** A workspace id from Ringg that can be kept in the tag, or undefined when it cannot be established. */
export function usableWorkspaceId(raw: unknown): string | undefined {
  if (typeof raw !== 'string') return undefined;
  const id = raw.trim();
  if (id === '' || id.length > MAX_TAG_VALUE_LENGTH || !/^[A-Za-z0-9_.:/=+\-@]+$/.test(id)) return undefined;
  return id;
}

/**
 * The last failed step of the secret's rotation, `<code> <step> <retryable|final> <token> <time>`,
 * written by the function when a step fails and removed when a rotation finishes: what
 * `ringg-rotate status` shows without reading anything that can hold a key.
 */
export const FAILURE_TAG_KEY = 'ringg-rotation:last-failure';

export interface FailureTag {
  readonly code: string;
  readonly step: string;
  readonly retryable: boolean;
  readonly token: string;
  readonly at: string;
}

export function failureTagValue(f: FailureTag): string {
  const token = /^[A-Za-z0-9_.:/=+\-@]{1,64}$/.test(f.token) ? f.token : '-';
  return `${f.code} ${f.step} ${f.retryable ? 'retryable' : 'final'} ${token} ${f.at}`.slice(
    0,
    MAX_TAG_VALUE_LENGTH,
  );
}

export function parseFailureTag(value: string | undefined): FailureTag | undefined {
  const match = /^([A-Za-z-]+) ([A-Za-z]+) (retryable|final) (\S+) (\S+)$/.exec(value ?? '');
  if (!match) return undefined;
  const [, code, step, retry, token, at] = match as unknown as [
    string,
    string,
    string,
    string,
    string,
    string,
  ];
  return { code, step, retryable: retry === 'retryable', token, at };
}
