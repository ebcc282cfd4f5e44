// Continuity: services calling Ringg (GET /workspace and POST /calling/outbound/individual) while the
// real rotation handler rotates the key, with the steps paced the way Secrets Manager paces them.
// Each kind of consumer is one entry of CONSUMER_KINDS; each runs its own loops with its own cache.

import { pathToFileURL } from 'node:url';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { dropSdkNodeVersionWarning } from '../cli/sdk-warning.js';
import { mirrorParameterName } from '../common/parameter-names.js';
import { parseSecretValue } from '../common/secret-value.js';
import { RinggApi, RinggKeyProvider } from '../consumer/index.js';
import { LOCAL_FUNCTION_ARN, type LocalEnvironment } from '../dev/local-environment.js';
import { runRotation } from '../dev/rotation-driver.js';

/** One second of AWS time is one millisecond here: a 300 s cache TTL becomes 300 ms. */
export const TIME_SCALE = 1 / 1000;
const PAUSE_BETWEEN_REQUESTS_MS = 2;

export const METHODS = ['GET', 'POST'] as const;
export type Method = (typeof METHODS)[number];

/** The request each method stands for: a health check, and what Ringg users mostly do (start a call). */
const REQUESTS: Record<Method, { readonly path: string; readonly body?: unknown }> = {
  GET: { path: '/workspace' },
  POST: { path: '/calling/outbound/individual', body: { to: '+15550100', agent_id: 'continuity' } },
};

/** What a consumer kind gets to build one consumer (one service instance with its own cache). */
export interface ConsumerContext {
  readonly secretId: string;
  readonly baseUrl: string;
  /** Counts a request the consumer sent a second time after a 401. */
  readonly countRepeat: (method: Method) => void;
}

export interface Consumer {
  /** Sends one request; resolves to the HTTP status (0 when there was no answer). */
  call(method: Method): Promise<number>;
  /** Called when a rotation has succeeded: what a RotationSucceeded event reaching the service does. */
  onRotationSucceeded?(): void;
  /** Releases connections when the run ends. */
  close?(): Promise<void>;
}

export interface ConsumerKind {
  readonly name: string;
  /** One line for the report: what the consumer does. */
  readonly description: string;
  /** Before the loops start, e.g. what an operator sets up once. */
  setUp?(env: LocalEnvironment, secretId: string, initialKey: string): void;
  create(context: ConsumerContext): Consumer;
}

async function send(baseUrl: string, method: Method, key: string): Promise<number> {
  const { path, body } = REQUESTS[method];
  const response = await fetch(`${baseUrl}${path}`, {
    method,
    headers: { 'x-api-key': key, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  await response.arrayBuffer();
  return response.status;
}

async function readCurrent(sm: SecretsManagerClient, secretId: string): Promise<string> {
  const parsed = parseSecretValue(
    (await sm.send(new GetSecretValueCommand({ SecretId: secretId }))).SecretString,
  );
  if (!parsed.ok) throw new Error(parsed.problem);
  return parsed.value.apiKey;
}

/** The consumer library with its defaults (5 min / 5 s TTLs, scaled), configured from the environment. */
export const libraryConsumer: ConsumerKind = {
  name: 'library',
  description: 'RinggApi + RinggKeyProvider, defaults: refresh and repeat once on a 401, any method',
  create({ secretId, countRepeat }) {
    const api = new RinggApi({
      keys: new RinggKeyProvider({
        secretId,
        ttlMs: 300_000 * TIME_SCALE,
        refreshIntervalMs: 5_000 * TIME_SCALE,
        onEvent: (event) => {
          if (event.type === 'key-rejected' && event.outcome === 'repeated')
            countRepeat(event.method as Method);
        },
      }),
    });
    return {
      async call(method) {
        const { path, body } = REQUESTS[method];
        return (await api.request(path, { method, body })).status;
      },
      close: () => api.close(),
    };
  },
};

/** AWSCURRENT cached for `ttlSeconds` (scaled): `get` serves the cache, `reread` reads the secret again. */
function currentKeyCache(secretId: string, ttlSeconds: number) {
  const sm = new SecretsManagerClient({});
  let cached: { key: string; until: number } | undefined;
  const reread = async () => {
    cached = { key: await readCurrent(sm, secretId), until: Date.now() + ttlSeconds * 1000 * TIME_SCALE };
    return cached.key;
  };
  return {
    get: async () => (cached && cached.until > Date.now() ? cached.key : reread()),
    reread,
  };
}

/** AWSCURRENT cached for a fixed TTL with no reaction to a 401: the Lambda extension's 300 s default. */
export function naiveConsumer(ttlSeconds = 300): ConsumerKind {
  return {
    name: `naive ${ttlSeconds} s cache`,
    description: `AWSCURRENT cached ${ttlSeconds} s (scaled: ${ttlSeconds * 1000 * TIME_SCALE} ms), nothing on a 401`,
    create({ secretId, baseUrl }) {
      const cache = currentKeyCache(secretId, ttlSeconds);
      return { call: async (method) => send(baseUrl, method, await cache.get()) };
    },
  };
}

/**
 * The most common hand-written consumer: AWSCURRENT cached, and on a 401 AWSCURRENT read again and the
 * request sent once more with it. It never looks at AWSPENDING.
 */
export function rereadOn401Consumer(ttlSeconds = 300): ConsumerKind {
  return {
    name: 're-read AWSCURRENT on 401',
    description: `AWSCURRENT cached ${ttlSeconds} s (scaled); on a 401 read AWSCURRENT again and repeat once`,
    create({ secretId, baseUrl, countRepeat }) {
      const cache = currentKeyCache(secretId, ttlSeconds);
      return {
        async call(method) {
          const status = await send(baseUrl, method, await cache.get());
          if (status !== 401) return status;
          countRepeat(method);
          return send(baseUrl, method, await cache.reread());
        },
      };
    },
  };
}

/**
 * Reads AWSCURRENT once and again only when told a rotation succeeded: a service restarted or
 * refreshed by the RotationSucceeded event, here with no delivery or restart delay (a lower bound).
 */
export const onEventConsumer: ConsumerKind = {
  name: 'refresh on event',
  description: 'AWSCURRENT read at start and at each RotationSucceeded (delivered instantly here)',
  create({ secretId, baseUrl }) {
    const sm = new SecretsManagerClient({});
    let key: Promise<string> | undefined;
    return {
      async call(method) {
        key ??= readCurrent(sm, secretId);
        return send(baseUrl, method, await key);
      },
      onRotationSucceeded() {
        key = undefined;
      },
    };
  },
};

/** The Parameter Store mirror, cached like the extension caches parameters, re-read after a 401. */
export function mirrorConsumer(prefix: string, secretName: string, ttlSeconds = 300): ConsumerKind {
  return {
    name: 'Parameter Store mirror',
    description: `mirror parameter cached ${ttlSeconds} s (scaled), re-read after a 401, request not repeated`,
    setUp(env, _secretId, initialKey) {
      // The function writes the mirror at each rotation; the first value is the operator's to put there.
      env.aws.ssm.putParameter({
        Name: mirrorParameterName(prefix, secretName),
        Value: initialKey,
        Type: 'SecureString',
      });
    },
    create({ baseUrl }) {
      const ssm = new SSMClient({});
      const name = mirrorParameterName(prefix, secretName);
      let cached: { key: string; until: number } | undefined;
      return {
        async call(method) {
          if (!cached || cached.until <= Date.now()) {
            const out = await ssm.send(new GetParameterCommand({ Name: name, WithDecryption: true }));
            cached = { key: out.Parameter?.Value ?? '', until: Date.now() + ttlSeconds * 1000 * TIME_SCALE };
          }
          const status = await send(baseUrl, method, cached.key);
          if (status === 401) cached = undefined;
          return status;
        },
      };
    },
  };
}

export interface ContinuityOptions {
  readonly rotations: number;
  /** Loops per method and consumer kind; each loop is one service instance with its own cache. */
  readonly loops: number;
  /** Pause between the steps of a rotation (wall-clock ms, not scaled). */
  readonly stepGapMs: number;
  /** Pause before the first rotation and after each, so consumers run on each new key for a while. */
  readonly rotationGapMs: number;
  /** @default [libraryConsumer, naiveConsumer()] */
  readonly kinds?: readonly ConsumerKind[];
  /** The secret to rotate; created with a fresh workspace's key. @default 'ringg/continuity' */
  readonly secretId?: string;
}

export interface ContinuityFigure {
  readonly kind: string;
  readonly description: string;
  readonly method: Method;
  readonly requests: number;
  readonly failed: number;
  /** Requests sent a second time after a 401 (the library's repeat). */
  readonly repeated: number;
}

export interface ContinuityResult {
  readonly rotations: number;
  readonly stepGapMs: number;
  /** Keys Ringg regenerated during the run: one per rotation. */
  readonly regenerations: number;
  /** Per rotation: Ringg accepted the regenerate → AWSCURRENT holds the new key (ms). */
  readonly staleWindowsMs: readonly number[];
  readonly figures: readonly ContinuityFigure[];
}

export const median = (values: readonly number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[mid] ?? 0) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
};

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function runContinuity(
  env: LocalEnvironment,
  options: ContinuityOptions,
): Promise<ContinuityResult> {
  const kinds = options.kinds ?? [libraryConsumer, naiveConsumer()];
  const secretId = options.secretId ?? 'ringg/continuity';
  const workspace = env.ringg.addWorkspace({ name: 'Continuity' });
  const model = env.aws.secretsManager;
  model.createSecret({ Name: secretId, SecretString: JSON.stringify({ apiKey: workspace.key }) });
  model.enableRotation(secretId, LOCAL_FUNCTION_ARN);
  const baseUrl = env.ringg.baseUrl();
  const regenerationsBefore = env.ringg.regenerations(workspace.id);
  for (const kind of kinds) kind.setUp?.(env, secretId, workspace.key);

  const tallies = kinds.flatMap((kind) =>
    METHODS.map((method) => ({
      kind: kind.name,
      description: kind.description,
      method,
      requests: 0,
      failed: 0,
      repeated: 0,
    })),
  );
  const tally = (kind: string, method: Method) => {
    const found = tallies.find((t) => t.kind === kind && t.method === method);
    if (!found) throw new Error(`No tally for ${kind} ${method}`);
    return found;
  };
  const consumers: Consumer[] = [];
  const staleWindowsMs: number[] = [];
  let done = false;
  const loops = kinds.flatMap((kind) =>
    METHODS.flatMap((method) =>
      Array.from({ length: options.loops }, async () => {
        const consumer = kind.create({
          secretId,
          baseUrl,
          countRepeat: (m) => tally(kind.name, m).repeated++,
        });
        consumers.push(consumer);
        const counts = tally(kind.name, method);
        while (!done) {
          counts.requests++;
          const status = await consumer.call(method).catch(() => 0);
          if (status !== 200) counts.failed++;
          await sleep(PAUSE_BETWEEN_REQUESTS_MS);
        }
      }),
    ),
  );

  try {
    await sleep(options.rotationGapMs);
    for (let i = 0; i < options.rotations; i++) {
      const report = await runRotation(model, secretId, env.invoke, {
        stepGapMs: options.stepGapMs,
        maxAttempts: 1,
      });
      if (!report.succeeded)
        throw new Error(`Continuity rotation ${i + 1} failed: ${JSON.stringify(report.steps.at(-1)?.error)}`);
      staleWindowsMs.push(staleWindowMs(env, workspace.id, secretId, report.token));
      for (const consumer of consumers) consumer.onRotationSucceeded?.();
      await sleep(options.rotationGapMs);
    }
  } finally {
    done = true;
    await Promise.all(loops);
    await Promise.all(consumers.map((consumer) => consumer.close?.()));
  }
  return {
    rotations: options.rotations,
    stepGapMs: options.stepGapMs,
    regenerations: env.ringg.regenerations(workspace.id) - regenerationsBefore,
    staleWindowsMs,
    figures: tallies,
  };
}

/** Ringg's last regenerate for the workspace → AWSCURRENT moved to the rotation's version. */
export function staleWindowMs(
  env: LocalEnvironment,
  workspaceId: string,
  secretId: string,
  token: string,
): number {
  const regenerated = env.ringg.events
    .filter((e) => e.kind === 'regenerated' && e.workspaceId === workspaceId)
    .at(-1);
  const model = env.aws.secretsManager;
  const arn = model.arnOf(secretId);
  const promoted = model.currentMoves.find((m) => m.arn === arn && m.versionId === token);
  if (!regenerated || !promoted) throw new Error(`No regenerate or no AWSCURRENT move for version ${token}`);
  return promoted.at - regenerated.at;
}

const MIRROR_PREFIX = '/continuity/mirror';

function numbersFrom(name: string, fallback: string): number[] {
  const raw = process.env[name] ?? fallback;
  const values = raw.split(',').map((v) => Number(v.trim()));
  if (values.length === 0 || values.some((v) => !Number.isInteger(v) || v < 0))
    throw new Error(
      `${name} must be a comma-separated list of whole numbers ≥ 0 (e.g. "${fallback}"), not "${raw}".`,
    );
  return values;
}

/** `npm run bench` runs this in its own process: the function needs the mirror configured when it loads. */
async function main(): Promise<void> {
  const gaps = numbersFrom('BENCH_STEP_GAPS_MS', '150,1000');
  const [rotations = 6] = numbersFrom('BENCH_CONTINUITY_ROTATIONS', '6');
  const [loops = 2] = numbersFrom('BENCH_CONTINUITY_LOOPS', '2');
  dropSdkNodeVersionWarning();
  const { startLocalEnvironment } = await import('../dev/local-environment.js');
  const { StdoutCapture } = await import('../dev/stdout-capture.js');
  const capture = new StdoutCapture();
  const env = await startLocalEnvironment({
    loadHandler: () => import('../lambda/handler.js'),
    env: { MIRROR_PARAMETER_PREFIX: MIRROR_PREFIX },
  });
  const rows: string[] = [];
  const staleRows: string[] = [];
  try {
    for (const stepGapMs of gaps) {
      const secretId = `ringg/continuity-${stepGapMs}ms`;
      const result = await runContinuity(env, {
        rotations,
        loops,
        stepGapMs,
        rotationGapMs: 400,
        secretId,
        kinds: [
          libraryConsumer,
          rereadOn401Consumer(),
          naiveConsumer(),
          onEventConsumer,
          mirrorConsumer(MIRROR_PREFIX, secretId),
        ],
      });
      const stale = result.staleWindowsMs;
      staleRows.push(
        `| ${stepGapMs} ms | ${median(stale).toFixed(0)} ms | ${Math.max(...stale).toFixed(0)} ms | ${stale.length} |`,
      );
      for (const kind of new Set(result.figures.map((f) => f.kind))) {
        const of = (method: Method) => {
          const f = result.figures.find((x) => x.kind === kind && x.method === method);
          return f ? `${f.failed} of ${f.requests}` : '-';
        };
        const repeated = result.figures.filter((f) => f.kind === kind).reduce((n, f) => n + f.repeated, 0);
        rows.push(`| ${kind} | ${stepGapMs} ms | ${of('GET')} | ${of('POST')} | ${repeated} |`);
      }
    }
  } finally {
    await env.stop();
    capture.restore();
  }
  process.stdout.write(
    `Continuity: ${rotations} rotations per step gap by the real handler, ${loops} loops per method and consumer ` +
      'kind, each loop its own service instance (own cache) calling continuously; a rotation every 400 ms.\n\n' +
      '| consumer | step gap | GET failed of requests | POST failed of requests | repeated after a 401 |\n' +
      '| --- | --- | --- | --- | --- |\n' +
      `${rows.join('\n')}\n\n` +
      `Time scale: 1 s of AWS time = ${1000 * TIME_SCALE} ms here for cache TTLs (the 300 s caches are 300 ms; the ` +
      "library's 5 min / 5 s TTLs likewise). Step gaps are wall-clock. 'refresh on event' re-reads AWSCURRENT the " +
      'moment a rotation succeeds: a lower bound for a service restarted by the RotationSucceeded event.\n\n' +
      'Stale window: Ringg accepted the regenerate → AWSCURRENT holds the new key, per rotation of the runs above.\n\n' +
      '| step gap | median | max | rotations |\n| --- | --- | --- | --- |\n' +
      `${staleRows.join('\n')}\n`,
  );
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((error: unknown) => {
    process.stderr.write(
      `Continuity benchmark failed: ${error instanceof Error ? error.message : String(error)}\n`,
    );
    process.exitCode = 1;
  });
}
