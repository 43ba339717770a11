// `outreach score [--profile FILE]` scores every enriched lead (fit and intent, 0-100 each);
// `outreach score --explain DOMAIN` prints one lead's factor table. The work is in src/stages/score.
import type { Command } from 'commander';
import { action, commandPath, type Ctx } from '../context.js';
import { examples, intOption } from '../help.js';
import { UserError } from '../../errors.js';

interface ScoreCliOptions {
  profile?: string;
  explain?: string;
  top: number;
  batchSize?: number;
  dryRun?: boolean;
}

export function register(program: Command): void {
  const cmd = program
    .command('score')
    .description('score every enriched lead: fit (how well it matches your profile) and intent (signs it is moving now), 0-100 each')
    .option('--profile <file>', 'ideal-customer profile (default: $OUTREACH_PROFILE, else ./profile.yaml, else the built-in default)')
    .option('--explain <domain>', "print one lead's factors (observed value, weight, points, evidence) instead of scoring")
    .option('--top <n>', 'how many of the best leads to list after scoring', intOption('--top', { min: 0, max: 10_000 }), 10)
    .option('--dry-run', 'compute every score and report what would change; write nothing')
    .option('--batch-size <n>', 'leads per database transaction', intOption('--batch-size', { min: 1, max: 1_000_000 }))
    .action(
      action(async (ctx: Ctx, opts: ScoreCliOptions) => {
        const { resolveProfile } = await import('../../stages/score/profile-file.js');
        const loaded = resolveProfile(opts.profile, ctx.profileFile);
        if (loaded.isDefault) {
          ctx.out.warn(
            `No profile at ${ctx.profileFile}: using the default profile (${loaded.file}). Run \`outreach init\` to write one you can edit.`,
          );
        }
        if (opts.explain !== undefined) return explain(ctx, opts.explain, loaded);
        return score(ctx, opts, loaded, cmd);
      }),
    );
  examples(cmd, [
    'outreach score',
    'outreach score --profile profiles/jewelry.yaml --json',
    'outreach score --profile draft-profile.yaml --dry-run',
    'outreach score --explain example-store.com',
    'outreach score --explain example-store.com --json',
    'outreach leads list --sort fit --min-fit 60',
  ]);
}

type Loaded = import('../../stages/score/profile-file.js').LoadedProfile;

async function score(ctx: Ctx, opts: ScoreCliOptions, loaded: Loaded, cmd: Command): Promise<void> {
  const { scoreLeads } = await import('../../stages/score/index.js');
  ctx.startRun(commandPath(cmd), process.argv.slice(2));
  const sp = ctx.out.spinner('Scoring leads');
  let summary;
  try {
    summary = scoreLeads(ctx.db(), {
      profile: loaded.profile,
      runId: ctx.runId,
      top: opts.top,
      batchSize: opts.batchSize,
      dryRun: opts.dryRun,
      signal: ctx.signal,
      onProgress: ({ done, total }) => sp.update(`Scoring leads: ${done.toLocaleString('en-US')}/${total.toLocaleString('en-US')}`),
    });
  } catch (err) {
    sp.fail('Scoring failed');
    throw err;
  }
  sp.stop();
  for (const k of ['scored', 'new', 'changed', 'unchanged', 'written', 'excluded'] as const) ctx.count(k, summary[k]);

  if (ctx.json) {
    ctx.out.printJson({
      ...summary,
      profile_file: loaded.file,
      default_profile: loaded.isDefault,
    });
  } else if (summary.total === 0) {
    ctx.out.info('No enriched leads to score yet. Run `outreach enrich` first (or import leads with facts).');
  } else {
    const n = (x: number) => x.toLocaleString('en-US');
    const counts = ` (${n(summary.new)} new, ${n(summary.changed)} changed, ${n(summary.unchanged)} unchanged, ${n(summary.excluded)} excluded)`;
    if (summary.dry_run) {
      ctx.out.info(`Dry run: would score ${n(summary.scored)} of ${n(summary.total)} leads with profile ${summary.profile_version}${counts}; nothing written.`);
    } else {
      ctx.out.success(`Scored ${n(summary.scored)} of ${n(summary.total)} leads with profile ${summary.profile_version}${counts}`);
    }
    if (summary.low_confidence) {
      ctx.out.info(`${n(summary.low_confidence)} leads have little data (fit confidence below 0.5): \`outreach enrich\` them for a firmer score.`);
    }
    if (summary.top.length) {
      ctx.out.table(summary.top, [
        { header: '#', value: (r) => summary!.top.indexOf(r) + 1, align: 'right' },
        { header: 'Domain', value: (r) => r.domain },
        { header: 'Fit', value: (r) => r.fit, align: 'right' },
        { header: 'Intent', value: (r) => r.intent, align: 'right' },
        { header: 'Confidence', value: (r) => `${r.fit_confidence.toFixed(2)} / ${r.intent_confidence.toFixed(2)}`, align: 'right' },
      ]);
      ctx.out.info('Explain one: `outreach score --explain DOMAIN`.');
    }
  }
  if (summary.interrupted) {
    ctx.out.warn(`Interrupted after ${summary.scored} of ${summary.total} leads; every finished batch is saved. Run again to finish.`);
  }
}

async function explain(ctx: Ctx, domain: string, loaded: Loaded): Promise<void> {
  const { explainLead } = await import('../../stages/score/index.js');
  const e = explainLead(ctx.db({ create: false }), domain, loaded.profile);
  if (!e) throw new UserError(`No lead ${domain} in ${ctx.dbPath}.`, 'Check the domain with `outreach leads list`, or import it first.');
  if (ctx.json) {
    ctx.out.printJson(e);
    return;
  }
  const c = ctx.out.c;
  ctx.out.print(
    `${c.bold(e.domain)}  fit ${c.bold(String(e.fit))} (confidence ${e.fit_confidence.toFixed(2)})  ` +
      `intent ${c.bold(String(e.intent))} (confidence ${e.intent_confidence.toFixed(2)})  profile ${e.profile_version}`,
  );
  ctx.out.table(e.factors, [
    { header: 'Kind', value: (f) => f.kind },
    { header: 'Factor', value: (f) => f.name },
    { header: 'Observed', value: (f) => shortObserved(f.observed, DAYS.has(f.name) && typeof f.observed === 'number' ? ' days' : '') },
    { header: 'Weight', value: (f) => f.weight, align: 'right' },
    { header: 'Points', value: (f) => (f.status === 'missing' ? `${f.points}?` : f.points), align: 'right' },
    { header: 'Why', value: (f) => f.note },
    { header: 'Source', value: (f) => sourceOf(f.evidence) },
  ]);
  ctx.out.info('Points marked ? have no data: the factor counts half its weight and lowers the confidence.');
  if (e.facts === 0) ctx.out.warn(`${e.domain} has no facts yet: run \`outreach enrich\` for a real score.`);
  if (!e.stored) ctx.out.warn('Not scored yet: run `outreach score` to save this score.');
  else if (!e.up_to_date) {
    ctx.out.warn(
      `The saved score (fit ${e.stored.fit}, intent ${e.stored.intent}, profile ${e.stored.profile_version}, ${e.stored.scored_at}) ` +
        'predates a change of facts or profile: run `outreach score` to update it.',
    );
  }
}

/** Factors whose observed value is an age in days. */
const DAYS = new Set(['fresh_products', 'new_store']);

function shortObserved(v: unknown, unit = ''): string {
  if (v === null || v === undefined) return '—';
  const s = Array.isArray(v) ? (v.length ? v.join(', ') : 'none') : String(v) + unit;
  return s.length > 40 ? s.slice(0, 37) + '...' : s;
}

function sourceOf(evidence: { url: string | null; key: string }[]): string {
  const urls = [...new Set(evidence.map((e) => e.url ?? e.key))];
  if (!urls.length) return '';
  return urls[0]! + (urls.length > 1 ? ` (+${urls.length - 1})` : '');
}
