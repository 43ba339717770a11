// `outreach doctor` as a user runs it: a table of checks with fixes, exit 1 when something fails.
// DNS from a local dns2 server (OUTREACH_DNS_SERVERS), the unsubscribe URL from a loopback HTTP server,
// the SMTP login against a scriptable SMTP server.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCli, tempDir } from '../helpers/cli.js';
import { startAuthDns, type AuthDns } from '../helpers/dns-auth-zone.js';
import { startHttp, type HttpHandle } from '../helpers/http.js';
import { startFaultSmtp, type FaultSmtp } from '../helpers/fault-smtp.js';

let dns: AuthDns;
let http: HttpHandle;
let smtp: FaultSmtp;
const t = tempDir();
beforeAll(async () => {
  dns = await startAuthDns({
    'lima.test': { txt: ['v=spf1 ip4:127.0.0.1 -all'], mx: [{ exchange: 'mx.lima.test', priority: 10 }] },
    '_dmarc.lima.test': { txt: ['v=DMARC1; p=reject'] },
    'google._domainkey.lima.test': { txt: ['v=DKIM1; k=rsa; p=MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQC'] },
  });
  http = await startHttp((_req, res) => {
    res.end('unsubscribe page');
  });
  smtp = await startFaultSmtp({ users: { 'ana@lima.test': 'pw' } });
});
afterAll(async () => {
  await Promise.all([dns?.close(), http?.close(), smtp?.close()]);
  t.cleanup();
});

const yaml = (addr: string, base: string) => `sender:
  name: "Ana Lima"
  company: "Lima Studio"
  email: "ana@lima.test"
  postal_address: "${addr}"
  sending_domain: "lima.test"
unsubscribe:
  base_url: "${base}"
`;

describe('outreach doctor', () => {
  it('passes a good setup and fails a broken one with the fix', async () => {
    const env = { OUTREACH_DB: join(t.dir, 'o.db'), OUTREACH_SECRET: 'x'.repeat(40), OUTREACH_DNS_SERVERS: dns.server, ANA_PW: 'pw' };
    writeFileSync(join(t.dir, 'outreach.yaml'), yaml('1 Main St, Austin TX 78701', http.url));
    expect((await runCli(['db', 'migrate'], { cwd: t.dir, env })).code).toBe(0); // as `outreach init` does: mailbox add needs a database (session 9)
    const add = await runCli(['mailbox', 'add', 'ana', '--email', 'ana@lima.test', '--smtp-host', smtp.host, '--smtp-port', String(smtp.port), '--smtp-security', 'none', '--smtp-password-env', 'ANA_PW'], { cwd: t.dir, env });
    expect(add.code, add.stderr).toBe(0);
    const ok = await runCli(['doctor', '--json'], { cwd: t.dir, env });
    const r = JSON.parse(ok.stdout) as { ok: boolean; checks: { check: string; status: string }[] };
    expect(r.checks.filter((c) => c.status === 'fail')).toEqual([]);
    expect(ok.code).toBe(0);
    expect(r.checks.map((c) => c.check)).toEqual(expect.arrayContaining(['SPF lima.test', 'DKIM lima.test', 'DMARC lima.test', 'MX lima.test', 'SMTP login ana', 'clock']));

    writeFileSync(join(t.dir, 'outreach.yaml'), yaml('', ''));
    const bad = await runCli(['doctor'], { cwd: t.dir, env: { ...env, ANA_PW: 'nope' } });
    expect(bad.code).toBe(1);
    expect(bad.stdout).toMatch(/postal address\s+FAIL.*sender\.postal_address/);
    expect(bad.stdout).toMatch(/unsubscribe URL\s+FAIL.*base_url/);
    expect(bad.stdout).toMatch(/SMTP login ana\s+FAIL\s+login refused: 535/);
    expect(bad.stderr).toMatch(/check\(s\) failed/);
    expect(bad.stdout + bad.stderr).not.toContain('nope');

    const usage = await runCli(['doctor', '--only', 'dns,bogus'], { cwd: t.dir, env });
    expect(usage.code, usage.stderr + usage.stdout).toBe(2);
  });
});
