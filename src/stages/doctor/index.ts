// `outreach doctor`: is this setup fit to send? Each check passes or fails with the fix: sender identity,
// postal address, the unsubscribe secret and URL answering, the clock, SMTP and IMAP logins of every
// mailbox, and SPF, DKIM, DMARC and MX of each sending domain.
import type { Db } from '../../db/open.js';
import { driverPackage } from '../../db/driver.js';
import { normalizeEmail } from '../../domain/normalize.js';
import { isValidZone } from '../../domain/pacing.js';
import { makeUnsubscribeToken, unsubscribeUrl } from '../../domain/unsubscribe.js';
import type { ResolveFn, DnsCheck } from '../../adapters/dns-auth.js';
import { checkSpf, checkDkim, checkDmarc, checkMx, resolveIp } from '../../adapters/dns-auth.js';
import { listMailboxRows, type MailboxRow } from '../mailbox/store.js';
import { checkSmtp, checkImap } from '../mailbox/index.js';

export type Status = 'pass' | 'warn' | 'fail' | 'skip';

export interface DoctorCheck {
  check: string;
  status: Status;
  detail: string;
  fix?: string;
}

export interface ProbeResult {
  status: number;
  /** The server's Date header, if any. */
  date?: string | null;
}

export interface DoctorAdapters {
  resolve: ResolveFn;
  /** GET a URL (no redirects followed), resolving with its status and Date header. */
  probe(url: string): Promise<ProbeResult>;
  now(): Date;
  env(name: string): string | undefined;
}

export interface DoctorSettings {
  sender: { name: string; company: string; email: string; postal_address: string; sending_domain: string; timezone: string };
  unsubscribe: { base_url: string; mailto: string };
}

export interface DoctorOptions {
  settings: DoctorSettings;
  secret: string;
  dkim: { selector: string | null; privateKey: string | null };
  /** Only these checks (by group): identity, unsubscribe, runtime, clock, mailboxes, dns. */
  only?: string[];
}

const COMMON_SELECTORS = ['default', 'google', 'selector1', 'selector2', 'k1', 's1', 'mail', 'dkim'];

export async function runDoctor(db: Db, a: DoctorAdapters, o: DoctorOptions): Promise<DoctorCheck[]> {
  const out: DoctorCheck[] = [];
  const want = (g: string) => !o.only || o.only.includes(g);
  const s = o.settings;
  const add = (check: string, r: DnsCheck | DoctorCheck | { status: Status; detail: string; fix?: string }) =>
    out.push({ check, status: r.status, detail: r.detail, ...(r.fix && r.status !== 'pass' ? { fix: r.fix } : {}) });

  let probe: ProbeResult | null = null;
  if (want('identity')) {
    const missing = (['name', 'company', 'email'] as const).filter((k) => !s.sender[k].trim());
    const email = s.sender.email ? normalizeEmail(s.sender.email) : null;
    if (missing.length) add('sender identity', { status: 'fail', detail: `sender.${missing.join(', sender.')} not set`, fix: 'Fill in sender.name, sender.company and sender.email in outreach.yaml.' });
    else if (email && !email.ok) add('sender identity', { status: 'fail', detail: `sender.email: ${email.reason}`, fix: 'Set sender.email to the address replies go to.' });
    else add('sender identity', { status: 'pass', detail: `${s.sender.name}, ${s.sender.company} <${s.sender.email}>` });
    const addr = s.sender.postal_address.trim();
    if (!addr) add('postal address', { status: 'fail', detail: 'sender.postal_address is empty (CAN-SPAM and most EU rules require it in every email)', fix: 'Set sender.postal_address in outreach.yaml to a real physical address.' });
    else if (addr.length < 10 || !/\d/.test(addr)) add('postal address', { status: 'warn', detail: `"${addr}" does not look like a full postal address`, fix: 'Give street, number, city and postcode.' });
    else add('postal address', { status: 'pass', detail: addr });
    if (!isValidZone(s.sender.timezone || 'UTC')) add('time zone', { status: 'fail', detail: `sender.timezone "${s.sender.timezone}" is not an IANA zone`, fix: 'Use a zone like Europe/Berlin or America/New_York.' });
  }

  if (want('unsubscribe')) {
    if (!o.secret || o.secret.length < 16) {
      add('unsubscribe secret', { status: 'fail', detail: o.secret ? 'OUTREACH_SECRET is too short (under 16 characters)' : 'OUTREACH_SECRET is not set', fix: 'Run `outreach init` (it writes one into .env) or set a long random value.' });
    } else add('unsubscribe secret', { status: 'pass', detail: 'OUTREACH_SECRET is set' });
    const base = s.unsubscribe.base_url.trim();
    if (!base) {
      add('unsubscribe URL', { status: 'fail', detail: 'unsubscribe.base_url is not set: emails cannot carry a one-click unsubscribe link', fix: 'Set unsubscribe.base_url in outreach.yaml to where `outreach serve` answers (https://...).' });
    } else {
      let u: URL | null = null;
      try {
        u = new URL(base);
      } catch {
        add('unsubscribe URL', { status: 'fail', detail: `unsubscribe.base_url "${base}" is not a URL`, fix: 'Use a full URL like https://u.example.com.' });
      }
      if (u) {
        const local = ['localhost', '127.0.0.1', '[::1]'].includes(u.hostname);
        const url = unsubscribeUrl(base, makeUnsubscribeToken(o.secret || 'doctor', `doctor-check@${s.sender.sending_domain || 'outreach.invalid'}`));
        try {
          probe = await a.probe(url);
          if (probe.status >= 500) add('unsubscribe URL', { status: 'fail', detail: `${url} answered HTTP ${probe.status}`, fix: 'Check that `outreach serve` runs behind this URL and its logs.' });
          else if (u.protocol !== 'https:' && !local) add('unsubscribe URL', { status: 'fail', detail: `${base} is not HTTPS (mail providers expect an HTTPS one-click link)`, fix: 'Put `outreach serve` behind HTTPS (a reverse proxy with a certificate).' });
          else if (u.protocol !== 'https:') add('unsubscribe URL', { status: 'warn', detail: `answers (HTTP ${probe.status}) but is a local http URL: recipients cannot reach it`, fix: 'Use your public HTTPS URL.' });
          else add('unsubscribe URL', { status: 'pass', detail: `${base} answers (HTTP ${probe.status})` });
        } catch (err) {
          add('unsubscribe URL', { status: 'fail', detail: `${url} does not answer: ${(err as Error).message}`, fix: 'Start `outreach serve` and make this URL reach it.' });
        }
      }
    }
  }

  if (want('runtime')) add('SQLite driver', driverCheck(process.versions.node, driverPackage));

  if (want('clock')) {
    const now = a.now();
    if (now.getUTCFullYear() < 2024) add('clock', { status: 'fail', detail: `the system clock says ${now.toISOString()}`, fix: 'Set the clock (enable NTP: timedatectl set-ntp true).' });
    else if (probe?.date) {
      const theirs = Date.parse(probe.date);
      const skew = Math.round((now.getTime() - theirs) / 1000);
      if (!Number.isFinite(skew)) add('clock', { status: 'skip', detail: 'no usable Date header to compare with' });
      else if (Math.abs(skew) <= 60) add('clock', { status: 'pass', detail: `within ${Math.abs(skew)} s of the unsubscribe server's clock` });
      else add('clock', { status: Math.abs(skew) <= 300 ? 'warn' : 'fail', detail: `${skew > 0 ? 'ahead of' : 'behind'} the unsubscribe server by ${Math.abs(skew)} s`, fix: 'Enable NTP (timedatectl set-ntp true); sending windows and Date headers depend on it.' });
    } else add('clock', { status: 'pass', detail: `${now.toISOString()} (no server to compare with)` });
  }

  const mailboxes = listMailboxRows(db);
  if (want('mailboxes')) {
    if (!mailboxes.length) add('mailboxes', { status: 'fail', detail: 'no mailbox configured', fix: 'outreach mailbox add NAME --email ... --smtp-host ... --smtp-password-env VAR' });
    const results = await Promise.all(mailboxes.map(async (m) => [m, await checkSmtp(m, a.env), await checkImap(m, a.env)] as const));
    for (const [m, smtp, imap] of results) {
      add(`SMTP login ${m.name}`, { status: smtp.ok ? 'pass' : 'fail', detail: smtp.message, fix: smtp.fix });
      add(`IMAP login ${m.name}`, { status: imap.ok ? 'pass' : imap.skipped ? 'warn' : 'fail', detail: imap.message, fix: imap.fix });
      if (m.status === 'auth_failed') add(`mailbox ${m.name}`, { status: 'fail', detail: `stopped after a refused login: ${m.status_reason ?? ''}`, fix: `Fix the password, then outreach mailbox test ${m.name}.` });
    }
  }

  if (want('dns')) {
    const domains = sendingDomains(s.sender.sending_domain, mailboxes);
    if (!domains.length) add('sending domain', { status: 'fail', detail: 'no sending domain (sender.sending_domain is empty and there is no mailbox)', fix: 'Set sender.sending_domain in outreach.yaml.' });
    const selectors = o.dkim.selector ? [o.dkim.selector] : COMMON_SELECTORS;
    for (const d of domains) {
      const smtpHost = mailboxes.find((m) => m.email.endsWith(`@${d}`))?.smtp_host;
      const ip = smtpHost ? await resolveIp(a.resolve, smtpHost) : null;
      const [spf, dkim, dmarc, mx] = await Promise.all([
        checkSpf(a.resolve, d, ip),
        checkDkim(a.resolve, d, selectors, o.dkim.privateKey),
        checkDmarc(a.resolve, d),
        checkMx(a.resolve, d),
      ]);
      add(`SPF ${d}`, spf);
      add(`DKIM ${d}`, dkim);
      add(`DMARC ${d}`, dmarc);
      add(`MX ${d}`, mx);
    }
  }
  return out;
}

function sendingDomains(configured: string, mailboxes: MailboxRow[]): string[] {
  const set = new Set<string>();
  if (configured.trim()) set.add(configured.trim().toLowerCase());
  for (const m of mailboxes) set.add(m.email.split('@')[1]!.toLowerCase());
  return [...set];
}

/**
 * The SQLite driver against the Node running it (src/db/driver.ts). better-sqlite3 12 on Node 24 can abort the
 * process ("Assertion failed: (env) != nullptr" in RemoveEnvironmentCleanupHook, when the garbage collector
 * destroys a statement): a package installed under Node 20 and then run with Node 24 has only version 12,
 * because npm skips the optional better-sqlite3-napi there. Seen once in about a dozen big imports.
 */
export function driverCheck(nodeVersion: string, pkg: string): { status: Status; detail: string; fix?: string } {
  const major = Number(nodeVersion.split('.')[0]);
  const detail = `Node ${nodeVersion}, ${pkg === 'better-sqlite3-napi' ? 'better-sqlite3 13 (Node-API)' : 'better-sqlite3 12'}`;
  if (major >= 24 && pkg === 'better-sqlite3') {
    return {
      status: 'warn',
      detail: `${detail}: version 12 can abort the process on Node 24 (installed under an older Node?)`,
      fix: 'Reinstall under this Node (npm ci in the package folder, or npm install -g . again): it adds better-sqlite3 13.',
    };
  }
  return { status: 'pass', detail };
}
