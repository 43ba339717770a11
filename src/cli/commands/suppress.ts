// `outreach suppress add|remove|list|import`: emails and whole domains never to be mailed.
import { Command, Option } from 'commander';
import { action } from '../context.js';
import { examples, intOption } from '../help.js';
import { UsageError } from '../../errors.js';

/** Entries a `suppress list` table shows by default, as `leads list` does. */
const TABLE_LIMIT = 50;

const REASONS = ['manual', 'unsubscribed', 'bounced', 'complained', 'imported'] as const;
/** The reasons a `reason` column may hold (as `suppress list` writes them); kept here so --help loads no stage. */
const SUPPRESSION_REASONS_TEXT = 'unsubscribed, bounced, complained, forgotten, manual, imported, left_company';

export function register(program: Command): void {
  const s = program.command('suppress').description('the suppression list: emails and domains never to be mailed (honoured forever)');
  examples(s, ['outreach suppress add jane@shop.com competitor.com', 'outreach suppress list --json', 'outreach suppress import unsubscribes.csv']);

  examples(
    s
      .command('add')
      .argument('<values...>', 'emails or domains')
      .addOption(new Option('--reason <reason>', 'why').choices([...REASONS]).default('manual'))
      .option('--note <text>', 'a note kept with the entry')
      .description('suppress emails or whole domains')
      .action(
        action(
          async (ctx, opts: { reason: (typeof REASONS)[number]; note?: string }, values: string[]) => {
            const { suppressValues } = await import('../../stages/suppress.js');
            const r = suppressValues(ctx.db(), values, { reason: opts.reason, note: opts.note, source: 'cli' });
            if (r.invalid.length) throw new UsageError(`Not an email or domain: ${r.invalid.map((i) => `${i.value} (${i.reason})`).join('; ')}`);
            ctx.count('values', values.length);
            ctx.count('added', r.added);
            ctx.count('existing', r.existing);
            if (r.forgotten.length) ctx.count('forgotten', r.forgotten.length);
            if (r.enrollmentsStopped) ctx.count('enrollments_stopped', r.enrollmentsStopped);
            if (ctx.json) return ctx.out.printJson(r);
            ctx.out.success(
              `Suppressed ${r.added} new, ${r.existing} already on the list` +
                (r.forgotten.length ? ` (${r.forgotten.length} forgotten on request: suppressed by their erasure hash, nothing stored)` : '') +
                `; ${r.enrollmentsStopped} campaign enrollments stopped.`,
            );
          },
          { audit: true, settings: false },
        ),
      ),
    ['outreach suppress add jane@shop.com', 'outreach suppress add competitor.com --note "asked by phone"'],
  );

  examples(
    s
      .command('remove')
      .argument('<values...>', 'emails or domains')
      .option('--force', 'also remove unsubscribes, bounces and complaints (only for entries made by mistake)')
      .description('take emails or domains off the list (manual and imported entries only, unless --force)')
      .action(
        action(
          async (ctx, opts: { force?: boolean }, values: string[]) => {
            const { unsuppressValues } = await import('../../stages/suppress.js');
            const r = unsuppressValues(ctx.db(), values, Boolean(opts.force));
            if (r.invalid.length) throw new UsageError(`Not an email or domain: ${r.invalid.map((i) => `${i.value} (${i.reason})`).join('; ')}`);
            ctx.count('removed', r.removed);
            if (r.kept.length || r.forgotten.length) {
              process.exitCode = 1;
              ctx.count('errors', r.kept.length + r.forgotten.length);
              const n = r.kept.length + r.forgotten.length;
              ctx.failRun(`${n} value${n === 1 ? '' : 's'} not removed: ${[r.kept.length ? `${r.kept.length} protected (${[...new Set(r.kept.map((k) => k.reason))].join(', ')}; --force removes them)` : '', r.forgotten.length ? `${r.forgotten.length} forgotten on request (never removed)` : ''].filter(Boolean).join(', ')}`);
            }
            if (ctx.json) return ctx.out.printJson(r);
            for (const k of r.kept) ctx.out.warn(`${k.value} stays suppressed (${k.reason}); pass --force if it was a mistake.`);
            for (const f of r.forgotten) ctx.out.warn(`${f} was forgotten on request (erasure): it stays suppressed forever and cannot be removed.`);
            for (const u of r.unknown) ctx.out.warn(`${u} was not on the suppression list: nothing to remove.`);
            if (r.removed) ctx.out.success(`Removed ${r.removed}.`);
            else ctx.out.info('Nothing removed.');
          },
          { audit: true, settings: false },
        ),
      ),
    ['outreach suppress remove jane@shop.com'],
  );

  examples(
    s
      .command('list')
      .addOption(new Option('--reason <reason>', 'only this reason').choices([...REASONS, 'forgotten', 'left_company']))
      .addOption(new Option('--format <format>', 'output format').choices(['table', 'csv', 'json']).default('table'))
      .option('--limit <n>', `at most N entries, oldest first (0 = all; default: ${TABLE_LIMIT} in a table, all in CSV or JSON)`, intOption('--limit', { min: 0 }))
      .description('list suppressed emails and domains (forgotten people appear only as hashes)')
      .action(
        action(async (ctx, opts: { reason?: string; format: string; limit?: number }) => {
          const { listSuppressions, countSuppressions } = await import('../../stages/suppress.js');
          const db = ctx.db({ create: false });
          const asTable = !ctx.json && opts.format === 'table';
          // A table is for reading: like `leads list`, it shows the first 50 unless told otherwise. CSV and JSON are
          // exports (`> unsubscribed.csv`): complete unless --limit is given.
          const limit = opts.limit ?? (asTable ? TABLE_LIMIT : 0);
          const rows = listSuppressions(db, opts.reason, limit);
          if (ctx.json || opts.format === 'json') return ctx.out.printJson(rows);
          if (opts.format === 'csv') {
            const { csvLine } = await import('../../domain/csv.js');
            ctx.out.write(csvLine(['kind', 'value', 'reason', 'source', 'note', 'created_at']));
            for (const r of rows) ctx.out.write(csvLine([r.kind, r.value, r.reason, r.source, r.note, r.created_at]));
            return;
          }
          if (!rows.length) return ctx.out.info('The suppression list is empty.');
          ctx.out.table(rows, [
            { header: 'kind', value: (r) => r.kind },
            { header: 'value', value: (r) => (r.kind.endsWith('_hash') ? r.value.slice(0, 16) + '…' : r.value) },
            { header: 'reason', value: (r) => r.reason },
            { header: 'source', value: (r) => r.source },
            { header: 'since', value: (r) => r.created_at.slice(0, 10) },
          ]);
          const total = limit > 0 && rows.length === limit ? countSuppressions(db, opts.reason) : rows.length;
          if (total > rows.length) ctx.out.info(`${rows.length} of ${total} entries shown (--limit 0 for all)`);
        }, { settings: false }),
      ),
    ['outreach suppress list', 'outreach suppress list --limit 0', 'outreach suppress list --reason unsubscribed --format csv > unsubscribed.csv'],
  );

  examples(
    s
      .command('import')
      .argument('<file>', "CSV with an email or domain column, or one value a line ('-' for stdin)")
      .addOption(new Option('--reason <reason>', 'why (for lines without a reason column)').choices([...REASONS]).default('imported'))
      .option('--skip-invalid', 'import the good lines and report the others')
      .description('suppress every email or domain in a file (e.g. an unsubscribe export from another tool)')
      .addHelpText(
        'after',
        `
What the file may be:
  - a CSV whose header names an "email" column (also "e-mail", "email address", "address"): every value must be an
    email address; a bare domain there ("gmail.com") is an error, never a whole-domain suppression.
  - a CSV with a "domain" (or "website") column and no email column: whole domains (and their subdomains).
  - the output of \`outreach suppress list --format csv\` (kind,value,reason,source,note,...): each line keeps its
    kind, reason, source and note. Forgotten entries (email_hash, domain_hash) are imported as hashes: they only
    match in the database they come from, or a copy of it.
  - a list without a header, one email or domain a line (lines starting with # are comments).
Delimiter: comma, semicolon or tab (from the first line). UTF-8, with or without BOM. A cell that a CSV export
neutralized against spreadsheet formulas ('=..., '+..., '-..., '@...) is read without its apostrophe.
A "reason" column sets each line's reason (${SUPPRESSION_REASONS_TEXT}); an empty or unknown value gets
--reason instead, and the unknown values are reported. A line whose reason is "forgotten" is stored as this
database's erasure hash only. Values forgotten on request here (\`outreach leads forget\`) are already suppressed
by their hash: they are counted as already on the list and nothing is stored.
A bad line refuses the whole file (nothing is written; every bad line is listed as FILE:LINE, the record's
first line), unless --skip-invalid.`,
      )
      .action(
        action(
          async (ctx, opts: { reason: (typeof REASONS)[number]; skipInvalid?: boolean }, file: string) => {
            const { importSuppressions } = await import('../../stages/suppress.js');
            const sp = ctx.out.spinner(`Importing ${file === '-' ? 'stdin' : file}`);
            let r;
            try {
              r = await importSuppressions(ctx.db(), file, {
                reason: opts.reason,
                skipInvalid: Boolean(opts.skipInvalid),
                signal: ctx.signal,
                onProgress: (n) => sp.update(`Importing ${file === '-' ? 'stdin' : file}: ${n.toLocaleString('en-US')} values`),
              });
            } finally {
              sp.stop();
            }
            ctx.count('values', r.values);
            ctx.count('added', r.added);
            ctx.count('existing', r.existing);
            if (r.invalidCount) ctx.count(r.committed ? 'skipped' : 'errors', r.invalidCount);
            const badLines = `${r.invalidCount} bad line${r.invalidCount === 1 ? '' : 's'}`;
            if (!r.committed) {
              process.exitCode = 1;
              ctx.failRun(`${r.file}: ${badLines}; nothing was imported.`);
            }
            if (ctx.json) return ctx.out.printJson(r);
            const shown = ctx.verbose || !r.committed ? r.invalid : r.invalid.slice(0, 20);
            for (const x of shown) ctx.out.warn(`${r.file}:${x.line}: ${x.reason}`);
            if (r.invalidCount > shown.length) ctx.out.warn(`... and ${r.invalidCount - shown.length} more bad lines${r.committed && !ctx.verbose ? ' (-v lists them)' : ''}`);
            for (const u of r.unknownReasons) {
              ctx.out.warn(`${r.file}:${u.line}: unknown reason "${u.value}"${u.count > 1 ? ` (${u.count} lines)` : ''}: stored with reason ${opts.reason}.`);
            }
            if (!r.committed) {
              ctx.out.error(`${r.file}: ${badLines}; nothing was imported.`, 'Fix them or pass --skip-invalid.');
              return;
            }
            ctx.out.success(
              `${r.file}: ${r.added} suppressed, ${r.existing} already on the list` +
                (r.forgotten ? ` (${r.forgotten} forgotten on request: suppressed by their erasure hash, nothing stored)` : '') +
                (r.invalidCount ? `, ${badLines} skipped` : '') +
                (r.enrollmentsStopped ? `; ${r.enrollmentsStopped} campaign enrollments stopped` : '') +
                '.',
            );
            if (r.hashes) ctx.out.info(`${r.hashes} forgotten entries were imported as hashes: they only match in the database they come from (or a copy of it).`);
          },
          { audit: true, settings: false },
        ),
      ),
    ['outreach suppress import unsubscribes.csv', 'cut -d, -f1 bounces.csv | outreach suppress import -', 'outreach suppress list --format csv > list.csv && outreach --db new.db suppress import list.csv'],
  );
}
