// `outreach init`: writes .env (from .env.example, with a fresh secret), outreach.yaml (sender settings),
// profile.yaml (ideal-customer profile) and creates the database. Never overwrites a file; idempotent.
import type { Command } from 'commander';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { action } from '../context.js';
import { examples } from '../help.js';
import { checkDbFolder } from '../../db/open.js';
import { UserError, fsReason } from '../../errors.js';

const PKG_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

interface InitOptions {
  name?: string;
  company?: string;
  email?: string;
  address?: string;
  domain?: string;
  yes?: boolean;
}

function yamlString(s: string): string {
  return JSON.stringify(s); // a JSON string is a valid double-quoted YAML scalar
}

export function register(program: Command): void {
  const cmd = program
    .command('init')
    .description('set up this folder: .env, outreach.yaml (sender), profile.yaml (ideal customer) and the database')
    .option('--name <name>', 'your name (sender)')
    .option('--company <company>', 'your business name')
    .option('--email <email>', 'the address replies come back to')
    .option('--address <address>', 'your physical postal address (required in every email)')
    .option('--domain <domain>', 'your sending domain')
    .option('-y, --yes', 'do not ask questions; leave blanks to fill in later')
    .action(
      action(async (ctx, opts: InitOptions) => {
        const cwd = process.cwd();
        const done: { file: string; status: 'created' | 'kept' }[] = [];
        // The database's folder first: a mistyped --db must not leave .env and the YAML files half set up.
        if (!existsSync(ctx.dbPath)) checkDbFolder(ctx.dbPath);
        const write = (file: string, text: string, mode?: number) => {
          try {
            writeFileSync(file, text, mode === undefined ? undefined : { mode });
          } catch (err) {
            throw new UserError(`Cannot write ${file}: ${fsReason(err, 'write')}`, 'Run `outreach init` in a folder you may write to.');
          }
        };

        // .env: never overwrite, it holds secrets.
        const envFile = resolve(cwd, '.env');
        if (existsSync(envFile)) done.push({ file: envFile, status: 'kept' });
        else {
          const example = readFileSync(resolve(PKG_ROOT, '.env.example'), 'utf8');
          const secret = randomBytes(32).toString('base64url');
          write(envFile, example.replace(/^OUTREACH_SECRET=.*$/m, `OUTREACH_SECRET=${secret}`), 0o600);
          done.push({ file: envFile, status: 'created' });
        }

        const settingsFile = ctx.settingsFile;
        if (existsSync(settingsFile)) done.push({ file: settingsFile, status: 'kept' });
        else {
          const answers = await askSender(opts, ctx.json || Boolean(opts.yes));
          let text = readFileSync(resolve(PKG_ROOT, 'templates/outreach.yaml'), 'utf8');
          for (const [key, value] of Object.entries(answers)) text = text.replace(`"@${key}@"`, yamlString(value));
          write(settingsFile, text);
          done.push({ file: settingsFile, status: 'created' });
        }

        const profileFile = ctx.profileFile;
        if (existsSync(profileFile)) done.push({ file: profileFile, status: 'kept' });
        else {
          write(profileFile, readFileSync(resolve(PKG_ROOT, 'templates/profile.yaml'), 'utf8'));
          done.push({ file: profileFile, status: 'created' });
        }

        const dbExisted = existsSync(ctx.dbPath);
        ctx.db();
        done.push({ file: ctx.dbPath, status: dbExisted ? 'kept' : 'created' });

        if (ctx.json) {
          ctx.out.printJson({ files: done });
          return;
        }
        for (const d of done) ctx.out.info(`${d.status === 'created' ? ctx.out.c.green('created') : ctx.out.c.dim('exists ')}  ${d.file}`);
        ctx.out.info('');
        ctx.out.info(`Next: edit ${settingsFile} (sender, postal address) and ${profileFile} (your ideal customer),`);
        ctx.out.info('then `outreach leads import FILE` or `outreach discover --keyword jewelry`.');
      }),
    );
  examples(cmd, [
    'outreach init',
    'outreach init --yes --name "Ana Lima" --company "Lima Studio" --email ana@lima.studio --domain lima.studio --address "1 Main St, Austin TX 78701, USA"',
  ]);
}

async function askSender(opts: InitOptions, noQuestions: boolean): Promise<Record<string, string>> {
  const values: Record<string, string> = {
    NAME: opts.name ?? '',
    COMPANY: opts.company ?? '',
    EMAIL: opts.email ?? '',
    ADDRESS: opts.address ?? '',
    DOMAIN: opts.domain ?? '',
  };
  const interactive = !noQuestions && process.stdin.isTTY && process.stdout.isTTY;
  if (!interactive) return values;
  const { input } = await import('@inquirer/prompts');
  const ask = async (key: string, message: string) => {
    if (!values[key]) values[key] = (await input({ message, default: '' })).trim();
  };
  await ask('NAME', 'Your name (sender):');
  await ask('COMPANY', 'Your business name:');
  await ask('EMAIL', 'Reply-to email address:');
  if (!values.DOMAIN && values.EMAIL.includes('@')) values.DOMAIN = values.EMAIL.split('@')[1]!.toLowerCase();
  await ask('DOMAIN', 'Sending domain:');
  await ask('ADDRESS', 'Postal address (shown in every email):');
  return values;
}
