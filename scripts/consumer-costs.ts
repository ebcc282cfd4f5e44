// What the consumer library costs and answers when the secret cannot give it a working key: every key
// the secret holds dead, a pending key of another workspace, a wrong secret id, a wrong Region, and no
// permission. The library runs against the local stand-ins over HTTP, as a service would.

import { pathToFileURL } from 'node:url';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { dropSdkNodeVersionWarning } from '../cli/sdk-warning.js';
import { RinggApi, RinggKeyProvider } from '../consumer/index.js';
import { type LocalEnvironment, startLocalEnvironment } from '../dev/local-environment.js';
import { AwsServiceError } from '../dev/secrets-manager-model.js';
import { StdoutCapture } from '../dev/stdout-capture.js';

export interface CostFigure {
  readonly scenario: string;
  readonly requests: number;
  /** GetSecretValue calls, in every Region. */
  readonly secretReads: number;
  /** Requests that reached Ringg, and those that reached a workspace other than the secret's. */
  readonly ringgRequests: number;
  readonly otherWorkspaceRequests: number;
  /** What the callers got: an HTTP status or an error code, with how many got it. */
  readonly outcomes: Readonly<Record<string, number>>;
  /** The first error's message, when the callers got errors. */
  readonly firstError: string | undefined;
  readonly elapsedMs: number;
}

interface Scenario {
  readonly name: string;
  readonly concurrent: boolean;
  /** Seeds the secret; returns the workspace a request must never reach, if any. */
  setUp(env: LocalEnvironment, secretId: string): { readonly forbiddenWorkspace?: string };
  readonly secretId?: (secretId: string) => string;
  readonly region?: string;
}

/** A rotation's new key in AWSPENDING (the version left unpromoted), as the function leaves it. */
function pending(env: LocalEnvironment, secretId: string, key: string): void {
  const sm = env.aws.secretsManager;
  sm.enableRotation(secretId, 'arn:aws:lambda:us-east-1:123456789012:function:ringg-key-rotation-local');
  const token = sm.beginRotation({ SecretId: secretId });
  sm.putSecretValue({
    SecretId: secretId,
    ClientRequestToken: token,
    SecretString: key,
    VersionStages: ['AWSPENDING'],
  });
}

/** Both keys the secret holds dead: AWSCURRENT, and the AWSPENDING key a failed rotation left. */
function allKeysDead(env: LocalEnvironment, secretId: string) {
  const workspace = env.ringg.addWorkspace({ name: 'All keys dead' });
  env.aws.secretsManager.createSecret({ Name: secretId, SecretString: workspace.key });
  pending(env, secretId, env.ringg.regenerateInDashboard(workspace.id));
  env.ringg.regenerateInDashboard(workspace.id);
  return {};
}

export const SCENARIOS: readonly Scenario[] = [
  { name: 'all keys dead, one request after another', concurrent: false, setUp: allKeysDead },
  { name: 'all keys dead, all requests at once', concurrent: true, setUp: allKeysDead },
  {
    name: "AWSCURRENT dead, AWSPENDING holds another workspace's live key",
    concurrent: false,
    setUp(env, secretId) {
      const mine = env.ringg.addWorkspace({ name: 'Mine' });
      const other = env.ringg.addWorkspace({ name: 'Other' });
      env.aws.secretsManager.createSecret({ Name: secretId, SecretString: mine.key });
      env.ringg.regenerateInDashboard(mine.id); // the rotation's regenerate killed it
      pending(env, secretId, other.key); // and Ringg answered with another workspace's key
      return { forbiddenWorkspace: other.id };
    },
  },
  {
    name: 'a secret id that does not exist',
    concurrent: false,
    setUp: () => ({}),
    secretId: (id) => `${id}-typo`,
  },
  {
    name: 'the secret in us-east-1, the client in eu-west-1',
    concurrent: false,
    setUp(env, secretId) {
      env.aws.secretsManager.createSecret({ Name: secretId, SecretString: env.ringg.addWorkspace().key });
      return {};
    },
    region: 'eu-west-1',
  },
  {
    name: 'a us-east-1 ARN, the client in eu-west-1',
    concurrent: false,
    setUp(env, secretId) {
      env.aws.secretsManager.createSecret({ Name: secretId, SecretString: env.ringg.addWorkspace().key });
      return {};
    },
    secretId: (id) => `arn:aws:secretsmanager:us-east-1:123456789012:secret:${id}`,
    region: 'eu-west-1',
  },
  {
    name: 'no permission to read the secret',
    concurrent: false,
    setUp(env, secretId) {
      const sm = env.aws.secretsManager;
      sm.createSecret({ Name: secretId, SecretString: env.ringg.addWorkspace().key });
      sm.injectFault({
        operation: 'GetSecretValue',
        times: Number.MAX_SAFE_INTEGER,
        error: new AwsServiceError(
          'AccessDeniedException',
          `User: arn:aws:sts::123456789012:assumed-role/service/task is not authorized to perform: secretsmanager:GetSecretValue on resource: ${secretId} because no identity-based policy allows the secretsmanager:GetSecretValue action`,
        ),
      });
      return {};
    },
  },
];

const secretReads = (env: LocalEnvironment) =>
  [env.aws.secretsManager, ...env.aws.otherRegions.values()].reduce(
    (n, model) => n + (model.calls.GetSecretValue ?? 0),
    0,
  );

/** Runs one scenario with `requests` GET /workspace through a library with its default options. */
export async function measure(
  env: LocalEnvironment,
  scenario: Scenario,
  secretId: string,
  requests: number,
): Promise<CostFigure> {
  const { forbiddenWorkspace } = scenario.setUp(env, secretId);
  const client = new SecretsManagerClient(scenario.region ? { region: scenario.region } : {});
  const api = new RinggApi({
    keys: new RinggKeyProvider({ secretId: scenario.secretId?.(secretId) ?? secretId, client }),
  });
  const readsBefore = secretReads(env);
  const ringgBefore = env.ringg.events.length;
  const outcomes: Record<string, number> = {};
  let firstError: string | undefined;
  const one = async () => {
    const outcome = await api.request('/workspace').then(
      (response) => String(response.status),
      (error: unknown) => {
        firstError ??= error instanceof Error ? error.message : String(error);
        const code = (error as { code?: unknown }).code;
        return typeof code === 'string' ? code : error instanceof Error ? error.name : 'error';
      },
    );
    outcomes[outcome] = (outcomes[outcome] ?? 0) + 1;
  };
  const started = performance.now();
  if (scenario.concurrent) await Promise.all(Array.from({ length: requests }, one));
  else for (let i = 0; i < requests; i++) await one();
  const elapsedMs = performance.now() - started;
  await api.close();
  client.destroy();
  const ringgEvents = env.ringg.events.slice(ringgBefore);
  return {
    scenario: scenario.name,
    requests,
    secretReads: secretReads(env) - readsBefore,
    ringgRequests: ringgEvents.length,
    otherWorkspaceRequests: ringgEvents.filter(
      (e) => forbiddenWorkspace && e.workspaceId === forbiddenWorkspace,
    ).length,
    outcomes,
    firstError,
    elapsedMs,
  };
}

async function main(): Promise<void> {
  dropSdkNodeVersionWarning();
  const raw = process.env.BENCH_CONSUMER_REQUESTS ?? '100';
  const requests = Number(raw);
  if (!Number.isInteger(requests) || requests < 1)
    throw new Error(`BENCH_CONSUMER_REQUESTS must be a whole number ≥ 1 (e.g. "100"), not "${raw}".`);
  const capture = new StdoutCapture();
  const env = await startLocalEnvironment({ loadHandler: () => import('../lambda/handler.js') });
  const figures: CostFigure[] = [];
  try {
    for (const [i, scenario] of SCENARIOS.entries())
      figures.push(await measure(env, scenario, `ringg/consumer-${i}`, requests));
  } finally {
    await env.stop();
    capture.restore();
  }
  const rows = figures.map(
    (f) =>
      `| ${f.scenario} | ${f.requests} | ${f.secretReads} | ${f.ringgRequests} | ${f.otherWorkspaceRequests} | ${Object.entries(
        f.outcomes,
      )
        .map(([outcome, n]) => `${n} × ${outcome}`)
        .join(', ')} | ${f.elapsedMs.toFixed(0)} ms |`,
  );
  process.stdout.write(
    `Consumer library, default options, ${requests} GET /workspace per scenario:\n\n` +
      '| scenario | requests | GetSecretValue | Ringg requests | to another workspace | callers got | time |\n' +
      '| --- | --- | --- | --- | --- | --- | --- |\n' +
      `${rows.join('\n')}\n\nFirst error per scenario:\n\n` +
      `${figures.map((f) => `- ${f.scenario}: ${f.firstError ?? '(none)'}`).join('\n')}\n`,
  );
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((error: unknown) => {
    process.stderr.write(
      `Consumer costs failed: ${error instanceof Error ? error.message : String(error)}\n`,
    );
    process.exitCode = 1;
  });
}
