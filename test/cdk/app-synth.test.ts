import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const outdir = mkdtempSync(join(tmpdir(), 'ringg-cdk-out-'));
afterAll(() => rmSync(outdir, { recursive: true, force: true }));

describe('the real CDK app', () => {
  it('synthesizes offline from cdk.json context and bundles the real handler', () => {
    const context = JSON.parse(readFileSync('cdk.json', 'utf8')).context;
    execFileSync(process.execPath, ['--import', 'tsx', 'bin/app.ts'], {
      env: {
        ...process.env,
        CDK_OUTDIR: outdir,
        CDK_CONTEXT_JSON: JSON.stringify(context),
        CDK_VALIDATION: 'false',
      },
      stdio: 'pipe',
    });
    const template = JSON.parse(readFileSync(join(outdir, 'RinggKeyRotation.template.json'), 'utf8'));
    const types = Object.values(template.Resources as Record<string, { Type: string }>).map((r) => r.Type);
    expect(types).toContain('AWS::Lambda::Function');
    expect(types).toContain('AWS::CloudFormation::Stack');
    const nestedTypes = readdirSync(outdir)
      .filter((file) => file.endsWith('.nested.template.json'))
      .flatMap((file) =>
        Object.values(
          JSON.parse(readFileSync(join(outdir, file), 'utf8')).Resources as Record<string, { Type: string }>,
        ).map((r) => r.Type),
      );
    expect(nestedTypes).toContain('AWS::SecretsManager::RotationSchedule');
    expect(nestedTypes).toContain('AWS::Events::Rule');
    const assets = JSON.parse(readFileSync(join(outdir, 'RinggKeyRotation.assets.json'), 'utf8'));
    const zipAsset = Object.values(
      assets.files as Record<string, { source: { path: string; packaging: string } }>,
    ).find((a) => a.source.packaging === 'zip');
    const assetDir = join(outdir, zipAsset?.source.path ?? 'missing');
    const bundle = join(assetDir, 'index.js');
    expect(existsSync(bundle)).toBe(true);
    expect(existsSync(`${bundle}.map`)).toBe(true);
    const code = readFileSync(bundle, 'utf8');
    expect(code).toContain('require("@aws-sdk/client-secrets-manager")');
    expect(code).not.toContain('SecretsManagerServiceException extends');

    const loaded = execFileSync(
      process.execPath,
      ['-e', `const m = require(${JSON.stringify(bundle)}); process.stdout.write(typeof m.handler)`],
      // The Lambda runtime provides the AWS SDK; here the project's copy stands in for it.
      {
        env: { ...process.env, AWS_REGION: 'eu-west-1', NODE_PATH: join(process.cwd(), 'node_modules') },
        cwd: assetDir,
        encoding: 'utf8',
        // Its stderr (the SDK's Node version warning) goes into the error if it fails, not to the terminal.
        stdio: 'pipe',
      },
    );
    expect(loaded).toBe('function');
  });
});
