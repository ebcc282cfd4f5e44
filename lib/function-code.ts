import { copyFileSync, existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { AssetHashType, DockerImage } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import type { Construct } from 'constructs';
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
 * The runtime, named rather than taken from `Runtime.NODEJS_24_X`, which aws-cdk-lib releases older
 * than the package's peer floor do not have; Lambda knows the runtime by this name alone.
 */
export const ROTATION_RUNTIME = new lambda.Runtime('nodejs24.x', lambda.RuntimeFamily.NODEJS, {
  supportsInlineCode: true,
});

/**
 * esbuild settings of the bundle, whether CDK builds it from source here or `npm run build` prebuilds
 * it for the package (scripts/lambda-bundle.ts uses the same; a test compares the two outputs).
 */
export const LAMBDA_BUNDLING: nodejs.BundlingOptions = {
  minify: true,
  sourceMap: true,
  target: 'node22',
  forceDockerBundling: false,
  logLevel: nodejs.LogLevel.ERROR,
};

/** Where the function's code comes from: the sources of this repository, or the package's prebuilt bundle. */
export type RotationFunctionSource =
  | { readonly kind: 'source'; readonly entry: string }
  | { readonly kind: 'prebuilt'; readonly directory: string };

/**
 * In this repository, `lambda/handler.ts` exists and CDK bundles it with esbuild at synth, so tests and
 * `npm run synth` always see the current sources. In the installed package it does not exist, and the
 * function deploys the bundle prebuilt at release: the user's synth needs neither esbuild nor Docker.
 */
export function rotationFunctionSource(): RotationFunctionSource {
  if (existsSync(SOURCE_ENTRY)) return { kind: 'source', entry: SOURCE_ENTRY };
  if (!existsSync(join(PREBUILT_DIR, 'index.js'))) {
    throw new Error(
      `The prebuilt rotation function is missing (${join(PREBUILT_DIR, 'index.js')}): this copy of ringg-key-rotation is incomplete. ` +
        'Reinstall the package; in a checkout of its repository, run `npm run build`.',
    );
  }
  return { kind: 'prebuilt', directory: PREBUILT_DIR };
}

/** The props of the rotation function other than its code and runtime. */
export type RotationFunctionProps = Omit<lambda.FunctionProps, 'code' | 'handler' | 'runtime'>;

/**
 * The rotation function, with `allowed` written beside its code as `allowed-secrets.json` (the
 * function reads it before any secret): a `NodejsFunction` bundling the sources here, the list copied
 * in after bundling; a plain `Function` with the prebuilt bundle in the package (so the package needs
 * no aws-cdk-lib release that lets a `NodejsFunction` take ready code), staged with the list into the
 * asset. Either way the asset's hash is taken from its output, list included.
 */
export function createRotationFunction(
  scope: Construct,
  id: string,
  props: RotationFunctionProps,
  allowed: AllowedSecretsList,
): lambda.Function {
  const list = serializeAllowedSecrets(allowed);
  const source = rotationFunctionSource();
  if (source.kind === 'source') {
    const staged = join(mkdtempSync(join(tmpdir(), 'ringg-allowed-')), ALLOWED_SECRETS_FILE);
    writeFileSync(staged, list);
    return new nodejs.NodejsFunction(scope, id, {
      ...props,
      runtime: ROTATION_RUNTIME,
      entry: source.entry,
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
    });
  }
  return new lambda.Function(scope, id, {
    ...props,
    runtime: ROTATION_RUNTIME,
    code: prebuiltCode(source.directory, list),
    handler: 'index.handler',
  });
}

/** The prebuilt bundle in `directory`, staged locally with the allow-list; Docker is never used. */
export function prebuiltCode(directory: string, list: string): lambda.Code {
  return lambda.Code.fromAsset(directory, {
    assetHashType: AssetHashType.OUTPUT,
    bundling: {
      // Never used: the local step below always succeeds, so Docker is never needed.
      image: DockerImage.fromRegistry('public.ecr.aws/docker/library/alpine:3'),
      command: ['sh', '-c', 'echo "the prebuilt rotation function is staged locally" >&2; exit 1'],
      local: {
        tryBundle(outputDir: string): boolean {
          for (const file of PREBUILT_FILES) {
            if (existsSync(join(directory, file))) copyFileSync(join(directory, file), join(outputDir, file));
          }
          writeFileSync(join(outputDir, ALLOWED_SECRETS_FILE), list);
          return true;
        },
      },
    },
  });
}

function shellQuote(path: string): string {
  return `'${path.replace(/'/g, `'\\''`)}'`;
}
