// Bundles the rotation Lambda the way the CDK stack does (esbuild, minified, source maps, AWS SDK
// left to the runtime) into dist/lambda/, for a quick look at size outside CDK.
import { build } from 'esbuild';

const result = await build({
  entryPoints: ['lambda/handler.ts'],
  outfile: 'dist/lambda/index.js',
  bundle: true,
  platform: 'node',
  target: 'node22',
  format: 'cjs',
  minify: true,
  sourcemap: true,
  external: ['@aws-sdk/*'],
  metafile: true,
  logLevel: 'warning',
});
const bytes = Object.values(result.metafile.outputs).reduce((sum, o) => sum + o.bytes, 0);
console.log(`dist/lambda/index.js built (${(bytes / 1024).toFixed(0)} KiB with its source map)`);
