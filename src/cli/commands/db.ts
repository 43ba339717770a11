// `outreach db path|migrate|backup FILE|vacuum`: the database file itself.
import type { Command } from 'commander';
import { existsSync, renameSync, rmSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { action } from '../context.js';
import { canonicalPath, databaseFileOf } from '../../db/files.js';
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
        }, { settings: false }),
      ),
    ['outreach db path', 'OUTREACH_DB=/data/o.db outreach db path --json'],
  );

  examples(
    db
      .command('migrate')
      .description('create the database or apply pending migrations (also done automatically on open)')
      .action(
        action(async (ctx) => {
          const { openDb, migrate, loadMigrations } = await import('../../db/open.js');
          const existed = existsSync(ctx.dbPath);
          // Opened WITHOUT migrating (ctx.db() would migrate first), so this run can tell what it applied.
          const d = openDb(ctx.dbPath, { migrate: false });
          try {
            const known = loadMigrations().length;
            const applied: string[] = [];
            // An upgrade (not the creation of a new database) is recorded in `runs`: how many migrations it applied.
            migrate(d.sqlite, undefined, d.path, (m) => applied.push(m.tag), { command: 'db migrate', args: process.argv.slice(2) });
            const migrations = d.sqlite.prepare('SELECT idx, tag, applied_at FROM schema_migrations ORDER BY idx').all() as {
              idx: number;
              tag: string;
              applied_at: string;
            }[];
            const now = `${migrations.length}/${known}`;
            if (ctx.json) ctx.out.printJson({ path: d.path, created: !existed, applied, migrations, known });
            else if (!existed) ctx.out.success(`Created ${d.path}: applied ${plural(applied.length, 'migration')}; now ${now}`);
            else if (applied.length === 0) ctx.out.success(`Up to date: ${d.path} (${now} migrations applied)`);
            else ctx.out.success(`Applied ${plural(applied.length, 'migration')} (${applied.join(', ')}) to ${d.path}; now ${now}`);
          } finally {
            d.close();
          }
        }, { settings: false }),
      ),
    ['outreach db migrate', 'outreach db migrate --json'],
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
          if (!existsSync(ctx.dbPath)) throw new UserError(`No database at ${ctx.dbPath}.`);
          refuseLiveFile(ctx.dbPath, dest);
          // Write through a symlink to where it points (like cp), next to the real file.
          const target = canonicalPath(dest);
          const dir = dirname(target);
          if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new UserError(`Cannot write ${dest}: the folder ${dir} does not exist.`);
          if (existsSync(target)) {
            if (statSync(target).isDirectory()) throw new UserError(`${dest} is a folder.`, 'Pass a file name for the copy.');
            if (!opts.force) throw new UserError(`${dest} already exists.`, 'Pass --force to overwrite it.');
          }
          const { openDb } = await import('../../db/open.js');
          const { Database } = await import('../../db/driver.js');
          // Not migrated: a backup taken before an upgrade keeps the old schema.
          const d = openDb(ctx.dbPath, { create: false, migrate: false });
          const tmp = `${target}.tmp-${process.pid}`;
          const removeTmp = () => {
            for (const f of [tmp, `${tmp}-journal`, `${tmp}-wal`, `${tmp}-shm`]) rmSync(f, { force: true });
          };
          const size = statSync(ctx.dbPath).size;
          // The copy shows no page count: it is made in one step (below), during which nothing else runs.
          const sp = ctx.out.spinner(`Backing up ${ctx.dbPath} (${formatBytes(size)}) to ${dest}`);
          try {
            removeTmp();
            // SQLite's online backup in ONE step. Copying N pages per step (as before, 200) releases the read
            // transaction between steps, and SQLite restarts the copy from page 1 whenever another connection
            // writes in between: with a writer committing every 0.2 s a large file never finished. better-sqlite3
            // calls sqlite3_backup_step(0) first (page counts only), then steps by what progress() returns
            // (clamped to 0..2^31-1; a negative "all" is not allowed): returning the maximum copies every page in
            // one step, under one read transaction, so the copy is consistent and finishes in bounded time; in
            // WAL mode writers are not blocked meanwhile. If a write lands between those two calls, SQLite
            // restarts, and the one-step copy simply starts at page 1. (Chosen over VACUUM INTO, which also works
            // but rebuilds every table and index: slower and more CPU for the same consistent copy.)
            await d.sqlite.backup(tmp, {
              progress: () => {
                if (ctx.signal.aborted) throw new UserError('Backup interrupted: no copy written.', undefined, 130);
                return 0x7fffffff;
              },
            });
            if (ctx.signal.aborted) throw new UserError('Backup interrupted: no copy written.', undefined, 130);
            const check = new Database(tmp, { fileMustExist: true });
            try {
              const ok = check.pragma('quick_check', { simple: true });
              if (ok !== 'ok') throw new Error(`the copy fails its integrity check: ${String(ok)}`);
            } finally {
              check.close();
            }
            for (const f of [`${tmp}-journal`, `${tmp}-wal`, `${tmp}-shm`]) rmSync(f, { force: true });
            // Stale journal/WAL files of an older database at FILE would be applied to the new copy.
            for (const f of [`${target}-wal`, `${target}-shm`, `${target}-journal`]) rmSync(f, { force: true });
            renameSync(tmp, target);
          } catch (err) {
            sp.fail();
            removeTmp();
            if (err instanceof UserError) throw err;
            throw new UserError(`Backup to ${dest} failed: ${(err as Error).message}`);
          } finally {
            d.close();
          }
          sp.stop();
          const bytes = statSync(target).size;
          if (ctx.json) ctx.out.printJson({ path: dest, bytes });
          else ctx.out.success(`Backed up ${ctx.dbPath} to ${dest} (${bytes} bytes)`);
        }, { settings: false }),
      ),
    ['outreach db backup backup.db', 'outreach db backup /mnt/nas/outreach.db --force'],
  );

  examples(
    db
      .command('vacuum')
      .description('reclaim free space and checkpoint the write-ahead log')
      .action(
        action(async (ctx) => {
          if (!existsSync(ctx.dbPath)) throw new UserError(`No database at ${ctx.dbPath}.`, 'Check the --db path (or $OUTREACH_DB).');
          const d = ctx.db();
          const before = statSync(ctx.dbPath).size;
          d.sqlite.pragma('wal_checkpoint(TRUNCATE)');
          d.sqlite.exec('VACUUM');
          d.sqlite.pragma('wal_checkpoint(TRUNCATE)');
          const after = statSync(ctx.dbPath).size;
          ctx.count('bytes_before', before);
          ctx.count('bytes_after', after);
          if (ctx.json) ctx.out.printJson({ path: ctx.dbPath, bytesBefore: before, bytesAfter: after });
          else ctx.out.success(`Vacuumed ${ctx.dbPath}: ${before} → ${after} bytes`);
        }, { audit: true, settings: false }),
      ),
    ['outreach db vacuum'],
  );
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

function formatBytes(n: number): string {
  if (n < 1024 * 1024) return `${Math.ceil(n / 1024)} KB`;
  return `${(n / 1024 / 1024).toFixed(n < 10 * 1024 * 1024 ? 1 : 0)} MB`;
}

/**
 * Refuses a backup target that is the live database or one of its journal files: by path (symlinks
 * followed) and by device + inode (hard links).
 */
function refuseLiveFile(dbPath: string, dest: string): void {
  const suffix = databaseFileOf(dest, dbPath);
  if (suffix === null) return;
  throw new UserError(
    suffix
      ? `${dest} is the database's ${suffix.slice(1)} file (${canonicalPath(dbPath)}${suffix}): a backup there would destroy it.`
      : `${dest} is the database itself (${dbPath}): a backup must go to another file.`,
    'Pass another path for the copy.',
  );
}
