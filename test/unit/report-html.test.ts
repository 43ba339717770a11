// The HTML report is one self-contained, offline, script-free file, and escapes every value.
import { describe, it, expect } from 'vitest';
import { renderReportHtml, esc, clip, funnelSvg, warmRepliesSection } from '../../src/domain/report-html.js';
import type { FullReport, WarmReply } from '../../src/stages/report/index.js';
import { compareArms } from '../../src/domain/stats.js';

const EVIL = `<script>alert(1)</script>"'><img src=x onerror=alert(2)>`;

function sample(): FullReport {
  const cmp = compareArms([{ label: 'A', sent: 100, successes: 5 }, { label: EVIL, sent: 100, successes: 12 }]);
  const { arms: _arms, ...replies } = cmp;
  return {
    generatedAt: '2026-11-20T10:00:00.000Z',
    scope: { since: null, campaign: EVIL },
    funnel: {
      stages: [
        { key: 'discovered', label: 'Discovered', count: 1000, unit: 'leads' },
        { key: 'sent', label: 'Sent', count: 200, unit: 'messages' },
        { key: 'warm', label: 'Warm', count: 0, unit: 'leads' },
      ],
      counts: { discovered: 1000, shopify: 800, enriched: 700, scored: 600, drafted: 250, approved: 220, sent: 200, contacted: 180, delivered: 196, bounced: 4, rejected: 0, replied: 17, warm: 0, replies: 20, unsubscribed: 1, complained: 0 },
      rates: { reply: 0.094, warm: 0, bounce: 0.02, unsubscribe: 0.005, complaint: 0 },
      definitions: { reply: EVIL },
    },
    campaigns: [{ id: 1, name: EVIL, status: 'active', enrolled: 10, active: 5, stopped: 5, completed: 0, drafted: 10, approved: 9, pending: 1, sent: 8, contacted: 8, bounced: 0, replied: 2, warm: 1, replyRate: 0.25, warmRate: 0.125, bounceRate: 0, costUsd: 0.02 }],
    variants: [{
      campaignId: 1, campaign: EVIL, stepId: 1, step: 1,
      variants: cmp.arms.map((a, i) => ({ variantId: i + 1, label: a.label, weight: 1, sent: a.sent, replies: a.successes, warm: 0, replyRate: a.rate, replyLow: a.low, replyHigh: a.high, warmRate: 0, warmLow: 0, warmHigh: 0.03 })),
      replies, warm: replies,
    }],
    mailboxes: [{
      id: 1, name: EVIL, email: 'a@b.example', status: 'active', statusReason: null, dailyCap: 50, capToday: 20, sentToday: 3,
      sent: 100, rejected: 0, bounced: 1, complained: 0, delivered: 99, bounceRate: 0.01, complaintRate: 0, daysOverCap: 1,
      days: [{ day: '2026-11-19', sent: 25, cap: 20 }, { day: '2026-11-20', sent: 3, cap: 22 }], health: 'warn', warnings: [EVIL],
    }],
    activity: { types: ['sent', 'replied'], days: [{ day: '2026-11-19', counts: { sent: 25, replied: 1 } }, { day: '2026-11-20', counts: { sent: 3, replied: 0 } }] },
  };
}

describe('renderReportHtml', () => {
  const html = renderReportHtml(sample());

  it('escapes every value from the database', () => {
    expect(html).not.toContain('<script>alert(1)');
    expect(html).not.toContain('<img src=x');
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;&quot;&#39;&gt;&lt;img src=x onerror=alert(2)&gt;');
  });

  it('is self-contained: no script, no remote resource, a CSP that forbids both', () => {
    expect(html).not.toMatch(/<script/i);
    expect(html).not.toMatch(/\b(src|href)\s*=\s*"(https?:)?\/\//i);
    expect(html).not.toMatch(/@import|url\(/i);
    const urls = html.match(/https?:\/\/[^\s"'<>]+/g) ?? [];
    expect(urls.every((u) => u === 'http://www.w3.org/2000/svg')).toBe(true);
    expect(html).toContain(`http-equiv="Content-Security-Policy" content="default-src 'none'`);
    expect(html.startsWith('<!doctype html>')).toBe(true);
  });

  it('draws the charts as inline SVG', () => {
    for (const c of ['funnel', 'activity', 'variants', 'mailbox']) expect(html).toContain(`<svg class="chart ${c}"`);
    expect(html).toMatch(/<polyline class="line s-sent"/);
    expect(html).toMatch(/<polyline class="cap"/);
    expect(html).toContain('No winner yet');
  });

  it('adds the nonce to its stylesheet when served', () => {
    expect(renderReportHtml(sample(), { nonce: 'abc123' })).toContain('<style nonce="abc123">');
  });

  it('scales the funnel to its largest stage and keeps zero-width bars for zeros', () => {
    const svg = funnelSvg(sample().funnel!);
    const widths = [...svg.matchAll(/<rect[^>]* width="(\d+)"/g)].map((m) => Number(m[1]));
    expect(widths[0]).toBeGreaterThan(widths[1]!);
    expect(widths[2]).toBe(0);
  });
});

describe('esc and clip', () => {
  it.each([
    ['<a href="x">', '&lt;a href=&quot;x&quot;&gt;'],
    ["it's `x` & y", 'it&#39;s &#96;x&#96; &amp; y'],
    [null, ''],
    [42, '42'],
  ])('esc(%j)', (input, out) => expect(esc(input)).toBe(out));

  it('clips long strings with an ellipsis', () => {
    expect(clip('x'.repeat(500), 10)).toBe('x'.repeat(9) + '…');
    expect(clip('short', 10)).toBe('short');
  });
});

describe('warmRepliesSection', () => {
  const evil = (over: Partial<WarmReply> = {}): WarmReply => ({
    id: 1, message_id: EVIL, from: `x"onmouseover="alert(3)@evil.example`, from_name: EVIL, lead: EVIL, company: EVIL, campaign: EVIL,
    lead_stage: 'replied', subject: `${EVIL}\x1b]0;title\x07`, received_at: '2026-11-20T09:15:00.000Z', excerpt: EVIL, confidence: 0.875,
    reason: EVIL, classifier: 'offline', ...over,
  });

  it('escapes every field a stranger wrote, and builds a mailto link that cannot break out', () => {
    const html = warmRepliesSection([evil()], 1);
    expect(html).not.toMatch(/<script|<img|\x1b|\x07/i);
    expect(html).not.toContain('onmouseover="');
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).toContain('href="mailto:x%22onmouseover%3D%22alert(3)%40evil.example?subject=Re%3A%20%3Cscript%3E');
    expect(html).toContain('<h2>WARM replies: 1 to answer</h2>');
    expect(html).toContain('2026-11-20 09:15');
    expect(html).toContain('<b>88%</b>');
  });

  it('says when there are more than it lists, and when there are none', () => {
    expect(warmRepliesSection([evil({ from: null, lead: null })], 7)).toContain('The 1 newest of 7; all of them: outreach inbox list --label WARM');
    expect(warmRepliesSection([evil({ from: null, lead: null })], 7)).not.toContain('mailto:');
    expect(warmRepliesSection([], 0)).toContain('No WARM replies in this period.');
  });

  it('comes first in the page when the report has it, and not at all when it does not', () => {
    const r = { ...sample(), warm_replies: [evil({ subject: 'Re: hello' })], warm_replies_total: 1 };
    const html = renderReportHtml(r);
    expect(html.indexOf('<section id="warm-replies">')).toBeLessThan(html.indexOf('<section id="funnel">'));
    expect(html).toContain('subject=Re%3A%20hello"');
    expect(renderReportHtml(sample())).not.toContain('warm-replies">');
  });
});
