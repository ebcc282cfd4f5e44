// npm run cli-lock: writes examples/github-actions/ringg-rotate/{package.json,package-lock.json} from
// this repository's package.json and lock. With --published (after `npm publish`), also records the
// published tarball's integrity, which `npm ci` then checks.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cliLockfile, cliPackageJson, formatJson } from './cli-lockfile.js';
import { parseScriptArgs } from './script-args.js';

const args = parseScriptArgs(
  'Usage: npm run cli-lock [-- --published]\n\nWrites the locked CLI install of the incident workflow (examples/github-actions/ringg-rotate/).\n' +
    '  --published  also record the integrity of the version published on npm (run after npm publish)\n',
  { published: { type: 'boolean' } },
);

const DIR = 'examples/github-actions/ringg-rotate';
const pkg = JSON.parse(readFileSync('package.json', 'utf8'));
const lockPath = join(DIR, 'package-lock.json');
const previous = existsSync(lockPath) ? JSON.parse(readFileSync(lockPath, 'utf8')) : undefined;
const lock = cliLockfile(pkg, JSON.parse(readFileSync('package-lock.json', 'utf8')), previous);
if (args.published) {
  const integrity = execFileSync('npm', ['view', `${pkg.name}@${pkg.version}`, 'dist.integrity'], {
    encoding: 'utf8',
  }).trim();
  if (!integrity.startsWith('sha512-'))
    throw new Error(`npm view gave no integrity for ${pkg.name}@${pkg.version}`);
  lock.packages[`node_modules/${pkg.name}`] = { ...lock.packages[`node_modules/${pkg.name}`], integrity };
}
writeFileSync(join(DIR, 'package.json'), formatJson(cliPackageJson(pkg)));
writeFileSync(lockPath, formatJson(lock));
console.error(`${lockPath}: ${Object.keys(lock.packages).length - 1} packages locked`);
