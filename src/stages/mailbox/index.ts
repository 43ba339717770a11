// `outreach mailbox add|list|remove|test`: sending accounts with their IMAP twin, daily cap and warm-up
// ramp. Passwords stay in the environment; the database keeps the variable's NAME only.
import type { Db } from '../../db/open.js';
import { UserError } from '../../errors.js';
import { normalizeEmail } from '../../domain/normalize.js';
import { dailyLimit, startOfDay } from '../../domain/pacing.js';
import { verifySmtp, SmtpError, type Security, type SmtpConfig } from '../../adapters/smtp.js';
import { verifyImap, ImapError, type ImapConfig } from '../../adapters/imap-sent.js';
import { listMailboxRows, getMailboxByName, setMailboxStatus, sentSince, type MailboxRow } from './store.js';

export type { MailboxRow };

export interface MailboxInput {
  name: string;
  email: string;
  fromName?: string;
  smtpHost: string;
  smtpPort?: number;
  smtpSecurity?: Security;
  smtpUser?: string;
  smtpPasswordEnv?: string;
  imapHost?: string;
  imapPort?: number;
  imapSecurity?: Security;
  imapUser?: string;
  imapPasswordEnv?: string;
  sentFolder?: string;
  appendSent?: boolean;
  dailyCap?: number;
  rampStart?: number;
  rampStep?: number;
}

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const SECURITIES: Security[] = ['tls', 'starttls', 'none'];

export function defaultSmtpPort(s: Security): number {
  return s === 'tls' ? 465 : s === 'starttls' ? 587 : 25;
}
export function defaultImapPort(s: Security): number {
  return s === 'tls' ? 993 : 143;
}

function checkEnvName(flag: string, v: string | undefined): void {
  if (v !== undefined && !ENV_NAME.test(v)) {
    throw new UserError(
      `${flag} takes the NAME of an environment variable (like OUTREACH_SMTP_PASSWORD), got "${v.length > 3 ? v.slice(0, 2) + '…' : v}".`,
      'Put the password in .env under that name; outreach never stores or prints it.',
      2,
    );
  }
}

function checkName(name: string): void {
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/.test(name)) {
    throw new UserError(`"${name}" is not a valid mailbox name.`, 'Use letters, digits, dot, dash or underscore (e.g. ana-gmail).', 2);
  }
}

function checkSecurity(flag: string, s: Security | undefined): void {
  if (s !== undefined && !SECURITIES.includes(s)) throw new UserError(`${flag} must be tls, starttls or none, got "${s}".`, undefined, 2);
}

function checkCounts(input: { dailyCap?: number; rampStart?: number; rampStep?: number }): void {
  for (const [flag, v] of [['--daily-cap', input.dailyCap], ['--ramp-start', input.rampStart], ['--ramp-step', input.rampStep]] as const) {
    if (v !== undefined && (!Number.isSafeInteger(v) || v < 0)) throw new UserError(`${flag} must be a whole number, 0 or more, got ${v}.`, undefined, 2);
  }
}

function checkEmail(v: string): string {
  const email = normalizeEmail(v);
  if (!email.ok) throw new UserError(`--email: ${email.reason}`, undefined, 2);
  return email.value.email;
}

type Row = Omit<MailboxRow, 'id' | 'ramp_started_at' | 'status' | 'status_reason' | 'created_at' | 'updated_at'>;

/**
 * Adds a mailbox. With `update` it changes an existing one instead (see updateMailbox: only the fields
 * given change; unknown name → error). Returns the stored row.
 */
export function addMailbox(db: Db, input: MailboxInput, opts: { update?: boolean } = {}): MailboxRow {
  if (opts.update) return updateMailbox(db, input).row;
  checkName(input.name);
  const email = checkEmail(input.email);
  const smtpSecurity = input.smtpSecurity ?? 'starttls';
  const imapSecurity = input.imapSecurity ?? 'tls';
  checkSecurity('--smtp-security', smtpSecurity);
  checkSecurity('--imap-security', imapSecurity);
  checkEnvName('--smtp-password-env', input.smtpPasswordEnv);
  checkEnvName('--imap-password-env', input.imapPasswordEnv);
  checkCounts(input);
  if (!input.smtpHost || !input.smtpHost.trim()) throw new UserError('--smtp-host is empty.', undefined, 2);
  const cap = input.dailyCap ?? 50;
  const rampStart = input.rampStart ?? Math.min(10, cap);
  const rampStep = input.rampStep ?? 5;
  if (getMailboxByName(db, input.name)) {
    throw new UserError(`A mailbox named "${input.name}" exists already.`, `Pass --update to change it, or \`outreach mailbox remove ${input.name}\` first.`);
  }
  const smtpUser = input.smtpUser ?? email;
  const imapHost = input.imapHost ?? null;
  const row: Row = {
    name: input.name,
    email,
    from_name: input.fromName ?? null,
    smtp_host: input.smtpHost.trim(),
    smtp_port: input.smtpPort ?? defaultSmtpPort(smtpSecurity),
    smtp_security: smtpSecurity,
    smtp_user: smtpUser,
    smtp_password_env: input.smtpPasswordEnv ?? null,
    imap_host: imapHost,
    imap_port: imapHost ? (input.imapPort ?? defaultImapPort(imapSecurity)) : null,
    imap_security: imapSecurity,
    imap_user: imapHost ? (input.imapUser ?? smtpUser) : null,
    imap_password_env: imapHost ? (input.imapPasswordEnv ?? input.smtpPasswordEnv ?? null) : null,
    sent_folder: input.sentFolder ?? null,
    append_sent: input.appendSent ? 1 : 0,
    daily_cap: cap,
    ramp_start: rampStart,
    ramp_step: rampStep,
  };
  db.sqlite
    .prepare(
      `INSERT INTO mailboxes (name, email, from_name, smtp_host, smtp_port, smtp_security, smtp_user, smtp_password_env, imap_host, imap_port,
         imap_security, imap_user, imap_password_env, sent_folder, append_sent, daily_cap, ramp_start, ramp_step)
       VALUES (@name, @email, @from_name, @smtp_host, @smtp_port, @smtp_security, @smtp_user, @smtp_password_env, @imap_host, @imap_port,
         @imap_security, @imap_user, @imap_password_env, @sent_folder, @append_sent, @daily_cap, @ramp_start, @ramp_step)`,
    )
    .run(row);
  return getMailboxByName(db, input.name)!;
}

/** `mailbox add NAME --update ...`: the fields to change; every field left out keeps its value. */
export type MailboxPatch = { name: string } & Partial<Omit<MailboxInput, 'name'>>;

export interface MailboxChange {
  /** The column, e.g. daily_cap. */
  field: string;
  from: string | number | null;
  to: string | number | null;
}

/** The fields a patch sets (name excluded): none means there is nothing to update. */
export function patchFields(p: MailboxPatch): string[] {
  return Object.entries(p)
    .filter(([k, v]) => k !== 'name' && v !== undefined)
    .map(([k]) => k);
}

/**
 * Changes only the given fields of an existing mailbox. Values that were derived from another field follow
 * it when it changes and they were not set on their own: the SMTP login that was the email address, the
 * IMAP login and password variable that were the SMTP ones, a port that was the default of the old
 * security mode. Its status, warm-up start and history are kept (a mailbox stopped by a refused login
 * stays stopped until `mailbox test` succeeds). Unknown name: UserError (exit 1).
 */
export function updateMailbox(db: Db, patch: MailboxPatch): { row: MailboxRow; changes: MailboxChange[] } {
  const old = getMailboxByName(db, patch.name);
  if (!old) {
    throw new UserError(
      `No mailbox named "${patch.name}" to update.`,
      `See \`outreach mailbox list\`; to add it, leave out --update and give at least --email and --smtp-host.`,
    );
  }
  checkSecurity('--smtp-security', patch.smtpSecurity);
  checkSecurity('--imap-security', patch.imapSecurity);
  checkEnvName('--smtp-password-env', patch.smtpPasswordEnv);
  checkEnvName('--imap-password-env', patch.imapPasswordEnv);
  checkCounts(patch);
  if (patch.smtpHost !== undefined && !patch.smtpHost.trim()) throw new UserError('--smtp-host is empty.', undefined, 2);
  const email = patch.email !== undefined ? checkEmail(patch.email) : old.email;

  const smtpSecurity = patch.smtpSecurity ?? old.smtp_security;
  const smtpPort =
    patch.smtpPort ?? (smtpSecurity !== old.smtp_security && old.smtp_port === defaultSmtpPort(old.smtp_security) ? defaultSmtpPort(smtpSecurity) : old.smtp_port);
  const smtpUser = patch.smtpUser ?? (old.smtp_user === old.email ? email : old.smtp_user);
  const smtpPasswordEnv = patch.smtpPasswordEnv ?? old.smtp_password_env;

  const imapHost = patch.imapHost ?? old.imap_host;
  if (!imapHost) {
    const imapOnly = (['imapPort', 'imapUser', 'imapPasswordEnv', 'sentFolder'] as const).filter((k) => patch[k] !== undefined);
    if (imapOnly.length) {
      const flag = imapOnly[0]!.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
      throw new UserError(`Mailbox "${patch.name}" has no IMAP account: --${flag} needs --imap-host too.`, undefined, 2);
    }
  }
  const imapSecurity = patch.imapSecurity ?? old.imap_security;
  let imapPort: number | null = null;
  let imapUser: string | null = null;
  let imapPasswordEnv: string | null = null;
  if (imapHost) {
    const oldPort = old.imap_host ? old.imap_port : null;
    imapPort =
      patch.imapPort ??
      (oldPort === null || (imapSecurity !== old.imap_security && oldPort === defaultImapPort(old.imap_security)) ? defaultImapPort(imapSecurity) : oldPort);
    imapUser = patch.imapUser ?? (!old.imap_host || !old.imap_user || old.imap_user === old.smtp_user ? smtpUser : old.imap_user);
    imapPasswordEnv =
      patch.imapPasswordEnv ??
      (!old.imap_host || old.imap_password_env === null || old.imap_password_env === old.smtp_password_env ? smtpPasswordEnv : old.imap_password_env);
  }

  const row: Row = {
    name: old.name,
    email,
    from_name: patch.fromName ?? old.from_name,
    smtp_host: patch.smtpHost?.trim() ?? old.smtp_host,
    smtp_port: smtpPort,
    smtp_security: smtpSecurity,
    smtp_user: smtpUser,
    smtp_password_env: smtpPasswordEnv,
    imap_host: imapHost,
    imap_port: imapPort,
    imap_security: imapSecurity,
    imap_user: imapUser,
    imap_password_env: imapPasswordEnv,
    sent_folder: patch.sentFolder ?? old.sent_folder,
    append_sent: patch.appendSent === undefined ? old.append_sent : patch.appendSent ? 1 : 0,
    daily_cap: patch.dailyCap ?? old.daily_cap,
    ramp_start: patch.rampStart ?? old.ramp_start,
    ramp_step: patch.rampStep ?? old.ramp_step,
  };
  const changes: MailboxChange[] = [];
  for (const k of Object.keys(row) as (keyof Row)[]) {
    const before = old[k] as string | number | null;
    if (before !== row[k]) changes.push({ field: k, from: before, to: row[k] });
  }
  if (changes.length) {
    db.sqlite
      .prepare(
        `UPDATE mailboxes SET email=@email, from_name=@from_name, smtp_host=@smtp_host, smtp_port=@smtp_port, smtp_security=@smtp_security,
           smtp_user=@smtp_user, smtp_password_env=@smtp_password_env, imap_host=@imap_host, imap_port=@imap_port, imap_security=@imap_security,
           imap_user=@imap_user, imap_password_env=@imap_password_env, sent_folder=@sent_folder, append_sent=@append_sent,
           daily_cap=@daily_cap, ramp_start=@ramp_start, ramp_step=@ramp_step, updated_at=strftime('%Y-%m-%dT%H:%M:%fZ','now')
         WHERE name=@name`,
      )
      .run(row);
  }
  return { row: getMailboxByName(db, old.name)!, changes };
}

export interface MailboxView {
  id: number;
  name: string;
  email: string;
  smtp: string;
  imap: string | null;
  status: string;
  statusReason: string | null;
  dailyCap: number;
  todayLimit: number;
  sentToday: number;
  remainingToday: number;
  rampStart: number;
  rampStep: number;
  rampStartedAt: string | null;
  smtpPasswordEnv: string | null;
  imapPasswordEnv: string | null;
  /** Whether the named variables are set (the values are never shown). */
  smtpPasswordSet: boolean;
  imapPasswordSet: boolean | null;
  appendSent: boolean;
  sentFolder: string | null;
}

export function viewMailbox(db: Db, m: MailboxRow, now: Date, zone: string, env: (name: string) => string | undefined): MailboxView {
  const limit = dailyLimit({ dailyCap: m.daily_cap, rampStart: m.ramp_start, rampStep: m.ramp_step, rampStartedAt: m.ramp_started_at }, now, zone);
  const sent = sentSince(db, m.id, startOfDay(now, zone).toISOString());
  return {
    id: m.id,
    name: m.name,
    email: m.email,
    smtp: `${m.smtp_host}:${m.smtp_port} ${m.smtp_security}${m.smtp_user ? ` as ${m.smtp_user}` : ''}`,
    imap: m.imap_host ? `${m.imap_host}:${m.imap_port} ${m.imap_security}${m.imap_user ? ` as ${m.imap_user}` : ''}` : null,
    status: m.status,
    statusReason: m.status_reason,
    dailyCap: m.daily_cap,
    todayLimit: limit,
    sentToday: sent,
    remainingToday: Math.max(0, limit - sent),
    rampStart: m.ramp_start,
    rampStep: m.ramp_step,
    rampStartedAt: m.ramp_started_at,
    smtpPasswordEnv: m.smtp_password_env,
    imapPasswordEnv: m.imap_password_env,
    smtpPasswordSet: m.smtp_password_env ? Boolean(env(m.smtp_password_env)) : false,
    imapPasswordSet: m.imap_host ? (m.imap_password_env ? Boolean(env(m.imap_password_env)) : false) : null,
    appendSent: Boolean(m.append_sent),
    sentFolder: m.sent_folder,
  };
}

export function listMailboxes(db: Db, now: Date, zone: string, env: (name: string) => string | undefined): MailboxView[] {
  return listMailboxRows(db).map((m) => viewMailbox(db, m, now, zone, env));
}

export interface RemoveResult {
  name: string;
  removed: boolean;
  openThreads: number;
  queued: number;
}

/** Removes a mailbox. Refuses while threads still need it for follow-ups, unless force. */
export function removeMailbox(db: Db, name: string, opts: { force?: boolean } = {}): RemoveResult {
  const m = getMailboxByName(db, name);
  if (!m) throw new UserError(`No mailbox named "${name}".`, 'See `outreach mailbox list`.');
  const openThreads = (
    db.sqlite.prepare(`SELECT COUNT(*) AS n FROM enrollments WHERE mailbox_id = ? AND status = 'active'`).get(m.id) as { n: number }
  ).n;
  const queued = (
    db.sqlite.prepare(`SELECT COUNT(*) AS n FROM messages WHERE mailbox_id = ? AND state IN ('queued','deferred','sending','unknown')`).get(m.id) as {
      n: number;
    }
  ).n;
  if ((openThreads || queued) && !opts.force) {
    throw new UserError(
      `Mailbox "${name}" still has ${openThreads} active thread(s) and ${queued} open message(s); follow-ups must come from the same mailbox.`,
      'Pass --force to remove it anyway (its follow-ups will not be sent), or pause instead by not listing it.',
    );
  }
  db.sqlite.transaction(() => {
    // Open messages of this mailbox can never be sent from it: cancel them rather than orphan them.
    db.sqlite
      .prepare(`UPDATE messages SET state = 'cancelled', last_error = 'mailbox removed', updated_at = strftime('%Y-%m-%dT%H:%M:%fZ','now') WHERE mailbox_id = ? AND state IN ('queued','deferred')`)
      .run(m.id);
    db.sqlite.prepare('DELETE FROM mailboxes WHERE id = ?').run(m.id);
  }).immediate();
  return { name, removed: true, openThreads, queued };
}

export interface CheckOutcome {
  ok: boolean;
  skipped?: boolean;
  message: string;
  fix?: string;
}

export interface TestResult {
  name: string;
  smtp: CheckOutcome;
  imap: CheckOutcome;
  statusBefore: string;
  statusAfter: string;
}

export function smtpConfigOf(m: MailboxRow, env: (name: string) => string | undefined): SmtpConfig {
  return {
    host: m.smtp_host,
    port: m.smtp_port,
    security: m.smtp_security,
    user: m.smtp_user,
    pass: m.smtp_password_env ? env(m.smtp_password_env) : undefined,
    name: m.email.split('@')[1],
  };
}

export function imapConfigOf(m: MailboxRow, env: (name: string) => string | undefined): ImapConfig | null {
  if (!m.imap_host) return null;
  return {
    host: m.imap_host,
    port: m.imap_port ?? defaultImapPort(m.imap_security),
    security: m.imap_security,
    user: m.imap_user ?? m.smtp_user ?? m.email,
    pass: (m.imap_password_env ? env(m.imap_password_env) : undefined) ?? '',
  };
}

export async function checkSmtp(m: MailboxRow, env: (name: string) => string | undefined): Promise<CheckOutcome> {
  if (m.smtp_user && m.smtp_password_env && !env(m.smtp_password_env)) {
    return { ok: false, message: `${m.smtp_password_env} is not set`, fix: `Put ${m.smtp_password_env}=<password> in .env (or the environment).` };
  }
  try {
    await verifySmtp(smtpConfigOf(m, env));
    return { ok: true, message: `logged in to ${m.smtp_host}:${m.smtp_port}${m.smtp_user ? ` as ${m.smtp_user}` : ''}` };
  } catch (err) {
    const e = err as SmtpError;
    if (e.phase === 'auth') {
      return {
        ok: false,
        message: `login refused: ${e.response ?? e.message}`,
        fix: `Check the user (${m.smtp_user}) and the password in ${m.smtp_password_env ?? 'the password variable'}; many providers need an app password.`,
      };
    }
    return {
      ok: false,
      message: `cannot connect: ${e.response ?? e.message}`,
      fix: `Check --smtp-host/--smtp-port/--smtp-security (${m.smtp_host}:${m.smtp_port} ${m.smtp_security}): 465 is tls, 587 is starttls.`,
    };
  }
}

export async function checkImap(m: MailboxRow, env: (name: string) => string | undefined): Promise<CheckOutcome> {
  const cfg = imapConfigOf(m, env);
  if (!cfg) {
    return {
      ok: false,
      skipped: true,
      message: 'no IMAP account configured',
      fix: `outreach mailbox add ${m.name} --update --imap-host HOST (needed for replies and --resolve-unknown)`,
    };
  }
  if (m.imap_password_env && !env(m.imap_password_env)) {
    return { ok: false, message: `${m.imap_password_env} is not set`, fix: `Put ${m.imap_password_env}=<password> in .env (or the environment).` };
  }
  try {
    const r = await verifyImap(cfg, m.sent_folder);
    if (!r.sentFolder) {
      return {
        ok: false,
        message: `logged in, but no Sent folder${m.sent_folder ? ` named "${m.sent_folder}"` : ''}`,
        fix: `outreach mailbox add ${m.name} --update --sent-folder NAME`,
      };
    }
    return { ok: true, message: `logged in to ${cfg.host}:${cfg.port} as ${cfg.user}; Sent folder "${r.sentFolder}"` };
  } catch (err) {
    const e = err as ImapError;
    return e.authFailed
      ? { ok: false, message: e.message, fix: `Check the IMAP user (${cfg.user}) and ${m.imap_password_env ?? 'the password variable'}.` }
      : { ok: false, message: e.message, fix: `Check --imap-host/--imap-port/--imap-security (${cfg.host}:${cfg.port} ${cfg.security}).` };
  }
}

/** Logs in to SMTP and IMAP. A mailbox stopped for a failed login becomes active again when SMTP works. */
export async function testMailbox(db: Db, name: string, env: (name: string) => string | undefined): Promise<TestResult> {
  const m = getMailboxByName(db, name);
  if (!m) throw new UserError(`No mailbox named "${name}".`, 'See `outreach mailbox list`.');
  const [smtp, imap] = await Promise.all([checkSmtp(m, env), checkImap(m, env)]);
  let after = m.status;
  if (smtp.ok && m.status === 'auth_failed') {
    setMailboxStatus(db, m.id, 'active', null);
    after = 'active';
  } else if (!smtp.ok && /login refused/.test(smtp.message) && m.status === 'active') {
    setMailboxStatus(db, m.id, 'auth_failed', smtp.message);
    after = 'auth_failed';
  }
  return { name, smtp, imap, statusBefore: m.status, statusAfter: after };
}
