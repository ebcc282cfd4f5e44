import { copyFileSync, existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { AssetHashType, DockerImage } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import {
  ALLOWED_SECRETS_FILE,
  type AllowedSecretsList,
  serializeAllowedSecrets,
} from '../common/allowed-secrets-file.js';

/** The handler's source, present only in a checkout of this repository (the package ships no `.ts`). */
const SOURCE_ENTRY = fileURLToPath(new URL('../lambda/handler.ts', import.meta.url));
/** The prebuilt bundle the package ships: `dist/lambda/` beside `dist/esm/lib/` and `dist/cjs/lib/`. */
const PREBUILT_DIR = fileURLToPath(new URL('../../lambda/', import.meta.url));
const PREBUILT_FILES = ['index.js', 'index.js.map'];

/**
 * esbuild settings of the bundle, whether CDK builds it from source here or `npm run build` prebuilds
 * it for the package (scripts/lambda-bundle.ts uses the same; a test compares the two outputs).
 */
export const LAMBDA_BUNDLING: nodejs.BundlingOptions = {
  minify: true,
  sourceMap: true,
  target: 'node22',
  forceDockerBundling: false,
};

/** The props of the rotation function that say where its code comes from. */
export type RotationFunctionCode = Pick<
  nodejs.NodejsFunctionProps,
  'code' | 'handler' | 'entry' | 'bundling'
>;

/**
 * Where the rotation function's code comes from, with `allowed` written beside it as
 * `allowed-secrets.json` (the function reads it before any secret). In this repository,
 * `lambda/handler.ts` exists and CDK bundles it with esbuild at synth, so tests and `npm run synth`
 * always see the current sources. In the installed package it does not exist: the bundle prebuilt at
 * release is staged with the list into the asset, and the user's synth needs neither esbuild nor
 * Docker. Either way the asset's hash is taken from its output, list included.
 */
export function rotationFunctionCode(allowed: AllowedSecretsList): RotationFunctionCode {
  const list = serializeAllowedSecrets(allowed);
  if (existsSync(SOURCE_ENTRY)) {
    const staged = join(mkdtempSync(join(tmpdir(), 'ringg-allowed-')), ALLOWED_SECRETS_FILE);
    writeFileSync(staged, list);
    return {
      entry: SOURCE_ENTRY,
      handler: 'handler',
      bundling: {
        ...LAMBDA_BUNDLING,
        commandHooks: {
          beforeBundling: () => [],
          beforeInstall: () => [],
          afterBundling: (_inputDir, outputDir) => [
            `cp ${shellQuote(staged)} ${shellQuote(join(outputDir, ALLOWED_SECRETS_FILE))}`,
          ],
        },
      },
    };
  }
  if (!existsSync(join(PREBUILT_DIR, 'index.js'))) {
    throw new Error(
      `The prebuilt rotation function is missing (${join(PREBUILT_DIR, 'index.js')}): this copy of ringg-key-rotation is incomplete. ` +
        'Reinstall the package; in a checkout of its repository, run `npm run build`.',
    );
  }
  return {
    code: lambda.Code.fromAsset(PREBUILT_DIR, {
      assetHashType: AssetHashType.OUTPUT,
      bundling: {
        // Never used: the local step below always succeeds, so Docker is never needed.
        image: DockerImage.fromRegistry('public.ecr.aws/docker/library/alpine:3'),
        command: ['sh', '-c', 'echo "the prebuilt rotation function is staged locally" >&2; exit 1'],
        local: {
          tryBundle(outputDir: string): boolean {
            for (const file of PREBUILT_FILES) {
              if (existsSync(join(PREBUILT_DIR, file)))
                copyFileSync(join(PREBUILT_DIR, file), join(outputDir, file));
            }
            writeFileSync(join(outputDir, ALLOWED_SECRETS_FILE), list);
            return true;
          },
        },
      },
    }),
    handler: 'index.handler',
  };
}

function shellQuote(path: string): string {
  return `'${path.replace(/'/g, `'\\''`)}'`;
}
