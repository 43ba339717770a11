// `outreach mailbox add NAME --update ...` changes only the fields given (the help example
// `outreach mailbox add ana --update --daily-cap 100` used to fail: "required option '--email <address>'"),
// and every `--help` example of `mailbox` and `send` runs as written against a temp database.
// Real components: the built binary as a subprocess, a real SQLite file, smtp-server on loopback
// (test/helpers/fault-smtp.ts) for the examples that log in or send.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCli, tempDir } from '../helpers/cli.js';
import { startFaultSmtp, type FaultSmtp } from '../helpers/fault-smtp.js';
import { seedCampaign, openTestDb, sendSettingsYaml } from '../helpers/send-fixture.js';
import { addMailbox, updateMailbox, type MailboxPatch } from '../../src/stages/mailbox/index.js';

const YAML = sendSettingsYaml('ana@lima.studio');

const t = tempDir('outreach-mailbox-update-');
let smtp: FaultSmtp;
beforeAll(async () => {
  smtp = await startFaultSmtp();
});
afterAll(async () => {
  await smtp?.close();
  t.cleanup();
});

let n = 0;
/** A fresh folder with outreach.yaml and a database; returns a runner for the CLI in it. */
function workspace() {
  const dir = join(t.dir, `w${++n}`);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'outreach.yaml'), YAML);
  const dbPath = join(dir, 'outreach.db');
  openTestDb(dbPath).close(); // an existing pipeline: mailbox add does not create a database (session 9)
  const env = { OUTREACH_DB: dbPath, OUTREACH_SECRET: 'cli-secret', ANA_SMTP_PASSWORD: 'pw', SALES_PW: 'pw' };
  const cli = (args: string[], extra: Record<string, string> = {}) => runCli(args, { cwd: dir, env: { ...env, ...extra }, timeoutMs: 40_000 });
  const row = (name: string) => {
    const db = openTestDb(dbPath);
    try {
      return db.sqlite.prepare(`SELECT * FROM mailboxes WHERE name = ?`).get(name) as Record<string, string | number | null> | undefined;
    } finally {
      db.close();
    }
  };
  const sql = (text: string, ...params: unknown[]) => {
    const db = openTestDb(dbPath);
    try {
      db.sqlite.prepare(text).run(...params);
    } finally {
      db.close();
    }
  };
  return { dir, dbPath, cli, row, sql };
}

const ANA = ['mailbox', 'add', 'ana', '--email', 'ana@lima.studio', '--smtp-host', 'smtp.lima.test', '--smtp-security', 'tls', '--smtp-password-env', 'ANA_SMTP_PASSWORD', '--imap-host', 'imap.lima.test'];

describe('mailbox add --update: a partial update of an existing mailbox', () => {
  it('the help example changes the daily cap and nothing else', async () => {
    const w = workspace();
    expect((await w.cli([...ANA, '--daily-cap', '60', '--ramp-start', '7', '--ramp-step', '3', '--append-sent', '--from-name', 'Ana L'])).code).toBe(0);
    w.sql(`UPDATE mailboxes SET ramp_started_at = '2026-11-01T00:00:00.000Z'`);
    const before = w.row('ana')!;
    const r = await w.cli(['mailbox', 'add', 'ana', '--update', '--daily-cap', '100']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/Updated mailbox ana <ana@lima\.studio> via smtp\.lima\.test:465 \(tls\)/);
    expect(r.stdout).toMatch(/daily cap: 60 → 100/);
    const after = w.row('ana')!;
    const { daily_cap: capBefore, updated_at: _u1, ...restBefore } = before;
    const { daily_cap: capAfter, updated_at: _u2, ...restAfter } = after;
    expect([capBefore, capAfter]).toEqual([60, 100]);
    expect(restAfter).toEqual(restBefore); // warm-up, IMAP, append-sent, from name, status: all kept
  });

  it('an unknown mailbox is an error (exit 1) and creates nothing; no option to change is a usage error (exit 2)', async () => {
    const w = workspace();
    const r = await w.cli(['mailbox', 'add', 'bob', '--update', '--daily-cap', '100']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/No mailbox named "bob" to update/);
    expect(r.stderr).toMatch(/leave out --update/);
    expect(w.row('bob')).toBeUndefined();
    // Even with every field an add needs, --update never adds.
    const full = await w.cli([...ANA.map((a) => (a === 'ana' ? 'bob' : a)), '--update']);
    expect(full.code).toBe(1);
    expect(w.row('bob')).toBeUndefined();

    expect((await w.cli(ANA)).code).toBe(0);
    const none = await w.cli(['mailbox', 'add', 'ana', '--update']);
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/--update needs the options to change/);
    const same = await w.cli(['mailbox', 'add', 'ana', '--update', '--smtp-host', 'smtp.lima.test']);
    expect(same.code).toBe(0);
    expect(same.stderr).toMatch(/unchanged/);
  });

  it('without --update, --email and --smtp-host are still required (exit 2, pointing at --update)', async () => {
    const w = workspace();
    const noEmail = await w.cli(['mailbox', 'add', 'ana', '--smtp-host', 'smtp.lima.test']);
    expect(noEmail.code).toBe(2);
    expect(noEmail.stderr).toMatch(/required option '--email <address>' not specified/);
    expect(noEmail.stderr).toMatch(/--update/);
    const noHost = await w.cli(['mailbox', 'add', 'ana', '--email', 'ana@lima.studio']);
    expect(noHost.code).toBe(2);
    expect(noHost.stderr).toMatch(/required option '--smtp-host <host>' not specified/);
    expect(w.row('ana')).toBeUndefined();
    // And an existing name without --update is refused, as before.
    expect((await w.cli(ANA)).code).toBe(0);
    const dup = await w.cli(ANA);
    expect(dup.code).toBe(1);
    expect(dup.stderr).toMatch(/exists already.*\n.*--update/);
  });

  it('values derived from another field follow it; values set on their own stay (stage, in process)', () => {
    const db = openTestDb(join(t.dir, 'derived.db'));
    const up = (p: Omit<MailboxPatch, 'name'>, name = 'ana') => updateMailbox(db, { name, ...p });
    const get = (name = 'ana') => db.sqlite.prepare(`SELECT * FROM mailboxes WHERE name = ?`).get(name) as Record<string, unknown>;
    addMailbox(db, { name: 'ana', email: 'ana@lima.studio', smtpHost: 'smtp.lima.test', smtpSecurity: 'tls', smtpPasswordEnv: 'ANA_SMTP_PASSWORD', imapHost: 'imap.lima.test' });
    expect(get()).toMatchObject({ smtp_port: 465, smtp_user: 'ana@lima.studio', imap_user: 'ana@lima.studio', imap_port: 993, imap_password_env: 'ANA_SMTP_PASSWORD' });
    // New address (normalized): the logins that were the address follow it, so does the IMAP password variable.
    expect(up({ email: 'Ana@Lima.Studio ', smtpPasswordEnv: 'NEW_PW' }).changes.map((c) => c.field)).toEqual(['smtp_password_env', 'imap_password_env']);
    up({ email: 'ana2@lima.studio' });
    expect(get()).toMatchObject({ email: 'ana2@lima.studio', smtp_user: 'ana2@lima.studio', imap_user: 'ana2@lima.studio', imap_password_env: 'NEW_PW' });
    // A login set on its own stays when the address changes again.
    up({ smtpUser: 'login-ana' });
    up({ email: 'ana3@lima.studio' });
    expect(get()).toMatchObject({ email: 'ana3@lima.studio', smtp_user: 'login-ana', imap_user: 'login-ana' });
    up({ imapUser: 'imap-ana', imapPasswordEnv: 'IMAP_PW' });
    up({ smtpUser: 'login2', smtpPasswordEnv: 'PW2' });
    expect(get()).toMatchObject({ smtp_user: 'login2', imap_user: 'imap-ana', smtp_password_env: 'PW2', imap_password_env: 'IMAP_PW' });
    // Security: a default port moves with it, a port set by hand stays.
    up({ smtpSecurity: 'starttls' });
    expect(get()).toMatchObject({ smtp_security: 'starttls', smtp_port: 587 });
    up({ smtpPort: 2525 });
    up({ smtpSecurity: 'none' });
    expect(get()).toMatchObject({ smtp_security: 'none', smtp_port: 2525 });
    up({ imapSecurity: 'starttls' });
    expect(get()).toMatchObject({ imap_security: 'starttls', imap_port: 143 });
    // append-sent on and off; nothing else moved.
    up({ appendSent: true });
    expect(get().append_sent).toBe(1);
    expect(up({ appendSent: false }).changes).toEqual([{ field: 'append_sent', from: 1, to: 0 }]);
    expect(get()).toMatchObject({ smtp_host: 'smtp.lima.test', imap_host: 'imap.lima.test', daily_cap: 50, ramp_start: 10, ramp_step: 5 });
    // An IMAP account added later gets its defaults; IMAP options without one are refused.
    addMailbox(db, { name: 'box', email: 'box@lima.studio', smtpHost: 'smtp.lima.test', smtpPasswordEnv: 'BOX_PW' });
    expect(() => up({ imapPort: 1993 }, 'box')).toThrow(/no IMAP account: --imap-port needs --imap-host/);
    expect(() => up({ sentFolder: 'Sent' }, 'box')).toThrow(/--sent-folder needs --imap-host/);
    up({ imapHost: 'imap.lima.test' }, 'box');
    expect(get('box')).toMatchObject({ imap_host: 'imap.lima.test', imap_port: 993, imap_security: 'tls', imap_user: 'box@lima.studio', imap_password_env: 'BOX_PW' });
    // The fix `mailbox test` prints for a missing Sent folder is itself an --update.
    up({ sentFolder: 'Sent Items' }, 'box');
    expect(get('box').sent_folder).toBe('Sent Items');
    // Unknown name.
    expect(() => up({ dailyCap: 1 }, 'nobody')).toThrow(/No mailbox named "nobody" to update/);
    db.close();
  });

  it('--no-append-sent turns it off; --json lists the changes', async () => {
    const w = workspace();
    expect((await w.cli([...ANA, '--append-sent'])).code).toBe(0);
    const off = await w.cli(['mailbox', 'add', 'ana', '--update', '--no-append-sent', '--json']);
    expect(off.code, off.stderr).toBe(0);
    expect(JSON.parse(off.stdout)).toEqual({ mailbox: { id: 1, name: 'ana', email: 'ana@lima.studio' }, changes: [{ field: 'append_sent', from: 1, to: 0 }], test: null });
    expect(w.row('ana')!.append_sent).toBe(0);
  });

  it('a mailbox stopped by a refused login stays stopped, with the way back; bad values are usage errors', async () => {
    const w = workspace();
    expect((await w.cli(ANA)).code).toBe(0);
    w.sql(`UPDATE mailboxes SET status = 'auth_failed', status_reason = 'SMTP login refused: 535'`);
    const r = await w.cli(['mailbox', 'add', 'ana', '--update', '--smtp-password-env', 'ANA_APP_PASSWORD']);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/outreach mailbox test ana/);
    expect(w.row('ana')).toMatchObject({ status: 'auth_failed', smtp_password_env: 'ANA_APP_PASSWORD' });
    for (const args of [['--daily-cap', '-1'], ['--smtp-password-env', 'my secret']]) {
      const bad = await w.cli(['mailbox', 'add', 'ana', '--update', ...args]);
      expect(bad.code, `${args.join(' ')}: ${bad.stderr}`).toBe(2);
    }
    expect(w.row('ana')).toMatchObject({ daily_cap: 50, smtp_password_env: 'ANA_APP_PASSWORD' });
  });

  it('--update --test changes the port and logs in right away', async () => {
    const w = workspace();
    expect((await w.cli(['mailbox', 'add', 'ana', '--email', 'ana@lima.studio', '--smtp-host', smtp.host, '--smtp-port', '1', '--smtp-security', 'none', '--smtp-password-env', 'ANA_SMTP_PASSWORD'])).code).toBe(0);
    const r = await w.cli(['mailbox', 'add', 'ana', '--update', '--smtp-port', String(smtp.port), '--test']);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`smtp port: 1 → ${smtp.port}`));
    expect(r.stdout).toMatch(new RegExp(`pass\\s+SMTP\\s+logged in to 127\\.0\\.0\\.1:${smtp.port}`));
  });
});

// ---- every --help example of `mailbox` and `send`, run as written ----

/** The examples printed by `outreach ARGS --help`. */
async function helpExamples(args: string[]): Promise<string[]> {
  const r = await runCli([...args, '--help']);
  expect(r.code).toBe(0);
  const i = r.stdout.indexOf('\nExamples:\n');
  expect(i, `${args.join(' ')} --help has examples`).toBeGreaterThanOrEqual(0);
  return r.stdout
    .slice(i)
    .split('\n')
    .filter((l) => l.startsWith('  $ '))
    .map((l) => l.slice(4));
}

/** Shell words of one example line: quotes, a trailing # comment, a crontab schedule and `cd DIR &&` removed. */
function words(line: string): string[] {
  let s = line.replace(/^(\S+\s+){5}cd \S+ && (?=outreach )/, '');
  const out: string[] = [];
  let cur: string | null = null;
  for (let i = 0; i < s.length; i++) {
    const ch = s[i]!;
    if (ch === '"' || ch === "'") {
      const end = s.indexOf(ch, i + 1);
      cur = (cur ?? '') + s.slice(i + 1, end);
      i = end;
    } else if (ch === '#' && cur === null) {
      break;
    } else if (/\s/.test(ch)) {
      if (cur !== null) out.push(cur);
      cur = null;
    } else cur = (cur ?? '') + ch;
  }
  if (cur !== null) out.push(cur);
  s = out.shift()!;
  expect(s).toBe('outreach');
  return out;
}

describe('every --help example of mailbox and send runs as written', () => {
  it('against a temp database with mailboxes ana and old-box, a campaign spring and an unknown message', async () => {
    const all: string[] = [];
    for (const cmd of [['mailbox'], ['mailbox', 'add'], ['mailbox', 'list'], ['mailbox', 'remove'], ['mailbox', 'test'], ['send']]) all.push(...(await helpExamples(cmd)));
    expect(all.length).toBeGreaterThanOrEqual(15);
    expect(all).toContain('outreach mailbox add ana --update --daily-cap 100');
    const results: string[] = [];
    const runExample = async (line: string) => {
      const args = words(line);
      const w = workspace();
      // The state each example presumes: ana (and old-box) exist unless the example adds them; ana sends
      // through the loopback server. Real provider hosts are never contacted: they become a name that
      // never resolves (RFC 6761 .invalid).
      const adding = args[0] === 'mailbox' && args[1] === 'add' && !args.includes('--update') ? args[2] : null;
      const db = openTestDb(w.dbPath);
      seedCampaign(db, { campaign: 'spring', leads: 1 });
      for (const name of ['ana', 'old-box'].filter((x) => x !== adding)) {
        db.sqlite
          .prepare(`INSERT INTO mailboxes (name, email, smtp_host, smtp_port, smtp_security, smtp_user, smtp_password_env, daily_cap, ramp_start, ramp_step) VALUES (?, ?, ?, ?, 'none', ?, 'ANA_SMTP_PASSWORD', 100, 0, 0)`)
          .run(name, `${name}@lima.studio`, smtp.host, smtp.port, `${name}@lima.studio`);
      }
      if (args.includes('--settle')) {
        const d = db.sqlite.prepare(`SELECT d.id, d.step_id, d.enrollment_id, d.lead_id, d.contact_id, e.campaign_id FROM drafts d JOIN enrollments e ON e.id = d.enrollment_id`).get() as Record<string, number>;
        db.sqlite
          .prepare(
            `INSERT INTO messages (draft_id, enrollment_id, lead_id, contact_id, campaign_id, step_id, mailbox_id, to_email, from_email, subject, message_id, state, attempts, claimed_at, last_error)
             VALUES (?, ?, ?, ?, ?, ?, (SELECT id FROM mailboxes WHERE name = 'ana'), 'owner0@shop0.example.com', 'ana@lima.studio', 'Quick question', 'id@example.com', 'unknown', 1, strftime('%Y-%m-%dT%H:%M:%fZ','now'), 'the sending process stopped during the send')`,
          )
          .run(d.id, d.enrollment_id, d.lead_id, d.contact_id, d.campaign_id, d.step_id);
      }
      db.close();
      const real = args.map((a) => (/\.gmail\.com$|^mail\.lima\.studio$/.test(a) ? `${a.split('.')[0]}.no-such-host.invalid` : a));
      const r = await w.cli(real);
      const out = r.stdout + r.stderr;
      results.push(`${line} → ${r.code}`);
      // Never a usage error: the example's flags and arguments exist and fit together.
      expect(r.code, `${line}\n${out}`).not.toBe(2);
      const contacts = real.includes('--test');
      if (contacts) {
        // It ran, saved the mailbox and tried to log in to the (unreachable) provider: exit 1, with the host named.
        expect(r.code, `${line}\n${out}`).toBe(1);
        expect(out).toMatch(/Added mailbox ana/);
        expect(out).toMatch(/FAIL\s+SMTP\s+cannot connect: smtp\.no-such-host\.invalid:465/);
      } else {
        expect(r.code, `${line}\n${out}`).toBe(0);
      }
      if (line === 'outreach mailbox add ana --update --daily-cap 100') expect(w.row('ana')!.daily_cap).toBe(100);
      if (/^outreach mailbox remove /.test(line)) expect(w.row(args[2]!)).toBeUndefined();
      if (/^outreach send --settle/.test(line)) expect(out).toMatch(/sent/);
      if (/^outreach send --campaign spring/.test(line)) expect(out).toMatch(/Sent 1/);
    };
    // Three at a time, each in its own folder and database.
    const queue = [...all];
    await Promise.all(
      Array.from({ length: 3 }, async () => {
        for (let line = queue.shift(); line !== undefined; line = queue.shift()) await runExample(line);
      }),
    );
    expect(results).toHaveLength(all.length);
  });
});
