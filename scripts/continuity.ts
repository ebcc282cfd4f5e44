// Continuity: consumers calling Ringg while rotations run back to back, through the consumer library
// and through a naive consumer that caches AWSCURRENT for a fixed TTL (as the Lambda extension does).
import {
  CreateSecretCommand,
  GetSecretValueCommand,
  RotateSecretCommand,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { parseSecretValue } from '../common/secret-value.js';
import { RinggApi, RinggKeyProvider } from '../consumer/index.js';
import { LOCAL_FUNCTION_ARN, type LocalEnvironment } from '../dev/local-environment.js';
import type { RotationReport } from '../dev/rotation-driver.js';

/** One second of AWS time is one millisecond here: a 300 s cache TTL becomes 300 ms. */
export const TIME_SCALE = 1 / 1000;
const EXTENSION_TTL_MS = 300_000 * TIME_SCALE;
const LIBRARY_TTL_MS = 300_000 * TIME_SCALE;
const LIBRARY_PENDING_TTL_MS = 5_000 * TIME_SCALE;
const PAUSE_BETWEEN_REQUESTS_MS = 2;

export interface ContinuityOptions {
  readonly rotations: number;
  readonly loops: number;
  /** Pause between two rotations, so consumers run on the new key for a while. */
  readonly gapMs: number;
}

export interface ContinuityResult {
  readonly rotations: number;
  readonly library: { readonly requests: number; readonly failed: number };
  readonly naive: { readonly requests: number; readonly failed: number };
  readonly naiveTtlMs: number;
}

type Call = () => Promise<number>;

/** A naive consumer: AWSCURRENT cached for a fixed TTL, no reaction to a 401. */
function naiveConsumer(sm: SecretsManagerClient, secretId: string, baseUrl: string): Call {
  let cached: { key: string; until: number } | undefined;
  return async () => {
    if (!cached || cached.until <= Date.now()) {
      const parsed = parseSecretValue(
        (await sm.send(new GetSecretValueCommand({ SecretId: secretId }))).SecretString,
      );
      if (!parsed.ok) throw new Error(parsed.problem);
      cached = { key: parsed.value.apiKey, until: Date.now() + EXTENSION_TTL_MS };
    }
    const response = await fetch(`${baseUrl}/workspace`, { headers: { 'x-api-key': cached.key } });
    await response.arrayBuffer();
    return response.status;
  };
}

function libraryConsumer(sm: SecretsManagerClient, secretId: string, baseUrl: string): Call {
  const api = new RinggApi({
    baseUrl,
    keys: new RinggKeyProvider({
      secretId,
      client: sm,
      ttlMs: LIBRARY_TTL_MS,
      pendingTtlMs: LIBRARY_PENDING_TTL_MS,
    }),
  });
  return async () => (await api.request('/workspace')).status;
}

async function loop(
  call: Call,
  stop: () => boolean,
  tally: { requests: number; failed: number },
): Promise<void> {
  while (!stop()) {
    tally.requests++;
    const status = await call().catch(() => 0);
    if (status !== 200) tally.failed++;
    await new Promise((resolve) => setTimeout(resolve, PAUSE_BETWEEN_REQUESTS_MS));
  }
}

export async function runContinuity(
  env: LocalEnvironment,
  options: ContinuityOptions,
): Promise<ContinuityResult> {
  const sm = new SecretsManagerClient({});
  const secretId = 'ringg/continuity';
  const workspace = env.ringg.addWorkspace({ name: 'Continuity' });
  await sm.send(
    new CreateSecretCommand({ Name: secretId, SecretString: JSON.stringify({ apiKey: workspace.key }) }),
  );
  const baseUrl = env.ringg.baseUrl();

  let done = false;
  const library = { requests: 0, failed: 0 };
  const naive = { requests: 0, failed: 0 };
  const loops = [
    ...Array.from({ length: options.loops }, () =>
      loop(libraryConsumer(new SecretsManagerClient({}), secretId, baseUrl), () => done, library),
    ),
    ...Array.from({ length: options.loops }, () =>
      loop(naiveConsumer(new SecretsManagerClient({}), secretId, baseUrl), () => done, naive),
    ),
  ];

  await new Promise((resolve) => setTimeout(resolve, options.gapMs));
  for (let i = 0; i < options.rotations; i++) {
    const rotate = await sm.send(
      new RotateSecretCommand({
        SecretId: secretId,
        RotationLambdaARN: LOCAL_FUNCTION_ARN,
        RotateImmediately: true,
      }),
    );
    const report = (await env.aws.rotations.get(rotate.VersionId ?? '')) as RotationReport;
    if (!report.succeeded)
      throw new Error(`Continuity rotation ${i} failed: ${JSON.stringify(report.steps.at(-1)?.error)}`);
    await new Promise((resolve) => setTimeout(resolve, options.gapMs));
  }
  done = true;
  await Promise.all(loops);
  return { rotations: options.rotations, library, naive, naiveTtlMs: EXTENSION_TTL_MS };
}
