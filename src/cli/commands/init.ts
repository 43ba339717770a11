// `outreach init`: writes .env (from .env.example, with a fresh secret), outreach.yaml (sender settings),
// profile.yaml (ideal-customer profile) and creates the database. Never overwrites a file; idempotent. The one
// change it makes to an existing file: a .env without an OUTREACH_SECRET value gets one (that line only).
import type { Command } from 'commander';
import { chmodSync, existsSync, lstatSync, readFileSync, readlinkSync, realpathSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { randomBytes } from 'node:crypto';
import { parseEnv } from 'node:util';
import { basename, dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { action } from '../context.js';
import { examples } from '../help.js';
import { checkDbFolder } from '../../db/open.js';
import { normalizeDomain, normalizeEmail } from '../../domain/normalize.js';
import { UsageError, UserError, fsReason } from '../../errors.js';

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
    .option('--email <email>', 'the address replies come back to (checked: exit 2 if it is not an email address)')
    .option('--address <address>', 'your physical postal address (required in every email)')
    .option('--domain <domain>', 'your sending domain, bare (a URL or www. form is reduced to it, with a note)')
    .option('-y, --yes', 'do not ask questions; leave blanks to fill in later')
    .action(
      action(async (ctx, opts: InitOptions) => {
        const cwd = process.cwd();
        const done: { file: string; status: 'created' | 'kept' | 'updated'; note?: string }[] = [];
        // Flags checked before anything is written: a bad --email or --domain is a usage error (exit 2).
        const flags = checkSenderFlags(opts);
        for (const n of flags.notes) ctx.out.info(n);
        // The database's folder first: a mistyped --db must not leave .env and the YAML files half set up.
        if (!existsSync(ctx.dbPath)) checkDbFolder(ctx.dbPath);
        const write = (file: string, text: string, mode?: number) => {
          try {
            writeFileSync(file, text, mode === undefined ? undefined : { mode });
          } catch (err) {
            throw new UserError(`Cannot write ${file}: ${writeReason(file, err)}`, 'Run `outreach init` in a folder you may write to.');
          }
        };

        // .env: never overwritten, it holds secrets; only a missing or empty OUTREACH_SECRET is filled in.
        const envFile = resolve(cwd, '.env');
        if (existsSync(envFile)) {
          const r = addSecretIfMissing(envFile, ctx.env);
          done.push({ file: envFile, status: r.added ? 'updated' : 'kept', ...(r.note ? { note: r.note } : {}) });
          if (r.warning) ctx.out.warn(r.warning);
        } else {
          const example = readFileSync(resolve(PKG_ROOT, '.env.example'), 'utf8');
          const secret = newSecret();
          write(envFile, example.replace(/^OUTREACH_SECRET=.*$/m, `OUTREACH_SECRET=${secret}`), 0o600);
          done.push({ file: envFile, status: 'created' });
        }

        const settingsFile = ctx.settingsFile;
        const notApplied: { flag: string; key: string; file_value: string | null; requested: string }[] = [];
        if (existsSync(settingsFile)) {
          done.push({ file: settingsFile, status: 'kept' });
          notApplied.push(...senderConflicts(settingsFile, flags.values));
        } else {
          const answers = await askSender({ ...opts, ...flags.values }, ctx.json || Boolean(opts.yes));
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

        // outreach.yaml is the user's file (comments, hand edits): init does not rewrite it. A flag that asks for
        // another value than the file holds is not dropped silently: it is an error (exit 1) naming the key to edit.
        const reportNotApplied = () => {
          for (const n of notApplied) {
            ctx.out.error(
              `${basename(settingsFile)} exists: ${n.flag} ${JSON.stringify(n.requested)} was not applied (${n.key} is ${n.file_value === null ? 'not set' : JSON.stringify(n.file_value)}).`,
              `Edit ${settingsFile} (${n.key}) to change it; init never rewrites that file.`,
            );
          }
          if (notApplied.length) process.exitCode = 1;
        };
        if (ctx.json) {
          reportNotApplied();
          ctx.out.printJson({ files: done, ...(notApplied.length ? { not_applied: notApplied } : {}) });
          return;
        }
        const label = { created: ctx.out.c.green('created'), kept: ctx.out.c.dim('exists '), updated: ctx.out.c.green('updated') };
        for (const d of done) ctx.out.info(`${label[d.status]}  ${d.file}${d.note ? `  (${d.note})` : ''}`);
        ctx.out.info('');
        ctx.out.info(`Next: edit ${settingsFile} (sender, postal address) and ${profileFile} (your ideal customer),`);
        ctx.out.info('then `outreach leads import FILE` or `outreach discover --keyword jewelry`.');
        reportNotApplied();
      }),
    );
  examples(cmd, [
    'outreach init',
    'outreach init --yes --name "Ana Lima" --company "Lima Studio" --email ana@lima.studio --domain lima.studio --address "1 Main St, Austin TX 78701, USA"',
  ]);
}

function newSecret(): string {
  return randomBytes(32).toString('base64url');
}

/** Why a file could not be written; a dangling symbolic link says where it points. */
function writeReason(file: string, err: unknown): string {
  try {
    if (lstatSync(file).isSymbolicLink() && !existsSync(file)) {
      return `it is a symbolic link to ${resolve(dirname(file), readlinkSync(file))}, which cannot be written (${fsReason(err, 'write')})`;
    }
  } catch {
    // nothing there
  }
  return fsReason(err, 'write');
}

/** A value of .env as dotenv reads it: empty quotes and a bare `KEY=` are empty. */
function envValue(text: string, key: string): string {
  try {
    return ((parseEnv(text) as Record<string, string>)[key] ?? '').trim();
  } catch {
    return '';
  }
}

/**
 * An existing .env whose OUTREACH_SECRET is missing or empty (`cp .env.example .env`) gets a fresh one: the empty
 * `OUTREACH_SECRET=` line is filled in, or a line is appended; every other byte (values, comments, order) stays,
 * and so does the file's mode (it is rewritten through a temporary file in its folder, then renamed, so a crash
 * never leaves half a .env). A secret set in the real environment is left alone: another one in .env would sign
 * links that the environment's secret then rejects (or the reverse, under cron).
 */
function addSecretIfMissing(envFile: string, env: NodeJS.ProcessEnv): { added: boolean; note?: string; warning?: string } {
  let text: string;
  try {
    text = readFileSync(envFile, 'utf8');
  } catch (err) {
    throw new UserError(`Cannot read ${envFile}: ${fsReason(err, 'read')}`);
  }
  if (envValue(text, 'OUTREACH_SECRET')) return { added: false };
  if (env.OUTREACH_SECRET?.trim()) {
    return {
      added: false,
      warning: `OUTREACH_SECRET is set in the environment but not in ${envFile}: left as is. Commands run without it (cron) cannot verify unsubscribe links; put the same value in .env.`,
    };
  }
  const secret = newSecret();
  const line = /^([ \t]*(?:export[ \t]+)?OUTREACH_SECRET[ \t]*=).*$/gm;
  let last: RegExpExecArray | null = null;
  for (let m = line.exec(text); m; m = line.exec(text)) last = m;
  let next: string;
  if (last) {
    // The last assignment is the one dotenv keeps: fill in that one (a comment after it on the line goes).
    next = text.slice(0, last.index) + last[1]! + secret + text.slice(last.index + last[0].length);
  } else {
    const sep = text === '' || text.endsWith('\n') ? '' : '\n';
    next = `${text}${sep}# Secret that signs unsubscribe links and dashboard sessions (added by \`outreach init\`).\nOUTREACH_SECRET=${secret}\n`;
  }
  if (envValue(next, 'OUTREACH_SECRET') !== secret) {
    // A shape of file not foreseen (a multi-line quoted value around the line?): say so, change nothing.
    return {
      added: false,
      warning: `${envFile} has no OUTREACH_SECRET value and could not be completed safely: add a line OUTREACH_SECRET=<a long random string> (e.g. \`openssl rand -base64 32\`).`,
    };
  }
  let target = envFile;
  try {
    target = realpathSync(envFile); // a .env that is a link: write where it points
  } catch {
    // keep envFile
  }
  const mode = statSync(target).mode & 0o7777;
  const tmp = `${target}.outreach-${process.pid}.tmp`;
  try {
    writeFileSync(tmp, next, { mode: 0o600, flag: 'wx' });
    chmodSync(tmp, mode);
    renameSync(tmp, target);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw new UserError(
      `Cannot add OUTREACH_SECRET to ${envFile}: ${fsReason(err, 'write')}`,
      'Add a line OUTREACH_SECRET=<a long random string> to it yourself, e.g. `openssl rand -base64 32`.',
    );
  }
  return { added: true, note: last ? 'OUTREACH_SECRET was empty: added a new one' : 'added OUTREACH_SECRET' };
}

interface SenderFlags {
  values: Partial<Record<'name' | 'company' | 'email' | 'address' | 'domain', string>>;
  notes: string[];
}

/**
 * --email must be an email address and --domain a domain: a usage error (exit 2) otherwise, before any file is
 * written. A URL, an uppercase or a `www.` form is reduced to the bare domain with a note (the domain is
 * unambiguous in it, and the bare domain is what the sending domain is used as: Message-IDs, DKIM, SPF/DMARC
 * lookups); a Unicode domain is stored in its ASCII (punycode) form, as it goes in headers and DNS.
 */
export function checkSenderFlags(opts: InitOptions): SenderFlags {
  const values: SenderFlags['values'] = {};
  const notes: string[] = [];
  for (const k of ['name', 'company', 'address'] as const) if (opts[k] !== undefined) values[k] = opts[k]!.trim();
  if (opts.email !== undefined && opts.email.trim() !== '') {
    const e = checkEmail(opts.email);
    if (!e.ok) throw new UsageError(`--email: ${e.reason}`, 'Pass the address replies come back to, e.g. --email ana@lima.studio');
    values.email = e.value;
    if (e.value !== opts.email.trim()) notes.push(`--email: using ${e.value} (from ${JSON.stringify(opts.email)})`);
  }
  if (opts.domain !== undefined && opts.domain.trim() !== '') {
    const d = checkDomain(opts.domain);
    if (!d.ok) throw new UsageError(`--domain: ${d.reason}`, 'Pass the bare domain of your sending mailboxes, e.g. --domain lima.studio');
    values.domain = d.value;
    if (d.value !== opts.domain.trim()) notes.push(`--domain: using ${d.value} (from ${JSON.stringify(opts.domain)})`);
  }
  return { values, notes };
}

type Checked = { ok: true; value: string } | { ok: false; reason: string };

function checkEmail(input: string): Checked {
  const e = normalizeEmail(input.trim());
  if (!e.ok) return { ok: false, reason: e.reason };
  return { ok: true, value: e.value.email };
}

function checkDomain(input: string): Checked {
  const d = normalizeDomain(input.trim());
  if (!d.ok) return { ok: false, reason: d.reason };
  if (d.value.isIp) return { ok: false, reason: `"${input.trim()}" is an IP address, not a domain` };
  if (/:\d*$/.test(d.value.domain)) return { ok: false, reason: `"${input.trim()}" has a port: a sending domain is a bare domain` };
  return { ok: true, value: d.value.domain };
}

const SENDER_KEYS = { name: 'name', company: 'company', email: 'email', address: 'postal_address', domain: 'sending_domain' } as const;

/** The sender flags whose value differs from what the existing outreach.yaml holds. */
function senderConflicts(file: string, values: SenderFlags['values']): { flag: string; key: string; file_value: string | null; requested: string }[] {
  const out: { flag: string; key: string; file_value: string | null; requested: string }[] = [];
  const given = Object.entries(values).filter(([, v]) => v !== undefined && v !== '') as [keyof typeof SENDER_KEYS, string][];
  if (!given.length) return out;
  let sender: Record<string, unknown> = {};
  try {
    const doc = parseYaml(readFileSync(file, 'utf8')) as { sender?: unknown } | null;
    if (doc?.sender && typeof doc.sender === 'object') sender = doc.sender as Record<string, unknown>;
  } catch {
    // unreadable or invalid: every flag counts as not applied
  }
  for (const [flag, requested] of given) {
    const key = SENDER_KEYS[flag];
    const raw = sender[key];
    const current = raw === undefined || raw === null ? null : String(raw).trim();
    const norm = (v: string) => {
      const c = flag === 'email' ? checkEmail(v) : flag === 'domain' ? checkDomain(v) : ({ ok: true, value: v } as Checked);
      return c.ok ? c.value : v;
    };
    if (current === null || norm(current) !== requested) out.push({ flag: `--${flag}`, key: `sender.${key}`, file_value: current, requested });
  }
  return out;
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
  // The answers are checked like the flags (blank: fill in later); an email or domain is stored normalized.
  const ask = async (key: string, message: string, check?: (v: string) => Checked) => {
    if (values[key]) return;
    const answer = (await input({ message, default: '', validate: (v) => (!check || !v.trim() ? true : ((c) => (c.ok ? true : c.reason))(check(v))) })).trim();
    const c = answer && check ? check(answer) : null;
    values[key] = c && c.ok ? c.value : answer;
  };
  await ask('NAME', 'Your name (sender):');
  await ask('COMPANY', 'Your business name:');
  await ask('EMAIL', 'Reply-to email address:', checkEmail);
  if (!values.DOMAIN && values.EMAIL.includes('@')) values.DOMAIN = values.EMAIL.split('@')[1]!.toLowerCase();
  await ask('DOMAIN', 'Sending domain:', checkDomain);
  await ask('ADDRESS', 'Postal address (shown in every email):');
  return values;
}
