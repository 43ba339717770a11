// `outreach serve [--port N] [--host 127.0.0.1]`: the local dashboard and the public one-click
// unsubscribe endpoint (plus optional open/click tracking). Runs until Ctrl-C or SIGTERM.
import type { Command } from 'commander';
import { action } from '../context.js';
import { examples, intOption } from '../help.js';
import { UserError } from '../../errors.js';

interface Opts {
  port: number;
  host: string;
  track?: boolean;
  log?: boolean;
}

export function register(program: Command): void {
  const cmd = program
    .command('serve')
    .description('local dashboard (leads, drafts, campaigns, report) and the public unsubscribe endpoint')
    .option('--port <n>', 'port to listen on (0 picks a free one)', intOption('--port', { min: 0, max: 65535 }), 8080)
    .option('--host <address>', 'address to bind; anything but loopback requires the dashboard token', '127.0.0.1')
    .option('--track', 'answer open-pixel (/o/) and click (/c/) tracking URLs (off by default)')
    .option('--log', 'print one line per request on stderr')
    .action(
      action(async (ctx, opts: Opts) => {
        const { startServe, deriveDashboardToken, draftStageReviewer } = await import('../../stages/serve/index.js');
        const { isLoopback } = await import('../../adapters/http-server.js');
        const secret = ctx.env.OUTREACH_SECRET?.trim() || null;
        const loopback = isLoopback(opts.host);
        let dashboardToken = ctx.env.OUTREACH_DASHBOARD_TOKEN?.trim() || null;
        if (!dashboardToken && !loopback) {
          if (!secret) {
            throw new UserError(
              `Serving on ${opts.host} exposes the dashboard beyond this machine, and no token protects it.`,
              'Set OUTREACH_DASHBOARD_TOKEN (or OUTREACH_SECRET, from which one is derived) in .env, or bind to 127.0.0.1.',
            );
          }
          dashboardToken = deriveDashboardToken(secret);
        }
        if (dashboardToken && dashboardToken.length < 16) {
          throw new UserError('OUTREACH_DASHBOARD_TOKEN is too short (at least 16 characters).', 'Generate one with: openssl rand -base64 24');
        }
        if (!secret) ctx.out.warn('OUTREACH_SECRET is not set: unsubscribe links cannot be verified, so /u/ answers 503. `outreach init` writes one.');
        if (opts.track && !secret) ctx.out.warn('--track needs OUTREACH_SECRET to verify tracking links; they will all be rejected.');
        const db = ctx.db();
        // Draft review from the browser follows the same rules as `outreach draft review`.
        const { templateDirs } = await import('./campaign.js');
        const { existsSync, readFileSync } = await import('node:fs');
        const reviewer = draftStageReviewer(db, {
          settings: ctx.settings(),
          profileText: existsSync(ctx.profileFile) ? readFileSync(ctx.profileFile, 'utf8') : '',
          templateDirs: templateDirs(),
        });
        let handle;
        try {
          handle = await startServe(db, {
            host: opts.host,
            port: opts.port,
            secret,
            dashboardToken,
            tracking: Boolean(opts.track),
            reviewer,
            onError: (err) => ctx.out.error(`request failed: ${(err as Error)?.message ?? String(err)}`),
            // The audit row counts requests (never who made them); --log prints each one.
            onRequest: (line) => {
              ctx.count('requests');
              if (opts.log) ctx.out.info(line);
            },
            onSpoolApplied: (r) => {
              if (r.applied) {
                ctx.count('spooled_unsubscribes_applied', r.applied);
                ctx.out.info(`Recorded ${r.applied} unsubscribe(s) received while the database was busy.`);
              }
            },
          });
        } catch (err) {
          const code = (err as { code?: string }).code;
          if (code === 'EADDRINUSE') throw new UserError(`Port ${opts.port} on ${opts.host} is already in use.`, 'Pick another with --port N (or --port 0 for any free port).');
          if (code === 'EACCES') throw new UserError(`Not allowed to listen on ${opts.host}:${opts.port}.`, 'Ports below 1024 need privileges: use --port 8080 behind a reverse proxy.');
          if (code === 'EADDRNOTAVAIL') throw new UserError(`${opts.host} is not an address of this machine.`);
          throw err;
        }
        const base = `http://${opts.host.includes(':') ? `[${opts.host}]` : opts.host}:${handle.port}`;
        const shown = dashboardToken ? `${base}/?token=${dashboardToken}` : `${base}/`;
        if (ctx.json) ctx.out.printJson({ url: base, dashboard: shown, port: handle.port, host: opts.host, tracking: Boolean(opts.track), unsubscribe: `${base}/u/<token>` });
        else {
          ctx.out.print(`Dashboard: ${shown}`);
          ctx.out.print(`Unsubscribe endpoint: ${base}/u/<token>${loopback ? ' (loopback only: put a public reverse proxy in front for real mail)' : ''}`);
          if (opts.track) ctx.out.print(`Tracking: ${base}/o/<token>.gif and ${base}/c/<token>?u=URL`);
          ctx.out.info('Press Ctrl-C to stop.');
        }
        await new Promise<void>((resolve) => {
          if (ctx.signal.aborted) return resolve();
          ctx.signal.addEventListener('abort', () => resolve(), { once: true });
        });
        await handle.close();
        // Ctrl-C or SIGTERM is how a server stops: a clean exit, not an interruption.
        process.exitCode = 0;
        ctx.out.info('Stopped.');
      }, { audit: true }),
    );
  examples(cmd, [
    'outreach serve                                 dashboard on http://127.0.0.1:8080/',
    'outreach serve --port 0 --log                  any free port, with an access log',
    'outreach serve --host 0.0.0.0 --port 8080      reachable from the network: needs the token it prints',
    'outreach serve --track                         also record opens and clicks',
  ]);
}
