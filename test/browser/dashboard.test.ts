// The dashboard, the HTML report and the unsubscribe flow in a real browser: playwright-core driving
// Debian's Chromium. Skipped only outside CI when Chromium is not installed; in CI it must run.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { openDb, type Db } from '../../src/db/open.js';
import { tempDir } from '../helpers/cli.js';
import { seedReportDb, type SeedResult } from '../fixtures/report/seed.js';
import { startServe } from '../../src/stages/serve/index.js';
import { makeUnsubscribeToken } from '../../src/domain/unsubscribe.js';
import { buildReport } from '../../src/stages/report/index.js';
import { renderReportHtml } from '../../src/domain/report-html.js';
import type { ServerHandle } from '../../src/adapters/http-server.js';

const CHROMIUM = process.env.OUTREACH_CHROMIUM || '/usr/bin/chromium';
const available = existsSync(CHROMIUM);
if (process.env.CI && !available) throw new Error(`Chromium not found at ${CHROMIUM}: CI must install it (apt-get install -y chromium)`);

const SECRET = 'browser-test-secret-123456';

describe.skipIf(!available)('in Chromium', () => {
  const t = tempDir('outreach-browser-');
  let db: Db;
  let seed: SeedResult;
  let srv: ServerHandle;
  let ctx: BrowserContext;
  let profile: string;

  beforeAll(async () => {
    db = openDb(join(t.dir, 'b.db'));
    seed = seedReportDb(db, { leads: 150, hostile: true });
    srv = await startServe(db, { host: '127.0.0.1', port: 0, secret: SECRET, dashboardToken: null, tracking: false });
    profile = mkdtempSync(join(tmpdir(), 'outreach-chromium-'));
    ctx = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
  }, 60_000);

  afterAll(async () => {
    await ctx?.close();
    await srv?.close();
    db?.close();
    if (profile) rmSync(profile, { recursive: true, force: true });
    t.cleanup();
  });

  /** A page that records console errors, page errors and CSP violations. */
  async function watched(): Promise<{ page: Page; errors: string[] }> {
    const page = await ctx.newPage();
    const errors: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(m.text());
    });
    page.on('pageerror', (e) => errors.push(e.message));
    return { page, errors };
  }

  it('loads every dashboard page with no console errors and runs no injected script', async () => {
    const { page, errors } = await watched();
    for (const path of ['/leads', `/leads/${seed.ids.hostileLead}`, `/leads/${seed.ids.sentLeadId}`, '/campaigns', '/drafts', '/drafts?status=sent', '/report']) {
      const r = await page.goto(srv.url + path);
      expect(r?.status(), path).toBe(200);
      expect(await page.evaluate(() => (globalThis as unknown as { __pwned?: number }).__pwned), path).toBeUndefined();
    }
    expect(errors).toEqual([]);
    await page.close();
  });

  it('searches leads, selects them, and opens a lead page', async () => {
    const { page, errors } = await watched();
    await page.goto(srv.url + '/leads');
    await page.fill('input[name="q"]', 'shop-12');
    await Promise.all([page.waitForURL(/q=shop-12/), page.press('input[name="q"]', 'Enter')]);
    const domains = await page.$$eval('#leads tbody td:nth-child(2) a', (as) => as.map((a) => a.textContent ?? ''));
    expect(domains.length).toBeGreaterThan(0);
    expect(domains.every((d) => d.includes('shop-12'))).toBe(true);
    // The page's own script (CSP script-src 'self') keeps the selection count.
    await page.check('#pick-all');
    expect(await page.textContent('#picked')).toBe(String(domains.length));
    await Promise.all([page.waitForURL(/\/leads\/\d+$/), page.click('#leads tbody td:nth-child(2) a >> nth=0')]);
    expect(await page.textContent('h2 >> nth=0')).toBe('Facts');
    expect(await page.locator('text=Timeline').count()).toBeGreaterThan(0);
    // Sorting by a column header
    await page.goto(srv.url + '/leads?minFit=1');
    await Promise.all([page.waitForURL(/sort=fit/), page.click('a[data-sort="fit"]')]);
    const fits = await page.$$eval('#leads tbody td:nth-child(7)', (tds) => tds.map((td) => Number(td.textContent)));
    expect(fits).toEqual([...fits].sort((a, b) => b - a));
    expect(errors).toEqual([]);
    await page.close();
  });

  it('tags a lead from the browser (form post with the CSRF token)', async () => {
    const { page, errors } = await watched();
    await page.goto(`${srv.url}/leads/${seed.ids.plainLead}`);
    await page.fill('form.bulk input[name="tag"]', 'from-browser');
    await Promise.all([page.waitForURL(/flash=/), page.click('form.bulk button[value="tag"]')]);
    expect(await page.textContent('.flash')).toContain('Tagged 1 lead');
    expect(db.sqlite.prepare(`SELECT count(*) n FROM lead_tags WHERE lead_id = ? AND tag = 'from-browser'`).get(seed.ids.plainLead)).toEqual({ n: 1 });
    expect(errors).toEqual([]);
    await page.close();
  });

  it('renders the HTML report’s charts from a file, offline', async () => {
    const file = join(t.dir, 'report.html');
    writeFileSync(file, renderReportHtml(buildReport(db, undefined, { activity: true })));
    const { page, errors } = await watched();
    // Block the network entirely: the file must need nothing from it.
    await page.route('**/*', (route) => (route.request().url().startsWith('file:') ? route.continue() : route.abort()));
    await page.goto(pathToFileURL(file).href);
    for (const sel of ['svg.chart.funnel', 'svg.chart.activity', 'svg.chart.variants', 'svg.chart.mailbox']) {
      const box = await page.locator(sel).first().boundingBox();
      expect(box, sel).not.toBeNull();
      expect(box!.width, sel).toBeGreaterThan(200);
      expect(box!.height, sel).toBeGreaterThan(20);
    }
    expect(await page.locator('svg.chart.funnel rect').count()).toBe(10);
    expect(await page.locator('svg.chart.activity polyline').count()).toBeGreaterThan(0);
    // The stylesheet applied (inline CSS allowed by the file's CSP)
    type WithStyle = { getComputedStyle(el: unknown): { fill: string } };
    expect(await page.$eval('svg.chart.funnel rect.bar', (el) => (globalThis as unknown as WithStyle).getComputedStyle(el).fill)).toBe('rgb(47, 111, 219)');
    expect(errors).toEqual([]);
    await page.close();
  });

  it('unsubscribe: the GET page changes nothing, its button unsubscribes; a one-click POST does too', async () => {
    const sent = seed.messageIds.filter((m) => m.state === 'sent' && m.leadId !== seed.ids.hostileLead);
    const suppressed = (email: string) => Boolean(db.sqlite.prepare(`SELECT 1 FROM suppressions WHERE kind = 'email' AND value = ? AND reason = 'unsubscribed'`).get(email));
    const [a, b] = sent.filter((m) => !db.sqlite.prepare(`SELECT 1 FROM suppressions WHERE value = ?`).get(m.toEmail));
    const { page, errors } = await watched();
    await page.goto(`${srv.url}/u/${makeUnsubscribeToken(SECRET, a!.messageId)}`);
    expect(await page.textContent('h1')).toBe('Unsubscribe');
    expect(suppressed(a!.toEmail)).toBe(false);
    await page.reload();
    expect(suppressed(a!.toEmail)).toBe(false);
    await Promise.all([page.waitForLoadState('load'), page.click('#confirm-unsubscribe')]);
    await page.waitForSelector('text=You are unsubscribed');
    expect(suppressed(a!.toEmail)).toBe(true);
    // What a mail provider sends for RFC 8058 (no cookies, no page)
    const r = await ctx.request.post(`${srv.url}/u/${makeUnsubscribeToken(SECRET, b!.messageId)}`, { form: { 'List-Unsubscribe': 'One-Click' } });
    expect(r.status()).toBe(200);
    expect(suppressed(b!.toEmail)).toBe(true);
    expect(errors).toEqual([]);
    await page.close();
  });
});
