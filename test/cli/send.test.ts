// `outreach mailbox` and `outreach send` as a user and cron run them: the built binary against the real
// loopback Postfix + Dovecot. Two `send` processes at once never send the same message.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { writeFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCli, tempDir } from '../helpers/cli.js';
import { startMailstack, mailstackAvailable, type Mailstack } from '../helpers/mailstack.js';
import { seedCampaign, openTestDb, messageStates, sendSettingsYaml } from '../helpers/send-fixture.js';

const YAML = sendSettingsYaml('alice@test.local');

describe.skipIf(!mailstackAvailable() && !process.env.CI)('outreach mailbox and send (CLI)', () => {
  let ms: Mailstack;
  const t = tempDir();
  const dbPath = join(t.dir, 'o.db');
  let env: Record<string, string>;
  beforeAll(async () => {
    ms = await startMailstack();
    writeFileSync(join(t.dir, 'outreach.yaml'), YAML);
    openTestDb(dbPath).close(); // as `outreach init` does: mailbox add works on an existing database (session 9)
    env = { OUTREACH_DB: dbPath, OUTREACH_SECRET: 'cli-secret', ALICE_PW: ms.users.alice.pass, BOB_PW: ms.users.bob.pass };
  });
  afterAll(async () => {
    await ms?.stop();
    t.cleanup();
  });
  const cli = (args: string[], extra: Record<string, string> = {}) => runCli(args, { cwd: t.dir, env: { ...env, ...extra } });

  it('adds, lists and tests mailboxes; the password is only ever a variable name', async () => {
    const add = await cli([
      'mailbox', 'add', 'alice', '--email', ms.users.alice.user, '--smtp-host', ms.host, '--smtp-port', String(ms.smtpPort), '--smtp-security', 'none',
      '--smtp-password-env', 'ALICE_PW', '--imap-host', ms.host, '--imap-port', String(ms.imapPort), '--imap-security', 'none', '--daily-cap', '500',
      '--ramp-start', '0', '--ramp-step', '0', '--test',
    ]);
    expect(add.stderr + add.stdout).toMatch(/Added mailbox alice/);
    expect(add.stdout).toMatch(/pass\s+SMTP/);
    expect(add.stdout).toMatch(/pass\s+IMAP.*Sent folder "Sent"/);
    expect(add.code).toBe(0);
    const addBob = await cli([
      'mailbox', 'add', 'bob', '--email', ms.users.bob.user, '--smtp-host', ms.host, '--smtp-port', String(ms.smtpPort), '--smtp-security', 'none',
      '--smtp-password-env', 'BOB_PW', '--imap-host', ms.host, '--imap-port', String(ms.imapPort), '--imap-security', 'none', '--daily-cap', '500',
      '--ramp-start', '0', '--ramp-step', '0',
    ]);
    expect(addBob.code).toBe(0);
    // A password given as a value is refused (it must be a variable name), and not echoed.
    const bad = await cli(['mailbox', 'add', 'x', '--email', 'x@test.local', '--smtp-host', ms.host, '--smtp-password-env', 'hunter2 secret!']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).not.toContain('hunter2 secret!');
    const list = await cli(['mailbox', 'list', '--json']);
    const rows = JSON.parse(list.stdout) as { name: string; smtpPasswordEnv: string; smtpPasswordSet: boolean }[];
    expect(rows.map((r) => [r.name, r.smtpPasswordEnv, r.smtpPasswordSet])).toEqual([['alice', 'ALICE_PW', true], ['bob', 'BOB_PW', true]]);
    expect(list.stdout).not.toContain(ms.users.alice.pass);
    expect(readFileSync(dbPath).includes(Buffer.from(ms.users.alice.pass))).toBe(false);

    // Wrong password: the test fails with the fix, the mailbox stops; the right one brings it back.
    const wrong = await cli(['mailbox', 'test', 'bob'], { BOB_PW: 'wrong-password' });
    expect(wrong.code).toBe(1);
    expect(wrong.stdout).toMatch(/FAIL\s+SMTP\s+login refused: 535/);
    expect(wrong.stdout).toMatch(/fix: Check the user/);
    expect(wrong.stdout + wrong.stderr).not.toContain('wrong-password');
    const ok = await cli(['mailbox', 'test', 'bob']);
    expect(ok.code).toBe(0);
    expect(ok.stderr).toMatch(/auth_failed → active/);
  });

  it('is quiet from cron when there is nothing to send', async () => {
    const r = await cli(['send']);
    expect(r).toEqual({ code: 0, stdout: '', stderr: '' });
  });

  it('two send processes at once deliver every message exactly once', async () => {
    const db = openTestDb(dbPath);
    const tag = `cli${Date.now()}`;
    seedCampaign(db, { campaign: tag, leads: 60, email: (i) => `${tag}-${i}@example.com` });
    db.close();
    const dry = await cli(['send', '--dry-run', '--limit', '5']);
    expect(dry.code).toBe(0);
    expect(dry.stdout.match(/would send now/g)).toHaveLength(5);
    const [a, b] = await Promise.all([cli(['send']), cli(['send'])]);
    expect(a.code, a.stderr).toBe(0);
    expect(b.code, b.stderr).toBe(0);
    const counts = [a, b].map((r) => Number(/Sent (\d+)/.exec(r.stdout)?.[1] ?? 0));
    expect(counts[0]! + counts[1]!).toBe(60);
    const db2 = openTestDb(dbPath);
    expect(messageStates(db2)).toEqual({ sent: 60 });
    const ids = (db2.sqlite.prepare(`SELECT message_id FROM messages`).all() as { message_id: string }[]).map((r) => `<${r.message_id}>`);
    db2.close();
    const inbox = await ms.waitFor(ms.users.sink, 'INBOX', (m) => m.filter((x) => x.to.some((a) => a.startsWith(tag))).length >= 60, 20_000);
    await new Promise((r) => setTimeout(r, 500)); // a duplicate would arrive right behind
    const again = await ms.list(ms.users.sink, 'INBOX');
    const got = again.filter((x) => x.to.some((a) => a.startsWith(tag))).map((x) => x.messageId!);
    expect(got.length).toBe(60);
    expect(new Set(got).size).toBe(60);
    expect(new Set(got)).toEqual(new Set(ids));
    expect(inbox.length).toBeGreaterThanOrEqual(60);
    // Both mailboxes took part (rotation by remaining capacity).
    const db3 = openTestDb(dbPath);
    const per = db3.sqlite.prepare(`SELECT mailbox_id, COUNT(*) AS n FROM messages GROUP BY mailbox_id`).all() as { n: number }[];
    db3.close();
    expect(per).toHaveLength(2);
    // Nothing left: quiet again.
    expect(await cli(['send'])).toEqual({ code: 0, stdout: '', stderr: '' });
  });

  it('lists unknown messages and settles them by hand (--list-unknown, --settle ID --as sent|failed|retry)', async () => {
    const db = openTestDb(dbPath);
    const tag = `unk${Date.now()}`;
    const seeded = seedCampaign(db, { campaign: tag, leads: 3, email: (i) => `${tag}-${i}@example.com` });
    // What a run killed between DATA and its commit leaves behind, once the next run saw the process gone.
    const alice = (db.sqlite.prepare(`SELECT id FROM mailboxes WHERE name = 'alice'`).get() as { id: number }).id;
    const ids = seeded.enrollments.map((e, i) => {
      const d = db.sqlite.prepare(`SELECT id, step_id FROM drafts WHERE enrollment_id = ?`).get(e.id) as { id: number; step_id: number };
      const mid = `${tag}-${i}@test.local`;
      db.sqlite
        .prepare(
          `INSERT INTO messages (draft_id, enrollment_id, lead_id, contact_id, campaign_id, step_id, mailbox_id, to_email, from_email, subject, message_id, state, attempts, claimed_at, last_error)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'alice@test.local', 'Quick question', ?, 'unknown', 1, strftime('%Y-%m-%dT%H:%M:%fZ','now'), 'the sending process stopped during the send')`,
        )
        .run(d.id, e.id, e.leadId, e.contactId, seeded.campaignId, d.step_id, alice, e.email, mid);
      return mid;
    });
    db.close();

    const list = await cli(['send', '--list-unknown', '--json', '--campaign', tag]);
    expect(list.code, list.stderr).toBe(0);
    const listed = JSON.parse(list.stdout) as { unknown: { id: number; messageId: string; to: string; mailbox: string; serverKeepsSentCopy: boolean; campaign: string; step: number }[] };
    expect(listed.unknown.map((u) => u.messageId)).toEqual(ids);
    expect(listed.unknown[0]).toMatchObject({ to: `${tag}-0@example.com`, mailbox: 'alice', serverKeepsSentCopy: true, campaign: tag, step: 1 });
    const table = await cli(['send', '--list-unknown', '--campaign', tag]);
    expect(table.stdout).toContain(ids[0]);
    expect(table.stderr).toMatch(/--settle MESSAGE_ID --as sent\|failed\|retry/);

    // Usage errors (exit 2): no verdict, a wrong one, combined modes.
    expect((await cli(['send', '--settle', ids[0]!])).code).toBe(2);
    const bad = await cli(['send', '--settle', ids[0]!, '--as', 'maybe']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--as expects sent, failed, retry/);
    expect((await cli(['send', '--settle', ids[0]!, '--as', 'sent', '--resolve-unknown'])).code).toBe(2);
    expect((await cli(['send', '--as', 'sent'])).code).toBe(2);

    const s1 = await cli(['send', '--settle', `<${ids[0]}>`, '--as', 'sent', '--note', 'seen in the provider log']);
    expect(s1.code, s1.stderr).toBe(0);
    expect(s1.stdout).toMatch(/recorded as sent/);
    const s2 = await cli(['send', '--settle', String(listed.unknown[1]!.id), '--as', 'failed', '--json']);
    expect(JSON.parse(s2.stdout)).toMatchObject({ messageId: ids[1], to_state: 'failed' });
    const s3 = await cli(['send', '--settle', ids[2]!, '--as', 'retry']);
    expect(s3.stdout).toMatch(/queued again/);
    // Settled once: a second verdict is refused (exit 1), with the state it is in.
    const twice = await cli(['send', '--settle', ids[0]!, '--as', 'failed']);
    expect(twice.code).toBe(1);
    expect(twice.stderr).toMatch(/is sent, not unknown/);
    expect((await cli(['send', '--settle', 'nope@test.local', '--as', 'sent'])).code).toBe(1);
    expect(JSON.parse((await cli(['send', '--list-unknown', '--json', '--campaign', tag])).stdout).unknown).toEqual([]);

    // The retried message goes with its own Message-ID on the next run.
    const run = await cli(['send', '--campaign', tag]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/Sent 1 /);
    const got = await ms.waitFor(ms.users.sink, 'INBOX', (m) => m.some((x) => x.messageId === `<${ids[2]}>`), 20_000);
    expect(got.filter((x) => x.messageId === `<${ids[2]}>`)).toHaveLength(1);
    const db2 = openTestDb(dbPath);
    const states = db2.sqlite.prepare(`SELECT message_id, state, smtp_response FROM messages WHERE campaign_id = ? ORDER BY id`).all(seeded.campaignId) as { state: string; smtp_response: string }[];
    db2.close();
    expect(states.map((x) => x.state)).toEqual(['sent', 'failed', 'sent']);
    expect(states[0]!.smtp_response).toBe('settled by hand as sent: seen in the provider log');
  });

  it('refuses to send without an unsubscribe URL or secret, with the fix', async () => {
    const r = await cli(['send'], { OUTREACH_SECRET: '' });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/OUTREACH_SECRET is not set/);
  });

  it('removes a mailbox only when no thread needs it, unless --force', async () => {
    // One of bob's threads still waits for a follow-up.
    const db = openTestDb(dbPath);
    db.sqlite.exec(`UPDATE enrollments SET status = 'active' WHERE id = (SELECT MIN(id) FROM enrollments WHERE mailbox_id = (SELECT id FROM mailboxes WHERE name = 'bob'))`);
    db.close();
    const r = await cli(['mailbox', 'remove', 'bob']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/active thread|--force/);
    const f = await cli(['mailbox', 'remove', 'bob', '--force']);
    expect(f.code).toBe(0);
    const list = JSON.parse((await cli(['mailbox', 'list', '--json'])).stdout) as { name: string }[];
    expect(list.map((x) => x.name)).toEqual(['alice']);
  });
});
