#!/usr/bin/env node
// `npm run bench -- STAGE [args]`: runs bench/STAGE.mjs (import, enrich, score, draft, send, inbox, inbox-stages, report, hostile).
// With no stage, lists them. Benchmarks print their figures; they are not part of the test suite.
import { readdirSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const stages = readdirSync(here)
  .filter((f) => f.endsWith('.mjs') && f !== 'run.mjs' && !f.startsWith('_'))
  .map((f) => f.replace(/\.mjs$/, ''))
  .sort();
const [stage, ...rest] = process.argv.slice(2);
if (!stage || !stages.includes(stage)) {
  console.error(`usage: npm run bench -- <${stages.join('|')}> [options]`);
  process.exit(stage ? 2 : 0);
}
const r = spawnSync(process.execPath, ['--expose-gc', join(here, `${stage}.mjs`), ...rest], { stdio: 'inherit' });
process.exit(r.status ?? 1);
