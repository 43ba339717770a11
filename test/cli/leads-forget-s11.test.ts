// Review s11 of issue #2: `leads forget EMAIL` also erases the lead an email-only import made from the address
// (#3), and `leads forget DOMAIN` refuses a public suffix, a free-mail provider, a platform and (without --force) a
// domain no lead, contact or suppression has (#4): the block it leaves can never be lifted.
import { describe, it, expect, beforeEach, afterEach } from 'vitest';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { queryDb } from '../helpers/db.js';
import { openDb } from '../../src/db/open.js';
import { runCli, tempDir } from '../helpers/cli.js';

let t: ReturnType<typeof tempDir>;
let db: string;
const cli = (args: string[]) => runCli(['--db', db, ...args], { cwd: t.dir, timeoutMs: 120_000 });
const query = <T = Record<string, unknown>>(sql: string, ...params: unknown[]): T[] => queryDb<T>(db, sql, ...params);
const file = (name: string, text: string) => {
  const p = join(t.dir, name);
  writeFileSync(p, text);
  return p;
};
const ok = async (args: string[]) => {
  const r = await cli(args);
  expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(0);
  return r;
};

beforeEach(() => {
  t = tempDir();
  db = join(t.dir, 'test.db');
  openDb(db).close();
});
afterEach(() => t.cleanup());

describe('#3 forget EMAIL and the lead made from the address', () => {
  it('deletes the lead an email-only row made (no website), and says so', async () => {
    await ok(['leads', 'import', file('a.csv', 'email,first name,last name,company\njane@janedoe.com,Jane,Doe,Jane Doe Jewelry\n'), '-q']);
    expect(query('SELECT domain, url FROM leads')).toEqual([{ domain: 'janedoe.com', url: null }]);
    const r = await ok(['leads', 'forget', 'jane@janedoe.com', '--yes']);
    expect(r.stderr).toContain('The lead janedoe.com was deleted with it');
    expect(query('SELECT * FROM leads')).toEqual([]);
    const j = await ok(['leads', 'forget', 'jane@janedoe.com', '--yes', '--json']);
    expect(JSON.parse(j.stdout)).toMatchObject({ leadsDeleted: 0, ownDomainLeads: [] });
  });

  it('an email-only row from a subdomain address: the registrable domain\'s lead goes too', async () => {
    await ok(['leads', 'import', file('a.csv', 'email,company\nann@mail.annshop.co.uk,Ann\n'), '-q']);
    const r = await ok(['leads', 'forget', 'ann@mail.annshop.co.uk', '--yes', '--json']);
    expect(JSON.parse(r.stdout)).toMatchObject({ leadsDeleted: 1, ownDomainLeads: [{ domain: 'annshop.co.uk', deleted: true }] });
  });

  it('keeps (and reports) a store imported with its website, or with another contact; never another domain\'s lead', async () => {
    await ok([
      'leads', 'import',
      file('a.csv', 'website,email\nwebshop.com,web@webshop.com\n,kim@kimco.com\n,lee@kimco.com\nother.com,pat@patmail.com\n'),
      '-q',
    ]);
    const web = await ok(['leads', 'forget', 'web@webshop.com', '--yes']);
    expect(web.stderr).toContain('The lead webshop.com (the address\'s own domain) stays: it has a website');
    expect(web.stderr).toContain('`outreach leads forget webshop.com` erases it');
    const kim = await ok(['leads', 'forget', 'kim@kimco.com', '--yes', '--json']);
    expect(JSON.parse(kim.stdout)).toMatchObject({ leadsDeleted: 0, ownDomainLeads: [{ domain: 'kimco.com', deleted: false, why: expect.stringContaining('other contacts') }] });
    const pat = await ok(['leads', 'forget', 'pat@patmail.com', '--yes', '--json']);
    expect(JSON.parse(pat.stdout)).toMatchObject({ leadsDeleted: 0, ownDomainLeads: [] });
    expect(query('SELECT domain FROM leads ORDER BY domain')).toEqual([{ domain: 'kimco.com' }, { domain: 'other.com' }, { domain: 'webshop.com' }]);
  });

  it('a website row merged into an email-only lead makes it a store (kept)', async () => {
    await ok(['leads', 'import', file('a.csv', 'email\nsam@samshop.com\n'), '-q']);
    await ok(['leads', 'import', file('b.csv', 'website,company\nsamshop.com,Sam Shop\n'), '-q']);
    const r = await ok(['leads', 'forget', 'sam@samshop.com', '--yes', '--json']);
    expect(JSON.parse(r.stdout)).toMatchObject({ leadsDeleted: 0, ownDomainLeads: [{ domain: 'samshop.com', deleted: false }] });
  });
});

describe('#4 forget DOMAIN refuses what it must not block forever', () => {
  it('public suffixes, free-mail providers and platforms: exit 2, nothing erased', async () => {
    await ok(['leads', 'import', file('a.csv', 'company,website,email\nA,a.com,ann@gmail.com\nB,b.co.uk,bob@b.co.uk\nC,c.myshopify.com,cy@hotmail.fr\n'), '-q']);
    for (const [target, what] of [
      ['co.uk', 'public suffix'],
      ['CO.UK.', 'public suffix'],
      ['myshopify.com', 'public suffix'],
      ['com', 'needs a dot'],
      ['gmail.com', 'free-mail provider'],
      ['hotmail.fr', 'free-mail provider'],
      ['instagram.com', 'platform'],
      ['https://www.etsy.com/shop/x', 'platform'],
    ] as const) {
      const r = await cli(['leads', 'forget', target, '--yes', '--force']);
      expect(r.code, `${target}: ${r.stderr}`).toBe(2);
      expect(r.stderr, target).toContain(what);
    }
    expect(query('SELECT count(*) AS n FROM contacts')).toEqual([{ n: 3 }]);
    expect(query(`SELECT count(*) AS n FROM suppressions`)).toEqual([{ n: 0 }]);
    // a store under them is forgotten as before
    await ok(['leads', 'forget', 'b.co.uk', '--yes', '-q']);
    await ok(['leads', 'forget', 'c.myshopify.com', '--yes', '-q']);
    expect(query('SELECT domain FROM leads')).toEqual([{ domain: 'a.com' }]);
  });

  it('a domain no lead, contact or suppression has needs --force; a forgotten one can be forgotten again', async () => {
    const r = await cli(['leads', 'forget', 'nolead.com', '--yes']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('no lead, contact or suppression has this domain');
    expect(r.stderr).toContain('--force');
    expect(query('SELECT count(*) AS n FROM suppressions')).toEqual([{ n: 0 }]);
    await ok(['leads', 'forget', 'nolead.com', '--yes', '--force', '-q']);
    await ok(['leads', 'forget', 'nolead.com', '--yes', '-q']); // again (finishing a cleanup): known as forgotten
    // a contact at the domain, or a suppression of it, makes it known
    await ok(['leads', 'import', file('a.csv', 'website,email\nshop.com,bo@agency.com\n'), '-q']);
    await ok(['suppress', 'add', 'listed.com', '-q']);
    await ok(['leads', 'forget', 'agency.com', '--yes', '-q']);
    await ok(['leads', 'forget', 'listed.com', '--yes', '-q']);
  });
});
