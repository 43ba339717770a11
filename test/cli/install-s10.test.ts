// Review s10 defect 5: `npm install -g .` and `npx outreach` from a fresh clone (no node_modules). npm installs a
// folder as a symlink, runs its `prepare` there and installs none of its dependencies, so scripts/prepare.mjs
// installs them itself (`npm ci`) before building. The full install compiles SQLite for minutes: these tests use a
// copy of the package files with a stand-in npm (npm_execpath) and the real npm only where it needs no network.
import { describe, it, expect, afterAll } from 'vitest';
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync, readlinkSync, writeFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { tempDir } from '../helpers/cli.js';

const ROOT = resolve(import.meta.dirname, '../..');
const t = tempDir();
afterAll(() => t.cleanup());
let n = 0;

/** A package folder like a fresh clone: package.json (the real one), package-lock.json, scripts/prepare.mjs. */
function fakeClone(): string {
  const dir = join(t.dir, `clone${n++}`);
  mkdirSync(join(dir, 'scripts'), { recursive: true });
  mkdirSync(join(dir, 'bin'), { recursive: true });
  copyFileSync(join(ROOT, 'package.json'), join(dir, 'package.json'));
  copyFileSync(join(ROOT, 'scripts/prepare.mjs'), join(dir, 'scripts/prepare.mjs'));
  writeFileSync(join(dir, 'package-lock.json'), '{}\n');
  writeFileSync(join(dir, 'bin/outreach'), '#!/usr/bin/env node\nconsole.log("0.1.0")\n', { mode: 0o755 });
  return dir;
}

/** A stand-in for npm-cli.js: records how it was called, then does what `npm ci` leaves behind. */
function fakeNpm(exitCode = 0): string {
  const file = join(t.dir, `npm-cli${n++}.js`);
  writeFileSync(
    file,
    `const fs = require('node:fs'), path = require('node:path');
fs.writeFileSync(path.join(process.cwd(), 'npm-call.json'), JSON.stringify({ argv: process.argv.slice(2), env: process.env }));
if (${exitCode}) process.exit(${exitCode});
fs.mkdirSync('node_modules/typescript/bin', { recursive: true });
fs.writeFileSync('node_modules/typescript/bin/tsc', "require('fs').mkdirSync('dist/cli', { recursive: true }); require('fs').writeFileSync('dist/cli/main.js', '');");
`,
  );
  return file;
}

function prepare(dir: string, env: Record<string, string | undefined>) {
  const clean: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (!/^(npm_|OUTREACH_PREPARE)/i.test(k) && v !== undefined) clean[k] = v;
  for (const [k, v] of Object.entries(env)) if (v !== undefined) clean[k] = v;
  return spawnSync(process.execPath, ['scripts/prepare.mjs'], { cwd: dir, env: clean, encoding: 'utf8' });
}

describe('package.json prepare (scripts/prepare.mjs)', () => {
  it('is the prepare script', () => {
    expect(JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).scripts.prepare).toBe('node scripts/prepare.mjs');
  });

  it('no node_modules: runs `npm ci` in the folder (not global, not --prefix), then dist/ is built', () => {
    const dir = fakeClone();
    const npm = fakeNpm();
    // What npm exports to scripts during `npm install -g --prefix P .`
    const r = prepare(dir, { npm_execpath: npm, npm_config_global: 'true', npm_config_prefix: '/tmp/elsewhere', npm_config_location: 'global', npm_config_omit: 'dev', npm_config_registry: 'http://127.0.0.1:1/' });
    expect(r.stderr).toMatch(/dependencies are not installed in .*: running `npm ci` there first/);
    expect(r.status).toBe(0);
    const call = JSON.parse(readFileSync(join(dir, 'npm-call.json'), 'utf8'));
    expect(call.argv).toEqual(['ci', '--no-audit', '--no-fund']);
    expect(call.env).not.toHaveProperty('npm_config_global');
    expect(call.env).not.toHaveProperty('npm_config_prefix');
    expect(call.env).not.toHaveProperty('npm_config_location');
    expect(call.env).not.toHaveProperty('npm_config_omit');
    expect(call.env.npm_config_registry).toBe('http://127.0.0.1:1/'); // registry, proxy, cache settings are kept
    expect(call.env.OUTREACH_PREPARE_BOOTSTRAP).toBe('1'); // the nested prepare never installs again
    expect(existsSync(join(dir, 'dist/cli/main.js'))).toBe(true);
  });

  it('a failed `npm ci` says what to run', () => {
    const dir = fakeClone();
    const r = prepare(dir, { npm_execpath: fakeNpm(3) });
    expect(r.status).toBe(3);
    expect(r.stderr).toMatch(/`npm ci` failed \(exit 3\)\. In .* run `npm ci` \(installs the dependencies and builds\), then `npm install -g \.` or `npx outreach` again\./);
  });

  it('OUTREACH_PREPARE_NO_INSTALL=1 (and the nested run) explain instead of installing', () => {
    for (const env of [{ OUTREACH_PREPARE_NO_INSTALL: '1' }, { OUTREACH_PREPARE_BOOTSTRAP: '1' }]) {
      const dir = fakeClone();
      const r = prepare(dir, { npm_execpath: fakeNpm(), ...env });
      expect(r.status).toBe(1);
      expect(r.stderr).toMatch(/The dependencies are not installed, so dist\/ cannot be built and outreach cannot run\. In .* run `npm ci`/);
      expect(existsSync(join(dir, 'npm-call.json'))).toBe(false);
    }
  });

  it('node_modules without TypeScript (`npm ci --omit=dev`): never installs; keeps an existing dist/, else says what to run', () => {
    const dir = fakeClone();
    mkdirSync(join(dir, 'node_modules/commander'), { recursive: true });
    let r = prepare(dir, { npm_execpath: fakeNpm() });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/TypeScript \(a devDependency\) is not installed, so dist\/ cannot be built/);
    mkdirSync(join(dir, 'dist/cli'), { recursive: true });
    writeFileSync(join(dir, 'dist/cli/main.js'), '');
    r = prepare(dir, { npm_execpath: fakeNpm() });
    expect(r.status).toBe(0);
    expect(r.stderr).toMatch(/dist\/ was NOT rebuilt; the existing build is used/);
    expect(existsSync(join(dir, 'npm-call.json'))).toBe(false);
  });

  it('real npm: `npm install -g --prefix P .` links the folder, runs prepare there, and shows its explanation on failure', () => {
    const dir = fakeClone();
    const prefix = join(t.dir, `prefix${n++}`);
    const env: Record<string, string> = {};
    for (const [k, v] of Object.entries(process.env)) if (!/^(npm_|OUTREACH_PREPARE)/i.test(k) && v !== undefined) env[k] = v;
    env.OUTREACH_PREPARE_NO_INSTALL = '1';
    env.npm_config_cache = join(t.dir, 'npm-cache'); // nothing is fetched: the folder has no dependency installed
    const r = spawnSync('npm', ['install', '-g', '--prefix', prefix, '.', '--no-audit', '--no-fund', '--offline'], { cwd: dir, env, encoding: 'utf8' });
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/sh -c node scripts\/prepare\.mjs/);
    expect(r.stderr).toMatch(/The dependencies are not installed, so dist\/ cannot be built and outreach cannot run\. In .* run `npm ci`/);
    expect(r.stderr).not.toMatch(/tsc: not found/);
    expect(readlinkSync(join(prefix, 'lib/node_modules/outreach'))).toBe(`../../../${basename(dir)}`);
  });
});
