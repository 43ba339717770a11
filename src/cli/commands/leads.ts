// `outreach leads import|export|list|show|tag|forget`: leads in and out.
import { Command, Option } from 'commander';
import { closeSync, createWriteStream, fchmodSync, fstatSync, fchownSync, lstatSync, openSync, readSync, readlinkSync, realpathSync, renameSync, statSync, unlinkSync, type Stats } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { EventEmitter } from 'node:events';
import { canonicalPath, databaseFileOf } from '../../db/files.js';
import { action, type Ctx } from '../context.js';
import { cleanCell, type Column } from '../output.js';
import { examples, intOption } from '../help.js';
import { UsageError, UserError, fsReason } from '../../errors.js';
import { ALL_STAGES } from '../../domain/lead.js';
import { normalizeCountry } from '../../domain/normalize.js';
import { TAG_MAX_LENGTH, splitTagList, tagProblem } from '../../domain/tags.js';
import type { LeadFilter, LeadSort } from '../../stages/leads/query.js';

/** The filter flags as commander parses them: the same as LeadFilter, but stages come comma-separated. */
type FilterOpts = Omit<LeadFilter, 'stage' | 'shopify'> & { stage?: string };

function addFilterOptions(cmd: Command): Command {
  return cmd
    .option('--stage <stages>', `only leads at these stages, comma-separated (${ALL_STAGES.join(', ')})`)
    .option('--tag <tag>', 'only leads with this tag')
    .option('--country <country>', 'only leads in this country (ISO code or name: FR, USA, "United States", Deutschland)')
    .option('--min-fit <n>', 'fit score at least N', intOption('--min-fit', { min: 0, max: 100 }))
    .option('--max-fit <n>', 'fit score at most N', intOption('--max-fit', { min: 0, max: 100 }))
    .option('--min-intent <n>', 'intent score at least N', intOption('--min-intent', { min: 0, max: 100 }))
    .option('--max-intent <n>', 'intent score at most N', intOption('--max-intent', { min: 0, max: 100 }))
    .option('--search <text>', 'domain, company or email containing TEXT');
}

function toFilter(o: FilterOpts): LeadFilter {
  // An empty value (`--tag "$SEGMENT"` with the variable unset) is a mistake, never "no filter": exporting every lead
  // to a CRM in its place would send the whole database's personal data.
  for (const [flag, value, what, hint] of [
    ['--tag', o.tag, 'tag', 'Give a tag (--tag priority), or leave --tag out for every lead.'],
    ['--stage', o.stage, 'stage', `Stages: ${ALL_STAGES.join(', ')}; or leave --stage out for every lead.`],
    ['--search', o.search, 'search text', 'Give the text to look for, or leave --search out for every lead.'],
  ] as const) {
    if (value !== undefined && !(flag === '--stage' ? value.replace(/,/g, '') : value).trim()) throw new UsageError(`${flag}: no ${what} given`, hint);
  }
  // stages are stored in lower case; `Replied` is `replied`, as --tag and --search ignore case
  const stage = o.stage?.split(',').map((s) => s.trim().toLowerCase()).filter(Boolean);
  for (const s of stage ?? []) {
    if (!(ALL_STAGES as readonly string[]).includes(s)) throw new UsageError(`--stage: unknown stage "${s}"`, `Stages: ${ALL_STAGES.join(', ')}`);
  }
  let country: string | undefined;
  if (o.country !== undefined) {
    // as the import stores it: ISO 3166-1 alpha-2
    const c = normalizeCountry(o.country);
    if (!c.ok) throw new UsageError(`--country: ${o.country.trim() ? `"${o.country}" is not a country name or ISO code` : 'no country given'}`, 'Give an ISO code (FR, US, DE) or a country name ("United States", Deutschland).');
    country = c.value;
  }
  // An empty range is a typo (swapped bounds), not a question whose answer is "no leads".
  for (const [what, min, max] of [['fit', o.minFit, o.maxFit], ['intent', o.minIntent, o.maxIntent]] as const) {
    if (min !== undefined && max !== undefined && min > max) {
      throw new UsageError(`--min-${what} ${min} is above --max-${what} ${max}: no lead can match.`, `Swap them: --min-${what} ${max} --max-${what} ${min}.`);
    }
  }
  return { stage, tag: o.tag, country, minFit: o.minFit, maxFit: o.maxFit, minIntent: o.minIntent, maxIntent: o.maxIntent, search: o.search };
}

function parseMap(values: string[] | undefined): Record<string, string> {
  const map: Record<string, string> = {};
  for (const v of values ?? []) {
    const i = v.lastIndexOf('=');
    if (i <= 0 || i === v.length - 1) throw new UsageError(`--map expects COLUMN=FIELD, got "${v}"`);
    map[v.slice(0, i).trim()] = v.slice(i + 1).trim();
  }
  return map;
}

const collect = (v: string, prev: string[] = []) => [...prev, v];

/**
 * Tags from the command line, split and normalized as an import reads them (src/domain/tags.ts). With `validate`
 * (the default), a tag the rules refuse is a usage error (exit 2). `leads tag --remove` does not validate: a bad
 * tag stored before must remain removable.
 */
export function splitTags(values: string[], { validate = true }: { validate?: boolean } = {}): string[] {
  const tags = splitTagList(values);
  if (validate) {
    for (const t of tags) {
      const problem = tagProblem(t);
      if (problem) throw new UsageError(`${problem.message[0]!.toUpperCase()}${problem.message.slice(1)}.`, problem.hint);
    }
  }
  return tags;
}

/** The real path of p, following symbolic links, also when p (or what a link names) does not exist yet. */
const SQLITE_MAGIC = Buffer.from('SQLite format 3\0', 'latin1');

/** Does this regular file start with SQLite's 16-byte header? (An unreadable file: we cannot tell, so no.) */
function isSqliteFile(path: string): boolean {
  let fd: number | undefined;
  try {
    fd = openSync(path, 'r');
    const head = Buffer.alloc(16);
    return readSync(fd, head, 0, 16, 0) === 16 && head.equals(SQLITE_MAGIC);
  } catch {
    return false;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/**
 * Refuses an output file that is the database or one of its journal files (-wal, -shm, -journal), by real path
 * (symbolic links followed) and by device + inode (hard links, bind mounts), or any other SQLite database:
 * `leads export -o x.db` one tab-completion away from the database must not replace it with CSV.
 */
export function refuseDatabaseTarget(output: string, dbPath: string, flag: string, existing?: Stats | null): void {
  let st: Stats | null = existing ?? null;
  if (existing === undefined) {
    try {
      st = statSync(output);
    } catch {
      // does not exist yet
    }
  }
  const suffix = databaseFileOf(output, dbPath, st);
  if (suffix !== null) {
    throw new UserError(
      suffix
        ? `${flag} ${output} is the database's ${suffix.slice(1)} file (${canonicalPath(dbPath)}${suffix}): writing there would corrupt the database.`
        : `${flag} ${output} is the database itself (${dbPath}): writing there would destroy it.`,
      'Give another file name.',
    );
  }
  const target = canonicalPath(output);
  if (st?.isFile() && isSqliteFile(target)) {
    throw new UserError(`${flag} ${output} is an SQLite database: refusing to overwrite it.`, 'Give another file name (or delete that file first if it really is not needed).');
  }
}

/**
 * Where `-o FILE` writes: through a symbolic link to its target (also a dangling link's), with what is there now
 * (null: nothing yet). A folder is refused.
 */
function exportTarget(shown: string): { path: string; existing: Stats | null; fd?: number } {
  // -o /dev/stdout (or stderr, /dev/fd/N): this process's own descriptor, which may be a socket that cannot be
  // opened again by name.
  const std = /^\/dev\/(?:(stdout)|(stderr)|fd\/(\d+))$|^\/proc\/self\/fd\/(\d+)$/.exec(shown);
  if (std) {
    const fd = std[1] ? 1 : std[2] ? 2 : Number(std[3] ?? std[4]);
    try {
      return { path: shown, existing: fstatSync(fd), fd };
    } catch {
      throw new UserError(`Cannot write ${shown}: no such open file descriptor`);
    }
  }
  let path = shown;
  try {
    path = realpathSync(shown);
  } catch {
    try {
      if (lstatSync(shown).isSymbolicLink()) path = resolve(dirname(shown), readlinkSync(shown));
    } catch {
      // nothing there yet
    }
  }
  let existing: Stats | null = null;
  try {
    existing = statSync(path);
  } catch {
    // a new file
  }
  if (existing?.isDirectory()) throw new UserError(`Cannot write ${shown}: it is a folder`, 'Give a file name with -o FILE.');
  return { path, existing };
}

/**
 * The export file, written through FILE.tmp-PID then renamed into place: a failure midway (disk full, a
 * missing folder) leaves no partial file behind. It is what exportLeads writes to. A write error, which a
 * plain fs.WriteStream reports as an 'error' event while exportLeads may be waiting for 'drain', wakes it up,
 * aborts the export (through `signal`, so that the export ends its query cleanly) and is thrown by finish().
 */
class ExportFile extends EventEmitter {
  readonly tmp: string;
  /** The file written: a symbolic link's target (the link stays a link). */
  private readonly path: string;
  /** Not a regular file (`-o /dev/stdout`, a named pipe): written in place, never replaced. */
  private readonly direct: boolean;
  readonly signal: AbortSignal;
  private readonly stream: ReturnType<typeof createWriteStream>;
  private readonly stop = new AbortController();
  private error: Error | null = null;

  constructor(readonly shown: string, interrupt: AbortSignal, dbPath: string) {
    super();
    const target = exportTarget(shown);
    refuseDatabaseTarget(shown, dbPath, '-o', target.existing);
    this.path = target.path;
    this.direct = target.existing !== null && !target.existing.isFile();
    this.tmp = this.direct ? target.path : `${target.path}.tmp-${process.pid}`;
    let fd: number;
    try {
      fd = target.fd ?? openSync(this.tmp, 'w', 0o666);
      // The new file takes the old one's permissions (and owner, where we may set it): an export over a
      // 0600 file stays private.
      const old = target.existing;
      if (old?.isFile()) {
        fchmodSync(fd, old.mode & 0o7777);
        if (old.uid !== process.getuid?.() || old.gid !== process.getgid?.()) {
          try {
            fchownSync(fd, old.uid, old.gid);
          } catch {
            // not ours to give away: the file is ours, with the old permissions
          }
        }
      }
    } catch (err) {
      throw new UserError(`Cannot write ${shown}: ${fsReason(err)}`);
    }
    this.stream = createWriteStream(this.tmp, { fd, autoClose: target.fd === undefined });
    this.stream.on('error', (err) => {
      this.error ??= err;
      this.stop.abort();
      this.emit('drain');
    });
    this.stream.on('drain', () => this.emit('drain'));
    this.signal = this.stop.signal;
    if (interrupt.aborted) this.stop.abort();
    else interrupt.addEventListener('abort', () => this.stop.abort(), { once: true });
  }

  /** After an error, what is left to write is dropped (the export stops at its next piece). */
  write(text: string): boolean {
    if (this.error) return true;
    return this.stream.write(text);
  }

  private failure(): UserError {
    return new UserError(`Cannot write ${this.shown}: ${fsReason(this.error)}`);
  }

  /** Flushes and closes the file, then moves it into place. */
  async finish(): Promise<void> {
    if (this.error) throw this.failure();
    await new Promise<void>((ok, fail) => this.stream.end((err?: Error | null) => (err ? fail(err) : ok())));
    if (this.error) throw this.failure();
    if (this.direct) return;
    try {
      renameSync(this.tmp, this.path);
    } catch (err) {
      throw new UserError(`Cannot write ${this.shown}: ${fsReason(err)}`);
    }
  }

  /** Closes and removes the temporary file (after a failure or an interruption). */
  discard(): void {
    this.stream.destroy(); // closes the descriptor
    if (this.direct) return;
    try {
      unlinkSync(this.tmp);
    } catch {
      // never created, or already gone
    }
  }
}

export function register(program: Command): void {
  const leads = program.command('leads').description('import, export, list, show, tag and forget leads');
  examples(leads, ['outreach leads import leads.csv', 'outreach leads list --sort fit --min-fit 60', 'outreach leads export --format csv > leads.csv']);

  examples(
    leads
      .command('import')
      .argument('<file>', "CSV file, or '-' for stdin")
      .description('import leads from CSV (comma or semicolon, UTF-8 with or without BOM); never touches the network')
      .addHelpText(
        'after',
        '\nA `suppressed` column (as `leads export` writes it) keeps suppressions across databases: a row whose cell\n' +
          `holds a reason (${'unsubscribed, bounced, complained, manual, imported, left_company'}) puts its address (or,\n` +
          'with no address, the store\'s domain) on the suppression list with that reason; any other non-empty value\n' +
          'is a bad row. Without that column, a `stage` of unsubscribed or bounced does the same. Nothing already on\n' +
          'the list is changed, and a forgotten person is never stored again.',
      )
      .option('--map <column=field>', 'map a column to a field (repeatable): domain, company, email, first_name, last_name, full_name, country, title, phone, tags, notes, suppressed, stage', collect)
      .option('--skip-invalid', 'import the good rows and report the rejected ones (default: refuse the whole file)')
      .option('--rejects <file>', 'with --skip-invalid, write the rejected rows (with line and reason) to this CSV')
      .option('--tag <tag>', 'tag every imported lead (repeatable)', collect)
      .action(
        action(
          async (ctx, opts: { map?: string[]; skipInvalid?: boolean; rejects?: string; tag?: string[] }, file: string) => {
            if (opts.rejects && !opts.skipInvalid) throw new UsageError('--rejects needs --skip-invalid');
            const tags = opts.tag ? splitTags(opts.tag) : undefined;
            const { importLeads } = await import('../../stages/leads/import.js');
            const sp = ctx.out.spinner(`Importing ${file === '-' ? 'stdin' : file}`);
            let r;
            try {
              r = await importLeads(ctx.db(), {
                file,
                map: parseMap(opts.map),
                skipInvalid: opts.skipInvalid,
                rejectsFile: opts.rejects,
                tags,
                signal: ctx.signal,
                onProgress: (n) => sp.update(`Importing ${file}: ${n.toLocaleString('en-US')} rows`),
              });
            } finally {
              sp.stop();
            }
            if (ctx.verbose && r.cpu) ctx.out.info(`CPU: ${r.cpu.main.toFixed(2)} s inserting (main thread), ${r.cpu.parser.toFixed(2)} s parsing (parser thread)`);
            ctx.count('rows', r.rows);
            ctx.count('created', r.leadsCreated);
            ctx.count('merged', r.leadsMerged);
            ctx.count('rejected', r.rejectedCount);
            ctx.count('suppressed_from_file', r.suppressedFromFile);
            ctx.count('suppressions_added', r.suppressionsAdded);
            const label = r.file;
            if (ctx.json) {
              ctx.out.printJson({
                file: label,
                committed: r.committed,
                rows: r.rows,
                leads_created: r.leadsCreated,
                leads_merged: r.leadsMerged,
                contacts_added: r.contacts,
                skipped_forgotten: r.skippedForgotten,
                suppressed: r.suppressed,
                suppressed_from_file: r.suppressedFromFile,
                suppressions_added: r.suppressionsAdded,
                ignored_columns: r.ignoredColumns,
                skipped_blank: r.skippedBlank,
                // the first 1,000 (the --rejects file has them all); rejected_count: all of them
                rejected: r.rejected.map((x) => ({ line: x.line, reason: x.reason })),
                rejected_count: r.rejectedCount,
                rejects_file: opts.rejects ?? null,
                // rows imported with a value left out (an unknown country): the first 1,000, then the count
                warnings: r.warnings,
                warning_count: r.warningCount,
              });
            } else {
              if (r.ignoredColumns.length) ctx.out.info(`Ignored columns: ${r.ignoredColumns.join(', ')} (map them with --map COLUMN=FIELD)`);
              // Every bad row of a refused file (one line each) up to the 1,000 kept, 20 of an imported one (-v: the
              // 1,000), then one line for the rest.
              const shown = r.rejected.slice(0, ctx.verbose || !r.committed ? Infinity : 20);
              for (const x of shown) ctx.out.warn(`${label}:${x.line}: ${x.reason}`);
              // Rows imported with a value left out: 20 (-v: the 1,000 kept), then a count.
              const warned = r.warnings.slice(0, ctx.verbose ? Infinity : 20);
              for (const w of warned) ctx.out.warn(`${label}:${w.line}: warning: ${w.message}`);
              if (r.warningCount > warned.length) {
                const rest = r.warningCount - warned.length;
                ctx.out.warn(`… and ${rest.toLocaleString('en-US')} more row${rest > 1 ? 's' : ''} with a warning${warned.length < r.warnings.length ? ' (-v shows up to 1,000)' : ''}`);
              }
              const more = r.rejectedCount - shown.length;
              if (more > 0) {
                ctx.out.warn(
                  `… and ${more.toLocaleString('en-US')} more bad row${more > 1 ? 's' : ''}` +
                    (opts.rejects
                      ? ` (all of them are in ${opts.rejects})`
                      : r.committed
                        ? ` (see --rejects FILE${shown.length < r.rejected.length ? ' or -v' : ''})`
                        : ' (--skip-invalid --rejects FILE writes them all to a CSV)'),
                );
              }
            }
            if (!r.committed) {
              if (!ctx.json) {
                ctx.out.error(
                  `${label}: ${r.rejectedCount.toLocaleString('en-US')} bad row${r.rejectedCount > 1 ? 's' : ''}; nothing was imported.`,
                  'Fix them, or pass --skip-invalid to import the good rows (and --rejects FILE to keep the bad ones).',
                );
              }
              process.exitCode = 1;
              return;
            }
            if (!ctx.json) {
              ctx.out.success(
                `${label}: ${plural(r.rows, 'row')} → ${plural(r.leadsCreated, 'new lead')}, ${r.leadsMerged} merged into existing, ${plural(r.contacts, 'new contact')}` +
                  (r.rejectedCount ? `, ${r.rejectedCount} rejected` : '') +
                  (r.suppressedFromFile ? `, ${r.suppressedFromFile} suppressed from the file (${r.suppressionsAdded} new on the suppression list)` : '') +
                  (r.skippedForgotten ? `, ${r.skippedForgotten} skipped (forgotten on request)` : '') +
                  (r.skippedBlank ? `, ${plural(r.skippedBlank, 'blank row')} skipped` : ''),
              );
              if (opts.rejects && r.rejectsWritten !== undefined) {
                ctx.out.info(
                  r.rejectsWritten
                    ? `${plural(r.rejectsWritten, 'rejected row')} written to ${opts.rejects}.`
                    : `No rejected rows: ${opts.rejects} now holds only the header line.`,
                );
              }
              if (r.suppressed) {
                ctx.out.info(`${r.suppressed} row${r.suppressed > 1 ? 's name' : ' names'} a suppressed address or domain: stored, and never mailed (see \`outreach suppress list\`).`);
              }
            }
          },
          // The settings modules stay loaded here: without them the import's peak RSS was 14 MB higher (219 against
          // 205 MB on 1,000,000 rows: V8's young generation grows differently), for no measurable time.
          { audit: true },
        ),
      ),
    [
      'outreach leads import leads.csv',
      'outreach leads import export.csv --map "Shop URL=domain" --map "Owner=full_name"',
      'cat leads.csv | outreach leads import - --skip-invalid --rejects rejected.csv',
    ],
  );

  examples(
    addFilterOptions(
      leads
        .command('export')
        .description('export leads as CSV (spreadsheet-safe), JSON or JSON Lines, to stdout or a file')
        .addHelpText(
          'after',
          '\nColumns (CSV header, JSON keys), new ones last: domain, company, email, first_name, last_name, title, phone,\n' +
            'country, stage, is_shopify, fit, intent, tags, url, source, created_at, suppressed, notes.\n' +
            'suppressed: why the contact must never be mailed (unsubscribed, bounced, complained, manual, left_company…:\n' +
            'its address, its domain or the store\'s domain is on the suppression list); empty in CSV, null in JSON, if not.\n' +
            'email: the lead\'s first contact that may be mailed (not suppressed, not invalid), else its first contact.\n' +
            '--all-contacts writes every contact (one row or object each); `leads import` reads such a file back, the\n' +
            'suppressed column included, so exports round-trip.',
        )
        .addOption(new Option('--format <format>', 'output format (default: csv; json with --json)').choices(['csv', 'json', 'jsonl']))
        .option('-o, --output <file>', "write to FILE instead of stdout ('-' = stdout); never over the database or another SQLite file")
        .option('--excel', 'add a UTF-8 byte-order mark so Excel opens accents correctly')
        .option('--exclude-suppressed', 'leave out leads none of whose contacts may be mailed (every address, or its domain, on the suppression list)')
        .option('--all-contacts', "one row per contact (the lead's columns repeated; the one that may be mailed first): imports back as the same leads")
        .addOption(new Option('--sort <key>', 'order').choices(['fit', 'intent', 'domain', 'company', 'created', 'stage']).default('created'))
        .option('--threads <n>', 'worker threads formatting a big export in the default order (1 = none)', intOption('--threads', { min: 1, max: 16 }), 2),
    ).action(
      action(async (ctx, opts: FilterOpts & { format?: 'csv' | 'json' | 'jsonl'; output?: string; excel?: boolean; sort: LeadSort; threads: number; excludeSuppressed?: boolean; allContacts?: boolean }) => {
        if (ctx.json && opts.format === 'csv') throw new UsageError('--json and --format csv disagree; pass one of them.', 'CSV: --format csv (the default); JSON: --json or --format json; JSON Lines: --format jsonl.');
        const format = opts.format ?? (ctx.json ? 'json' : 'csv');
        // The byte-order mark is for spreadsheets, which open CSV: on JSON it would be ignored, or break a parser.
        if (opts.excel && format !== 'csv') throw new UsageError(`--excel applies to CSV only, not to ${format === 'json' ? 'JSON' : 'JSON Lines'}.`, 'Drop --excel, or export CSV (--format csv).');
        const { exportLeads } = await import('../../stages/leads/export.js');
        const filter = { ...toFilter(opts), excludeSuppressed: Boolean(opts.excludeSuppressed) };
        const options = { format, filter, sort: opts.sort, excel: opts.excel, signal: ctx.signal, threads: opts.threads, allContacts: Boolean(opts.allContacts) };
        if (!opts.output || opts.output === '-') {
          await exportLeads(ctx.db({ create: false }), process.stdout, options);
          return;
        }
        const db = ctx.db({ create: false }); // a database error is reported before any file is made
        const file = new ExportFile(opts.output, ctx.signal, ctx.dbPath);
        let n: number;
        try {
          n = await exportLeads(db, file as unknown as NodeJS.WritableStream, { ...options, signal: file.signal });
          if (ctx.signal.aborted) throw new UserError(`Interrupted: ${opts.output} was not written.`);
          await file.finish();
        } catch (err) {
          file.discard();
          if (err instanceof UserError) throw err;
          const code = (err as NodeJS.ErrnoException).code;
          if (typeof code === 'string' && code.startsWith('E')) throw new UserError(`Cannot write ${opts.output}: ${fsReason(err)}`);
          throw err;
        }
        ctx.out.success(`Exported ${n} leads to ${opts.output}`);
      }, { settings: false }),
    ),
    [
      'outreach leads export > leads.csv',
      'outreach leads export --min-fit 60 --excel -o hot-leads.csv',
      'outreach leads export --format jsonl --tag jewelry | jq .email',
      'outreach leads export --exclude-suppressed -o crm.csv      leave out unsubscribed, bounced… contacts',
      'outreach leads export --all-contacts -o backup.csv          every contact; `leads import backup.csv` elsewhere restores them',
    ],
  );

  examples(
    addFilterOptions(
      leads
        .command('list')
        .description('list leads in a table (or --json)')
        .addOption(new Option('--sort <key>', 'order').choices(['fit', 'intent', 'domain', 'company', 'created', 'stage']).default('created'))
        .option('--limit <n>', `at most N leads, 0 = all (default: ${LIST_TABLE_LIMIT} in a table, all with --json)`, intOption('--limit', { min: 0 })),
    ).action(
      action(async (ctx, opts: FilterOpts & { sort: LeadSort; limit?: number }) => {
        const { iterateLeads, countLeads } = await import('../../stages/leads/query.js');
        const filter = toFilter(opts);
        // A table is for a person: a screenful by default. JSON is for a script: every matching lead unless it
        // asks for fewer, as `suppress list` and `leads export` do (a silently cut list is a wrong answer).
        const limit = opts.limit ?? (ctx.json ? 0 : LIST_TABLE_LIMIT);
        const db = ctx.db({ create: false });
        const rows = iterateLeads(db, filter, opts.sort, limit);
        const shown = ctx.json ? await streamJsonList(ctx, rows) : await streamLeadTable(ctx, rows);
        if (ctx.signal.aborted) {
          // the exit code of an interrupted command is the context's (see action())
          ctx.out.warn(`Interrupted after ${plural(shown, 'lead')}: the list is incomplete.`);
          return;
        }
        if (limit > 0 && shown === limit) {
          const total = countLeads(db, filter);
          if (total > shown) ctx.out.info(`${shown} of ${total} leads shown (--limit 0 for all)`);
        }
      }, { settings: false }),
    ),
    [
      'outreach leads list',
      'outreach leads list --sort fit --min-fit 60',
      'outreach leads list --limit 0 | less -S                  # every lead, as a table (streamed)',
      'outreach leads list --stage confirmed,enriched --json    # every matching lead: --json has no default limit',
      'outreach leads list --search anna@bücher.de              # an IDN email as typed (Unicode or punycode)',
    ],
  );

  examples(
    leads
      .command('show')
      .argument('<domain>', 'the store domain')
      .description("a lead's details, contacts, facts, score and timeline")
      .action(
        action(async (ctx, _opts, domain: string) => {
          const { showLead, findLeadId } = await import('../../stages/leads/query.js');
          const db = ctx.db({ create: false });
          const s = showLead(db, findLeadId(db, domain));
          if (ctx.json) return ctx.out.printJson(s);
          printLead(ctx, s);
        }, { settings: false }),
      ),
    ['outreach leads show mystore.com', 'outreach leads show mystore.com --json'],
  );

  examples(
    leads
      .command('tag')
      .argument('<domain>', 'the store domain')
      .argument('<tags...>', `one or more tags ('a;b', 'a,b' and 'a|b' are two tags, as in an import); each at most ${TAG_MAX_LENGTH} characters, no control or invisible characters`)
      .option('--remove', 'remove the tags instead of adding them (a tag the lead does not have is named on stderr; exit 0)')
      .description('add or remove tags on a lead')
      .action(
        action(
          async (ctx, opts: { remove?: boolean }, domain: string, tags: string[]) => {
            const { findLead } = await import('../../stages/leads/query.js');
            const { tx } = await import('../../db/open.js');
            const { addEvent } = await import('../../db/events.js');
            // checked before the lead is looked up: a bad tag is a usage error (exit 2) whatever the lead
            const clean = splitTags(tags, { validate: !opts.remove });
            if (!clean.length) throw new UsageError('No tag given (tags are split on ; , and |).');
            const db = ctx.db();
            const { id, domain: stored, domainUnicode } = findLead(db, domain);
            let changed = 0;
            const done: string[] = [];
            const untouched: string[] = [];
            tx(db, () => {
              const stmt = opts.remove
                ? db.sqlite.prepare('DELETE FROM lead_tags WHERE lead_id = ? AND tag = ?')
                : db.sqlite.prepare('INSERT OR IGNORE INTO lead_tags (lead_id, tag) VALUES (?, ?)');
              for (const t of clean) {
                const n = stmt.run(id, t).changes;
                changed += n;
                (n ? done : untouched).push(t);
              }
              // the event names what really changed, not what was asked
              if (changed) addEvent(db, { leadId: id, type: 'tagged', data: opts.remove ? { removed: done } : { added: done } });
            });
            // the audit row (runs.counts) says what the command did: tags added or removed, and those already so
            ctx.count(opts.remove ? 'removed' : 'added', changed);
            ctx.count(opts.remove ? 'missing' : 'already_there', untouched.length);
            const now = (db.sqlite.prepare('SELECT tag FROM lead_tags WHERE lead_id = ? ORDER BY tag').all(id) as { tag: string }[]).map((r) => r.tag);
            const name = cleanCell(domainUnicode);
            const list = (xs: string[]) => xs.map((x) => cleanCell(x)).join(', ');
            const current = now.length ? list(now) : '(none)';
            // Removing a tag the lead does not have is not an error (exit 0: the lead ends without the tag, as asked,
            // and a script removing `pending` from many leads must not fail on those without it; `suppress remove`
            // of an address not listed does the same), but it is never reported as a removal: a warning on stderr
            // names the missing tags, and --json lists them in `missing`.
            if (opts.remove && untouched.length) {
              ctx.out.warn(`${name} had no tag ${list(untouched)}${done.length ? '' : ': nothing removed'}.`);
            }
            // the stored (normalized) domain, not the spelling given
            if (ctx.json) {
              ctx.out.printJson({ domain: stored, domain_unicode: domainUnicode, tags: now, changed, ...(opts.remove ? { missing: untouched } : {}) });
            } else if (opts.remove && !done.length) ctx.out.info(`${name}: tags ${current}`);
            else if (opts.remove) ctx.out.success(`${name}: removed ${list(done)}; tags ${current}`);
            else ctx.out.success(`${name}: tags ${current}`);
          },
          { audit: true, settings: false },
        ),
      ),
    ['outreach leads tag mystore.com priority jewelry', 'outreach leads tag mystore.com priority --remove'],
  );

  examples(
    leads
      .command('forget')
      .argument('<email-or-domain>', 'a person’s email, or a store’s domain')
      .option('-y, --yes', 'do not ask for confirmation')
      .option('--force', 'forget a DOMAIN that no lead, contact or suppression has (default: refused, a typo?)')
      .description('GDPR erasure: delete the data everywhere (raw mail included), keep only a hash so they are never imported or mailed again')
      .addHelpText(
        'after',
        '\nEMAIL also deletes the lead of the person\'s own domain (jane@janedoe.com: janedoe.com) when it was made from\n' +
          'the address alone (an email-only import: no website) and no other contact or mail is linked to it; otherwise\n' +
          'the lead stays, and the command says so. DOMAIN refuses a public suffix (co.uk), a free-mail provider (gmail.com) and a platform\n' +
          '(instagram.com, etsy.com): the block could never be lifted and would cover everyone there.',
      )
      .action(
        action(
          async (ctx, opts: { yes?: boolean; force?: boolean }, target: string) => {
            if (!opts.yes && !process.stdin.isTTY) throw new UserError('Forgetting cannot be undone: pass --yes to confirm when not at a terminal.');
            const { forget, checkDomainTarget } = await import('../../stages/leads/forget.js');
            // A domain that must not be forgotten is refused before the question (usage error, exit 2).
            if (!target.includes('@')) checkDomainTarget(ctx.db(), target, opts.force);
            if (!opts.yes) {
              const { confirm } = await import('@inquirer/prompts');
              if (!(await confirm({ message: `Erase every record of ${target}? This cannot be undone.`, default: false }))) {
                ctx.out.info('Nothing erased.');
                return;
              }
            }
            const r = forget(ctx.db(), target, { force: opts.force });
            // The audit row records how much was erased, never whom (the target itself is redacted from runs).
            ctx.count('leads_deleted', r.leadsDeleted);
            ctx.count('contacts_deleted', r.contactsDeleted);
            ctx.count('inbound_deleted', r.inboundDeleted);
            ctx.count('drafts_deleted', r.draftsDeleted);
            ctx.count('facts_deleted', r.factsDeleted);
            ctx.count('events_deleted', r.eventsDeleted);
            ctx.count('messages_anonymized', r.messagesAnonymized);
            ctx.count('messages_cancelled', r.messagesCancelled);
            ctx.count('suppressions_hashed', r.suppressionsHashed);
            ctx.count('redacted', r.redacted);
            if (ctx.json) return ctx.out.printJson(r);
            ctx.out.success(
              `Forgot ${target}: ${plural(r.leadsDeleted, 'lead')}, ${r.contactsDeleted} contacts, ${r.inboundDeleted} inbound mails, ${r.draftsDeleted} drafts, ${r.factsDeleted} facts deleted; ${r.messagesAnonymized} sent messages anonymized` +
                (r.messagesCancelled ? `, ${plural(r.messagesCancelled, 'unsent message')} cancelled` : '') +
                '. Only a hash remains, on the suppression list.',
            );
            for (const l of r.ownDomainLeads) {
              if (l.deleted) ctx.out.info(`The lead ${l.domain} was deleted with it: ${l.why}.`);
              else ctx.out.info(`The lead ${l.domain} (the address's own domain) stays: ${l.why}. If it is the person's own, \`outreach leads forget ${l.domain}\` erases it.`);
            }
            ctx.out.info('Backups made before now still hold the data: delete or re-make them.');
          },
          { audit: true, settings: false },
        ),
      ),
    ['outreach leads forget jane@mystore.com --yes', 'outreach leads forget mystore.com --yes'],
  );
}

/** `leads list` shows this many leads in a table unless --limit says otherwise (JSON: all). */
const LIST_TABLE_LIMIT = 50;
/**
 * A table of more rows than this is streamed: printed in pieces of this many rows, never held whole in memory
 * (a million leads took 880 MB as one table). A shorter one is printed at once by Output.table.
 */
const TABLE_PIECE = 2000;

/** Lets a pending Ctrl-C (SIGINT, SIGTERM) reach the context between pieces of a long, synchronous listing. */
const yieldToSignals = () => new Promise<void>((ok) => setImmediate(ok));

/**
 * Waits until stdout has taken what was written, when it asks to (a pipe to `less` or `cat` is written
 * asynchronously: without this a million rows would queue in memory faster than the reader takes them). Ends
 * at Ctrl-C too (a reader that stopped reading must not hold the interrupted command), and when stdout closes or
 * fails (main.ts ends the process on EPIPE).
 */
function drained(ctx: Ctx): Promise<void> {
  const out = process.stdout;
  if (!out.writableNeedDrain || ctx.signal.aborted) return Promise.resolve();
  return new Promise<void>((ok) => {
    const done = () => {
      out.off('drain', done);
      out.off('close', done);
      out.off('error', done);
      ctx.signal.removeEventListener('abort', done);
      ok();
    };
    out.on('drain', done);
    out.on('close', done);
    out.on('error', done);
    ctx.signal.addEventListener('abort', done);
  });
}

type LeadRow = import('../../stages/leads/query.js').LeadRow;

/** The columns of `leads list`: domains and emails in Unicode (stored in punycode). */
const LIST_COLUMNS: Column<LeadRow>[] = [
  { header: 'domain', value: (r) => r.domain_unicode ?? r.domain },
  { header: 'company', value: (r) => truncate(cleanCell(r.company), 28) },
  { header: 'email', value: (r) => r.email_unicode ?? r.email },
  { header: 'country', value: (r) => r.country },
  { header: 'stage', value: (r) => r.stage },
  { header: 'fit', value: (r) => r.fit, align: 'right' },
  { header: 'intent', value: (r) => r.intent, align: 'right' },
  { header: 'tags', value: (r) => truncate(cleanCell(r.tags), 24) },
];

/**
 * The leads as a JSON array on stdout, streamed (the same bytes as Output.printJsonArray): tags as an array, as
 * `leads export --format json` and `leads show --json` give them. Stops at Ctrl-C, leaving the array unclosed
 * (a truncated list must not parse as a complete one). Returns the number of leads written.
 */
async function streamJsonList(ctx: Ctx, rows: Iterable<LeadRow>): Promise<number> {
  // Stopping early (Ctrl-C, an error) closes these generators in turn, and so ends the query.
  const items = (function* () {
    for (const r of rows) yield { ...r, tags: r.tags ? r.tags.split(';') : [] };
  })();
  return ctx.out.streamJsonArray(items, async () => {
    await drained(ctx);
    await yieldToSignals();
    return !ctx.signal.aborted;
  });
}

/**
 * The leads as a table on stdout. Up to TABLE_PIECE rows: Output.table (boxed on a terminal when short). More:
 * streamed as plain columns (Output.table's long-table layout) in pieces of TABLE_PIECE rows, so memory stays
 * flat for a million leads. The column widths are those of the first piece, and only grow (a wider cell further
 * down widens its column from that piece on): the output starts at once instead of after a second pass over
 * every row, at the cost of a possible shift in alignment deep in a long list. Stops at Ctrl-C between pieces.
 * Returns the number of leads written.
 */
async function streamLeadTable(ctx: Ctx, rows: Iterable<LeadRow>): Promise<number> {
  const it = rows[Symbol.iterator]();
  const take = (): LeadRow[] => {
    const piece: LeadRow[] = [];
    while (piece.length < TABLE_PIECE) {
      const r = it.next();
      if (r.done) break;
      piece.push(r.value);
    }
    return piece;
  };
  try {
    let piece = take();
    if (piece.length < TABLE_PIECE) {
      if (!piece.length) ctx.out.info('No leads match.');
      else ctx.out.table(piece, LIST_COLUMNS);
      return piece.length;
    }
    const table = ctx.out.plainTable(LIST_COLUMNS);
    let n = 0;
    while (piece.length) {
      table.write(piece);
      n += piece.length;
      await drained(ctx);
      await yieldToSignals();
      if (ctx.signal.aborted) break;
      piece = take();
    }
    return n;
  } finally {
    it.return?.(); // ends the query when the loop stopped early (Ctrl-C, an error)
  }
}

function truncate(s: string | null | undefined, n: number): string {
  if (!s) return '';
  return s.length > n ? s.slice(0, n - 1) + '…' : s;
}

function printLead(ctx: Ctx, s: ReturnType<typeof import('../../stages/leads/query.js').showLead>): void {
  const { out } = ctx;
  // Every value from the database goes through cleanCell: one line, no control character or escape sequence.
  const v = cleanCell;
  const l = s.lead as Record<string, unknown>;
  // the Unicode form of an IDN (`bücher.de`), with its stored punycode key
  const shown = v(l.domain_unicode ?? l.domain);
  out.print(out.c.bold(shown) + (shown !== v(l.domain) ? out.c.dim(` (${v(l.domain)})`) : '') + (l.company ? `  ${v(l.company)}` : ''));
  const line = (k: string, value: unknown) => value !== null && value !== undefined && value !== '' && out.print(`  ${out.c.dim(k.padEnd(12))} ${v(value)}`);
  line('stage', l.stage);
  line('url', l.url);
  line('country', l.country);
  line('shopify', l.is_shopify === null ? 'unknown' : l.is_shopify ? `yes (${Math.round(Number(l.shopify_confidence ?? 0) * 100)}%)` : 'no');
  line('tags', s.tags.join(', '));
  if (s.score) {
    const sc = s.score as Record<string, unknown>;
    line('fit', `${sc.fit} (confidence ${Math.round(Number(sc.fit_confidence) * 100)}%)`);
    line('intent', `${sc.intent} (confidence ${Math.round(Number(sc.intent_confidence) * 100)}%)`);
  }
  if (s.contacts.length) {
    out.print(out.c.bold('\nContacts'));
    for (const c of s.contacts as Record<string, unknown>[]) {
      const name = v([c.first_name, c.last_name].filter(Boolean).join(' '));
      out.print(`  ${v(c.email)}${name ? ` (${name})` : ''}  ${out.c.dim(v(c.validation))}${c.is_role ? out.c.dim(' role') : ''}`);
    }
  }
  if (s.facts.length) {
    out.print(out.c.bold('\nFacts'));
    for (const f of s.facts.slice(0, 40)) out.print(`  ${v(f.key).padEnd(24)} ${truncate(v(typeof f.value === 'string' ? f.value : JSON.stringify(f.value)), 60)}  ${out.c.dim(v(f.source_url))}`);
    if (s.facts.length > 40) out.print(out.c.dim(`  ... ${s.facts.length - 40} more (--json for all)`));
  }
  if (s.enrollments.length) {
    out.print(out.c.bold('\nCampaigns'));
    for (const e of s.enrollments as Record<string, unknown>[]) out.print(`  ${v(e.campaign)}: ${v(e.status)}${e.stop_reason ? ` (${v(e.stop_reason)})` : ''}`);
  }
  out.print(out.c.bold('\nTimeline'));
  // the timeline of --json, its first entry (the creation, derived from created_at and source) included
  for (const t of s.timeline) {
    if (t.kind === 'lead') out.print(`  ${v(t.at).slice(0, 16).replace('T', ' ')}  ${v(t.type)} (${v(t.summary)})`);
    else out.print(`  ${v(t.at).slice(0, 16).replace('T', ' ')}  ${v(t.type)}${t.summary ? `  ${out.c.dim(truncate(v(t.summary), 80))}` : ''}`);
  }
}

/** "1 row", "2 rows". */
function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}
