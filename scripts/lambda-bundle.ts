import { type BuildOptions, build } from 'esbuild';

/** The settings CDK bundles the function with from source (lib/function-code.ts `LAMBDA_BUNDLING`). */
export const LAMBDA_BUNDLE_OPTIONS: BuildOptions = {
  bundle: true,
  platform: 'node',
  target: 'node22',
  format: 'cjs',
  minify: true,
  sourcemap: true,
  external: ['@aws-sdk/*'],
  logLevel: 'error',
};

/** Bundles `entry` (a file, or TypeScript source) to `outfile` as the stack would. */
export async function bundleLikeTheStack(
  entry: { file: string } | { contents: string },
  outfile: string,
): Promise<void> {
  await build({
    ...LAMBDA_BUNDLE_OPTIONS,
    ...('file' in entry
      ? { entryPoints: [entry.file] }
      : { stdin: { contents: entry.contents, resolveDir: process.cwd(), loader: 'ts' as const } }),
    outfile,
  });
}
