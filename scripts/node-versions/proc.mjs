// Child processes of test:node, each in its own process group so an interrupted run can kill the whole tree
// (npm, node-gyp, make, vitest and its workers) and nothing outlives it.
import { spawn } from 'node:child_process';

const running = new Set();

/**
 * Runs cmd and resolves { code, signal, stdout, stderr } (never rejects). onData(chunk) sees the output as it
 * comes; capture: false keeps only the last 4 KB (for long, chatty commands).
 */
export function exec(cmd, args, { cwd, env, timeoutMs = 10 * 60_000, onData, capture = true } = {}) {
  return new Promise((done) => {
    const child = spawn(cmd, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'], detached: process.platform !== 'win32' });
    running.add(child);
    let stdout = '';
    let stderr = '';
    const keep = (s, d) => (capture ? s + d : (s + d).slice(-4000));
    child.stdout.setEncoding('utf8').on('data', (d) => {
      stdout = keep(stdout, d);
      onData?.(d);
    });
    child.stderr.setEncoding('utf8').on('data', (d) => {
      stderr = keep(stderr, d);
      onData?.(d);
    });
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      killTree(child);
    }, timeoutMs);
    const end = (code, signal, error) => {
      clearTimeout(timer);
      running.delete(child);
      done({ code: code ?? (signal ? 128 : -1), signal, stdout, stderr: error ? `${stderr}${error}` : stderr, timedOut });
    };
    child.on('error', (err) => end(-1, undefined, String(err)));
    child.on('close', (code, signal) => end(code, signal));
  });
}

function killTree(child) {
  try {
    process.kill(-child.pid, 'SIGKILL');
  } catch {
    child.kill('SIGKILL');
  }
}

/** Kills every running child's process group (on Ctrl-C or SIGTERM). */
export function killAll() {
  for (const child of running) killTree(child);
  running.clear();
}
