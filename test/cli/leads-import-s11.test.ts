// Review s11 (issue 2) findings on `leads import`, through the built CLI: email-only rows at free-mail providers
// beyond a short list (#1), a social or marketplace page as the website (#2), --map by exact header text (#5),
// "Last, First" and titled names (#6), CRM opt-out columns (#7), CRM header aliases and country spellings (#10).
// Fixtures: test/fixtures/leads-s11/.
import { describe, it, expect, beforeEach, afterEach } from 'vitest';
import { join, resolve } from 'node:path';
import { queryDb } from '../helpers/db.js';
import { runCli, tempDir, ROOT } from '../helpers/cli.js';

const FIX = resolve(ROOT, 'test/fixtures/leads-s11');
let t: ReturnType<typeof tempDir>;
let db: string;
const cli = (args: string[]) => runCli(['--db', db, ...args], { cwd: t.dir });
const ok = async (args: string[]) => {
  const r = await cli(args);
  expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(0);
  return r;
};
const q = <T>(sql: string) => queryDb<T>(db, sql);

beforeEach(() => {
  t = tempDir();
  db = join(t.dir, 'leads.db');
});
afterEach(() => t.cleanup());

describe('#1 free-mail providers', () => {
  it('refuses email-only rows at hotmail.fr and btinternet.com instead of one shared provider lead', async () => {
    const f = join(FIX, 'freemail.csv');
    const r = await cli(['leads', 'import', f]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`${f}:2: no website/domain, and hotmail.fr is a free-mail provider`);
    expect(r.stderr).toContain(`${f}:3: no website/domain, and hotmail.fr is a free-mail provider`);
    expect(r.stderr).toContain(`${f}:4: no website/domain, and btinternet.com is a free-mail provider`);
    await ok(['leads', 'import', f, '--skip-invalid']);
    expect(q<{ domain: string }>('SELECT domain FROM leads ORDER BY domain').map((l) => l.domain)).toEqual(['shop-five.com']);
  });
});

describe('#2 a social or marketplace page as the website', () => {
  it('keys the lead by the email’s own domain, refuses it with free-mail, keeps myshopify.com stores', async () => {
    const f = join(FIX, 'platform.csv');
    const r = await ok(['leads', 'import', f, '--skip-invalid', '--json']);
    expect(JSON.parse(r.stdout).rejected).toEqual([
      {
        line: 4,
        reason: "the website etsy.com is a social, marketplace or link page, not the store's own site, and the email's domain gmail.com is a free-mail provider: give the store's own website",
      },
    ]);
    const rows = q<{ domain: string; company: string; email: string }>(
      'SELECT l.domain, l.company, c.email FROM leads l JOIN contacts c ON c.lead_id = l.id ORDER BY l.domain',
    );
    expect(rows).toEqual([
      { domain: 'bijoux-a.com', company: 'Bijoux A', email: 'a@bijoux-a.com' },
      { domain: 'candles-b.fr', company: 'Candles B', email: 'b@candles-b.fr' },
      { domain: 'd-store.myshopify.com', company: 'Shopify D', email: 'd@gmail.com' },
    ]);
  });
});

describe('#5 --map by exact header text', () => {
  it('--map E-mail=notes leaves Email the email column; both can be mapped separately', async () => {
    const f = join(FIX, 'two-emails.csv');
    const r = await ok(['leads', 'import', f, '--map', 'E-mail=notes', '--json']);
    expect(JSON.parse(r.stdout)).toMatchObject({ contacts_added: 1, ignored_columns: [] });
    expect(q('SELECT domain, notes FROM leads')).toEqual([{ domain: 'a.com', notes: 'old@a.com' }]);
    expect(q('SELECT email FROM contacts')).toEqual([{ email: 'ann@a.com' }]);
    db = join(t.dir, 'two.db');
    await ok(['leads', 'import', f, '--map', 'E-mail=notes', '--map', 'Email=email']);
    expect(q('SELECT email FROM contacts')).toEqual([{ email: 'ann@a.com' }]);
  });
});

describe('#6 full names', () => {
  it('"Doe, Jane" and "Dr. Bob Ray" give the right first names', async () => {
    await ok(['leads', 'import', join(FIX, 'names.csv')]);
    expect(q('SELECT email, first_name, last_name FROM contacts ORDER BY email')).toEqual([
      { email: 'bob@b.com', first_name: 'Bob', last_name: 'Ray' },
      { email: 'jane@a.com', first_name: 'Jane', last_name: 'Doe' },
    ]);
  });
});

describe('#7 CRM opt-out columns', () => {
  const sups = () => q<{ kind: string; value: string; reason: string }>('SELECT kind, value, reason FROM suppressions ORDER BY value');

  it('Salesforce Email Opt Out = 1 suppresses the address; 0 and empty do nothing', async () => {
    const f = join(FIX, 'opt-out.csv');
    const r = await ok(['leads', 'import', f, '--json']);
    expect(JSON.parse(r.stdout)).toMatchObject({ leads_created: 3, suppressed_from_file: 1, ignored_columns: [] });
    expect(sups()).toEqual([{ kind: 'email', value: 'ann@a.com', reason: 'unsubscribed' }]);
    const out = await ok(['leads', 'export', '--exclude-suppressed']);
    expect(out.stdout).not.toContain('ann@a.com');
    expect(out.stdout).toContain('bob@b.com');
    // mapped by hand, the same values are accepted
    db = join(t.dir, 'mapped.db');
    await ok(['leads', 'import', f, '--map', 'Email Opt Out=suppressed']);
    expect(sups()).toEqual([{ kind: 'email', value: 'ann@a.com', reason: 'unsubscribed' }]);
  });

  it('HubSpot Unsubscribed from all email = true suppresses, false does not', async () => {
    await ok(['leads', 'import', join(FIX, 'hubspot-unsub.csv')]);
    expect(sups()).toEqual([{ kind: 'email', value: 'dee@d.com', reason: 'unsubscribed' }]);
  });
});

describe('#10 CRM exports and country spellings', () => {
  it('HubSpot Country/Region and Salesforce Account Name are read, not ignored', async () => {
    const r = await ok(['leads', 'import', join(FIX, 'hubspot.csv'), '--json']);
    expect(JSON.parse(r.stdout).ignored_columns).toEqual([]);
    expect(q('SELECT domain, company, country FROM leads')).toEqual([{ domain: 'hs.com', company: 'HS Co', country: 'GB' }]);
  });

  it('a Pipedrive export (Person - Email - Work, Organization - Website) imports', async () => {
    await ok(['leads', 'import', join(FIX, 'pipedrive.csv')]);
    expect(q('SELECT domain, company, country FROM leads')).toEqual([{ domain: 'pd-shop.com', company: 'PD Shop', country: 'US' }]);
    expect(q('SELECT email, first_name, last_name FROM contacts')).toEqual([{ email: 'jane@pd.com', first_name: 'Jane', last_name: 'Roe' }]);
  });

  it('U.K., Republic of Ireland, S. Korea are countries; NA is empty; an unknown country does not refuse the file', async () => {
    const f = join(FIX, 'countries.csv');
    const r = await ok(['leads', 'import', f]);
    // the country left out is said, with its line: a warning, not a bad row
    expect(r.stderr).toContain(`${f}:5: warning: unknown country left empty: "Atlantis" is not a country name or ISO code`);
    expect(r.stderr).not.toContain(`${f}:2:`);
    expect(q('SELECT domain, country FROM leads ORDER BY domain')).toEqual([
      { domain: 'at.com', country: null },
      { domain: 'ie.com', country: 'IE' },
      { domain: 'kr.com', country: 'KR' },
      { domain: 'na.com', country: null },
      { domain: 'uk.com', country: 'GB' },
    ]);
    t.cleanup();
    t = tempDir();
    db = join(t.dir, 'leads.db');
    const j = JSON.parse((await ok(['leads', 'import', f, '--json'])).stdout);
    expect(j).toMatchObject({ warning_count: 1, warnings: [{ line: 5, message: expect.stringContaining('"Atlantis"') }], rejected_count: 0 });
  });
});
