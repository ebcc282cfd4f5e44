// Bulk rotation: `ringg-rotate rotate --all` over many secrets against a rate-limited Ringg, with the
// real CLI, the real handler and the loopback stand-ins. Runs in its own process (the handler reads
// its configuration once per process), started by scripts/bench.ts or alone:
//   npx tsx scripts/bulk-bench.ts '{"secrets":100,"ringgRate":20}'

import { execFileSync } from 'node:child_process';
import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import type { CliIo } from '../cli/io.js';
import { run } from '../cli/main.js';
import { DEFAULT_PARALLEL } from '../cli/parallel.js';
import { dropSdkNodeVersionWarning } from '../cli/sdk-warning.js';
import { LOCAL_FUNCTION_ARN, startLocalEnvironment } from '../dev/local-environment.js';
import { StdoutCapture } from '../dev/stdout-capture.js';
import { RateLimit } from '../dev/throttle.js';

export interface BulkBenchOptions {
  readonly secrets: number;
  /** Requests Ringg answers per rolling second before it answers 429. */
  readonly ringgRate: number;
  /** --parallel; undefined: the CLI's default. */
  readonly parallel?: number;
}

export interface BulkBenchResult extends Required<BulkBenchOptions> {
  readonly wallSeconds: number;
  readonly exitCode: number;
  readonly rotated: number;
  /** Whole-rotation attempts that ended in a failed step (each one raises the function's alarm in AWS). */
  readonly failedAttempts: number;
  readonly ringgRequests: number;
  readonly rateLimitedAnswers: number;
  readonly peakRinggPerSecond: number;
}

export async function runBulkBench(options: BulkBenchOptions): Promise<BulkBenchResult> {
  const capture = new StdoutCapture();
  let failedAttempts = 0;
  const env = await startLocalEnvironment({
    loadHandler: () => import('../lambda/handler.js'),
    onStep: (_secret, report) => {
      if (!report.ok) failedAttempts++;
    },
  });
  try {
    for (let i = 0; i < options.secrets; i++) {
      const name = `ringg/bulk-${String(i).padStart(3, '0')}`;
      const workspace = env.ringg.addWorkspace({ name });
      env.aws.secretsManager.createSecret({
        Name: name,
        SecretString: JSON.stringify({ apiKey: workspace.key }),
      });
      env.aws.secretsManager.enableRotation(name, LOCAL_FUNCTION_ARN);
    }
    env.ringg.rateLimit = new RateLimit(options.ringgRate);
    const output: string[] = [];
    const io: CliIo = {
      stdout: { write: (text: string) => output.push(text), isTTY: false },
      stderr: { write: (text: string) => output.push(text) },
      stdin: Readable.from([]),
      env: process.env,
      sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
      now: Date.now,
    };
    const parallel = options.parallel ?? DEFAULT_PARALLEL;
    const ringgBefore = env.ringg.events.length;
    const started = Date.now();
    const args = [
      'rotate',
      '--all',
      '--function',
      LOCAL_FUNCTION_ARN,
      '--parallel',
      String(parallel),
      '--json',
    ];
    const exitCode = await run(args, io);
    const wallSeconds = (Date.now() - started) / 1000;
    const summary = JSON.parse(output.join('')) as { summary: { rotated: number } };
    const calls = env.ringg.events.slice(ringgBefore).filter((e) => e.kind !== 'regenerated');
    const perSecond = new Map<number, number>();
    for (const call of calls) {
      const second = Math.floor((call.at - started) / 1000);
      perSecond.set(second, (perSecond.get(second) ?? 0) + 1);
    }
    return {
      ...options,
      parallel,
      wallSeconds,
      exitCode,
      rotated: summary.summary.rotated,
      failedAttempts,
      ringgRequests: calls.length,
      rateLimitedAnswers: calls.filter((call) => call.status === 429).length,
      peakRinggPerSecond: Math.max(0, ...perSecond.values()),
    };
  } finally {
    await env.stop();
    capture.restore();
  }
}

/** The benchmark's figures as rows of the `npm run bench` table. */
export function bulkBenchRows(result: BulkBenchResult, isDefault: boolean): [string, string][] {
  const what = `${result.secrets} secrets, Ringg at ${result.ringgRate} req/s, --parallel ${result.parallel}${isDefault ? ' (default)' : ''}`;
  return [
    [
      `bulk rotation: ${what}`,
      `${result.wallSeconds.toFixed(1)} s, ${result.rotated} rotated, exit ${result.exitCode}`,
    ],
    [`bulk rotation: failed rotation attempts on the way (${what})`, String(result.failedAttempts)],
    [
      `bulk rotation: Ringg requests, 429 answers, busiest second (${what})`,
      `${result.ringgRequests}, ${result.rateLimitedAnswers}, ${result.peakRinggPerSecond} req`,
    ],
  ];
}

/** Runs the benchmark in a fresh Node process with tsx, and returns its figures. */
export function runBulkBenchInChild(options: BulkBenchOptions): BulkBenchResult {
  const output = execFileSync(
    process.execPath,
    ['--import', 'tsx', fileURLToPath(import.meta.url), JSON.stringify(options)],
    { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] },
  );
  return JSON.parse(output.trim().split('\n').at(-1) ?? '') as BulkBenchResult;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  dropSdkNodeVersionWarning();
  const options = JSON.parse(process.argv[2] ?? '{"secrets":100,"ringgRate":20}') as BulkBenchOptions;
  runBulkBench(options)
    .then((result) => process.stdout.write(`${JSON.stringify(result)}\n`))
    .catch((error: unknown) => {
      process.stderr.write(
        `Bulk benchmark failed: ${error instanceof Error ? error.stack : String(error)}\n`,
      );
      process.exitCode = 1;
    });
}
