import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { ListSecretsCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { afterEach, describe, expect, it } from 'vitest';

// `npm run local` as a user runs it: a process that prints what to export, then serves until Ctrl-C.
let running: ChildProcess | undefined;

afterEach(() => {
  running?.kill('SIGKILL');
  running = undefined;
});

/** Starts scripts/local.ts and resolves with what it printed once it is ready. */
function startLocal(args: string[]): Promise<string> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/local.ts', ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running = child;
  let out = '';
  return new Promise((resolve, reject) => {
    child.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString('utf8');
      if (out.includes('Rotation steps appear here')) resolve(out);
    });
    child.on('exit', (code) =>
      reject(new Error(`npm run local exited ${code} before it was ready:\n${out}`)),
    );
  });
}

const exported = (out: string) =>
  Object.fromEntries([...out.matchAll(/^export ([A-Z_]+)=(.*)$/gm)].map((m) => [m[1], m[2]]));

describe('npm run local', () => {
  it('--secrets 3 seeds three rotated secrets, each of its own workspace, and stops on Ctrl-C', async () => {
    const out = await startLocal(['--secrets', '3']);
    const env = exported(out);
    expect(env.AWS_DEFAULT_REGION).toBe(env.AWS_REGION);
    const sm = new SecretsManagerClient({
      region: env.AWS_REGION,
      endpoint: env.AWS_ENDPOINT_URL_SECRETS_MANAGER,
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });
    const { SecretList = [] } = await sm.send(new ListSecretsCommand({}));
    expect(SecretList.map((s) => [s.Name, s.RotationEnabled]).sort()).toEqual([
      ['ringg/local-01', true],
      ['ringg/local-02', true],
      ['ringg/local-03', true],
    ]);
    const fingerprints = [
      ...out.matchAll(/^ {2}secret +ringg\/local-0\d: plain key (sha256:[0-9a-f]{8})/gm),
    ].map((m) => m[1]);
    expect(new Set(fingerprints).size).toBe(3);
    expect(out).toContain('npx ringg-rotate rotate --all --function ringg-key-rotation-local');
    sm.destroy();

    const exit = new Promise<number | null>((resolve) => running?.on('exit', resolve));
    running?.kill('SIGINT');
    expect(await exit).toBe(0);
  });

  it('refuses a count it cannot seed, with its usage and exit 64', () => {
    const result = spawnSync(process.execPath, ['--import', 'tsx', 'scripts/local.ts', '--secrets', '0'], {
      encoding: 'utf8',
    });
    expect(result.status).toBe(64);
    expect(result.stderr).toMatch(/--secrets "0" must be a whole number from 1 to 500/);
    expect(result.stderr).toContain('Usage: npm run local');
  });
});
