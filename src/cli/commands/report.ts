// `outreach report [funnel|campaigns|variants|mailboxes|spend|responses|warm]`: the numbers an operator acts
// on, and the WARM replies waiting for an answer, as a terminal table, CSV, JSON or one self-contained HTML file.
import type { Command } from 'commander';
import { Option } from 'commander';
import { action } from '../context.js';
import { examples, intOption } from '../help.js';
import { UsageError, UserError } from '../../errors.js';

const KINDS = ['funnel', 'campaigns', 'variants', 'mailboxes', 'spend', 'responses', 'warm'] as const;
const FORMATS = ['table', 'csv', 'json', 'html'] as const;

/** --since: YYYY-MM-DD, an ISO date-time, or a relative span like 7d, 4w, 12h (before now). */
export function parseSince(value: string, now = new Date()): string {
  const v = value.trim();
  const rel = /^(\d+)\s*([hdw])$/i.exec(v);
  if (rel) {
    const n = Number(rel[1]);
    const unit = rel[2]!.toLowerCase();
    const ms = n * (unit === 'h' ? 3_600_000 : unit === 'd' ? 86_400_000 : 7 * 86_400_000);
    return new Date(now.getTime() - ms).toISOString();
  }
  if (/^\d{4}-\d{2}-\d{2}$/.test(v)) {
    const d = new Date(v + 'T00:00:00.000Z');
    if (!Number.isNaN(d.getTime()) && d.toISOString().startsWith(v)) return d.toISOString();
  } else if (/^\d{4}-\d{2}-\d{2}T/.test(v)) {
    const d = new Date(v);
    if (!Number.isNaN(d.getTime())) return d.toISOString();
  }
  throw new UsageError(`--since expects a date (2026-11-01), a date-time (2026-11-01T09:00Z) or a span (7d, 4w, 12h), got "${value}"`);
}

interface Opts {
  since?: string;
  campaign?: string;
  format?: (typeof FORMATS)[number];
  output?: string;
  days?: number;
  warmLimit?: number;
}

export function register(program: Command): void {
  const cmd = program
    .command('report')
    .description('WARM replies to answer, funnel, campaigns, A/B variants, mailbox health, spend and responses, from the database')
    .argument('[report]', `one of ${KINDS.join(', ')} (default: all; csv needs one)`)
    .option('--since <date>', 'only what happened since DATE (YYYY-MM-DD, ISO date-time, or 7d / 4w / 12h)')
    .option('--campaign <name>', 'only this campaign')
    .addOption(new Option('--format <format>', 'table, csv, json or html (--json also means json)').choices(FORMATS))
    .option('-o, --output <file>', 'write to FILE instead of stdout')
    .option('--days <n>', 'days of per-day history for mailboxes and activity, without --since (default 14 and 30)', intOption('--days', { min: 1, max: 366 }))
    .option('--warm-limit <n>', 'WARM replies to list, newest first, in the full report and `report warm` (default 20; 0: only their number)', intOption('--warm-limit', { min: 0, max: 100000 }))
    .action(
      action(async (ctx, opts: Opts, kindArg?: string) => {
        if (kindArg !== undefined && !(KINDS as readonly string[]).includes(kindArg)) {
          throw new UsageError(`Unknown report "${kindArg}".`, `Choose one of: ${KINDS.join(', ')}.`);
        }
        const kind = kindArg as (typeof KINDS)[number] | undefined;
        if (ctx.json && opts.format && opts.format !== 'json') throw new UsageError(`--json and --format ${opts.format} disagree; pass one of them.`);
        const format = opts.format ?? (ctx.json ? 'json' : 'table');
        if (format === 'csv' && !kind) throw new UsageError('--format csv writes one table: name the report, e.g. `outreach report variants --format csv`.');
        if (opts.warmLimit !== undefined && kind && kind !== 'warm') {
          throw new UsageError(`--warm-limit applies to the full report and \`outreach report warm\`, not to "${kind}".`);
        }
        const since = opts.since ? parseSince(opts.since) : null;
        const { buildReport, findCampaign, campaignNames, REPORT_KINDS, WARM_LIMIT } = await import('../../stages/report/index.js');
        const db = ctx.db({ create: false });
        let campaignId: number | null = null;
        if (opts.campaign) {
          const c = findCampaign(db, opts.campaign);
          if (!c) {
            const names = campaignNames(db);
            throw new UserError(`No campaign named "${opts.campaign}".`, names.length ? `Campaigns: ${names.join(', ')}.` : 'There are no campaigns yet.');
          }
          campaignId = c.id;
        }
        const sp = ctx.out.spinner('Computing the report');
        const withWarm = !kind || kind === 'warm';
        const report = buildReport(db, kind === 'warm' ? [] : kind ? [kind] : REPORT_KINDS, {
          since, campaignId, campaignName: opts.campaign ?? null, days: opts.days, activity: format === 'html' && !kind,
          warm: withWarm ? (opts.warmLimit ?? WARM_LIMIT) : false,
        });
        sp.stop();
        let text: string;
        if (format === 'json') {
          text = JSON.stringify(report, null, 2) + '\n';
        } else if (format === 'html') {
          const { renderReportHtml } = await import('../../domain/report-html.js');
          text = renderReportHtml(report);
        } else {
          const { flatTables } = await import('../../stages/report/tables.js');
          if (format === 'csv') {
            const { stringify } = await import('csv-stringify/sync');
            const { neutralizeCell } = await import('../../domain/csv.js');
            const tables = flatTables(report, kind!, 'csv');
            // Several tables (funnel: stages and rates) are written one after another, a blank line apart.
            // Text a spreadsheet would run as a formula (a reply's subject, a campaign name) gets a leading apostrophe.
            const cell = (v: string | number | null) => (v === null ? '' : typeof v === 'string' ? neutralizeCell(v) : v);
            text = tables.map((t) => stringify([t.columns, ...t.rows.map((r) => r.map(cell))])).join('\n');
          } else {
            if (opts.output) {
              throw new UsageError('-o writes a file: use it with --format csv, json or html.');
            }
            const scope = [opts.campaign ? `campaign ${opts.campaign}` : 'all campaigns', since ? `since ${since.slice(0, 10)}` : 'all time'].join(', ');
            ctx.out.print(ctx.out.c.dim(`Outreach report: ${scope}`));
            // The WARM replies come first: they are what the operator should act on within minutes.
            for (const k of kind ? [kind] : (['warm', ...REPORT_KINDS] as const)) {
              for (const t of flatTables(report, k, 'terminal')) {
                ctx.out.print('');
                ctx.out.print(k === 'warm' && t.rows.length ? ctx.out.c.green.bold(`★ ${t.title}`) : ctx.out.c.bold(t.title));
                if (k === 'warm' && !t.rows.length) {
                  for (const n of t.notes) ctx.out.print('  ' + ctx.out.c.dim(n));
                  continue;
                }
                ctx.out.table(t.rows, t.columns.map((h, i) => ({ header: h, value: (r: (string | number | null)[]) => r[i], align: t.numeric[i] ? 'right' : 'left' })));
                for (const n of t.notes) ctx.out.print((/at or above|5% or more/.test(n) ? ctx.out.c.red('! ') : /approaching|over 2%|over the ramp|paused|auth_failed/.test(n) ? ctx.out.c.yellow('! ') : '  ') + n);
              }
            }
            return;
          }
        }
        if (opts.output) {
          const { writeFileSync, renameSync } = await import('node:fs');
          const { resolve } = await import('node:path');
          const dest = resolve(opts.output);
          const tmp = `${dest}.${process.pid}.tmp`;
          try {
            writeFileSync(tmp, text);
            renameSync(tmp, dest);
          } catch (err) {
            throw new UserError(`Cannot write ${dest}: ${(err as Error).message}`);
          }
          ctx.out.success(`Wrote the ${kind ?? 'full'} report (${format}) to ${dest}`);
        } else {
          ctx.out.write(text);
        }
      }),
    );
  examples(cmd, [
    'outreach report                              WARM replies to answer, then every section as tables',
    'outreach report warm --since 1d              who replied warmly since yesterday',
    'outreach report warm --format csv -o warm.csv',
    'outreach report funnel --since 7d            the last week',
    'outreach report variants --campaign spring   A/B results of one campaign',
    'outreach report mailboxes --json             for a monitoring script',
    'outreach report variants --format csv -o ab.csv',
    'outreach report --format html -o report.html one self-contained file, opens offline',
  ]);
}
