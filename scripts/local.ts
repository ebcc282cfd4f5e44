// npm run local: the stand-ins and the real rotation function, kept running until Ctrl-C, so the CLI
// and the consumer library can be tried by hand against them from another shell.
import { existsSync } from 'node:fs';
import { dropSdkNodeVersionWarning } from '../cli/sdk-warning.js';
import { fingerprint } from '../common/fingerprint.js';
import { LOCAL_FUNCTION_ARN, seedRotatingSecret, startLocalEnvironment } from '../dev/local-environment.js';
import type { StepReport } from '../dev/rotation-driver.js';
import { StdoutCapture } from '../dev/stdout-capture.js';
import { parseScriptArgs } from './script-args.js';

/** Enough for a bulk rotation to show its pacing; the stand-ins hold everything in memory. */
const MAX_SECRETS = 500;
const LOCAL_FUNCTION_NAME = LOCAL_FUNCTION_ARN.slice(LOCAL_FUNCTION_ARN.lastIndexOf(':') + 1);

const USAGE = `Usage: npm run local -- [--secret-id <name>] [--secrets <n>] [--aws-port <port>] [--ringg-port <port>] [--verbose]

Starts local Secrets Manager, SSM and Ringg stand-ins on loopback with the real rotation function,
seeds secrets each holding a live key of its own local Ringg workspace with rotation configured, prints
the environment to export in another shell, and runs until Ctrl-C. Keys are shown only as fingerprints.

  --secret-id <name>   the secret to seed (default ringg/local); with --secrets, the names' stem
  --secrets <n>        how many secrets to seed, 1 to ${MAX_SECRETS} (default 1): <name>-01, <name>-02, ...,
                       to try a bulk rotation (rotate --all --function ${LOCAL_FUNCTION_NAME})
  --aws-port <port>    port of the Secrets Manager and SSM stand-in (default: a free one)
  --ringg-port <port>  port of the Ringg stand-in (default: a free one)
  --verbose            also print the function's JSON log lines
`;

dropSdkNodeVersionWarning();
const args = parseScriptArgs(USAGE, {
  'secret-id': { type: 'string' },
  secrets: { type: 'string' },
  'aws-port': { type: 'string' },
  'ringg-port': { type: 'string' },
  verbose: { type: 'boolean' },
});
const port = (flag: 'aws-port' | 'ringg-port'): number => {
  const value = args[flag];
  if (value === undefined) return 0;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 65_535) {
    process.stderr.write(`--${flag} "${value}" must be a port number from 1 to 65535.\n\n${USAGE}`);
    process.exit(64);
  }
  return n;
};
const ports = { aws: port('aws-port'), ringg: port('ringg-port') };
const secretId = args['secret-id'] ?? 'ringg/local';
const count = Number(args.secrets ?? '1');
if (!Number.isInteger(count) || count < 1 || count > MAX_SECRETS) {
  process.stderr.write(
    `--secrets "${args.secrets}" must be a whole number from 1 to ${MAX_SECRETS}.\n\n${USAGE}`,
  );
  process.exit(64);
}
const width = Math.max(2, String(count).length);
const secretIds =
  count === 1
    ? [secretId]
    : Array.from({ length: count }, (_, i) => `${secretId}-${String(i + 1).padStart(width, '0')}`);

const capture = new StdoutCapture(() => args.verbose === true);
const print = (line = '') => capture.print(`${line}\n`);
const onStep = (secret: string, report: StepReport) =>
  print(
    `${new Date().toISOString()}  ${secret}  attempt ${report.attempt}  ${report.step.padEnd(13)} ${report.ok ? 'ok' : `FAILED ${report.error?.name ?? ''}: ${report.error?.message ?? ''}`}`,
  );

const env = await startLocalEnvironment({
  loadHandler: () => import('../lambda/handler.js'),
  onStep,
  ports,
}).catch((error: unknown) => {
  capture.restore();
  process.stderr.write(
    `Could not start the stand-ins: ${error instanceof Error ? error.message : String(error)}\n`,
  );
  process.exit(1);
});
const seeded: { id: string; key: string }[] = [];
for (const [i, id] of secretIds.entries()) {
  const workspace = env.ringg.addWorkspace({
    name: count === 1 ? 'Local workspace' : `Local workspace ${i + 1}`,
  });
  await seedRotatingSecret(env, id, workspace.key);
  seeded.push({ id, key: workspace.key });
}

const exported = {
  AWS_REGION: process.env.AWS_REGION,
  // The AWS CLI v1 reads only this one; v2 and the SDKs read AWS_REGION.
  AWS_DEFAULT_REGION: process.env.AWS_REGION,
  AWS_ACCESS_KEY_ID: process.env.AWS_ACCESS_KEY_ID,
  AWS_SECRET_ACCESS_KEY: process.env.AWS_SECRET_ACCESS_KEY,
  AWS_ENDPOINT_URL_SECRETS_MANAGER: env.endpoint,
  AWS_ENDPOINT_URL_SSM: env.endpoint,
  AWS_ENDPOINT_URL_LAMBDA: env.endpoint,
  RINGG_BASE_URL: env.ringg.baseUrl(),
};
print('Local stand-ins running; Ctrl-C stops them.');
print(`  Secrets Manager and SSM  ${env.endpoint}`);
print(`  Ringg                    ${env.ringg.baseUrl()}`);
for (const { id, key } of seeded) {
  print(`  secret                   ${id}: plain key ${fingerprint(key)}, rotation configured`);
}
print(`  rotation function        ${LOCAL_FUNCTION_NAME}`);
print();
print('In another shell:');
print();
for (const [name, value] of Object.entries(exported)) print(`export ${name}=${value}`);
print();
const first = seeded[0]?.id ?? secretId;
print(`npx ringg-rotate status --secret-id ${first} --check`);
print(`npx ringg-rotate rotate --secret-id ${first}`);
if (count > 1) print(`npx ringg-rotate rotate --all --function ${LOCAL_FUNCTION_NAME}`);
print(
  `aws secretsmanager describe-secret --secret-id ${first}   # the AWS CLI honours AWS_ENDPOINT_URL_* too`,
);
if (!existsSync('dist/esm/bin/ringg-rotate.js'))
  print('(npx ringg-rotate runs the built CLI: run npm run build once first)');
print('(the consumer library: new RinggApi({ baseUrl: process.env.RINGG_BASE_URL, keys: ... }))');
print();
print('Rotation steps appear here as they run:');

let stopping = false;
const stop = async () => {
  if (stopping) return;
  stopping = true;
  print('Stopping the stand-ins.');
  await env.stop();
  capture.restore();
  process.exit(0);
};
process.on('SIGINT', () => void stop());
process.on('SIGTERM', () => void stop());
