// Builds dist/ once per test run, so CLI tests run the real compiled binary.
import { execFileSync } from 'node:child_process';
import { resolve } from 'node:path';

export default function setup(): void {
  if (process.env.OUTREACH_SKIP_BUILD) return;
  const root = resolve(import.meta.dirname, '../..');
  execFileSync(process.execPath, [resolve(root, 'node_modules/typescript/bin/tsc'), '-p', resolve(root, 'tsconfig.json')], {
    stdio: 'inherit',
    cwd: root,
  });
}
