import { createHash } from 'node:crypto';

/** A short, one-way name for a key, safe to print: the first 8 hex characters of its SHA-256. */
export function fingerprint(key: string | undefined): string {
  if (key === undefined) return '(none)';
  return `sha256:${createHash('sha256').update(key).digest('hex').slice(0, 8)}`;
}
