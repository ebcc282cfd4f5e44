// npm run build: the package as it is published, into dist/.
//   dist/esm/     tsc: ES modules and .d.ts for the root entry point, ./consumer and the ringg-rotate bin
//   dist/cjs/     the same modules as CommonJS (esbuild, file by file) with the same .d.ts, for require()
//   dist/lambda/  the rotation function, bundled and minified with its source map; the construct deploys it
import { execFileSync } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { build } from 'esbuild';
import { bundleLikeTheStack } from './lambda-bundle.js';
import { parseScriptArgs } from './script-args.js';

parseScriptArgs(
  'Usage: npm run build\n\nBuilds dist/esm, dist/cjs and the prebuilt function in dist/lambda (no options).\n',
  {},
);

const started = performance.now();
const ESM = 'dist/esm';
const CJS = 'dist/cjs';
rmSync('dist', { recursive: true, force: true });

execFileSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.build.json'], {
  stdio: ['ignore', process.stderr, process.stderr],
});
// tsc writes files without the executable bit: npm sets it on install, but `npx ringg-rotate` in this
// repository runs the file in dist/ through the node_modules/.bin link, which needs it.
const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as { bin: Record<string, string> };
for (const bin of Object.values(pkg.bin)) chmodSync(bin, 0o755);

// CommonJS twins only for what require() can reach: the root entry point and ./consumer (the bin is an
// ES module run by node directly, and the CLI modules are reached only from it).
const modules = reachable([join(ESM, 'index.js'), join(ESM, 'consumer', 'index.js')]);
const usesImportMeta = (file: string) => readFileSync(file, 'utf8').includes('import.meta');
const cjs = {
  outdir: CJS,
  outbase: ESM,
  format: 'cjs',
  platform: 'node',
  target: 'node20',
  logLevel: 'error',
} as const;
await build({ ...cjs, entryPoints: modules.filter((file) => !usesImportMeta(file)) });
// Modules that find files next to themselves: import.meta.url becomes the CommonJS file's own URL.
await build({
  ...cjs,
  entryPoints: modules.filter(usesImportMeta),
  define: { 'import.meta.url': '__ringgModuleUrl' },
  banner: {
    js: '"use strict";\nconst __ringgModuleUrl = require("node:url").pathToFileURL(__filename).href;',
  },
});
for (const module of modules) {
  const declaration = module.replace(/\.js$/, '.d.ts');
  const target = join(CJS, relative(ESM, declaration));
  mkdirSync(dirname(target), { recursive: true });
  copyFileSync(declaration, target);
}
writeFileSync(join(CJS, 'package.json'), `${JSON.stringify({ type: 'commonjs' })}\n`);

/** The emitted modules that `entries` import, directly or not, in their code or their declarations. */
function reachable(entries: string[]): string[] {
  const seen = new Set<string>();
  const visit = (file: string) => {
    if (seen.has(file)) return;
    seen.add(file);
    const text = readFileSync(file, 'utf8') + readFileSync(file.replace(/\.js$/, '.d.ts'), 'utf8');
    for (const [, specifier] of text.matchAll(/(?:from |import\()'(\.{1,2}\/[^']+\.js)'/g)) {
      visit(join(dirname(file), specifier as string));
    }
  };
  entries.forEach(visit);
  return [...seen].sort();
}

const lambdaOut = 'dist/lambda/index.js';
await bundleLikeTheStack({ file: 'lambda/handler.ts' }, lambdaOut);

const kib = (file: string) => `${(statSync(file).size / 1024).toFixed(0)} KiB`;
// stderr: `npm pack --json` prints its result on stdout after this script has run.
console.error(
  `dist built in ${((performance.now() - started) / 1000).toFixed(1)} s: ${modules.length} modules as ESM and CommonJS; ` +
    `${lambdaOut} ${kib(lambdaOut)}, source map ${kib(`${lambdaOut}.map`)}`,
);
