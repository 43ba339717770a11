// `outreach campaign create|list|show|pause|resume|templates`: sequences of steps with A/B variants, and the
// filter that decides which leads join. The work is in src/stages/campaign (imported lazily).
import type { Command } from 'commander';
import { readFileSync, existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { action, type Ctx } from '../context.js';
import { examples, intOption } from '../help.js';
import { UserError, UsageError } from '../../errors.js';

const PKG_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

/** Where templates are looked up: the user's ./templates first, then the ones shipped with outreach. */
export function templateDirs(cwd = process.cwd()): string[] {
  const dirs = [resolve(cwd, 'templates'), resolve(PKG_ROOT, 'templates')];
  return [...new Set(dirs)];
}

interface CreateOptions {
  niche?: string;
  offer?: string;
  step?: string[];
  file?: string;
  minFit?: number;
  maxFit?: number;
  minIntent?: number;
  maxIntent?: number;
  tag?: string;
  country?: string;
  provider?: 'anthropic' | 'bedrock' | 'offline';
  model?: string;
  autoApprove?: boolean;
}

const collect = (v: string, prev: string[] = []) => [...prev, v];

export function register(program: Command): void {
  const campaign = program.command('campaign').description('campaigns: sequences of emails with A/B variants, and which leads join them');
  examples(campaign, [
    'outreach campaign create spring-jewelry --niche jewelry --offer email-flows --min-fit 60',
    'outreach campaign list',
    'outreach campaign show spring-jewelry',
    'outreach campaign pause spring-jewelry',
  ]);

  const create = campaign
    .command('create')
    .argument('<name>', 'campaign name (letters, digits, space, _ . -)')
    .description('create a campaign: its sequence (steps and A/B variants), offer and lead filter')
    .option('--niche <niche>', 'store niche: picks the default templates (jewelry, apparel, beauty, home, pets, food, general)')
    .option('--offer <offer>', 'an offer name from templates/offers (e.g. email-flows) or the offer text itself')
    .option(
      '--step <spec>',
      'a step, in order: TEMPLATE[=WEIGHT][,TEMPLATE[=WEIGHT]...][@DAYS] (variants A, B... with weights; follow-ups after DAYS business days); repeat for each step',
      collect,
    )
    .option('--file <file>', 'read the campaign from a YAML file (steps, inline variants, filter)')
    .option('--min-fit <n>', 'only leads with fit ≥ n', intOption('--min-fit', { min: 0, max: 100 }))
    .option('--max-fit <n>', 'only leads with fit ≤ n', intOption('--max-fit', { min: 0, max: 100 }))
    .option('--min-intent <n>', 'only leads with intent ≥ n', intOption('--min-intent', { min: 0, max: 100 }))
    .option('--max-intent <n>', 'only leads with intent ≤ n', intOption('--max-intent', { min: 0, max: 100 }))
    .option('--tag <tag>', 'only leads with this tag')
    .option('--country <cc>', 'only leads in this country (ISO code, e.g. US)')
    .option('--provider <provider>', 'model provider for this campaign: anthropic, bedrock or offline (default: automatic)')
    .option('--model <model>', 'model id for this campaign')
    .option('--auto-approve', 'approve drafts that pass compliance and the claims check without review')
    .action(
      action(
        async (ctx: Ctx, opts: CreateOptions, name: string) => {
          const { createCampaign, defaultSteps, parseCampaignFile, parseStepSpec, NICHES } = await import('../../stages/campaign/index.js');
          if (opts.provider && !['anthropic', 'bedrock', 'offline'].includes(opts.provider)) {
            throw new UsageError(`--provider must be anthropic, bedrock or offline, got "${opts.provider}"`);
          }
          // An empty --tag (`--tag "$SEGMENT"` with the variable unset) would store no tag filter: every lead would join.
          if (opts.tag !== undefined && !opts.tag.trim()) throw new UsageError('--tag: no tag given', 'Give a tag (--tag priority), or leave --tag out to target every lead.');
          if (opts.country && !/^[A-Za-z]{2}$/.test(opts.country)) throw new UsageError(`--country expects a two-letter ISO code, got "${opts.country}"`);
          if (opts.niche && !(NICHES as readonly string[]).includes(opts.niche)) {
            ctx.out.warn(`No built-in templates for niche "${opts.niche}"; the general ones are used unless you pass --step.`);
          }
          const dirs = templateDirs();
          let fromFile: ReturnType<typeof parseCampaignFile> | null = null;
          if (opts.file) {
            const f = resolve(opts.file);
            if (!existsSync(f)) throw new UserError(`No campaign file at ${f}.`);
            fromFile = parseCampaignFile(readFileSync(f, 'utf8'), f);
            if (opts.step?.length) throw new UsageError('Give the steps either with --step or in --file, not both.');
          }
          const steps = fromFile?.steps ?? (opts.step?.length ? opts.step.map((s, i) => parseStepSpec(s, i)) : defaultSteps(opts.niche ?? fromFile?.niche, dirs));
          const filter = {
            ...(fromFile?.filter ?? {}),
            ...Object.fromEntries(
              Object.entries({
                minFit: opts.minFit,
                maxFit: opts.maxFit,
                minIntent: opts.minIntent,
                maxIntent: opts.maxIntent,
                tag: opts.tag,
                country: opts.country?.toUpperCase(),
              }).filter(([, v]) => v !== undefined),
            ),
          };
          const c = createCampaign(
            ctx.db(),
            {
              name,
              offer: opts.offer ?? fromFile?.offer ?? null,
              niche: opts.niche ?? fromFile?.niche ?? null,
              provider: opts.provider ?? fromFile?.provider ?? null,
              model: opts.model ?? fromFile?.model ?? null,
              autoApprove: Boolean(opts.autoApprove ?? fromFile?.autoApprove),
              filter,
              steps,
            },
            dirs,
          );
          ctx.count('campaigns');
          const { showCampaign } = await import('../../stages/campaign/index.js');
          const detail = showCampaign(ctx.db(), c.name);
          if (ctx.json) return ctx.out.printJson(detail);
          ctx.out.success(`Created campaign "${c.name}" with ${steps.length} step${steps.length > 1 ? 's' : ''}; ${detail.eligible} lead(s) match its filter now.`);
          if (!c.offer) ctx.out.warn('No --offer: templates that use {{offer}} will stop drafts until the campaign has one.');
          printSequence(ctx, detail);
          ctx.out.info(`Next: outreach draft --campaign "${c.name}" --dry-run   (estimate), then without --dry-run.`);
        },
        { audit: true },
      ),
    );
  examples(create, [
    'outreach campaign create spring-jewelry --niche jewelry --offer email-flows --min-fit 60',
    'outreach campaign create ab-test --offer free-audit --step "jewelry-intro=70,jewelry-intro-short=30" --step jewelry-followup@3 --step breakup@5',
    'outreach campaign create uk-beauty --niche beauty --offer "I shoot product photos for beauty brands." --country GB --tag priority',
    'outreach campaign create custom --file campaign.yaml',
  ]);

  examples(
    campaign
      .command('list')
      .description('list campaigns with their enrollments and drafts')
      .option('--all', 'include archived campaigns')
      .action(
        action(async (ctx: Ctx, opts: { all?: boolean }) => {
          const { listCampaigns } = await import('../../stages/campaign/index.js');
          const rows = listCampaigns(ctx.db({ create: false }), { includeArchived: opts.all });
          if (ctx.json) return ctx.out.printJson(rows);
          if (!rows.length) return ctx.out.info('No campaigns yet. Create one: outreach campaign create NAME --niche jewelry --offer email-flows');
          ctx.out.table(rows, [
            { header: 'name', value: (r) => r.name },
            { header: 'status', value: (r) => r.status },
            { header: 'niche', value: (r) => r.niche },
            { header: 'steps', value: (r) => r.steps, align: 'right' },
            { header: 'leads', value: (r) => r.enrolled, align: 'right' },
            { header: 'pending', value: (r) => r.drafts.pending ?? 0, align: 'right' },
            { header: 'approved', value: (r) => r.drafts.approved ?? 0, align: 'right' },
            { header: 'blocked', value: (r) => r.drafts.blocked ?? 0, align: 'right' },
            { header: 'sent', value: (r) => r.drafts.sent ?? 0, align: 'right' },
            { header: 'provider', value: (r) => r.provider ?? 'auto' },
          ]);
        }),
      ),
    ['outreach campaign list', 'outreach campaign list --json'],
  );

  examples(
    campaign
      .command('show')
      .argument('<name>', 'campaign name')
      .description('show a campaign: filter, sequence, variants with their assignments and drafts')
      .action(
        action(async (ctx: Ctx, _opts: unknown, name: string) => {
          const { showCampaign } = await import('../../stages/campaign/index.js');
          const d = showCampaign(ctx.db({ create: false }), name);
          if (ctx.json) return ctx.out.printJson(d);
          const f = d.filter;
          const filter = [
            f.minFit !== undefined || f.maxFit !== undefined ? `fit ${f.minFit ?? 0}-${f.maxFit ?? 100}` : '',
            f.minIntent !== undefined || f.maxIntent !== undefined ? `intent ${f.minIntent ?? 0}-${f.maxIntent ?? 100}` : '',
            f.tag ? `tag ${f.tag}` : '',
            f.country ? `country ${f.country}` : '',
          ].filter(Boolean);
          ctx.out.print(`${ctx.out.c.bold(d.name)}  (${d.status})`);
          ctx.out.print(`  niche: ${d.niche ?? '-'}   offer: ${d.offer ?? '-'}   provider: ${d.provider ?? 'auto'}${d.model ? ` (${d.model})` : ''}   auto-approve: ${d.autoApprove ? 'yes' : 'no'}`);
          ctx.out.print(`  filter: ${filter.join(', ') || 'all leads with a contact'}   eligible now: ${d.eligible}`);
          ctx.out.print(`  enrollments: ${Object.entries(d.enrollments).map(([k, v]) => `${k} ${v}`).join(', ') || 'none'}`);
          ctx.out.print('');
          printSequence(ctx, d);
        }),
      ),
    ['outreach campaign show spring-jewelry', 'outreach campaign show spring-jewelry --json'],
  );

  for (const [verb, status, desc] of [
    ['pause', 'paused', 'pause a campaign: no new drafts, and send holds its messages'],
    ['resume', 'active', 'resume a paused campaign'],
    ['archive', 'archived', 'archive a finished campaign (hidden from list; nothing more is drafted or sent)'],
  ] as const) {
    examples(
      campaign
        .command(verb)
        .argument('<name>', 'campaign name')
        .description(desc)
        .action(
          action(
            async (ctx: Ctx, _opts: unknown, name: string) => {
              const { setCampaignStatus } = await import('../../stages/campaign/index.js');
              const r = setCampaignStatus(ctx.db(), name, status, ctx.runId);
              if (ctx.json) return ctx.out.printJson({ name, status, changed: r.changed });
              if (r.changed) ctx.out.success(`Campaign "${name}" is now ${status}.`);
              else ctx.out.info(`Campaign "${name}" was already ${status}.`);
            },
            { audit: true },
          ),
        ),
      [`outreach campaign ${verb} spring-jewelry`],
    );
  }

  examples(
    campaign
      .command('templates')
      .description('list the email templates and offers you can use in --step and --offer')
      .action(
        action(async (ctx: Ctx) => {
          const { listTemplates, listOffers } = await import('../../stages/draft/templates.js');
          const dirs = templateDirs();
          const t = listTemplates(dirs);
          const o = listOffers(dirs);
          if (ctx.json) return ctx.out.printJson({ templates: t, offers: o, dirs });
          ctx.out.table(t, [
            { header: 'template', value: (r) => r.name },
            { header: 'niche', value: (r) => r.niche },
            { header: 'step', value: (r) => r.step },
            { header: 'description', value: (r) => r.description },
          ]);
          ctx.out.print('');
          ctx.out.print(`offers: ${o.join(', ')}`);
          ctx.out.info(`Your own templates go in ${dirs[0]}/emails/NAME.txt (they win over the built-in ones).`);
        }),
      ),
    ['outreach campaign templates', 'outreach campaign templates --json'],
  );
}

function printSequence(ctx: Ctx, d: { sequence: { position: number; delayDays: number; variants: { label: string; weight: number; template: string | null; assigned: number; drafts: Record<string, number> }[] }[] }): void {
  const rows = d.sequence.flatMap((s) => {
    const total = s.variants.reduce((a, v) => a + v.weight, 0) || 1;
    return s.variants.map((v) => ({ s, v, share: Math.round((v.weight / total) * 100) }));
  });
  ctx.out.table(rows, [
    { header: 'step', value: (r) => r.s.position, align: 'right' },
    { header: 'after', value: (r) => (r.s.position === 1 ? 'start' : `${r.s.delayDays} business days`) },
    { header: 'variant', value: (r) => r.v.label },
    { header: 'weight', value: (r) => `${r.share}%`, align: 'right' },
    { header: 'template', value: (r) => r.v.template ?? '(inline)' },
    { header: 'assigned', value: (r) => r.v.assigned, align: 'right' },
    { header: 'drafts', value: (r) => Object.entries(r.v.drafts).map(([k, n]) => `${k} ${n}`).join(', ') },
  ]);
}
