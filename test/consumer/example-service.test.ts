import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LOCAL_FUNCTION_ARN, type LocalEnvironment } from '../../dev/local-environment.js';
import { runRotation } from '../../dev/rotation-driver.js';
import type { StdoutCapture } from '../../dev/stdout-capture.js';
import { type RunningService, startService } from '../../examples/consumer/service.js';
import { startWithFreshHandler } from '../support/local.js';

// The README's example service, as a user runs it: configured only from the environment, calling
// the Ringg stand-in while the real handler rotates the key.
let env: LocalEnvironment;
let logs: StdoutCapture;
let service: RunningService;
const serviceLog: string[] = [];

beforeAll(async () => {
  ({ env, logs } = await startWithFreshHandler());
  const workspace = env.ringg.addWorkspace({ name: 'Example' });
  env.aws.secretsManager.createSecret({ Name: 'ringg/example', SecretString: workspace.key });
  env.aws.secretsManager.enableRotation('ringg/example', LOCAL_FUNCTION_ARN);
  service = await startService({
    env: { ...process.env, RINGG_SECRET_ID: 'ringg/example', PORT: '0', HOST: '127.0.0.1' },
    log: (line) => serviceLog.push(line),
  });
});

afterAll(async () => {
  await service.close();
  logs.restore();
  await env.stop();
});

const startCall = async () =>
  (await fetch(`${service.url}/calls`, { method: 'POST', body: JSON.stringify({ to: '+15550100' }) })).status;
const health = async () => (await fetch(`${service.url}/healthz`)).status;

describe('examples/consumer/service.ts', () => {
  it('starts calls and stays healthy before, during and after two rotations', async () => {
    const statuses: number[] = [await startCall(), await health()];
    let rotating = true;
    const rotations = (async () => {
      for (let i = 0; i < 2; i++) {
        const report = await runRotation(env.aws.secretsManager, 'ringg/example', env.invoke, {
          stepGapMs: 50,
        });
        expect(report.succeeded).toBe(true);
      }
      rotating = false;
    })();
    while (rotating) statuses.push(await startCall(), await health());
    await rotations;
    statuses.push(await startCall(), await health());
    expect(statuses.length).toBeGreaterThan(10);
    expect(new Set(statuses)).toEqual(new Set([202, 200]));
    expect(env.ringg.calls('outbound-call')).toBeGreaterThan(5);
    // The service's log shows the library at work, and never a key.
    expect(serviceLog.some((l) => l.includes('"outcome":"repeated"'))).toBe(true);
    for (const key of env.ringg.issuedKeys) expect(serviceLog.join('\n')).not.toContain(key);
  });

  it('answers a bad request with what is wrong', async () => {
    const bad = await fetch(`${service.url}/calls`, { method: 'POST', body: 'not json' });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toEqual({ error: 'The body must be JSON: {"to": "+15550100"}.' });
  });

  it('runs as a script, and without RINGG_SECRET_ID says what to set', async () => {
    const { RINGG_SECRET_ID: _, ...rest } = process.env;
    const run = await promisify(execFile)(
      process.execPath,
      ['--import', 'tsx', 'examples/consumer/service.ts'],
      {
        env: { ...rest, NODE_NO_WARNINGS: '1' },
      },
    ).catch((error: { code: number; stderr: string }) => error);
    expect(run).toMatchObject({ code: 1 });
    expect((run as { stderr: string }).stderr).toContain('Set RINGG_SECRET_ID');
  });
});
