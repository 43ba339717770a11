#!/usr/bin/env node
// `npm run test:node`: runs the test suite (`vitest run`, the same as `npm test`) on other Node versions.
// Each version gets its own copy of the project (no node_modules) in a temp dir, `npm ci` there with that
// version first on PATH and node-gyp pointed at its headers, so better-sqlite3 is compiled for its ABI;
// the checkout's own node_modules and dist/ are never touched. Binaries come from the npm registry
// (see scripts/node-versions/binaries.mjs) and are cached in .cache/node-versions/.
//
//   npm run test:node                          Node 22 and 24 (latest of each line)
//   npm run test:node -- current 22 24         also the node running this script (CI's Node 20), same way
//   npm run test:node -- 22.12 -- test/unit    one version, a subset of the suite (args after -- go to vitest)
import { spawnSync } from 'node:child_process';
import {
  copyFileSync,
  cpSync,
  createWriteStream,
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readlinkSync,
  realpathSync,
  renameSync,
  rmSync,
  symlinkSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join, resolve } from 'node:path';
import { currentNode, ensureNode, isVersionSpec, pruneDownloads, resolveVersion } from './node-versions/binaries.mjs';
import { exec, killAll } from './node-versions/proc.mjs';
import { compareFailures, formatDuration, readVitestJson } from './node-versions/report.mjs';

const ROOT = resolve(import.meta.dirname, '..');
const CACHE = join(ROOT, '.cache', 'node-versions');
const LOGS = join(CACHE, 'logs');
const DEFAULT_VERSIONS = ['22', '24'];
const RUN_STAMP = new Date().toISOString().slice(0, 19).replace(/[-:]/g, '').replace('T', '-');

const HELP = `Usage: npm run test:node -- [VERSION...] [--keep] [--verbose] [--rebuild] [-- VITEST_ARGS...]

Runs the test suite (vitest run) on each Node VERSION in an isolated copy of the project, with
better-sqlite3 compiled for that version. Prints per version: node version, tests passed/failed,
duration; exits 1 if any version fails.

  VERSION      a major ("22"), a prefix ("22.12") or an exact version ("22.12.0"): the highest
               matching release of the npm package ${'`node-<platform>-<arch>`'} (what the "node" package
               installs), cached in .cache/node-versions/; or "current" for the node running this
               script (CI's Node 20). Default: ${DEFAULT_VERSIONS.join(' ')}
  --keep       keep the temp copies (their paths are printed) instead of deleting them
  --verbose    stream npm and vitest output (always written to .cache/node-versions/logs/)
  --rebuild    compile better-sqlite3 again instead of reusing the addon cached for that version
  -h, --help   this help

Examples:
  npm run test:node
  npm run test:node -- current 22 24
  npm run test:node -- 24 -- test/unit test/integration/score.test.ts
  OUTREACH_ALLOW_TYPE_ERRORS=1 npm run test:node   (a type error elsewhere does not stop the run)`;

function parseArgs(argv) {
  const opts = { specs: [], keep: false, verbose: false, rebuild: false, vitestArgs: [] };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--') {
      opts.vitestArgs = argv.slice(i + 1);
      break;
    } else if (a === '-h' || a === '--help') opts.help = true;
    else if (a === '--keep') opts.keep = true;
    else if (a === '--verbose') opts.verbose = true;
    else if (a === '--rebuild') opts.rebuild = true;
    else if (a === 'current' || isVersionSpec(a)) opts.specs.push(a);
    else throw new UsageError(`unknown argument "${a}" (a version like 22 or 22.12.0, "current", --keep, --verbose, --rebuild)`);
  }
  if (opts.specs.length === 0) opts.specs = DEFAULT_VERSIONS;
  return opts;
}

class UsageError extends Error {}

/** The npm CLI script, run with the node executing this script so npm reads the same config as `npm`. */
function findNpm() {
  const candidates = [process.env.npm_execpath, join(dirname(process.execPath), '..', 'lib', 'node_modules', 'npm', 'bin', 'npm-cli.js')];
  const which = spawnSync('sh', ['-c', 'command -v npm'], { encoding: 'utf8' });
  if (which.status === 0 && which.stdout.trim()) candidates.push(realpathSync(which.stdout.trim()));
  const cli = candidates.find((c) => c && /npm-cli\.js$/.test(c) && existsSync(c));
  if (!cli) throw new Error('cannot find npm-cli.js (is npm installed beside node?)');
  return { cmd: process.execPath, args: [cli] };
}

function say(msg) {
  process.stdout.write(`${msg}\n`);
}

// ---------- the project snapshot ----------

/** Copies the project's files (tracked and untracked, minus git-ignored ones: no node_modules, dist, .cache). */
function snapshot(dest) {
  mkdirSync(dest, { recursive: true });
  const ls = spawnSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], { cwd: ROOT, encoding: 'utf8', maxBuffer: 64 << 20 });
  if (ls.status !== 0) {
    // Not a git checkout (e.g. an unpacked tarball): copy everything but installed and generated dirs.
    const skip = new Set(['node_modules', 'dist', '.git', '.cache', 'coverage']);
    cpSync(ROOT, dest, { recursive: true, filter: (src) => !skip.has(src.slice(ROOT.length + 1).split(/[\\/]/)[0]) });
    return;
  }
  let n = 0;
  for (const rel of ls.stdout.split('\0')) {
    if (!rel || rel.startsWith('.cache/')) continue;
    const src = join(ROOT, rel);
    let st;
    try {
      st = lstatSync(src);
    } catch {
      continue; // tracked but deleted in the working tree
    }
    const to = join(dest, rel);
    mkdirSync(dirname(to), { recursive: true });
    if (st.isSymbolicLink()) symlinkSync(readlinkSync(src), to);
    else if (st.isFile()) copyFileSync(src, to);
    n++;
  }
  return n;
}

/** Packages whose install scripts must run after `npm ci --ignore-scripts` (better-sqlite3, esbuild...). */
function packagesWithInstallScripts(dir) {
  const lock = JSON.parse(readFileSync(join(dir, 'package-lock.json'), 'utf8'));
  const names = new Set();
  for (const [path, meta] of Object.entries(lock.packages ?? {})) {
    if (path && meta.hasInstallScript) names.add(path.slice(path.lastIndexOf('node_modules/') + 'node_modules/'.length));
  }
  return [...names];
}

// ---------- running children ----------

let tempBase; // removed on exit unless --keep

/** Runs a step of one version's run, its output going to the version's log (and stdout with --verbose). */
async function run(cmd, args, { cwd, env, log, verbose, timeoutMs }) {
  log.write(`\n$ ${[cmd, ...args].join(' ')}\n`);
  const r = await exec(cmd, args, {
    cwd,
    env,
    timeoutMs,
    capture: false,
    onData: (d) => {
      log.write(d);
      if (verbose) process.stdout.write(d);
    },
  });
  if (r.timedOut) log.write(`\n[test:node] timed out after ${formatDuration(timeoutMs)}, killed\n`);
  return { code: r.code, stdout: r.stdout, tail: `${r.stdout}\n${r.stderr}`.slice(-4000) };
}

function cleanupAndExit(code) {
  killAll();
  if (tempBase && !options?.keep) rmSync(tempBase, { recursive: true, force: true });
  process.exit(code);
}

// ---------- one version ----------

/** Where the built better-sqlite3 addon sits in a copy, and where it is cached for this node version. */
function addonPaths(work, target) {
  const pkgDir = join(work, 'node_modules', 'better-sqlite3');
  const { version } = JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8'));
  return {
    built: join(pkgDir, 'build', 'Release', 'better_sqlite3.node'),
    cached: join(CACHE, 'addons', `better-sqlite3-${version}-node-v${target.version}-${process.platform}-${process.arch}.node`),
  };
}

async function testVersion(target, { npm, snapshotDir, vitestArgs, verbose, rebuildAddon }) {
  const label = `node v${target.version}`;
  const result = { version: `v${target.version}`, ok: false };
  const t0 = Date.now();
  const work = join(tempBase, `node-v${target.version}`);
  cpSync(snapshotDir, work, { recursive: true });
  mkdirSync(LOGS, { recursive: true });
  const logPath = join(LOGS, `node-v${target.version}-${RUN_STAMP}.log`);
  result.log = logPath;
  const log = createWriteStream(logPath);

  // npm is the npm beside this script's node (same config, CA and cache as `npm`), run by the target node; install scripts
  // (prebuild-install, node-gyp, esbuild's) find the target node first on PATH, and node-gyp compiles against
  // the target's headers (nodedir), never downloading any. npm_* variables of an outer `npm run` are dropped.
  const baseEnv = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^npm_/i.test(k)));
  baseEnv.PATH = `${target.binDir}${delimiter}${process.env.PATH ?? ''}`;
  const installEnv = { ...baseEnv, npm_config_build_from_source: 'true', npm_config_update_notifier: 'false', JOBS: 'max' };
  if (target.nodedir) installEnv.npm_config_nodedir = target.nodedir;
  const common = { cwd: work, log, verbose };

  say(`${label}: npm ci in ${work}`);
  // `npm ci` itself runs on the target node: npm checks `engines` against the node it runs on, and installs
  // the optional dependencies meant for that version (better-sqlite3-napi: Node >= 22) only there.
  const ci = await run(target.node, [...npm.args, 'ci', '--ignore-scripts', '--prefer-offline', '--no-audit', '--no-fund'], {
    ...common,
    env: installEnv,
    timeoutMs: 20 * 60_000,
  });
  if (ci.code !== 0) return finish(result, log, t0, `npm ci failed (exit ${ci.code})`, ci.tail);

  // Compiling SQLite takes minutes, so the addon built for this exact node and better-sqlite3 version is
  // kept in the cache and reused (the load probe below still checks it); --rebuild compiles it again.
  const addon = addonPaths(work, target);
  let scripted = packagesWithInstallScripts(work);
  if (!rebuildAddon && existsSync(addon.cached)) {
    mkdirSync(dirname(addon.built), { recursive: true });
    copyFileSync(addon.cached, addon.built);
    scripted = scripted.filter((p) => p !== 'better-sqlite3');
    result.addon = 'cached';
    say(`${label}: better-sqlite3 addon from cache (${addon.cached})`);
  } else {
    result.addon = 'built';
  }
  if (scripted.length > 0) {
    say(`${label}: running install scripts of ${scripted.join(', ')}${result.addon === 'built' ? ' (better-sqlite3 compiled from source by node-gyp: a few minutes)' : ''}`);
    const rebuild = await run(npm.cmd, [...npm.args, 'rebuild', '--foreground-scripts', ...scripted], {
      ...common,
      env: installEnv,
      timeoutMs: 30 * 60_000,
    });
    if (rebuild.code !== 0) return finish(result, log, t0, `npm rebuild failed (exit ${rebuild.code})`, rebuild.tail);
  }

  // The addon must load in the target node: this catches a build against the wrong headers (ABI mismatch).
  const probe = await run(
    target.node,
    // ... and says which build src/db/driver.ts will use (better-sqlite3-napi on Node >= 22 when installed)
    ['-e', "const D=require('better-sqlite3');const db=new D(':memory:');let u='better-sqlite3 '+require('better-sqlite3/package.json').version;if(+process.versions.node.split('.')[0]>=22){try{const N=require('better-sqlite3-napi');new N(':memory:').close();u='better-sqlite3-napi '+require('better-sqlite3-napi/package.json').version}catch{}}console.log(process.version+' ABI '+process.versions.modules+' better-sqlite3 '+require('better-sqlite3/package.json').version+' SQLite '+db.prepare('select sqlite_version() v').get().v+'; the project uses '+u)"],
    { ...common, env: baseEnv, timeoutMs: 60_000 },
  );
  if (probe.code !== 0) {
    const hint = result.addon === 'cached' ? ` (the cached addon ${addon.cached}: run again with --rebuild)` : '';
    return finish(result, log, t0, `better-sqlite3 does not load in node v${target.version}${hint}`, probe.tail);
  }
  result.probe = probe.stdout.trim().split('\n').at(-1);
  if (result.addon === 'built' && existsSync(addon.built)) {
    mkdirSync(dirname(addon.cached), { recursive: true });
    const part = `${addon.cached}.${process.pid}.part`;
    copyFileSync(addon.built, part);
    renameSync(part, addon.cached);
  }
  result.installMs = Date.now() - t0;
  say(`${label}: ${result.probe} (install ${formatDuration(result.installMs)}); running vitest run${vitestArgs.length ? ` ${vitestArgs.join(' ')}` : ' (whole suite)'}`);

  const t1 = Date.now();
  const jsonPath = join(work, '.vitest-report.json');
  const vt = await run(
    target.node,
    [join(work, 'node_modules', 'vitest', 'vitest.mjs'), 'run', '--reporter=default', '--reporter=json', `--outputFile.json=${jsonPath}`, ...vitestArgs],
    { ...common, env: baseEnv, timeoutMs: 45 * 60_000 },
  );
  result.testMs = Date.now() - t1;
  result.exitCode = vt.code;
  result.tests = readVitestJson(jsonPath, work);
  if (!result.tests) return finish(result, log, t0, `vitest wrote no report (exit ${vt.code})`, vt.tail);
  const t = result.tests;
  const unfinished = t.total - t.passed - t.failed - t.skipped;
  const notes = [];
  if (unfinished > 0) notes.push(`${unfinished} test(s) did not finish`);
  const unhandled = /Errors\s+(\d+) errors?/.exec(`${vt.stdout}\n${vt.tail}`.replace(/\x1b\[[0-9;]*m/g, ''));
  if (unhandled) notes.push(`${unhandled[1]} unhandled error(s)${/Worker exited unexpectedly/.test(`${vt.stdout}\n${vt.tail}`) ? ' (a vitest worker exited unexpectedly)' : ''}: see the log`);
  if (vt.code !== 0 && notes.length === 0 && t.failures.length === 0) notes.push(`vitest exit ${vt.code}`);
  result.ok = vt.code === 0 && t.failed === 0 && t.failedFiles === 0 && unfinished <= 0;
  return finish(result, log, t0, notes.length ? notes.join('; ') : undefined);
}

function finish(result, log, t0, error, tail) {
  result.ms = Date.now() - t0;
  if (error) {
    result.error = error;
    result.tail = tail;
  }
  log.end();
  return result;
}

function printResult(r) {
  const t = r.tests;
  const head = `node ${r.version}: ${r.ok ? 'PASS' : 'FAIL'}`;
  if (t) {
    say(
      `${head}  ${t.passed} passed, ${t.failed} failed, ${t.skipped} skipped (${t.total} tests in ${t.files} files)  ` +
        `${formatDuration(r.ms)} (install ${formatDuration(r.installMs)}, tests ${formatDuration(r.testMs)})`,
    );
    say(`  ${r.probe} (addon ${r.addon})`);
    for (const f of t.failures) say(`  ✗ ${f.id}\n      ${f.message}`);
  } else {
    say(`${head}  ${formatDuration(r.ms)}`);
  }
  if (r.error) {
    say(`  ${r.error}`);
    if (r.tail) say(r.tail.trim().split('\n').slice(-15).map((l) => `    | ${l}`).join('\n'));
  }
  say(`  log: ${r.log}`);
}

function printSummary(results) {
  say('\nSummary');
  const rows = [['node', 'result', 'passed', 'failed', 'skipped', 'duration']];
  for (const r of results) {
    rows.push([
      r.version,
      r.ok ? 'PASS' : r.tests ? 'FAIL' : 'ERROR',
      String(r.tests?.passed ?? '-'),
      String(r.tests?.failed ?? '-'),
      String(r.tests?.skipped ?? '-'),
      formatDuration(r.ms ?? 0),
    ]);
  }
  const widths = rows[0].map((_, i) => Math.max(...rows.map((row) => row[i].length)));
  for (const row of rows) say(`  ${row.map((c, i) => c.padEnd(widths[i])).join('  ')}`);
  const cmp = compareFailures(results);
  if (cmp.compared > 1 && (cmp.everywhere.length > 0 || cmp.specific.length > 0)) {
    if (cmp.everywhere.length > 0) {
      say(`\nFailing on every version (not version-specific): ${cmp.everywhere.length}`);
      for (const f of cmp.everywhere) say(`  ${f.id}`);
    }
    if (cmp.specific.length > 0) {
      say(`\nVersion-specific failures: ${cmp.specific.length}`);
      for (const f of cmp.specific) say(`  ${f.id}  [fails on ${f.versions.join(', ')}]`);
    }
  }
}

// ---------- main ----------

let options;

async function main() {
  try {
    options = parseArgs(process.argv.slice(2));
  } catch (e) {
    if (e instanceof UsageError) {
      process.stderr.write(`test:node: ${e.message}\n\n${HELP}\n`);
      process.exit(2);
    }
    throw e;
  }
  if (options.help) {
    say(HELP);
    return 0;
  }
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(sig, () => cleanupAndExit(130));

  const npm = findNpm();
  pruneDownloads(CACHE);
  const targets = [];
  for (const spec of options.specs) {
    if (spec === 'current') {
      const c = currentNode();
      if (!c.nodedir) throw new Error(`no headers beside ${process.execPath} (expected ${dirname(dirname(process.execPath))}/include/node): use a version number instead of "current"`);
      targets.push(c);
    } else {
      const version = await resolveVersion(spec, { npm, cacheDir: CACHE, log: (m) => say(`node ${spec}: ${m}`) });
      targets.push(await ensureNode(version, { npm, cacheDir: CACHE, log: (m) => say(`node ${spec}: ${m}`) }));
    }
  }

  tempBase = mkdtempSync(join(tmpdir(), 'outreach-test-node-'));
  const snapshotDir = join(tempBase, 'snapshot');
  const files = snapshot(snapshotDir);
  say(`project snapshot: ${files ?? 'all'} files from ${ROOT} (no node_modules, dist, .cache); every version tests this same copy`);

  const results = [];
  try {
    for (const target of targets) {
      const r = await testVersion(target, { npm, snapshotDir, vitestArgs: options.vitestArgs, verbose: options.verbose, rebuildAddon: options.rebuild });
      printResult(r);
      results.push(r);
      if (!options.keep) rmSync(join(tempBase, `node-v${target.version}`), { recursive: true, force: true });
    }
  } finally {
    if (options.keep) say(`kept temp copies in ${tempBase}`);
    else rmSync(tempBase, { recursive: true, force: true });
  }
  printSummary(results);
  return results.every((r) => r.ok) ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (err) => {
    process.stderr.write(`test:node: ${err.message}\n`);
    cleanupAndExit(1);
  },
);
