#!/usr/bin/env node
// Converts the corpus's sisimai-labels.tsv (relative_path, reason, hard_or_soft, ..., cli_class) into
// the eval:mail format (file, label, bounce) in a temp folder, without copying any mail:
//   node scripts/sisimai-to-eval.mjs /work/shared/corpora/sisimai-labels.tsv [OUT.tsv]
// Mapping: BOUNCED → BOUNCE (+hard/soft), COMPLAINT_ARF → UNSUBSCRIBE, AUTO_REPLY and DSN_DELIVERED
// (a success notice is automatic mail) → AUTO_REPLY, NOT_BOUNCE → NEUTRAL (a human message),
// UNKNOWN (no published label) is left out. One row per file (the first recipient).
import { readFileSync, writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const [src, outArg] = process.argv.slice(2);
if (!src) {
  console.error('usage: node scripts/sisimai-to-eval.mjs sisimai-labels.tsv [OUT.tsv]');
  process.exit(2);
}
const lines = readFileSync(src, 'utf8').replace(/\r/g, '').split('\n').filter(Boolean);
const head = lines[0].split('\t');
const idx = (n) => head.indexOf(n);
const MAP = { BOUNCED: 'BOUNCE', COMPLAINT_ARF: 'UNSUBSCRIBE', AUTO_REPLY: 'AUTO_REPLY', DSN_DELIVERED: 'AUTO_REPLY', NOT_BOUNCE: 'NEUTRAL' };
const seen = new Set();
const out = ['file\tlabel\tbounce'];
const skipped = {};
for (const line of lines.slice(1)) {
  const c = line.split('\t');
  const file = c[idx('relative_path')];
  const cls = c[idx('cli_class')];
  if (seen.has(file)) continue;
  const label = MAP[cls];
  if (!label) {
    skipped[cls] = (skipped[cls] ?? 0) + 1;
    continue;
  }
  seen.add(file);
  out.push([file, label, label === 'BOUNCE' ? c[idx('hard_or_soft')] || '' : ''].join('\t'));
}
const outPath = outArg ?? join(mkdtempSync(join(tmpdir(), 'outreach-eval-')), 'sisimai-eval.tsv');
writeFileSync(outPath, out.join('\n') + '\n');
console.error(`${out.length - 1} files written to ${outPath}; skipped ${JSON.stringify(skipped)}`);
console.log(outPath);
