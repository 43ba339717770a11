// Defects found by review in `leads list|show|tag`, each reproduced through the built CLI against a temp
// database: the stored domain reported by `tag`, one timeline for the text and JSON views of `show`, IDNs shown
// in Unicode, `--country` taking the names an import takes, and an empty domain as a usage error.
import { describe, it, expect, beforeEach, afterEach } from 'vitest';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCli, tempDir } from '../helpers/cli.js';

let t: ReturnType<typeof tempDir>;
let db: string;
const cli = (args: string[]) => runCli(['--db', db, ...args], { cwd: t.dir });

const CSV = 'Company,Website,Email,Country\nAcme,https://www.acme.com/shop,jane@acme.com,United States\nBücher,bücher.de,info@bücher.de,Deutschland\nLumière,lumiere.fr,ok@lumiere.fr,FR\n';

beforeEach(async () => {
  t = tempDir();
  db = join(t.dir, 'test.db');
  const f = join(t.dir, 'leads.csv');
  writeFileSync(f, CSV);
  const r = await cli(['leads', 'import', f]);
  expect(r.code, r.stderr).toBe(0);
});
afterEach(() => t.cleanup());

describe('leads tag: the stored domain, not the spelling given', () => {
  it('--json and the success line name acme.com for WWW.ACME.COM', async () => {
    const j = await cli(['leads', 'tag', 'WWW.ACME.COM', 'zz', '--json']);
    expect(j.code, j.stderr).toBe(0);
    expect(JSON.parse(j.stdout)).toEqual({ domain: 'acme.com', domain_unicode: 'acme.com', tags: ['zz'], changed: 1 });
    const h = await cli(['leads', 'tag', 'https://WWW.Acme.com/x', 'yy']);
    expect(h.code, h.stderr).toBe(0);
    expect(h.stdout + h.stderr).toMatch(/acme\.com: tags yy, zz/);
    expect(h.stdout + h.stderr).not.toMatch(/WWW|Acme\.com|https:/);
  });

  it('an IDN given in Unicode is reported with its punycode key in --json', async () => {
    const j = await cli(['leads', 'tag', 'BÜCHER.de', 'books', '--json']);
    expect(j.code, j.stderr).toBe(0);
    expect(JSON.parse(j.stdout)).toMatchObject({ domain: 'xn--bcher-kva.de', domain_unicode: 'bücher.de', tags: ['books'] });
  });
});

describe('leads show: the JSON timeline is the one the text view prints', () => {
  it('both start with the creation, derived from created_at and source', async () => {
    await cli(['leads', 'tag', 'acme.com', 'hot']);
    const j = await cli(['leads', 'show', 'acme.com', '--json']);
    expect(j.code, j.stderr).toBe(0);
    const s = JSON.parse(j.stdout);
    expect(s.timeline[0]).toEqual({
      at: s.lead.created_at,
      kind: 'lead',
      type: 'created',
      summary: 'import',
      data: { source: 'import' },
      derived_from: ['created_at', 'source'],
    });
    expect(s.timeline.map((e: { type: string }) => e.type)).toEqual(['created', 'tagged']);
    const h = await cli(['leads', 'show', 'acme.com']);
    expect(h.code, h.stderr).toBe(0);
    const lines = h.stdout.split('\n');
    const at = lines.findIndex((l) => l === 'Timeline');
    const entries = lines.slice(at + 1).filter((l) => l.trim());
    expect(entries).toHaveLength(s.timeline.length);
    expect(entries[0]).toBe(`  ${s.lead.created_at.slice(0, 16).replace('T', ' ')}  created (import)`);
    expect(entries[1]).toMatch(/ tagged /);
  });
});

describe('IDNs in Unicode in the human views', () => {
  it('leads list shows bücher.de, its --json has both forms, the CSV export keeps punycode', async () => {
    const h = await cli(['leads', 'list']);
    expect(h.code, h.stderr).toBe(0);
    expect(h.stdout).toMatch(/^bücher\.de\s/m);
    expect(h.stdout).not.toMatch(/^xn--bcher-kva\.de/m);
    const j = await cli(['leads', 'list', '--json']);
    const rows = JSON.parse(j.stdout) as { domain: string; domain_unicode: string }[];
    expect(rows.find((r) => r.domain === 'xn--bcher-kva.de')!.domain_unicode).toBe('bücher.de');
    expect(rows.find((r) => r.domain === 'acme.com')!.domain_unicode).toBe('acme.com');
    const csv = await cli(['leads', 'export']);
    expect(csv.stdout.split('\r\n')[0]).not.toMatch(/unicode/);
    expect(csv.stdout).toMatch(/^xn--bcher-kva\.de,/m);
  });

  it('leads show has the Unicode form in its header, with the punycode key', async () => {
    const h = await cli(['leads', 'show', 'xn--bcher-kva.de']);
    expect(h.code, h.stderr).toBe(0);
    expect(h.stdout.split('\n')[0]).toBe('bücher.de (xn--bcher-kva.de)  Bücher');
  });
});

describe('leads list --country: the names an import takes', () => {
  it('"United States", usa and us all find the lead imported as United States', async () => {
    for (const c of ['United States', 'usa', 'us', 'US']) {
      const r = await cli(['leads', 'list', '--country', c, '--json']);
      expect(r.code, `${c}: ${r.stderr}`).toBe(0);
      expect((JSON.parse(r.stdout) as { domain: string }[]).map((x) => x.domain), c).toEqual(['acme.com']);
    }
    const de = await cli(['leads', 'list', '--country', 'Deutschland', '--json']);
    expect((JSON.parse(de.stdout) as { domain: string }[]).map((x) => x.domain)).toEqual(['xn--bcher-kva.de']);
  });

  it('an unknown country is a usage error naming it', async () => {
    const r = await cli(['leads', 'list', '--country', 'Narnia']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--country: "Narnia" is not a country/);
    expect(r.stdout).toBe('');
    const e = await cli(['leads', 'list', '--country', '']);
    expect(e.code).toBe(2);
    expect(e.stderr).toMatch(/--country/);
  });
});

describe('leads show: an empty or malformed domain is a usage error', () => {
  it('"" and "a b" exit 2 with the reason; an unknown valid domain exits 1 with its hint', async () => {
    const empty = await cli(['leads', 'show', '']);
    expect(empty.code).toBe(2);
    expect(empty.stderr).toMatch(/the domain is empty/);
    expect(empty.stderr).not.toMatch(/No lead for \./);
    const spaced = await cli(['leads', 'show', 'a b']);
    expect(spaced.code).toBe(2);
    expect(spaced.stderr).toMatch(/"a b" contains spaces/);
    const unknown = await cli(['leads', 'show', 'WWW.Nope.com']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/No lead for WWW\.Nope\.com \(nope\.com\)\./);
    expect(unknown.stderr).toMatch(/outreach leads list/);
    const tag = await cli(['leads', 'tag', '', 'x']);
    expect(tag.code).toBe(2);
  });
});
