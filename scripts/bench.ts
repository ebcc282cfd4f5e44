// Figures, not pass/fail: bundle size, cold import, calls per rotation, the stale window, wall time,
// the two rotation storms (bounded concurrency, and a burst with no bound), the AWS limits at N secrets,
// a bulk rotation of many secrets against a rate-limited Ringg (scripts/bulk-bench.ts), then the
// continuity figures per consumer kind and method (scripts/continuity.ts) and what the consumer library
// costs when the secret gives it no working key (scripts/consumer-costs.ts).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deflateRawSync } from 'node:zlib';
import {
  CreateSecretCommand,
  RotateSecretCommand,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { dropSdkNodeVersionWarning } from '../cli/sdk-warning.js';
import { LOCAL_FUNCTION_ARN, startLocalEnvironment } from '../dev/local-environment.js';
import type { RotationReport } from '../dev/rotation-driver.js';
import { StdoutCapture } from '../dev/stdout-capture.js';
import { bulkBenchRows, runBulkBenchInChild } from './bulk-bench.js';
import { median, staleWindowMs } from './continuity.js';
import { bundleLikeTheStack } from './lambda-bundle.js';
import { measureScale } from './scale-measure.js';
import { parseScriptArgs } from './script-args.js';
import type { StormFigures } from './storm.js';

const COLD_RUNS = Number(process.env.BENCH_COLD_RUNS ?? 15);
const ROTATIONS = Number(process.env.BENCH_ROTATIONS ?? 5);
const BULK_SECRETS = Number(process.env.BENCH_BULK_SECRETS ?? 100);
const BULK_RINGG_RATE = Number(process.env.BENCH_RINGG_RATE ?? 20);
/** Other --parallel values to compare with the default, e.g. BENCH_BULK_PARALLEL=1,8,16 (each run adds ~25 s). */
const BULK_PARALLEL = (process.env.BENCH_BULK_PARALLEL ?? '').split(',').filter(Boolean).map(Number);

dropSdkNodeVersionWarning();
parseScriptArgs(
  `Usage: npm run bench

Prints the figures of docs/benchmarks.md (about four minutes). No options; the
environment variables BENCH_COLD_RUNS, BENCH_ROTATIONS, BENCH_BULK_SECRETS, BENCH_RINGG_RATE,
BENCH_BULK_PARALLEL, BENCH_STEP_GAPS_MS and BENCH_CONSUMER_REQUESTS change what each figure takes.
`,
  {},
);

// Outside the repository: its package.json says "type": "module", which would make the CJS bundle ESM.
const workdir = mkdtempSync(join(tmpdir(), 'ringg-bench-'));

async function bundle(name: string, entry: { file: string } | { contents: string }): Promise<string> {
  const outfile = join(workdir, name, 'index.js');
  await bundleLikeTheStack(entry, outfile);
  return outfile;
}

function coldImportMs(file: string): number {
  const script = `const t=performance.now();require(${JSON.stringify(file)});process.stdout.write(String(performance.now()-t))`;
  const output = execFileSync(process.execPath, ['-e', script], {
    env: { ...process.env, AWS_REGION: 'us-east-1', NODE_PATH: join(process.cwd(), 'node_modules') },
    stdio: ['ignore', 'pipe', 'ignore'],
    encoding: 'utf8',
  });
  return Number(output);
}

const kib = (bytes: number) => `${(bytes / 1024).toFixed(1)} KiB`;

async function rotations() {
  const capture = new StdoutCapture();
  const env = await startLocalEnvironment({ loadHandler: () => import('../lambda/handler.js') });
  try {
    const sm = new SecretsManagerClient({});
    const results: { wallMs: number; staleMs: number; calls: Record<string, Record<string, number>> }[] = [];
    for (let i = 0; i < ROTATIONS; i++) {
      const name = `ringg/bench-${i}`;
      const workspace = env.ringg.addWorkspace({ name });
      await sm.send(
        new CreateSecretCommand({ Name: name, SecretString: JSON.stringify({ apiKey: workspace.key }) }),
      );
      const smBefore = { ...env.aws.secretsManager.calls };
      const ssmBefore = { ...env.aws.ssm.calls };
      const ringgBefore = env.ringg.events.length;
      const start = Date.now();
      const rotate = await sm.send(
        new RotateSecretCommand({
          SecretId: name,
          RotationLambdaARN: LOCAL_FUNCTION_ARN,
          RotateImmediately: true,
        }),
      );
      const report = (await env.aws.rotations.get(rotate.VersionId ?? '')) as RotationReport;
      const wallMs = Date.now() - start;
      if (!report.succeeded)
        throw new Error(`Rotation ${i} failed: ${JSON.stringify(report.steps.at(-1)?.error)}`);
      const diff = (after: Record<string, number>, before: Record<string, number>) =>
        Object.fromEntries(
          Object.entries(after)
            .map(([op, n]) => [op, n - (before[op] ?? 0)])
            .filter(([, n]) => Number(n) > 0),
        );
      const smCalls = diff(env.aws.secretsManager.calls, smBefore);
      delete smCalls.RotateSecret; // the caller's, not the function's
      const ringgCalls: Record<string, number> = {};
      for (const e of env.ringg.events.slice(ringgBefore)) {
        if (e.kind === 'regenerated') continue;
        const key = e.kind === 'regenerate-call' ? 'PATCH /workspace/api-key' : 'GET /workspace';
        ringgCalls[key] = (ringgCalls[key] ?? 0) + 1;
      }
      results.push({
        wallMs,
        staleMs: staleWindowMs(env, workspace.id, name, report.token),
        calls: { 'Secrets Manager': smCalls, SSM: diff(env.aws.ssm.calls, ssmBefore), Ringg: ringgCalls },
      });
    }
    return results;
  } finally {
    await env.stop();
    capture.restore();
  }
}

async function main() {
  const handlerBundle = await bundle('handler', { file: 'lambda/handler.ts' });
  const baselineBundle = await bundle('baseline', {
    contents:
      "import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';\n" +
      "import { SSMClient } from '@aws-sdk/client-ssm';\n" +
      'export const clients = [new SecretsManagerClient({}), new SSMClient({})];\n',
  });
  const code = readFileSync(handlerBundle);
  const map = readFileSync(`${handlerBundle}.map`);

  const handlerRuns: number[] = [];
  const baselineRuns: number[] = [];
  coldImportMs(handlerBundle); // warm the file system cache once
  for (let i = 0; i < COLD_RUNS; i++) {
    handlerRuns.push(coldImportMs(handlerBundle));
    baselineRuns.push(coldImportMs(baselineBundle));
  }
  const results = await rotations();
  const calls = results[0]?.calls ?? {};
  // Each in its own process: the handler reads its configuration (endpoints) once per process.
  const runStormInChild = (kind: 'bounded' | 'burst') =>
    JSON.parse(
      execFileSync(process.execPath, ['--import', 'tsx', 'scripts/storm.ts'], {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'ignore'],
        env: { ...process.env, BENCH_STORM_KIND: kind },
      }),
    ) as StormFigures;
  const storm = runStormInChild('bounded');
  const burst = runStormInChild('burst');
  const o = storm.options;
  const b = burst.options;
  const bulk = [
    bulkBenchRows(runBulkBenchInChild({ secrets: BULK_SECRETS, ringgRate: BULK_RINGG_RATE }), true),
    ...BULK_PARALLEL.map((parallel) =>
      bulkBenchRows(
        runBulkBenchInChild({ secrets: BULK_SECRETS, ringgRate: BULK_RINGG_RATE, parallel }),
        false,
      ),
    ),
  ].flat();

  const rows: [string, string][] = [
    ['bundle index.js, raw', kib(code.length)],
    ['bundle index.js, deflated (as zipped)', kib(deflateRawSync(code, { level: 9 }).length)],
    [
      'bundle with source map, deflated',
      kib(deflateRawSync(code, { level: 9 }).length + deflateRawSync(map, { level: 9 }).length),
    ],
    [`cold import, handler bundle (median of ${COLD_RUNS})`, `${median(handlerRuns).toFixed(1)} ms`],
    [
      `cold import, baseline: the two SDK clients only (median of ${COLD_RUNS})`,
      `${median(baselineRuns).toFixed(1)} ms`,
    ],
    ['cold import ratio, handler / baseline', `${(median(handlerRuns) / median(baselineRuns)).toFixed(2)}x`],
    ...Object.entries(calls).map(([service, ops]): [string, string] => [
      `calls in one clean rotation: ${service}`,
      `${Object.values(ops).reduce((a, b) => a + b, 0)} (${Object.entries(ops)
        .map(([op, n]) => `${op} ${n}`)
        .join(', ')})`,
    ]),
    [
      `stale window: regenerate accepted → AWSCURRENT moved (median of ${ROTATIONS})`,
      `${median(results.map((r) => r.staleMs)).toFixed(0)} ms (max ${Math.max(...results.map((r) => r.staleMs)).toFixed(0)} ms)`,
    ],
    [
      `wall time of a full rotation (median of ${ROTATIONS})`,
      `${median(results.map((r) => r.wallMs)).toFixed(0)} ms (max ${Math.max(...results.map((r) => r.wallMs)).toFixed(0)} ms)`,
    ],
    [
      `storm: ${o.secrets} rotations started at once (concurrency ${o.concurrency}, Ringg ${o.ringgPerSecond}/s, SSM reads ${o.ssmPerSecond}/s, SM writes ${o.secretsManagerWritesPerSecond}/s)`,
      `${storm.completed} completed (${storm.completedFirstAttempt} at the first attempt), ${storm.notCompleted} not completed`,
    ],
    [
      'storm: rotations failed and retried (whole rotation, by the service)',
      `${storm.failedAndRetried} (at most ${storm.maxAttempts} attempts)`,
    ],
    ['storm: keys lost', String(storm.keysLost)],
    [
      'storm: total time',
      `${(storm.totalMs / 1000).toFixed(1)} s (${(storm.completed / (storm.totalMs / 1000)).toFixed(1)} rotations/s)`,
    ],
    [
      'storm: calls per completed rotation',
      `Secrets Manager ${storm.perRotation.secretsManager.toFixed(1)}, SSM ${storm.perRotation.ssm.toFixed(1)}, Ringg ${storm.perRotation.ringg.toFixed(2)}, invocations ${storm.perRotation.invocations.toFixed(1)}`,
    ],
    [
      'storm: refused by the bounds',
      `Lambda throttled ${storm.lambdaThrottled}, Ringg 429 ${storm.ringg429}, SSM throttled ${storm.ssmThrottled}, SM throttled ${storm.secretsManagerThrottled}; failed steps ${JSON.stringify(storm.failedStepCodes)}`,
    ],
    [
      `burst: ${b.secrets} rotations started at once, no concurrency bound (Ringg ${b.ringgPerSecond}/s, SSM ${b.ssmPerSecond}/s${b.ssmThrottlesPuts ? ' reads and PutParameter' : ' reads'}, SM writes ${b.secretsManagerWritesPerSecond}/s, ${b.maxAttempts} attempts ${b.retryDelayMs} ms apart)`,
      `${burst.completed} completed (${burst.completedFirstAttempt} at the first attempt), ${burst.notCompleted} not completed`,
    ],
    ['burst: keys lost', String(burst.keysLost)],
    [
      'burst: rotations that failed at least one attempt (a RotationFailed each)',
      `${burst.failedAtLeastOnce} of ${b.secrets} (${((100 * burst.failedAtLeastOnce) / b.secrets).toFixed(1)}%)`,
    ],
    [
      'burst: calls per rotation, retries included',
      `Secrets Manager ${burst.perRotation.secretsManager.toFixed(1)}, SSM ${burst.perRotation.ssm.toFixed(1)}, Ringg ${burst.perRotation.ringg.toFixed(2)}, invocations ${burst.perRotation.invocations.toFixed(1)}`,
    ],
    [
      'burst: throttled calls',
      `Lambda ${burst.lambdaThrottled}, Ringg 429 ${burst.ringg429}, SSM ${burst.ssmThrottled}, Secrets Manager ${burst.secretsManagerThrottled}; failed steps ${JSON.stringify(burst.failedStepCodes)}`,
    ],
    ['burst: total time', `${(burst.totalMs / 1000).toFixed(1)} s`],
    ...bulk,
  ];
  const width = Math.max(...rows.map(([k]) => k.length));
  process.stdout.write(`Ringg key rotation benchmark (Node ${process.version}, ${process.arch})\n\n`);
  process.stdout.write(`| ${'figure'.padEnd(width)} | value |\n| ${'-'.repeat(width)} | --- |\n`);
  for (const [k, v] of rows) process.stdout.write(`| ${k.padEnd(width)} | ${v} |\n`);
  const scale = [1, 50, 1000].map(measureScale);
  const scaleRows: [string, (f: (typeof scale)[number]) => string][] = [
    ['stacks (the stack + the secrets access stack + schedule stacks)', (f) => String(f.stacks)],
    ['resources in the fullest stack (limit 500)', (f) => String(f.maxResourcesPerStack)],
    ['parent template bytes (inline limit 51,200)', (f) => String(f.parentTemplateBytes)],
    ['largest nested template bytes (S3 limit 1 MB)', (f) => String(f.maxNestedTemplateBytes)],
    ['failure rules (300 rules per bus, shared)', (f) => String(f.failureRules)],
    ['longest event pattern, chars (limit 2,048)', (f) => String(f.maxEventPatternChars)],
    [
      'Lambda permissions / resource policy bytes (limit 20,480)',
      (f) => `${f.lambdaPermissions} / ${f.lambdaResourcePolicyBytes}`,
    ],
    ['function role inline policies, chars (limit 10,240)', (f) => String(f.functionRoleInlineChars)],
    ['CI role inline policies, chars (limit 10,240)', (f) => String(f.ciRoleInlineChars)],
    ['CI role trust policy, chars (limit 2,048)', (f) => String(f.ciRoleTrustChars)],
    [
      'function role managed policies (10 per role by default) / longest, chars (limit 6,144)',
      (f) => `${f.managedPolicies} / ${f.maxManagedPolicyChars}`,
    ],
    ['parameter key policy, bytes (limit 32,768)', (f) => String(f.keyPolicyBytes)],
    ['allow-list in the function code, bytes (an environment holds 4,096)', (f) => String(f.allowListBytes)],
    ['synth time of the stack and its nested stacks, ms', (f) => f.synthMs.toFixed(0)],
  ];
  const scaleWidth = Math.max(...scaleRows.map(([k]) => k.length));
  process.stdout.write(
    `\n| ${'limit, measured on the synthesized templates'.padEnd(scaleWidth)} | N = 1 | N = 50 | N = 1,000 |\n`,
  );
  process.stdout.write(`| ${'-'.repeat(scaleWidth)} | --- | --- | --- |\n`);
  for (const [k, f] of scaleRows)
    process.stdout.write(`| ${k.padEnd(scaleWidth)} | ${scale.map(f).join(' | ')} |\n`);
  // Its own process: the function there loads with the Parameter Store mirror configured.
  process.stdout.write('\n');
  execFileSync(process.execPath, ['--import', 'tsx', 'scripts/continuity.ts'], {
    stdio: ['ignore', 'inherit', 'inherit'],
    env: process.env,
  });
  process.stdout.write('\n');
  execFileSync(process.execPath, ['--import', 'tsx', 'scripts/consumer-costs.ts'], {
    stdio: ['ignore', 'inherit', 'inherit'],
    env: process.env,
  });
}

main()
  .catch((error: unknown) => {
    process.stderr.write(`Benchmark failed: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  })
  .finally(() => rmSync(workdir, { recursive: true, force: true }));
