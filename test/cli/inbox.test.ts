// `outreach inbox import|list|sync` as a user (or cron) runs them: the built binary in a subprocess.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { hostname } from 'node:os';
import { Database } from '../../src/db/driver.js';
import { runCli, tempDir } from '../helpers/cli.js';
import { openDb } from '../../src/db/open.js';
import { startMailstack, mailstackAvailable, type Mailstack } from '../helpers/mailstack.js';

const FIX = resolve(import.meta.dirname, '../fixtures/inbox');

describe('inbox import and list', () => {
  let tmp: { dir: string; cleanup: () => void };
  let env: Record<string, string>;
  beforeAll(() => {
    tmp = tempDir('outreach-cli-inbox-');
    env = { OUTREACH_DB: join(tmp.dir, 'o.db'), OUTREACH_SETTINGS: join(tmp.dir, 'none.yaml'), ANTHROPIC_API_KEY: '' };
    openDb(env.OUTREACH_DB!).close(); // an existing pipeline: inbox import does not create a database (session 9)
  });
  afterAll(() => tmp.cleanup());

  it('imports a folder of .eml files and lists them with their labels', async () => {
    const r = await runCli(['inbox', 'import', join(FIX, 'mail'), '--json'], { env, cwd: tmp.dir });
    expect(r.code).toBe(0);
    const s = JSON.parse(r.stdout);
    expect(s.stored).toBe(8);
    expect(s.by_label).toMatchObject({ BOUNCE: 3, AUTO_REPLY: 2, UNSUBSCRIBE: 1, WARM: 2 });

    const list = await runCli(['inbox', 'list', '--json'], { env, cwd: tmp.dir });
    expect(list.code).toBe(0);
    const rows = JSON.parse(list.stdout) as Record<string, unknown>[];
    expect(rows).toHaveLength(8);
    for (const k of ['message_id', 'from', 'subject', 'label', 'confidence', 'reason', 'return_date']) expect(rows[0]).toHaveProperty(k);
    const ooo = rows.find((x) => x.message_id === 'ooo-5@store5.example');
    expect(ooo).toMatchObject({ label: 'AUTO_REPLY', return_date: '2026-03-13' });

    const warm = await runCli(['inbox', 'list', '--label', 'warm', '--json'], { env, cwd: tmp.dir });
    expect((JSON.parse(warm.stdout) as { label: string }[]).every((x) => x.label === 'WARM')).toBe(true);
    const table = await runCli(['inbox', 'list', '--label', 'BOUNCE'], { env, cwd: tmp.dir });
    expect(table.stdout).toMatch(/BOUNCE \(hard\)/);
    // the table has the message_id column too
    const all = await runCli(['inbox', 'list'], { env, cwd: tmp.dir });
    expect(all.stdout.split('\n')[0]).toMatch(/\bmessage_id\b.*\bproblem\b/);
    expect(all.stdout).toMatch(/AUTO_REPLY .*2026-03-13 +ooo-5@store5\.example/);
  });

  it('importing again changes nothing; hostile files never crash it', async () => {
    const again = await runCli(['inbox', 'import', join(FIX, 'mail'), '--json'], { env, cwd: tmp.dir });
    expect(JSON.parse(again.stdout)).toMatchObject({ stored: 0, duplicates: 8 });
    const hostile = await runCli(['inbox', 'import', join(FIX, 'hostile')], { env, cwd: tmp.dir });
    expect(hostile.code).toBe(0);
    expect(hostile.stderr).toMatch(/Imported \d+ new messages/);

    // the table shows what went wrong (problem) and which message it is, shortened to fit; --json has them whole
    const rows = JSON.parse((await runCli(['inbox', 'list', '--json'], { env, cwd: tmp.dir })).stdout) as { message_id: string; problem: string | null }[];
    const noId = rows.find((x) => x.message_id.startsWith('sha256:'))!;
    expect(noId.problem).toBe('no Message-ID header');
    const table = await runCli(['inbox', 'list'], { env, cwd: tmp.dir });
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/nul@evil\.example +NUL bytes in headers/);
    expect(table.stdout).toContain(`${noId.message_id.slice(0, 16)}…${noId.message_id.slice(-15)}    no Message-ID header`);
    expect(table.stdout).not.toContain(noId.message_id);

    // control characters stored in a message (here put there directly) never reach the terminal from the table
    const d = new Database(env.OUTREACH_DB!);
    d.prepare(`UPDATE inbound SET subject = ?, reason = ? WHERE message_id = 'nul@evil.example'`).run('\x1b[31mRED\x1b[0m\x1b]0;pwned\x07 a\rb', 'line1\nline2');
    d.close();
    const safe = await runCli(['inbox', 'list'], { env, cwd: tmp.dir });
    expect(safe.stdout).not.toMatch(/[\x00-\x08\x0b-\x1f\x7f-\x9f]/);
    expect(safe.stdout).toMatch(/ RED a b +line1 line2 +nul@evil\.example/);
    expect(safe.stdout.trimEnd().split('\n')).toHaveLength(rows.length + 1);
    const json = JSON.parse((await runCli(['inbox', 'list', '--json'], { env, cwd: tmp.dir })).stdout) as { message_id: string; subject: string }[];
    expect(json.find((x) => x.message_id === 'nul@evil.example')!.subject).toBe('\x1b[31mRED\x1b[0m\x1b]0;pwned\x07 a\rb');
  });

  it('mail files: a pipe, a Maildir with only cur/, and what is not mail', async () => {
    const { mkdirSync, readFileSync } = await import('node:fs');
    const reply = 'From: Pipe <pipe@store9.example>\nTo: sam@acme.test\nSubject: Re: Quick question\nMessage-ID: <pipe@store9.example>\n\nPlease unsubscribe me.\n';
    const piped = await runCli(['inbox', 'import', '/dev/stdin', '--json'], { env, cwd: tmp.dir, input: reply });
    expect(piped.stderr).not.toMatch(/bug|ESPIPE/);
    expect(piped.code).toBe(0);
    expect(JSON.parse(piped.stdout)).toMatchObject({ stored: 1, by_label: { UNSUBSCRIBE: 1 } });
    const box = await runCli(['inbox', 'import', '/dev/stdin', '--json'], { env, cwd: tmp.dir, input: readFileSync(join(FIX, 'files/body-from.mbox')) });
    expect(JSON.parse(box.stdout)).toMatchObject({ scanned: 3, errors: [] });

    const md = join(tmp.dir, 'Maildir-cur-only');
    mkdirSync(join(md, 'cur'), { recursive: true });
    writeFileSync(join(md, 'cur', '1700000000.1.host:2,S'), reply.replace(/pipe@/g, 'curonly@'));
    const cur = await runCli(['inbox', 'import', md, '--json'], { env, cwd: tmp.dir });
    expect(cur.code).toBe(0);
    expect(JSON.parse(cur.stdout)).toMatchObject({ scanned: 1, stored: 1 });

    const junk = join(tmp.dir, 'not-mail');
    mkdirSync(junk);
    writeFileSync(join(junk, 'readme.txt'), 'notes\n');
    writeFileSync(join(junk, 'bin.eml'), readFileSync(join(FIX, 'notmail/garbage.eml')));
    const none = await runCli(['inbox', 'import', junk], { env, cwd: tmp.dir });
    expect(none.code).toBe(1);
    expect(none.stderr).toMatch(/No mail found in .*not-mail: 2 files \(bin\.eml, readme\.txt\)/);
    const one = await runCli(['inbox', 'import', join(junk, 'bin.eml')], { env, cwd: tmp.dir });
    expect(one.code).toBe(1);
    expect(one.stderr).toMatch(/bin\.eml: no mail header section \(not a mail message\)/);
    expect(one.stderr).not.toMatch(/bug/);
    writeFileSync(join(junk, 'ok.eml'), reply.replace(/pipe@/g, 'mixed@'));
    const mixed = await runCli(['inbox', 'import', junk, '--json'], { env, cwd: tmp.dir });
    expect(JSON.parse(mixed.stdout)).toMatchObject({ stored: 1, errors: [expect.stringMatching(/bin\.eml: .*not a mail message/)] });
    expect(mixed.code).toBe(1); // the good file is in; the refused one makes the run a partial failure
    const dash = await runCli(['inbox', 'import', '-', '--json'], { env, cwd: tmp.dir, input: reply.replace(/pipe@/g, 'dash@') });
    expect(dash.code, dash.stderr).toBe(0);
    expect(JSON.parse(dash.stdout)).toMatchObject({ stored: 1 });
    const empty = join(tmp.dir, 'empty-folder');
    mkdirSync(empty);
    expect((await runCli(['inbox', 'import', empty], { env, cwd: tmp.dir })).code).toBe(0);
  });

  it('usage and user errors', async () => {
    expect((await runCli(['inbox', 'list', '--label', 'HOT'], { env, cwd: tmp.dir })).code).toBe(2);
    const missing = await runCli(['inbox', 'import', join(tmp.dir, 'nope.mbox')], { env, cwd: tmp.dir });
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/No file or folder/);
    const nosync = await runCli(['inbox', 'sync'], { env, cwd: tmp.dir });
    expect(nosync.code).toBe(1);
    expect(nosync.stderr).toMatch(/No mailbox with IMAP settings/);
    const help = await runCli(['inbox', 'sync', '--help'], { env, cwd: tmp.dir });
    expect(help.stdout).toMatch(/Examples:/);
  });
});

describe.skipIf(!mailstackAvailable() && !process.env.CI)('inbox sync from cron', () => {
  let ms: Mailstack;
  let tmp: { dir: string; cleanup: () => void };
  let env: Record<string, string>;
  beforeAll(async () => {
    ms = await startMailstack();
    tmp = tempDir('outreach-cli-inbox-sync-');
    env = { OUTREACH_DB: join(tmp.dir, 'o.db'), OUTREACH_SETTINGS: join(tmp.dir, 'none.yaml'), ANTHROPIC_API_KEY: '', ALICE_PW: ms.users.alice.pass };
    await runCli(['db', 'migrate'], { env, cwd: tmp.dir });
    const db = new Database(env.OUTREACH_DB!);
    db.prepare(`INSERT INTO mailboxes (name, email, smtp_host, imap_host, imap_port, imap_security, imap_user, imap_password_env) VALUES ('main', ?, '127.0.0.1', '127.0.0.1', ?, 'none', ?, 'ALICE_PW')`).run(ms.users.alice.user, ms.imapPort, ms.users.alice.user);
    db.close();
  });
  afterAll(async () => {
    await ms?.stop();
    tmp?.cleanup();
  });

  it('is quiet on success, loud about WARM, one line with -v, JSON with --json', async () => {
    const raw = (id: string, body: string) => `From: Jo <jo@store.example>\r\nTo: alice@test.local\r\nSubject: Re: hello\r\nMessage-ID: <${id}@store.example>\r\n\r\n${body}\r\n`;
    await ms.deliver(raw('a', 'Thanks, received.'), ms.users.alice.user);
    await ms.waitFor(ms.users.alice, 'INBOX', (m) => m.length >= 1);
    const quiet = await runCli(['inbox', 'sync'], { env, cwd: tmp.dir });
    expect(quiet).toMatchObject({ code: 0, stdout: '' });

    await ms.deliver(raw('b', 'Very interested - what does it cost? Call me tomorrow.'), ms.users.alice.user);
    await ms.waitFor(ms.users.alice, 'INBOX', (m) => m.length >= 2);
    const loud = await runCli(['inbox', 'sync', '-v'], { env, cwd: tmp.dir });
    expect(loud.code).toBe(0);
    expect(loud.stdout).toMatch(/WARM reply from jo@store.example/);
    expect(loud.stderr).toMatch(/Synced: 1 messages, 1 new \(1 WARM\)/);

    const json = await runCli(['inbox', 'sync', '--json'], { env, cwd: tmp.dir });
    expect(JSON.parse(json.stdout)).toMatchObject({ scanned: 0, stored: 0 });
  });

  it('a second run while one holds the lock says so and exits 0', async () => {
    const db = new Database(env.OUTREACH_DB!);
    db.prepare(`INSERT INTO locks (name, holder, pid, expires_at) VALUES ('inbox-sync', ?, ?, '2999-01-01T00:00:00Z')`).run(`${hostname()}:${process.pid}`, process.pid);
    db.close();
    const r = await runCli(['inbox', 'sync'], { env, cwd: tmp.dir });
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/Another inbox sync is running/);
    const db2 = new Database(env.OUTREACH_DB!);
    db2.prepare('DELETE FROM locks').run();
    db2.close();
  });

  it('a missing password variable or an unknown mailbox is a clear error (exit 1)', async () => {
    const r = await runCli(['inbox', 'sync'], { env: { ...env, ALICE_PW: '' }, cwd: tmp.dir });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/ALICE_PW is not set/);
    const u = await runCli(['inbox', 'sync', '--mailbox', 'other'], { env, cwd: tmp.dir });
    expect(u.code).toBe(1);
    expect(u.stderr).toMatch(/No mailbox named "other"/);
  });
});
