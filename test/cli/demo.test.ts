// `outreach demo` as a newcomer runs it: the built binary, no keys, no network, in a folder of its own.
// It is started from a folder whose .env and outreach.yaml point elsewhere (a decoy database, a model key,
// a notify command, a dead search provider), and must touch none of them.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Database } from '../../src/db/driver.js';
import { runCli, tempDir, type CliResult } from '../helpers/cli.js';

const t = tempDir('outreach-demo-test-');
const demoDir = join(t.dir, 'demo');
const decoyDb = join(t.dir, 'users-own.db');
const notifyMarker = join(t.dir, 'notified');
const userYaml = 'sender:\n  name: "The user"\nsending:\n  start: "09:00"\n  end: "09:01"\n';
let r: CliResult;
let summary: any;

beforeAll(async () => {
  writeFileSync(
    join(t.dir, '.env'),
    [
      `OUTREACH_DB=${decoyDb}`,
      'OUTREACH_SECRET=the-users-own-secret-not-for-the-demo',
      'SEARXNG_URL=http://127.0.0.1:9',
      'ANTHROPIC_API_KEY=sk-ant-not-a-real-key',
      'ANTHROPIC_BASE_URL=http://127.0.0.1:9',
      `OUTREACH_NOTIFY_COMMAND=touch ${notifyMarker}`,
    ].join('\n') + '\n',
  );
  writeFileSync(join(t.dir, 'outreach.yaml'), userYaml);
  r = await runCli(['demo', '--dir', demoDir, '--json'], {
    cwd: t.dir,
    timeoutMs: 90_000,
    env: { BRAVE_API_KEY: 'not-a-real-key', BRAVE_BASE_URL: 'http://127.0.0.1:9', OUTREACH_SETTINGS: join(t.dir, 'outreach.yaml') },
  });
  if (r.code !== 0) throw new Error(`outreach demo exited ${r.code}\n${r.stderr}\n${r.stdout}`);
  summary = JSON.parse(r.stdout);
}, 95_000);

afterAll(() => t.cleanup());

describe('outreach demo', () => {
  it('prints a summary with the funnel counts and the report path', () => {
    expect(summary.dir).toBe(demoDir);
    expect(summary.database).toBe(join(demoDir, 'outreach.db'));
    expect(summary.report_html).toBe(join(demoDir, 'report.html'));
    expect(summary.stores).toBe(12);
    // 12 candidates from search (the social and marketplace hits are dropped), 9 of them Shopify.
    expect(summary.funnel.discovered).toBe(12);
    expect(summary.funnel.shopify).toBe(9);
    expect(summary.funnel.enriched).toBe(9);
    expect(summary.funnel.scored).toBe(9);
    // The campaign's --min-fit 60 leaves the apparel and candle stores out; the jewelry stores get a first email.
    expect(summary.sent).toBeGreaterThanOrEqual(5);
    expect(summary.funnel.sent).toBe(summary.sent);
    expect(summary.funnel.delivered).toBe(summary.sent - 1); // the bounce
    expect(summary.replies).toEqual({ WARM: 1, COLD: 1, AUTO_REPLY: 1, BOUNCE: 1 });
    expect(summary.funnel.replied).toBe(2);
    expect(summary.funnel.warm).toBe(1);
  });

  it('the one-click unsubscribe and the bounce are in the suppression list of the demo database', () => {
    const db = new Database(summary.database, { readonly: true });
    try {
      const sup = db.prepare(`SELECT value, reason, source FROM suppressions WHERE kind = 'email' ORDER BY value`).all() as { value: string; reason: string; source: string }[];
      expect(summary.unsubscribed).toHaveLength(1);
      expect(summary.bounced).toHaveLength(1);
      expect(sup).toContainEqual({ value: summary.unsubscribed[0], reason: 'unsubscribed', source: 'serve' });
      expect(sup).toContainEqual({ value: summary.bounced[0], reason: 'bounced', source: 'inbox' });
      // The unsubscribed lead and the bounced lead moved to their stages.
      const stageOf = (email: string) =>
        (db.prepare(`SELECT l.stage FROM leads l JOIN contacts c ON c.lead_id = l.id WHERE c.email = ?`).pluck().get(email) as string);
      expect(stageOf(summary.unsubscribed[0])).toBe('unsubscribed');
      expect(stageOf(summary.bounced[0])).toBe('bounced');
      // Every reply was matched to the message it answers (threaded by In-Reply-To / the DSN's headers).
      const unmatched = db.prepare(`SELECT count(*) FROM inbound WHERE outbound_id IS NULL`).pluck().get();
      expect(unmatched).toBe(0);
      // Every message went through the real send path: sent, with a Message-ID.
      const states = db.prepare(`SELECT state, count(*) AS n FROM messages GROUP BY state`).all();
      expect(states).toEqual([{ state: 'sent', n: summary.sent }]);
    } finally {
      db.close();
    }
  });

  it('writes a self-contained HTML report with charts', () => {
    expect(existsSync(summary.report_html)).toBe(true);
    const html = readFileSync(summary.report_html, 'utf8');
    expect(html).toMatch(/<svg[\s>]/);
    expect(html).toContain('Funnel');
  });

  it("touches nothing of the user's: database, settings, .env, notify hook", () => {
    expect(existsSync(decoyDb)).toBe(false);
    expect(existsSync(notifyMarker)).toBe(false);
    expect(readFileSync(join(t.dir, 'outreach.yaml'), 'utf8')).toBe(userYaml);
    expect(existsSync(join(t.dir, 'outreach.db'))).toBe(false);
    // The demo's own settings and secret are in its folder.
    expect(readFileSync(join(demoDir, 'outreach.yaml'), 'utf8')).toMatch(/base_url: "http:\/\/127\.0\.0\.1:\d+"/);
    expect(readFileSync(join(demoDir, '.env'), 'utf8')).not.toContain('the-users-own-secret');
  });

  it('refuses a folder that already holds a demo database', async () => {
    const again = await runCli(['demo', '--dir', demoDir], { cwd: t.dir });
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/already holds a demo database/);
  });
});
