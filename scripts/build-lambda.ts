// Bundles the rotation Lambda the way the CDK stack does into dist/lambda/, for a look at it outside CDK.
import { statSync } from 'node:fs';
import { bundleLikeTheStack } from './lambda-bundle.js';

const outfile = 'dist/lambda/index.js';
await bundleLikeTheStack({ file: 'lambda/handler.ts' }, outfile);
const kib = (file: string) => (statSync(file).size / 1024).toFixed(0);
console.log(`${outfile} built: ${kib(outfile)} KiB, source map ${kib(`${outfile}.map`)} KiB`);
