import { randomUUID } from 'node:crypto';
import { afterEach, expect } from 'vitest';
import { FAILURE_TAG_KEY, type FailureTag, parseFailureTag } from '../../common/workspace-tag.js';
import { continueRotation, type RotateOptions, type RotationReport } from '../../dev/rotation-driver.js';
import { AwsServiceError } from '../../dev/secrets-manager-model.js';
import { type Harness, type HarnessOptions, keyOf, type SeededSecret } from './harness.js';

/** Labels as a map from label to version id, the way an operator reads them. */
export function labels(h: Harness, secretId: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [version, stages] of Object.entries(h.model.stagesOf(secretId))) {
    for (const stage of stages) out[stage] = version;
  }
  return out;
}

/**
 * Records the labels after every step the driver runs, for tests that assert where AWSCURRENT and
 * AWSPENDING stood at each point and not only at the end. Pass `onStep` to the rotation.
 */
export function labelTrail(h: Harness, secretId: string) {
  const trail: { step: string; ok: boolean; labels: Record<string, string> }[] = [];
  return {
    trail,
    onStep: (report: { step: string; ok: boolean }) => {
      trail.push({ step: report.step, ok: report.ok, labels: labels(h, secretId) });
    },
  };
}

/** One regenerate, AWSCURRENT on the rotation's version holding Ringg's live key, the old key as AWSPREVIOUS. */
export function expectRotatedOnce(h: Harness, s: SeededSecret, report: RotationReport): void {
  expect(report.succeeded, JSON.stringify(report.steps.filter((r) => !r.ok))).toBe(true);
  expect(h.ringg.regenerations(s.workspaceId)).toBe(1);
  const current = keyOf(h.model.valueAt(s.secretId, 'AWSCURRENT'));
  expect(current).toBe(h.ringg.liveKey(s.workspaceId));
  expect(current).not.toBe(s.initialKey);
  expect(keyOf(h.model.valueAt(s.secretId, 'AWSPREVIOUS'))).toBe(s.initialKey);
  const byLabel = labels(h, s.secretId);
  expect(byLabel.AWSCURRENT).toBe(report.token);
  expect(byLabel.AWSPENDING).toBeUndefined();
}

/** Nothing regenerated and AWSCURRENT still holds the original, live key. */
export function expectKeyUntouched(h: Harness, s: SeededSecret): void {
  expect(h.ringg.regenerations(s.workspaceId)).toBe(0);
  expect(keyOf(h.model.valueAt(s.secretId, 'AWSCURRENT'))).toBe(s.initialKey);
  expect(h.ringg.liveKey(s.workspaceId)).toBe(s.initialKey);
  expect(labels(h, s.secretId).AWSPREVIOUS).toBeUndefined();
}

export function failedSteps(report: RotationReport): string[] {
  return report.steps.filter((r) => !r.ok).map((r) => `${r.attempt}:${r.step}:${r.error?.name}`);
}

/** What `ringg-rotate status` shows of the last failed step: the function's failure tag. */
export function failureOf(h: Harness, secretId: string): FailureTag | undefined {
  const tags = h.model.describeSecret({ SecretId: secretId }).Tags ?? [];
  return parseFailureTag(tags.find((t) => t.Key === FAILURE_TAG_KEY)?.Value);
}

/** Rotation records that hold a key (a rescue). */
export function rescueParameters(h: Harness): string[] {
  return [...h.ssm.parameters.entries()]
    .filter(([name, p]) => name.includes('/rotation/') && /"status":"rescued"/.test(p.value))
    .map(([name]) => name);
}

/** Every rotation record left in Parameter Store. */
export function rotationRecords(h: Harness): string[] {
  return [...h.ssm.parameters.keys()].filter((name) => name.includes('/rotation/'));
}

/** The rotation records left in Parameter Store, parsed, with the KMS key each is encrypted with. */
export function recordsOf(
  h: Harness,
): (Record<string, unknown> & { name: string; keyId: string | undefined })[] {
  return [...h.ssm.parameters.entries()]
    .filter(([name]) => name.includes('/rotation/'))
    .map(([name, p]) => ({ ...(JSON.parse(p.value) as Record<string, unknown>), name, keyId: p.keyId }));
}

/** Rewrites the rotation record `name` in place (a person, or a principal with SSM write access only). */
export function tamperRecord(
  h: Harness,
  name: string,
  change: (record: Record<string, unknown>) => unknown,
): void {
  const p = h.ssm.parameters.get(name);
  if (!p) throw new Error(`no record ${name}`);
  const changed = change(JSON.parse(p.value) as Record<string, unknown>);
  p.value = typeof changed === 'string' ? changed : JSON.stringify(changed);
}

/**
 * A rotation whose pending version someone filled by hand with another workspace's key after
 * createSecret; the rest of the rotation then runs once.
 */
export async function rotateWithForeignPendingKey(
  h: Harness,
  secretId: string,
  options: RotateOptions = {},
): Promise<RotationReport & { otherWorkspaceId: string }> {
  const other = h.ringg.addWorkspace({ name: 'Someone else' });
  const token = h.model.beginRotation({ SecretId: secretId });
  await h.invoke({ Step: 'createSecret', SecretId: secretId, ClientRequestToken: token });
  h.model.putSecretValue({
    SecretId: secretId,
    ClientRequestToken: token,
    SecretString: other.key,
    VersionStages: ['AWSPENDING'],
  });
  const report = await continueRotation(h.model, secretId, token, h.invoke, { maxAttempts: 1, ...options });
  return { ...report, otherWorkspaceId: other.id };
}

/** Every line the harness logged and every error its rotations threw that contains a key Ringg ever issued. */
export function keyLeaks(h: Harness, extra: string[] = []): string[] {
  const output = [...h.logs, ...extra];
  for (const report of h.reports)
    for (const step of report.steps) if (step.error) output.push(step.error.message);
  return output.filter((line) => h.ringg.issuedKeys.some((key) => line.includes(key)));
}

/**
 * One harness per test, closed after it; each test proves on its own that no key it saw reached a
 * log line or an error message (so no test depends on another having run).
 */
export function harnessPerTest(create: (options?: HarnessOptions) => Promise<Harness>) {
  let current: Harness | undefined;
  afterEach(async () => {
    const h = current;
    current = undefined;
    if (!h) return;
    try {
      expect(keyLeaks(h)).toEqual([]);
    } finally {
      await h.close();
    }
  });
  return async (options?: HarnessOptions): Promise<Harness> => {
    current = await create(options);
    return current;
  };
}

/** The event Secrets Manager sends for one step of the rotation `token` of `secretId`. */
export const stepEvent = (step: string, secretId: string, token: string) => ({
  Step: step,
  SecretId: secretId,
  ClientRequestToken: token,
});

/**
 * A well-formed record of claim 1 of the rotation to `token`, as the function writes it (ended, Ringg
 * proven unchanged), with `fields` changed: planted by someone with SSM write access.
 */
export function plantRecord(
  h: Harness,
  secretId: string,
  token: string,
  fields: Record<string, unknown>,
): void {
  const now = new Date(h.now()).toISOString();
  h.ssm.putParameter({
    Name: `/ringg-rotation/${secretId}/rotation/${token}.g1`,
    Value: JSON.stringify({
      v: 2,
      secretArn: h.model.describeSecret({ SecretId: secretId }).ARN,
      token,
      status: 'not-regenerated',
      generation: 1,
      until: now,
      fromVersion: labels(h, secretId).AWSCURRENT,
      workspaceId: 'w',
      updatedAt: now,
      ...fields,
    }),
    Type: 'SecureString',
    Overwrite: true,
  });
}

/** Claim 1 of the rotation to `token`, ended with Ringg proven unchanged: the next attempt may claim 2. */
export function endedClaim(
  h: Harness,
  s: Pick<SeededSecret, 'secretId' | 'workspaceId'>,
  token: string,
): void {
  plantRecord(h, s.secretId, token, { workspaceId: s.workspaceId });
}

/**
 * A rotation that stored its new key (the old key is dead) and died before any promotion; then a
 * person's PutSecretValue (`written`, given the live key) abandoned it: the live key is in its
 * version, which nothing labels, and its `regenerating` record is the only pointer to it.
 */
export async function strandedRotation(
  h: Harness,
  secretId: string,
  written: (live: string) => string,
): Promise<{ t1: string; k1: string }> {
  const before = rotationRecords(h).length;
  const t1 = h.model.beginRotation({ SecretId: secretId });
  await h.invoke(stepEvent('createSecret', secretId, t1));
  const killed = h.killAt({ operation: 'PutSecretValue', when: 'after' });
  void h.invoke(stepEvent('setSecret', secretId, t1));
  await killed;
  h.restart();
  const k1 = keyOf(h.model.valueOf(secretId, t1)) ?? '';
  h.model.putSecretValue({ SecretId: secretId, ClientRequestToken: randomUUID(), SecretString: written(k1) });
  expect(h.model.describeSecret({ SecretId: secretId }).VersionIdsToStages?.[t1]).toBeUndefined();
  expect(rotationRecords(h)).toHaveLength(before + 1);
  return { t1, k1 };
}

/** Runs one step; its failure (code and message), or undefined when it succeeded. */
export function stepOutcome(h: Harness, step: string, secretId: string, token: string) {
  return h.invoke(stepEvent(step, secretId, token)).then(
    () => undefined,
    (e: unknown) => e as { code: string; message: string },
  );
}

/** A person's PutSecretValue of a new version (`{username, apiKey}`): abandons an open rotation. */
export function writeBySomeone(h: Harness, secretId: string, username: string, apiKey: string) {
  return h.model.putSecretValue({
    SecretId: secretId,
    ClientRequestToken: randomUUID(),
    SecretString: JSON.stringify({ username, apiKey }),
  });
}

/** The AWSCURRENT value's fields. */
export function currentFields(h: Harness, secretId: string): Record<string, unknown> {
  return JSON.parse(h.model.valueAt(secretId, 'AWSCURRENT') ?? '{}') as Record<string, unknown>;
}

/** Secrets Manager cannot decrypt `versionId` for the next `times` reads of it (its KMS key refuses). */
export function undecryptable(h: Harness, versionId: string, times = 20): void {
  for (let i = 0; i < times; i++)
    h.model.onceBefore(
      'GetSecretValue',
      () => {
        throw new AwsServiceError('DecryptionFailure', 'the KMS key is disabled', 400);
      },
      (input: { VersionId?: string }) => input.VersionId === versionId,
    );
}

/** Every PutParameter of a rotation record after the claim is throttled: a rescue cannot be written. */
export function rescueRefused(h: Harness): void {
  h.ssm.injectFault({
    operation: 'PutParameter',
    times: 100,
    nameContains: '/rotation/',
    skip: 1,
    error: new AwsServiceError('ThrottlingException', 'Rate exceeded', 400),
  });
}
