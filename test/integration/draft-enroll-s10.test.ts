// Review s10 defect 9: a new campaign must not enroll (nor draft for, nor pay the model for) leads whose
// conversation is already human (a WARM, COLD or NEUTRAL reply, or the `replied` stage), nor unsubscribed, bounced
// or suppressed ones. Offline templates, the real Anthropic SDK against the fake API (no request for those leads),
// and the CLI's summary (--json, --verbose).
import { describe, it, expect, beforeAll, afterAll, beforeEach, afterEach } from 'vitest';
import { copyFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { openDb, type Db } from '../../src/db/open.js';
import { addSuppression } from '../../src/db/suppressions.js';
import { loadSettings } from '../../src/config.js';
import { createModelAdapter } from '../../src/adapters/llm/index.js';
import { createCampaign, defaultSteps, eligibleLeads, getCampaign, showCampaign } from '../../src/stages/campaign/index.js';
import { runDraft, type DraftOptions } from '../../src/stages/draft/index.js';
import { startFakeAnthropic, type FakeAnthropic } from '../helpers/fake-anthropic.js';
import { runCli, tempDir } from '../helpers/cli.js';
import { JEWELRY_FACTS, seedLead } from '../fixtures/draft/seed.js';

const ROOT = resolve(import.meta.dirname, '../..');
const DIRS = [join(ROOT, 'templates')];
const fixtureSettings = join(ROOT, 'test/fixtures/draft/outreach.yaml');
const settings = loadSettings(fixtureSettings);
const t = tempDir();
let fake: FakeAnthropic;
let db: Db;
let n = 0;

beforeAll(async () => {
  fake = await startFakeAnthropic();
  copyFileSync(fixtureSettings, join(t.dir, 'outreach.yaml'));
});
afterAll(async () => {
  await fake.close();
  t.cleanup();
});
beforeEach(() => {
  db = openDb(join(t.dir, `e${n++}.db`));
  fake.reset();
  fake.setResponder((r) => {
    const store = /store name: (.+)/.exec(r.userText)?.[1] ?? '?';
    return { toolInput: { subject: `An idea for ${store}`, body: `Hi there,\n\nI looked at ${store} and liked the Solstice Ring. Could I send a short example?\n\nBest,\nAna` } };
  });
});
afterEach(() => db.close());

const offline = () => createModelAdapter({ provider: 'offline' });
const claude = () => createModelAdapter({ provider: 'anthropic', apiKey: fake.apiKey, baseURL: fake.url, model: 'claude-sonnet-4-6', maxRetries: 0 });
const opts = (over: Partial<DraftOptions> = {}): DraftOptions => ({ settings, profileText: 'keywords: [jewelry]', templateDirs: DIRS, adapterFor: offline, concurrency: 2, ...over });

function lead(domain: string, store: string, stage = 'scored', fit = 80): number {
  return seedLead(db, { domain, stage, fit, facts: { ...JEWELRY_FACTS, 'store.name': store } });
}

function inbound(leadId: number, label: string, at = '2026-11-01T10:00:00.000Z', bounceType: string | null = null): void {
  db.sqlite
    .prepare(`INSERT INTO inbound (message_id, lead_id, from_email, label, bounce_type, received_at, body_text) VALUES (?, ?, ?, ?, ?, ?, ?)`)
    .run(`<${label}-${leadId}-${at}@test>`, leadId, `hello@${leadId}.example`, label, bounceType, at, 'text');
}

/** The pipeline's state after an earlier campaign: who answered what, who left, who bounced. */
function seedHistory() {
  const ids = {
    fresh: lead('fresh.example', 'Fresh Gems'),
    auto: lead('auto.example', 'Auto Gems', 'contacted'), // only an out-of-office: still mailable
    soft: lead('soft.example', 'Soft Gems', 'contacted'), // a soft bounce: still mailable
    warm: lead('warm.example', 'Warm Gems', 'replied'),
    cold: lead('cold.example', 'Cold Gems', 'replied'),
    neutral: lead('neutral.example', 'Neutral Gems', 'contacted'), // labelled NEUTRAL, stage not moved
    repliedStage: lead('stage.example', 'Stage Gems', 'replied'), // stage replied, no inbound row kept
    unsub: lead('unsub.example', 'Unsub Gems', 'unsubscribed'),
    bounced: lead('bounced.example', 'Bounced Gems', 'bounced'),
    suppressed: lead('suppressed.example', 'Suppressed Gems'),
  };
  inbound(ids.auto, 'AUTO_REPLY');
  inbound(ids.soft, 'BOUNCE', undefined, 'soft');
  inbound(ids.warm, 'WARM');
  inbound(ids.cold, 'WARM', '2026-11-01T10:00:00.000Z');
  inbound(ids.cold, 'COLD', '2026-11-02T10:00:00.000Z'); // the latest answer counts: "not interested" after all
  inbound(ids.neutral, 'NEUTRAL');
  addSuppression(db, { kind: 'email', value: 'hello@suppressed.example', reason: 'manual', source: 'test' });
  return ids;
}

function newCampaign(name = 'second') {
  return createCampaign(db, { name, niche: 'jewelry', offer: 'email-flows', steps: defaultSteps('jewelry', DIRS) }, DIRS);
}

const enrolledDomains = (campaign: string) =>
  (
    db.sqlite
      .prepare(`SELECT l.domain FROM enrollments e JOIN leads l ON l.id = e.lead_id JOIN campaigns c ON c.id = e.campaign_id WHERE c.name = ? ORDER BY l.domain`)
      .all(campaign) as { domain: string }[]
  ).map((r) => r.domain);

describe('a new campaign skips leads whose conversation is human, unsubscribed, bounced or suppressed', () => {
  it('offline: enrolls and drafts only the mailable leads, and says how many were left out and why', async () => {
    seedHistory();
    newCampaign();
    const r = await runDraft(db, opts());
    expect(enrolledDomains('second')).toEqual(['auto.example', 'fresh.example', 'soft.example']);
    expect(r).toMatchObject({ enrolled: 3, leads: 3, drafts: 9, failed: 0 });
    const drafted = db.sqlite.prepare('SELECT DISTINCT l.domain FROM drafts d JOIN leads l ON l.id = d.lead_id ORDER BY 1').all() as { domain: string }[];
    expect(drafted.map((d) => d.domain)).toEqual(['auto.example', 'fresh.example', 'soft.example']);
    expect(r.notEnrolled).toMatchObject({ replied: 4, unsubscribed: 1, bounced: 1, replies: { WARM: 1, COLD: 1, NEUTRAL: 1, replied: 1 } });
    const why = Object.fromEntries(r.notEnrolled.leads.map((l) => [l.domain, l.detail]));
    expect(why['warm.example']).toMatch(/^replied WARM: the conversation is human now/);
    expect(why['cold.example']).toMatch(/^replied COLD: /);
    expect(why['neutral.example']).toMatch(/^replied NEUTRAL: /);
    expect(why['stage.example']).toMatch(/^already replied: /);
    expect(why['unsub.example']).toBe('unsubscribed');
    expect(why['bounced.example']).toBe('bounced');
    expect(r.skipped).toEqual([{ leadId: expect.any(Number), domain: 'suppressed.example', reason: expect.stringMatching(/hello@suppressed\.example is suppressed \(manual/) }]);
    // No event, no stage change for the leads left out.
    const evs = db.sqlite.prepare(`SELECT COUNT(*) n FROM events e JOIN leads l ON l.id = e.lead_id WHERE l.domain IN ('warm.example','cold.example','neutral.example','stage.example')`).get() as { n: number };
    expect(evs.n).toBe(0);

    // The dry run and `campaign show`'s eligible count agree with what was enrolled.
    const c3 = newCampaign('third');
    // The three are active in "second" (one sequence at a time); suppression is checked at enrollment, not here.
    expect(eligibleLeads(db, c3, { limit: 100 }).map((l) => l.domain)).toEqual(['suppressed.example']);
    db.sqlite.prepare(`UPDATE enrollments SET status = 'completed'`).run();
    expect(eligibleLeads(db, c3, { limit: 100 }).map((l) => l.domain).sort()).toEqual(['auto.example', 'fresh.example', 'soft.example', 'suppressed.example']);
    expect(showCampaign(db, 'third').eligible).toBe(4);
    const dry = await runDraft(db, opts({ campaign: 'third', dryRun: true }));
    expect(new Set(dry.items.map((i) => i.domain))).toEqual(new Set(['auto.example', 'fresh.example', 'soft.example']));
    expect(dry.skipped.map((x) => x.domain)).toEqual(['suppressed.example']);
    expect(dry.notEnrolled.replied).toBe(4);
  });

  it('Claude API: no request is made for a lead that replied, unsubscribed, bounced or is suppressed', async () => {
    seedHistory();
    newCampaign();
    const r = await runDraft(db, opts({ adapterFor: claude }));
    expect(r).toMatchObject({ enrolled: 3, drafts: 9, failed: 0 });
    expect(fake.requests).toHaveLength(9);
    const stores = new Set(fake.requests.map((q) => /store name: (.+)/.exec(q.userText)?.[1]));
    expect(stores).toEqual(new Set(['Fresh Gems', 'Auto Gems', 'Soft Gems']));
    const spendLeads = db.sqlite.prepare('SELECT DISTINCT l.domain FROM spend s JOIN drafts d ON d.id = s.draft_id JOIN leads l ON l.id = d.lead_id ORDER BY 1').all() as { domain: string }[];
    expect(spendLeads.map((x) => x.domain)).toEqual(['auto.example', 'fresh.example', 'soft.example']);
  });

  it('a lead enrolled before its reply was recorded is stopped at the next run, before any model call', async () => {
    const fresh = lead('fresh.example', 'Fresh Gems');
    const late = lead('late.example', 'Late Gems');
    newCampaign();
    const first = await runDraft(db, opts({ adapterFor: claude, limit: 1 })); // drafts one lead: fresh (ordered by score, then id)
    expect(first.enrolled).toBe(1);
    // late.example got enrolled somehow (an older build) and then answered "not interested", without its enrollment stopped.
    const c = getCampaign(db, 'second');
    db.sqlite.prepare(`INSERT INTO enrollments (campaign_id, lead_id, contact_id, status) VALUES (?, ?, (SELECT id FROM contacts WHERE lead_id = ?), 'active')`).run(c.id, late, late);
    inbound(late, 'COLD');
    fake.reset();
    const r = await runDraft(db, opts({ adapterFor: claude }));
    expect(fake.requests.filter((q) => q.userText.includes('Late Gems'))).toHaveLength(0);
    expect(r.skipped).toEqual([{ leadId: late, domain: 'late.example', reason: 'the lead replied COLD: the conversation is human now' }]);
    const e = db.sqlite.prepare('SELECT status, stop_reason FROM enrollments WHERE lead_id = ?').get(late) as { status: string; stop_reason: string };
    expect(e).toEqual({ status: 'stopped', stop_reason: 'the lead replied COLD: the conversation is human now' });
    expect((db.sqlite.prepare('SELECT COUNT(*) n FROM drafts WHERE lead_id = ?').get(late) as { n: number }).n).toBe(0);
    expect(fresh).toBeGreaterThan(0);
  });

  it('enrollment pages past many suppressed candidates instead of stopping short', async () => {
    for (let i = 0; i < 60; i++) {
      lead(`s${i}.example`, `S${i}`, 'scored', 90);
      addSuppression(db, { kind: 'email', value: `hello@s${i}.example`, reason: 'manual', source: 'test' });
    }
    lead('ok.example', 'Ok Gems', 'scored', 10); // ranked after all the suppressed ones
    newCampaign();
    const r = await runDraft(db, opts({ limit: 1 }));
    expect(r.enrolled).toBe(1);
    expect(enrolledDomains('second')).toEqual(['ok.example']);
  });

  it('CLI: the summary counts them; --verbose names them; --json has notEnrolled', async () => {
    const file = join(t.dir, `cli${n}.db`);
    db.close();
    db = openDb(file);
    seedHistory();
    newCampaign();
    db.close();
    const env = { OUTREACH_DB: file, ANTHROPIC_API_KEY: undefined, ANTHROPIC_BASE_URL: undefined, OUTREACH_SETTINGS: join(t.dir, 'outreach.yaml') };
    const dry = await runCli(['draft', '--dry-run', '--json'], { cwd: t.dir, env });
    expect(dry.code).toBe(0);
    expect(JSON.parse(dry.stdout).notEnrolled).toMatchObject({ replied: 4, unsubscribed: 1, bounced: 1 });
    const v = await runCli(['draft', '--provider', 'offline', '--verbose'], { cwd: t.dir, env });
    expect(v.code).toBe(0);
    expect(v.stdout).toMatch(/Drafted 9 emails for 3 leads/);
    expect(v.stderr).toMatch(/Not enrolled, nothing drafted: 4 already replied \((?=.*1 WARM)(?=.*1 COLD)(?=.*1 NEUTRAL).*\), 1 unsubscribed, 1 bounced\./);
    expect(v.stderr).toMatch(/human conversation now \(WARM included\)/);
    expect(v.stderr).toMatch(/not enrolled in second: warm\.example: replied WARM: the conversation is human now/);
    expect(v.stderr).toMatch(/skipped suppressed\.example: hello@suppressed\.example is suppressed/);
    db = openDb(file);
  });
});
