// `outreach suppress add|remove|list|import`: emails and whole domains never to be mailed.
import { Command, Option } from 'commander';
import { action } from '../context.js';
import { examples, intOption } from '../help.js';
import { UsageError } from '../../errors.js';

/** Entries a `suppress list` table shows by default, as `leads list` does. */
const TABLE_LIMIT = 50;

const REASONS = ['manual', 'unsubscribed', 'bounced', 'complained', 'imported'] as const;

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
            if (ctx.json) return ctx.out.printJson(r);
            ctx.out.success(`Suppressed ${r.added} new, ${r.existing} already on the list; ${r.enrollmentsStopped} campaign enrollments stopped.`);
          },
          { audit: true },
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
            if (r.kept.length) process.exitCode = 1;
            if (ctx.json) return ctx.out.printJson(r);
            for (const k of r.kept) ctx.out.warn(`${k.value} stays suppressed (${k.reason}); pass --force if it was a mistake.`);
            for (const u of r.unknown) ctx.out.warn(`${u} was not on the suppression list: nothing to remove.`);
            if (r.removed) ctx.out.success(`Removed ${r.removed}.`);
            else ctx.out.info('Nothing removed.');
          },
          { audit: true },
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
        }),
      ),
    ['outreach suppress list', 'outreach suppress list --limit 0', 'outreach suppress list --reason unsubscribed --format csv > unsubscribed.csv'],
  );

  examples(
    s
      .command('import')
      .argument('<file>', "CSV with an email/domain column, or one value a line ('-' for stdin)")
      .addOption(new Option('--reason <reason>', 'why').choices([...REASONS]).default('imported'))
      .option('--skip-invalid', 'import the good lines and report the others')
      .description('suppress every email or domain in a file (e.g. an unsubscribe export from another tool)')
      .action(
        action(
          async (ctx, opts: { reason: (typeof REASONS)[number]; skipInvalid?: boolean }, file: string) => {
            const { importSuppressions } = await import('../../stages/suppress.js');
            const r = await importSuppressions(ctx.db(), file, { reason: opts.reason, skipInvalid: Boolean(opts.skipInvalid) });
            if (ctx.json) return ctx.out.printJson(r);
            for (const x of r.invalid) ctx.out.warn(`${r.file}:${x.line}: ${x.reason}`);
            if (!r.committed) {
              ctx.out.error(`${r.file}: ${r.invalid.length} bad lines; nothing was imported.`, 'Fix them or pass --skip-invalid.');
              process.exitCode = 1;
              return;
            }
            ctx.out.success(`${r.file}: ${r.added} suppressed, ${r.existing} already on the list.`);
          },
          { audit: true },
        ),
      ),
    ['outreach suppress import unsubscribes.csv', 'cut -d, -f1 bounces.csv | outreach suppress import -'],
  );
}
