#!/usr/bin/env node
// npm `prepare` script: builds dist/ with tsc.
//
// Why it is not just `tsc -p tsconfig.json`: npm (7 to 11) installs a folder (`npm install -g .`, and `npx outreach`
// run inside the folder) as a SYMLINK to that folder. It runs this script in the folder but never installs the
// folder's dependencies (observed with npm 11.19.1 / Node 20.20.2: the install tree has only the link). In a fresh
// clone there is then no node_modules at all: no tsc to build with, and no commander/better-sqlite3 to run with.
// So, when node_modules is missing altogether, this script installs it first with `npm ci` (exactly what
// package-lock.json pins, devDependencies included since tsc and the @types packages are among them), then builds.
// Set OUTREACH_PREPARE_NO_INSTALL=1 to get the explanation instead of the install. When node_modules exists without
// TypeScript (`npm ci --omit=dev`), it never installs anything: it keeps an existing dist/ or says what to run.
//
// Plain Node, no dependency (it runs before any is installed).
import { spawnSync } from 'node:child_process';
import { closeSync, existsSync, openSync, writeSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const tscJs = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
const say = (msg) => process.stderr.write(`outreach prepare: ${msg}\n`);
const manual = `In ${root} run \`npm ci\` (installs the dependencies and builds), then \`npm install -g .\` or \`npx outreach\` again.`;

function build() {
  const r = spawnSync(process.execPath, [tscJs, '-p', 'tsconfig.json'], { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) {
    say(`the TypeScript build failed (tsc exit ${r.status ?? r.signal}).`);
    process.exit(r.status || 1);
  }
}

/** npm exports its own settings to scripts as npm_config_*; the ones below would turn the nested `npm ci` into a
 *  global or --prefix install, a dry run, or a production-only install. Everything else (registry, cache, proxy) is kept. */
function childEnv() {
  const drop = /^npm_config_(global|location|prefix|dry_run|omit|include|only|production|also|install_links|ignore_scripts|save.*|workspaces?|include_workspace_root|package_lock_only|lockfile_version|audit|fund)$/i;
  const env = {};
  for (const [k, v] of Object.entries(process.env)) if (!drop.test(k)) env[k] = v;
  env.OUTREACH_PREPARE_BOOTSTRAP = '1';
  return env;
}

if (existsSync(tscJs)) {
  build();
  process.exit(0);
}

const built = existsSync(join(root, 'dist', 'cli', 'main.js'));
if (existsSync(join(root, 'node_modules'))) {
  // Dependencies are there but not the devDependencies (`npm ci --omit=dev`, `--production`): never undo that choice.
  if (built) {
    say('TypeScript (a devDependency) is not installed: dist/ was NOT rebuilt; the existing build is used.');
    process.exit(0);
  }
  say(`TypeScript (a devDependency) is not installed, so dist/ cannot be built. Install with devDependencies: ${manual}`);
  process.exit(1);
}
if (process.env.OUTREACH_PREPARE_BOOTSTRAP || process.env.OUTREACH_PREPARE_NO_INSTALL || !existsSync(join(root, 'package-lock.json'))) {
  say(`The dependencies are not installed, so dist/ cannot be built and outreach cannot run. ${manual}`);
  process.exit(1);
}

const notice = `dependencies are not installed in ${root}: running \`npm ci\` there first (it compiles SQLite: a few minutes)...`;
say(notice);
// npm shows a folder's prepare output only when it fails: tell a person at a terminal why nothing moves for minutes.
try {
  const tty = openSync('/dev/tty', 'w');
  writeSync(tty, `outreach prepare: ${notice}\n`);
  closeSync(tty);
} catch {
  // no terminal (CI, cron): stderr above is enough
}
const npmCli = process.env.npm_execpath;
const cmd = npmCli && /\.[cm]?js$/.test(npmCli) ? process.execPath : 'npm';
const args = [...(cmd === process.execPath ? [npmCli] : []), 'ci', '--no-audit', '--no-fund'];
const r = spawnSync(cmd, args, { cwd: root, stdio: ['ignore', 'inherit', 'inherit'], env: childEnv() });
if (r.status !== 0) {
  say(`\`npm ci\` failed (exit ${r.status ?? r.signal}). ${manual}`);
  process.exit(r.status || 1);
}
// `npm ci` ran this script again (its own prepare) with TypeScript present: dist/ is built. Check, build if not.
if (!existsSync(join(root, 'dist', 'cli', 'main.js'))) {
  if (!existsSync(tscJs)) {
    say(`\`npm ci\` did not install TypeScript. ${manual}`);
    process.exit(1);
  }
  build();
}
say('dependencies installed and dist/ built.');
