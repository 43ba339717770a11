// Builds dist/ once per test run, so CLI tests run the real compiled binary.
// A type error fails the run (set OUTREACH_ALLOW_TYPE_ERRORS=1 to only print them while developing).
import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';

export default function setup(): void {
  if (process.env.OUTREACH_SKIP_BUILD) return;
  const root = resolve(import.meta.dirname, '../..');
  const r = spawnSync(process.execPath, [resolve(root, 'node_modules/typescript/bin/tsc'), '-p', resolve(root, 'tsconfig.json')], {
    stdio: 'inherit',
    cwd: root,
  });
  if (r.status !== 0 && !process.env.OUTREACH_ALLOW_TYPE_ERRORS) {
    throw new Error('TypeScript build failed (see above); dist/ may be stale');
  }
}
