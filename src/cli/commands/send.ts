// `outreach send`: sends approved drafts through the configured mailboxes, paced, exactly once.
// Quiet when there is nothing to do (cron). `--resolve-unknown` settles messages whose fate is unknown.
import type { Command } from 'commander';
import { action, type Ctx } from '../context.js';
import { examples, intOption } from '../help.js';
import { UserError, UsageError } from '../../errors.js';

interface SendFlags {
  campaign?: string;
  limit?: number;
  dryRun?: boolean;
  until?: string;
  resolveUnknown?: boolean;
  settleAfter?: number;
  listUnknown?: boolean;
  settle?: string;
  as?: string;
  note?: string;
}

const SETTLE_AS = ['sent', 'failed', 'retry'] as const;

/** "18:30" (the next 18:30 in the sender's zone), "+2h"/"+45m", or an ISO date-time. */
export async function parseUntil(text: string, now: Date, zone: string): Promise<Date> {
  const { DateTime } = await import('luxon');
  const t = text.trim();
  const rel = /^\+(\d+)\s*(m|min|h|hours?)$/i.exec(t);
  if (rel) return new Date(now.getTime() + Number(rel[1]) * (rel[2]!.toLowerCase().startsWith('h') ? 3600_000 : 60_000));
  const hm = /^([01]?\d|2[0-3]):([0-5]\d)$/.exec(t);
  if (hm) {
    const d = DateTime.fromJSDate(now, { zone }).set({ hour: Number(hm[1]), minute: Number(hm[2]), second: 0, millisecond: 0 });
    // A time already past today means that time tomorrow ("--until 09:00" started in the evening).
    return (d.toMillis() <= now.getTime() ? d.plus({ days: 1 }) : d).toJSDate();
  }
  const iso = DateTime.fromISO(t, { zone });
  if (iso.isValid) return iso.toJSDate();
  throw new UsageError(`--until expects HH:MM, +2h, +30m or an ISO date-time, got "${text}"`);
}

/** This boot of the machine: Linux's boot_id, else the boot time (to the minute). */
async function bootId(): Promise<string> {
  const { readFileSync } = await import('node:fs');
  try {
    return readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim().replace(/[^0-9a-f-]/gi, '');
  } catch {
    const { uptime } = await import('node:os');
    return String(Math.round((Date.now() / 1000 - uptime()) / 60));
  }
}

function envLookup(ctx: Ctx) {
  return (name: string) => {
    const v = ctx.env[name];
    return v === undefined || v === '' ? undefined : v;
  };
}

async function dkimFromEnv(ctx: Ctx): Promise<{ domainName: string; keySelector: string; privateKey: string; onlyDomain?: string } | null> {
  const selector = ctx.env.OUTREACH_DKIM_SELECTOR;
  let key = ctx.env.OUTREACH_DKIM_PRIVATE_KEY;
  const file = ctx.env.OUTREACH_DKIM_PRIVATE_KEY_FILE;
  if (!selector && !key && !file) return null;
  if (!key && file) {
    const { readFileSync } = await import('node:fs');
    try {
      key = readFileSync(file, 'utf8');
    } catch (err) {
      throw new UserError(`Cannot read OUTREACH_DKIM_PRIVATE_KEY_FILE (${file}): ${(err as Error).message}`);
    }
  }
  if (!selector || !key) {
    throw new UserError(
      'DKIM signing needs both OUTREACH_DKIM_SELECTOR and a key (OUTREACH_DKIM_PRIVATE_KEY or OUTREACH_DKIM_PRIVATE_KEY_FILE).',
      'Set both in .env, or remove them to send unsigned (your provider may sign for you).',
    );
  }
  const domain = ctx.env.OUTREACH_DKIM_DOMAIN || '';
  return { domainName: domain, keySelector: selector, privateKey: key.replace(/\\n/g, '\n'), onlyDomain: domain || undefined };
}

export function register(program: Command): void {
  const cmd = program
    .command('send')
    .description('send approved drafts: paced, within sending windows, never twice (quiet when there is nothing to do)')
    .option('--campaign <name>', 'only this campaign')
    .option('--limit <n>', 'send at most N messages in this run', intOption('--limit', { min: 1 }))
    .option('--dry-run', 'show what would be sent now and what waits, change nothing')
    .option('--until <time>', 'keep running (waiting for spacing, windows, follow-up times) until TIME: HH:MM, +2h, or ISO')
    .option('--resolve-unknown', "settle messages whose fate is unknown: found in the mailbox's Sent folder, or named by a reply or bounce in its INBOX (IMAP)")
    .option('--settle-after <seconds>', 'with --resolve-unknown: requeue a message missing from Sent only when claimed this long ago (default 600)', intOption('--settle-after', { min: 0 }))
    .option('--list-unknown', 'list the messages whose fate is unknown (with --json for scripts)')
    .option('--settle <message-id>', 'settle one unknown message by hand (its Message-ID or row id), with --as')
    .option('--as <verdict>', 'with --settle: sent (it went out), failed (it did not; do not send it), retry (it did not; send it again)')
    .option('--note <text>', 'with --settle: why (kept with the message and its event)')
    .action(
      action(
        async (ctx, flags: SendFlags) => {
          const { runSend, resolveUnknown } = await import('../../stages/send/index.js');
          const { SmtpClient } = await import('../../adapters/smtp.js');
          const { SentFolder, InboxFolder } = await import('../../adapters/imap-sent.js');
          const { smtpConfigOf, imapConfigOf } = await import('../../stages/mailbox/index.js');
          const { systemClock } = await import('../../adapters/clock.js');
          const { hostname } = await import('node:os');
          const settings = ctx.settings();
          const env = envLookup(ctx);
          const db = ctx.db();
          const adapters = {
            clock: systemClock,
            smtp: (m: Parameters<typeof smtpConfigOf>[0]) => new SmtpClient(smtpConfigOf(m, env)),
            sentFolder: async (m: Parameters<typeof imapConfigOf>[0]) => {
              const cfg = imapConfigOf(m, env);
              return cfg ? SentFolder.open(cfg, m.sent_folder) : null;
            },
            inbox: async (m: Parameters<typeof imapConfigOf>[0]) => {
              const cfg = imapConfigOf(m, env);
              return cfg ? InboxFolder.open(cfg) : null;
            },
            isAlive: (pid: number) => {
              try {
                process.kill(pid, 0);
                return true;
              } catch (err) {
                return (err as NodeJS.ErrnoException).code === 'EPERM';
              }
            },
            hostname: hostname(),
            pid: process.pid,
            bootId: await bootId(),
          };

          const modes = [flags.resolveUnknown && '--resolve-unknown', flags.listUnknown && '--list-unknown', flags.settle !== undefined && '--settle'].filter(Boolean);
          if (modes.length > 1) throw new UsageError(`${modes.join(' and ')} cannot be combined`);
          if (flags.settle === undefined && (flags.as !== undefined || flags.note !== undefined)) throw new UsageError('--as and --note go with --settle MESSAGE_ID');
          if (modes.length && (flags.limit !== undefined || flags.dryRun || flags.until !== undefined)) {
            throw new UsageError(`${modes[0]} does not send: --limit, --dry-run and --until do not apply`);
          }

          if (flags.listUnknown) {
            const { listUnknown } = await import('../../stages/send/index.js');
            const r = listUnknown(db, adapters, { campaign: flags.campaign ?? null, runId: ctx.runId });
            ctx.count('unknown', r.unknown.length);
            if (ctx.json) {
              ctx.out.printJson(r);
              return;
            }
            if (r.staleToUnknown) ctx.out.warn(`${r.staleToUnknown} message(s) left mid-send by a stopped run are now unknown.`);
            if (!r.unknown.length) {
              ctx.out.info('No message has an unknown fate.');
              return;
            }
            ctx.out.table(r.unknown, [
              { header: 'id', value: (u) => u.id, align: 'right' },
              { header: 'message-id', value: (u) => u.messageId },
              { header: 'to', value: (u) => u.to },
              { header: 'mailbox', value: (u) => (u.mailbox ? `${u.mailbox}${u.serverKeepsSentCopy === false ? ' (append-sent)' : ''}` : '(removed)') },
              { header: 'campaign', value: (u) => (u.campaign ? `${u.campaign} #${u.step ?? '?'}` : '') },
              { header: 'claimed', value: (u) => u.claimedAt ?? '' },
              { header: 'why', value: (u) => u.reason ?? '' },
            ]);
            ctx.out.info('Try `outreach send --resolve-unknown` first; then `outreach send --settle MESSAGE_ID --as sent|failed|retry --note "..."`.');
            return;
          }

          if (flags.settle !== undefined) {
            if (!flags.as) throw new UsageError(`--settle needs --as ${SETTLE_AS.join('|')}`);
            if (!(SETTLE_AS as readonly string[]).includes(flags.as)) throw new UsageError(`--as expects ${SETTLE_AS.join(', ')}, got "${flags.as}"`);
            const { settleMessage, SettleError } = await import('../../stages/send/index.js');
            let r;
            try {
              r = settleMessage(db, adapters, { ref: flags.settle, as: flags.as as (typeof SETTLE_AS)[number], note: flags.note ?? null, runId: ctx.runId });
            } catch (err) {
              if (err instanceof SettleError) throw new UserError(err.message, err.hint);
              throw err;
            }
            ctx.count(r.to_state, 1);
            if (ctx.json) ctx.out.printJson(r);
            else {
              const what = { sent: 'recorded as sent (its follow-ups will go on)', failed: 'recorded as not sent; it will not be sent', queued: 'queued again: the next `outreach send` sends it' }[r.to_state];
              ctx.out.print(`${r.messageId} → ${r.to}: ${what}.`);
            }
            return;
          }

          if (flags.resolveUnknown) {
            const sp = ctx.out.spinner('Looking for unknown messages in the Sent folders and for replies or bounces naming them');
            const r = await resolveUnknown(db, adapters, {
              campaign: flags.campaign ?? null,
              runId: ctx.runId,
              settleAfterMs: flags.settleAfter !== undefined ? flags.settleAfter * 1000 : undefined,
            });
            sp.stop();
            for (const k of ['checked', 'sent', 'requeued', 'stillUnknown'] as const) ctx.count(k, r[k]);
            if (ctx.json) ctx.out.printJson(r);
            else if (r.checked || r.staleToUnknown) {
              ctx.out.print(`Unknown messages: ${r.checked} checked · ${r.sent} proven sent · ${r.requeued} requeued · ${r.stillUnknown} still unknown`);
              for (const d of r.details.filter((x) => x.outcome === 'sent')) ctx.out.info(`  ${d.messageId} → ${d.to}: sent (${d.reason})`);
              for (const d of r.details.filter((x) => x.outcome === 'unknown')) ctx.out.info(`  ${d.messageId} → ${d.to}: ${d.reason}`);
            }
            for (const p of r.problems) ctx.out.warn(`${p.mailbox}: ${p.problem}`);
            if (r.problems.length) process.exitCode = 1;
            return;
          }

          if (!settings.unsubscribe.base_url && !flags.dryRun) {
            throw new UserError(
              `unsubscribe.base_url is not set in ${ctx.settingsFile}: every email needs a working one-click unsubscribe link.`,
              'Set it to the public URL where `outreach serve` answers (e.g. https://u.example.com), then `outreach doctor`.',
            );
          }
          const secret = ctx.env.OUTREACH_SECRET ?? '';
          if (!secret && !flags.dryRun) {
            throw new UserError('OUTREACH_SECRET is not set: it signs the unsubscribe links.', 'Run `outreach init` (it writes one into .env) or set it yourself.');
          }
          const until = flags.until ? await parseUntil(flags.until, new Date(), settings.sender.timezone || 'UTC') : null;
          const sp = ctx.out.spinner('Sending');
          const r = await runSend(db, adapters, {
            settings,
            secret: secret || 'dry-run',
            campaign: flags.campaign ?? null,
            limit: flags.limit ?? null,
            dryRun: Boolean(flags.dryRun),
            until,
            dkim: await dkimFromEnv(ctx),
            runId: ctx.runId,
            signal: ctx.signal,
            onProgress: (p) => sp.update(`Sending: ${p.sent} sent, ${p.deferred} deferred, ${p.failed} failed, ${p.unknown} unknown`),
            onNotice: (t) => ctx.out.warn(t),
          });
          sp.stop();

          if (flags.dryRun) {
            const plan = r.plan ?? [];
            // The audit row says it was a dry run and what it would have done (a real send with nothing to do
            // records {}): dry_run 1, would_send, and the drafts that would wait, be skipped or be cancelled.
            ctx.count('dry_run', 1);
            ctx.count('would_send', Math.min(plan.filter((p) => p.action === 'send').length, flags.limit ?? Infinity));
            for (const a of ['wait', 'skip', 'cancel'] as const) {
              const n = plan.filter((p) => p.action === a).length;
              if (n) ctx.count(`would_${a}`, n);
            }
            if (r.resumed) ctx.count('would_resume', r.resumed);
            if (ctx.json) {
              ctx.out.printJson({ plan, resumed: r.resumed });
              return;
            }
            if (r.resumed) ctx.out.info(`${r.resumed} sequence(s) would resume: their out-of-office pause is over.`);
            if (!plan.length) {
              ctx.out.info('Nothing to send: no approved drafts waiting.');
              return;
            }
            ctx.out.table(plan, [
              { header: 'draft', value: (p) => p.draftId, align: 'right' },
              { header: 'campaign', value: (p) => p.campaign },
              { header: 'step', value: (p) => p.step, align: 'right' },
              { header: 'to', value: (p) => p.to },
              { header: 'mailbox', value: (p) => p.mailbox },
              { header: 'now', value: (p) => p.action },
              { header: 'why', value: (p) => (p.at ? `${p.reason} (until ${p.at})` : p.reason) },
            ]);
            return;
          }

          for (const k of ['sent', 'deferred', 'failed', 'bounced', 'unknown', 'cancelled', 'resumed'] as const) if (r[k]) ctx.count(k, r[k]);
          if (r.spooledUnsubscribes) ctx.count('spooledUnsubscribes', r.spooledUnsubscribes);
          if (r.spooledUnsubscribes && !ctx.json) ctx.out.info(`${r.spooledUnsubscribes} unsubscribe(s) received by \`outreach serve\` while the database was busy are now recorded.`);
          if (r.resumed && !ctx.json) ctx.out.info(`${r.resumed} sequence(s) resumed: their out-of-office pause is over.`);
          const happened = r.sent + r.deferred + r.failed + r.unknown + r.cancelled + r.released + r.staleToUnknown;
          if (ctx.json) ctx.out.printJson(r);
          else if (happened) {
            ctx.out.print(
              `Sent ${r.sent} · deferred ${r.deferred} · failed ${r.failed} (hard bounces ${r.bounced}) · unknown ${r.unknown} · cancelled ${r.cancelled}` +
                (r.staleToUnknown ? ` · ${r.staleToUnknown} left mid-send by a stopped run now unknown` : ''),
            );
            if (r.unknown || r.staleToUnknown) ctx.out.info('Run `outreach send --resolve-unknown` to settle unknown messages from the Sent folder.');
            if (r.nextAt && ctx.verbose) ctx.out.info(`Next message can go at ${r.nextAt}.`);
          }
          // Grouped by reason: a missing mailbox must not print one line per draft from cron.
          const groups = new Map<string, number[]>();
          for (const b of r.blocked) groups.set(b.reason, [...(groups.get(b.reason) ?? []), b.draftId]);
          for (const [reason, ids] of groups) {
            ctx.out.warn(`${ids.length === 1 ? `draft ${ids[0]}` : `${ids.length} drafts (${ids.slice(0, 5).join(', ')}${ids.length > 5 ? ', ...' : ''})`}: ${reason}`);
          }
          for (const p of r.mailboxProblems) ctx.out.error(`mailbox ${p.mailbox}: ${p.problem}`);
          // A mailbox that refused the login or could not be reached fails the run (cron reports it); a thread
          // waiting on a stopped mailbox is only a notice.
          if (r.mailboxProblems.some((p) => /login refused|cannot reach the SMTP server/.test(p.problem))) process.exitCode = 1;
        },
        { audit: true },
      ),
    );
  examples(cmd, [
    'outreach send --dry-run',
    'outreach send --campaign spring --limit 20',
    'outreach send --until 17:00          # keep sending, paced, until 5 pm (sender time zone)',
    'outreach send --resolve-unknown      # after a crash: settle messages from the Sent folder, replies and bounces',
    'outreach send --list-unknown --json  # what is still unknown',
    'outreach send --settle "<id@example.com>" --as sent --note "seen in the provider\'s log"',
    '*/10 * * * * cd ~/outreach && outreach send   # crontab: quiet when there is nothing to do',
  ]);
}
