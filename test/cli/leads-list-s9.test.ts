// Review s9 (issue 2) findings on `leads list` and `leads tag`, through the built CLI against temp databases:
// --json is never silently cut at 50 (#4); a long table is streamed, and Ctrl-C stops the listing between pieces
// in table and JSON mode (#7, #8); tags are validated and removing an absent tag says so (#10); --search finds an
// IDN email typed in Unicode or punycode, and emails are shown in Unicode like domains (#11); --sort stage follows
// the pipeline and --stage ignores case (#12).
import { describe, it, expect, beforeAll, afterAll, beforeEach, afterEach } from 'vitest';
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Database } from '../../src/db/driver.js';
import { runCli, tempDir, BIN, ROOT } from '../helpers/cli.js';

let t: ReturnType<typeof tempDir>;
let db: string;
const cli = (args: string[], input?: string) => runCli(['--db', db, ...args], { cwd: t.dir, input });

async function importCsv(csv: string): Promise<void> {
  const f = join(t.dir, `in-${Date.now()}-${Math.random()}.csv`);
  writeFileSync(f, csv);
  const r = await cli(['leads', 'import', f, '-q']);
  expect(r.code, r.stderr).toBe(0);
}

const domains = (n: number, from = 0) => 'domain\n' + Array.from({ length: n }, (_, i) => `s${from + i}.com`).join('\n') + '\n';

describe('small database', () => {
  beforeEach(() => {
    t = tempDir();
    db = join(t.dir, 'test.db');
  });
  afterEach(() => t.cleanup());

  describe('#4 leads list --json is not cut at 50', () => {
    it('returns every matching lead by default, the first N with --limit N (and says so on stderr)', async () => {
      await importCsv(domains(120));
      const all = await cli(['leads', 'list', '--json']);
      expect(all.code, all.stderr).toBe(0);
      expect(JSON.parse(all.stdout)).toHaveLength(120);
      expect(all.stderr).toBe('');
      const ten = await cli(['leads', 'list', '--json', '--limit', '10']);
      expect(ten.code, ten.stderr).toBe(0);
      expect(JSON.parse(ten.stdout)).toHaveLength(10);
      expect(ten.stderr).toContain('10 of 120 leads shown');
      // the table keeps its screenful, with the note
      const table = await cli(['leads', 'list']);
      expect(table.stdout.trimEnd().split('\n')).toHaveLength(51);
      expect(table.stderr).toContain('50 of 120 leads shown (--limit 0 for all)');
      // the help's --json example is what it says
      const help = await runCli(['leads', 'list', '--help']);
      expect(help.stdout).toMatch(/default: 50 in a table, all\s+with --json/);
      expect(help.stdout).toContain('--json has no default limit');
    });

    it('the stage filter of the help example gives every match', async () => {
      await importCsv(domains(70));
      const r = await cli(['leads', 'list', '--stage', 'new,confirmed', '--json']);
      expect(JSON.parse(r.stdout)).toHaveLength(70);
      expect(JSON.parse((await cli(['leads', 'list', '--json', '--stage', 'replied'])).stdout)).toEqual([]);
    });
  });

  describe('#10 leads tag validates tags; --remove of an absent tag says so', () => {
    beforeEach(async () => {
      await importCsv('domain\nt.com\n');
    });

    it.each([
      ['an escape sequence', '\x1b[31mred', /Tag "\\u001b\[31mred" holds a control character/],
      ['a line break', 'new\nline', /Tag "new\\u000aline" holds a control character/],
      ['a TAB', 'a\tb', /holds a control character/],
      ['a C1 control', 'a\u009bb', /holds a control character/],
      ['a zero-width space', 'ho\u200bt', /invisible character/],
      ['a bidi override', '\u202egnp', /invisible character/],
      ['65 characters', 'x'.repeat(65), /is 65 characters long: at most 64/],
      ['5,000 characters', 'x'.repeat(5000), /is 5000 characters long: at most 64/],
    ])('refuses %s with exit 2, storing nothing', async (_what, tag, message) => {
      const r = await cli(['leads', 'tag', 't.com', 'good', tag]);
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr).toMatch(message);
      expect(r.stderr).not.toContain('\x1b');
      expect(r.stderr.length).toBeLessThan(400);
      const d = new Database(db, { readonly: true });
      expect(d.prepare('SELECT count(*) AS n FROM lead_tags').get()).toEqual({ n: 0 });
      d.close();
    });

    it('a usage error even for an unknown lead (the tag is checked first)', async () => {
      expect((await cli(['leads', 'tag', 'nope.com', 'x'.repeat(65)])).code).toBe(2);
      expect((await cli(['leads', 'tag', 'nope.com', 'fine'])).code).toBe(1);
    });

    it('accepts 64 characters, trims and lower-cases, and Unicode letters', async () => {
      const r = await cli(['leads', 'tag', 't.com', '  Hot  ', 'y'.repeat(64), 'Bücher', '--json']);
      expect(r.code, r.stderr).toBe(0);
      expect(JSON.parse(r.stdout).tags).toEqual(['bücher', 'hot', 'y'.repeat(64)]);
    });

    it('--remove of a tag the lead does not have: exit 0, a note naming it, never "removed"', async () => {
      expect((await cli(['leads', 'tag', 't.com', 'hot'])).code).toBe(0);
      const none = await cli(['leads', 'tag', 't.com', 'nosuchtag', '--remove']);
      expect(none.code, none.stderr).toBe(0);
      expect(none.stderr).toContain('t.com had no tag nosuchtag: nothing removed.');
      expect(none.stderr).not.toContain('✔');
      expect(none.stderr).not.toMatch(/removed nosuchtag/);
      const some = await cli(['leads', 'tag', 't.com', 'nosuchtag', 'hot', '--remove']);
      expect(some.code).toBe(0);
      expect(some.stderr).toContain('t.com had no tag nosuchtag.');
      expect(some.stderr).toContain('✔ t.com: removed hot; tags (none)');
      const j = await cli(['leads', 'tag', 't.com', 'gone', '--remove', '--json']);
      expect(j.code).toBe(0);
      expect(JSON.parse(j.stdout)).toEqual({ domain: 't.com', domain_unicode: 't.com', tags: [], changed: 0, missing: ['gone'] });
      // the timeline records only what was really removed
      const d = new Database(db, { readonly: true });
      const events = d.prepare(`SELECT data FROM events WHERE type = 'tagged' ORDER BY id`).all() as { data: string }[];
      d.close();
      expect(events.map((e) => JSON.parse(e.data))).toEqual([{ added: ['hot'] }, { removed: ['hot'] }]);
    });

    it('a bad tag stored before (by an older version) can still be removed', async () => {
      const d = new Database(db);
      d.prepare(`INSERT INTO lead_tags (lead_id, tag) SELECT id, ? FROM leads`).run('new\nline');
      d.close();
      const r = await cli(['leads', 'tag', 't.com', 'new\nline', '--remove', '--json']);
      expect(r.code, r.stderr).toBe(0);
      expect(JSON.parse(r.stdout)).toMatchObject({ tags: [], changed: 1, missing: [] });
    });

    it('leads import --tag is validated the same way', async () => {
      const f = join(t.dir, 'more.csv');
      writeFileSync(f, 'domain\nu.com\n');
      const r = await cli(['leads', 'import', f, '--tag', 'a\x1bb']);
      expect(r.code).toBe(2);
    });

    it("a CSV's tags column follows the same rules: a bad tag refuses its row (FILE:LINE), good ones are normalized", async () => {
      const f = join(t.dir, 'tags.csv');
      writeFileSync(f, `domain,tags\nok.com,"Hot; Cafe\u0301 |hot"\nlong.com,${'x'.repeat(65)}\nesc.com,"a\x1bb"\n`);
      const refused = await cli(['leads', 'import', f]);
      expect(refused.code).toBe(1);
      expect(refused.stderr).toContain('tags.csv:3: invalid tag "xxxx');
      expect(refused.stderr).toContain('is 65 characters long: at most 64');
      expect(refused.stderr).toContain('tags.csv:4: invalid tag "a\\u001bb" holds a control character');
      const skipped = await cli(['leads', 'import', f, '--skip-invalid']);
      expect(skipped.code, skipped.stderr).toBe(0);
      const d = new Database(db, { readonly: true });
      const rows = d.prepare(`SELECT l.domain, t.tag FROM lead_tags t JOIN leads l ON l.id = t.lead_id WHERE l.domain IN ('ok.com','long.com','esc.com') ORDER BY t.tag`).all();
      d.close();
      expect(rows).toEqual([{ domain: 'ok.com', tag: 'café' }, { domain: 'ok.com', tag: 'hot' }]);
    });
  });

  describe('#11 --search by an IDN email as typed; emails shown in Unicode', () => {
    beforeEach(async () => {
      await importCsv('domain,email,company\nbücher-laden.de,anna@bücher-laden.de,Anna Books\nplain.com,bob@plain.com,Plain\n');
    });

    it.each([
      'anna@bücher-laden.de',
      'ANNA@BÜCHER-LADEN.DE',
      'anna@xn--bcher-laden-thb.de',
      '@bücher-laden.de',
      'bücher-laden.de',
      'xn--bcher-laden-thb',
      'bücher',
    ])('finds the lead by %s', async (text) => {
      const r = await cli(['leads', 'list', '--search', text, '--json']);
      expect(r.code, r.stderr).toBe(0);
      const rows = JSON.parse(r.stdout) as { domain: string; email: string }[];
      expect(rows.map((x) => x.domain)).toEqual(['xn--bcher-laden-thb.de']);
      // stored values unchanged
      expect(rows[0]!.email).toBe('anna@xn--bcher-laden-thb.de');
    });

    it('does not match other leads, and text that is no domain label still works', async () => {
      expect(JSON.parse((await cli(['leads', 'list', '--search', 'bob@bücher-laden.de', '--json'])).stdout)).toEqual([]);
      expect(JSON.parse((await cli(['leads', 'list', '--search', 'anna books', '--json'])).stdout)).toHaveLength(1);
      expect(JSON.parse((await cli(['leads', 'list', '--search', 'bob@plain', '--json'])).stdout)).toHaveLength(1);
    });

    it('the table shows the email in Unicode, like the domain; JSON adds email_unicode', async () => {
      const r = await cli(['leads', 'list', '--search', 'anna@bücher-laden.de']);
      expect(r.code, r.stderr).toBe(0);
      const line = r.stdout.split('\n').find((l) => l.startsWith('bücher-laden.de'));
      expect(line).toBeDefined();
      expect(line).toContain('anna@bücher-laden.de');
      expect(r.stdout).not.toContain('xn--');
      const j = JSON.parse((await cli(['leads', 'list', '--json', '--sort', 'domain'])).stdout) as Record<string, unknown>[];
      // --sort domain reads the domains as shown: bücher-laden.de before plain.com (its punycode, xn--…, would come after)
      expect(j.map((x) => x.email_unicode)).toEqual(['anna@bücher-laden.de', 'bob@plain.com']);
    });
  });

  describe('#12 --sort stage in pipeline order; --stage ignores case', () => {
    it('sorts new → confirmed → … → replied, then the terminal stages', async () => {
      const order = ['new', 'confirmed', 'enriched', 'scored', 'drafted', 'contacted', 'replied', 'rejected', 'bounced', 'unsubscribed'];
      // created in reverse (alphabetical would start with bounced, contacted)
      await importCsv('domain\n' + [...order].reverse().map((s) => `${s}.com`).join('\n') + '\n');
      const d = new Database(db);
      for (const s of order) d.prepare('UPDATE leads SET stage = ? WHERE domain = ?').run(s, `${s}.com`);
      d.close();
      const r = await cli(['leads', 'list', '--sort', 'stage', '--json']);
      expect(r.code, r.stderr).toBe(0);
      expect((JSON.parse(r.stdout) as { stage: string }[]).map((x) => x.stage)).toEqual(order);
      const table = await cli(['leads', 'list', '--sort', 'stage']);
      expect(table.stdout.trimEnd().split('\n').slice(1).map((l) => l.split(/\s+/)[0])).toEqual(order.map((s) => `${s}.com`));
    });

    it('--stage Replied, REPLIED and " Confirmed ,new" are accepted', async () => {
      await importCsv('domain\na.com\nb.com\n');
      const d = new Database(db);
      d.prepare(`UPDATE leads SET stage = 'replied' WHERE domain = 'a.com'`).run();
      d.close();
      for (const s of ['Replied', 'REPLIED']) {
        const r = await cli(['leads', 'list', '--stage', s, '--json']);
        expect(r.code, r.stderr).toBe(0);
        expect((JSON.parse(r.stdout) as { domain: string }[]).map((x) => x.domain)).toEqual(['a.com']);
      }
      const both = await cli(['leads', 'list', '--stage', ' Confirmed ,New', '--json']);
      expect(both.code, both.stderr).toBe(0);
      expect((JSON.parse(both.stdout) as { domain: string }[]).map((x) => x.domain)).toEqual(['b.com']);
      const bad = await cli(['leads', 'list', '--stage', 'Replyed']);
      expect(bad.code).toBe(2);
      expect(bad.stderr).toContain('unknown stage "replyed"');
    });
  });
});

describe('a long list (#7 streamed table, #8 Ctrl-C)', () => {
  const N = 12_000;
  beforeAll(async () => {
    t = tempDir();
    db = join(t.dir, 'big.db');
    // one wide company name deep in the list: the streamed table widens its column from there on
    await importCsv('domain,company\n' + Array.from({ length: N }, (_, i) => `s${i}.com,${i === 9000 ? 'W'.repeat(26) : `C${i}`}`).join('\n') + '\n');
  });
  afterAll(() => t.cleanup());

  it('--limit 0 as a table: one header, every lead once, in order, aligned columns', async () => {
    const r = await cli(['leads', 'list', '--limit', '0']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toBe('');
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(N + 1);
    expect(lines[0]).toMatch(/^domain\s+company\s+email\s+country\s+stage\s+fit\s+intent\s+tags$/);
    expect(lines.filter((l) => l.startsWith('domain '))).toHaveLength(1);
    const doms = lines.slice(1).map((l) => l.split(/\s+/)[0]);
    expect(doms).toEqual(Array.from({ length: N }, (_, i) => `s${i}.com`));
    // columns line up: the stage column starts at one place in the first piece (2,000 rows), and never moves left
    // (a wider cell further down widens its column from that piece on)
    const at = lines.slice(1).map((l) => l.indexOf(' new'));
    expect(new Set(at.slice(0, 2000)).size).toBe(1);
    expect(at[0]).toBe(lines[0]!.indexOf(' stage'));
    for (let i = 1; i < at.length; i++) if (at[i]! < at[i - 1]!) expect.fail(`line ${i + 1} moved left`);
    expect(lines.find((l) => l.startsWith('s9000.com '))).toContain('W'.repeat(26));
  });

  /** Runs `leads list ARGS`, sends SIGINT once the first output has arrived, and collects the rest. */
  function interrupt(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string; afterSignalMs: number }> {
    return new Promise((resolve, reject) => {
      const child = spawn(process.execPath, [BIN, '--db', db, 'leads', 'list', ...args], { cwd: ROOT, env: { ...process.env, NO_COLOR: '1' } });
      let stdout = '';
      let stderr = '';
      let sentAt = 0;
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        reject(new Error('leads list did not stop'));
      }, 30_000);
      child.stderr.setEncoding('utf8').on('data', (d) => (stderr += d));
      child.stdout.setEncoding('utf8').on('data', (d) => {
        stdout += d;
        if (!sentAt) {
          sentAt = Date.now();
          // stop reading while the signal lands, so that the listing cannot run to its end before it does
          child.stdout.pause();
          child.kill('SIGINT');
          setTimeout(() => child.stdout.resume(), 300);
        }
      });
      child.on('close', (code) => {
        clearTimeout(timer);
        resolve({ code, stdout, stderr, afterSignalMs: Date.now() - sentAt });
      });
    });
  }

  it('Ctrl-C stops a table listing between pieces: not every lead, a note, not exit 0', async () => {
    const r = await interrupt(['--limit', '0']);
    expect(r.code).not.toBe(0);
    const rows = r.stdout.trimEnd().split('\n').length - 1;
    expect(rows).toBeGreaterThan(0);
    expect(rows).toBeLessThan(N);
    expect(r.stderr).toMatch(/Interrupted after [\d,]+ leads: the list is incomplete/);
  });

  it('Ctrl-C stops a --json listing: an unclosed array (no complete-looking JSON), not exit 0', async () => {
    const r = await interrupt(['--json']);
    expect(r.code).not.toBe(0);
    expect(() => JSON.parse(r.stdout)).toThrow();
    expect((r.stdout.match(/"domain": /g) ?? []).length).toBeLessThan(N);
    expect(r.stderr).toMatch(/Interrupted after [\d,]+ leads/);
  });
});
