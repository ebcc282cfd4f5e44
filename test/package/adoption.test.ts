// The package as a user gets it: packed, installed from the tarball into scratch projects with
// `npm ci --offline` (the npm cache that this repository's `npm ci` filled, no network), then used the
// way each kind of user would. Run by `npm run test:package` (about a minute), which .ci/run calls.
import { execFile } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalEnvironment, seedRotatingSecret } from '../../dev/local-environment.js';
import { bundleLikeTheStack } from '../../scripts/lambda-bundle.js';
import { startWithFreshHandler } from '../support/local.js';
import { type PackedPackage, writeScratchProject } from './scratch-project.js';

const run = promisify(execFile);
const REPO = process.cwd();
const work = mkdtempSync(join(tmpdir(), 'ringg-adoption-'));
const SERVICE = join(work, 'service');
const CDK = join(work, 'cdk-app');
const FLOOR = join(work, 'cdk-floor');
/** The repository's npm aliases that put the peer floor into its lockfile and the npm cache. */
const FLOOR_ALIASES = { 'aws-cdk-lib': 'aws-cdk-lib-floor', constructs: 'constructs-floor' };
const SECRET = 'ringg/adoption';
const timings: Record<string, number> = {};
let packed: PackedPackage & {
  filename: string;
  files: { path: string; size: number }[];
  size: number;
  unpackedSize: number;
};
let env: LocalEnvironment;
let workspace: { id: string; key: string };

async function timed<T>(label: string, work: () => Promise<T>): Promise<T> {
  const started = performance.now();
  try {
    return await work();
  } finally {
    timings[label] = Math.round(performance.now() - started);
  }
}

/** A command that has not finished in this time is killed and fails the test with its output. */
const COMMAND_TIMEOUT_MS = 240_000;

/** Runs a command with no input; its output and exit code, never an exception. */
async function exec(file: string, args: string[], options: { cwd: string; env?: Record<string, string> }) {
  try {
    const running = run(file, args, {
      cwd: options.cwd,
      env: { ...process.env, ...options.env },
      maxBuffer: 64 * 1024 * 1024,
      timeout: COMMAND_TIMEOUT_MS,
      killSignal: 'SIGKILL',
    });
    running.child.stdin?.end();
    const { stdout, stderr } = await running;
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code?: number; killed?: boolean; stdout?: string; stderr?: string };
    const killed = e.killed ? `\n(killed after ${COMMAND_TIMEOUT_MS / 1000} s without finishing)` : '';
    return {
      code: typeof e.code === 'number' ? e.code : -1,
      stdout: e.stdout ?? '',
      stderr: `${e.stderr ?? ''}${killed}`,
    };
  }
}

async function ok(file: string, args: string[], options: { cwd: string; env?: Record<string, string> }) {
  const result = await exec(file, args, options);
  if (result.code !== 0) {
    throw new Error(`${file} ${args.join(' ')} exited ${result.code}\n${result.stdout}\n${result.stderr}`);
  }
  return result;
}

/** npm ci from the cache only: fails instead of reaching for the registry. */
const installOffline = (cwd: string) =>
  ok('npm', ['ci', '--offline', '--no-audit', '--no-fund', '--no-update-notifier', '--loglevel=error'], {
    cwd,
  });

const kib = (bytes: number) => `${(bytes / 1024).toFixed(1)} KiB`;
function duBytes(dir: string): number {
  let total = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) total += duBytes(path);
    else if (entry.isFile()) total += statSync(path).size;
  }
  return total;
}

beforeAll(async () => {
  const [pack] = JSON.parse(
    (
      await timed('npm pack (runs npm run build)', () =>
        ok('npm', ['pack', '--json', '--pack-destination', work, '--loglevel=error'], { cwd: REPO }),
      )
    ).stdout,
  );
  packed = {
    ...pack,
    file: join(work, pack.filename),
    manifest: JSON.parse(readFileSync('package.json', 'utf8')),
  };

  writeScratchProject(SERVICE, packed, []);
  writeScratchProject(CDK, packed, ['aws-cdk-lib', 'constructs'], ['typescript', 'ts-node', '@types/node']);
  writeScratchProject(
    FLOOR,
    packed,
    ['aws-cdk-lib', 'constructs'],
    ['typescript', 'ts-node', '@types/node'],
    FLOOR_ALIASES,
  );
  // One after the other: two npm processes extracting the same tarball from one cache once hung here.
  await timed('npm ci --offline: consumer-only service', () => installOffline(SERVICE));
  await timed('npm ci --offline: CDK app', () => installOffline(CDK));
  await timed('npm ci --offline: CDK app on the peer floor', () => installOffline(FLOOR));

  ({ env } = await startWithFreshHandler());
  workspace = env.ringg.addWorkspace({ name: 'Adoption' });
  await seedRotatingSecret(env, SECRET, JSON.stringify({ apiKey: workspace.key }));
}, 600_000);

afterAll(async () => {
  await env?.stop();
  rmSync(work, { recursive: true, force: true });
  console.log(`adoption timings (ms): ${JSON.stringify(timings)}`);
});

/** The environment a process needs to reach the stand-ins, as `npm run local` prints it. */
const standIns = () => ({
  AWS_REGION: 'us-east-1',
  AWS_ACCESS_KEY_ID: 'local',
  AWS_SECRET_ACCESS_KEY: 'local',
  AWS_ENDPOINT_URL_SECRETS_MANAGER: env.endpoint,
  AWS_ENDPOINT_URL_SSM: env.endpoint,
  RINGG_BASE_URL: env.ringg.baseUrl(),
  SECRET_ID: SECRET,
});

describe('the tarball', () => {
  it('holds the built package and nothing else', () => {
    const paths = packed.files.map((f) => f.path).sort();
    console.log(
      `${packed.filename}: ${paths.length} files, ${kib(packed.size)} packed, ${kib(packed.unpackedSize)} unpacked\n${paths.join('\n')}`,
    );
    for (const path of paths) {
      expect(path).toMatch(/^(dist\/(esm|cjs|lambda)\/|package\.json$|README\.md$|LICENSE$|CHANGELOG\.md$)/);
      expect(path).not.toMatch(/(?<!\.d)\.ts$/);
    }
    for (const path of [
      'LICENSE',
      'CHANGELOG.md',
      'README.md',
      'dist/lambda/index.js',
      'dist/lambda/index.js.map',
      'dist/esm/bin/ringg-rotate.js',
      'dist/esm/index.d.ts',
      'dist/cjs/index.js',
      'dist/cjs/consumer/index.d.ts',
    ]) {
      expect(paths).toContain(path);
    }
  });

  it('leaves the bin executable in this repository after the build (npx ringg-rotate runs it from dist/)', () => {
    for (const bin of Object.values(packed.manifest.bin ?? {})) {
      expect(statSync(join(REPO, bin)).mode & 0o111, bin).toBe(0o111);
    }
  });

  it('ships the function bundled from these lambda/ sources', async () => {
    const fresh = join(work, 'fresh-bundle', 'index.js');
    await bundleLikeTheStack({ file: 'lambda/handler.ts' }, fresh);
    const shipped = join(SERVICE, 'node_modules', 'ringg-key-rotation', 'dist', 'lambda', 'index.js');
    expect(readFileSync(shipped, 'utf8')).toBe(readFileSync(fresh, 'utf8'));
  });
});

describe('a service that installs the package for the consumer library', () => {
  it('gets no aws-cdk-lib, constructs or esbuild', () => {
    const modules = join(SERVICE, 'node_modules');
    for (const name of ['aws-cdk-lib', 'constructs', 'esbuild', 'tsx', 'typescript']) {
      expect(existsSync(join(modules, name)), name).toBe(false);
    }
    console.log(`consumer-only install: node_modules ${(duBytes(modules) / 1024 / 1024).toFixed(1)} MiB`);
  });

  const call = `
    const ringg = new RinggApi({ baseUrl: process.env.RINGG_BASE_URL, keys: new RinggKeyProvider({ secretId: process.env.SECRET_ID }) });
    const response = await ringg.request('/workspace');
    // The body holds the key: print only the status and the workspace id.
    console.log(JSON.stringify({ status: response.status, workspace: response.body.workspace_info.id }));
  `;

  it('as an ES module', async () => {
    writeFileSync(
      join(SERVICE, 'service.mjs'),
      `import { RinggApi, RinggKeyProvider } from 'ringg-key-rotation/consumer';\n${call}`,
    );
    const result = await ok(process.execPath, ['service.mjs'], { cwd: SERVICE, env: standIns() });
    expect(JSON.parse(result.stdout)).toEqual({ status: 200, workspace: workspace.id });
  });

  it('as CommonJS', async () => {
    writeFileSync(
      join(SERVICE, 'service.cjs'),
      `const { RinggApi, RinggKeyProvider } = require('ringg-key-rotation/consumer');\n(async () => {${call}})();`,
    );
    const result = await ok(process.execPath, ['service.cjs'], { cwd: SERVICE, env: standIns() });
    expect(JSON.parse(result.stdout)).toEqual({ status: 200, workspace: workspace.id });
  });
});

describe('the ringg-rotate CLI from the installed package', () => {
  const cli = (args: string[], extra: Record<string, string> = {}) =>
    exec(join(SERVICE, 'node_modules', '.bin', 'ringg-rotate'), args, {
      cwd: SERVICE,
      env: { ...standIns(), ...extra },
    });

  it('--version and --help', async () => {
    expect(await cli(['--version'])).toMatchObject({ code: 0, stdout: `${packed.manifest.version}\n` });
    const help = await cli(['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^ {2}status +Show the labels/m);
    const statusHelp = await cli(['status', '--help']);
    expect(statusHelp.stdout).toMatch(/^ {2}ringg-rotate status --secret-id <name\|arn>/m);
    expect(`${help.stderr}${statusHelp.stderr}`).toBe('');
  });

  it('status against the stand-ins, and a configuration problem with its own exit code', async () => {
    const status = await cli(['status', '--secret-id', SECRET, '--check']);
    expect(status.stdout).toMatch(/Key check {4}Ringg accepts AWSCURRENT/);
    expect(status.code).toBe(0);
    const unknown = await cli(['status', '--secret-id', 'ringg/missing']);
    expect(unknown.code).toBe(78);
    expect(unknown.stderr).toMatch(/Secrets Manager has no secret "ringg\/missing"/);
    expect(`${status.stderr}${unknown.stderr}`).not.toContain('NodeVersionSupportWarning');
    expect(`${status.stdout}${status.stderr}${unknown.stderr}`).not.toContain(workspace.key);
  });
});

const APP = `import { App, Duration, Stack } from 'aws-cdk-lib';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { KeyRotationSchedule, RinggKeyRotation, type RinggKeyRotationProps } from 'ringg-key-rotation';
// Types of the second entry point too (node10 finds them through typesVersions).
import type { RinggKeyProviderOptions } from 'ringg-key-rotation/consumer';

const app = new App({ outdir: process.env.OUTDIR });
const stack = new Stack(app, 'Adopted');
const props: RinggKeyRotationProps = {
  secrets: [secretsmanager.Secret.fromSecretNameV2(stack, 'Secret', 'ringg/prod')],
  schedule: KeyRotationSchedule.rate(Duration.days(30)),
};
new RinggKeyRotation(stack, 'Rotation', props);
app.synth();
export const consumer: RinggKeyProviderOptions = { secretId: 'ringg/prod' };
`;

/** A TypeScript CDK app folder inside the CDK project, with its own module type and tsconfig. */
function appFolder(name: string, type: 'commonjs' | 'module', compilerOptions: Record<string, unknown>) {
  const dir = join(CDK, name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ type }));
  const base = { target: 'ES2022', lib: ['es2022'], strict: true, skipLibCheck: true, types: ['node'] };
  writeFileSync(
    join(dir, 'tsconfig.json'),
    JSON.stringify({ compilerOptions: { ...base, ...compilerOptions }, include: ['*.ts'] }),
  );
  writeFileSync(join(dir, 'app.ts'), APP);
  return dir;
}

/** The synthesized function: its handler, and the bundle in its asset. */
function synthesized(outdir: string) {
  const template = JSON.parse(readFileSync(join(outdir, 'Adopted.template.json'), 'utf8'));
  const fn = Object.values(
    template.Resources as Record<string, { Type: string; Properties: Record<string, unknown> }>,
  ).find((r) => r.Type === 'AWS::Lambda::Function');
  const assets = JSON.parse(readFileSync(join(outdir, 'Adopted.assets.json'), 'utf8'));
  const zip = Object.values(
    assets.files as Record<string, { source: { path: string; packaging?: string } }>,
  ).find((a) => a.source.packaging === 'zip');
  const dir = join(outdir, zip?.source.path ?? 'missing');
  return {
    handler: fn?.Properties.Handler,
    bundle: readFileSync(join(dir, 'index.js'), 'utf8'),
    map: existsSync(join(dir, 'index.js.map')),
    allowed: JSON.parse(readFileSync(join(dir, 'allowed-secrets.json'), 'utf8')),
  };
}

// Each app runs in its own process: run them side by side.
describe.concurrent('a TypeScript CDK app that installs the package', () => {
  const shipped = () =>
    readFileSync(join(CDK, 'node_modules', 'ringg-key-rotation', 'dist', 'lambda', 'index.js'), 'utf8');

  it('in CommonJS, run by ts-node (cdk init settings), deploys the prebuilt function without esbuild', async () => {
    const dir = appFolder('cjs', 'commonjs', { module: 'commonjs' });
    const outdir = join(dir, 'cdk.out');
    await timed('ts-node CommonJS app synth', () =>
      ok(join(CDK, 'node_modules', '.bin', 'ts-node'), ['app.ts'], { cwd: dir, env: { OUTDIR: outdir } }),
    );
    expect(existsSync(join(CDK, 'node_modules', 'esbuild'))).toBe(false);
    console.log(
      `CDK app install: node_modules ${(duBytes(join(CDK, 'node_modules')) / 1024 / 1024).toFixed(1)} MiB`,
    );
    const fn = synthesized(outdir);
    expect(fn.handler).toBe('index.handler');
    expect(fn.map).toBe(true);
    expect(fn.bundle).toBe(shipped());
    expect(fn.allowed).toEqual({ v: 1, arns: [], names: ['ringg/prod'] });
  });

  it('as an ES module, type-checked with module nodenext and run by ts-node/esm', async () => {
    const dir = appFolder('esm', 'module', { module: 'nodenext' });
    const outdir = join(dir, 'cdk.out');
    await timed('ts-node ESM app synth', () =>
      ok(process.execPath, ['--no-warnings', '--loader', 'ts-node/esm', 'app.ts'], {
        cwd: dir,
        env: { OUTDIR: outdir },
      }),
    );
    const fn = synthesized(outdir);
    expect(fn.handler).toBe('index.handler');
    expect(fn.bundle).toBe(shipped());
    expect(fn.allowed).toEqual({ v: 1, arns: [], names: ['ringg/prod'] });
  });

  it.each([
    ['node16, CommonJS', 'commonjs', { module: 'node16' }],
    ['bundler', 'module', { module: 'preserve', moduleResolution: 'bundler' }],
  ] as const)(
    'resolves the types of both entry points with moduleResolution %s',
    async (name, type, options) => {
      const dir = appFolder(`types-${name.replace(/\W+/g, '-')}`, type, { ...options, noEmit: true });
      writeFileSync(
        join(dir, 'consumer.ts'),
        `import { RinggApi, RinggKeyProvider } from 'ringg-key-rotation/consumer';
export const api: RinggApi = new RinggApi({ keys: new RinggKeyProvider({ secretId: 'ringg/prod' }) });
`,
      );
      await timed(`tsc ${name}`, () =>
        ok(process.execPath, [join(CDK, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', '.'], {
          cwd: dir,
        }),
      );
    },
  );
});

/** The lowest version a peer range accepts: `^2.127.0` → `2.127.0`. */
const floorOf = (range: string | undefined) => /^\^(\d+\.\d+\.\d+)$/.exec(range ?? '')?.[1];
const installedVersion = (dir: string, name: string) =>
  JSON.parse(readFileSync(join(dir, 'node_modules', name, 'package.json'), 'utf8')).version as string;

/** Runs a TypeScript CDK app of the floor project with ts-node, as `cdk synth` would, into `outdir`. */
const synthFloorApp = (file: string, outdir: string) =>
  exec(join(FLOOR, 'node_modules', '.bin', 'ts-node'), [file], {
    cwd: FLOOR,
    env: { CDK_OUTDIR: outdir, CDK_DEFAULT_ACCOUNT: '111122223333', CDK_DEFAULT_REGION: 'eu-west-1' },
  });

describe('a CDK app on the peer floor: the lowest aws-cdk-lib and constructs the package accepts', () => {
  beforeAll(() => {
    // The settings `cdk init app --language typescript` wrote in the floor's days: CommonJS, ts-node,
    // strict, and the library's declarations type-checked too (no skipLibCheck).
    writeFileSync(
      join(FLOOR, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          target: 'ES2020',
          module: 'commonjs',
          lib: ['es2020', 'dom'],
          declaration: true,
          strict: true,
          noImplicitReturns: true,
          inlineSourceMap: true,
          experimentalDecorators: true,
          strictPropertyInitialization: false,
          typeRoots: ['./node_modules/@types'],
        },
        exclude: ['node_modules', 'cdk.out'],
      }),
    );
  });

  it('installs exactly the floor of the peer ranges, the versions the repository’s aliases hold', () => {
    const peers = packed.manifest.peerDependencies ?? {};
    const devDependencies = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')).devDependencies;
    for (const [name, alias] of Object.entries(FLOOR_ALIASES)) {
      const floor = floorOf(peers[name]);
      expect(floor, `${name} peer range ${peers[name]}`).toBeDefined();
      expect(devDependencies[alias]).toBe(`npm:${name}@${floor}`);
      expect(installedVersion(FLOOR, name)).toBe(floor);
    }
    console.log(
      `peer floor: aws-cdk-lib ${installedVersion(FLOOR, 'aws-cdk-lib')}, constructs ${installedVersion(FLOOR, 'constructs')}`,
    );
  });

  it('synthesizes the README example (examples/cdk-app/app.ts) in a stack with env set, with its FunctionName output', async () => {
    writeFileSync(join(FLOOR, 'app.ts'), readFileSync(join(REPO, 'examples', 'cdk-app', 'app.ts'), 'utf8'));
    const outdir = join(FLOOR, 'cdk.out');
    const result = await timed('ts-node app on the peer floor', () => synthFloorApp('app.ts', outdir));
    expect(result.stderr).not.toMatch(/error|deprecated/i);
    expect(result.code, result.stderr).toBe(0);
    const manifest = JSON.parse(readFileSync(join(outdir, 'manifest.json'), 'utf8'));
    expect(manifest.artifacts.RinggKeys.environment).toBe('aws://111122223333/eu-west-1');
    const template = JSON.parse(readFileSync(join(outdir, 'RinggKeys.template.json'), 'utf8'));
    const [fnId, fn] = Object.entries(
      template.Resources as Record<string, { Type: string; Properties: Record<string, unknown> }>,
    ).find(([, r]) => r.Type === 'AWS::Lambda::Function') ?? ['', { Properties: {} }];
    expect(fn.Properties).toMatchObject({
      Runtime: 'nodejs24.x',
      Handler: 'index.handler',
      Architectures: ['arm64'],
      LoggingConfig: { LogFormat: 'JSON' },
    });
    expect(template.Outputs.FunctionName).toEqual({ Value: { Ref: fnId } });
    const topicPolicy = Object.values(
      template.Resources as Record<string, { Type: string; Properties: { PolicyDocument: unknown } }>,
    ).find((r) => r.Type === 'AWS::SNS::TopicPolicy');
    expect(JSON.stringify(topicPolicy?.Properties.PolicyDocument)).toContain('"aws:SecureTransport":"false"');
  });

  it('refuses at synth a setting the function would refuse', async () => {
    writeFileSync(
      join(FLOOR, 'refused.ts'),
      `import { App, Duration, Stack } from 'aws-cdk-lib';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { RinggKeyRotation } from 'ringg-key-rotation';

const app = new App();
const stack = new Stack(app, 'Refused');
new RinggKeyRotation(stack, 'Rotation', {
  secrets: [secretsmanager.Secret.fromSecretNameV2(stack, 'Prod', 'ringg/prod')],
  ringgTimeouts: { connect: Duration.minutes(2) },
});
`,
    );
    const result = await synthFloorApp('refused.ts', join(FLOOR, 'refused.out'));
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/\[Refused\/Rotation\] ringgTimeouts\.connect is 2 minutes/);
  });
});
