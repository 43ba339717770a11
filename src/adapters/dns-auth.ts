// DNS checks of a sending domain for `outreach doctor`: SPF (evaluated by mailauth), DKIM (the selector's
// key, compared with ours when we sign), DMARC (mailauth's record lookup) and MX. Every lookup goes through
// one resolver that can be pointed at another DNS server (tests use a local one; OUTREACH_DNS_SERVERS).
// The enrich stage's MX lookups for leads live in src/adapters/dns.ts.
import { Resolver } from 'node:dns/promises';
import { createPublicKey } from 'node:crypto';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

/** mailauth-style resolver: (name, rrtype) → node:dns answers. */
export type ResolveFn = (name: string, rrtype: string) => Promise<unknown>;

export function makeResolver(servers?: string[], timeoutMs = 5000): ResolveFn {
  const r = new Resolver({ timeout: timeoutMs, tries: 2 });
  if (servers && servers.length) r.setServers(servers);
  return (name, rrtype) => r.resolve(name, rrtype as 'TXT') as Promise<unknown>;
}

export type CheckStatus = 'pass' | 'warn' | 'fail' | 'skip';
export interface DnsCheck {
  status: CheckStatus;
  detail: string;
  fix?: string;
}

function code(err: unknown): string | undefined {
  return (err as { code?: string })?.code;
}

async function txt(resolve: ResolveFn, name: string): Promise<string[]> {
  try {
    const rows = (await resolve(name, 'TXT')) as string[][];
    return rows.map((r) => r.join(''));
  } catch (err) {
    if (code(err) === 'ENOTFOUND' || code(err) === 'ENODATA') return [];
    throw err;
  }
}

interface SpfResult {
  status: { result: string; comment?: string };
  rr?: string;
}
type SpfFn = (o: { sender: string; ip: string; helo: string; mta: string; resolver: ResolveFn }) => Promise<SpfResult>;
type DmarcFn = (domain: string, resolver: ResolveFn) => Promise<false | { p?: string; rua?: string; rr: string; isOrgRecord: boolean }>;

/** SPF: one v=spf1 record; evaluated for the SMTP server's address when known. */
export async function checkSpf(resolve: ResolveFn, domain: string, smtpIp?: string | null): Promise<DnsCheck> {
  let records: string[];
  try {
    records = (await txt(resolve, domain)).filter((t) => /^v=spf1(\s|$)/i.test(t.trim()));
  } catch (err) {
    return { status: 'fail', detail: `DNS lookup of ${domain} failed: ${code(err) ?? (err as Error).message}`, fix: 'Check the domain name and your DNS servers.' };
  }
  const example = `${domain}. TXT "v=spf1 include:<your provider's SPF domain> -all"`;
  if (!records.length) return { status: 'fail', detail: `no SPF record on ${domain}`, fix: `Add a TXT record: ${example}` };
  if (records.length > 1) return { status: 'fail', detail: `${records.length} SPF records on ${domain} (receivers treat that as an error)`, fix: 'Merge them into one v=spf1 record.' };
  const rec = records[0]!;
  if (/\s\+all\b/i.test(rec) || /\sall\b/i.test(rec)) {
    return { status: 'fail', detail: `SPF "${rec}" allows anyone to send as ${domain}`, fix: 'End the record with -all or ~all.' };
  }
  if (smtpIp) {
    const { spf } = require('mailauth/lib/spf') as { spf: SpfFn };
    const r = await spf({ sender: `postmaster@${domain}`, ip: smtpIp, helo: domain, mta: 'outreach-doctor', resolver: resolve });
    const res = r.status.result;
    if (res === 'permerror') return { status: 'fail', detail: `SPF "${rec}" is broken: ${r.status.comment ?? ''}`, fix: 'Fix the record syntax (and keep it under 10 DNS lookups).' };
    if (res === 'pass') return { status: 'pass', detail: `"${rec}" permits your SMTP server ${smtpIp}` };
    return {
      status: 'warn',
      detail: `"${rec}" gives ${res} for your SMTP server ${smtpIp} (your provider may relay from other addresses)`,
      fix: `Make sure the record includes your mail provider (e.g. include:_spf.google.com for Google Workspace).`,
    };
  }
  return { status: 'pass', detail: `"${rec}"` };
}

/** DKIM: the selector's public key is published; when we sign, it is the pair of our private key. */
export async function checkDkim(resolve: ResolveFn, domain: string, selectors: string[], privateKeyPem?: string | null): Promise<DnsCheck> {
  for (const sel of selectors) {
    let recs: string[];
    try {
      recs = await txt(resolve, `${sel}._domainkey.${domain}`);
    } catch (err) {
      return { status: 'fail', detail: `DNS lookup of ${sel}._domainkey.${domain} failed: ${code(err) ?? (err as Error).message}` };
    }
    const rec = recs.find((r) => /(^|;)\s*p=/i.test(r));
    if (!rec) continue;
    const p = /(?:^|;)\s*p=([^;]*)/i.exec(rec)?.[1]?.replace(/\s+/g, '') ?? '';
    if (!p) return { status: 'fail', detail: `DKIM key ${sel}._domainkey.${domain} is revoked (empty p=)`, fix: 'Publish the current public key.' };
    if (privateKeyPem) {
      let ours: string;
      try {
        ours = createPublicKey(privateKeyPem).export({ type: 'spki', format: 'der' }).toString('base64');
      } catch (err) {
        return { status: 'fail', detail: `cannot read the DKIM private key: ${(err as Error).message}`, fix: 'Set OUTREACH_DKIM_PRIVATE_KEY(_FILE) to a PEM private key.' };
      }
      if (ours !== p) {
        return {
          status: 'fail',
          detail: `the key published at ${sel}._domainkey.${domain} does not match OUTREACH_DKIM_PRIVATE_KEY`,
          fix: `Publish TXT ${sel}._domainkey.${domain} "v=DKIM1; k=rsa; p=${ours.slice(0, 24)}…" (the full key), or fix the selector.`,
        };
      }
      return { status: 'pass', detail: `${sel}._domainkey.${domain} matches the key outreach signs with` };
    }
    return { status: 'pass', detail: `${sel}._domainkey.${domain} publishes a key (your provider signs)` };
  }
  return {
    status: 'fail',
    detail: `no DKIM key found for ${domain} (selectors tried: ${selectors.join(', ')})`,
    fix: privateKeyPem
      ? `Publish your public key at ${selectors[0]}._domainkey.${domain}.`
      : `Turn on DKIM at your mail provider and publish its key, or set OUTREACH_DKIM_SELECTOR and OUTREACH_DKIM_PRIVATE_KEY_FILE so outreach signs; then set OUTREACH_DKIM_SELECTOR for this check.`,
  };
}

/** DMARC: a v=DMARC1 record on the domain (or its organisational domain), with its policy. */
export async function checkDmarc(resolve: ResolveFn, domain: string): Promise<DnsCheck> {
  const getDmarcRecord = require('mailauth/lib/dmarc/get-dmarc-record') as DmarcFn;
  let rec: Awaited<ReturnType<DmarcFn>>;
  try {
    rec = await getDmarcRecord(domain, resolve);
  } catch (err) {
    return { status: 'fail', detail: `DNS lookup of _dmarc.${domain} failed: ${code(err) ?? (err as Error).message}` };
  }
  if (!rec) {
    return { status: 'fail', detail: `no DMARC record at _dmarc.${domain}`, fix: `Add TXT _dmarc.${domain} "v=DMARC1; p=none; rua=mailto:dmarc@${domain}" (then tighten to quarantine).` };
  }
  const p = (rec.p ?? '').toLowerCase();
  if (!['none', 'quarantine', 'reject'].includes(p)) return { status: 'fail', detail: `DMARC record "${rec.rr}" has no valid p= policy`, fix: 'Set p=none, quarantine or reject.' };
  if (p === 'none') return { status: 'warn', detail: `"${rec.rr}": policy none (monitoring only)`, fix: 'Move to p=quarantine once reports show your mail passes.' };
  return { status: 'pass', detail: `"${rec.rr}"${rec.isOrgRecord ? ' (organisational domain)' : ''}` };
}

/** MX: replies and bounces to the sending domain need somewhere to go. */
export async function checkMx(resolve: ResolveFn, domain: string): Promise<DnsCheck> {
  try {
    const mx = ((await resolve(domain, 'MX')) as { exchange: string; priority: number }[]).filter((m) => m.exchange && m.exchange !== '.');
    if (!mx.length) return { status: 'fail', detail: `${domain} has no MX record: replies and bounces cannot reach you`, fix: `Add MX records for ${domain} (your mail provider lists them).` };
    mx.sort((a, b) => a.priority - b.priority);
    return { status: 'pass', detail: mx.map((m) => `${m.priority} ${m.exchange}`).join(', ') };
  } catch (err) {
    if (code(err) === 'ENOTFOUND' || code(err) === 'ENODATA') {
      return { status: 'fail', detail: `${domain} has no MX record: replies and bounces cannot reach you`, fix: `Add MX records for ${domain} (your mail provider lists them).` };
    }
    return { status: 'fail', detail: `MX lookup of ${domain} failed: ${code(err) ?? (err as Error).message}` };
  }
}

/** First IPv4 address of a host (for the SPF evaluation), or null. */
export async function resolveIp(resolve: ResolveFn, host: string): Promise<string | null> {
  if (/^\d{1,3}(\.\d{1,3}){3}$/.test(host)) return host;
  try {
    const a = (await resolve(host, 'A')) as string[];
    return a[0] ?? null;
  } catch {
    return null;
  }
}
