#!/usr/bin/env node
// Runs Debian's libsisimai-perl (the peer) on every file of an eval:mail TSV and scores it the same
// way eval:mail scores us: `node scripts/sisimai-peer.mjs DIR LABELS.tsv [--json]`.
// Sisimai's verdicts map to our labels: vacation/delivered → AUTO_REPLY, feedback → UNSUBSCRIBE,
// any other reason → BOUNCE (softbounce 1 → soft, 0 → hard), no result → NEUTRAL (not a bounce).
import { readFileSync } from 'node:fs';
import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const args = process.argv.slice(2);
const json = args.includes('--json');
const [dir, tsv] = args.filter((a) => !a.startsWith('-'));
if (!dir || !tsv) {
  console.error('usage: node scripts/sisimai-peer.mjs DIR LABELS.tsv [--json]');
  process.exit(2);
}
const lines = readFileSync(tsv, 'utf8').replace(/\r/g, '').split('\n').filter(Boolean);
const head = lines[0].split('\t');
const rows = lines.slice(1).map((l) => {
  const c = l.split('\t');
  return { file: c[head.indexOf('file')], label: c[head.indexOf('label')], bounce: c[head.indexOf('bounce')] || '' };
});

async function peer(file) {
  try {
    const { stdout } = await run('perl', ['-MSisimai', '-e', 'print Sisimai->dump($ARGV[0], vacation=>1)', resolve(dir, file)], { timeout: 60_000, maxBuffer: 16 << 20 });
    const list = JSON.parse(stdout || '[]');
    if (!list.length) return { label: 'NEUTRAL' };
    const r = list[0];
    if (r.reason === 'vacation' || r.reason === 'delivered') return { label: 'AUTO_REPLY' };
    if (r.reason === 'feedback') return { label: 'UNSUBSCRIBE' };
    return { label: 'BOUNCE', bounce: r.softbounce === 1 ? 'soft' : r.softbounce === 0 ? 'hard' : '' };
  } catch {
    return { label: 'ERROR' };
  }
}

const results = [];
const queue = [...rows];
await Promise.all(
  Array.from({ length: 8 }, async () => {
    while (queue.length) {
      const row = queue.shift();
      results.push({ row, got: await peer(row.file) });
    }
  }),
);
const byLabel = {};
let correct = 0;
let bn = 0;
let bok = 0;
for (const { row, got } of results) {
  byLabel[row.label] ??= { n: 0, correct: 0 };
  byLabel[row.label].n++;
  if (got.label === row.label) {
    correct++;
    byLabel[row.label].correct++;
    if (row.label === 'BOUNCE' && row.bounce) {
      bn++;
      if (got.bounce === row.bounce) bok++;
    }
  }
}
const total = results.length;
if (json) console.log(JSON.stringify({ total, correct, accuracy: correct / total, by_label: byLabel, bounce_type: { n: bn, correct: bok } }));
else {
  console.log(`sisimai (peer): ${correct}/${total} = ${((100 * correct) / total).toFixed(1)}%`);
  for (const [l, v] of Object.entries(byLabel)) console.log(`  ${l.padEnd(12)} ${v.correct}/${v.n}`);
  console.log(`  hard/soft: ${bok}/${bn} = ${bn ? ((100 * bok) / bn).toFixed(1) : '-'}%`);
}
