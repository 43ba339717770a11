// `outreach enrich`: visit each confirmed Shopify store and record facts and contacts. Thin wiring:
// flags and environment in, the enrich stage, results out.
import { Option, type Command } from 'commander';
import { action, type Ctx } from '../context.js';
import { operatorWebsite, packageVersion } from '../meta.js';
import { examples, intOption, numberOption } from '../help.js';
import { UserError } from '../../errors.js';

interface EnrichFlags {
  dryRun?: boolean;
  limit?: number;
  refresh?: boolean;
  retryErrors?: boolean;
  domain: string[];
  concurrency: number;
  allowPrivate?: boolean;
  delay: number;
  timeout: number;
  maxProductPages: number;
  mx: boolean;
  dnsServer: string[];
}

const collect = (v: string, prev: string[]) => [...prev, ...v.split(',').map((s) => s.trim()).filter(Boolean)];

export function register(program: Command): void {
  const cmd = program
    .command('enrich')
    .description('visit each confirmed Shopify store and record facts (catalogue, contacts, socials, apps) with their source')
    .option('--limit <n>', 'visit at most N stores this run', intOption('--limit', { min: 1 }))
    .option('--refresh', 'visit stores already enriched again (conditional requests: unchanged pages are not re-read)')
    .option('--retry-errors', 'also retry stores whose last visit failed')
    .option('--dry-run', 'list the stores that would be visited: fetch nothing, write nothing')
    .addOption(new Option('--domain <domain>', 'only this store (repeatable)').argParser(collect).default([], 'all'))
    .option('--concurrency <n>', 'stores visited at once', intOption('--concurrency', { min: 1, max: 64 }), 4)
    .option('--allow-private', 'allow stores on loopback and private addresses (tests, the demo, your own network)')
    .option('--delay <ms>', 'least time between two requests to one host (a robots.txt Crawl-delay may raise it)', intOption('--delay', { min: 0, max: 60_000 }), 1000)
    .option('--timeout <seconds>', 'per-request timeout', numberOption('--timeout', { min: 0.1, max: 300 }), 15)
    .option('--max-product-pages <n>', 'pages of 250 products to read per store', intOption('--max-product-pages', { min: 0, max: 100 }), 4)
    .option('--no-mx', 'do not look up MX records of the emails found')
    .addOption(new Option('--dns-server <ip[:port]>', 'DNS resolver for MX lookups (repeatable)').argParser(collect).default([], '$OUTREACH_DNS_SERVERS, else the system one'))
    .action(
      action(async (ctx, flags: EnrichFlags) => {
        const { createHttp, userAgentFor } = await import('../../adapters/http.js');
        const { createDns } = await import('../../adapters/dns.js');
        const { enrich } = await import('../../stages/enrich/index.js');
        const { normalizeDomain } = await import('../../domain/normalize.js');

        const domains: string[] = [];
        for (const d of flags.domain) {
          const n = normalizeDomain(d);
          if (!n.ok) throw new UserError(`--domain ${d}: ${n.reason}`);
          domains.push(n.value.domain);
        }
        const servers = flags.dnsServer.length ? flags.dnsServer : (ctx.env.OUTREACH_DNS_SERVERS ?? '').split(',').map((s) => s.trim()).filter(Boolean);
        const inFlight = Math.max(16, flags.concurrency * 4);
        const http = createHttp({
          userAgent: userAgentFor(packageVersion(), operatorWebsite(ctx)),
          allowPrivate: Boolean(flags.allowPrivate),
          perHostDelayMs: flags.delay,
          timeoutMs: Math.round(flags.timeout * 1000),
          globalConcurrency: inFlight,
        });
        let dns;
        try {
          dns = flags.mx ? createDns({ servers }) : undefined;
        } catch (err) {
          throw new UserError(`--dns-server: ${(err as Error).message}`, 'Give an IP address, optionally with :PORT.');
        }
        const sp = ctx.out.spinner('Enriching stores');
        let result;
        try {
          result = await enrich(ctx.db(), { http, dns }, {
            limit: flags.limit,
            refresh: flags.refresh,
            retryErrors: flags.retryErrors,
            domains,
            concurrency: flags.concurrency,
            maxProductPages: flags.maxProductPages,
            checkMx: flags.mx,
            dryRun: flags.dryRun,
            runId: ctx.runId,
            signal: ctx.signal,
            onProgress: (p) => sp.update(`Enriching ${p.done}/${p.total}${p.errors ? ` (${p.errors} failed)` : ''} ${p.current ?? ''}`),
            onResult: (r) => {
              if (r.status === 'error') ctx.out.debug(`${r.domain}: ${r.error}`);
            },
          });
        } finally {
          sp.stop();
          http.close();
        }
        const n = result.counts;
        if (flags.dryRun) ctx.count('would_enrich', n.selected);
        else {
          ctx.count('selected', n.selected);
          ctx.count('done', n.done);
          ctx.count('errors', n.errors);
          ctx.count('new_facts', n.newFacts);
          ctx.count('new_contacts', n.newContacts);
        }

        if (ctx.json) {
          ctx.out.printJson(
            result.results.map((r) => ({
              domain: r.domain,
              status: r.status,
              facts: r.facts,
              new_facts: r.newFacts,
              new_contacts: r.newContacts,
              emails: r.emails,
              apps: r.apps,
              notes: r.notes,
              error: r.error,
            })),
          );
        } else if (result.results.length) {
          ctx.out.table(result.results, [
            { header: 'domain', value: (r) => r.domain },
            { header: 'status', value: (r) => r.status },
            { header: 'facts', value: (r) => (r.status === 'done' ? `${r.facts} (+${r.newFacts})` : ''), align: 'right' },
            { header: 'emails', value: (r) => r.emails.map((e) => e.email + (e.validation === 'valid' ? '' : ` (${e.validation})`)).join(', ').slice(0, 60) },
            { header: 'apps / error', value: (r) => (r.error ?? r.apps.join(', ')).slice(0, 70) },
          ]);
        }
        if (!ctx.json) {
          if (flags.dryRun) {
            ctx.out.info(`${n.selected} store(s) would be visited; nothing fetched or written (--dry-run).`);
            return;
          }
          if (n.selected === 0) {
            ctx.out.info('No confirmed store waits for enrichment (run `outreach discover` first, or --refresh to visit enriched ones again).');
          } else {
            ctx.out.success(`Enriched ${n.done} of ${n.selected}: ${n.newFacts} new fact(s), ${n.newContacts} new contact(s)${n.errors ? `, ${n.errors} failed (recorded; --retry-errors tries them again)` : ''}`);
          }
          if (result.interrupted) ctx.out.warn('Interrupted: run `outreach enrich` again to continue where it stopped.');
        }
        if (n.selected > 0 && n.errors === n.selected) {
          throw new UserError(`Every store failed (${n.errors}); first error: ${result.results.find((r) => r.error)?.error}`);
        }
      }, { audit: true }),
    );
  examples(cmd, [
    'outreach enrich',
    'outreach enrich --limit 100 --concurrency 8',
    'outreach enrich --refresh --domain acme-jewelry.com',
    'outreach enrich --retry-errors --json',
    'outreach enrich --dns-server 1.1.1.1',
  ]);
}
