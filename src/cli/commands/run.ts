// `outreach run`: the daily chain (discover → enrich → score → draft → send), each stage run as its own
// command in this process, so it behaves exactly as when typed by hand. A failing stage is reported and
// the chain goes on; every stage is idempotent, so re-running continues where the last run stopped.
import { Command, CommanderError } from 'commander';
import { action, type Ctx } from '../context.js';
import { examples, intOption } from '../help.js';
import { ExitError, UserError, errorMessage } from '../../errors.js';

interface RunOptions {
  keyword?: string[];
  country?: string;
  provider?: string;
  campaign?: string;
  until?: string;
  limit?: number;
  dryRun?: boolean;
  skip?: string[];
  allowPrivate?: boolean;
}

export interface StageOutcome {
  stage: string;
  status: 'ok' | 'failed' | 'skipped';
  seconds: number;
  counts: Record<string, number>;
  error?: string;
}

const STAGES = ['discover', 'enrich', 'score', 'draft', 'send'] as const;
type Stage = (typeof STAGES)[number];

const collect = (v: string, prev: string[] = []) => [...prev, v];

/** The argv of each stage for these options; null when the stage has nothing to do with them. */
export function stageArgs(stage: Stage, o: RunOptions): string[][] {
  const dry = o.dryRun ? ['--dry-run'] : [];
  switch (stage) {
    case 'discover':
      return (o.keyword ?? []).map((k) => [
        'discover', '--keyword', k,
        ...(o.country ? ['--country', o.country] : []),
        ...(o.provider ? ['--provider', o.provider] : []),
        ...(o.limit ? ['--limit', String(o.limit)] : []),
        ...(o.allowPrivate ? ['--allow-private'] : []),
        ...dry,
      ]);
    case 'enrich':
      return [['enrich', ...(o.limit ? ['--limit', String(o.limit)] : []), ...(o.allowPrivate ? ['--allow-private'] : []), ...dry]];
    case 'score':
      return [['score', ...dry]];
    case 'draft':
      return [['draft', ...(o.campaign ? ['--campaign', o.campaign] : []), ...(o.limit ? ['--limit', String(o.limit)] : []), ...dry]];
    case 'send':
      return [['send', ...(o.campaign ? ['--campaign', o.campaign] : []), ...(o.until ? ['--until', o.until] : []), ...dry]];
  }
}

function globalArgs(ctx: Ctx): string[] {
  return ['--db', ctx.dbPath, ...(ctx.verbose ? ['--verbose'] : []), '--quiet'];
}

/** Does this stage command take --dry-run itself? */
async function supportsDryRun(stage: string): Promise<boolean> {
  const { buildProgram } = await import('../main.js');
  const c = buildProgram().commands.find((x) => x.name() === stage);
  return Boolean(c?.options.some((opt) => opt.long === '--dry-run'));
}

/** For a stage without its own --dry-run: what it would work on, read from the database. */
function plan(ctx: Ctx, stage: Stage, o: RunOptions): Record<string, number> {
  const q = ctx.db().sqlite;
  const n = (sql: string) => (q.prepare(sql).pluck().get() as number) ?? 0;
  switch (stage) {
    case 'discover':
      return { keywords: o.keyword?.length ?? 0, limit_per_keyword: o.limit ?? 0 };
    case 'enrich':
      return { would_enrich: n(`SELECT count(*) FROM leads WHERE is_shopify = 1 AND (enrich_status IS NULL OR enrich_status != 'done')`) };
    case 'score':
      return { would_score: n(`SELECT count(*) FROM leads WHERE enrich_status = 'done'`) };
    default:
      return {};
  }
}

/** Runs one stage command in-process and reads its counts back from its audit row. */
async function runStage(ctx: Ctx, argv: string[]): Promise<{ ok: boolean; counts: Record<string, number>; error?: string }> {
  const { buildProgram } = await import('../main.js');
  const before = process.exitCode;
  process.exitCode = undefined;
  const db = ctx.db();
  const lastRun = (db.sqlite.prepare('SELECT COALESCE(max(id), 0) AS id FROM runs').get() as { id: number }).id;
  let error: string | undefined;
  try {
    // The stage's own results (tables, lines) are not printed: run prints one summary line per stage
    // (with -v they are, e.g. to see the score table); cron mails whatever a `run --quiet` prints.
    const { withResultSink } = await import('../output.js');
    const { Writable } = await import('node:stream');
    const sink = ctx.verbose ? null : new Writable({ write: (_c, _e, cb) => cb() });
    await withResultSink(sink, () => buildProgram().parseAsync(['node', 'outreach', ...globalArgs(ctx), ...argv]));
  } catch (err) {
    if (err instanceof CommanderError && err.exitCode === 0) {
      // help or version: nothing to report
    } else if (err instanceof ExitError) {
      if (err.exitCode !== 0) error = `exit ${err.exitCode}`;
    } else {
      error = err instanceof UserError ? err.message + (err.hint ? ` (${err.hint})` : '') : errorMessage(err);
    }
  }
  const code = process.exitCode;
  process.exitCode = before;
  if (!error && code && code !== 0) error = `exit ${code}`;
  const row = db.sqlite
    .prepare(`SELECT counts, status, error FROM runs WHERE id > ? AND command = ? ORDER BY id DESC LIMIT 1`)
    .get(lastRun, argv[0]) as { counts: string | null; status: string; error: string | null } | undefined;
  const counts = row?.counts ? (JSON.parse(row.counts) as Record<string, number>) : {};
  if (!error && row?.status === 'failed') error = row.error ?? 'failed';
  return { ok: !error, counts, error };
}

export function register(program: Command): void {
  const cmd = program
    .command('run')
    .description('the daily chain: discover, enrich, score, draft and send, with a summary at the end')
    .option('--keyword <word>', 'discover stores for this keyword (repeatable); without it, discovery is skipped', collect)
    .option('--country <code>', 'discovery country (ISO code)')
    .option('--provider <name>', 'search provider for discovery')
    .option('--campaign <name>', 'draft and send for this campaign only (default: every active campaign)')
    .option('--until <time>', 'stop sending at this time (HH:MM, or an ISO date-time)')
    .option('--limit <n>', 'at most N stores per stage', intOption('--limit', { min: 1 }))
    .option('--skip <stage>', `skip a stage (repeatable): ${STAGES.join(', ')}`, collect)
    .option('--allow-private', 'allow fetching private and loopback addresses (tests, the demo)')
    .option('--dry-run', 'show what each stage would do, change nothing')
    .action(
      action(
        async (ctx, o: RunOptions) => {
          for (const s of o.skip ?? []) {
            if (!(STAGES as readonly string[]).includes(s)) throw new UserError(`--skip: unknown stage "${s}"`, `Stages: ${STAGES.join(', ')}`, 2);
          }
          const outcomes: StageOutcome[] = [];
          for (const stage of STAGES) {
            const invocations = stageArgs(stage, o);
            if ((o.skip ?? []).includes(stage) || invocations.length === 0) {
              outcomes.push({ stage, status: 'skipped', seconds: 0, counts: {} });
              if (!ctx.json) ctx.out.info(`${ctx.out.c.dim('–')} ${stage.padEnd(9)} skipped${stage === 'discover' && !o.keyword?.length ? ' (no --keyword)' : ''}`);
              continue;
            }
            if (ctx.signal.aborted) break;
            const started = Date.now();
            const counts: Record<string, number> = {};
            const errors: string[] = [];
            const sp = ctx.out.spinner(`${stage}...`);
            if (o.dryRun && !(await supportsDryRun(stage))) {
              Object.assign(counts, plan(ctx, stage, o));
            } else for (const argv of invocations) {
              const r = await runStage(ctx, argv);
              for (const [k, v] of Object.entries(r.counts)) counts[k] = (counts[k] ?? 0) + v;
              if (r.error) errors.push(r.error);
            }
            sp.stop();
            const seconds = (Date.now() - started) / 1000;
            const outcome: StageOutcome = { stage, status: errors.length ? 'failed' : 'ok', seconds, counts, ...(errors.length ? { error: errors.join('; ') } : {}) };
            outcomes.push(outcome);
            ctx.count(`${stage}_${outcome.status}`);
            if (!ctx.json) {
              const summary = Object.entries(counts).map(([k, v]) => `${k} ${v}`).join(', ');
              const mark = errors.length ? ctx.out.c.red('✖') : ctx.out.c.green('✔');
              ctx.out.info(`${mark} ${stage.padEnd(9)} ${seconds.toFixed(1).padStart(6)} s  ${summary}${errors.length ? `  ${ctx.out.c.red(errors.join('; '))}` : ''}`);
            }
          }
          const failed = outcomes.filter((x) => x.status === 'failed');
          if (ctx.json) ctx.out.printJson({ dry_run: Boolean(o.dryRun), stages: outcomes });
          else if (failed.length) ctx.out.error(`Finished with ${failed.length} failed stage(s): ${failed.map((f) => `${f.stage} (${f.error})`).join('; ')}. Re-run to continue.`); else ctx.out.info('Finished: every stage ran.');
          if (failed.length) process.exitCode = 1;
        },
        { audit: true },
      ),
    );
  examples(cmd, [
    'outreach run --keyword jewelry',
    'outreach run --keyword jewelry --keyword "handmade rings" --campaign spring --until 16:00',
    'outreach run --keyword jewelry --dry-run',
    '# crontab: every weekday at 9:05\n  5 9 * * 1-5  cd ~/outreach && outreach run --keyword jewelry --quiet',
  ]);
}
