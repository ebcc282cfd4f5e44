#!/usr/bin/env node
// The operator CLI. It runs the TypeScript sources through tsx, which `npm ci` installs.
import { register } from 'tsx/esm/api';

register();
const { run } = await import('../cli/main.js');
const { processIo } = await import('../cli/io.js');
process.exitCode = await run(process.argv.slice(2), processIo());
