// `outreach draft`: writes every step of each enrolled lead's sequence (Claude API, Bedrock, or templates
// alone), then `draft review` (interactive), `draft list|show|approve|reject` (scriptable).
// The environment (ANTHROPIC_API_KEY, ANTHROPIC_BASE_URL, AWS_REGION ...) is read here and only here.
import type { Command } from 'commander';
import { existsSync, readFileSync } from 'node:fs';
import { action, type Ctx } from '../context.js';
import { examples, intOption, numberOption } from '../help.js';
import { UserError, UsageError } from '../../errors.js';
import { templateDirs } from './campaign.js';
import type { ModelAdapter, Provider } from '../../adapters/llm/types.js';
import type { CampaignRow } from '../../stages/campaign/index.js';
import type { DraftEnv } from '../../stages/draft/index.js';
import type { DraftRow, DraftStatus } from '../../stages/draft/review.js';

interface ModelFlags {
  provider?: string;
  model?: string;
}

const PROVIDERS = ['anthropic', 'bedrock', 'offline'];

function draftEnv(ctx: Ctx): DraftEnv {
  const profileText = existsSync(ctx.profileFile) ? readFileSync(ctx.profileFile, 'utf8') : '';
  return { settings: ctx.settings(), profileText, templateDirs: templateDirs() };
}

/** The adapter for a campaign: --provider, else the campaign's, else settings draft.provider (auto: key → Claude). */
async function adapterFactory(ctx: Ctx, flags: ModelFlags): Promise<(c: CampaignRow) => ModelAdapter> {
  const { createModelAdapter, resolveProvider } = await import('../../adapters/llm/index.js');
  if (flags.provider && !PROVIDERS.includes(flags.provider)) throw new UsageError(`--provider must be anthropic, bedrock or offline, got "${flags.provider}"`);
  const env = ctx.env;
  const s = ctx.settings();
  const cache = new Map<string, ModelAdapter>();
  return (c: CampaignRow) => {
    const wanted = (flags.provider ?? c.provider ?? s.draft.provider) as Provider | 'auto';
    const provider = resolveProvider(wanted, { apiKey: env.ANTHROPIC_API_KEY });
    const model = flags.model || c.model || s.draft.model || '';
    const key = `${provider}:${model}`;
    let a = cache.get(key);
    if (!a) {
      a = createModelAdapter({
        provider,
        model,
        apiKey: env.ANTHROPIC_API_KEY || undefined,
        baseURL: provider === 'anthropic' ? env.ANTHROPIC_BASE_URL || undefined : provider === 'bedrock' ? env.ANTHROPIC_BEDROCK_BASE_URL || undefined : undefined,
        awsRegion: env.AWS_REGION || env.AWS_DEFAULT_REGION || undefined,
        bedrockApiKey: env.AWS_BEARER_TOKEN_BEDROCK || undefined,
        maxRetries: env.OUTREACH_MODEL_MAX_RETRIES ? Number(env.OUTREACH_MODEL_MAX_RETRIES) : undefined,
      });
      cache.set(key, a);
    }
    return a;
  };
}

const usd = (n: number) => `$${n < 1 ? n.toFixed(4) : n.toFixed(2)}`;

interface DraftFlags extends ModelFlags {
  campaign?: string;
  limit?: number;
  dryRun?: boolean;
  batch?: boolean;
  maxSpend?: number;
  concurrency?: number;
}

export function register(program: Command): void {
  const draft = program
    .command('draft')
    .description('write the emails of each lead\'s sequence (Claude API, Amazon Bedrock, or templates alone), checked for compliance')
    .option('--campaign <name>', 'only this campaign (default: every active campaign)')
    .option('--limit <n>', 'draft at most n leads (each gets its whole sequence)', intOption('--limit', { min: 1 }))
    .option('--provider <provider>', 'anthropic, bedrock or offline (default: the campaign\'s, else Claude when ANTHROPIC_API_KEY is set, else offline)')
    .option('--model <model>', 'model id (default: the campaign\'s, else settings draft.model, else the provider default)')
    .option('--dry-run', 'estimate the drafts and their cost; write nothing')
    .option('--batch', 'use the Message Batches API (half price; results can take minutes to hours)')
    .option('--max-spend <usd>', 'stop before model spend in this run would pass this many US dollars', numberOption('--max-spend', { min: 0 }))
    .option('--concurrency <n>', 'model calls at once (default: settings draft.concurrency)', intOption('--concurrency', { min: 1, max: 64 }))
    .action(
      action(
        async (ctx: Ctx, opts: DraftFlags) => {
          const { runDraft } = await import('../../stages/draft/index.js');
          const adapterFor = await adapterFactory(ctx, opts);
          const env = draftEnv(ctx);
          const sp = ctx.out.spinner(opts.dryRun ? 'Estimating drafts' : 'Drafting');
          let res;
          try {
            res = await runDraft(ctx.db(), {
              ...env,
              campaign: opts.campaign,
              limit: opts.limit,
              dryRun: opts.dryRun,
              batch: opts.batch,
              maxSpendUsd: opts.maxSpend,
              concurrency: opts.concurrency ?? env.settings.draft.concurrency,
              runId: ctx.runId,
              signal: ctx.signal,
              adapterFor,
              onProgress: (p) => sp.update(`Drafting ${p.done}/${p.total} (${usd(p.spentUsd)}): ${p.text}`),
            });
          } catch (err) {
            sp.fail();
            throw err;
          }
          sp.stop();
          for (const k of ['drafts', 'pending', 'approved', 'blocked', 'failed', 'enrolled'] as const) if (res[k]) ctx.count(k, res[k]);
          if (res.failed) ctx.count('errors', res.failed);
          if (opts.batch && res.items.some((i) => i.provider !== 'anthropic') && !opts.dryRun) {
            ctx.out.warn('--batch needs the Claude API provider; the other drafts were written with normal calls.');
          }
          if (ctx.json) {
            ctx.out.printJson(res);
          } else {
            printDraftResult(ctx, res);
          }
          if (res.failed > 0) process.exitCode = 1;
        },
        { audit: true },
      ),
    );
  examples(draft, [
    'outreach draft --dry-run                      # how many drafts, and the estimated cost',
    'outreach draft --campaign spring-jewelry --limit 50 --max-spend 2',
    'outreach draft --provider offline             # templates and facts only, no model',
    'outreach draft --batch --max-spend 10         # Message Batches API: half price, slower',
    'outreach draft review',
    'outreach draft review --approve-all --campaign spring-jewelry',
    'outreach draft list --status blocked --json',
  ]);

  examples(
    draft
      .command('list')
      .description('list drafts (review order: campaign, lead, step)')
      .option('--campaign <name>', 'only this campaign')
      .option('--status <status>', 'pending, approved, rejected, blocked or sent')
      .option('--lead <id>', 'only this lead id', intOption('--lead', { min: 1 }))
      .option('--limit <n>', 'at most n drafts', intOption('--limit', { min: 1 }))
      .action(
        action(async (ctx: Ctx, opts: { campaign?: string; status?: string; lead?: number; limit?: number }) => {
          const { listDrafts, DRAFT_STATUSES } = await import('../../stages/draft/review.js');
          if (opts.status && !DRAFT_STATUSES.includes(opts.status as DraftStatus)) throw new UsageError(`--status must be one of ${DRAFT_STATUSES.join(', ')}`);
          const rows = listDrafts(ctx.db({ create: false }), { campaign: opts.campaign, status: opts.status as DraftStatus | undefined, leadId: opts.lead, limit: opts.limit });
          if (ctx.json) return ctx.out.printJson(rows);
          if (!rows.length) return ctx.out.info('No drafts match. Write some with `outreach draft`.');
          ctx.out.table(rows, [
            { header: 'id', value: (r) => r.id, align: 'right' },
            { header: 'campaign', value: (r) => r.campaign },
            { header: 'lead', value: (r) => r.domain },
            { header: 'step', value: (r) => r.step, align: 'right' },
            { header: 'var', value: (r) => r.variant },
            { header: 'status', value: (r) => r.status },
            { header: 'subject / problem', value: (r) => (r.status === 'blocked' ? problems(r)[0] ?? r.subject : r.subject).slice(0, 70) },
            { header: 'cost', value: (r) => (r.costUsd ? usd(r.costUsd) : ''), align: 'right' },
          ]);
        }),
      ),
    ['outreach draft list', 'outreach draft list --status pending --campaign spring-jewelry', 'outreach draft list --json | jq ".[] | select(.status==\\"blocked\\")"'],
  );

  examples(
    draft
      .command('show')
      .argument('<id>', 'draft id', intOption('id', { min: 1 }))
      .description("show one draft beside the lead's facts and scores, with its compliance checks")
      .action(
        action(async (ctx: Ctx, _opts: unknown, id: number) => {
          const { draftDetail } = await import('../../stages/draft/review.js');
          const d = draftDetail(ctx.db({ create: false }), id);
          if (ctx.json) return ctx.out.printJson(d);
          printDetail(ctx, d);
        }),
      ),
    ['outreach draft show 12', 'outreach draft show 12 --json'],
  );

  examples(
    draft
      .command('approve')
      .argument('<ids...>', 'draft ids')
      .description('approve drafts (compliance is checked again; a failing draft is blocked, not approved)')
      .action(
        action(
          async (ctx: Ctx, _opts: unknown, ids: string[]) => {
            const { approveDraft } = await import('../../stages/draft/review.js');
            const env = draftEnv(ctx);
            const out = ids.map((raw) => {
              const id = parseId(raw);
              return approveDraft(ctx.db(), env, id, { runId: ctx.runId });
            });
            const ok = out.filter((o) => o.approved);
            ctx.count('approved', ok.length);
            if (ctx.json) ctx.out.printJson(out);
            else
              for (const o of out) {
                if (o.approved) ctx.out.success(`Draft ${o.id} approved.`);
                else ctx.out.error(`Draft ${o.id} cannot be approved:`, o.failures.map((f) => `${f.message}${f.fix ? ` Fix: ${f.fix}` : ''}`).join('\n  '));
              }
            if (ok.length < out.length) process.exitCode = 1;
          },
          { audit: true },
        ),
      ),
    ['outreach draft approve 12 13 14'],
  );

  examples(
    draft
      .command('reject')
      .argument('<ids...>', 'draft ids')
      .option('--note <text>', 'why (kept with the draft)')
      .description("reject drafts (stops that lead's sequence in this campaign)")
      .action(
        action(
          async (ctx: Ctx, opts: { note?: string }, ids: string[]) => {
            const { rejectDraft } = await import('../../stages/draft/review.js');
            for (const raw of ids) rejectDraft(ctx.db(), parseId(raw), { runId: ctx.runId, note: opts.note });
            ctx.count('rejected', ids.length);
            if (ctx.json) ctx.out.printJson({ rejected: ids.map(parseId) });
            else ctx.out.success(`Rejected ${ids.length} draft${ids.length > 1 ? 's' : ''}.`);
          },
          { audit: true },
        ),
      ),
    ['outreach draft reject 12 --note "wrong niche"'],
  );

  examples(
    draft
      .command('review')
      .description('review drafts one by one (approve, edit in $EDITOR, regenerate, reject, skip); --approve-all for scripts')
      .option('--campaign <name>', 'only this campaign')
      .option('--approve-all', 'approve every pending draft that passes compliance (no questions)')
      .option('--include-flagged', 'with --approve-all: also approve drafts whose claims check flagged a number or name')
      .option('--status <status>', 'review drafts in this status (default: pending and blocked)')
      .option('--provider <provider>', 'provider used to regenerate')
      .option('--model <model>', 'model used to regenerate')
      .action(
        action(
          async (ctx: Ctx, opts: { campaign?: string; approveAll?: boolean; includeFlagged?: boolean; status?: string } & ModelFlags) => {
            const review = await import('../../stages/draft/review.js');
            const env = draftEnv(ctx);
            if (opts.approveAll) {
              const r = review.approveAll(ctx.db(), env, { campaign: opts.campaign, includeFlagged: opts.includeFlagged, runId: ctx.runId });
              ctx.count('approved', r.approved.length);
              if (r.blocked.length) ctx.count('blocked', r.blocked.length);
              if (ctx.json) return ctx.out.printJson(r);
              ctx.out.success(`Approved ${r.approved.length} draft${r.approved.length === 1 ? '' : 's'}.`);
              for (const b of r.blocked) ctx.out.error(`Draft ${b.id} (${b.domain}, step ${b.step}) blocked:`, b.failures.join('\n  '));
              if (r.flagged.length) {
                ctx.out.warn(`${r.flagged.length} draft(s) left pending: the claims check flagged them (review them, or pass --include-flagged):`);
                for (const f of r.flagged) ctx.out.info(`  #${f.id} ${f.domain} step ${f.step}: ${f.claims.join('; ')}`);
              }
              return;
            }
            if (!process.stdin.isTTY || !process.stdout.isTTY) {
              throw new UsageError(
                '`outreach draft review` is interactive and needs a terminal.',
                'In scripts use `outreach draft review --approve-all [--campaign NAME]` (compliance still enforced), or `outreach draft list --json` then `outreach draft approve ID...` / `outreach draft reject ID...`.',
              );
            }
            await interactiveReview(ctx, env, opts);
          },
          { audit: true },
        ),
      ),
    ['outreach draft review', 'outreach draft review --campaign spring-jewelry', 'outreach draft review --approve-all', 'outreach draft review --approve-all --include-flagged --json'],
  );
}

function parseId(raw: string): number {
  const n = Number(raw);
  if (!Number.isSafeInteger(n) || n < 1) throw new UsageError(`"${raw}" is not a draft id`);
  return n;
}

function problems(r: DraftRow): string[] {
  if (r.error) return [r.error];
  return [...r.compliance.filter((c) => !c.ok).map((c) => `${c.rule}: ${c.message}`), ...r.claims.map((c) => `claim: ${c.message}`)];
}

function printDraftResult(ctx: Ctx, res: import('../../stages/draft/index.js').DraftResult): void {
  const o = ctx.out;
  if (res.items.length && res.items.length <= 200) {
    o.table(res.items, [
      { header: 'draft', value: (r) => r.draftId ?? '', align: 'right' },
      { header: 'lead', value: (r) => r.domain },
      { header: 'step', value: (r) => r.step, align: 'right' },
      { header: 'var', value: (r) => r.variant },
      { header: 'status', value: (r) => r.status },
      { header: 'subject / reason', value: (r) => (r.status === 'blocked' || r.status === 'failed' ? r.reasons[0] ?? '' : r.subject).slice(0, 80) },
    ]);
  }
  for (const s of res.skipped) o.warn(`skipped ${s.domain}: ${s.reason}`);
  const ne = res.notEnrolled;
  if (ne.replied + ne.unsubscribed + ne.bounced) {
    const parts: string[] = [];
    if (ne.replied) parts.push(`${ne.replied} already replied (${Object.entries(ne.replies).map(([label, n]) => `${n} ${label}`).join(', ')})`);
    if (ne.unsubscribed) parts.push(`${ne.unsubscribed} unsubscribed`);
    if (ne.bounced) parts.push(`${ne.bounced} bounced`);
    o.info(
      `Not enrolled, nothing drafted: ${parts.join(', ')}.` +
        (ne.replied ? ' A lead that replied is a human conversation now (WARM included): answer it yourself (`outreach inbox list`).' : '') +
        (o.verbose ? '' : ' Which ones: --verbose or --json.'),
    );
    for (const l of ne.leads) o.debug(`  not enrolled in ${l.campaign}: ${l.domain}: ${l.detail}`);
  }
  const tok = res.usage;
  const tokens = tok.inputTokens + tok.cacheReadTokens + tok.cacheWriteTokens;
  if (res.dryRun) {
    o.print(
      `Dry run: would draft ${res.drafts} email${res.drafts === 1 ? '' : 's'} for ${res.leads} lead${res.leads === 1 ? '' : 's'} (${res.campaigns.join(', ')}); ` +
        `${res.blocked} would be blocked. Estimated cost ${usd(res.estimatedUsd)} (about ${tokens} input tokens, ${tok.outputTokens} output). Nothing was written.`,
    );
    return;
  }
  o.print(
    `Drafted ${res.drafts} email${res.drafts === 1 ? '' : 's'} for ${res.leads} lead${res.leads === 1 ? '' : 's'}: ${res.pending} pending review, ${res.approved} approved, ${res.blocked} blocked, ${res.failed} failed. ` +
      `Enrolled ${res.enrolled} new lead${res.enrolled === 1 ? '' : 's'}. Spent ${usd(res.spentUsd)}` +
      (tokens ? ` (${tokens} input tokens, ${tok.cacheReadTokens} from cache; ${tok.outputTokens} output).` : '.'),
  );
  if (res.stoppedForSpend) o.warn('Stopped before passing --max-spend; run again (with a higher limit) to continue.');
  if (res.interrupted) o.warn('Interrupted: finished drafts are saved; run again to continue.');
  if (res.blocked) o.info('Blocked drafts say why: `outreach draft list --status blocked`.');
  if (res.pending) o.info('Next: `outreach draft review`.');
}

function printDetail(ctx: Ctx, d: import('../../stages/draft/review.js').DraftDetail): void {
  const o = ctx.out;
  const c = o.c;
  const r = d.draft;
  o.print(c.bold(`Draft #${r.id}  ${r.campaign}  step ${r.step}${r.variant ? ` (variant ${r.variant})` : ''}  [${r.status}]`));
  o.print(`To: ${r.email ?? '-'}   Lead: ${d.lead.domain}${d.lead.storeName ? ` (${d.lead.storeName})` : ''}   ${d.lead.country ?? ''}`);
  if (d.lead.score) o.print(`Scores: fit ${d.lead.score.fit}, intent ${d.lead.score.intent}${d.lead.score.reasons.length ? `: ${d.lead.score.reasons.slice(0, 3).join('; ')}` : ''}`);
  const facts = d.lead.facts.filter((f) => !f.key.startsWith('contact.')).slice(0, 12);
  if (facts.length) {
    o.print(c.dim('Facts:'));
    for (const f of facts) o.print(c.dim(`  ${f.key}: ${f.value.slice(0, 90)}${f.source ? `  (${f.source})` : ''}`));
  }
  o.print('');
  o.print(`${c.bold('Subject:')} ${r.subject}`);
  o.print('');
  o.print(r.bodyText || c.dim('(no text)'));
  const fails = r.compliance.filter((x) => !x.ok);
  if (r.error) o.print(c.red(`✖ ${r.error}`));
  for (const f of fails) o.print(c.red(`✖ ${f.rule}: ${f.message}${f.fix ? ` Fix: ${f.fix}` : ''}`));
  for (const cl of r.claims) o.print(c.yellow(`! ${cl.kind}: ${cl.message}`));
  if (!fails.length && !r.error && r.compliance.length) o.print(c.green('✔ compliance checks pass'));
  if (d.sequence.length > 1) o.print(c.dim(`Sequence: ${d.sequence.map((s) => `${s.step}:${s.status}`).join('  ')}`));
  o.print(c.dim(`${r.provider}${r.model ? ` ${r.model}` : ''}; ${r.inputTokens + r.cacheReadTokens + r.cacheWriteTokens} input tokens (${r.cacheReadTokens} cached), ${r.outputTokens} output, ${usd(r.costUsd)}`));
}

async function interactiveReview(ctx: Ctx, env: DraftEnv, opts: { campaign?: string; status?: string } & ModelFlags): Promise<void> {
  const { select, input, editor } = await import('@inquirer/prompts');
  const review = await import('../../stages/draft/review.js');
  const { regenerateDraft } = await import('../../stages/draft/index.js');
  const statuses: DraftStatus[] = opts.status ? [opts.status as DraftStatus] : ['pending', 'blocked'];
  const queue = statuses.flatMap((s) => review.listDrafts(ctx.db(), { campaign: opts.campaign, status: s }));
  queue.sort((a, b) => a.campaignId - b.campaignId || a.enrollmentId - b.enrollmentId || a.step - b.step);
  if (!queue.length) return ctx.out.info('Nothing to review.');
  let adapterFor: ((c: CampaignRow) => ModelAdapter) | null = null;
  const tally = { approved: 0, rejected: 0, edited: 0, regenerated: 0, skipped: 0 };
  let i = 0;
  outer: for (const row of queue) {
    i++;
    for (;;) {
      if (ctx.signal.aborted) break outer;
      const d = review.draftDetail(ctx.db(), row.id);
      ctx.out.print('\n' + ctx.out.c.dim(`── ${i}/${queue.length} ──────────────────────────────────────────`));
      printDetail(ctx, d);
      const blocked = d.draft.status === 'blocked';
      const choice = await select({
        message: 'What now?',
        choices: [
          { name: blocked ? 'approve (blocked: fix it first)' : 'approve', value: 'approve', disabled: blocked || !d.draft.bodyText ? 'fails compliance' : false },
          { name: 'edit in $EDITOR', value: 'edit', disabled: !d.draft.bodyText ? 'no text' : false },
          { name: 'regenerate', value: 'regenerate' },
          { name: 'reject', value: 'reject' },
          { name: 'skip', value: 'skip' },
          { name: 'quit', value: 'quit' },
        ],
      });
      if (choice === 'quit') break outer;
      if (choice === 'skip') {
        tally.skipped++;
        continue outer;
      }
      if (choice === 'approve') {
        const r = review.approveDraft(ctx.db(), env, row.id, { runId: ctx.runId });
        if (r.approved) {
          tally.approved++;
          ctx.out.success('Approved.');
          continue outer;
        }
        ctx.out.error('Cannot approve:', r.failures.map((f) => `${f.message}${f.fix ? ` Fix: ${f.fix}` : ''}`).join('\n  '));
        continue;
      }
      if (choice === 'reject') {
        const note = await input({ message: 'Why (optional):' });
        review.rejectDraft(ctx.db(), row.id, { runId: ctx.runId, note: note || undefined });
        tally.rejected++;
        continue outer;
      }
      if (choice === 'edit') {
        const text = await editor({
          message: 'Edit the draft (first line: Subject: ...). Save and close the editor to continue.',
          default: `Subject: ${d.draft.subject}\n\n${d.draft.bodyText}`,
          postfix: '.txt',
          waitForUserInput: false,
        });
        const m = /^Subject:[ \t]*(.*)\n+([\s\S]*)$/.exec(text.replace(/\r\n/g, '\n'));
        if (!m) {
          ctx.out.error('The first line must be "Subject: ..." followed by the body; nothing was changed.');
          continue;
        }
        const r = review.editDraft(ctx.db(), env, row.id, { subject: m[1]!, body: m[2]! }, { runId: ctx.runId });
        tally.edited++;
        if (r.failures.length) ctx.out.error('Saved, but it fails compliance:', r.failures.map((f) => f.message).join('\n  '));
        continue;
      }
      if (choice === 'regenerate') {
        adapterFor ??= await adapterFactory(ctx, opts);
        const campaign = (await import('../../stages/campaign/index.js')).getCampaign(ctx.db(), d.draft.campaign);
        if (adapterFor(campaign).provider === 'offline') {
          ctx.out.warn('The offline provider renders the same template again: set ANTHROPIC_API_KEY (or pass --provider) to rewrite with a model, or edit the draft.');
        }
        const note = await input({ message: 'Note for the rewrite (optional, e.g. "shorter, mention the rings"):' });
        const sp = ctx.out.spinner('Regenerating');
        try {
          await regenerateDraft(ctx.db(), row.id, { ...env, adapterFor, runId: ctx.runId, instructions: note || undefined });
          sp.stop();
          tally.regenerated++;
        } catch (err) {
          sp.fail();
          if (err instanceof UserError) ctx.out.error(err.message, err.hint);
          else ctx.out.error(`Could not regenerate: ${(err as Error).message}`);
        }
        continue;
      }
    }
  }
  for (const [k, v] of Object.entries(tally)) if (v) ctx.count(k, v);
  ctx.out.info(`Review done: ${tally.approved} approved, ${tally.rejected} rejected, ${tally.edited} edited, ${tally.regenerated} regenerated, ${tally.skipped} skipped.`);
}
