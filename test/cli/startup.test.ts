import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { dropSdkNodeVersionWarning, isSdkNodeVersionWarning } from '../../cli/sdk-warning.js';
import { spawnCli } from '../support/spawn-cli.js';

/**
 * What a real `ringg-rotate` process loads and prints before doing anything: --help and --version load
 * neither the AWS SDK nor undici, and no run prints the SDK's Node.js version warning.
 */
const dir = mkdtempSync(join(tmpdir(), 'ringg-startup-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A process with no AWS configuration at all: a command fails fast with a configuration problem. */
const NO_AWS: NodeJS.ProcessEnv = {
  PATH: process.env.PATH,
  AWS_CONFIG_FILE: join(dir, 'no-config'),
  AWS_SHARED_CREDENTIALS_FILE: join(dir, 'no-credentials'),
  AWS_EC2_METADATA_DISABLED: 'true',
};

let runs = 0;
/** Runs the CLI and returns its result and every module URL the process resolved. */
async function runLogged(args: string[]) {
  const log = join(dir, `imports-${runs++}.log`);
  writeFileSync(log, '');
  const cli = spawnCli(args, {
    env: { ...NO_AWS, IMPORT_LOG: log },
    nodeArgs: ['--import', './test/support/import-log.mjs'],
  });
  const result = await cli.exited;
  return { ...result, modules: readFileSync(log, 'utf8').split('\n').filter(Boolean) };
}

const loadsSdkOrUndici = (modules: string[]) =>
  modules.filter((url) => /\/node_modules\/(@aws-sdk|@smithy|undici)\//.test(url));

describe('a real ringg-rotate process', () => {
  it.each([[['--version']], [['-V']], [['--help']], [['rotate', '--help']], [['resume', '--help']]])(
    '%j loads neither the AWS SDK nor undici',
    async (args) => {
      const result = await runLogged(args);
      expect(result.code).toBe(0);
      expect(result.stderr).toBe('');
      expect(result.modules.some((url) => url.endsWith('/cli/main.ts'))).toBe(true); // the log works
      expect(loadsSdkOrUndici(result.modules)).toEqual([]);
    },
  );

  it('a command loads them (the log would show it) and prints no SDK Node.js version warning', async () => {
    const result = await runLogged(['status', '--secret-id', 'ringg/any']);
    expect(result.code).toBe(78);
    expect(result.stderr).toMatch(/^Configuration problem: No AWS region is set/);
    expect(
      loadsSdkOrUndici(result.modules).some((url) => url.includes('/@aws-sdk/client-secrets-manager/')),
    ).toBe(true);
    expect(loadsSdkOrUndici(result.modules).some((url) => url.includes('/undici/'))).toBe(true);
    expect(result.stderr).not.toContain('NodeVersionSupportWarning');
    expect(result.stderr).not.toContain('Warning');
  });

  it.runIf(Number(process.versions.node.split('.')[0]) < 22)(
    'without the CLI’s filter, the same SDK client on this Node.js prints that warning (the control)',
    () => {
      const plain = spawnSync(
        process.execPath,
        ['-e', "new (require('@aws-sdk/client-secrets-manager').SecretsManagerClient)({})"],
        { env: NO_AWS, encoding: 'utf8' },
      );
      expect(plain.stderr).toContain('NodeVersionSupportWarning');
    },
  );
});

describe('the SDK warning filter', () => {
  it('drops only the SDK’s NodeVersionSupportWarning and passes every other warning on', () => {
    const emitted: unknown[][] = [];
    const target = { emitWarning: vi.fn((...args: unknown[]) => emitted.push(args)) };
    dropSdkNodeVersionWarning(target as unknown as NodeJS.Process);
    target.emitWarning('NodeVersionSupportWarning: The AWS SDK for JavaScript (v3) ...');
    target.emitWarning(Object.assign(new Error('x'), { name: 'NodeVersionSupportWarning' }));
    target.emitWarning('Something else', 'DeprecationWarning', 'DEP0001');
    expect(emitted).toEqual([['Something else', 'DeprecationWarning', 'DEP0001']]);
    expect(isSdkNodeVersionWarning('A NodeVersionSupportWarning quoted')).toBe(false);
  });
});
