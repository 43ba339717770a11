// The HTML report: one self-contained file (inline CSS, inline SVG charts, no script, no external
// resource) that opens offline. Every value from the database is escaped; a CSP meta tag forbids
// scripts and remote loads even if something slipped through. Pure: report data in, a string out.
import type { FullReport, FunnelReport, MailboxRow, StepVariants, ActivityReport, SpendReport, ResponsesReport, CampaignRow, WarmReply } from '../stages/report/index.js';

const ESC: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;', '`': '&#96;' };

/** Escapes text for HTML element content and quoted attribute values. */
export function esc(v: unknown): string {
  return String(v ?? '').replace(/[&<>"'`]/g, (c) => ESC[c]!);
}

/** Shortens very long scraped strings for display (the full value stays in the database). */
export function clip(v: unknown, max = 200): string {
  const s = String(v ?? '');
  return s.length > max ? s.slice(0, max - 1) + '…' : s;
}

export const pct = (x: number | null | undefined, digits = 1) => (x === null || x === undefined ? '–' : `${(x * 100).toFixed(digits)}%`);
export const int = (x: number) => x.toLocaleString('en-US');
const usd = (x: number | null) => (x === null ? '–' : `$${x < 1 ? x.toFixed(4) : x.toFixed(2)}`);
const fmtHours = (h: number | null) => (h === null ? '–' : h < 48 ? `${h.toFixed(1)} h` : `${(h / 24).toFixed(1)} d`);

/** The stylesheet, shared with the dashboard. */
export const REPORT_CSS = `
:root{--fg:#1d2430;--muted:#5b6573;--line:#d9dee5;--bg:#fff;--panel:#f6f8fa;--accent:#2f6fdb;--ok:#1a7f37;--warn:#b76e00;--bad:#c62828;
--c-drafted:#8c96a3;--c-sent:#2f6fdb;--c-replied:#1a7f37;--c-bounced:#c62828;--c-unsubscribed:#b76e00}
*{box-sizing:border-box}body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--fg);background:var(--bg);margin:0}
main{max-width:1100px;margin:0 auto;padding:24px}h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:28px 0 8px;border-bottom:1px solid var(--line);padding-bottom:4px}
h3{font-size:14px;margin:16px 0 6px}.muted{color:var(--muted)}.small{font-size:12px}
table{border-collapse:collapse;width:100%;margin:6px 0 12px}th,td{text-align:left;padding:5px 8px;border-bottom:1px solid var(--line);vertical-align:top;overflow-wrap:break-word}td.wrap{overflow-wrap:anywhere;word-break:break-word}td.nowrap,th{white-space:nowrap}
th{background:var(--panel);font-weight:600}td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}
.cards{display:flex;flex-wrap:wrap;gap:10px;margin:10px 0}.card{background:var(--panel);border:1px solid var(--line);border-radius:6px;padding:8px 12px;min-width:120px}
.card b{display:block;font-size:18px}.badge{display:inline-block;padding:1px 7px;border-radius:10px;font-size:12px;font-weight:600;color:#fff}
.badge.ok{background:var(--ok)}.badge.warn{background:var(--warn)}.badge.critical{background:var(--bad)}
svg{max-width:100%;height:auto;display:block}svg text{font:11px system-ui,sans-serif;fill:var(--fg)}svg .axis{stroke:var(--line)}
svg .bar{fill:var(--accent)}svg .bar.alt{fill:#9bb9ee}svg .cap{stroke:var(--bad);stroke-width:1.5;fill:none;stroke-dasharray:4 3}
svg .whisker{stroke:var(--fg);stroke-width:1.5}svg .line{fill:none;stroke-width:2}
.s-drafted{stroke:var(--c-drafted);fill:var(--c-drafted)}.s-sent{stroke:var(--c-sent);fill:var(--c-sent)}.s-replied{stroke:var(--c-replied);fill:var(--c-replied)}
.s-bounced{stroke:var(--c-bounced);fill:var(--c-bounced)}.s-unsubscribed{stroke:var(--c-unsubscribed);fill:var(--c-unsubscribed)}
.legend span{margin-right:14px;white-space:nowrap}.legend i{display:inline-block;width:10px;height:10px;margin-right:4px;border-radius:2px}
.legend i.s-drafted{background:var(--c-drafted)}.legend i.s-sent{background:var(--c-sent)}.legend i.s-replied{background:var(--c-replied)}
.legend i.s-bounced{background:var(--c-bounced)}.legend i.s-unsubscribed{background:var(--c-unsubscribed)}
ul.warn{margin:4px 0;padding-left:18px;color:var(--warn)}ul.warn li.critical{color:var(--bad)}
section#warm-replies{border:2px solid var(--ok);border-radius:6px;padding:4px 14px 8px;margin-top:16px;background:#f3faf4}section#warm-replies h2{border-bottom-color:#bfe3c6;color:var(--ok);margin-top:10px}
@media print{main{padding:0}h2{break-after:avoid}}
`;

// ---------------------------------------------------------------------------------------------
// Charts

export function funnelSvg(f: FunnelReport): string {
  const w = 720;
  const rowH = 26;
  const labelW = 150;
  const barW = w - labelW - 150;
  const max = Math.max(1, ...f.stages.map((s) => s.count));
  const first = f.stages[0]?.count || 0;
  const rows = f.stages
    .map((s, i) => {
      const y = i * rowH + 4;
      const bw = Math.max(s.count > 0 ? 2 : 0, Math.round((s.count / max) * barW));
      const share = first ? ` (${pct(s.count / first)})` : '';
      return `<g><title>${esc(`${s.label}: ${s.count} ${s.unit}`)}</title><text x="0" y="${y + 15}">${esc(s.label)}</text>
<rect class="bar${s.unit === 'leads' ? '' : ' alt'}" x="${labelW}" y="${y}" width="${bw}" height="${rowH - 8}" rx="2"></rect>
<text x="${labelW + bw + 6}" y="${y + 15}">${esc(int(s.count))} ${esc(s.unit)}${esc(share)}</text></g>`;
    })
    .join('\n');
  return `<svg class="chart funnel" role="img" aria-label="Funnel" viewBox="0 0 ${w} ${f.stages.length * rowH + 8}" width="${w}" xmlns="http://www.w3.org/2000/svg">${rows}</svg>`;
}

export function activitySvg(a: ActivityReport): string {
  const w = 720;
  const h = 220;
  const pad = { l: 40, r: 10, t: 10, b: 28 };
  const days = a.days;
  const series = a.types.filter((t) => days.some((d) => (d.counts[t] ?? 0) > 0));
  const max = Math.max(1, ...days.flatMap((d) => series.map((t) => d.counts[t] ?? 0)));
  const x = (i: number) => pad.l + (days.length <= 1 ? 0 : (i / (days.length - 1)) * (w - pad.l - pad.r));
  const y = (v: number) => h - pad.b - (v / max) * (h - pad.t - pad.b);
  const lines = series
    .map((t) => {
      const pts = days.map((d, i) => `${x(i).toFixed(1)},${y(d.counts[t] ?? 0).toFixed(1)}`).join(' ');
      return `<polyline class="line s-${esc(t)}" points="${pts}"><title>${esc(t)}</title></polyline>`;
    })
    .join('\n');
  const ticks = [0, 0.5, 1].map((f) => {
    const v = Math.round(max * f);
    return `<line class="axis" x1="${pad.l}" x2="${w - pad.r}" y1="${y(v)}" y2="${y(v)}"></line><text x="${pad.l - 6}" y="${y(v) + 4}" text-anchor="end">${v}</text>`;
  });
  const step = Math.max(1, Math.ceil(days.length / 8));
  const labels = days
    .map((d, i) => (i % step === 0 || (i === days.length - 1 && i % step >= step / 2) ? `<text x="${x(i)}" y="${h - 8}" text-anchor="middle">${esc(d.day.slice(5))}</text>` : ''))
    .join('');
  const legend = series.map((t) => `<span><i class="s-${esc(t)}"></i>${esc(t)}</span>`).join('');
  return `<div class="legend small">${legend || '<span class="muted">no activity in this period</span>'}</div>
<svg class="chart activity" role="img" aria-label="Activity over time" viewBox="0 0 ${w} ${h}" width="${w}" xmlns="http://www.w3.org/2000/svg">${ticks.join('')}${lines}${labels}</svg>`;
}

export function variantSvg(s: StepVariants): string {
  const w = 720;
  const rowH = 30;
  const labelW = 60;
  const scaleW = w - labelW - 200;
  const max = Math.min(1, Math.max(0.05, ...s.variants.map((v) => v.replyHigh)));
  const sx = (r: number) => labelW + (r / max) * scaleW;
  const rows = s.variants
    .map((v, i) => {
      const y = i * rowH + 6;
      const mid = y + (rowH - 10) / 2;
      return `<g><title>${esc(`${v.label}: ${v.replies}/${v.sent} replied, 95% CI ${pct(v.replyLow)}–${pct(v.replyHigh)}`)}</title>
<text x="0" y="${mid + 4}">${esc(v.label)}</text>
<rect class="bar${s.replies.winner === v.label ? '' : ' alt'}" x="${labelW}" y="${y}" width="${Math.max(0, sx(v.replyRate) - labelW).toFixed(1)}" height="${rowH - 10}" rx="2"></rect>
<line class="whisker" x1="${sx(v.replyLow).toFixed(1)}" x2="${sx(v.replyHigh).toFixed(1)}" y1="${mid}" y2="${mid}"></line>
<line class="whisker" x1="${sx(v.replyLow).toFixed(1)}" x2="${sx(v.replyLow).toFixed(1)}" y1="${mid - 5}" y2="${mid + 5}"></line>
<line class="whisker" x1="${sx(v.replyHigh).toFixed(1)}" x2="${sx(v.replyHigh).toFixed(1)}" y1="${mid - 5}" y2="${mid + 5}"></line>
<text x="${labelW + scaleW + 10}" y="${mid + 4}">${esc(`${pct(v.replyRate)} of ${int(v.sent)} (${pct(v.replyLow)}–${pct(v.replyHigh)})`)}</text></g>`;
    })
    .join('\n');
  return `<svg class="chart variants" role="img" aria-label="Reply rate by variant" viewBox="0 0 ${w} ${s.variants.length * rowH + 8}" width="${w}" xmlns="http://www.w3.org/2000/svg">${rows}</svg>`;
}

export function mailboxSvg(m: MailboxRow): string {
  const w = 720;
  const h = 150;
  const pad = { l: 36, r: 10, t: 8, b: 24 };
  const days = m.days;
  const max = Math.max(1, ...days.map((d) => Math.max(d.sent, d.cap)));
  const bw = days.length ? (w - pad.l - pad.r) / days.length : 0;
  const y = (v: number) => h - pad.b - (v / max) * (h - pad.t - pad.b);
  const bars = days
    .map(
      (d, i) =>
        `<rect class="bar${d.sent > d.cap ? ' over' : ''}" x="${(pad.l + i * bw + 1).toFixed(1)}" y="${y(d.sent).toFixed(1)}" width="${Math.max(1, bw - 2).toFixed(1)}" height="${(h - pad.b - y(d.sent)).toFixed(1)}"><title>${esc(`${d.day}: ${d.sent} sent, cap ${d.cap}`)}</title></rect>`,
    )
    .join('');
  const cap = days.map((d, i) => `${(pad.l + i * bw).toFixed(1)},${y(d.cap).toFixed(1)} ${(pad.l + (i + 1) * bw).toFixed(1)},${y(d.cap).toFixed(1)}`).join(' ');
  const step = Math.max(1, Math.ceil(days.length / 8));
  const labels = days
    .map((d, i) => (i % step === 0 ? `<text x="${(pad.l + i * bw + bw / 2).toFixed(1)}" y="${h - 8}" text-anchor="middle">${esc(d.day.slice(5))}</text>` : ''))
    .join('');
  return `<svg class="chart mailbox" role="img" aria-label="${esc(`Sends per day for ${m.name} against its cap`)}" viewBox="0 0 ${w} ${h}" width="${w}" xmlns="http://www.w3.org/2000/svg">
<line class="axis" x1="${pad.l}" x2="${w - pad.r}" y1="${h - pad.b}" y2="${h - pad.b}"></line><text x="${pad.l - 6}" y="${y(max) + 4}" text-anchor="end">${max}</text>
${bars}<polyline class="cap" points="${cap}"><title>daily cap (ramp)</title></polyline>${labels}</svg>`;
}

function histogramSvg(a: number[], b: number[], labels: [string, string]): string {
  const w = 360;
  const h = 120;
  const total = (xs: number[]) => Math.max(1, xs.reduce((s, x) => s + x, 0));
  const ta = total(a);
  const tb = total(b);
  const max = Math.max(0.01, ...a.map((x) => x / ta), ...b.map((x) => x / tb));
  const bw = (w - 20) / a.length;
  const y = (v: number) => h - 20 - (v / max) * (h - 30);
  const bars = a
    .map((_, i) => {
      const x = 10 + i * bw;
      const va = a[i]! / ta;
      const vb = b[i]! / tb;
      return `<rect class="bar" x="${(x + 1).toFixed(1)}" y="${y(va).toFixed(1)}" width="${(bw / 2 - 1).toFixed(1)}" height="${(h - 20 - y(va)).toFixed(1)}"><title>${esc(`${i * 10}–${i * 10 + 9}: ${labels[0]} ${pct(va)}`)}</title></rect>
<rect class="bar alt" x="${(x + bw / 2).toFixed(1)}" y="${y(vb).toFixed(1)}" width="${(bw / 2 - 1).toFixed(1)}" height="${(h - 20 - y(vb)).toFixed(1)}"><title>${esc(`${i * 10}–${i * 10 + 9}: ${labels[1]} ${pct(vb)}`)}</title></rect>
<text x="${(x + bw / 2).toFixed(1)}" y="${h - 6}" text-anchor="middle">${i * 10}</text>`;
    })
    .join('');
  return `<svg class="chart histogram" role="img" aria-label="Score distribution" viewBox="0 0 ${w} ${h}" width="${w}" xmlns="http://www.w3.org/2000/svg">${bars}</svg>`;
}

// ---------------------------------------------------------------------------------------------
// Sections

function table(head: string[], rows: (string | number)[][], numeric: boolean[] = []): string {
  return `<table><thead><tr>${head.map((h, i) => `<th${numeric[i] ? ' class="n"' : ''}>${esc(h)}</th>`).join('')}</tr></thead><tbody>${rows
    .map((r) => `<tr>${r.map((c, i) => `<td${numeric[i] ? ' class="n"' : ''}>${esc(c)}</td>`).join('')}</tr>`)
    .join('')}</tbody></table>`;
}

export function funnelSection(f: FunnelReport): string {
  const r = f.rates;
  return `<section id="funnel"><h2>Funnel</h2>
<div class="cards">${[
    ['Reply rate', pct(r.reply)],
    ['Warm rate', pct(r.warm)],
    ['Bounce rate', pct(r.bounce)],
    ['Unsubscribe rate', pct(r.unsubscribe, 2)],
    ['Complaint rate', pct(r.complaint, 2)],
  ]
    .map(([k, v]) => `<div class="card"><span class="muted small">${esc(k)}</span><b>${esc(v)}</b></div>`)
    .join('')}</div>
${funnelSvg(f)}
<p class="muted small">${esc(`${int(f.counts.contacted)} leads contacted, ${int(f.counts.bounced)} bounced (${int(f.counts.rejected)} refused at send), ${int(f.counts.unsubscribed)} unsubscribed, ${int(f.counts.complained)} complained.`)}</p>
<details class="small muted"><summary>How the rates are computed</summary><ul>${Object.entries(f.definitions).map(([k, v]) => `<li><b>${esc(k)}</b>: ${esc(v)}</li>`).join('')}</ul></details>
</section>`;
}

export function campaignsSection(cs: CampaignRow[]): string {
  if (!cs.length) return `<section id="campaigns"><h2>Campaigns</h2><p class="muted">No campaigns yet.</p></section>`;
  return `<section id="campaigns"><h2>Campaigns</h2>${table(
    ['Campaign', 'Status', 'Enrolled', 'Drafted', 'Approved', 'Sent', 'Contacted', 'Bounced', 'Replied', 'Warm', 'Reply rate', 'Cost'],
    cs.map((c) => [clip(c.name, 80), c.status, int(c.enrolled), int(c.drafted), int(c.approved), int(c.sent), int(c.contacted), int(c.bounced), int(c.replied), int(c.warm), pct(c.replyRate), usd(c.costUsd)]),
    [false, false, true, true, true, true, true, true, true, true, true, true],
  )}</section>`;
}

export function variantsSection(steps: StepVariants[]): string {
  if (!steps.length) return `<section id="variants"><h2>A/B variants</h2><p class="muted">No variants yet.</p></section>`;
  return `<section id="variants"><h2>A/B variants</h2>
<p class="muted small">Reply rate with its 95% Wilson interval. A winner is named only when Fisher's exact test is significant (α = 0.05, Bonferroni-adjusted for more than two variants).</p>
${steps
  .map(
    (s) => `<h3>${esc(clip(s.campaign, 80))}, step ${esc(s.step)}</h3>
${variantSvg(s)}
${table(
  ['Variant', 'Sent', 'Replies', 'Reply rate', '95% CI', 'Warm', 'Warm rate', '95% CI'],
  s.variants.map((v) => [v.label, int(v.sent), int(v.replies), pct(v.replyRate), `${pct(v.replyLow)}–${pct(v.replyHigh)}`, int(v.warm), pct(v.warmRate), `${pct(v.warmLow)}–${pct(v.warmHigh)}`]),
  [false, true, true, true, true, true, true, true],
)}
<p><b>${esc(s.replies.verdict)}</b> <span class="muted small">Warm replies: ${esc(s.warm.verdict)}</span></p>`,
  )
  .join('\n')}</section>`;
}

export function mailboxesSection(ms: MailboxRow[]): string {
  if (!ms.length) return `<section id="mailboxes"><h2>Mailboxes</h2><p class="muted">No mailboxes yet.</p></section>`;
  return `<section id="mailboxes"><h2>Mailbox health</h2>
<p class="muted small">Complaint rate against Gmail's 0.3% bulk-sender limit (warning from 0.1%); bounce rate warning from 2%. The dashed line is the day's cap under the warm-up ramp.</p>
${ms
  .map(
    (m) => `<h3>${esc(m.name)} <span class="muted small">${esc(m.email)}</span> <span class="badge ${esc(m.health)}">${esc(m.health)}</span></h3>
<div class="cards">${[
      ['Sent today', `${int(m.sentToday)} / ${int(m.capToday)}`],
      ['Sent', int(m.sent)],
      ['Bounce rate', pct(m.bounceRate)],
      ['Complaint rate', pct(m.complaintRate, 2)],
      ['Days over cap', int(m.daysOverCap)],
    ]
      .map(([k, v]) => `<div class="card"><span class="muted small">${esc(k)}</span><b>${esc(v)}</b></div>`)
      .join('')}</div>
${m.warnings.length ? `<ul class="warn">${m.warnings.map((w) => `<li${/limit:|5% or more/.test(w) ? ' class="critical"' : ''}>${esc(w)}</li>`).join('')}</ul>` : ''}
${mailboxSvg(m)}`,
  )
  .join('\n')}</section>`;
}

export function spendSection(s: SpendReport): string {
  return `<section id="spend"><h2>Spend</h2>
<div class="cards">${[
    ['Total', usd(s.total.costUsd)],
    ['Per draft', usd(s.perDraftUsd)],
    ['Per warm reply', usd(s.perWarmReplyUsd)],
    ['Tokens in / out', `${int(s.total.inputTokens)} / ${int(s.total.outputTokens)}`],
  ]
    .map(([k, v]) => `<div class="card"><span class="muted small">${esc(k)}</span><b>${esc(v)}</b></div>`)
    .join('')}</div>
${s.rows.length ? table(
    ['Purpose', 'Provider', 'Model', 'Calls', 'Input tokens', 'Output tokens', 'Cache read', 'Cache write', 'Cost'],
    s.rows.map((r) => [r.purpose, r.provider, clip(r.model, 60), int(r.calls), int(r.inputTokens), int(r.outputTokens), int(r.cacheReadTokens), int(r.cacheWriteTokens), usd(r.costUsd)]),
    [false, false, false, true, true, true, true, true, true],
  ) : '<p class="muted">No model calls recorded.</p>'}</section>`;
}

export function responsesSection(r: ResponsesReport): string {
  const t = r.timeToFirstReply;
  return `<section id="responses"><h2>Responses</h2>
<div class="cards">${[
    ['Replies timed', int(t.n)],
    ['Median time to reply', fmtHours(t.medianHours)],
    ['25th–75th percentile', `${fmtHours(t.p25Hours)} – ${fmtHours(t.p75Hours)}`],
    ['90th percentile', fmtHours(t.p90Hours)],
  ]
    .map(([k, v]) => `<div class="card"><span class="muted small">${esc(k)}</span><b>${esc(v)}</b></div>`)
    .join('')}</div>
${table(['Time to first reply', 'Leads'], t.buckets.map((b) => [b.label, int(b.count)]), [false, true])}
${table(['Step', 'Sent', 'Replies', 'Warm', 'Reply rate'], r.steps.map((s) => [s.step, int(s.sent), int(s.replies), int(s.warm), pct(s.replyRate)]), [false, true, true, true, true])}
<h3>Scores of leads that replied (dark) against those that did not (light)</h3>
<p><b>${esc(r.scores.verdict)}</b></p>
<div class="cards"><div><span class="small muted">Fit: mean ${esc(r.scores.fit.replied.mean?.toFixed(1) ?? '–')} vs ${esc(r.scores.fit.notReplied.mean?.toFixed(1) ?? '–')}</span>${histogramSvg(r.scores.fit.replied.buckets, r.scores.fit.notReplied.buckets, ['replied', 'no reply'])}</div>
<div><span class="small muted">Intent: mean ${esc(r.scores.intent.replied.mean?.toFixed(1) ?? '–')} vs ${esc(r.scores.intent.notReplied.mean?.toFixed(1) ?? '–')}</span>${histogramSvg(r.scores.intent.replied.buckets, r.scores.intent.notReplied.buckets, ['replied', 'no reply'])}</div></div>
</section>`;
}

export function activitySection(a: ActivityReport): string {
  return `<section id="activity"><h2>Activity over time</h2>${activitySvg(a)}</section>`;
}

/**
 * The WARM replies, newest first: who wrote, which store, what they said. Everything in it is text a
 * stranger wrote: escaped, and the reply link is a mailto: with the address percent-encoded.
 */
export function warmRepliesSection(list: WarmReply[], total = list.length): string {
  // control characters (a terminal escape in a subject) are dropped, not just escaped
  const txt = (v: unknown, max: number) => esc(clip(String(v ?? '').replace(/[\x00-\x1f\x7f-\x9f]/g, ''), max));
  const head = `<h2>WARM replies${total ? `: ${esc(int(total))} to answer` : ''}</h2>`;
  if (!list.length) return `<section id="warm-replies">${head}<p class="muted">No WARM replies in this period.</p></section>`;
  const more = total > list.length ? `<p class="muted small">${esc(`The ${list.length} newest of ${int(total)}; all of them: outreach inbox list --label WARM`)}</p>` : '';
  const rows = list
    .map((w) => {
      const who = w.from_name ? `${txt(w.from_name, 80)}<br><span class="muted small">${txt(w.from, 120)}</span>` : txt(w.from ?? '–', 120);
      const mailto = w.from
        ? ` <a class="small" href="${esc(`mailto:${encodeURIComponent(w.from)}?subject=${encodeURIComponent(/^re:/i.test(w.subject ?? '') ? (w.subject ?? '') : `Re: ${w.subject ?? ''}`)}`)}">reply</a>`
        : '';
      const store = w.lead ? `${txt(w.lead, 100)}${w.company ? `<br><span class="muted small">${txt(w.company, 80)}</span>` : ''}` : '<span class="muted">no lead</span>';
      const conf = w.confidence === null ? '' : `${Math.round(w.confidence * 100)}%`;
      return `<tr><td class="nowrap">${esc(w.received_at.replace('T', ' ').slice(0, 16))}</td><td>${who}${mailto}</td><td>${store}${w.campaign ? `<br><span class="muted small">${txt(w.campaign, 80)}</span>` : ''}</td><td class="wrap">${txt(w.subject, 160)}</td><td class="wrap">${txt(w.excerpt, 400)}</td><td class="wrap"><b>${esc(conf)}</b> <span class="muted small">${txt(w.reason, 160)}</span></td></tr>`;
    })
    .join('');
  return `<section id="warm-replies">${head}
<table><thead><tr><th>Received (UTC)</th><th>From</th><th>Store</th><th>Subject</th><th>What they wrote</th><th>Confidence</th></tr></thead><tbody>${rows}</tbody></table>${more}</section>`;
}

/** The report's <main> content (sections present in the report, in a fixed order). */
export function reportBody(r: FullReport): string {
  const scope = [r.scope.campaign ? `campaign ${r.scope.campaign}` : 'all campaigns', r.scope.since ? `since ${r.scope.since.slice(0, 10)}` : 'all time'].join(', ');
  return [
    `<h1>Outreach report</h1><p class="muted">${esc(scope)} · generated ${esc(r.generatedAt.replace('T', ' ').slice(0, 16))} UTC</p>`,
    r.warm_replies ? warmRepliesSection(r.warm_replies, r.warm_replies_total) : '',
    r.funnel ? funnelSection(r.funnel) : '',
    r.activity ? activitySection(r.activity) : '',
    r.campaigns ? campaignsSection(r.campaigns) : '',
    r.variants ? variantsSection(r.variants) : '',
    r.mailboxes ? mailboxesSection(r.mailboxes) : '',
    r.spend ? spendSection(r.spend) : '',
    r.responses ? responsesSection(r.responses) : '',
  ].join('\n');
}

/** The whole self-contained document. `nonce` is set when the dashboard serves it under its CSP. */
export function renderReportHtml(r: FullReport, opts: { nonce?: string } = {}): string {
  const n = opts.nonce ? ` nonce="${esc(opts.nonce)}"` : '';
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'">
<meta name="viewport" content="width=device-width,initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>Outreach report</title>
<style${n}>${REPORT_CSS}</style></head>
<body><main>
${reportBody(r)}
</main></body></html>
`;
}
