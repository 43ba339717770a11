// Text helpers shared by the classifiers: accent folding (patterns are written without accents),
// HTML to text, and a small bounded-length guard so hostile input never makes a regex slow.
export const MAX_CLASSIFY_CHARS = 20_000;

const NON_ASCII = /[^\x00-\x7f]/;

/**
 * Whether the text last given to fold() was plain ASCII (then so is its fold: the ASCII path maps each character to
 * an ASCII one). Lets foldMemo skip a second scan of the result.
 */
export let lastFoldAscii = false;

/** Lower-case, accents removed (é → e, ß → ss), whitespace collapsed: what the patterns match against. */
export function fold(s: string): string {
  // Plain ASCII (most replies): decomposition and the replacements below change nothing but the backtick.
  // The same result at a fraction of the cost (the normalization walks the whole text).
  // (The backtick replacement is skipped when there is none: a substring search is cheaper than a regex pass.)
  if (!NON_ASCII.test(s)) {
    lastFoldAscii = true;
    const cut = s.slice(0, MAX_CLASSIFY_CHARS);
    return (cut.includes('`') ? cut.replace(/`/g, "'") : cut).toLowerCase();
  }
  lastFoldAscii = false;
  // One pass for the five replacements (combining marks removed, ß → ss, quotes straightened, no-break space):
  // their character sets are disjoint and no replacement yields a character of another, so one pass is the same
  // as five in a row.
  return s.slice(0, MAX_CLASSIFY_CHARS).normalize('NFD').replace(FOLD_CHARS, foldChar).toLowerCase();
}

const FOLD_CHARS = /[\u0300-\u036fß\u2018\u2019\u02bc`´\u201c\u201d\u00ab\u00bb\u00a0]/g;
const FOLD_TO: Record<string, string> = {
  ß: 'ss',
  '\u2018': "'",
  '\u2019': "'",
  '\u02bc': "'",
  '`': "'",
  '´': "'",
  '\u201c': '"',
  '\u201d': '"',
  '\u00ab': '"',
  '\u00bb': '"',
  '\u00a0': ' ',
};
/** The replacement of one FOLD_CHARS character (a combining mark: removed). */
function foldChar(c: string): string {
  return FOLD_TO[c] ?? '';
}

const ENTITIES: Record<string, string> = {
  amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: ' ',
  // Common in newsletter footers ("Unsubscribe &middot; Preferences", "&copy; 2026") and in plain prose.
  middot: '\u00b7', bull: '\u2022', copy: '\u00a9', reg: '\u00ae', trade: '\u2122', ndash: '\u2013', mdash: '\u2014', hellip: '\u2026',
  laquo: '\u00ab', raquo: '\u00bb', lsquo: '\u2018', rsquo: '\u2019', ldquo: '\u201c', rdquo: '\u201d', euro: '\u20ac', pound: '\u00a3',
  shy: '', zwnj: '', zwj: '',
};

/** A plain-text rendering of HTML good enough for classification: scripts and styles dropped, never executed; quoted blocks become "> " lines. */
export function htmlToText(html: string): string {
  let h = dropBlocks(html.slice(0, 500_000));
  // Innermost blockquotes first (bounded: hostile nesting stops after 20 levels).
  const inner = /<blockquote\b[^<>]{0,2000}>((?:(?!<blockquote\b)[\s\S])*?)<\/blockquote\s*>/i;
  for (let i = 0; i < 20 && /<\/blockquote/i.test(h) && inner.test(h); i++) {
    h = h.replace(inner, (_m, body: string) => '\n' + flat(body).split('\n').map((l) => '> ' + l).join('\n') + '\n');
  }
  // Gmail and Outlook mark the quoted original with a div: everything from there on is the quote.
  const q = h.search(/<div[^<>]{1,500}(class="?(gmail_quote|moz-cite-prefix|yahoo_quoted)|id="?(divRplyFwdMsg|appendonsend))/i);
  if (q >= 0) h = h.slice(0, q) + '\n' + flat(h.slice(q)).split('\n').map((l) => '> ' + l).join('\n');
  return flat(h);
}

/** Removes script, style, head and title elements in one linear pass (an unclosed one swallows the rest, as in a browser). */
function dropBlocks(html: string): string {
  const lower = html.toLowerCase();
  const open = /<(script|style|head|title)\b/g;
  let out = '';
  let pos = 0;
  let m: RegExpExecArray | null;
  open.lastIndex = 0;
  while ((m = open.exec(lower))) {
    out += html.slice(pos, m.index) + ' ';
    const close = lower.indexOf(`</${m[1]}`, m.index);
    if (close < 0) return out;
    const end = lower.indexOf('>', close);
    pos = end < 0 ? html.length : end + 1;
    open.lastIndex = pos;
  }
  return out + html.slice(pos);
}

function flat(html: string): string {
  return html
    .replace(/<br\s*\/?>/gi, '\n')
    .replace(/<\/(p|div|li|tr|h[1-6])\s*>/gi, '\n')
    .replace(/<[^<>]{0,2000}>/g, ' ')
    .replace(/&(#x?[0-9a-f]+|[a-z]+);/gi, (m, e: string) => {
      if (e[0] === '#') {
        const n = e[1] === 'x' || e[1] === 'X' ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10);
        return Number.isFinite(n) && n > 0 && n < 0x110000 ? String.fromCodePoint(n) : ' ';
      }
      return ENTITIES[e.toLowerCase()] ?? m;
    })
    .replace(/[ \t]+/g, ' ')
    .replace(/^ /gm, '')
    .replace(/\n\s*\n\s*\n+/g, '\n\n')
    .trim();
}

/** Splits text into sentence-like clauses (keeps the terminating punctuation, so questions stay visible). */
export function sentences(text: string): string[] {
  return text
    .split(/(?<=[.!?;])\s+|\n+/)
    .map((s) => s.trim())
    .filter(Boolean);
}
