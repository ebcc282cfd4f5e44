// node --import ./test/support/import-log.mjs: appends every module URL the process resolves to the
// file named by IMPORT_LOG, so that a test can see what a command loaded.
import { register } from 'node:module';

register('./import-log-hooks.mjs', import.meta.url, { data: { file: process.env.IMPORT_LOG } });
