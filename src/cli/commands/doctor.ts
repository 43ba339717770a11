// `outreach doctor`: a pass/fail table of everything sending depends on, with the fix for each failure.
import type { Command } from 'commander';
import { action } from '../context.js';
import { examples } from '../help.js';

const GROUPS = ['identity', 'unsubscribe', 'runtime', 'clock', 'mailboxes', 'dns'];

export function register(program: Command): void {
  const cmd = program
    .command('doctor')
    .description('check the setup before sending: sender identity, postal address, unsubscribe URL, SQLite driver, clock, SMTP/IMAP logins, SPF, DKIM, DMARC, MX')
    .option('--only <groups>', `comma-separated subset: ${GROUPS.join(', ')}`)
    .action(
      action(async (ctx, flags: { only?: string }) => {
        const { runDoctor } = await import('../../stages/doctor/index.js');
        const { makeResolver } = await import('../../adapters/dns-auth.js');
        const { probeUrl } = await import('../../adapters/http-probe.js');
        const { UsageError } = await import('../../errors.js');
        const only = flags.only ? flags.only.split(',').map((x) => x.trim()).filter(Boolean) : undefined;
        const bad = only?.filter((g) => !GROUPS.includes(g)) ?? [];
        if (bad.length) throw new UsageError(`--only: unknown group ${bad.join(', ')} (use ${GROUPS.join(', ')})`);
        const env = (name: string) => (ctx.env[name] === '' ? undefined : ctx.env[name]);
        let dkimKey = ctx.env.OUTREACH_DKIM_PRIVATE_KEY?.replace(/\\n/g, '\n') ?? null;
        if (!dkimKey && ctx.env.OUTREACH_DKIM_PRIVATE_KEY_FILE) {
          const { readFileSync } = await import('node:fs');
          try {
            dkimKey = readFileSync(ctx.env.OUTREACH_DKIM_PRIVATE_KEY_FILE, 'utf8');
          } catch {
            dkimKey = 'unreadable file ' + ctx.env.OUTREACH_DKIM_PRIVATE_KEY_FILE;
          }
        }
        const servers = ctx.env.OUTREACH_DNS_SERVERS?.split(',').map((x) => x.trim()).filter(Boolean);
        const sp = ctx.out.spinner('Checking');
        const checks = await runDoctor(
          ctx.db({ create: false }),
          { resolve: makeResolver(servers), probe: (u) => probeUrl(u), now: () => new Date(), env },
          {
            settings: ctx.settings(),
            secret: ctx.env.OUTREACH_SECRET ?? '',
            dkim: { selector: ctx.env.OUTREACH_DKIM_SELECTOR || null, privateKey: dkimKey },
            only,
          },
        );
        sp.stop();
        const failed = checks.filter((c) => c.status === 'fail').length;
        if (ctx.json) ctx.out.printJson({ ok: failed === 0, checks });
        else {
          const c = ctx.out.c;
          const paint = (s: string) => (s === 'pass' ? c.green(s) : s === 'fail' ? c.red('FAIL') : s === 'warn' ? c.yellow(s) : c.dim(s));
          ctx.out.table(checks, [
            { header: 'check', value: (r) => r.check },
            { header: 'result', value: (r) => paint(r.status) },
            { header: 'detail', value: (r) => r.detail },
            { header: 'fix', value: (r) => r.fix ?? '' },
          ]);
          const warned = checks.filter((x) => x.status === 'warn').length;
          ctx.out.info(failed ? `${failed} check(s) failed: fix them before sending.` : `All checks passed${warned ? ` (${warned} warning(s))` : ''}.`);
        }
        if (failed) process.exitCode = 1;
      }),
    );
  examples(cmd, ['outreach doctor', 'outreach doctor --only dns,mailboxes', 'outreach doctor --json']);
}
