import { mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CreateSecretCommand,
  RotateSecretCommand,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import {
  ALLOWED_SECRETS_FILE,
  type AllowedSecretsList,
  serializeAllowedSecrets,
} from '../common/allowed-secrets-file.js';
import { AwsStandIn } from './aws-stand-in.js';
import { RinggStandIn } from './ringg-stand-in.js';
import type { RotationEventOut, StepReport } from './rotation-driver.js';

export type RotationHandler = (
  event: unknown,
  context: { getRemainingTimeInMillis(): number },
) => Promise<unknown>;

export interface LocalEnvironmentOptions {
  /**
   * Imports the rotation function once the environment variables point at the stand-ins, e.g.
   * `() => import('../lambda/handler.js')`. Its module reads its configuration when it is first loaded.
   */
  readonly loadHandler: () => Promise<{ handler: RotationHandler }>;
  /** Extra environment for the function, e.g. shorter Ringg timeouts. */
  readonly env?: Record<string, string>;
  /** The deployed function's timeout; each invocation gets this much time. */
  readonly functionTimeoutMs?: number;
  readonly maxAttempts?: number;
  readonly retryDelayMs?: number;
  readonly onStep?: (secretId: string, report: StepReport) => void;
  /**
   * Lambda's reserved concurrency: an invocation while this many run is refused with
   * TooManyRequestsException (the step fails, and the service retries the rotation later).
   */
  readonly maxConcurrency?: number;
  /** Loopback ports of the stand-ins; 0 (the default) takes free ones. */
  readonly ports?: { readonly aws?: number; readonly ringg?: number };
  /**
   * The secrets the local deployment names (the function's allow-list, as the construct writes it).
   *
   * @default - every secret created in the stand-in, by name
   */
  readonly allowedSecrets?: AllowedSecretsList;
}

export const LOCAL_FUNCTION_ARN = 'arn:aws:lambda:us-east-1:123456789012:function:ringg-key-rotation-local';

/**
 * Ringg and AWS stand-ins on free loopback ports, and the real handler wired to them through the
 * SDK's standard environment variables, exactly as the deployed function is configured.
 */
export async function startLocalEnvironment(options: LocalEnvironmentOptions) {
  const ringg = new RinggStandIn();
  await ringg.start(options.ports?.ringg);
  let handler: RotationHandler | undefined;
  const timeoutMs = options.functionTimeoutMs ?? 90_000;
  const lambda = { running: 0, throttled: 0 };
  // The function reads its allow-list from a file, as deployed; here it names the stand-in's secrets.
  const listDir = mkdtempSync(join(tmpdir(), 'ringg-allowed-'));
  const listFile = join(listDir, ALLOWED_SECRETS_FILE);
  let written = '';
  const writeAllowList = () => {
    const text = serializeAllowedSecrets(
      options.allowedSecrets ?? { arns: [], names: aws.secretsManager.secretNames() },
    );
    if (text === written) return;
    writeFileSync(`${listFile}.next`, text);
    renameSync(`${listFile}.next`, listFile);
    written = text;
  };
  const invoke = async (event: RotationEventOut) => {
    if (!handler) throw new Error('The rotation function is not loaded yet');
    writeAllowList();
    if (options.maxConcurrency !== undefined && lambda.running >= options.maxConcurrency) {
      lambda.throttled++;
      const error = new Error('Rate Exceeded.');
      error.name = 'TooManyRequestsException';
      throw error;
    }
    const deadline = Date.now() + timeoutMs;
    lambda.running++;
    try {
      return await handler(event, { getRemainingTimeInMillis: () => deadline - Date.now() });
    } finally {
      lambda.running--;
    }
  };
  const aws = new AwsStandIn({
    invoke,
    maxAttempts: options.maxAttempts,
    retryDelayMs: options.retryDelayMs,
    onStep: options.onStep,
    functionArn: LOCAL_FUNCTION_ARN,
  });
  const endpoint = await aws.start(options.ports?.aws);
  Object.assign(process.env, {
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
    AWS_ENDPOINT_URL_SECRETS_MANAGER: endpoint,
    AWS_ENDPOINT_URL_SSM: endpoint,
    AWS_ENDPOINT_URL_LAMBDA: endpoint,
    RINGG_BASE_URL: ringg.baseUrl(),
    ROTATION_ALLOWED_SECRETS_FILE: listFile,
    ...options.env,
  });
  writeAllowList();
  handler = (await options.loadHandler()).handler;

  return {
    ringg,
    aws,
    endpoint,
    invoke,
    /** Invocations running now, and refused for the concurrency bound so far. */
    lambda,
    /**
     * Lambda starts a new container for the next invocations: the handler module is loaded again
     * (with a loadHandler that gives a fresh module, e.g. after vi.resetModules), so nothing an
     * earlier invocation held in memory survives.
     */
    async restartFunction() {
      handler = (await options.loadHandler()).handler;
    },
    async stop() {
      await aws.stop();
      await ringg.stop();
      rmSync(listDir, { recursive: true, force: true });
    },
  };
}

export type LocalEnvironment = Awaited<ReturnType<typeof startLocalEnvironment>>;

/**
 * Creates a secret holding `secretString` and turns rotation on with the local function, as the CDK
 * stack does: Secrets Manager runs only the configuration test, and nothing rotates yet.
 */
export async function seedRotatingSecret(env: LocalEnvironment, name: string, secretString: string) {
  const sm = new SecretsManagerClient({ endpoint: env.endpoint });
  try {
    await sm.send(new CreateSecretCommand({ Name: name, SecretString: secretString }));
    await sm.send(
      new RotateSecretCommand({
        SecretId: name,
        RotationLambdaARN: LOCAL_FUNCTION_ARN,
        RotationRules: { ScheduleExpression: 'rate(30 days)' },
        RotateImmediately: false,
      }),
    );
    await env.aws.settled();
  } finally {
    sm.destroy();
  }
}
