// `npm run eval:mail -- DIR LABELS.tsv [--json]`: runs the offline classifier on every file named in a
// TSV (header row; columns file, label, optional bounce = hard|soft and return_date) and prints accuracy
// per label, a confusion matrix, hard/soft accuracy and return-date accuracy.
import { readFileSync, existsSync, statSync, accessSync, constants } from 'node:fs';
import { resolve } from 'node:path';
import { parseMessage } from '../stages/inbox/parse.js';
import { classifyMail, stripReply, LABELS, type Label, type Classification } from '../domain/classify/index.js';

interface Row {
  file: string;
  label: string;
  bounce?: string;
  returnDate?: string;
}

function readTsv(path: string): Row[] {
  const lines = readFileSync(path, 'utf8').replace(/\r/g, '').split('\n').filter((l) => l.trim() && !l.startsWith('#'));
  if (!lines.length) throw new Error(`${path} is empty`);
  const head = lines[0]!.split('\t').map((h) => h.trim().toLowerCase());
  const col = (n: string) => head.indexOf(n);
  if (col('file') < 0 || col('label') < 0) throw new Error(`${path}: the header row needs columns "file" and "label" (got ${head.join(', ')})`);
  const seen = new Set<string>();
  const rows: Row[] = [];
  for (const line of lines.slice(1)) {
    const c = line.split('\t');
    const file = c[col('file')]?.trim();
    if (!file || seen.has(file)) continue; // one row per file (label files may list each recipient)
    seen.add(file);
    rows.push({
      file,
      label: (c[col('label')] ?? '').trim().toUpperCase(),
      bounce: col('bounce') >= 0 ? c[col('bounce')]?.trim().toLowerCase() || undefined : undefined,
      returnDate: col('return_date') >= 0 ? c[col('return_date')]?.trim() || undefined : undefined,
    });
  }
  return rows;
}

/** The naive classifier the issue compares against: a few keywords on what the person wrote (quotes stripped by ours), no negation, no weights. */
function keywordBaseline(text: string, ours: Classification): Classification {
  if (ours.label === 'BOUNCE' || ours.label === 'AUTO_REPLY') return ours;
  const t = text.toLowerCase();
  const label: Label = /unsubscribe|remove me|stop emailing|abmelden|désinscri|baja|cancellami|afmelden|descadastr/.test(t)
    ? 'UNSUBSCRIBE'
    : /not interested|no thanks|kein interesse|pas intéressé|no gracias|no grazie|geen interesse|não temos interesse/.test(t)
      ? 'COLD'
      : /interested|call|demo|price|pricing|interessiert|intéress|interesa|interessa|geïnteresseerd|interesse/.test(t)
        ? 'WARM'
        : 'NEUTRAL';
  return { label, confidence: 0.5, reason: 'keyword baseline' };
}

function pct(n: number, d: number): string {
  return d ? `${((100 * n) / d).toFixed(1)}%` : '-';
}

async function main(): Promise<number> {
  const args = process.argv.slice(2);
  const json = args.includes('--json');
  const verbose = args.includes('--verbose') || args.includes('-v');
  // --baseline: a ten-minute keyword list for human intent (bounces and auto-replies still ours), for comparison.
  const baseline = args.includes('--baseline');
  const pos = args.filter((a) => !a.startsWith('-'));
  if (pos.length !== 2) {
    process.stderr.write('usage: npm run eval:mail -- DIR LABELS.tsv [--json] [--verbose] [--baseline]\n');
    return 2;
  }
  const [dir, tsv] = pos as [string, string];
  if (!existsSync(tsv)) {
    process.stderr.write(`No labels file at ${tsv}\n`);
    return 1;
  }
  const listed = readTsv(tsv);
  let dirWhy = '';
  try {
    if (!statSync(dir).isDirectory()) dirWhy = 'not a folder';
  } catch (err) {
    dirWhy = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
  }
  if (dirWhy) {
    process.stderr.write(`eval-mail: ${dir} is not a readable folder (${dirWhy}): none of the ${listed.length} files listed in ${tsv} can be read\n`);
    return 1;
  }
  // Files that cannot be read are not scored (an ERROR row each would only measure a wrong DIR or a stale TSV):
  // a few are reported and the rest scored; most of them missing is a wrong DIR or TSV, and no measurement.
  const unreadable: { file: string; why: string }[] = [];
  const rows: (Row & { path: string })[] = [];
  for (const row of listed) {
    const path = resolve(dir, row.file);
    try {
      if (!statSync(path).isFile()) throw Object.assign(new Error('not a file'), { code: 'not a file' });
      accessSync(path, constants.R_OK);
      rows.push({ ...row, path });
    } catch (err) {
      unreadable.push({ file: row.file, why: (err as NodeJS.ErrnoException).code ?? (err as Error).message });
    }
  }
  if (unreadable.length) {
    const first = unreadable.slice(0, 5).map((u) => `${u.file} (${u.why})`).join(', ');
    const more = unreadable.length > 5 ? `, and ${unreadable.length - 5} more` : '';
    if (unreadable.length * 2 > listed.length) {
      process.stderr.write(`eval-mail: ${unreadable.length} of the ${listed.length} files listed in ${tsv} cannot be read in ${dir} (${first}${more}): wrong folder or labels file?\n`);
      return 1;
    }
    process.stderr.write(`eval-mail: ${unreadable.length} of the ${listed.length} files listed in ${tsv} cannot be read in ${dir} and are not scored: ${first}${more}\n`);
  }
  const labels = new Set<string>(LABELS);
  const confusion = new Map<string, Map<string, number>>();
  const byLabel: Record<string, { n: number; correct: number }> = {};
  let correct = 0;
  let bounceN = 0;
  let bounceOk = 0;
  let dateN = 0;
  let dateOk = 0;
  const misses: string[] = [];
  for (const row of rows) {
    let got: Label | 'ERROR' = 'ERROR';
    let bounceType: string | undefined;
    let returnDate: string | undefined;
    let reason = '';
    try {
      const parsed = await parseMessage(readFileSync(row.path));
      const c = baseline ? keywordBaseline(stripReply(parsed.input.text).text, classifyMail(parsed.input)) : classifyMail(parsed.input);
      got = c.label;
      bounceType = c.bounceType;
      returnDate = c.returnDate;
      reason = c.reason;
    } catch (err) {
      reason = (err as Error).message;
    }
    const want = labels.has(row.label) ? row.label : row.label || '?';
    byLabel[want] ??= { n: 0, correct: 0 };
    byLabel[want].n++;
    if (got === want) {
      byLabel[want].correct++;
      correct++;
    } else if (verbose) misses.push(`${row.file}\twant ${want}\tgot ${got}\t${reason}`);
    const line = confusion.get(want) ?? new Map<string, number>();
    line.set(got, (line.get(got) ?? 0) + 1);
    confusion.set(want, line);
    if (want === 'BOUNCE' && (row.bounce === 'hard' || row.bounce === 'soft') && got === 'BOUNCE') {
      bounceN++;
      if (bounceType === row.bounce) bounceOk++;
      else if (verbose) misses.push(`${row.file}\twant ${row.bounce}\tgot ${bounceType}\t${reason}`);
    }
    if (row.returnDate) {
      dateN++;
      if (returnDate === row.returnDate) dateOk++;
      else if (verbose) misses.push(`${row.file}\twant return ${row.returnDate}\tgot ${returnDate ?? '-'}`);
    }
  }
  const total = rows.length;
  if (json) {
    process.stdout.write(
      JSON.stringify({
        total,
        correct,
        accuracy: total ? correct / total : 0,
        by_label: byLabel,
        bounce_type: { n: bounceN, correct: bounceOk, accuracy: bounceN ? bounceOk / bounceN : null },
        return_date: { n: dateN, correct: dateOk, accuracy: dateN ? dateOk / dateN : null },
      }) + '\n',
    );
    return 0;
  }
  const out: string[] = [];
  out.push(`${total} messages, ${correct} correct: ${pct(correct, total)}`);
  out.push('');
  out.push('label          n  correct  accuracy');
  for (const [l, v] of Object.entries(byLabel).sort()) out.push(`${l.padEnd(12)} ${String(v.n).padStart(4)} ${String(v.correct).padStart(8)}  ${pct(v.correct, v.n).padStart(8)}`);
  out.push('');
  const cols = [...LABELS, 'ERROR'].filter((l) => [...confusion.values()].some((m) => m.has(l)) || confusion.has(l));
  out.push('confusion (rows: label, columns: classified as)');
  out.push(''.padEnd(12) + cols.map((c) => c.slice(0, 10).padStart(11)).join(''));
  for (const [want, m] of [...confusion.entries()].sort()) out.push(want.padEnd(12) + cols.map((c) => String(m.get(c) ?? 0).padStart(11)).join(''));
  out.push('');
  out.push(`hard/soft: ${bounceOk}/${bounceN} ${pct(bounceOk, bounceN)} (bounces labelled with a type and detected as bounces)`);
  out.push(`return date: ${dateOk}/${dateN} ${pct(dateOk, dateN)}`);
  if (misses.length) out.push('', 'misses:', ...misses);
  process.stdout.write(out.join('\n') + '\n');
  return 0;
}

main().then(
  (code) => process.exit(code),
  (err) => {
    process.stderr.write(`eval-mail: ${(err as Error).message}\n`);
    process.exit(1);
  },
);
