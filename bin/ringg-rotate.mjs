#!/usr/bin/env node
// The operator CLI. It runs the TypeScript sources through tsx, which `npm ci` installs.
import { register } from 'tsx/esm/api';

register();
const { run } = await import('../cli/main.ts');
const { processIo } = await import('../cli/io.ts');
process.exitCode = await run(process.argv.slice(2), processIo());
