// The locked install of the ringg-rotate CLI that the incident workflow runs
// (examples/github-actions/ringg-rotate/): its package.json and package-lock.json, derived from this
// repository's own lock, so the CLI runs with exactly the dependency versions this repository tests.

type LockEntry = Record<string, unknown> & {
  version?: string;
  integrity?: string;
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
};

interface Lockfile {
  name?: string;
  lockfileVersion: number;
  requires?: boolean;
  packages: Record<string, LockEntry>;
}

interface PackageJson {
  name: string;
  version: string;
  license?: string;
  engines?: Record<string, string>;
  bin?: Record<string, string>;
  dependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  peerDependenciesMeta?: Record<string, { optional?: boolean }>;
}

export const CLI_PROJECT_NAME = 'ringg-rotate-cli';

/** The CLI project's package.json: the package at exactly this version, nothing else. */
export function cliPackageJson(pkg: PackageJson): Record<string, unknown> {
  return {
    name: CLI_PROJECT_NAME,
    private: true,
    description: `The ringg-rotate CLI of ${pkg.name}, installed with npm ci from the lock beside this file`,
    dependencies: { [pkg.name]: pkg.version },
  };
}

/**
 * The CLI project's lock: the package (its integrity kept from `previous` while the version is the
 * same; filled in once published, see `npm run cli-lock -- --published`) and every package its
 * runtime dependencies need, at the versions and integrities of `repoLock`, without dev flags.
 */
export function cliLockfile(pkg: PackageJson, repoLock: Lockfile, previous?: Lockfile): Lockfile {
  const wanted = new Map<string, LockEntry>();
  const visit = (fromPath: string, name: string) => {
    const path = resolvePath(repoLock, fromPath, name);
    if (path === undefined) throw new Error(`package-lock.json has no ${name} for ${fromPath || 'the root'}`);
    if (wanted.has(path)) return;
    const entry = repoLock.packages[path] as LockEntry;
    const { dev: _dev, devOptional: _devOptional, peer: _peer, ...kept } = entry;
    wanted.set(path, kept);
    for (const dep of Object.keys({ ...entry.dependencies, ...entry.optionalDependencies })) visit(path, dep);
  };
  for (const dep of Object.keys(pkg.dependencies ?? {})) visit('', dep);

  const packagePath = `node_modules/${pkg.name}`;
  const kept = previous?.packages[packagePath];
  const self: LockEntry = {
    version: pkg.version,
    ...(kept?.version === pkg.version && kept.integrity ? { integrity: kept.integrity } : {}),
    ...(pkg.license ? { license: pkg.license } : {}),
    ...(pkg.dependencies ? { dependencies: pkg.dependencies } : {}),
    ...(pkg.bin ? { bin: pkg.bin } : {}),
    ...(pkg.engines ? { engines: pkg.engines } : {}),
    ...(pkg.peerDependencies ? { peerDependencies: pkg.peerDependencies } : {}),
    ...(pkg.peerDependenciesMeta ? { peerDependenciesMeta: pkg.peerDependenciesMeta } : {}),
  };
  const packages: Record<string, LockEntry> = {
    '': { name: CLI_PROJECT_NAME, dependencies: { [pkg.name]: pkg.version } },
    [packagePath]: self,
  };
  for (const path of [...wanted.keys()].sort()) packages[path] = wanted.get(path) as LockEntry;
  return { name: CLI_PROJECT_NAME, lockfileVersion: 3, requires: true, packages };
}

/** Where Node finds `name` required from the package at `fromPath`: the nearest node_modules up. */
function resolvePath(lock: Lockfile, fromPath: string, name: string): string | undefined {
  let base = fromPath;
  for (;;) {
    const candidate = `${base ? `${base}/` : ''}node_modules/${name}`;
    if (lock.packages[candidate]) return candidate;
    if (base === '') return undefined;
    const at = base.lastIndexOf('/node_modules/');
    base = at < 0 ? '' : base.slice(0, at);
  }
}

export function formatJson(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}
