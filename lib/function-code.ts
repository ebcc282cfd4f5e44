import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';

/** The handler's source, present only in a checkout of this repository (the package ships no `.ts`). */
const SOURCE_ENTRY = fileURLToPath(new URL('../lambda/handler.ts', import.meta.url));
/** The prebuilt bundle the package ships: `dist/lambda/` beside `dist/esm/lib/` and `dist/cjs/lib/`. */
const PREBUILT_DIR = fileURLToPath(new URL('../../lambda/', import.meta.url));

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
 * Where the rotation function's code comes from. In this repository, `lambda/handler.ts` exists and CDK
 * bundles it with esbuild at synth, so tests and `npm run synth` always see the current sources. In the
 * installed package it does not exist, and the function deploys the bundle prebuilt at release: the
 * user's synth needs neither esbuild nor Docker.
 */
export function rotationFunctionCode(): RotationFunctionCode {
  if (existsSync(SOURCE_ENTRY)) return { entry: SOURCE_ENTRY, handler: 'handler', bundling: LAMBDA_BUNDLING };
  if (!existsSync(join(PREBUILT_DIR, 'index.js'))) {
    throw new Error(
      `The prebuilt rotation function is missing (${join(PREBUILT_DIR, 'index.js')}): this copy of ringg-key-rotation is incomplete. ` +
        'Reinstall the package; in a checkout of its repository, run `npm run build`.',
    );
  }
  return { code: lambda.Code.fromAsset(PREBUILT_DIR), handler: 'index.handler' };
}
