// `outreach mailbox add|list|remove|test`: the accounts mail is sent from. The password is given as the
// NAME of an environment variable (--smtp-password-env), never stored in the database or printed.
import { InvalidArgumentError, type Command } from 'commander';
import { action, type Ctx } from '../context.js';
import { examples, intOption } from '../help.js';
import { UsageError } from '../../errors.js';

interface AddFlags {
  email?: string;
  fromName?: string;
  smtpHost?: string;
  smtpPort?: number;
  smtpSecurity?: 'tls' | 'starttls' | 'none';
  smtpUser?: string;
  smtpPasswordEnv?: string;
  imapHost?: string;
  imapPort?: number;
  imapSecurity?: 'tls' | 'starttls' | 'none';
  imapUser?: string;
  imapPasswordEnv?: string;
  sentFolder?: string;
  appendSent?: boolean;
  dailyCap?: number;
  rampStart?: number;
  rampStep?: number;
  update?: boolean;
  test?: boolean;
}

const env = (ctx: Ctx) => (name: string) => {
  const v = ctx.env[name];
  return v === undefined || v === '' ? undefined : v;
};

function security(flag: string) {
  return (v: string) => {
    const s = v.toLowerCase();
    if (s !== 'tls' && s !== 'starttls' && s !== 'none') {
      throw new InvalidArgumentError(`${flag} must be tls, starttls or none, got "${v}"`);
    }
    return s;
  };
}

export function register(program: Command): void {
  const mailbox = program.command('mailbox').description('the mailboxes mail is sent from: SMTP, IMAP, daily cap, warm-up');
  examples(mailbox, [
    'outreach mailbox add ana --email ana@lima.studio --smtp-host smtp.gmail.com --smtp-security tls --smtp-password-env ANA_SMTP_PASSWORD --imap-host imap.gmail.com',
    'outreach mailbox list',
    'outreach mailbox test ana',
    'outreach mailbox remove ana',
  ]);

  const add = mailbox
    .command('add')
    .argument('<name>', 'a short name for this mailbox (e.g. ana-gmail)')
    .description('add a sending mailbox (the password stays in an environment variable); with --update, change some fields of one')
    .option('--email <address>', 'the From address (required, except with --update)')
    .option('--from-name <name>', 'display name in From (default: sender.name from outreach.yaml)')
    .option('--smtp-host <host>', 'SMTP server (required, except with --update)')
    .option('--smtp-port <port>', 'SMTP port (default: 465 for tls, 587 for starttls, 25 for none)', intOption('--smtp-port', { min: 1, max: 65535 }))
    .option('--smtp-security <mode>', 'tls | starttls | none (default starttls)', security('--smtp-security'))
    .option('--smtp-user <user>', 'SMTP login (default: the email address)')
    .option('--smtp-password-env <NAME>', 'NAME of the environment variable holding the SMTP password (e.g. ANA_SMTP_PASSWORD)')
    .option('--imap-host <host>', 'IMAP server of the same account (replies, Sent folder)')
    .option('--imap-port <port>', 'IMAP port (default: 993 for tls, 143 otherwise)', intOption('--imap-port', { min: 1, max: 65535 }))
    .option('--imap-security <mode>', 'tls | starttls | none (default tls)', security('--imap-security'))
    .option('--imap-user <user>', 'IMAP login (default: the SMTP login)')
    .option('--imap-password-env <NAME>', 'NAME of the variable holding the IMAP password (default: the SMTP one)')
    .option('--sent-folder <folder>', 'the Sent folder name, when it is not marked \\Sent')
    .option('--append-sent', 'append a copy of each sent message to the Sent folder (for servers that do not keep one)')
    .option('--no-append-sent', 'do not append copies (the default; with --update, turns --append-sent off)')
    .option('--daily-cap <n>', 'most messages a day, after warm-up (default 50)', intOption('--daily-cap', { min: 0 }))
    .option('--ramp-start <n>', 'warm-up: messages on the first day (default 10)', intOption('--ramp-start', { min: 0 }))
    .option('--ramp-step <n>', 'warm-up: added each day until the cap (default 5)', intOption('--ramp-step', { min: 0 }))
    .option('--update', 'change an existing mailbox: only the options given change, the others keep their values')
    .option('--test', 'log in to SMTP and IMAP right after saving')
    .action(
      action(
        async (ctx, flags: AddFlags, name: string) => {
          const { addMailbox, updateMailbox, patchFields, testMailbox } = await import('../../stages/mailbox/index.js');
          const fields = {
            fromName: flags.fromName,
            smtpPort: flags.smtpPort,
            smtpSecurity: flags.smtpSecurity,
            smtpUser: flags.smtpUser,
            smtpPasswordEnv: flags.smtpPasswordEnv,
            imapHost: flags.imapHost,
            imapPort: flags.imapPort,
            imapSecurity: flags.imapSecurity,
            imapUser: flags.imapUser,
            imapPasswordEnv: flags.imapPasswordEnv,
            sentFolder: flags.sentFolder,
            appendSent: flags.appendSent,
            dailyCap: flags.dailyCap,
            rampStart: flags.rampStart,
            rampStep: flags.rampStep,
          };
          let row;
          let changes: { field: string; from: string | number | null; to: string | number | null }[] | null = null;
          let asked = true;
          if (flags.update) {
            const patch = { name, email: flags.email, smtpHost: flags.smtpHost, ...fields };
            asked = patchFields(patch).length > 0;
            if (!asked && !flags.test) {
              throw new UsageError(
                `--update needs the options to change (e.g. --daily-cap 100 or --smtp-port 587).`,
                `See \`outreach mailbox add --help\`; \`outreach mailbox list\` shows the current settings.`,
              );
            }
            ({ row, changes } = updateMailbox(ctx.db(), patch));
          } else {
            for (const [flag, v] of [['--email <address>', flags.email], ['--smtp-host <host>', flags.smtpHost]] as const) {
              if (v === undefined) {
                throw new UsageError(`required option '${flag}' not specified`, `To change only some fields of an existing mailbox, pass --update: outreach mailbox add ${name} --update --daily-cap 100`);
              }
            }
            row = addMailbox(ctx.db(), { name, email: flags.email!, smtpHost: flags.smtpHost!, ...fields });
          }
          const test = flags.test ? await testMailbox(ctx.db(), name, env(ctx)) : null;
          if (ctx.json) {
            ctx.out.printJson({ mailbox: { id: row.id, name: row.name, email: row.email }, ...(changes ? { changes } : {}), test });
          } else {
            if (changes && !changes.length) {
              if (asked) ctx.out.info(`Mailbox ${row.name} unchanged: it already has these settings.`);
            }
            else ctx.out.success(`${changes ? 'Updated' : 'Added'} mailbox ${row.name} <${row.email}> via ${row.smtp_host}:${row.smtp_port} (${row.smtp_security})`);
            for (const c of changes ?? []) ctx.out.print(`  ${c.field.replace(/_/g, ' ')}: ${show(c.field, c.from)} → ${show(c.field, c.to)}`);
            if (changes && row.status === 'auth_failed') {
              ctx.out.info(`Mailbox ${row.name} is stopped after a refused login: \`outreach mailbox test ${row.name}\` checks it and lets it send again.`);
            }
            if (row.smtp_password_env && !env(ctx)(row.smtp_password_env)) {
              ctx.out.warn(`${row.smtp_password_env} is not set yet: put ${row.smtp_password_env}=<password> in .env.`);
            }
            if (!row.imap_host) ctx.out.info('No IMAP account: replies and --resolve-unknown need one (--imap-host).');
            if (test) printTest(ctx, test);
          }
          if (test && (!test.smtp.ok || (!test.imap.ok && !test.imap.skipped))) process.exitCode = 1;
        },
        { audit: true },
      ),
    );
  examples(add, [
    'outreach mailbox add ana --email ana@lima.studio --smtp-host smtp.gmail.com --smtp-security tls --smtp-password-env ANA_SMTP_PASSWORD --imap-host imap.gmail.com --test',
    'outreach mailbox add sales --email sales@lima.studio --smtp-host mail.lima.studio --smtp-port 587 --smtp-password-env SALES_PW --daily-cap 80 --ramp-start 5 --ramp-step 5',
    'outreach mailbox add ana --update --daily-cap 100',
  ]);

  examples(
    mailbox
      .command('list')
      .description("list mailboxes with today's limit (warm-up), what they sent today and their status")
      .action(
        action(async (ctx) => {
          const { listMailboxes } = await import('../../stages/mailbox/index.js');
          const rows = listMailboxes(ctx.db({ create: false }), new Date(), ctx.settings().sender.timezone || 'UTC', env(ctx));
          if (ctx.json) {
            ctx.out.printJson(rows);
            return;
          }
          if (!rows.length) {
            ctx.out.info('No mailboxes yet. Add one: outreach mailbox add NAME --email ... --smtp-host ... --smtp-password-env VAR');
            return;
          }
          ctx.out.table(rows, [
            { header: 'name', value: (r) => r.name },
            { header: 'email', value: (r) => r.email },
            { header: 'smtp', value: (r) => r.smtp },
            { header: 'imap', value: (r) => r.imap ?? '-' },
            { header: 'password', value: (r) => (r.smtpPasswordEnv ? `${r.smtpPasswordEnv} ${r.smtpPasswordSet ? '(set)' : '(NOT SET)'}` : '-') },
            { header: 'today', value: (r) => `${r.sentToday}/${r.todayLimit}`, align: 'right' },
            { header: 'cap', value: (r) => r.dailyCap, align: 'right' },
            { header: 'status', value: (r) => (r.statusReason ? `${r.status}: ${r.statusReason}` : r.status) },
          ]);
        }),
      ),
    ['outreach mailbox list', 'outreach mailbox list --json'],
  );

  examples(
    mailbox
      .command('remove')
      .argument('<name>', 'the mailbox')
      .description('remove a mailbox (refused while its threads still need follow-ups, unless --force)')
      .option('--force', 'remove even with active threads (their follow-ups will not be sent)')
      .action(
        action(
          async (ctx, flags: { force?: boolean }, name: string) => {
            const { removeMailbox } = await import('../../stages/mailbox/index.js');
            const r = removeMailbox(ctx.db(), name, { force: flags.force });
            if (ctx.json) ctx.out.printJson(r);
            else ctx.out.success(`Removed mailbox ${name}`);
          },
          { audit: true },
        ),
      ),
    ['outreach mailbox remove ana', 'outreach mailbox remove old-box --force'],
  );

  examples(
    mailbox
      .command('test')
      .argument('<name>', 'the mailbox')
      .description('log in to its SMTP and IMAP servers (reactivates a mailbox stopped by a failed login)')
      .action(
        action(
          async (ctx, _flags: unknown, name: string) => {
            const { testMailbox } = await import('../../stages/mailbox/index.js');
            const sp = ctx.out.spinner(`Logging in to ${name}`);
            const r = await testMailbox(ctx.db(), name, env(ctx));
            sp.stop();
            if (ctx.json) ctx.out.printJson(r);
            else printTest(ctx, r);
            if (!r.smtp.ok || (!r.imap.ok && !r.imap.skipped)) process.exitCode = 1;
          },
          { audit: true },
        ),
      ),
    ['outreach mailbox test ana', 'outreach mailbox test ana --json'],
  );
}

/** A stored value as the user set it (append_sent is 0/1 in the database). */
function show(field: string, v: string | number | null): string {
  if (v === null || v === '') return '-';
  if (field === 'append_sent') return v ? 'yes' : 'no';
  return String(v);
}

function printTest(
  ctx: Ctx,
  r: { name: string; smtp: { ok: boolean; skipped?: boolean; message: string; fix?: string }; imap: { ok: boolean; skipped?: boolean; message: string; fix?: string }; statusBefore: string; statusAfter: string },
): void {
  for (const [label, c] of [['SMTP', r.smtp], ['IMAP', r.imap]] as const) {
    if (c.ok) ctx.out.print(`${ctx.out.c.green('pass')}  ${label}  ${c.message}`);
    else if (c.skipped) ctx.out.print(`${ctx.out.c.yellow('skip')}  ${label}  ${c.message}${c.fix ? `\n      fix: ${c.fix}` : ''}`);
    else ctx.out.print(`${ctx.out.c.red('FAIL')}  ${label}  ${c.message}${c.fix ? `\n      fix: ${c.fix}` : ''}`);
  }
  if (r.statusBefore !== r.statusAfter) ctx.out.info(`Mailbox ${r.name}: ${r.statusBefore} → ${r.statusAfter}`);
}
