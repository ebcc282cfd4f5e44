#!/usr/bin/env node
// The operator CLI, as installed by the package (`ringg-rotate`): plain node, no dev dependency.
import { EXIT } from '../cli/exit-codes.js';
import { processIo } from '../cli/io.js';
import { run } from '../cli/main.js';
import { dropSdkNodeVersionWarning } from '../cli/sdk-warning.js';

dropSdkNodeVersionWarning();
// Ctrl-C: the command stops starting work and reports what goes on in AWS (exit 130); a second
// Ctrl-C leaves at once.
const interrupt = new AbortController();
process.once('SIGINT', () => {
  interrupt.abort();
  process.once('SIGINT', () => process.exit(EXIT.interrupted));
});

const code = await run(process.argv.slice(2), processIo(interrupt.signal));
// After an interrupt, work left in flight (a poll, a step's answer) must not keep the process alive.
if (code === EXIT.interrupted) process.exit(code);
process.exitCode = code;
