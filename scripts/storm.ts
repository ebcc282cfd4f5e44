// Rotation storms against the stand-ins: a few hundred secrets rotated at once, Ringg rate-limited,
// Parameter Store and Secrets Manager writes throttled at their AWS quotas. `bounded` (the default): the
// function's concurrency bounded like the construct bounds it. `burst` (BENCH_STORM_KIND=burst): 150
// rotations started at once with no concurrency bound, as after an incident when every schedule fires.
// Run by `npm run bench` in a process of its own per storm (the handler reads its configuration once
// per process); prints one JSON line.
import {
  CreateSecretCommand,
  RotateSecretCommand,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { parseSecretValue } from '../common/secret-value.js';
import { LOCAL_FUNCTION_ARN, startLocalEnvironment } from '../dev/local-environment.js';
import type { RotationReport } from '../dev/rotation-driver.js';
import { StdoutCapture } from '../dev/stdout-capture.js';
import { RateLimit } from '../dev/throttle.js';

export interface StormOptions {
  readonly secrets: number;
  /** The function's reserved concurrency (the construct's default is 10); undefined: no bound. */
  readonly concurrency: number | undefined;
  /** Ringg requests per second before it answers 429 (Ringg publishes no limit). */
  readonly ringgPerSecond: number;
  /** Parameter Store's default throughput quota, 40 TPS. */
  readonly ssmPerSecond: number;
  /**
   * Whether PutParameter counts against `ssmPerSecond` too, as the PutParameter API reference says
   * ("applies to GetParameter, GetParameters, and PutParameter"); false: the reads only.
   */
  readonly ssmThrottlesPuts: boolean;
  /** Secrets Manager's quota for PutSecretValue + UpdateSecretVersionStage, 50 TPS. */
  readonly secretsManagerWritesPerSecond: number;
  /** Whole-rotation attempts, and the pause between them (AWS: "multiple times during the window"). */
  readonly maxAttempts: number;
  readonly retryDelayMs: number;
}

export const STORM_DEFAULTS: StormOptions = {
  secrets: 200,
  concurrency: 10,
  ringgPerSecond: 25,
  ssmPerSecond: 40,
  ssmThrottlesPuts: false,
  secretsManagerWritesPerSecond: 50,
  maxAttempts: 200,
  retryDelayMs: 1000,
};

/** Issue 17's second storm: every rotation at once, nothing bounding the function, 10 whole-rotation retries. */
export const STORM_BURST: StormOptions = {
  secrets: 150,
  concurrency: undefined,
  ringgPerSecond: 20,
  ssmPerSecond: 40,
  ssmThrottlesPuts: true,
  secretsManagerWritesPerSecond: 50,
  maxAttempts: 11,
  retryDelayMs: 1000,
};

export const STORMS = { bounded: STORM_DEFAULTS, burst: STORM_BURST } as const;

export interface StormFigures {
  readonly options: StormOptions;
  readonly completed: number;
  readonly completedFirstAttempt: number;
  readonly failedAndRetried: number;
  readonly notCompleted: number;
  /** Rotations with at least one failed step (each a RotationFailed event, so an alarm). */
  readonly failedAtLeastOnce: number;
  readonly keysLost: number;
  readonly totalMs: number;
  readonly maxAttempts: number;
  readonly lambdaThrottled: number;
  readonly ringg429: number;
  readonly ssmThrottled: number;
  readonly secretsManagerThrottled: number;
  readonly failedStepCodes: Record<string, number>;
  readonly perRotation: { secretsManager: number; ssm: number; ringg: number; invocations: number };
}

const sum = (calls: Record<string, number>) => Object.values(calls).reduce((a, b) => a + b, 0);

export async function runStorm(options: StormOptions = STORM_DEFAULTS): Promise<StormFigures> {
  const capture = new StdoutCapture();
  const env = await startLocalEnvironment({
    loadHandler: () => import('../lambda/handler.js'),
    maxConcurrency: options.concurrency,
    maxAttempts: options.maxAttempts,
    retryDelayMs: options.retryDelayMs,
  });
  try {
    const sm = new SecretsManagerClient({});
    const workspaces = new Map<string, string>();
    for (let i = 0; i < options.secrets; i++) {
      const name = `ringg/storm-${String(i).padStart(4, '0')}`;
      const workspace = env.ringg.addWorkspace({ name });
      workspaces.set(name, workspace.id);
      await sm.send(
        new CreateSecretCommand({ Name: name, SecretString: JSON.stringify({ apiKey: workspace.key }) }),
      );
    }
    const smBefore = sum(env.aws.secretsManager.calls) - (env.aws.secretsManager.calls.CreateSecret ?? 0);
    const ssmBefore = sum(env.aws.ssm.calls);
    const ringgBefore = env.ringg.events.filter((e) => e.kind !== 'regenerated').length;
    const ringgLimit = new RateLimit(options.ringgPerSecond);
    const ssmLimit = new RateLimit(options.ssmPerSecond);
    const smLimit = new RateLimit(options.secretsManagerWritesPerSecond);
    env.ringg.rateLimit = ringgLimit;
    env.aws.ssm.throttle = ssmLimit;
    env.aws.ssm.throttleWrites = options.ssmThrottlesPuts;
    env.aws.secretsManager.writeThrottle = smLimit;

    const started = performance.now();
    const tokens = await Promise.all(
      [...workspaces.keys()].map(async (name) => {
        const out = await sm.send(
          new RotateSecretCommand({
            SecretId: name,
            RotationLambdaARN: LOCAL_FUNCTION_ARN,
            RotateImmediately: true,
          }),
        );
        return out.VersionId ?? '';
      }),
    );
    const reports = (await Promise.all(tokens.map((t) => env.aws.rotations.get(t)))) as RotationReport[];
    const totalMs = performance.now() - started;

    env.ringg.rateLimit = undefined;
    env.aws.ssm.throttle = undefined;
    env.aws.secretsManager.writeThrottle = undefined;
    let keysLost = 0;
    for (const [name, workspaceId] of workspaces) {
      const live = env.ringg.liveKey(workspaceId);
      const held = ['AWSCURRENT', 'AWSPENDING'].flatMap((stage) => {
        try {
          const value = env.aws.secretsManager.getSecretValue({ SecretId: name, VersionStage: stage });
          const parsed = parseSecretValue(value.SecretString);
          return parsed.ok ? [parsed.value.apiKey] : [];
        } catch {
          return [];
        }
      });
      // Wherever the rotation keeps a key it could not store yet: any of the secret's parameters.
      const rescued = [...env.aws.ssm.parameters]
        .filter(([n]) => n.includes(`/${name}/`))
        .map(([, p]) => p.value);
      if (![...held, ...rescued].some((value) => value.includes(live))) keysLost++;
    }

    const attempts = reports.map((r) => Math.max(...r.steps.map((s) => s.attempt)));
    const failedStepCodes: Record<string, number> = {};
    for (const step of reports.flatMap((r) => r.steps).filter((s) => !s.ok)) {
      const code = step.error?.name ?? 'unknown';
      failedStepCodes[code] = (failedStepCodes[code] ?? 0) + 1;
    }
    const completed = reports.filter((r) => r.succeeded).length;
    const n = options.secrets;
    return {
      options,
      completed,
      completedFirstAttempt: reports.filter((r, i) => r.succeeded && attempts[i] === 1).length,
      failedAndRetried: reports.filter((_, i) => (attempts[i] ?? 1) > 1).length,
      notCompleted: n - completed,
      failedAtLeastOnce: reports.filter((r) => r.steps.some((step) => !step.ok)).length,
      keysLost,
      totalMs,
      maxAttempts: Math.max(...attempts),
      lambdaThrottled: env.lambda.throttled,
      ringg429: ringgLimit.refused,
      ssmThrottled: ssmLimit.refused,
      secretsManagerThrottled: smLimit.refused,
      failedStepCodes,
      perRotation: {
        secretsManager:
          (sum(env.aws.secretsManager.calls) -
            (env.aws.secretsManager.calls.CreateSecret ?? 0) -
            (env.aws.secretsManager.calls.RotateSecret ?? 0) -
            smBefore) /
          n,
        ssm: (sum(env.aws.ssm.calls) - ssmBefore) / n,
        ringg:
          (env.ringg.events.filter((e) => e.kind !== 'regenerated').length -
            ringgBefore +
            ringgLimit.refused) /
          n,
        invocations: reports.reduce((a, r) => a + r.steps.length, 0) / n,
      },
    };
  } finally {
    await env.stop();
    capture.restore();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const kind = process.env.BENCH_STORM_KIND ?? 'bounded';
  if (kind !== 'bounded' && kind !== 'burst') {
    process.stderr.write(`BENCH_STORM_KIND "${kind}" must be bounded or burst.\n`);
    process.exit(64);
  }
  const storm = STORMS[kind];
  const secrets = Number(process.env.BENCH_STORM_SECRETS ?? storm.secrets);
  const bound = process.env.BENCH_STORM_CONCURRENCY;
  runStorm({ ...storm, secrets, ...(bound ? { concurrency: Number(bound) } : {}) })
    .then((figures) => process.stdout.write(`${JSON.stringify(figures)}\n`))
    .catch((error: unknown) => {
      process.stderr.write(`Storm failed: ${error instanceof Error ? error.message : String(error)}\n`);
      process.exitCode = 1;
    });
}
