// doctor against a local DNS server (dns2), a loopback HTTP server for the unsubscribe URL and a
// scriptable SMTP server: each check passes or fails with its fix.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { generateKeyPairSync } from 'node:crypto';
import { join } from 'node:path';
import { startAuthDns, type AuthDns } from '../helpers/dns-auth-zone.js';
import { startHttp, type HttpHandle } from '../helpers/http.js';
import { startFaultSmtp, type FaultSmtp } from '../helpers/fault-smtp.js';
import { tempDir } from '../helpers/cli.js';
import { openTestDb, addTestMailbox } from '../helpers/send-fixture.js';
import { makeResolver, checkSpf, checkDkim, checkDmarc, checkMx } from '../../src/adapters/dns-auth.js';
import { probeUrl } from '../../src/adapters/http-probe.js';
import { runDoctor, driverCheck, type DoctorSettings } from '../../src/stages/doctor/index.js';
import { driverPackage } from '../../src/db/driver.js';

const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 1024 });
const PRIV = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
const PUB = publicKey.export({ type: 'spki', format: 'der' }).toString('base64');
const other = generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey.export({ type: 'spki', format: 'der' }).toString('base64');

let dns: AuthDns;
let http: HttpHandle;
let smtp: FaultSmtp;
const t = tempDir();
beforeAll(async () => {
  dns = await startAuthDns({
    'good.test': { txt: ['v=spf1 ip4:127.0.0.1 -all', 'google-site-verification=abc'], mx: [{ exchange: 'mx2.good.test', priority: 20 }, { exchange: 'mx1.good.test', priority: 10 }] },
    '_dmarc.good.test': { txt: ['v=DMARC1; p=quarantine; rua=mailto:d@good.test'] },
    'sel._domainkey.good.test': { txt: [`v=DKIM1; k=rsa; p=${PUB}`] },
    'wrongkey._domainkey.good.test': { txt: [`v=DKIM1; k=rsa; p=${other}`] },
    'soft.test': { txt: ['v=spf1 ip4:192.0.2.1 ~all'] },
    '_dmarc.soft.test': { txt: ['v=DMARC1; p=none'] },
    'twospf.test': { txt: ['v=spf1 -all', 'v=spf1 ip4:1.2.3.4 -all'] },
    'open.test': { txt: ['v=spf1 +all'] },
    'broken.test': { txt: ['v=spf1 include:nowhere.invalid -all'] },
    'sub.org.test': { txt: ['v=spf1 -all'] },
    '_dmarc.org.test': { txt: ['v=DMARC1; p=reject'] },
  });
  http = await startHttp((req, res) => {
    res.statusCode = req.url?.startsWith('/u/') ? 200 : 404;
    res.end('ok');
  });
  smtp = await startFaultSmtp({ users: { 'ana@good.test': 'pw' } });
});
afterAll(async () => {
  await dns?.close();
  await http?.close();
  await smtp?.close();
  t.cleanup();
});

describe('DNS checks of the sending domain', () => {
  it.each([
    ['good.test', '127.0.0.1', 'pass'],
    ['good.test', null, 'pass'],
    ['soft.test', '127.0.0.1', 'warn'],
    ['nothing.test', null, 'fail'],
    ['twospf.test', null, 'fail'],
    ['open.test', null, 'fail'],
  ] as const)('SPF %s (SMTP at %s) → %s', async (d, ip, status) => {
    expect((await checkSpf(makeResolver([dns.server]), d, ip)).status).toBe(status);
  });
  it('SPF failures carry a fix', async () => {
    const r = await checkSpf(makeResolver([dns.server]), 'nothing.test');
    expect(r.fix).toMatch(/TXT record: nothing\.test\. TXT "v=spf1/);
  });
  it('DKIM: found, matching our key, mismatched, or missing', async () => {
    const res = makeResolver([dns.server]);
    expect(await checkDkim(res, 'good.test', ['sel'], PRIV)).toMatchObject({ status: 'pass', detail: expect.stringMatching(/matches/) });
    expect(await checkDkim(res, 'good.test', ['sel'], null)).toMatchObject({ status: 'pass' });
    expect(await checkDkim(res, 'good.test', ['wrongkey'], PRIV)).toMatchObject({ status: 'fail', detail: expect.stringMatching(/does not match/) });
    const none = await checkDkim(res, 'soft.test', ['default', 'google'], null);
    expect(none.status).toBe('fail');
    expect(none.fix).toMatch(/OUTREACH_DKIM_SELECTOR/);
  });
  it('DMARC: policy, monitoring only, missing, organisational domain', async () => {
    const res = makeResolver([dns.server]);
    expect((await checkDmarc(res, 'good.test')).status).toBe('pass');
    expect((await checkDmarc(res, 'soft.test')).status).toBe('warn');
    expect(await checkDmarc(res, 'nothing.test')).toMatchObject({ status: 'fail', fix: expect.stringMatching(/_dmarc\.nothing\.test/) });
    expect(await checkDmarc(res, 'sub.org.test')).toMatchObject({ status: 'pass', detail: expect.stringMatching(/organisational/) });
  });
  it('MX sorted by priority, or missing', async () => {
    const res = makeResolver([dns.server]);
    expect(await checkMx(res, 'good.test')).toEqual({ status: 'pass', detail: '10 mx1.good.test, 20 mx2.good.test' });
    expect((await checkMx(res, 'soft.test')).status).toBe('fail');
  });
});

const settings = (over: Partial<DoctorSettings['sender']> = {}, base = ''): DoctorSettings => ({
  sender: { name: 'Ana', company: 'Good Co', email: 'ana@good.test', postal_address: '1 Main St, Austin TX 78701', sending_domain: 'good.test', timezone: 'UTC', ...over },
  unsubscribe: { base_url: base, mailto: '' },
});

describe('runDoctor', () => {
  it('all green on a good setup (IMAP not configured is a warning)', async () => {
    const db = openTestDb(join(t.dir, 'd1.db'));
    addTestMailbox(db, { name: 'ana', email: 'ana@good.test', host: smtp.host, port: smtp.port, user: 'ana@good.test', passwordEnv: 'ANA_PW' });
    const checks = await runDoctor(
      db,
      { resolve: makeResolver([dns.server]), probe: (u) => probeUrl(u), now: () => new Date(), env: (n) => ({ ANA_PW: 'pw' } as Record<string, string>)[n] },
      { settings: settings({}, http.url), secret: 'x'.repeat(32), dkim: { selector: 'sel', privateKey: PRIV } },
    );
    const by = Object.fromEntries(checks.map((c) => [c.check, c.status]));
    expect(by).toMatchObject({
      'sender identity': 'pass', 'postal address': 'pass', 'unsubscribe secret': 'pass', 'unsubscribe URL': 'warn', clock: 'pass',
      'SMTP login ana': 'pass', 'IMAP login ana': 'warn', 'SPF good.test': 'pass', 'DKIM good.test': 'pass', 'DMARC good.test': 'pass', 'MX good.test': 'pass',
    });
    expect(checks.filter((c) => c.status === 'fail')).toEqual([]);
    db.close();
  });

  it('fails with the fix for each problem', async () => {
    const db = openTestDb(join(t.dir, 'd2.db'));
    addTestMailbox(db, { name: 'ana', email: 'ana@nothing.test', host: smtp.host, port: smtp.port, user: 'ana@good.test', passwordEnv: 'ANA_PW' });
    const checks = await runDoctor(
      db,
      { resolve: makeResolver([dns.server]), probe: (u) => probeUrl(u, 2000), now: () => new Date(), env: (n) => ({ ANA_PW: 'wrong' } as Record<string, string>)[n] },
      { settings: settings({ postal_address: '', company: '', sending_domain: '' }, 'http://127.0.0.1:1'), secret: '', dkim: { selector: null, privateKey: null } },
    );
    const fails = Object.fromEntries(checks.filter((c) => c.status === 'fail').map((c) => [c.check, c.fix]));
    expect(Object.keys(fails).sort()).toEqual(
      ['DKIM nothing.test', 'DMARC nothing.test', 'MX nothing.test', 'SMTP login ana', 'SPF nothing.test', 'postal address', 'sender identity', 'unsubscribe URL', 'unsubscribe secret'].sort(),
    );
    for (const fix of Object.values(fails)) expect(fix).toBeTruthy();
    expect(fails['SMTP login ana']).toMatch(/app password/);
    db.close();
  });

  it('compares the clock with the unsubscribe server', async () => {
    const db = openTestDb(join(t.dir, 'd3.db'));
    const checks = await runDoctor(
      db,
      { resolve: makeResolver([dns.server]), probe: async () => ({ status: 200, date: new Date(Date.now() - 600_000).toUTCString() }), now: () => new Date(), env: () => undefined },
      { settings: settings({}, 'https://u.good.test'), secret: 'x'.repeat(32), dkim: { selector: null, privateKey: null }, only: ['unsubscribe', 'clock'] },
    );
    expect(checks.find((c) => c.check === 'clock')).toMatchObject({ status: 'fail', detail: expect.stringMatching(/ahead of the unsubscribe server by 60\d s/) });
    expect(checks.find((c) => c.check === 'unsubscribe URL')?.status).toBe('pass');
    db.close();
  });
});

describe('SQLite driver check', () => {
  it('warns when Node 24 runs better-sqlite3 12 (a package installed under an older Node)', () => {
    expect(driverCheck('24.21.0', 'better-sqlite3')).toMatchObject({ status: 'warn', fix: expect.stringMatching(/npm ci/) });
    expect(driverCheck('24.21.0', 'better-sqlite3-napi')).toMatchObject({ status: 'pass', detail: 'Node 24.21.0, better-sqlite3 13 (Node-API)' });
    expect(driverCheck('22.23.3', 'better-sqlite3')).toMatchObject({ status: 'pass' });
    expect(driverCheck('20.20.2', 'better-sqlite3')).toEqual({ status: 'pass', detail: 'Node 20.20.2, better-sqlite3 12' });
  });

  it('reports the driver this process loaded', async () => {
    const db = openTestDb(join(t.dir, 'drv.db'));
    try {
      const checks = await runDoctor(
        db,
        { resolve: async () => [], probe: async () => ({ status: 200 }), now: () => new Date(), env: () => undefined },
        { settings: settings(), secret: '', dkim: { selector: null, privateKey: null }, only: ['runtime'] },
      );
      expect(checks).toEqual([{ check: 'SQLite driver', ...driverCheck(process.versions.node, driverPackage) }]);
      expect(checks[0]!.detail).toContain(process.versions.node);
    } finally {
      db.close();
    }
  });
});
