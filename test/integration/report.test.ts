// The report stage against a real SQLite file filled by the seed builder: every funnel count, A/B
// figure, mailbox and spend figure is checked against what the seed created.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { join } from 'node:path';
import { openDb, type Db } from '../../src/db/open.js';
import { tempDir } from '../helpers/cli.js';
import { seedReportDb, type SeedResult } from '../fixtures/report/seed.js';
import {
  funnelReport, campaignsReport, variantsReport, mailboxesReport, spendReport, responsesReport, activityReport, buildReport,
  capOn, aucFromBuckets, queriesFor, REPORT_KINDS,
} from '../../src/stages/report/index.js';

const t = tempDir('outreach-report-');
let db: Db;
let seed: SeedResult;
const NOW = new Date('2026-11-20T15:00:00.000Z');

beforeAll(() => {
  db = openDb(join(t.dir, 'r.db'));
  seed = seedReportDb(db, { leads: 600, now: NOW, hostile: true });
});
afterAll(() => {
  db.close();
  t.cleanup();
});

describe('funnel', () => {
  it('counts every stage exactly as seeded', () => {
    const f = funnelReport(db);
    const tr = seed.total;
    expect(tr.sent).toBeGreaterThan(100); // the seed is big enough to mean something
    expect(tr.replied).toBeGreaterThan(10);
    expect(f.counts).toEqual({
      discovered: tr.discovered, shopify: tr.shopify, enriched: tr.enriched, scored: tr.scored,
      drafted: tr.drafted, approved: tr.approved, sent: tr.sent, contacted: tr.contacted,
      delivered: tr.delivered, bounced: tr.bouncedAfterSend + tr.rejected, rejected: tr.rejected,
      replied: tr.replied, warm: tr.warm, replies: tr.replies, unsubscribed: tr.unsubscribed, complained: tr.complained,
    });
    expect(f.stages.map((s) => s.key)).toEqual(['discovered', 'shopify', 'enriched', 'scored', 'drafted', 'approved', 'sent', 'delivered', 'replied', 'warm']);
    expect(f.rates.reply).toBeCloseTo(tr.replied / tr.contacted, 10);
    expect(f.rates.warm).toBeCloseTo(tr.warm / tr.contacted, 10);
    expect(f.rates.bounce).toBeCloseTo((tr.bouncedAfterSend + tr.rejected) / (tr.sent + tr.rejected), 10);
    expect(f.rates.unsubscribe).toBeCloseTo(tr.unsubscribed / tr.delivered, 10);
    expect(f.rates.complaint).toBeCloseTo(tr.complained / tr.delivered, 10);
  });

  it('counts a feedback-loop complaint (classified UNSUBSCRIBE) as a complaint only', () => {
    const arf = db.sqlite.prepare(`SELECT count(*) AS n FROM inbound WHERE label = 'UNSUBSCRIBE' AND from_email = 'fbl@feedback.example'`).get() as { n: number };
    expect(arf.n).toBeGreaterThan(0);
    const f = funnelReport(db);
    expect(f.counts.complained).toBe(seed.total.complained);
    expect(f.counts.unsubscribed).toBe(seed.total.unsubscribed);
  });

  it('scopes to one campaign', () => {
    for (const c of seed.campaigns) {
      const f = funnelReport(db, { campaignId: c.id });
      const tr = seed.perCampaign[c.name]!;
      expect(f.counts).toMatchObject({
        discovered: tr.discovered, shopify: tr.shopify, enriched: tr.enriched, scored: tr.scored, drafted: tr.drafted,
        approved: tr.approved, sent: tr.sent, contacted: tr.contacted, delivered: tr.delivered, replied: tr.replied,
        warm: tr.warm, replies: tr.replies, unsubscribed: tr.unsubscribed, complained: tr.complained, rejected: tr.rejected,
      });
    }
  });

  it('scopes by --since on each figure’s own date', () => {
    const all = funnelReport(db).counts;
    expect(funnelReport(db, { since: '2000-01-01T00:00:00.000Z' }).counts).toEqual(all);
    const future = funnelReport(db, { since: '2026-11-21T00:00:00.000Z' }).counts;
    expect(Object.values(future).every((v) => v === 0)).toBe(true);
    const since = '2026-11-12T00:00:00.000Z';
    const recent = funnelReport(db, { since }).counts;
    const sentSince = seed.messageIds.filter((m) => m.state === 'sent').length; // all sent
    expect(recent.sent).toBeLessThan(sentSince);
    const sentDays = Object.values(seed.mailboxes).flatMap((m) => Object.entries(m.perDay));
    expect(recent.sent).toBe(sentDays.filter(([d]) => d >= '2026-11-12').reduce((a, [, n]) => a + n, 0));
  });
});

describe('campaigns', () => {
  it('gives each campaign its figures', () => {
    const { campaigns } = campaignsReport(db);
    expect(campaigns.map((c) => c.name)).toEqual(seed.campaigns.map((c) => c.name));
    for (const c of campaigns) {
      const tr = seed.perCampaign[c.name]!;
      expect(c).toMatchObject({ drafted: tr.drafted, approved: tr.approved, sent: tr.sent, contacted: tr.contacted, bounced: tr.bouncedAfterSend, replied: tr.replied - (c.name === orphanCampaign() ? 1 : 0) });
      expect(c.enrolled).toBe(tr.scored);
      expect(c.costUsd).toBeGreaterThan(0);
    }
  });
});

/** The seed adds one reply matched only to its lead (no message); campaign rows count replies through messages. */
function orphanCampaign(): string {
  const r = db.sqlite
    .prepare(`SELECT c.name FROM inbound i JOIN enrollments e ON e.lead_id = i.lead_id JOIN campaigns c ON c.id = e.campaign_id WHERE i.message_id = '<orphan@mail.example>'`)
    .get() as { name: string } | undefined;
  return r?.name ?? '';
}

describe('variants (A/B)', () => {
  it('counts sends, replies and warm replies per variant, with Wilson intervals', () => {
    const { steps } = variantsReport(db);
    expect(steps).toHaveLength(4); // 2 campaigns x 2 steps
    for (const st of steps) {
      for (const v of st.variants) {
        const tr = seed.variants[v.variantId]!;
        expect({ sent: v.sent, replies: v.replies, warm: v.warm, label: v.label }).toEqual({ sent: tr.sent, replies: tr.replies, warm: tr.warm, label: tr.label });
        expect(v.replyLow).toBeLessThanOrEqual(v.replyRate);
        expect(v.replyHigh).toBeGreaterThanOrEqual(v.replyRate);
      }
    }
    const first = steps.filter((s) => s.step === 1);
    for (const st of first) {
      expect(st.variants.map((v) => v.label)).toEqual(['A', 'B']);
      // A winner is named only with a significant p-value; otherwise the report says what it needs.
      if (st.replies.winner) expect(st.replies.p!).toBeLessThan(0.05);
      else expect(st.replies.verdict).toMatch(/No winner yet/);
    }
    const follow = steps.filter((s) => s.step === 2);
    for (const st of follow) expect(st.replies.verdict).toMatch(/Only one variant/);
  });

  it('names a winner from the database when the difference is significant, and only then', () => {
    const d2 = openDb(join(t.dir, 'ab.db'));
    try {
      const q = d2.sqlite;
      const c = (q.prepare(`INSERT INTO campaigns (name) VALUES ('ab') RETURNING id`).get() as { id: number }).id;
      const st = (q.prepare(`INSERT INTO steps (campaign_id, position) VALUES (?, 1) RETURNING id`).get(c) as { id: number }).id;
      const vA = (q.prepare(`INSERT INTO variants (step_id, label) VALUES (?, 'A') RETURNING id`).get(st) as { id: number }).id;
      const vB = (q.prepare(`INSERT INTO variants (step_id, label) VALUES (?, 'B') RETURNING id`).get(st) as { id: number }).id;
      const msg = q.prepare(`INSERT INTO messages (campaign_id, step_id, variant_id, to_email, message_id, state, sent_at) VALUES (?, ?, ?, ?, ?, 'sent', '2026-11-10T10:00:00Z') RETURNING id`);
      const rep = q.prepare(`INSERT INTO inbound (message_id, outbound_id, label, from_email) VALUES (?, ?, ?, 'x@y.example')`);
      let k = 0;
      const fill = (v: number, sent: number, replies: number) => {
        for (let i = 0; i < sent; i++) {
          const id = (msg.get(c, st, v, `p${k}@x.example`, `<${k++}@x>`) as { id: number }).id;
          if (i < replies) rep.run(`<r${k}@x>`, id, i % 2 ? 'COLD' : 'WARM');
        }
      };
      q.transaction(() => {
        fill(vA, 100, 10);
        fill(vB, 100, 16);
      })();
      let s = variantsReport(d2).steps[0]!;
      expect(s.replies.winner).toBeNull();
      expect(s.replies.leader).toBe('B');
      expect(s.replies.moreSendsNeeded).toBeGreaterThan(0);
      expect(s.replies.verdict).toMatch(/more sends needed/);
      q.transaction(() => {
        fill(vA, 300, 20);
        fill(vB, 300, 60);
      })();
      s = variantsReport(d2).steps[0]!;
      expect(s.variants.map((v) => [v.label, v.sent, v.replies])).toEqual([['A', 400, 30], ['B', 400, 76]]);
      expect(s.replies.winner).toBe('B');
      expect(s.replies.p!).toBeLessThan(0.05);
    } finally {
      d2.close();
    }
  });
});

describe('mailboxes', () => {
  it('reports sends per day against the ramp, bounces and complaints', () => {
    const { mailboxes } = mailboxesReport(db, { now: NOW, days: 30 });
    expect(mailboxes).toHaveLength(2);
    for (const m of mailboxes) {
      const tr = seed.mailboxes[m.id]!;
      expect(m.name).toBe(tr.name);
      expect(m.sent).toBe(tr.sent);
      expect(m.rejected).toBe(tr.rejected);
      expect(m.bounced).toBe(tr.bounced + tr.rejected);
      expect(m.complained).toBe(tr.complained);
      expect(m.days).toHaveLength(30);
      for (const d of m.days) expect(d.sent).toBe(tr.perDay[d.day] ?? 0);
      if (m.complaintRate !== null && m.complaintRate >= 0.001) expect(m.warnings.join(' ')).toMatch(/complaint rate/);
    }
    const backup = mailboxes.find((m) => m.name === 'backup')!;
    expect(backup.health).not.toBe('ok');
    expect(backup.warnings.join(' ')).toContain('paused');
  });

  it('computes the ramp cap per day', () => {
    const mb = { daily_cap: 40, ramp_start: 10, ramp_step: 2, ramp_started_at: '2026-11-01T00:00:00.000Z' };
    expect(capOn(mb, '2026-10-31')).toBe(10);
    expect(capOn(mb, '2026-11-01')).toBe(10);
    expect(capOn(mb, '2026-11-06')).toBe(20);
    expect(capOn(mb, '2026-12-30')).toBe(40);
    expect(capOn({ ...mb, ramp_started_at: null }, '2026-11-06')).toBe(10);
    expect(capOn({ ...mb, ramp_start: 0, ramp_step: 0 }, '2026-11-06')).toBe(40);
  });

  it('agrees with the cap `send` enforces (domain/pacing dailyLimit)', async () => {
    const { dailyLimit } = await import('../../src/domain/pacing.js');
    for (const mb of [
      { daily_cap: 40, ramp_start: 10, ramp_step: 2, ramp_started_at: '2026-11-01T09:30:00.000Z' },
      { daily_cap: 50, ramp_start: 0, ramp_step: 5, ramp_started_at: '2026-11-03T00:00:00.000Z' },
      { daily_cap: 30, ramp_start: 5, ramp_step: 0, ramp_started_at: null },
      { daily_cap: 25, ramp_start: 0, ramp_step: 0, ramp_started_at: null },
    ]) {
      for (const day of ['2026-10-30', '2026-11-01', '2026-11-02', '2026-11-09', '2026-12-31']) {
        const theirs = dailyLimit({ dailyCap: mb.daily_cap, rampStart: mb.ramp_start, rampStep: mb.ramp_step, rampStartedAt: mb.ramp_started_at }, new Date(day + 'T12:00:00Z'), 'UTC');
        expect(capOn(mb, day), `${JSON.stringify(mb)} ${day}`).toBe(theirs);
      }
    }
  });

  it('warns well before Gmail’s 0.3% complaint limit', () => {
    const d2 = openDb(join(t.dir, 'c.db'));
    try {
      const mb = (d2.sqlite.prepare(`INSERT INTO mailboxes (name, email, smtp_host, daily_cap, ramp_start, ramp_step) VALUES ('m', 'm@x.example', 'h', 5000, 5000, 0) RETURNING id`).get() as { id: number }).id;
      const ins = d2.sqlite.prepare(`INSERT INTO messages (mailbox_id, to_email, message_id, state, sent_at) VALUES (?, ?, ?, 'sent', ?)`);
      d2.sqlite.transaction(() => {
        for (let i = 0; i < 1000; i++) ins.run(mb, `p${i}@x.example`, `<${i}@x>`, NOW.toISOString());
        d2.sqlite.prepare(`INSERT INTO suppressions (kind, value, reason) VALUES ('email', 'p1@x.example', 'complained')`).run();
        d2.sqlite.prepare(`INSERT INTO suppressions (kind, value, reason) VALUES ('email', 'p2@x.example', 'complained')`).run();
      })();
      let m = mailboxesReport(d2, { now: NOW }).mailboxes[0]!;
      expect(m.complaintRate).toBeCloseTo(0.002, 6);
      expect(m.health).toBe('warn');
      expect(m.warnings.join(' ')).toMatch(/approaching Gmail's 0.3% limit/);
      d2.sqlite.prepare(`INSERT INTO suppressions (kind, value, reason) VALUES ('email', 'p3@x.example', 'complained')`).run();
      m = mailboxesReport(d2, { now: NOW }).mailboxes[0]!;
      expect(m.health).toBe('critical');
      expect(m.warnings.join(' ')).toMatch(/at or above Gmail's 0.3% limit/);
    } finally {
      d2.close();
    }
  });
});

describe('spend', () => {
  it('totals tokens and cost, per draft and per warm reply', () => {
    const s = spendReport(db);
    expect(s.draftCostUsd).toBeCloseTo(seed.spend.draftCost, 8);
    expect(s.classifyCostUsd).toBeCloseTo(seed.spend.classifyCost, 8);
    expect(s.total.calls).toBe(seed.spend.calls);
    expect(s.drafts).toBe(seed.total.drafted);
    expect(s.perDraftUsd).toBeCloseTo(seed.spend.draftCost / seed.total.drafted, 10);
    expect(s.perWarmReplyUsd).toBeCloseTo((seed.spend.draftCost + seed.spend.classifyCost) / seed.total.warm, 10);
  });
});

describe('responses', () => {
  it('measures time to first reply and replies per step', () => {
    const r = responsesReport(db);
    expect(r.timeToFirstReply.n).toBe(seed.replyHours.length);
    const med = seed.replyHours[Math.floor((seed.replyHours.length - 1) / 2)]!;
    expect(r.timeToFirstReply.medianHours!).toBeGreaterThan(0);
    expect(Math.abs(r.timeToFirstReply.medianHours! - med)).toBeLessThan(5);
    expect(r.timeToFirstReply.buckets.reduce((a, b) => a + b.count, 0)).toBe(seed.replyHours.length);
    for (const s of r.steps) {
      expect(s.sent).toBe(seed.steps[s.step]!.sent);
      expect(s.replies).toBe(seed.steps[s.step]!.replies);
    }
  });

  it('splits fit and intent distributions by whether the lead replied', () => {
    const r = responsesReport(db);
    expect(r.scores.fit.replied.n).toBe(seed.total.replied);
    expect(r.scores.fit.replied.n + r.scores.fit.notReplied.n).toBe(seed.total.contacted);
    expect(r.scores.fit.replied.buckets.reduce((a, b) => a + b, 0)).toBe(r.scores.fit.replied.n);
    expect(r.scores.verdict).toMatch(/Fit/);
  });

  it('AUC from histograms: 1 when separated, 0.5 when identical', () => {
    expect(aucFromBuckets([0, 0, 5], [5, 0, 0])).toBe(1);
    expect(aucFromBuckets([1, 1], [1, 1])).toBe(0.5);
    expect(aucFromBuckets([0, 0], [1, 1])).toBeNull();
  });
});

describe('activity and the full report', () => {
  it('counts events per day and type', () => {
    const a = activityReport(db, { now: NOW, days: 30 });
    expect(a.days).toHaveLength(30);
    const sent = a.days.reduce((x, d) => x + d.counts.sent!, 0);
    const sentEvents = (db.sqlite.prepare(`SELECT count(*) n FROM events WHERE type = 'sent' AND at >= ?`).get(a.days[0]!.day) as { n: number }).n;
    expect(sent).toBe(sentEvents);
    expect(a.days.every((d) => !('imported' in d.counts))).toBe(true);
  });

  it('builds every section in one snapshot and exposes the SQL it ran', () => {
    const r = buildReport(db, REPORT_KINDS, { now: NOW, activity: true });
    for (const k of [...REPORT_KINDS, 'activity'] as const) expect(r[k]).toBeDefined();
    for (const k of REPORT_KINDS) {
      for (const q of queriesFor(k, { now: NOW, since: '2026-11-01T00:00:00.000Z', campaignId: 1 })) {
        // Every query plans and runs with its parameters
        expect(() => db.sqlite.prepare(q.sql).all(q.params)).not.toThrow();
      }
    }
  });

  it('uses indexes rather than scanning the big tables where it matters', () => {
    const plan = (sql: string, params: Record<string, unknown>) =>
      (db.sqlite.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(params) as { detail: string }[]).map((r) => r.detail).join('\n');
    const act = queriesFor('activity', { now: NOW })[0]!;
    expect(plan(act.sql, act.params)).toMatch(/USING (COVERING )?INDEX events_type_at_idx/);
    const rep = queriesFor('variants', {})[2]!;
    expect(plan(rep.sql, rep.params)).toMatch(/inbound_label_idx/);
  });
});
