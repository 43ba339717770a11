// `outreach discover`: find candidate stores (search providers, a list of domains, or leads never checked)
// and confirm which run Shopify. Thin wiring: flags and environment in, the discover stage, results out.
import { Option, type Command } from 'commander';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { action, type Ctx } from '../context.js';
import { operatorWebsite, packageVersion } from '../meta.js';
import { examples, intOption, numberOption } from '../help.js';
import { UsageError, UserError } from '../../errors.js';

interface DiscoverFlags {
  keyword?: string;
  country?: string;
  limit: number;
  provider: string[];
  fromFile?: string;
  unchecked?: boolean;
  refresh?: boolean;
  dryRun?: boolean;
  allowPrivate?: boolean;
  concurrency: number;
  delay: number;
  timeout: number;
}

const collect = (v: string, prev: string[]) => [...prev, ...v.split(',').map((s) => s.trim()).filter(Boolean)];

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

export function register(program: Command): void {
  const cmd = program
    .command('discover')
    .description('find Shopify stores by keyword through search providers, or from a list of domains, and confirm which run Shopify')
    .option('-k, --keyword <keyword>', 'what the stores sell, e.g. jewelry')
    .option('--country <country>', 'favour stores in this country (ISO code or English name)')
    .option('--limit <n>', 'most new candidates to take from search', intOption('--limit', { min: 1, max: 10_000 }), 50)
    .addOption(new Option('--provider <name>', 'search provider: brave, serper, serpapi, searxng (repeatable)').argParser(collect).default([], 'every one configured in .env'))
    .option('--from-file <file>', 'domains or URLs, one a line ("-" reads stdin); URLs may carry a port')
    .option('--unchecked', 'also check leads already in the database that were never checked (e.g. imported ones)')
    .option('--refresh', 'check again candidates that were already checked')
    .option('--dry-run', 'search and list candidates only: fetch no store, write nothing')
    .option('--allow-private', 'allow stores on loopback and private addresses (tests, the demo, your own network)')
    .option('--concurrency <n>', 'stores checked at once', intOption('--concurrency', { min: 1, max: 64 }), 8)
    .option('--delay <ms>', 'least time between two requests to one host (a robots.txt Crawl-delay may raise it)', intOption('--delay', { min: 0, max: 60_000 }), 1000)
    .option('--timeout <seconds>', 'per-request timeout', numberOption('--timeout', { min: 0.1, max: 300 }), 15)
    .action(
      action(async (ctx, flags: DiscoverFlags) => {
        const { normalizeCountry } = await import('../../domain/normalize.js');
        const search = await import('../../adapters/search/index.js');
        const { createHttp, userAgentFor } = await import('../../adapters/http.js');
        const { discover, candidatesFromLines } = await import('../../stages/discover/index.js');

        let country: string | undefined;
        if (flags.country) {
          const c = normalizeCountry(flags.country);
          if (!c.ok) throw new UsageError(`--country: ${c.reason}`);
          country = c.value;
        }
        let fromFile = flags.fromFile;
        const implicitStdin = !flags.keyword && !fromFile && !flags.unchecked && !process.stdin.isTTY;
        if (implicitStdin) fromFile = '-';
        if (!flags.keyword && !fromFile && !flags.unchecked) {
          throw new UsageError('Nothing to discover.', 'Give --keyword WORDS, --from-file FILE (or pipe domains on stdin), or --unchecked.');
        }

        const candidates = [];
        if (fromFile) {
          let text: string;
          try {
            text = fromFile === '-' ? await readStdin() : readFileSync(resolve(fromFile), 'utf8');
          } catch (err) {
            throw new UserError(`Cannot read ${fromFile}: ${(err as Error).message}`);
          }
          if (implicitStdin && !text.trim()) {
            throw new UsageError('Nothing to discover.', 'Give --keyword WORDS, --from-file FILE (or pipe domains on stdin), or --unchecked.');
          }
          const name = fromFile === '-' ? 'stdin' : fromFile;
          const parsed = candidatesFromLines(text, name);
          for (const p of parsed.problems) ctx.out.warn(`${name}:${p.line}: skipped "${p.text}": ${p.reason}`);
          ctx.count('bad_lines', parsed.problems.length);
          candidates.push(...parsed.candidates);
        }

        const providers = [];
        if (flags.keyword) {
          const names = flags.provider.length ? flags.provider : search.configuredProviders(ctx.env);
          if (!names.length) {
            throw new UserError(
              'No search provider is configured.',
              'Put BRAVE_API_KEY, SERPER_API_KEY or SERPAPI_API_KEY (or SEARXNG_URL for your own SearXNG) in .env, or use --from-file.',
            );
          }
          for (const n of names) {
            if (!search.isProviderName(n)) throw new UsageError(`--provider: unknown provider "${n}"`, `Choose from ${Object.keys(search.PROVIDERS).join(', ')}.`);
            try {
              providers.push(search.createProvider(n, { ...search.providerConfigFromEnv(n, ctx.env), userAgent: `outreach/${packageVersion()}` }));
            } catch (err) {
              if (err instanceof search.SearchError) throw new UserError(err.message, err.hint);
              throw err;
            }
          }
        }

        const inFlight = Math.max(16, flags.concurrency * 3);
        const http = createHttp({
          userAgent: userAgentFor(packageVersion(), operatorWebsite(ctx)),
          allowPrivate: Boolean(flags.allowPrivate),
          perHostDelayMs: flags.delay,
          timeoutMs: Math.round(flags.timeout * 1000),
          globalConcurrency: inFlight,
        });
        const sp = ctx.out.spinner('Discovering stores');
        let result;
        try {
          result = await discover(ctx.db(), { http }, {
            keyword: flags.keyword,
            country,
            limit: flags.limit,
            providers,
            candidates,
            unchecked: flags.unchecked,
            refresh: flags.refresh,
            dryRun: flags.dryRun,
            concurrency: flags.concurrency,
            runId: ctx.runId,
            signal: ctx.signal,
            onProgress: (p) => sp.update(p.phase === 'search' ? `Searching ${p.current ?? ''}` : `Checking ${p.done}/${p.total} ${p.current ?? ''}`),
            onWarning: (m) => ctx.out.debug(m),
          });
        } finally {
          sp.stop();
          http.close();
        }
        for (const f of result.searchFailures) ctx.out.warn(f.message + (f.hint ? `\n  ${f.hint}` : ''));
        for (const [k, v] of Object.entries(result.counts)) ctx.count(k, v);
        ctx.count('errors', result.counts.unreachable);
        if (flags.keyword && result.candidates.length === 0 && result.searchFailures.length && result.searchFailures.length >= providers.length) {
          const f = result.searchFailures[0]!;
          throw new UserError(`Search failed: ${f.message}`, f.hint);
        }

        if (ctx.json) {
          ctx.out.printJson(
            result.candidates.map((c) => ({
              domain: c.domain,
              url: c.url,
              source: c.source,
              new: c.new,
              checked: c.checked,
              is_shopify: c.is_shopify,
              confidence: c.confidence,
              evidence: c.evidence,
              status: c.status,
              headless: c.headless,
              error: c.error,
            })),
          );
          return;
        }
        if (result.candidates.length) {
          ctx.out.table(result.candidates, [
            { header: 'domain', value: (c) => c.domain },
            { header: 'shopify', value: (c) => (c.status === 'unchecked' ? '' : c.status === 'unreachable' ? '?' : c.is_shopify ? 'yes' : 'no') },
            { header: 'conf', value: (c) => (c.status === 'unchecked' || c.status === 'unreachable' ? '' : c.confidence.toFixed(2)), align: 'right' },
            { header: 'status', value: (c) => c.status + (c.headless ? ' (headless)' : '') + (c.checked ? '' : c.status === 'unchecked' ? '' : ' (known)') },
            { header: 'evidence', value: (c) => (c.error ?? c.evidence.slice(0, 2).join('; ')).slice(0, 90) },
          ]);
        }
        const n = result.counts;
        if (flags.dryRun) {
          ctx.out.info(`${result.candidates.length} candidate(s) from ${result.queries} search(es); nothing fetched or written (--dry-run).`);
          return;
        }
        ctx.out.success(
          `Checked ${n.checked}: ${n.shopify} Shopify, ${n.notShopify} not Shopify, ${n.unreachable} unreachable` +
            (n.skipped ? `; ${n.skipped} already checked (--refresh checks them again)` : '') +
            (n.new ? `; ${n.new} new lead(s)` : ''),
        );
        if (result.interrupted) ctx.out.warn('Interrupted: run the same command again to check the rest.');
        else if (n.shopify) ctx.out.info('Next: `outreach enrich` to learn about the confirmed stores.');
      }, { audit: true }),
    );
  examples(cmd, [
    'outreach discover --keyword jewelry --country US --limit 200',
    'outreach discover --keyword "organic tea" --provider searxng',
    'outreach discover --from-file stores.txt --json',
    'cat domains.txt | outreach discover',
    'outreach discover --unchecked            # check imported leads',
    'outreach discover --from-file - --allow-private <<< "http://127.0.0.2:8080"',
  ]);
}
