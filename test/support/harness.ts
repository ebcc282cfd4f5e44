import {
  DescribeSecretCommand,
  GetSecretValueCommand,
  ListSecretsCommand,
  ListSecretVersionIdsCommand,
  PutSecretValueCommand,
  SecretsManagerClient,
  TagResourceCommand,
  UntagResourceCommand,
  UpdateSecretVersionStageCommand,
} from '@aws-sdk/client-secrets-manager';
import {
  DeleteParameterCommand,
  GetParameterCommand,
  GetParametersByPathCommand,
  PutParameterCommand,
  SSMClient,
} from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import type { AllowedSecretsList } from '../../common/allowed-secrets-file.js';
import { createRinggDispatcher } from '../../common/ringg-client.js';
import { RinggStandIn } from '../../dev/ringg-stand-in.js';
import {
  type RotateOptions,
  type RotationEventOut,
  type RotationReport,
  runRotation,
} from '../../dev/rotation-driver.js';
import { SecretsManagerModel } from '../../dev/secrets-manager-model.js';
import { SsmModel } from '../../dev/ssm-model.js';
import { allowedSecrets } from '../../lambda/allowed-secrets.js';
import { loadConfig } from '../../lambda/config.js';
import { createRotationDeps } from '../../lambda/deps.js';
import { Logger } from '../../lambda/logger.js';
import { createRotationHandler } from '../../lambda/rotation.js';
import { asSdkCall } from './sdk-errors.js';

export const LAMBDA_ARN = 'arn:aws:lambda:us-east-1:123456789012:function:ringg-rotation';

export interface HarnessOptions {
  readonly env?: Record<string, string>;
  /** What context.getRemainingTimeInMillis() reports at the start of each step. */
  readonly remainingMs?: number;
  /** Real clock and real sleeps, for deliveries that overlap in real time. */
  readonly realTime?: boolean;
  /**
   * The secrets the deployment names (the function's allow-list), read at each invocation.
   *
   * @default - every secret in the Secrets Manager model, by name
   */
  readonly allowedSecrets?: () => AllowedSecretsList;
}

/**
 * Where the process running the handler dies: at the first matching AWS call, `before` it reaches
 * the service or `after` the service applied it. From then on every call of that instance hangs.
 */
export interface KillPoint {
  readonly operation: string;
  readonly when: 'before' | 'after';
  readonly nameContains?: string;
  /** Matching calls let through before the one the process dies at. */
  readonly skip?: number;
}

const never = <T>(): Promise<T> => new Promise<T>(() => {});

export interface SeededSecret {
  readonly secretId: string;
  readonly workspaceId: string;
  readonly initialKey: string;
}

/**
 * The real handler, its real SDK clients (answered by aws-sdk-client-mock from the stateful models)
 * and its real undici client against the Ringg stand-in on loopback. Sleeps advance a virtual clock
 * shared with the stand-in, so backoffs cost no wall time.
 */
export async function createHarness(options: HarnessOptions = {}) {
  let skewMs = 0;
  const now = () => Date.now() + skewMs;
  const sleep = async (ms: number) => {
    sleeps.push(ms);
    if (options.realTime) await new Promise((resolve) => setTimeout(resolve, ms));
    else skewMs += ms;
  };
  const sleeps: number[] = [];
  const dead = new WeakSet<object>();
  let instanceClients: object[] = [];
  let killPoint: (KillPoint & { killed: () => void }) | undefined;
  /** Operations whose next call is applied by the service and whose answer never arrives. */
  const lostAnswers: string[] = [];
  /** Runs a model operation for a client, unless its process is dead or dies here. */
  const gate = async <T>(
    operation: string,
    name: string,
    client: object,
    run: () => Promise<T>,
  ): Promise<T> => {
    if (dead.has(client)) return never();
    const lost = lostAnswers.indexOf(operation);
    if (lost >= 0) {
      lostAnswers.splice(lost, 1);
      await run();
      throw Object.assign(new Error('socket hang up'), { name: 'TimeoutError', code: 'ECONNRESET' });
    }
    const k = killPoint;
    if (!k || k.operation !== operation || (k.nameContains !== undefined && !name.includes(k.nameContains)))
      return run();
    if (k.skip) {
      killPoint = { ...k, skip: k.skip - 1 };
      return run();
    }
    killPoint = undefined;
    if (k.when === 'after') await run();
    for (const c of instanceClients) dead.add(c);
    k.killed();
    return never();
  };
  const model = new SecretsManagerModel('us-east-1', '123456789012', now);
  const ssm = new SsmModel(now);
  ssm.kms = model.kms;
  const ringg = new RinggStandIn(now);
  await ringg.start();

  const smMock = mockSecretsManager(model, gate);
  const ssmMock = mockClient(SSMClient);
  ssmMock.on(GetParameterCommand).callsFake((input, client) =>
    gate('GetParameter', input.Name, client(), () =>
      asSdkCall('ssm', async () => {
        await ssm.enter('GetParameter', input.Name);
        return ssm.getParameter(input);
      }),
    ),
  );
  ssmMock.on(PutParameterCommand).callsFake((input, client) =>
    gate('PutParameter', input.Name, client(), () =>
      asSdkCall('ssm', async () => {
        await ssm.enter('PutParameter', input.Name);
        return ssm.putParameter(input);
      }),
    ),
  );
  ssmMock.on(GetParametersByPathCommand).callsFake((input, client) =>
    gate('GetParametersByPath', input.Path, client(), () =>
      asSdkCall('ssm', async () => {
        await ssm.enter('GetParametersByPath', input.Path);
        return ssm.getParametersByPath(input);
      }),
    ),
  );
  ssmMock.on(DeleteParameterCommand).callsFake((input, client) =>
    gate('DeleteParameter', input.Name, client(), () =>
      asSdkCall('ssm', async () => {
        await ssm.enter('DeleteParameter', input.Name);
        return ssm.deleteParameter(input);
      }),
    ),
  );

  const logs: string[] = [];
  const log = new Logger((line) => logs.push(line));
  const config = loadConfig({ RINGG_BASE_URL: ringg.baseUrl(), ...options.env });
  const dispatchers: ReturnType<typeof createRinggDispatcher>[] = [];
  /** A fresh instance of the function: new clients, new connection pool, nothing in memory. */
  const startInstance = () => {
    const dispatcher = createRinggDispatcher(config);
    dispatchers.push(dispatcher);
    const secretsManager = new SecretsManagerClient({ region: 'us-east-1' });
    const ssmClient = new SSMClient({ region: 'us-east-1' });
    instanceClients = [secretsManager, ssmClient];
    return createRotationHandler(
      createRotationDeps(config, { secretsManager, ssm: ssmClient, ringgDispatcher: dispatcher }, log, {
        sleep,
        now,
        random: () => 0.5,
        allowedSecrets: () =>
          allowedSecrets(options.allowedSecrets?.() ?? { arns: [], names: model.secretNames() }),
      }),
    );
  };
  let handler = startInstance();
  const remainingMs = options.remainingMs ?? 60_000;
  const invoke = (event: unknown) => handler(event, { getRemainingTimeInMillis: () => remainingMs });

  let seeded = 0;
  const seed = (
    format: 'plain' | 'json' = 'plain',
    extra: Record<string, unknown> = { username: 'ops' },
  ): SeededSecret => {
    const workspace = ringg.addWorkspace({ name: `Workspace ${++seeded}` });
    const secretId = `ringg/workspace-${seeded}`;
    const value = format === 'plain' ? workspace.key : JSON.stringify({ ...extra, apiKey: workspace.key });
    model.createSecret({ Name: secretId, SecretString: value });
    model.enableRotation(secretId, LAMBDA_ARN);
    return { secretId, workspaceId: workspace.id, initialKey: workspace.key };
  };

  const reports: RotationReport[] = [];
  const rotate = async (
    secretId: string,
    rotateOptions: RotateOptions & { deliver?: (event: RotationEventOut) => Promise<unknown> } = {},
  ) => {
    const report = await runRotation(model, secretId, rotateOptions.deliver ?? invoke, rotateOptions);
    reports.push(report);
    return report;
  };

  return {
    model,
    ssm,
    smMock,
    ssmMock,
    reports,
    ringg,
    logs,
    sleeps,
    config,
    invoke,
    seed,
    rotate,
    now,
    /** Time passes (the virtual clock shared with the stand-ins), as between Secrets Manager's retries. */
    advanceClock(ms: number): void {
      skewMs += ms;
    },
    /** The process dies at `point`; the promise settles when it has. */
    killAt(point: KillPoint): Promise<void> {
      return new Promise<void>((killed) => {
        killPoint = { ...point, killed };
      });
    },
    /** The next call of `operation` is applied by the service, but its answer is lost on the way back. */
    loseAnswerOf(operation: string): void {
      lostAnswers.push(operation);
    },
    /** Lambda starts a new instance (a cold start): what the dead one held in memory is gone. */
    restart() {
      handler = startInstance();
    },
    async close() {
      smMock.restore();
      ssmMock.restore();
      for (const dispatcher of dispatchers) await dispatcher.destroy();
      await ringg.stop();
    },
  };
}

export type Harness = Awaited<ReturnType<typeof createHarness>>;

type Gate = <T>(operation: string, name: string, client: object, run: () => Promise<T>) => Promise<T>;
const open: Gate = (_operation, _name, _client, run) => run();

/** Answers every SecretsManagerClient in the process from the stateful model, with the SDK's exception classes. */
export function mockSecretsManager(model: SecretsManagerModel, gate: Gate = open) {
  const smMock = mockClient(SecretsManagerClient);
  smMock.on(DescribeSecretCommand).callsFake((input, client) =>
    gate('DescribeSecret', String(input.SecretId ?? ''), client(), () =>
      asSdkCall('sm', async () => {
        await model.enter('DescribeSecret', input);
        return model.describeSecret(input, model.labelView('DescribeSecret', input));
      }),
    ),
  );
  smMock.on(GetSecretValueCommand).callsFake((input, client) =>
    gate('GetSecretValue', String(input.SecretId ?? ''), client(), () =>
      asSdkCall('sm', async () => {
        await model.enter('GetSecretValue', input);
        return model.getSecretValue(input, model.labelView('GetSecretValue', input));
      }),
    ),
  );
  smMock.on(PutSecretValueCommand).callsFake((input, client) =>
    gate('PutSecretValue', String(input.SecretId ?? ''), client(), () =>
      asSdkCall('sm', async () => {
        await model.enter('PutSecretValue', input);
        return model.putSecretValue(input);
      }),
    ),
  );
  smMock.on(UpdateSecretVersionStageCommand).callsFake((input, client) =>
    gate('UpdateSecretVersionStage', String(input.SecretId ?? ''), client(), () =>
      asSdkCall('sm', async () => {
        await model.enter('UpdateSecretVersionStage', input);
        return model.updateSecretVersionStage(input);
      }),
    ),
  );
  smMock.on(TagResourceCommand).callsFake((input, client) =>
    gate('TagResource', String(input.SecretId ?? ''), client(), () =>
      asSdkCall('sm', async () => {
        await model.enter('TagResource', input);
        return model.tagResource(input);
      }),
    ),
  );
  smMock.on(UntagResourceCommand).callsFake((input, client) =>
    gate('UntagResource', String(input.SecretId ?? ''), client(), () =>
      asSdkCall('sm', async () => {
        await model.enter('UntagResource');
        return model.untagResource(input);
      }),
    ),
  );
  smMock.on(ListSecretVersionIdsCommand).callsFake((input, client) =>
    gate('ListSecretVersionIds', String(input.SecretId ?? ''), client(), () =>
      asSdkCall('sm', async () => {
        await model.enter('ListSecretVersionIds', input);
        return model.listSecretVersionIds(input);
      }),
    ),
  );
  smMock.on(ListSecretsCommand).callsFake((input, client) =>
    gate('ListSecrets', '', client(), () =>
      asSdkCall('sm', async () => {
        await model.enter('ListSecrets');
        return model.listSecrets(input);
      }),
    ),
  );
  return smMock;
}

/** The key inside a stored secret value, in either format. */
export function keyOf(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  try {
    const parsed = JSON.parse(value) as { apiKey?: string };
    return typeof parsed === 'object' && parsed !== null ? parsed.apiKey : value;
  } catch {
    return value;
  }
}
