// npm run local: the stand-ins and the real rotation function, kept running until Ctrl-C, so the CLI
// and the consumer library can be tried by hand against them from another shell.
import { existsSync } from 'node:fs';
import { dropSdkNodeVersionWarning } from '../cli/sdk-warning.js';
import { fingerprint } from '../common/fingerprint.js';
import { seedRotatingSecret, startLocalEnvironment } from '../dev/local-environment.js';
import type { StepReport } from '../dev/rotation-driver.js';
import { StdoutCapture } from '../dev/stdout-capture.js';
import { parseScriptArgs } from './script-args.js';

const USAGE = `Usage: npm run local -- [--secret-id <name>] [--aws-port <port>] [--ringg-port <port>] [--verbose]

Starts local Secrets Manager, SSM and Ringg stand-ins on loopback with the real rotation function,
seeds a secret holding a live key of a local Ringg workspace with rotation configured, prints the
environment to export in another shell, and runs until Ctrl-C. Keys are shown only as fingerprints.

  --secret-id <name>   the secret to seed (default ringg/local)
  --aws-port <port>    port of the Secrets Manager and SSM stand-in (default: a free one)
  --ringg-port <port>  port of the Ringg stand-in (default: a free one)
  --verbose            also print the function's JSON log lines
`;

dropSdkNodeVersionWarning();
const args = parseScriptArgs(USAGE, {
  'secret-id': { type: 'string' },
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
const workspace = env.ringg.addWorkspace({ name: 'Local workspace' });
await seedRotatingSecret(env, secretId, workspace.key);

const exported = {
  AWS_REGION: process.env.AWS_REGION,
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
print(`  secret                   ${secretId}: plain key ${fingerprint(workspace.key)}, rotation configured`);
print();
print('In another shell:');
print();
for (const [name, value] of Object.entries(exported)) print(`export ${name}=${value}`);
print();
print(`npx ringg-rotate status --secret-id ${secretId} --check`);
print(`npx ringg-rotate rotate --secret-id ${secretId}`);
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
