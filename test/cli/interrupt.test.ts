import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  type LocalEnvironment,
  seedRotatingSecret,
  startLocalEnvironment,
} from '../../dev/local-environment.js';
import { StdoutCapture } from '../../dev/stdout-capture.js';
import { LeakWatch } from '../support/leak-watch.js';
import { runCli } from '../support/run-cli.js';
import { spawnCli } from '../support/spawn-cli.js';

/**
 * Ctrl-C during a rotation: the CLI starts nothing more, says which rotations go on in AWS and how to
 * look at them, and exits 130. The function's createSecret waits at a gate the test opens, so that
 * the first rotation is surely still running when the interrupt comes.
 */
let env: LocalEnvironment | undefined;
let logs: StdoutCapture | undefined;
let release: () => void = () => {};
const watch = new LeakWatch();

afterEach(async () => {
  release();
  await watch.stop(env, logs);
  env = undefined;
});

async function start(count: number) {
  logs = new StdoutCapture();
  const gate = new Promise<void>((resolve) => {
    release = resolve;
  });
  env = await startLocalEnvironment({
    maxAttempts: 1,
    loadHandler: async () => {
      vi.resetModules(); // the handler reads this environment's endpoints when it is loaded
      const { handler } = await import('../../lambda/handler.js');
      return {
        handler: async (event, context) => {
          if ((event as { Step?: string }).Step === 'createSecret') await gate;
          return handler(event, context);
        },
      };
    },
  });
  const names = Array.from({ length: count }, (_, i) => `ringg/interrupt-${i + 1}`);
  for (const name of names) {
    await seedRotatingSecret(env, name, env.ringg.addWorkspace({ name }).key);
  }
  return { e: env, names };
}

const pendingOf = (e: LocalEnvironment, name: string) =>
  Object.entries(e.aws.secretsManager.stagesOf(name)).find(([, stages]) =>
    stages.includes('AWSPENDING'),
  )?.[0];

describe('Ctrl-C', () => {
  it('in rotate --all (a real process, SIGINT): no new rotation, the running one listed, exit 130', async () => {
    const { e, names } = await start(3);
    const rotateCallsBefore = e.aws.secretsManager.calls.RotateSecret ?? 0;
    const cli = spawnCli(['rotate', '--all', '--function', 'ringg-key-rotation-local', '--parallel', '1']);
    await cli.waitFor('stderr', /ringg\/interrupt-1: rotation started, version [0-9a-f-]{36}\n/);
    cli.child.kill('SIGINT');
    const { code, signal, stdout, stderr } = await cli.exited;
    watch.see(stdout, stderr);

    expect({ code, signal }).toEqual({ code: 130, signal: null });
    const token = pendingOf(e, 'ringg/interrupt-1');
    expect(token).toMatch(/^[0-9a-f-]{36}$/);
    const arn = e.aws.secretsManager.describeSecret({ SecretId: 'ringg/interrupt-1' }).ARN;
    expect(stderr).toContain(
      [
        'Interrupted (Ctrl-C): no new rotation or step was started.',
        'Still running in AWS (1): a rotation cannot be cancelled, and Secrets Manager finishes or reattempts it on its own.',
        `  ringg/interrupt-1  version ${token}: rotation started`,
        'See where each is with:',
        `  ringg-rotate status --secret-id ${arn}`,
      ].join('\n'),
    );
    expect(stdout).toBe(''); // no summary: the rotations were not seen to end
    expect(stderr).not.toContain('NodeVersionSupportWarning');
    expect(e.aws.secretsManager.calls.RotateSecret).toBe(rotateCallsBefore + 1);
    expect(names.slice(1).map((name) => pendingOf(e, name))).toEqual([undefined, undefined]);

    release(); // the rotation goes on without the CLI, and completes
    await e.aws.settled();
    expect(e.aws.secretsManager.stagesOf('ringg/interrupt-1')[token as string]).toContain('AWSCURRENT');
  });

  it('in rotate --output json: the object says interrupted and lists the rotation that goes on', async () => {
    const { e } = await start(1);
    const controller = new AbortController();
    const describes = e.aws.secretsManager.calls.DescribeSecret ?? 0;
    // The CLI's first look at the rotation (after its setup check) means RotateSecret has answered.
    const watching = setInterval(() => {
      if ((e.aws.secretsManager.calls.DescribeSecret ?? 0) >= describes + 2) controller.abort();
    }, 5);
    const result = await runCli(['rotate', '--secret-id', 'ringg/interrupt-1', '--output', 'json'], {
      interrupt: controller.signal,
    }).finally(() => clearInterval(watching));
    watch.see(result.stdout, result.stderr);

    expect(result.code).toBe(130);
    const token = pendingOf(e, 'ringg/interrupt-1');
    expect(JSON.parse(result.stdout)).toEqual({
      command: 'rotate',
      result: 'interrupted',
      running: [
        {
          secretId: 'ringg/interrupt-1',
          name: 'ringg/interrupt-1',
          version: token,
          what: 'rotation started',
        },
      ],
    });
    expect(result.stderr).toContain(`  ringg/interrupt-1  version ${token}: rotation started`);
  });

  it('before anything started: says so, calls nothing, exit 130', async () => {
    const { e } = await start(1);
    const calls = { ...e.aws.secretsManager.calls };
    const controller = new AbortController();
    controller.abort();
    const result = await runCli(['rotate', '--secret-id', 'ringg/interrupt-1'], {
      interrupt: controller.signal,
    });
    expect(e.aws.secretsManager.calls).toEqual(calls);
    expect(result.code).toBe(130);
    expect(result.stderr).toBe(
      'Interrupted (Ctrl-C): no new rotation or step was started.\nNothing this command started is still running in AWS.\n',
    );
    expect(result.stdout).toBe('');
  });
});
