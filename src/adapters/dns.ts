// DNS lookups the pipeline needs (MX and address records for email validation), through a resolver whose
// servers can be set (tests point it at a local DNS server; users may name their own resolver).
import { Resolver } from 'node:dns/promises';

export interface MxRecord {
  exchange: string;
  priority: number;
}

export type MxLookup =
  | { kind: 'mx'; records: MxRecord[] }
  | { kind: 'null_mx' } // RFC 7505: the domain accepts no mail
  | { kind: 'no_mx'; hasAddress: boolean } // no MX; an A/AAAA record is the implicit MX (RFC 5321 §5.1)
  | { kind: 'nxdomain' }
  | { kind: 'error'; message: string };

export interface DnsConfig {
  /** Resolver addresses, `IP` or `IP:PORT` (default: the system's). */
  servers?: string[];
  timeoutMs?: number;
  tries?: number;
}

export interface Dns {
  mx(domain: string): Promise<MxLookup>;
}

const NODATA = new Set(['ENODATA', 'ENOTFOUND', 'NOTFOUND', 'ENONAME']);

export function createDns(config: DnsConfig = {}): Dns {
  const resolver = new Resolver({ timeout: config.timeoutMs ?? 5000, tries: config.tries ?? 2 });
  if (config.servers?.length) resolver.setServers(config.servers);
  const cache = new Map<string, Promise<MxLookup>>();

  async function hasAddress(domain: string): Promise<boolean> {
    for (const fn of [() => resolver.resolve4(domain), () => resolver.resolve6(domain)]) {
      try {
        if ((await fn()).length) return true;
      } catch {
        // try the next family
      }
    }
    return false;
  }

  async function lookupMx(domain: string): Promise<MxLookup> {
    try {
      const records = await resolver.resolveMx(domain);
      if (records.length === 1 && (records[0]!.exchange === '' || records[0]!.exchange === '.')) return { kind: 'null_mx' };
      if (!records.length) return { kind: 'no_mx', hasAddress: await hasAddress(domain) };
      return { kind: 'mx', records: records.sort((a, b) => a.priority - b.priority) };
    } catch (err) {
      const code = (err as { code?: string }).code ?? '';
      // c-ares reports NXDOMAIN as ENOTFOUND and an empty answer as ENODATA.
      if (code === 'ENOTFOUND') {
        // Tell "no such domain" from "no MX record" with an address query.
        return (await hasAddress(domain)) ? { kind: 'no_mx', hasAddress: true } : { kind: 'nxdomain' };
      }
      if (NODATA.has(code)) return { kind: 'no_mx', hasAddress: await hasAddress(domain) };
      return { kind: 'error', message: `MX lookup for ${domain} failed (${code || (err as Error).message})` };
    }
  }

  return {
    mx(domain: string) {
      const d = domain.toLowerCase();
      let p = cache.get(d);
      if (!p) {
        p = lookupMx(d);
        cache.set(d, p);
      }
      return p;
    },
  };
}
