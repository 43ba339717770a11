// `outreach inbox sync|import|list`: replies, bounces and auto-replies in, classified, acted upon.
import type { Command } from 'commander';
import { action, type Ctx } from '../context.js';
import { examples, intOption } from '../help.js';
import { UserError } from '../../errors.js';
import { cleanCell } from '../output.js';

const LABEL_CHOICES = ['WARM', 'COLD', 'NEUTRAL', 'UNSUBSCRIBE', 'BOUNCE', 'AUTO_REPLY'];

/** The intent classifier: the model when a key is configured (and not --offline), else null (offline rules). */
async function makeClassifier(ctx: Ctx, offline: boolean) {
  if (offline) return null;
  const settings = ctx.settings();
  const env = ctx.env;
  const wanted = settings.draft.provider;
  if (wanted === 'offline') return null;
  const provider = wanted === 'auto' ? (env.ANTHROPIC_API_KEY ? 'anthropic' : env.AWS_BEARER_TOKEN_BEDROCK && env.AWS_REGION ? 'bedrock' : 'offline') : wanted;
  if (provider === 'offline') return null;
  const { createModelAdapter } = await import('../../adapters/llm/index.js');
  return createModelAdapter({
    provider,
    model: settings.draft.model || undefined,
    apiKey: env.ANTHROPIC_API_KEY,
    baseURL: provider === 'anthropic' ? env.ANTHROPIC_BASE_URL : env.ANTHROPIC_BEDROCK_BASE_URL,
    awsRegion: env.AWS_REGION,
    awsAccessKey: env.AWS_ACCESS_KEY_ID,
    awsSecretKey: env.AWS_SECRET_ACCESS_KEY,
    awsSessionToken: env.AWS_SESSION_TOKEN,
    bedrockApiKey: env.AWS_BEARER_TOKEN_BEDROCK,
    // A model that fails is retried briefly (the SDK honours retry-after); the run's circuit breaker turns it off
    // after 3 failed messages in a row or MODEL_BUDGET of failing calls, so a server that never answers costs a
    // run about a minute, never hours.
    maxRetries: 2,
    timeoutMs: modelTimeoutMs(ctx),
  });
}

/** Per-request timeout of a classification call: OUTREACH_INBOX_MODEL_TIMEOUT_MS, default 20 s. */
function modelTimeoutMs(ctx: Ctx): number {
  const v = Number(ctx.env.OUTREACH_INBOX_MODEL_TIMEOUT_MS);
  return Number.isFinite(v) && v >= 100 ? Math.min(v, 600_000) : 20_000;
}

/** Secrets never appear in what is printed: the key or AWS secrets, if an error message echoed them. */
function redact(ctx: Ctx, text: string): string {
  let out = text;
  for (const k of ['ANTHROPIC_API_KEY', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AWS_BEARER_TOKEN_BEDROCK']) {
    const v = ctx.env[k];
    if (v && v.length >= 6) out = out.split(v).join('[redacted]');
  }
  return out;
}

async function common(ctx: Ctx, opts: { offline?: boolean }) {
  const settings = ctx.settings();
  const { createNotifier } = await import('../../adapters/notify.js');
  const { DEFAULT_LIMITS } = await import('../../stages/inbox/parse.js');
  return {
    classifier: await makeClassifier(ctx, Boolean(opts.offline)),
    notifier: createNotifier({ webhookUrl: settings.notify.webhook_url || ctx.env.OUTREACH_NOTIFY_WEBHOOK_URL, command: settings.notify.command || ctx.env.OUTREACH_NOTIFY_COMMAND }),
    softBounceLimit: settings.inbox.soft_bounce_limit,
    ownAddresses: settings.sender.email ? [settings.sender.email] : [],
    limits: {
      ...DEFAULT_LIMITS,
      keepAttachments: settings.inbox.keep_attachments,
      rawBytes: settings.inbox.max_raw_kb * 1024,
      parseBytes: Math.round(settings.inbox.max_parse_mb * 1024 * 1024),
    },
    runId: ctx.runId,
    signal: ctx.signal,
    // Failing calls may cost a run three request timeouts in all (60 s by default) before the model is turned off.
    modelFailureBudgetMs: 3 * modelTimeoutMs(ctx),
  };
}

type Summary = Awaited<ReturnType<typeof import('../../stages/inbox/index.js').syncInbox>>;

function report(ctx: Ctx, s: Summary, what: string): void {
  // A WARM reply the operator was not told about is a failure of the run (cron reports it); it is tried again
  // on the next runs. The mail itself is stored either way.
  if (s.notifyErrors.length) process.exitCode = 1;
  // A refused key is a configuration error (exit 1); a model that failed otherwise is a warning: every reply is
  // stored and labelled (offline) and its effects applied.
  if (s.modelRejected) process.exitCode = 1;
  for (const k of ['scanned', 'stored', 'duplicates', 'own', 'problems', 'notified', 'resumed'] as const) ctx.count(k, s[k] as number);
  for (const [l, n] of Object.entries(s.byLabel)) ctx.count(l.toLowerCase(), n);
  if (s.errors.length) ctx.count('errors', s.errors.length);
  if (s.unreadable.length) ctx.count('unreadable', s.unreadable.length);
  if (s.modelErrors) ctx.count('model_errors', s.modelErrors);
  // One line on stderr (with --json too) whenever the model did not classify what it should have.
  if (s.modelErrors || s.modelDisabled) {
    const offline = `${s.modelOffline} message${s.modelOffline === 1 ? '' : 's'} classified offline`;
    const hint = s.modelRejected ? ' Fix the key (ANTHROPIC_API_KEY, or the AWS credentials for Bedrock) in .env.' : '';
    ctx.out.warn(
      redact(
        ctx,
        s.modelDisabled
          ? `The model was turned off for this run: ${s.modelDisabled}; ${offline}.${hint}`
          : `The model failed for ${s.modelErrors} message${s.modelErrors === 1 ? '' : 's'} (last: ${s.modelLastError ?? 'unknown error'}); ${offline}.`,
      ),
    );
  }
  if (ctx.json) {
    ctx.out.printJson({
      scanned: s.scanned,
      stored: s.stored,
      duplicates: s.duplicates,
      own: s.own,
      by_label: s.byLabel,
      problems: s.problems,
      resumed: s.resumed,
      // Every WARM reply this run announces: those it stored, and those an earlier (killed) run stored and never
      // announced (`earlier`). `lead` null: the sender is no lead (stored and listed, never notified).
      warm: s.warm.map((w) => ({
        message_id: w.messageId,
        from: w.from,
        subject: w.subject,
        confidence: w.confidence,
        reason: w.reason,
        lead_id: w.leadId ?? null,
        lead: w.leadDomain ?? null,
        earlier: Boolean(w.earlier),
      })),
      notified: s.notified,
      notify_deferred: s.notifyDeferred,
      notify_errors: s.notifyErrors,
      errors: s.errors,
      unreadable: s.unreadable,
      mailbox_errors: s.mailboxErrors,
      folders: s.folders,
      read: s.read,
      interrupted: s.interrupted,
      model_errors: s.modelErrors,
      model_offline: s.modelOffline,
      model_disabled: s.modelDisabled === null ? null : redact(ctx, s.modelDisabled),
    });
    return;
  }
  // WARM replies are loud even without -v: someone should answer them now.
  // A reply attached to a lead names the lead; mail from someone who is no lead says so (it is never notified).
  // A reply an earlier run stored and never announced (it was killed) says so.
  for (const w of s.warm) {
    const who = w.leadId ? (w.leadDomain ? ` (${cleanCell(w.leadDomain)})` : '') : ' (not a lead: no lead matched; not notified)';
    const when = w.earlier ? ' [stored by an earlier run that was stopped before announcing it]' : '';
    ctx.out.print(`WARM reply from ${cleanCell(w.from)}${who}: "${cleanCell(w.subject)}" (${Math.round((w.confidence ?? 0) * 100)}%): ${cleanCell(w.reason)}${when}`);
  }
  if (s.notifyDeferred) ctx.out.info(`${s.notifyDeferred} WARM notification${s.notifyDeferred === 1 ? ' is' : 's are'} left to the inbox sync running now (it, or the next run, sends them).`);
  for (const e of s.notifyErrors) ctx.out.error(`Notification failed: ${e}`);
  if (s.notifyErrors.length) ctx.out.info('The reply is stored; its notification is tried again on the next runs (for 7 days).');
  for (const e of s.errors) ctx.out.warn(`Skipped a message: ${e}`);
  if (ctx.verbose) {
    const labels = Object.entries(s.byLabel)
      .map(([l, n]) => `${n} ${l}`)
      .join(', ');
    ctx.out.info(`${what}: ${s.scanned} messages, ${s.stored} new${labels ? ` (${labels})` : ''}, ${s.duplicates} already seen, ${s.own} our own${s.problems ? `, ${s.problems} with problems` : ''}${s.resumed ? `, ${s.resumed} sequences resumed` : ''}`);
  }
}

export function register(program: Command): void {
  const inbox = program.command('inbox').description('replies, bounces and auto-replies: sync from IMAP, import files, list');
  examples(inbox, ['outreach inbox sync', 'outreach inbox import ~/Mail/replies.mbox', 'outreach inbox list --label WARM']);

  examples(
    inbox
      .command('sync')
      .description('fetch new mail over IMAP (INBOX and Junk), classify it and act on it; quiet unless something is WARM')
      .option('--mailbox <name>', 'only this mailbox (default: every mailbox with IMAP settings)')
      .option('--offline', 'classify intent with the offline rules even when a model key is set')
      .action(
        action(
          async (ctx, opts: { mailbox?: string; offline?: boolean }) => {
            const db = ctx.db();
            const rows = db.sqlite
              .prepare(`SELECT * FROM mailboxes WHERE imap_host IS NOT NULL ${opts.mailbox ? 'AND name = ?' : ''} ORDER BY id`)
              .all(...(opts.mailbox ? [opts.mailbox] : [])) as Record<string, any>[];
            if (!rows.length) {
              if (opts.mailbox) {
                const exists = db.sqlite.prepare('SELECT 1 FROM mailboxes WHERE name = ?').get(opts.mailbox);
                throw new UserError(
                  exists ? `Mailbox "${opts.mailbox}" has no IMAP settings.` : `No mailbox named "${opts.mailbox}".`,
                  exists ? `Add them with \`outreach mailbox add ${opts.mailbox} --update --imap-host HOST ...\`.` : 'See `outreach mailbox list`.',
                );
              }
              throw new UserError('No mailbox with IMAP settings to sync.', 'Add one with `outreach mailbox add NAME --imap-host HOST ...`, or use `outreach inbox import PATH` for mail files.');
            }
            const { imapConfigOf } = await import('../../stages/mailbox/index.js');
            // A mailbox whose password is not set is reported at the end; the other mailboxes are still synced.
            const mailboxes = rows.map((m) => ({
              id: m.id as number,
              name: m.name as string,
              email: m.email as string,
              imap: imapConfigOf(m as never, (n) => ctx.env[n])!,
              error: m.imap_password_env && !ctx.env[m.imap_password_env] ? `${m.imap_password_env} is not set (its IMAP password): put ${m.imap_password_env}=<password> in .env or the environment` : undefined,
            }));
            const { syncInbox } = await import('../../stages/inbox/index.js');
            const sp = ctx.out.spinner('Syncing the inbox');
            let s: Summary;
            try {
              s = await syncInbox(db, mailboxes, { ...(await common(ctx, opts)), onProgress: (t) => sp.update(t) });
            } catch (err) {
              sp.fail();
              const e = err as Error;
              if (e.name === 'ImapSyncError') throw new UserError(`Inbox sync failed: ${e.message}`, 'Everything fetched so far is saved; the next run continues from there.');
              throw err;
            }
            sp.stop();
            if (s.locked) {
              const msg = `Another inbox sync is running (${s.locked.holder}, since ${s.locked.acquiredAt}); skipping this run.`;
              if (ctx.json) ctx.out.printJson({ skipped: true, reason: msg });
              else ctx.out.info(msg);
              return;
            }
            report(ctx, s, 'Synced');
            if (s.mailboxErrors.length) {
              if (!ctx.json) {
                for (const e of s.mailboxErrors) {
                  ctx.out.error(`Inbox sync failed for mailbox "${cleanCell(e.mailbox)}": ${cleanCell(e.error)}`, 'Everything fetched so far is saved; the next run continues from there.');
                }
              }
              process.exitCode = 1;
            }
          },
          { audit: true },
        ),
      ),
    ['outreach inbox sync', 'outreach inbox sync --mailbox main -v', '*/5 * * * * cd ~/outreach && outreach inbox sync   # crontab', 'outreach inbox sync --json'],
  );

  examples(
    inbox
      .command('import')
      .argument('<path>', 'an .eml file, a folder of .eml files, a Maildir, an mbox, or - for stdin')
      .description('classify mail from files (no IMAP, or a backfill) with the same effects as sync')
      .option('--offline', 'classify intent with the offline rules even when a model key is set')
      .action(
        action(
          async (ctx, opts: { offline?: boolean }, path: string) => {
            const { statSync } = await import('node:fs');
            const { fsReason } = await import('../../errors.js');
            let isDir = false;
            if (path !== '-') {
              try {
                isDir = statSync(path).isDirectory();
              } catch (err) {
                const code = (err as NodeJS.ErrnoException).code;
                if (code === 'ENOENT' || code === 'ENOTDIR') throw new UserError(`No file or folder at ${path}.`);
                throw new UserError(`Cannot read ${path}: ${fsReason(err, 'read')}.`);
              }
            }
            const { importMail } = await import('../../stages/inbox/index.js');
            const db = ctx.db();
            const sp = ctx.out.spinner(`Importing ${path}`);
            let s: Summary;
            try {
              s = await importMail(db, path, { ...(await common(ctx, opts)), onProgress: (t) => sp.update(`Importing ${path}: ${t}`) });
            } catch (err) {
              sp.fail();
              throw err;
            }
            sp.stop();
            const n = (k: number, what: string) => `${k} ${what}${k === 1 ? '' : 's'}`;
            if (!ctx.json && !ctx.quiet) {
              for (const u of s.unreadable) ctx.out.error(`Cannot read ${cleanCell(u)}`);
            }
            if (!ctx.json && !ctx.verbose && !ctx.quiet) {
              if (s.interrupted) {
                // What was read but not finished is not stored: the next import picks it up (stored ones are skipped).
                ctx.out.info(
                  `Interrupted: imported ${n(s.stored, 'new message')} of ${s.read} read${s.duplicates ? ` (${s.duplicates} already seen)` : ''}; ` +
                    `${s.read - s.scanned} not finished. Run the import again to continue (messages already stored are skipped).`,
                );
              } else if (isDir && s.read === 0 && !s.unreadable.length && !s.errors.length) {
                ctx.out.info(`No mail files found in ${path}.`);
              } else {
                ctx.out.info(`Imported ${s.stored} new message${s.stored === 1 ? '' : 's'} of ${s.scanned}${s.duplicates ? ` (${s.duplicates} already seen)` : ''}.`);
              }
            }
            report(ctx, s, 'Imported');
            if (s.unreadable.length && !ctx.json) {
              ctx.out.error(`${n(s.unreadable.length, 'file')} could not be read (listed above); the other files were imported.`, 'Fix the permissions (or the disk) and run the import again: messages already stored are skipped.');
            }
            // Some files or messages could not be read (listed above, or in "errors"/"unreadable" with --json): the rest is in.
            if (s.errors.length || s.unreadable.length) process.exitCode = 1;
          },
          { audit: true },
        ),
      ),
    ['outreach inbox import reply.eml', 'outreach inbox import ~/Maildir', 'outreach inbox import export.mbox --json', 'cat reply.eml | outreach inbox import -'],
  );

  examples(
    inbox
      .command('list')
      .description('inbound messages with their label, confidence, reason and return date (newest first)')
      .option('--label <label>', `only this label (${LABEL_CHOICES.join(', ')})`)
      .option('--lead <domain>', 'only messages of this lead')
      .option('--limit <n>', 'at most N messages', intOption('--limit', { min: 1 }), 200)
      .action(
        action(async (ctx, opts: { label?: string; lead?: string; limit: number }) => {
          if (opts.label && !LABEL_CHOICES.includes(opts.label.toUpperCase())) {
            throw new UserError(`Unknown label "${opts.label}".`, `Use one of ${LABEL_CHOICES.join(', ')}.`, 2);
          }
          const { listInbound } = await import('../../stages/inbox/index.js');
          const rows = listInbound(ctx.db({ create: false }), opts);
          if (ctx.json) {
            ctx.out.printJson(rows.map(({ id: _id, ...r }) => r));
            return;
          }
          if (!rows.length) {
            ctx.out.info(opts.label ? `No ${opts.label.toUpperCase()} messages.` : 'No inbound messages yet. Run `outreach inbox sync` or `outreach inbox import PATH`.');
            return;
          }
          // long values are shortened for the terminal (whole in --json); cells are cleaned of control characters
          ctx.out.table(rows, [
            { header: 'label', value: (r) => (r.label ?? '') + (r.bounce_type ? ` (${r.bounce_type})` : '') },
            { header: 'conf', value: (r) => (r.confidence === null ? '' : r.confidence.toFixed(2)) },
            { header: 'from', value: (r) => shorten(r.from, 40) },
            { header: 'lead', value: (r) => r.lead ?? '' },
            { header: 'subject', value: (r) => shorten(r.subject, 40) },
            { header: 'reason', value: (r) => shorten(r.reason, 40) },
            { header: 'return', value: (r) => r.return_date ?? '' },
            { header: 'message_id', value: (r) => shorten(r.message_id, 32, true) },
            { header: 'problem', value: (r) => shorten(r.problem, 40) },
          ]);
        }),
      ),
    ['outreach inbox list', 'outreach inbox list --label WARM', 'outreach inbox list --label BOUNCE --json'],
  );
}



/**
 * A value cut to at most n characters with an ellipsis, after control characters are neutralized. `middle`
 * keeps both ends (a Message-ID's start and its host both tell which message it is).
 */
function shorten(value: string | null | undefined, n: number, middle = false): string {
  const s = cleanCell(value);
  const chars = [...s];
  if (chars.length <= n) return s;
  if (!middle) return chars.slice(0, n - 1).join('') + '…';
  const head = Math.ceil((n - 1) / 2);
  return chars.slice(0, head).join('') + '…' + chars.slice(chars.length - (n - 1 - head)).join('');
}
