// `outreach inbox sync|import|list`: replies, bounces and auto-replies in, classified, acted upon.
import type { Command } from 'commander';
import { action, type Ctx } from '../context.js';
import { examples, intOption } from '../help.js';
import { UserError } from '../../errors.js';
import { cleanCell } from '../output.js';

// UNRELATED: mail from a lead's address or domain that answers nothing we sent (we had not mailed the lead before it was written):
// stored for the lead's record, no effect on its sequence (src/stages/inbox/store.ts).
const LABEL_CHOICES = ['WARM', 'COLD', 'NEUTRAL', 'UNSUBSCRIBE', 'BOUNCE', 'AUTO_REPLY', 'UNRELATED'];

/** commander: an option given several times collects every value (commander keeps only the last one otherwise). */
const collect = (v: string, prev: string[] | undefined): string[] => [...(prev ?? []), v];

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

function report(ctx: Ctx, s: Summary, what: string, extra: Record<string, unknown> = {}): void {
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
  // The notifier was turned off for the rest of the run (it did not answer, or failed twice in a row): one line on
  // stderr (with --json too); the replies it left stay pending for the next run. The exit code follows the failures.
  if (s.notifyDisabled) {
    const n = s.notifySkipped;
    ctx.out.warn(`Notifications were turned off for the rest of this run: ${s.notifyDisabled}; ${n} WARM notification${n === 1 ? '' : 's'} left for the next run.`);
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
      notify_disabled: s.notifyDisabled,
      notify_skipped: s.notifySkipped,
      errors: s.errors,
      unreadable: s.unreadable,
      mailbox_errors: s.mailboxErrors,
      folders: s.folders,
      read: s.read,
      interrupted: s.interrupted,
      model_errors: s.modelErrors,
      model_offline: s.modelOffline,
      model_disabled: s.modelDisabled === null ? null : redact(ctx, s.modelDisabled),
      ...extra,
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
      .description('fetch new mail over IMAP (INBOX and every Junk/Spam folder), classify it and act on it; quiet unless something is WARM')
      .option('--mailbox <name>', 'only this mailbox; repeat it for several, synced in the order given (default: every mailbox with IMAP settings)', collect)
      .option('--folder <name>', 'also read this IMAP folder (besides INBOX and every Junk/Spam folder); repeatable; a folder missing from a mailbox fails that mailbox', collect)
      .option('--offline', 'classify intent with the offline rules even when a model key is set')
      .action(
        action(
          async (ctx, opts: { mailbox?: string[]; folder?: string[]; offline?: boolean }) => {
            const db = ctx.db();
            // --mailbox A --mailbox B: both, in that order (each once). A name that is unknown or has no IMAP
            // settings fails the run before anything is synced: a cron line with a typo must not half-work.
            const wanted = [...new Set(opts.mailbox ?? [])];
            let rows: Record<string, any>[];
            if (wanted.length) {
              rows = [];
              for (const name of wanted) {
                const m = db.sqlite.prepare('SELECT * FROM mailboxes WHERE name = ?').get(name) as Record<string, any> | undefined;
                if (!m) throw new UserError(`No mailbox named "${name}".`, 'See `outreach mailbox list`.');
                if (!m.imap_host) throw new UserError(`Mailbox "${name}" has no IMAP settings.`, `Add them with \`outreach mailbox add ${name} --update --imap-host HOST ...\`.`);
                rows.push(m);
              }
            } else {
              rows = db.sqlite.prepare('SELECT * FROM mailboxes WHERE imap_host IS NOT NULL ORDER BY id').all() as Record<string, any>[];
              if (!rows.length) throw new UserError('No mailbox with IMAP settings to sync.', 'Add one with `outreach mailbox add NAME --imap-host HOST ...`, or use `outreach inbox import PATH` for mail files.');
            }
            const folders = [...new Set((opts.folder ?? []).map((f) => f.trim()).filter(Boolean))];
            const { imapConfigOf } = await import('../../stages/mailbox/index.js');
            // A mailbox whose password is not set is reported at the end; the other mailboxes are still synced.
            const mailboxes = rows.map((m) => ({
              id: m.id as number,
              name: m.name as string,
              email: m.email as string,
              imap: { ...imapConfigOf(m as never, (n) => ctx.env[n])!, folders },
              error: m.imap_password_env && !ctx.env[m.imap_password_env] ? `${m.imap_password_env} is not set (its IMAP password): put ${m.imap_password_env}=<password> in .env or the environment` : undefined,
            }));
            // Each mailbox's folder positions before the run: a mailbox that fails says "saved" only when it moved.
            const positions = () =>
              new Map(
                (db.sqlite.prepare('SELECT mailbox_id, folder, uid_validity, last_uid FROM sync_state').all() as { mailbox_id: number; folder: string; uid_validity: number | null; last_uid: number }[]).map((r) => [
                  `${r.mailbox_id}\u0000${r.folder}`,
                  `${r.uid_validity}:${r.last_uid}`,
                ]),
              );
            const before = positions();
            const { syncInbox } = await import('../../stages/inbox/index.js');
            const sp = ctx.out.spinner('Syncing the inbox');
            let s: Summary;
            try {
              s = await syncInbox(db, mailboxes, { ...(await common(ctx, opts)), onProgress: (t) => sp.update(t) });
            } catch (err) {
              sp.fail();
              const e = err as Error;
              if (e.name === 'ImapSyncError') throw new UserError(`Inbox sync failed: ${e.message}`, 'What was fetched before the error is saved; the next run continues from there.');
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
            if (ctx.verbose && !ctx.json) {
              // Which folders were read (--json: "folders"): a reply filed in a folder not listed here was not seen.
              const by = new Map<string, string[]>();
              for (const f of s.folders) {
                const what = f.fullResync ? `${f.fetched} fetched again` : f.fetched ? `${f.fetched} fetched` : 'nothing new';
                by.set(f.mailbox, [...(by.get(f.mailbox) ?? []), `${cleanCell(f.folder)} (${what})`]);
              }
              for (const [mb, fs] of by) ctx.out.info(`Folders read in ${cleanCell(mb)}: ${fs.join(', ')}`);
            }
            if (s.mailboxErrors.length) {
              if (!ctx.json) {
                const after = positions();
                for (const e of s.mailboxErrors) {
                  const mb = mailboxes.find((m) => m.name === e.mailbox);
                  // Something of this mailbox was committed (a folder's position moved, or a folder was read whole).
                  // (A folder seen for the first time with nothing in it moved nowhere: "null:0" → "V:0" is no progress.)
                  const moved = mb ? [...after].some(([k, v]) => k.startsWith(`${mb.id}\u0000`) && before.get(k) !== v && !(before.get(k) === undefined && v.endsWith(':0'))) : false;
                  const saved = moved || s.folders.some((f) => f.mailbox === e.mailbox && f.fetched > 0);
                  ctx.out.error(
                    `Inbox sync failed for mailbox "${cleanCell(e.mailbox)}": ${cleanCell(e.error)}`,
                    saved ? 'What was fetched before the error is saved; the next run continues from there.' : 'Nothing was fetched from it; the next run tries again.',
                  );
                }
              }
              process.exitCode = 1;
            }
          },
          { audit: true },
        ),
      ),
    ['outreach inbox sync', 'outreach inbox sync --mailbox main -v', 'outreach inbox sync --mailbox main --mailbox sales', 'outreach inbox sync --mailbox main --folder "Replies/2026"', '*/5 * * * * cd ~/outreach && outreach inbox sync   # crontab', 'outreach inbox sync --json'],
  );

  examples(
    inbox
      .command('import')
      .argument('<path>', 'an .eml file, a folder of .eml files, a Maildir (with its Junk/Spam subfolders), an mbox, or - for stdin')
      .description('classify mail from files (no IMAP, or a backfill) with the same effects as sync')
      .option('--offline', 'classify intent with the offline rules even when a model key is set')
      .action(
        action(
          async (ctx, opts: { offline?: boolean }, path: string) => {
            const { statSync } = await import('node:fs');
            const { basename } = await import('node:path');
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
            const { maildirSubfolderReport } = await import('../../adapters/mailfile.js');
            const sub = isDir ? maildirSubfolderReport(path) : { read: [] as string[], skipped: [] as string[] };
            const names = (ps: string[]) => ps.map((p) => cleanCell(basename(p))).join(', ');
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
                ctx.out.info(
                  `Imported ${s.stored} new message${s.stored === 1 ? '' : 's'} of ${s.scanned}${s.duplicates ? ` (${s.duplicates} already seen)` : ''}` +
                    `${sub.read.length ? `, with ${names(sub.read)}` : ''}.` +
                    `${sub.skipped.length ? ` Not read: ${n(sub.skipped.length, 'subfolder')} (${names(sub.skipped.slice(0, 6))}${sub.skipped.length > 6 ? ', …' : ''}); import one by its path.` : ''}`,
                );
              }
            }
            // Maildir++ subfolders: the junk/spam ones were read with the Maildir, the others (.Sent, .Trash ...) were
            // not; they are named so the user can import one by its path.
            report(ctx, s, 'Imported', { subfolders: sub });
            if (!ctx.json && ctx.verbose) {
              if (sub.read.length) ctx.out.info(`Read the junk/spam subfolder${sub.read.length === 1 ? '' : 's'} ${sub.read.map((p) => cleanCell(p)).join(', ')} too.`);
              if (sub.skipped.length) {
                const shown = sub.skipped.slice(0, 20).map((p) => cleanCell(p));
                ctx.out.info(
                  `Skipped ${n(sub.skipped.length, 'subfolder')}: ${shown.join(', ')}${sub.skipped.length > shown.length ? ', …' : ''}. ` +
                    `Import one by its path, e.g. \`outreach inbox import ${cleanCell(sub.skipped[0])}\`.`,
                );
              }
            }
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
          const db = ctx.db({ create: false });
          // --lead names a lead by its domain: one that is no lead is a mistake (exit 1), not an empty inbox.
          let lead: string | undefined;
          if (opts.lead !== undefined) {
            const { normalizeDomain } = await import('../../domain/normalize.js');
            const d = normalizeDomain(opts.lead);
            lead = d.ok ? d.value.domain : opts.lead.trim().toLowerCase();
            if (!db.sqlite.prepare('SELECT 1 FROM leads WHERE domain = ?').get(lead)) {
              throw new UserError(`No lead with the domain "${cleanCell(opts.lead)}".`, 'See `outreach leads list` for the leads, or run `outreach inbox list` without --lead.');
            }
          }
          const rows = listInbound(db, { ...opts, lead });
          if (ctx.json) {
            ctx.out.printJson(rows.map(({ id: _id, ...r }) => r));
            return;
          }
          if (!rows.length) {
            const of = lead ? ` for lead ${lead}` : '';
            ctx.out.info(
              opts.label ? `No ${opts.label.toUpperCase()} messages${of}.` : lead ? `No messages for lead ${lead}.` : 'No inbound messages yet. Run `outreach inbox sync` or `outreach inbox import PATH`.',
            );
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
