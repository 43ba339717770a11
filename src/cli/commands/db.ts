// `outreach db path|migrate|backup FILE|vacuum`: the database file itself.
import type { Command } from 'commander';
import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { action } from '../context.js';
import { examples } from '../help.js';
import { UserError } from '../../errors.js';

export function register(program: Command): void {
  const db = program.command('db').description('the database file: where it is, migrations, backups');
  examples(db, ['outreach db path', 'outreach db migrate', 'outreach db backup ~/backups/outreach-$(date +%F).db', 'outreach db vacuum']);

  examples(
    db
      .command('path')
      .description('print the database path (and whether it exists)')
      .action(
        action((ctx) => {
          const exists = existsSync(ctx.dbPath);
          if (ctx.json) ctx.out.printJson({ path: ctx.dbPath, exists, bytes: exists ? statSync(ctx.dbPath).size : 0 });
          else ctx.out.print(ctx.dbPath);
        }),
      ),
    ['outreach db path', 'OUTREACH_DB=/data/o.db outreach db path --json'],
  );

  examples(
    db
      .command('migrate')
      .description('create the database or apply pending migrations (also done automatically on open)')
      .action(
        action(async (ctx) => {
          const existed = existsSync(ctx.dbPath);
          const d = ctx.db();
          const applied = d.sqlite.prepare('SELECT idx, tag, applied_at FROM schema_migrations ORDER BY idx').all() as {
            idx: number;
            tag: string;
            applied_at: string;
          }[];
          const { loadMigrations } = await import('../../db/open.js');
          const known = loadMigrations().length;
          if (ctx.json) ctx.out.printJson({ path: ctx.dbPath, created: !existed, migrations: applied, known });
          else ctx.out.success(`${existed ? 'Up to date' : 'Created'}: ${ctx.dbPath} (${applied.length}/${known} migrations applied)`);
        }),
      ),
    ['outreach db migrate'],
  );

  examples(
    db
      .command('backup')
      .argument('<file>', 'where to write the copy')
      .description("copy the database with SQLite's online backup (safe while other commands run)")
      .option('--force', 'overwrite FILE if it exists')
      .action(
        action(async (ctx, opts: { force?: boolean }, file: string) => {
          const dest = resolve(file);
          if (dest === ctx.dbPath) throw new UserError('The backup file must differ from the database file.');
          if (existsSync(dest) && !opts.force) throw new UserError(`${dest} already exists.`, 'Pass --force to overwrite it.');
          if (!existsSync(ctx.dbPath)) throw new UserError(`No database at ${ctx.dbPath}.`);
          const d = ctx.db();
          const sp = ctx.out.spinner(`Backing up to ${dest}`);
          try {
            await d.sqlite.backup(dest, {
              progress: ({ totalPages, remainingPages }) => {
                sp.update(`Backing up to ${dest}: ${totalPages - remainingPages}/${totalPages} pages`);
                return 200;
              },
            });
          } catch (err) {
            sp.fail();
            throw new UserError(`Backup to ${dest} failed: ${(err as Error).message}`);
          }
          sp.stop();
          const bytes = statSync(dest).size;
          if (ctx.json) ctx.out.printJson({ path: dest, bytes });
          else ctx.out.success(`Backed up ${ctx.dbPath} to ${dest} (${bytes} bytes)`);
        }),
      ),
    ['outreach db backup backup.db', 'outreach db backup /mnt/nas/outreach.db --force'],
  );

  examples(
    db
      .command('vacuum')
      .description('reclaim free space and checkpoint the write-ahead log')
      .action(
        action((ctx) => {
          const d = ctx.db();
          const before = statSync(ctx.dbPath).size;
          d.sqlite.pragma('wal_checkpoint(TRUNCATE)');
          d.sqlite.exec('VACUUM');
          d.sqlite.pragma('wal_checkpoint(TRUNCATE)');
          const after = statSync(ctx.dbPath).size;
          if (ctx.json) ctx.out.printJson({ path: ctx.dbPath, bytesBefore: before, bytesAfter: after });
          else ctx.out.success(`Vacuumed ${ctx.dbPath}: ${before} → ${after} bytes`);
        }),
      ),
    ['outreach db vacuum'],
  );
}
