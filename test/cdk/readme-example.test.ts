import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { UNBUNDLED } from './support.js';

const outdir = mkdtempSync(join(tmpdir(), 'ringg-readme-example-'));
afterAll(() => rmSync(outdir, { recursive: true, force: true }));

// The README's construct example as a user runs it (`cdk synth` sets CDK_OUTDIR and the account and
// region of the credentials); 'ringg-key-rotation' is this repository's index.ts (tsconfig paths).
// The adoption test runs the same file from the packed tarball on the peer floor.
describe('examples/cdk-app/app.ts, the README example', () => {
  it('synthesizes in a stack with env set, and outputs the function name', () => {
    execFileSync(process.execPath, ['--import', 'tsx', 'examples/cdk-app/app.ts'], {
      env: {
        ...process.env,
        CDK_OUTDIR: outdir,
        CDK_DEFAULT_ACCOUNT: '111122223333',
        CDK_DEFAULT_REGION: 'eu-west-1',
        CDK_CONTEXT_JSON: JSON.stringify(UNBUNDLED),
      },
      stdio: 'pipe',
    });
    const manifest = JSON.parse(readFileSync(join(outdir, 'manifest.json'), 'utf8'));
    expect(manifest.artifacts.RinggKeys.environment).toBe('aws://111122223333/eu-west-1');
    const template = JSON.parse(readFileSync(join(outdir, 'RinggKeys.template.json'), 'utf8'));
    const functionId = Object.entries(template.Resources as Record<string, { Type: string }>).find(
      ([, r]) => r.Type === 'AWS::Lambda::Function',
    )?.[0];
    expect(functionId).toBeDefined();
    expect(template.Outputs.FunctionName).toEqual({ Value: { Ref: functionId } });
    // No placeholder reached IAM: every policy names only this stack's account and Region, or none.
    const policies = JSON.stringify(
      Object.values(template.Resources as Record<string, { Type: string; Properties: unknown }>)
        .filter((r) => r.Type === 'AWS::IAM::Policy')
        .map((r) => r.Properties),
    );
    expect(policies).not.toMatch(/…|<|\.\.\./);
    for (const [, account] of policies.matchAll(/arn:aws:[a-z-]+:[a-z0-9-]*:(\d{12})/g)) {
      expect(account).toBe('111122223333');
    }
  });
});
