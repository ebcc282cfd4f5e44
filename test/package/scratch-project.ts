import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';

interface LockEntry {
  version?: string;
  resolved?: string;
  integrity?: string;
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  peerDependenciesMeta?: Record<string, { optional?: boolean }>;
  inBundle?: boolean;
  [field: string]: unknown;
}

/** The packed package, as `npm pack --json` describes it. */
export interface PackedPackage {
  readonly file: string;
  readonly integrity: string;
  readonly manifest: {
    name: string;
    version: string;
    dependencies?: Record<string, string>;
    peerDependencies?: Record<string, string>;
    peerDependenciesMeta?: Record<string, { optional?: boolean }>;
    bin?: Record<string, string>;
    engines?: Record<string, string>;
    license?: string;
  };
}

const REPO_LOCK = JSON.parse(readFileSync('package-lock.json', 'utf8')) as {
  packages: Record<string, LockEntry>;
};
const REGISTRY = execFileSync('npm', ['config', 'get', 'registry'], { encoding: 'utf8' })
  .trim()
  .replace(/\/$/, '');

/** Where node would find `name` from the package at `from`, in the repository's lockfile tree. */
function resolveIn(packages: Record<string, LockEntry>, from: string, name: string): string | undefined {
  let dir = from;
  for (;;) {
    const candidate = `${dir ? `${dir}/` : ''}node_modules/${name}`;
    if (packages[candidate]) return candidate;
    if (!dir) return undefined;
    const up = dir.lastIndexOf('/node_modules/');
    dir = up < 0 ? '' : dir.slice(0, up);
  }
}

/**
 * A scratch project that installs the packed tarball the way a user's project would, plus `deps` and
 * `devDeps` at the versions this repository's lockfile holds. Its package-lock.json is cut from the
 * repository's, with every tarball's registry URL and integrity, so `npm ci --offline` installs it from
 * the npm cache that this repository's own `npm ci` filled: no network, no registry metadata needed.
 * `aliases` installs a package from one of this repository's npm aliases instead (`aws-cdk-lib` from
 * `aws-cdk-lib-floor`, i.e. `npm:aws-cdk-lib@<floor>`), wherever the project's tree needs it.
 */
export function writeScratchProject(
  dir: string,
  packed: PackedPackage,
  deps: string[],
  devDeps: string[] = [],
  aliases: Record<string, string> = {},
): void {
  mkdirSync(dir, { recursive: true });
  const tarball = `file:${join('..', basename(packed.file))}`;
  const repoName = (name: string) => aliases[name] ?? name;
  const version = (name: string) => {
    const entry = REPO_LOCK.packages[`node_modules/${repoName(name)}`];
    if (!entry?.version) throw new Error(`${repoName(name)} is not in this repository's package-lock.json`);
    return entry.version;
  };
  const manifest = {
    name: basename(dir),
    version: '1.0.0',
    private: true,
    dependencies: {
      [packed.manifest.name]: tarball,
      ...Object.fromEntries(deps.map((name) => [name, version(name)])),
    },
    devDependencies: Object.fromEntries(devDeps.map((name) => [name, version(name)])),
  };
  writeFileSync(join(dir, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);

  // Where a package of the repository's tree goes in the project's: an alias's folder takes its real name.
  const relocations = Object.entries(aliases).map(([name, alias]): [string, string] => [
    `node_modules/${alias}`,
    `node_modules/${name}`,
  ]);
  const relocate = (location: string) => {
    for (const [from, to] of relocations) {
      if (location === from || location.startsWith(`${from}/`)) return `${to}${location.slice(from.length)}`;
    }
    return location;
  };
  const own = packed.manifest;
  const packages: Record<string, LockEntry> = {
    '': {
      name: manifest.name,
      version: manifest.version,
      dependencies: manifest.dependencies,
      devDependencies: manifest.devDependencies,
    },
    [`node_modules/${own.name}`]: {
      version: own.version,
      resolved: tarball,
      integrity: packed.integrity,
      license: own.license,
      dependencies: own.dependencies,
      peerDependencies: own.peerDependencies,
      peerDependenciesMeta: own.peerDependenciesMeta,
      bin: own.bin,
      engines: own.engines,
    },
  };
  /** `at`: where the package that needs the others sits in the repository's tree. */
  const queue: { at: string; entry: LockEntry }[] = [{ at: `node_modules/${own.name}`, entry: own }];
  for (const name of [...deps, ...devDeps]) queue.push({ at: '', entry: { dependencies: { [name]: '*' } } });
  while (queue.length > 0) {
    const { at, entry } = queue.shift() as { at: string; entry: LockEntry };
    const wanted = [
      ...Object.keys(entry.dependencies ?? {}),
      ...Object.keys(entry.optionalDependencies ?? {}),
      // npm installs peers that are not optional, as a user's install would.
      ...Object.keys(entry.peerDependencies ?? {}).filter((n) => !entry.peerDependenciesMeta?.[n]?.optional),
    ];
    for (const name of wanted) {
      let location = resolveIn(REPO_LOCK.packages, at, name);
      // An aliased package found at the top of the tree is the alias, wherever it is needed from.
      if (location === `node_modules/${name}` && aliases[name]) location = `node_modules/${aliases[name]}`;
      if (!location) continue;
      const target = relocate(location);
      if (packages[target]) continue;
      const found = REPO_LOCK.packages[location] as LockEntry;
      // Optional dependencies for other platforms are in the lockfile but not in the cache: leave them out.
      if (found.os || found.cpu) continue;
      const { dev: _dev, devOptional: _devOptional, name: realName, ...rest } = found;
      const registryName = typeof realName === 'string' ? realName : name;
      const unscoped = registryName.slice(registryName.lastIndexOf('/') + 1);
      packages[target] = found.inBundle
        ? rest
        : {
            ...rest,
            resolved: found.resolved ?? `${REGISTRY}/${registryName}/-/${unscoped}-${found.version}.tgz`,
          };
      queue.push({ at: location, entry: found });
    }
  }
  const lock = {
    name: manifest.name,
    version: manifest.version,
    lockfileVersion: 3,
    requires: true,
    packages,
  };
  writeFileSync(join(dir, 'package-lock.json'), `${JSON.stringify(lock, null, 2)}\n`);
}
