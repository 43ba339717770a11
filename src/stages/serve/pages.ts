// The dashboard's pages, rendered on the server as plain HTML. Everything that came from a website,
// a reply or a user is escaped; links are made only for http(s) URLs; scripts come from /static/app.js
// (the CSP forbids inline script), and every form that changes something carries the CSRF token.
import { esc, clip, pct, int, REPORT_CSS } from '../../domain/report-html.js';
import type { LeadRow, LeadFilter, LeadDetail, DraftRow } from './queries.js';
import { failingRules, PAGE_SIZE } from './queries.js';
import type { CampaignRow, StepVariants } from '../report/index.js';

export interface PageCtx {
  csrf: string;
  flash?: string | null;
  error?: string | null;
}

/** An href only for http(s) URLs; anything else (javascript:, data:, ...) is shown as text. */
export function safeHref(url: unknown): string | null {
  if (typeof url !== 'string') return null;
  try {
    const u = new URL(url);
    return u.protocol === 'http:' || u.protocol === 'https:' ? u.href : null;
  } catch {
    return null;
  }
}

/** A URL without its scheme, for display. */
function shortUrl(url: unknown): string {
  return String(url ?? '').replace(/^https?:\/\//i, '');
}

export function link(url: unknown, text?: unknown, max = 80): string {
  const href = safeHref(url);
  const shown = esc(clip(text ?? url, max));
  return href ? `<a href="${esc(href)}" rel="noopener noreferrer nofollow" target="_blank">${shown}</a>` : `<span class="unsafe-link">${shown}</span>`;
}

export const DASHBOARD_CSS = `${REPORT_CSS}
header.top{background:#1d2430;color:#fff;padding:8px 24px;display:flex;gap:18px;align-items:center}header.top a{color:#dfe6f0;text-decoration:none}
header.top a.on,header.top a:hover{color:#fff;text-decoration:underline}header.top b{margin-right:12px}
.flash{background:#e6f4ea;border:1px solid #b7dfc1;padding:6px 10px;border-radius:4px}.error{background:#fdecea;border:1px solid #f5c2c0;padding:6px 10px;border-radius:4px}
form.filters{display:flex;flex-wrap:wrap;gap:8px;align-items:end;margin:8px 0}form.filters label{display:flex;flex-direction:column;font-size:12px;color:var(--muted)}
input,select,textarea,button{font:inherit}input[type=search]{min-width:240px}textarea{width:100%;min-height:180px;font-family:ui-monospace,monospace;font-size:13px}
button{cursor:pointer;padding:4px 10px;border:1px solid var(--line);background:#fff;border-radius:4px}button.primary{background:var(--accent);color:#fff;border-color:var(--accent)}
button.danger{background:var(--bad);color:#fff;border-color:var(--bad)}.bulk{display:flex;gap:8px;align-items:center;flex-wrap:wrap;margin:8px 0;padding:6px;background:var(--panel);border-radius:4px}
pre.body{white-space:pre-wrap;overflow-wrap:anywhere;background:var(--panel);padding:8px;border-radius:4px;max-height:420px;overflow:auto}
.timeline li{margin:0 0 8px}.timeline .when{color:var(--muted);font-size:12px;margin-right:8px}.kind{font-size:11px;text-transform:uppercase;color:var(--muted);margin-right:6px}
.pager{display:flex;gap:12px;align-items:center}.draft{border:1px solid var(--line);border-radius:6px;padding:10px;margin:10px 0}
.unsafe-link{color:var(--muted)}th a{color:inherit}.grid2{display:grid;grid-template-columns:1fr 1fr;gap:18px}@media(max-width:800px){.grid2{grid-template-columns:1fr}}
.center{max-width:520px;margin:80px auto;text-align:center}
`;

function layout(title: string, active: string, body: string, ctx: PageCtx): string {
  const nav = [['leads', '/leads', 'Leads'], ['drafts', '/drafts', 'Drafts'], ['campaigns', '/campaigns', 'Campaigns'], ['report', '/report', 'Report']]
    .map(([k, href, label]) => `<a href="${href}"${k === active ? ' class="on"' : ''}>${label}</a>`)
    .join('');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${esc(title)} · outreach</title><link rel="stylesheet" href="/static/app.css"><script src="/static/app.js" defer></script>
<meta name="csrf-token" content="${esc(ctx.csrf)}"></head>
<body><header class="top"><b>outreach</b>${nav}</header><main>
${ctx.flash ? `<p class="flash" role="status">${esc(ctx.flash)}</p>` : ''}${ctx.error ? `<p class="error" role="alert">${esc(ctx.error)}</p>` : ''}
${body}
</main></body></html>`;
}

const csrfField = (ctx: PageCtx) => `<input type="hidden" name="csrf" value="${esc(ctx.csrf)}">`;

function qs(f: LeadFilter, over: Partial<Record<keyof LeadFilter, string | number | undefined>> = {}): string {
  const p = new URLSearchParams();
  const all = { ...f, ...over } as Record<string, unknown>;
  for (const k of ['q', 'stage', 'tag', 'country', 'minFit', 'minIntent', 'shopify', 'sort', 'dir', 'page']) {
    const v = all[k];
    if (v !== undefined && v !== null && v !== '' && !(k === 'page' && v === 1)) p.set(k, String(v));
  }
  const s = p.toString();
  return s ? `?${s}` : '';
}

export function leadsPage(
  data: { rows: LeadRow[]; total: number; page: number; pages: number },
  f: LeadFilter,
  opts: { stages: string[]; tags: string[]; countries: string[] },
  ctx: PageCtx,
): string {
  const sel = (name: string, values: string[], current: string | undefined, label: string) =>
    `<label>${esc(label)}<select name="${name}"><option value="">any</option>${values
      .map((v) => `<option value="${esc(v)}"${v === current ? ' selected' : ''}>${esc(clip(v, 40))}</option>`)
      .join('')}</select></label>`;
  const sortLink = (key: string, label: string) => {
    const on = (f.sort ?? 'created') === key;
    const dir = on && f.dir !== 'asc' ? 'asc' : 'desc';
    return `<a href="/leads${esc(qs(f, { sort: key, dir, page: undefined }))}" data-sort="${key}">${esc(label)}${on ? (f.dir === 'asc' ? ' ▲' : ' ▼') : ''}</a>`;
  };
  const hidden = (['q', 'stage', 'tag', 'country', 'minFit', 'minIntent', 'shopify'] as const)
    .map((k) => (f[k] !== undefined && f[k] !== '' ? `<input type="hidden" name="f_${k}" value="${esc(f[k])}">` : ''))
    .join('');
  const rows = data.rows
    .map(
      (r) => `<tr>
<td><input type="checkbox" name="ids" value="${r.id}" class="pick" aria-label="select ${esc(clip(r.domain, 60))}"></td>
<td><a href="/leads/${r.id}">${esc(clip(r.domain, 60))}</a></td><td>${esc(clip(r.company, 60))}</td><td>${esc(clip(r.email, 60))}</td>
<td>${esc(r.country)}</td><td>${esc(r.stage)}</td><td class="n">${r.fit ?? '–'}</td><td class="n">${r.intent ?? '–'}</td><td>${esc(clip(r.tags, 60))}</td></tr>`,
    )
    .join('\n');
  const body = `<h1>Leads</h1>
<form class="filters" method="get" action="/leads" role="search">
<label>Search<input type="search" name="q" value="${esc(f.q ?? '')}" placeholder="domain, company or email" maxlength="200"></label>
${sel('stage', opts.stages, f.stage, 'Stage')}${sel('tag', opts.tags, f.tag, 'Tag')}${sel('country', opts.countries, f.country, 'Country')}
<label>Min fit<input type="number" name="minFit" min="0" max="100" value="${esc(f.minFit ?? '')}"></label>
<label>Min intent<input type="number" name="minIntent" min="0" max="100" value="${esc(f.minIntent ?? '')}"></label>
<label>Shopify<select name="shopify"><option value="">any</option><option value="yes"${f.shopify === 'yes' ? ' selected' : ''}>yes</option><option value="no"${f.shopify === 'no' ? ' selected' : ''}>no</option></select></label>
<input type="hidden" name="sort" value="${esc(f.sort ?? 'created')}"><input type="hidden" name="dir" value="${esc(f.dir ?? 'desc')}">
<button type="submit" class="primary">Filter</button> <a href="/leads">reset</a></form>
<p class="muted" id="lead-count">${int(data.total)} lead${data.total === 1 ? '' : 's'}${data.total > PAGE_SIZE ? `, page ${data.page} of ${data.pages}` : ''}</p>
<form method="post" action="/leads/bulk" id="bulk">${csrfField(ctx)}${hidden}
<div class="bulk"><span><span id="picked">0</span> selected</span>
<label><input type="checkbox" name="scope" value="all"> all ${int(data.total)} matching</label>
<input type="text" name="tag" placeholder="tag" maxlength="64" aria-label="tag">
<button type="submit" name="action" value="tag">Tag</button>
<button type="submit" name="action" value="export">Export CSV</button>
<button type="submit" name="action" value="suppress" class="danger" data-confirm="Suppress the selected leads' domains? They will never be mailed again.">Suppress</button></div>
<table id="leads"><thead><tr><th><input type="checkbox" id="pick-all" aria-label="select all on this page"></th>
<th>${sortLink('domain', 'Domain')}</th><th>${sortLink('company', 'Company')}</th><th>Email</th><th>${sortLink('country', 'Country')}</th><th>${sortLink('stage', 'Stage')}</th>
<th class="n">${sortLink('fit', 'Fit')}</th><th class="n">${sortLink('intent', 'Intent')}</th><th>Tags</th></tr></thead>
<tbody>${rows || '<tr><td colspan="9" class="muted">No leads match.</td></tr>'}</tbody></table></form>
<div class="pager">${data.page > 1 ? `<a href="/leads${esc(qs(f, { page: data.page - 1 }))}" rel="prev">← previous</a>` : ''}${
    data.page < data.pages ? `<a href="/leads${esc(qs(f, { page: data.page + 1 }))}" rel="next">next →</a>` : ''
  }</div>`;
  return layout('Leads', 'leads', body, ctx);
}

function prettyValue(raw: string): string {
  try {
    const v = JSON.parse(raw) as unknown;
    return typeof v === 'string' ? v : JSON.stringify(v);
  } catch {
    return raw;
  }
}

function draftBlock(d: { id: number; status: string; subject: string; body_text: string; campaign: string | null; step: number | null; variant: string | null; compliance: string | null; claims: string | null }, ctx: PageCtx, back: string, lead?: { id: number; domain: string }): string {
  const failing = failingRules(d.compliance);
  let claims: string[] = [];
  try {
    const c = d.claims ? (JSON.parse(d.claims) as unknown) : [];
    claims = Array.isArray(c) ? c.map((x) => (typeof x === 'string' ? x : JSON.stringify(x))) : [];
  } catch {
    claims = [];
  }
  const where = [d.campaign && `campaign ${clip(d.campaign, 60)}`, d.step && `step ${d.step}`, d.variant && `variant ${d.variant}`].filter(Boolean).join(', ');
  const actions =
    d.status === 'pending' || d.status === 'blocked'
      ? `<form method="post" action="/drafts/${d.id}" class="review">${csrfField(ctx)}<input type="hidden" name="back" value="${esc(back)}">
<input type="text" name="note" placeholder="note (optional)" maxlength="2000" aria-label="review note">
<button type="submit" name="action" value="approve" class="primary"${failing.length ? ' disabled title="compliance checks fail"' : ''}>Approve</button>
<button type="submit" name="action" value="reject">Reject</button></form>
<details><summary>Edit</summary><form method="post" action="/drafts/${d.id}">${csrfField(ctx)}<input type="hidden" name="back" value="${esc(back)}">
<p><input type="text" name="subject" value="${esc(d.subject)}" maxlength="300" aria-label="subject" size="80"></p>
<textarea name="body" aria-label="body">${esc(d.body_text)}</textarea>
<button type="submit" name="action" value="save">Save changes</button></form></details>`
      : '';
  return `<div class="draft" id="draft-${d.id}"><p><b>${esc(clip(d.subject, 200))}</b> <span class="badge ${d.status === 'pending' ? 'warn' : d.status === 'rejected' || d.status === 'blocked' ? 'critical' : 'ok'}">${esc(d.status)}</span>
${lead ? ` · <a href="/leads/${lead.id}">${esc(clip(lead.domain, 60))}</a>` : ''} <span class="muted small">${esc(where)}</span></p>
<pre class="body">${esc(clip(d.body_text, 20_000))}</pre>
${failing.length ? `<ul class="warn">${failing.map((f) => `<li class="critical">${esc(f)}</li>`).join('')}</ul>` : ''}
${claims.length ? `<p class="small">Unsupported claims flagged: ${claims.map((c) => esc(clip(c, 200))).join('; ')}</p>` : ''}
${actions}</div>`;
}

export function leadPage(d: LeadDetail, ctx: PageCtx): string {
  const l = d.lead;
  const facts = d.facts
    .map((f) => `<tr><td class="nowrap">${esc(f.key)}</td><td class="wrap">${esc(clip(prettyValue(f.value), 300))}</td><td class="wrap small">${f.source_url ? link(f.source_url, shortUrl(f.source_url), 50) : '–'}</td><td class="small muted nowrap">${esc(f.observed_at.slice(0, 10))}</td></tr>`)
    .join('');
  const factors = (d.score?.factors ?? [])
    .map((raw) => {
      const f = (raw ?? {}) as { kind?: unknown; name?: unknown; observed?: unknown; weight?: unknown; points?: unknown; evidence?: unknown };
      const ev = Array.isArray(f.evidence) ? f.evidence.slice(0, 5).map((e) => link(e, shortUrl(e), 50)).join('<br>') : '';
      return `<tr><td>${esc(f.kind)}</td><td class="wrap">${esc(clip(f.name, 100))}</td><td class="wrap">${esc(clip(typeof f.observed === 'string' ? f.observed : JSON.stringify(f.observed ?? null), 80))}</td><td class="n">${esc(f.weight)}</td><td class="n">${esc(f.points)}</td><td class="wrap small">${ev}</td></tr>`;
    })
    .join('');
  const timeline = d.timeline
    .slice(0, 300)
    .map(
      (t) => `<li><span class="when">${esc(t.at.replace('T', ' ').slice(0, 16))}</span><span class="kind">${esc(t.kind)}</span>${esc(clip(t.title, 300))}${
        t.detail ? `<pre class="body">${esc(clip(t.detail, 5000))}</pre>` : ''
      }</li>`,
    )
    .join('');
  const body = `<h1>${esc(clip(l.company || l.domain, 120))}</h1>
<p class="muted">${esc(clip(l.domain, 120))} · ${link(l.url ?? `https://${l.domain}`, l.url ?? l.domain)} · stage <b>${esc(l.stage)}</b>${l.country ? ` · ${esc(l.country)}` : ''}
${d.suppressed ? ` · <span class="badge critical">suppressed (${esc(d.suppressed)})</span>` : ''}</p>
<p>Tags: ${d.tags.length ? d.tags.map((t) => `<span class="badge ok">${esc(t)}</span>`).join(' ') : '<span class="muted">none</span>'}</p>
<form method="post" action="/leads/bulk" class="bulk">${csrfField(ctx)}<input type="hidden" name="ids" value="${l.id}"><input type="hidden" name="back" value="/leads/${l.id}">
<input type="text" name="tag" placeholder="tag" maxlength="64" aria-label="tag"><button type="submit" name="action" value="tag">Tag</button>
<button type="submit" name="action" value="suppress" class="danger" data-confirm="Suppress this lead's domain? It will never be mailed again.">Suppress</button></form>
<div class="grid2"><section><h2>Facts</h2>${facts ? `<table><thead><tr><th>Key</th><th>Value</th><th>Source</th><th>Seen</th></tr></thead><tbody>${facts}</tbody></table>` : '<p class="muted">No facts yet.</p>'}
<h2>Contacts</h2>${d.contacts.length ? `<table><thead><tr><th>Email</th><th>Name</th><th>Validation</th><th>Source</th></tr></thead><tbody>${d.contacts
    .map((c) => `<tr><td>${esc(clip(c.email, 80))}${c.is_primary ? ' <span class="small muted">primary</span>' : ''}</td><td class="wrap">${esc(clip([c.first_name, c.last_name].filter(Boolean).join(' '), 80))}</td><td>${esc(c.validation)}</td><td>${c.source_url ? link(c.source_url, c.source_url, 40) : '–'}</td></tr>`)
    .join('')}</tbody></table>` : '<p class="muted">No contacts.</p>'}
<h2>Campaigns</h2>${d.enrollments.length ? `<ul>${d.enrollments.map((e) => `<li>${esc(clip(e.campaign, 80))}: ${esc(e.status)}${e.stop_reason ? ` (${esc(e.stop_reason)})` : ''}</li>`).join('')}</ul>` : '<p class="muted">Not enrolled.</p>'}
</section><section><h2>Score</h2>${
    d.score
      ? `<div class="cards"><div class="card"><span class="muted small">Fit</span><b>${esc(d.score.fit)}</b></div><div class="card"><span class="muted small">Intent</span><b>${esc(d.score.intent)}</b></div><div class="card"><span class="muted small">Profile</span><b>${esc(clip(d.score.profile_version, 20))}</b></div></div>
<table><thead><tr><th>Kind</th><th>Factor</th><th>Observed</th><th class="n">Weight</th><th class="n">Points</th><th>Evidence</th></tr></thead><tbody>${factors}</tbody></table>`
      : '<p class="muted">Not scored yet.</p>'
  }
<h2>Timeline</h2>${timeline ? `<ul class="timeline">${timeline}</ul>` : '<p class="muted">Nothing yet.</p>'}</section></div>
<h2>Drafts</h2>${d.drafts.length ? d.drafts.map((x) => draftBlock(x, ctx, `/leads/${l.id}`)).join('') : '<p class="muted">No drafts.</p>'}`;
  return layout(String(l.company || l.domain), 'leads', body, ctx);
}

export function draftsPage(drafts: DraftRow[], status: string, counts: Record<string, number>, ctx: PageCtx): string {
  const tabs = ['pending', 'approved', 'rejected', 'blocked', 'sent']
    .map((s) => `<a href="/drafts?status=${s}"${s === status ? ' class="on"' : ''}>${s} (${int(counts[s] ?? 0)})</a>`)
    .join(' · ');
  const body = `<h1>Drafts</h1><p>${tabs}</p>
${drafts.length ? drafts.map((d) => draftBlock(d, ctx, `/drafts?status=${encodeURIComponent(status)}`, { id: d.lead_id, domain: d.domain })).join('') : `<p class="muted">No ${esc(status)} drafts.</p>`}`;
  return layout('Drafts', 'drafts', body, ctx);
}

export function campaignsPage(campaigns: CampaignRow[], steps: StepVariants[], ctx: PageCtx): string {
  const rows = campaigns
    .map(
      (c) => `<tr><td>${esc(clip(c.name, 80))}</td><td>${esc(c.status)}</td><td class="n">${int(c.enrolled)}</td><td class="n">${int(c.pending)}</td><td class="n">${int(c.sent)}</td>
<td class="n">${int(c.replied)}</td><td class="n">${int(c.warm)}</td><td class="n">${pct(c.replyRate)}</td><td class="n">${pct(c.bounceRate)}</td><td class="n">$${c.costUsd.toFixed(2)}</td></tr>`,
    )
    .join('');
  const variants = steps
    .map(
      (s) => `<h3>${esc(clip(s.campaign, 80))}, step ${s.step}</h3><table><thead><tr><th>Variant</th><th class="n">Sent</th><th class="n">Replies</th><th class="n">Reply rate (95% CI)</th><th class="n">Warm</th></tr></thead><tbody>${s.variants
        .map((v) => `<tr><td>${esc(v.label)}${s.replies.winner === v.label ? ' <span class="badge ok">winner</span>' : ''}</td><td class="n">${int(v.sent)}</td><td class="n">${int(v.replies)}</td><td class="n">${pct(v.replyRate)} (${pct(v.replyLow)}–${pct(v.replyHigh)})</td><td class="n">${int(v.warm)}</td></tr>`)
        .join('')}</tbody></table><p>${esc(s.replies.verdict)}</p>`,
    )
    .join('');
  const body = `<h1>Campaigns</h1>${campaigns.length ? `<table><thead><tr><th>Campaign</th><th>Status</th><th class="n">Enrolled</th><th class="n">Pending drafts</th><th class="n">Sent</th><th class="n">Replied</th><th class="n">Warm</th><th class="n">Reply rate</th><th class="n">Bounce rate</th><th class="n">Cost</th></tr></thead><tbody>${rows}</tbody></table>` : '<p class="muted">No campaigns yet.</p>'}
<h2>A/B variants</h2>${variants || '<p class="muted">No variants yet.</p>'}`;
  return layout('Campaigns', 'campaigns', body, ctx);
}

/** A minimal page for the public endpoints and errors (no navigation, no dashboard links). */
export function plainPage(title: string, body: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><meta name="robots" content="noindex">
<title>${esc(title)}</title><link rel="stylesheet" href="/static/app.css"></head>
<body><main class="center">${body}</main></body></html>`;
}

export function unsubscribeConfirmPage(token: string, email: string | null, done: boolean): string {
  // The address is masked: a forwarded link should not show the whole address to whoever opens it.
  const masked = email ? maskEmail(email) : null;
  if (done) {
    return plainPage('Unsubscribed', `<h1>You are unsubscribed</h1><p>${masked ? `<b>${esc(masked)}</b> will` : 'This address will'} not receive any more emails from us.</p>`);
  }
  return plainPage(
    'Unsubscribe',
    `<h1>Unsubscribe</h1><p>Stop all emails from us${masked ? ` to <b>${esc(masked)}</b>` : ''}?</p>
<form method="post" action="/u/${esc(encodeURIComponent(token))}"><input type="hidden" name="List-Unsubscribe" value="One-Click">
<button type="submit" class="primary" id="confirm-unsubscribe">Unsubscribe</button></form>`,
  );
}

export function maskEmail(email: string): string {
  const at = email.lastIndexOf('@');
  if (at < 1) return '***';
  const local = email.slice(0, at);
  return `${local[0]}${'*'.repeat(Math.min(6, Math.max(2, local.length - 1)))}@${email.slice(at + 1)}`;
}

export const APP_JS = `// Progressive enhancement only: every action works without this script.
(function () {
  'use strict';
  function count() {
    var n = document.querySelectorAll('input.pick:checked').length;
    var el = document.getElementById('picked');
    if (el) el.textContent = String(n);
  }
  var all = document.getElementById('pick-all');
  if (all) {
    all.addEventListener('change', function () {
      document.querySelectorAll('input.pick').forEach(function (b) { b.checked = all.checked; });
      count();
    });
  }
  document.querySelectorAll('input.pick').forEach(function (b) { b.addEventListener('change', count); });
  document.querySelectorAll('[data-confirm]').forEach(function (b) {
    b.addEventListener('click', function (e) {
      if (!window.confirm(b.getAttribute('data-confirm') || 'Are you sure?')) e.preventDefault();
    });
  });
  count();
})();
`;
