import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { afterAll, describe, expect, it } from 'vitest';
import { rotationFunctionSource } from '../../lib/function-code.js';
import { RinggKeyRotation } from '../../lib/ringg-key-rotation.js';
import { bundleLikeTheStack } from '../../scripts/lambda-bundle.js';

const work = mkdtempSync(join(tmpdir(), 'ringg-prebuilt-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** The bundle CDK deploys when it builds the function from lambda/ at synth (this repository's way). */
function bundleFromSynth(): string {
  const app = new App({ outdir: join(work, 'cdk.out') });
  const stack = new Stack(app, 'Bundle');
  new RinggKeyRotation(stack, 'Rotation', {
    secrets: [secretsmanager.Secret.fromSecretNameV2(stack, 'Secret', 'ringg/prod')],
  });
  const assembly = app.synth();
  const manifest = JSON.parse(readFileSync(join(assembly.directory, 'Bundle.assets.json'), 'utf8'));
  const zip = Object.values(
    manifest.files as Record<string, { source: { path: string; packaging?: string } }>,
  ).find((asset) => asset.source.packaging === 'zip');
  if (!zip) throw new Error('no zip asset in the synthesized stack');
  return join(assembly.directory, zip.source.path);
}

describe('the prebuilt function bundle', () => {
  it('is built from lambda/ sources in this repository', () => {
    const source = rotationFunctionSource();
    expect(source).toEqual({ kind: 'source', entry: expect.stringMatching(/lambda[/\\]handler\.ts$/) });
  });

  it('npm run build bundles exactly what the construct deploys when CDK bundles the sources', async () => {
    const synthesized = bundleFromSynth();
    const prebuilt = join(work, 'prebuilt', 'index.js');
    await bundleLikeTheStack({ file: 'lambda/handler.ts' }, prebuilt);

    expect(readFileSync(prebuilt, 'utf8')).toBe(readFileSync(join(synthesized, 'index.js'), 'utf8'));
    // The source maps differ only in where the sources were seen from (`sources` is relative to the output).
    const map = (dir: string) => {
      const { mappings, names, sourcesContent } = JSON.parse(readFileSync(join(dir, 'index.js.map'), 'utf8'));
      return { mappings, names, sourcesContent };
    };
    expect(map(join(work, 'prebuilt'))).toEqual(map(synthesized));
  });

  it('ships the allow-list of the secrets the deployment names beside the bundle', () => {
    const synthesized = bundleFromSynth();
    expect(JSON.parse(readFileSync(join(synthesized, 'allowed-secrets.json'), 'utf8'))).toEqual({
      v: 1,
      arns: [],
      names: ['ringg/prod'],
    });
  });
});
