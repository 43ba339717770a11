// The serve stage over real HTTP on a loopback port, against a seeded SQLite file: dashboard pages,
// escaping of hostile scraped and inbound text, CSRF and host checks, bulk actions, draft review,
// RFC 8058 one-click unsubscribe, tracking without open redirects, and the dashboard token.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { join } from 'node:path';
import { request as httpRequest } from 'node:http';
import { openDb, type Db } from '../../src/db/open.js';
import { ROOT, tempDir } from '../helpers/cli.js';
import { seedReportDb, HOSTILE, type SeedResult } from '../fixtures/report/seed.js';
import { startServe, makeTrackingToken, clickUrl, openPixelUrl, draftStageReviewer } from '../../src/stages/serve/index.js';
import { makeUnsubscribeToken } from '../../src/domain/unsubscribe.js';
import type { ServerHandle } from '../../src/adapters/http-server.js';

const SECRET = 'serve-test-secret-0123456789';
const t = tempDir('outreach-serve-');
let db: Db;
let seed: SeedResult;
let srv: ServerHandle;

beforeAll(async () => {
  db = openDb(join(t.dir, 's.db'));
  seed = seedReportDb(db, { leads: 120, hostile: true });
  srv = await startServe(db, { host: '127.0.0.1', port: 0, secret: SECRET, dashboardToken: null, tracking: true });
});
afterAll(async () => {
  await srv?.close();
  db.close();
  t.cleanup();
});

const get = (path: string, init: RequestInit = {}) => fetch(srv.url + path, { redirect: 'manual', ...init });
async function csrfOf(path = '/leads'): Promise<string> {
  const html = await (await get(path)).text();
  const m = /name="csrf" value="([^"]+)"/.exec(html);
  expect(m).not.toBeNull();
  return m![1]!;
}
const form = (fields: [string, string][]) => new URLSearchParams(fields).toString();
const post = (path: string, body: string, headers: Record<string, string> = {}) =>
  get(path, { method: 'POST', body, headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers } });
/** The flash or error message a form post redirects with. */
function flashOf(r: Response): string {
  const p = new URL(r.headers.get('location') ?? '/', 'http://x').searchParams;
  return p.get('error') !== null ? `error: ${p.get('error')}` : `flash: ${p.get('flash')}`;
}
const count = (sql: string, ...args: unknown[]) => (db.sqlite.prepare(sql).get(...args) as { n: number }).n;

describe('dashboard pages', () => {
  it('serves the leads table with security headers', async () => {
    const r = await get('/leads');
    expect(r.status).toBe(200);
    const csp = r.headers.get('content-security-policy')!;
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toContain('unsafe-inline');
    expect(csp).toContain("frame-ancestors 'none'");
    expect(r.headers.get('x-content-type-options')).toBe('nosniff');
    expect(r.headers.get('referrer-policy')).toBe('same-origin');
    const html = await r.text();
    expect(html).toContain('<table id="leads">');
    expect(html).toMatch(/120 leads/);
  });

  it('searches, filters and sorts', async () => {
    const html = await (await get('/leads?q=shop-11')).text();
    const domains = [...html.matchAll(/href="\/leads\/\d+">([^<]+)</g)].map((m) => m[1]);
    expect(domains.length).toBeGreaterThan(0);
    expect(domains.every((d) => d!.includes('shop-11'))).toBe(true);
    expect(html).toContain('shop-11.example');
    const vip = await (await get('/leads?tag=vip')).text();
    expect(vip).toMatch(/\d+ leads?/);
    const vipCount = count(`SELECT count(*) n FROM lead_tags WHERE tag = 'vip'`);
    expect(vip).toContain(`${vipCount} lead`);
    const sorted = await (await get('/leads?sort=fit&dir=desc&minFit=50')).text();
    const fits = [...sorted.matchAll(/<td class="n">(\d+|–)<\/td><td class="n">(?:\d+|–)<\/td>/g)].map((m) => Number(m[1]));
    expect(fits.length).toBeGreaterThan(0);
    expect(fits.every((f) => f >= 50)).toBe(true);
    expect([...fits].sort((a, b) => b - a)).toEqual(fits);
    // LIKE wildcards in a search are literal text
    expect(await (await get('/leads?q=%25')).text()).toContain('0 leads');
  });

  it('shows a lead with facts and sources, score factors, drafts and one timeline', async () => {
    const id = seed.ids.sentLeadId;
    const html = await (await get(`/leads/${id}`)).text();
    expect(html).toContain('<h2>Facts</h2>');
    expect(html).toMatch(/products\.json/); // a fact's source URL
    expect(html).toContain('catalog size'); // a score factor
    expect(html).toContain('<h2>Timeline</h2>');
    expect(html).toMatch(/class="kind">message<\/span>message sent to/);
    expect(html).toMatch(/class="kind">draft</);
    expect(html).toMatch(/class="kind">event<\/span>sent/);
    expect((await get('/leads/999999')).status).toBe(404);
  });

  it('escapes hostile scraped and inbound text everywhere', async () => {
    const id = seed.ids.hostileLead!;
    for (const path of [`/leads/${id}`, `/leads?q=shop-1`, '/drafts?status=sent', '/campaigns', '/report']) {
      const html = await (await get(path)).text();
      expect(html, path).not.toContain('<script>window.__pwned');
      expect(html, path).not.toMatch(/<img src=x onerror/);
      expect(html, path).not.toMatch(/href="javascript:/i);
    }
    // Long scraped strings are clipped in tables (a draft's body is shown whole, wrapped, for review).
    const facts = /<h2>Facts<\/h2>([\s\S]*?)<h2>Contacts<\/h2>/.exec(await (await get(`/leads/${id}`)).text())![1]!;
    expect(facts).toContain('AAAA');
    expect(facts).not.toContain('A'.repeat(400));
    expect(await (await get('/leads?q=shop-1')).text()).not.toContain('A'.repeat(400));
    const lead = await (await get(`/leads/${id}`)).text();
    expect(lead).toContain('&lt;script&gt;window.__pwned=1&lt;/script&gt;');
    expect(lead).toContain('&lt;/textarea&gt;&lt;script&gt;'); // the hostile reply, escaped
    expect(lead).toContain('<span class="unsafe-link">javascript:window.__pwned=3</span>');
  });

  it('serves campaigns, drafts and the HTML report', async () => {
    expect(await (await get('/campaigns')).text()).toContain('spring-launch');
    expect(await (await get('/drafts')).text()).toContain('Drafts');
    const r = await get('/report');
    const csp = r.headers.get('content-security-policy')!;
    const nonce = /'nonce-([^']+)'/.exec(csp)![1]!;
    const html = await r.text();
    expect(html).toContain(`<style nonce="${nonce}">`);
    expect(html).toContain('<svg class="chart funnel"');
    expect((await get('/nope')).status).toBe(404);
  });
});

describe('CSRF, host and origin checks', () => {
  it('refuses a POST without the form token, from another origin, or with a forged token', async () => {
    const ids = String(seed.ids.plainLead);
    expect((await post('/leads/bulk', form([['action', 'tag'], ['ids', ids], ['tag', 'x']]))).status).toBe(403);
    expect((await post('/leads/bulk', form([['action', 'tag'], ['ids', ids], ['tag', 'x'], ['csrf', 'forged']]))).status).toBe(403);
    const csrf = await csrfOf();
    expect((await post('/leads/bulk', form([['action', 'tag'], ['ids', ids], ['tag', 'x'], ['csrf', csrf]]), { origin: 'https://evil.example' })).status).toBe(403);
    expect((await post('/leads/bulk', form([['action', 'tag'], ['ids', ids], ['tag', 'x'], ['csrf', csrf]]), { 'sec-fetch-site': 'cross-site' })).status).toBe(403);
    expect(count(`SELECT count(*) n FROM lead_tags WHERE tag = 'x'`)).toBe(0);
  });

  it('answers only to loopback host names (DNS rebinding)', async () => {
    // fetch() cannot forge Host; node:http can, as a rebinding browser would send it.
    const status = await new Promise<number>((resolve, reject) => {
      const req = httpRequest({ host: '127.0.0.1', port: srv.port, path: '/leads', headers: { host: `attacker.example:${srv.port}` } }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      req.end();
    });
    expect(status).toBe(421);
  });
});

describe('bulk actions', () => {
  it('tags, exports and suppresses selected leads', async () => {
    const csrf = await csrfOf();
    const ids = (db.sqlite.prepare(`SELECT id FROM leads ORDER BY id LIMIT 3`).all() as { id: number }[]).map((r) => String(r.id));
    const tagged = await post('/leads/bulk', form([['action', 'tag'], ['tag', 'q4-push'], ['csrf', csrf], ...ids.map((i) => ['ids', i] as [string, string])]), { origin: srv.url });
    expect(tagged.status).toBe(303);
    expect(flashOf(tagged)).toContain('Tagged 3 leads');
    expect(count(`SELECT count(*) n FROM lead_tags WHERE tag = 'q4-push'`)).toBe(3);
    expect(count(`SELECT count(*) n FROM events WHERE type = 'tagged'`)).toBe(3);

    const bad = await post('/leads/bulk', form([['action', 'tag'], ['tag', '<script>'], ['csrf', csrf], ['ids', ids[0]!]]));
    expect(flashOf(bad)).toMatch(/^error: /);

    const exp = await post('/leads/bulk', form([['action', 'export'], ['csrf', csrf], ...ids.map((i) => ['ids', i] as [string, string])]));
    expect(exp.status).toBe(200);
    expect(exp.headers.get('content-type')).toContain('text/csv');
    const csv = await exp.text();
    expect(csv.trim().split('\n')).toHaveLength(4);
    expect(csv.split('\n')[0]).toBe('id,domain,company,country,stage,is_shopify,fit,intent,email,tags');

    const lead = db.sqlite.prepare(`SELECT id, domain FROM leads WHERE id = ?`).get(seed.ids.sentLeadId) as { id: number; domain: string };
    const sup = await post('/leads/bulk', form([['action', 'suppress'], ['csrf', csrf], ['ids', String(lead.id)], ['back', `/leads/${lead.id}`]]));
    expect(sup.status).toBe(303);
    expect(sup.headers.get('location')).toMatch(new RegExp(`^/leads/${lead.id}\\?flash=`));
    expect(count(`SELECT count(*) n FROM suppressions WHERE kind = 'domain' AND value = ? AND source = 'serve'`, lead.domain)).toBe(1);
    expect(count(`SELECT count(*) n FROM enrollments WHERE lead_id = ? AND status = 'active'`, lead.id)).toBe(0);
  });

  it('applies an action to every lead matching the filter', async () => {
    const csrf = await csrfOf();
    const r = await post('/leads/bulk', form([['action', 'tag'], ['tag', 'all-vip'], ['scope', 'all'], ['f_tag', 'vip'], ['csrf', csrf]]));
    expect(r.status).toBe(303);
    expect(count(`SELECT count(*) n FROM lead_tags WHERE tag = 'all-vip'`)).toBe(count(`SELECT count(*) n FROM lead_tags WHERE tag = 'vip'`));
  });

  it('never redirects off-site after a post', async () => {
    const csrf = await csrfOf();
    const r = await post('/leads/bulk', form([['action', 'tag'], ['tag', 'y'], ['csrf', csrf], ['ids', String(seed.ids.plainLead)], ['back', '//evil.example/x']]));
    expect(r.headers.get('location')).toMatch(/^\/leads\?/);
  });
});

describe('draft review', () => {
  it('approves, rejects and edits pending drafts, once', async () => {
    const pending = (db.sqlite.prepare(`SELECT id FROM drafts WHERE status = 'pending' ORDER BY id LIMIT 3`).all() as { id: number }[]).map((r) => r.id);
    expect(pending.length).toBeGreaterThanOrEqual(2);
    const csrf = await csrfOf('/drafts');
    const [a, b] = pending;
    const edit = await post(`/drafts/${a}`, form([['action', 'save'], ['csrf', csrf], ['subject', 'New subject'], ['body', 'No marker here']]));
    expect(flashOf(edit)).toContain('Keep the unsubscribe marker');
    const ok = await post(`/drafts/${a}`, form([['action', 'save'], ['csrf', csrf], ['subject', 'New subject'], ['body', 'Hello\n\n[[UNSUBSCRIBE_URL]]']]));
    expect(flashOf(ok)).toContain('Draft saved');
    expect(db.sqlite.prepare(`SELECT subject FROM drafts WHERE id = ?`).get(a)).toEqual({ subject: 'New subject' });
    await post(`/drafts/${a}`, form([['action', 'approve'], ['csrf', csrf], ['note', 'lgtm']]));
    await post(`/drafts/${b}`, form([['action', 'reject'], ['csrf', csrf]]));
    expect(db.sqlite.prepare(`SELECT status, review_note FROM drafts WHERE id = ?`).get(a)).toEqual({ status: 'approved', review_note: 'lgtm' });
    expect(db.sqlite.prepare(`SELECT status FROM drafts WHERE id = ?`).get(b)).toEqual({ status: 'rejected' });
    const again = await post(`/drafts/${a}`, form([['action', 'reject'], ['csrf', csrf]]));
    expect(flashOf(again)).toContain('not pending');
    expect(db.sqlite.prepare(`SELECT status FROM drafts WHERE id = ?`).get(a)).toEqual({ status: 'approved' });
  });

  it('refuses to approve a draft whose compliance checks fail', async () => {
    const id = (db.sqlite.prepare(`SELECT id FROM drafts WHERE status = 'pending' ORDER BY id DESC LIMIT 1`).get() as { id: number }).id;
    db.sqlite.prepare(`UPDATE drafts SET compliance = ? WHERE id = ?`).run(JSON.stringify([{ rule: 'postal_address', ok: false, message: 'no postal address' }]), id);
    const csrf = await csrfOf('/drafts');
    const r = await post(`/drafts/${id}`, form([['action', 'approve'], ['csrf', csrf]]));
    expect(flashOf(r)).toContain('no postal address');
    expect(db.sqlite.prepare(`SELECT status FROM drafts WHERE id = ?`).get(id)).toEqual({ status: 'pending' });
  });
});

describe('draft review through the draft stage’s rules (as `outreach serve` wires it)', () => {
  it('re-checks compliance on approval and stops the sequence on rejection', async () => {
    const { SettingsSchema } = await import('../../src/config.js');
    const reviewer = draftStageReviewer(db, { settings: SettingsSchema.parse({}), profileText: '', templateDirs: [join(ROOT, 'templates')] });
    const s2 = await startServe(db, { host: '127.0.0.1', port: 0, secret: SECRET, dashboardToken: null, tracking: false, reviewer });
    try {
      const page = await (await fetch(`${s2.url}/drafts`)).text();
      const csrf = /name="csrf" value="([^"]+)"/.exec(page)![1]!;
      const pending = db.sqlite.prepare(`SELECT d.id, d.enrollment_id FROM drafts d WHERE d.status = 'pending' ORDER BY d.id LIMIT 2`).all() as { id: number; enrollment_id: number }[];
      expect(pending).toHaveLength(2);
      const postTo = (path: string, body: string) => fetch(s2.url + path, { method: 'POST', body, redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
      // No sender identity or postal address in these settings: the draft stage blocks it and says why.
      const a = await postTo(`/drafts/${pending[0]!.id}`, form([['action', 'approve'], ['csrf', csrf]]));
      expect(flashOf(a)).toMatch(/^error: Blocked by compliance: /);
      expect(db.sqlite.prepare(`SELECT status FROM drafts WHERE id = ?`).get(pending[0]!.id)).toEqual({ status: 'blocked' });
      const r = await postTo(`/drafts/${pending[1]!.id}`, form([['action', 'reject'], ['csrf', csrf], ['note', 'off-target']]));
      expect(flashOf(r)).toBe('flash: Draft rejected.');
      expect(db.sqlite.prepare(`SELECT status, review_note FROM drafts WHERE id = ?`).get(pending[1]!.id)).toEqual({ status: 'rejected', review_note: 'off-target' });
      expect(db.sqlite.prepare(`SELECT status FROM enrollments WHERE id = ?`).get(pending[1]!.enrollment_id)).toEqual({ status: 'stopped' });
    } finally {
      await s2.close();
    }
  });
});

describe('one-click unsubscribe (RFC 8058)', () => {
  const sent = () => seed.messageIds.filter((m) => m.state === 'sent');

  it('GET shows a confirmation page and changes nothing', async () => {
    const m = sent()[3]!;
    const token = makeUnsubscribeToken(SECRET, m.messageId);
    for (let i = 0; i < 2; i++) {
      const r = await get(`/u/${token}`);
      expect(r.status).toBe(200);
      const html = await r.text();
      expect(html).toContain('<form method="post"');
      expect(html).toContain('name="List-Unsubscribe" value="One-Click"');
      expect(html).not.toContain(m.toEmail); // masked
    }
    expect(count(`SELECT count(*) n FROM suppressions WHERE kind = 'email' AND value = ?`, m.toEmail)).toBe(0);
  });

  it('POST List-Unsubscribe=One-Click suppresses at once, stops sequences, and is idempotent', async () => {
    const m = sent().find((x) => count(`SELECT count(*) n FROM suppressions WHERE value = ?`, x.toEmail) === 0 && count(`SELECT count(*) n FROM enrollments WHERE lead_id = ? AND status = 'active'`, x.leadId) > 0)!;
    expect(m).toBeDefined();
    const token = makeUnsubscribeToken(SECRET, m.messageId);
    // No cookies, no CSRF token, no Origin: exactly what a mail provider sends.
    const r = await post(`/u/${token}`, 'List-Unsubscribe=One-Click');
    expect(r.status).toBe(200);
    expect(count(`SELECT count(*) n FROM suppressions WHERE kind = 'email' AND value = ? AND reason = 'unsubscribed' AND source = 'serve'`, m.toEmail)).toBe(1);
    expect(count(`SELECT count(*) n FROM enrollments WHERE lead_id = ? AND status = 'active'`, m.leadId)).toBe(0);
    expect(count(`SELECT count(*) n FROM events WHERE lead_id = ? AND type = 'unsubscribed'`, m.leadId)).toBe(1);
    expect((db.sqlite.prepare(`SELECT stage FROM leads WHERE id = ?`).get(m.leadId) as { stage: string }).stage).toBe('unsubscribed');
    const again = await post(`/u/${token}`, 'List-Unsubscribe=One-Click');
    expect(again.status).toBe(200);
    expect(count(`SELECT count(*) n FROM events WHERE lead_id = ? AND type = 'unsubscribed'`, m.leadId)).toBe(1);
    expect(await (await get(`/u/${token}`)).text()).toContain('You are unsubscribed');
  });

  it('accepts multipart/form-data and cancels mail still queued to the address', async () => {
    const m = sent().find((x) => count(`SELECT count(*) n FROM suppressions WHERE value = ?`, x.toEmail) === 0)!;
    db.sqlite.prepare(`INSERT INTO messages (lead_id, to_email, message_id, state) VALUES (?, ?, '<queued-1@x>', 'queued')`).run(m.leadId, m.toEmail);
    const boundary = '----b0undary';
    const body = `--${boundary}\r\nContent-Disposition: form-data; name="List-Unsubscribe"\r\n\r\nOne-Click\r\n--${boundary}--\r\n`;
    const r = await get(`/u/${makeUnsubscribeToken(SECRET, m.messageId)}`, { method: 'POST', body, headers: { 'content-type': `multipart/form-data; boundary=${boundary}` } });
    expect(r.status).toBe(200);
    expect(count(`SELECT count(*) n FROM suppressions WHERE value = ?`, m.toEmail)).toBe(1);
    expect(db.sqlite.prepare(`SELECT state FROM messages WHERE message_id = '<queued-1@x>'`).get()).toEqual({ state: 'cancelled' });
  });

  it('rejects forged, foreign-secret and malformed tokens, and a POST without One-Click', async () => {
    const m = sent()[0]!;
    const good = makeUnsubscribeToken(SECRET, m.messageId);
    const [id, mac] = good.split('.');
    for (const token of [`${id}.AAAAAAAAAAAAAAAAAAAAAA`, makeUnsubscribeToken('other-secret', m.messageId), 'garbage', `${Buffer.from('<m2@sender.example>').toString('base64url')}.${mac}`]) {
      expect((await post(`/u/${token}`, 'List-Unsubscribe=One-Click')).status).toBe(404);
    }
    expect((await post(`/u/${good}`, 'something=else')).status).toBe(400);
    expect((await get('/u/%E0%A4%A')).status).toBe(404);
    expect((await get(`/u/${good}`, { method: 'DELETE' })).status).toBe(405);
  });
});

describe('tracking', () => {
  it('redirects a click only to a URL the message carried', async () => {
    const m = seed.messageIds.find((x) => x.state === 'sent' && x.leadId !== seed.ids.hostileLead)!;
    const token = makeTrackingToken(SECRET, m.messageId);
    const ok = await get(new URL(clickUrl(srv.url, token, 'https://sender.example/case-study')).pathname + new URL(clickUrl(srv.url, token, 'https://sender.example/case-study')).search);
    expect(ok.status).toBe(302);
    expect(ok.headers.get('location')).toBe('https://sender.example/case-study');
    expect(count(`SELECT count(*) n FROM events WHERE type = 'clicked' AND message_id = ?`, m.id)).toBe(1);
    for (const target of ['https://evil.example/phish', 'javascript:alert(1)', '//evil.example']) {
      const r = await get(`/c/${token}?u=${encodeURIComponent(target)}`);
      expect(r.status, target).toBe(400);
      expect(r.headers.get('location')).toBeNull();
    }
    expect((await get(`/c/${makeUnsubscribeToken(SECRET, m.messageId)}?u=${encodeURIComponent('https://sender.example/case-study')}`)).status).toBe(404);
  });

  it('records an open once per message and always answers with the pixel', async () => {
    const m = seed.messageIds.find((x) => x.state === 'sent')!;
    const path = new URL(openPixelUrl(srv.url, makeTrackingToken(SECRET, m.messageId))).pathname;
    for (let i = 0; i < 3; i++) {
      const r = await get(path);
      expect(r.status).toBe(200);
      expect(r.headers.get('content-type')).toBe('image/gif');
    }
    expect(count(`SELECT count(*) n FROM events WHERE type = 'opened' AND message_id = ?`, m.id)).toBe(1);
    expect((await get('/o/forged.gif')).status).toBe(200);
  });

  it('is off by default', async () => {
    const off = await startServe(db, { host: '127.0.0.1', port: 0, secret: SECRET, dashboardToken: null, tracking: false });
    try {
      const m = seed.messageIds.find((x) => x.state === 'sent')!;
      const r = await fetch(`${off.url}/o/${makeTrackingToken(SECRET, m.messageId)}.gif`);
      expect(r.status).toBe(404);
    } finally {
      await off.close();
    }
  });
});

describe('dashboard token (non-loopback binding)', () => {
  it('requires the token for the dashboard, never for /u/', async () => {
    const token = 'dash-token-abcdefghijklmnop';
    const s2 = await startServe(db, { host: '0.0.0.0', port: 0, secret: SECRET, dashboardToken: token, tracking: false });
    const base = `http://127.0.0.1:${s2.port}`;
    try {
      expect((await fetch(`${base}/leads`)).status).toBe(401);
      expect((await fetch(`${base}/leads?token=wrong`, { redirect: 'manual' })).status).toBe(401);
      const login = await fetch(`${base}/leads?token=${token}`, { redirect: 'manual' });
      expect(login.status).toBe(303);
      expect(login.headers.get('location')).toBe('/leads');
      const cookie = login.headers.get('set-cookie')!;
      expect(cookie).toMatch(/HttpOnly/);
      expect(cookie).toMatch(/SameSite=Strict/);
      expect(cookie).not.toContain(token);
      expect((await fetch(`${base}/leads`, { headers: { cookie: cookie.split(';')[0]! } })).status).toBe(200);
      // A forged or expired session is refused
      const [, value] = cookie.split(';')[0]!.split('=');
      const [, mac] = value!.split('.');
      expect((await fetch(`${base}/leads`, { headers: { cookie: `outreach_session=9999999999.${mac}` } })).status).toBe(401);
      expect((await fetch(`${base}/leads`, { headers: { cookie: `outreach_session=1.${mac}` } })).status).toBe(401);
      expect((await fetch(`${base}/leads`, { headers: { authorization: `Bearer ${token}` } })).status).toBe(200);
      const m = seed.messageIds.find((x) => x.state === 'sent')!;
      expect((await fetch(`${base}/u/${makeUnsubscribeToken(SECRET, m.messageId)}`)).status).toBe(200);
      expect((await fetch(`${base}/healthz`)).status).toBe(200);
    } finally {
      await s2.close();
    }
  });

  it('refuses to start off loopback without a token', async () => {
    await expect(startServe(db, { host: '0.0.0.0', port: 0, secret: SECRET, dashboardToken: null, tracking: false })).rejects.toThrow(/token/);
  });
});
