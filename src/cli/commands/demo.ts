// `outreach demo`: the whole pipeline on this machine with no keys and no network, in its own folder.
// The work is in src/demo/run.ts; this file is the wiring. Not wrapped in `action()`: that would load the
// user's .env before the demo could keep it out.
import type { Command } from 'commander';
import { examples } from '../help.js';
import { Output, colorEnabled } from '../output.js';

interface DemoFlags {
  dir?: string;
}

export function register(program: Command): void {
  const cmd = program
    .command('demo')
    .description('the whole pipeline on 127.0.0.1 (fixture stores, search, SMTP, unsubscribe, replies, report) in a folder of its own: no keys, no network')
    .option('--dir <dir>', 'folder for the demo database, settings and report (default: a new temp folder)')
    .action(async (flags: DemoFlags, c: Command) => {
      const g = c.optsWithGlobals() as { json?: boolean; verbose?: boolean; quiet?: boolean; color?: boolean; db?: string };
      const out = new Output({ json: Boolean(g.json), quiet: Boolean(g.quiet), verbose: Boolean(g.verbose), color: colorEnabled(g.color), stderrColor: colorEnabled(g.color, process.stderr) });
      if (g.db) out.warn('--db is ignored: the demo always writes to a database of its own (see --dir).');
      const { runDemo } = await import('../../demo/run.js');
      const s = await runDemo({ dir: flags.dir, verbose: Boolean(g.verbose), color: g.color, json: Boolean(g.json), out });
      if (g.json) {
        out.printJson(s);
        return;
      }
      const r = s.replies;
      out.success(
        `Done in ${s.seconds} s: ${s.funnel.discovered ?? s.stores} stores discovered, ${s.sent} emails sent, replies: ` +
          `${r.WARM ?? 0} warm, ${r.COLD ?? 0} cold, ${r.AUTO_REPLY ?? 0} out-of-office, ${r.BOUNCE ?? 0} bounce; ` +
          `${s.unsubscribed.length} unsubscribed, ${s.bounced.length} bounced address(es) suppressed.`,
      );
      out.info(`Demo database: ${s.database}`);
      out.info(`Look around: outreach --db ${s.database} leads list · outreach --db ${s.database} inbox list · outreach --db ${s.database} serve --port 0`);
      out.print(`HTML report: ${s.report_html}`);
    });
  examples(cmd, [
    'outreach demo',
    'outreach demo --dir ./demo && open ./demo/report.html',
    'outreach demo --json',
    'outreach --db ./demo/outreach.db report      # look around afterwards',
  ]);
}
