/** Where a secret's journal and rescue parameters live in SSM Parameter Store. */
export interface ParameterNames {
  readonly journal: string;
  /** The path under which the rescue parameters of this secret live. */
  readonly rescuePath: string;
  rescue(token: string): string;
  /** The create-once record that a regenerate of this rotation is about to be sent (generation 1, 2, …). */
  intent(token: string, generation: number): string;
}

export function parameterNames(prefix: string, secretName: string): ParameterNames {
  const base = `${prefix}/${safeSegment(secretName)}`;
  return {
    journal: `${base}/journal`,
    rescuePath: `${base}/rescue`,
    rescue: (token) => `${base}/rescue/${safeSegment(token)}`,
    intent: (token, generation) => `${base}/intent/${safeSegment(token)}.${generation}`,
  };
}

/** The SecureString that mirrors a secret's live key for services that read Parameter Store. */
export function mirrorParameterName(prefix: string, secretName: string): string {
  return `${prefix}/${safeSegment(secretName)}`;
}

/** SSM allows letters, digits and _ . - / in names; secret names may also hold + = @ and repeated slashes. */
function safeSegment(value: string): string {
  return value
    .replace(/[^A-Za-z0-9_.\-/]/g, '_')
    .replace(/\/{2,}/g, '/')
    .replace(/^\/|\/$/g, '');
}
