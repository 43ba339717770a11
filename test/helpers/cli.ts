// Runs the built `outreach` binary as a subprocess, the way a user or cron does.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export const ROOT = resolve(import.meta.dirname, '../..');
export const BIN = resolve(ROOT, 'bin/outreach');

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface CliOptions {
  cwd?: string;
  env?: Record<string, string | undefined>;
  input?: string | Buffer;
  timeoutMs?: number;
}

/** Runs `outreach ...args`. NO_COLOR is set and no TTY is attached, like cron. */
export function runCli(args: string[], opts: CliOptions = {}): Promise<CliResult> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries({ ...process.env, NO_COLOR: '1', ...opts.env })) {
    if (v !== undefined) env[k] = v;
  }
  return runProcess(process.execPath, [BIN, ...args], { ...opts, env, cwd: opts.cwd ?? ROOT }, `outreach ${args.join(' ')}`);
}

/**
 * Runs a command with exactly `opts.env`, collecting its output; rejects when it outlives the timeout
 * (default 60 s), naming it by `label`. Stdin gets `opts.input`, or is closed at once.
 */
export function runProcess(command: string, args: string[], opts: CliOptions & { env: Record<string, string> }, label = command): Promise<CliResult> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(command, args, { cwd: opts.cwd, env: opts.env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d) => (stderr += d));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${label} timed out\nstdout: ${stdout}\nstderr: ${stderr}`));
    }, opts.timeoutMs ?? 60_000);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolvePromise({ code: code ?? (signal ? 128 : 1), stdout, stderr });
    });
    if (opts.input !== undefined) child.stdin.end(opts.input);
    else child.stdin.end();
  });
}

/** A temp folder removed by the returned cleanup. */
export function tempDir(prefix = 'outreach-test-'): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

const NOBODY = ['--reuid=65534', '--regid=65534', '--clear-groups'];
let nobodyWorks: boolean | undefined;
/**
 * Whether the CLI can run as the unprivileged user nobody (65534): root with setpriv, in a checkout nobody may read
 * (a clone under a private home folder, or the Node 22/24 harness's private copy, is not: those tests skip).
 */
export function canRunAsNobody(): boolean {
  nobodyWorks ??=
    process.getuid?.() === 0 && spawnSync('setpriv', [...NOBODY, process.execPath, BIN, '--version'], { env: { PATH: process.env.PATH ?? '' } }).status === 0;
  return nobodyWorks;
}

/** Runs `outreach ...args` as nobody, in cwd (also its HOME), with only PATH, NO_COLOR and `env` set. */
export function runAsNobody(args: string[], cwd: string, env: Record<string, string> = {}): Promise<CliResult> {
  return runProcess('setpriv', [...NOBODY, process.execPath, BIN, ...args], { cwd, env: { PATH: process.env.PATH ?? '', NO_COLOR: '1', HOME: cwd, ...env } });
}
