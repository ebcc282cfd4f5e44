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
