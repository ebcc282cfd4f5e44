#!/usr/bin/env node
// The operator CLI, as installed by the package (`ringg-rotate`): plain node, no dev dependency.
import { processIo } from '../cli/io.js';
import { run } from '../cli/main.js';

process.exitCode = await run(process.argv.slice(2), processIo());
