#!/usr/bin/env node
// `node scripts/mail-dump.mjs OUT.jsonl DIR...`: the offline analysis (parse + classification) of every mail file
// under the given folders, one JSON line per file, for a before/after comparison of a change that must not change
// results (a speed change, a refactor): dump with the old build, dump with the new one, `diff` the two files.
// A date mailparser stamps as "now" on mail without a Date header is written as "NOW" (it changes run to run).
// Example: node scripts/mail-dump.mjs /tmp/after.jsonl test/fixtures/inbox ../shared/corpora/sisimai-set-of-emails
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const [out, ...dirs] = process.argv.slice(2);
if (!out || dirs.length === 0) {
  console.error('usage: node scripts/mail-dump.mjs OUT.jsonl DIR...');
  process.exit(2);
}
const { analyzeOffline } = await import(join(root, 'dist/stages/inbox/analyze.js'));
const files = [];
const walk = (d) => {
  for (const e of readdirSync(d).sort()) {
    const p = join(d, e);
    const s = statSync(p);
    if (s.isDirectory()) walk(p);
    else if (s.size < 5e6 && !/\.(tsv|md|json|jsonl)$/.test(e)) files.push(p);
  }
};
for (const d of dirs) walk(resolve(d));
const lines = [];
for (const f of files) {
  const name = relative(process.cwd(), f);
  try {
    const a = await analyzeOffline(readFileSync(f));
    const { raw, input, ...p } = a.p;
    if (p.date && Math.abs(new Date(p.date).getTime() - Date.now()) < 60_000) p.date = 'NOW';
    lines.push(JSON.stringify({ f: name, p, rawBytes: raw?.length ?? 0, c: a.c, e: a.classifyError ?? null }));
  } catch (err) {
    lines.push(JSON.stringify({ f: name, error: String(err?.message ?? err) }));
  }
}
writeFileSync(out, lines.join('\n') + '\n');
console.log(`${files.length} files analyzed into ${out}`);
