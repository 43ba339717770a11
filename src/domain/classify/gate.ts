// A cheap, exact pre-check for a family of regexes run over the same text: which of them can match it at all.
//
// Why it is exact: each regex is read (once, on first use) for literal strings a match must contain. A pattern
// like /\b(not|no longer) (very )?interested\b|\bno interest\b/ can only match a text that contains "interested"
// or "no interest": if the text holds neither, the regex cannot match it, and testing it is skipped. Consecutive
// parts with few possible strings combine ("\d ?(am|pm)" needs one of "0am", "0 am", "1am"...). The reading
// is conservative: whatever it does not model exactly (classes, back-references, lookarounds, optional or
// repeated parts, non-ASCII characters, unicode case folding...) adds no requirement, so a regex it cannot read at
// all is simply always tested. One pass over the text (an Aho-Corasick automaton over every literal of the family)
// tells which requirements are met. Callers still run each regex that may match: the gate only skips tests that
// would have failed.

/** A requirement: the match contains one of `lits` (`min`: the length of the shortest); null: none known. */
type Need = { lits: string[]; min: number } | null;

/**
 * Literals are cut to this length: a prefix of a string the match contains is contained too. Long enough to be
 * selective, short enough to keep the automaton small.
 */
const MAX_LITERAL = 8;

/** The literal strings every match of `re` contains one of (null: no requirement could be proved). */
export function requiredLiterals(re: RegExp): string[] | null {
  const ignoreCase = re.flags.includes('i');
  const unicode = re.flags.includes('u');
  // Unicode case folding matches letters outside ASCII ("ſ" for s, the Kelvin sign for k), and the v flag's
  // classes nest: neither is modelled.
  if ((ignoreCase && unicode) || re.flags.includes('v')) return null;
  try {
    const reader = new Reader(re.source, ignoreCase, unicode);
    const need = reader.alternation().need;
    return reader.pos === re.source.length ? literalsOf(need) : null;
  } catch {
    return null;
  }
}

function literalsOf(need: Need): string[] | null {
  return need && need.lits.length ? [...new Set(need.lits.map((l) => l.slice(0, MAX_LITERAL)))] : null;
}

/** Which requirement is the stronger: the longer shortest literal, then fewer literals. */
function better(a: Need, b: Need): boolean {
  if (!a) return false;
  if (!b) return true;
  return a.min > b.min || (a.min === b.min && a.lits.length < b.lits.length);
}

/** The most strings a finite set of matched strings may have (beyond that: unknown). */
const MAX_STRINGS = 16;

/**
 * What a part of a pattern says of its matches: `need`, what each contains one of; `strs`, a finite superset of the
 * strings it matches ("(am|pm)" → am, pm; "\d" → 0…9; "(very )?" → "very ", ""), null when unknown or too many.
 */
interface Info {
  need: Need;
  strs: string[] | null;
}
const NOTHING: Info = { need: null, strs: null };
const ZERO = 'zero' as const;
type Term = Info | typeof ZERO;

/** Every a + b, or null when there would be too many. */
function product(a: readonly string[], b: readonly string[]): string[] | null {
  if (a.length * b.length > MAX_STRINGS) return null;
  const out: string[] = [];
  for (const x of a) for (const y of b) out.push(x + y);
  return out;
}

/**
 * The requirement that a match contains one of `strs` (none when one of them is empty: nothing is required then).
 * The literals are cut to MAX_LITERAL and deduplicated only at the end (requiredLiterals).
 */
function needOf(strs: string[] | null): Need {
  if (!strs || strs.length === 0) return null;
  let min = Infinity;
  for (const x of strs) min = Math.min(min, x.length, MAX_LITERAL);
  return min === 0 ? null : { lits: strs, min };
}

const DIGITS: readonly string[] = Object.freeze('0123456789'.split(''));

/** Characters that are themselves in a pattern (outside a class): ASCII letters, digits, space and plain punctuation. */
const PLAIN = new Uint8Array(128);
for (let c = 32; c < 127; c++) PLAIN[c] = 1;
for (const ch of '\\^$.|?*+()[]{}/') PLAIN[ch.charCodeAt(0)] = 0;
/** A run of PLAIN characters, from lastIndex. */
const PLAIN_RUN = /[ !"#%&',\-0-9:;<=>@A-Z_`a-z~]+/y;

/** A recursive-descent reader of a regex source, computing what each part says of its matches. */
class Reader {
  pos = 0;
  constructor(
    private readonly src: string,
    private readonly ignoreCase: boolean,
    private readonly unicode: boolean,
  ) {}

  /** a|b|c: a match is a match of one branch: it needs what one of the branches needs, and is one of their strings. */
  alternation(): Info {
    const first = this.sequence();
    if (this.src[this.pos] !== '|') return first;
    let lits: string[] | null = first.need && [...first.need.lits];
    let min = first.need?.min ?? 0;
    let strs: string[] | null = first.strs && [...first.strs];
    while (this.src[this.pos] === '|') {
      this.pos++;
      const b = this.sequence();
      if (!b.need) lits = null;
      else if (lits) {
        for (const l of b.need.lits) lits.push(l);
        min = Math.min(min, b.need.min);
      }
      if (!b.strs || !strs) strs = null;
      else {
        for (const x of b.strs) strs.push(x);
        if (strs.length > MAX_STRINGS) strs = null;
      }
    }
    return { need: lits && { lits, min }, strs };
  }

  /**
   * abc: every term is matched, one after the other. Any term's requirement holds, and so does any window of
   * consecutive terms with finite strings: the match contains one of the products of their strings ("\d ?(am|pm)"
   * → "1am", "1 am"...). The strongest is kept. A repeated term ("x+") may end a window (its first occurrence) and
   * start the next one (its last); a term that may be absent or repeated ("x*", a class of many) closes the window.
   */
  sequence(): Info {
    const src = this.src;
    let best: Need = null;
    /** The open window's strings, before `run`; null when none is open. */
    let win: string[] | null = null;
    /** The whole sequence's strings so far, before `run`; null when not finite. */
    let whole: string[] | null = [''];
    /** Literal characters that follow both. */
    let run = '';
    const consider = (n: Need) => {
      if (better(n, best)) best = n;
    };
    const flush = () => {
      if (!run) return;
      if (win) win = win.map((x) => x + run);
      if (whole) whole = whole.map((x) => x + run);
      run = '';
    };
    const close = () => {
      flush();
      consider(needOf(win));
      win = null;
    };
    while (this.pos < src.length) {
      const code = src.charCodeAt(this.pos);
      if (code === 124 /* | */ || code === 41 /* ) */) break;
      // Fast path: plain characters that no quantifier follows are themselves, once (a run read in one go).
      if (code < 128 && PLAIN[code] === 1) {
        PLAIN_RUN.lastIndex = this.pos;
        PLAIN_RUN.test(src);
        let end = PLAIN_RUN.lastIndex;
        const after = src[end];
        if (after === '*' || after === '+' || after === '?' || after === '{') end--; // that one is quantified
        if (end > this.pos) {
          win ??= [''];
          const chunk = src.slice(this.pos, end);
          run += this.ignoreCase ? chunk.toLowerCase() : chunk;
          this.pos = end;
          continue;
        }
      }
      const t = this.atom();
      const q = this.quantifier();
      if (t === ZERO || (q && q.max === 0)) continue; // consumes nothing: the window goes on
      const min = q ? q.min : 1;
      const max = q ? q.max : 1;
      if (min >= 1) consider(t.need);
      if (!t.strs || (min === 0 && max > 1)) {
        close();
        whole = null;
        continue;
      }
      flush();
      const strs = min === 0 ? [...t.strs, ''] : t.strs;
      whole = whole && (max === 1 ? product(whole, strs) : null);
      const joined = product(win ?? [''], strs);
      if (!joined) {
        close();
        win = [...strs];
      } else win = joined;
      if (max > 1) {
        // Repeated: its first occurrence ends this window, its last one starts the next.
        close();
        win = [...strs];
      }
    }
    close();
    flush();
    return { need: best, strs: whole && whole.length <= MAX_STRINGS ? whole : null };
  }

  /** The counts of a quantifier after an atom, or null when none follows. */
  quantifier(): { min: number; max: number } | null {
    const ch = this.src[this.pos];
    let min: number;
    let max: number;
    if (ch === '*' || ch === '?' || ch === '+') {
      min = ch === '+' ? 1 : 0;
      max = ch === '?' ? 1 : Infinity;
      this.pos++;
    } else if (ch === '{') {
      const m = /^\{(\d+)(,(\d*))?\}/.exec(this.src.slice(this.pos, this.pos + 24));
      if (!m) {
        if (this.unicode) throw new Error('bad quantifier');
        return null; // a literal "{" (legacy syntax): read as an atom next
      }
      min = Number(m[1]);
      max = m[2] === undefined ? min : m[3] === '' ? Infinity : Number(m[3]);
      this.pos += m[0].length;
    } else return null;
    if (this.src[this.pos] === '?') this.pos++; // lazy
    return { min, max };
  }

  atom(): Term {
    const src = this.src;
    const ch = src[this.pos]!;
    if (ch === '(') {
      this.pos++;
      let zeroWidth = false;
      if (src[this.pos] === '?') {
        const next = src[this.pos + 1];
        if (next === ':') this.pos += 2;
        else if (next === '=' || next === '!') {
          this.pos += 2;
          zeroWidth = true;
        } else if (next === '<' && (src[this.pos + 2] === '=' || src[this.pos + 2] === '!')) {
          this.pos += 3;
          zeroWidth = true;
        } else if (next === '<') {
          const end = src.indexOf('>', this.pos);
          if (end < 0) throw new Error('bad group name');
          this.pos = end + 1;
        } else throw new Error('unknown group');
      }
      const inner = this.alternation();
      if (src[this.pos] !== ')') throw new Error('unclosed group');
      this.pos++;
      // A lookaround consumes nothing: what it looks at is not part of the match.
      return zeroWidth ? ZERO : inner;
    }
    if (ch === '[') return this.charClass();
    if (ch === '^' || ch === '$') {
      this.pos++;
      return ZERO;
    }
    if (ch === '.') {
      this.pos++;
      return NOTHING;
    }
    if (ch === '\\') return this.escape();
    if (ch === ')' || ch === '|' || ch === '*' || ch === '+' || ch === '?') throw new Error('unexpected ' + ch);
    if ((ch === '{' || ch === '}' || ch === ']') && this.unicode) throw new Error('unexpected ' + ch);
    this.pos++;
    return this.literal(ch);
  }

  /** The character as the text check sees it (ASCII; a letter lower-cased under the i flag), or null. */
  char(c: string): string | null {
    if (c.length !== 1 || c.charCodeAt(0) >= 128) return null;
    return this.ignoreCase ? c.toLowerCase() : c;
  }

  /** A literal character: itself once (nothing known of a character the text check does not see exactly). */
  literal(c: string): Term {
    const k = this.char(c);
    return k === null ? NOTHING : { need: { lits: [k], min: 1 }, strs: [k] };
  }

  /** One of a few characters: a finite set of one-character strings. */
  oneOf(chars: readonly string[]): Info {
    return { need: { lits: [...chars], min: 1 }, strs: [...chars] };
  }

  escape(): Term {
    const src = this.src;
    const e = src[this.pos + 1];
    if (e === undefined) throw new Error('trailing backslash');
    this.pos += 2;
    if (e === 'b' || e === 'B') return ZERO;
    if (e === 'd') return this.oneOf(DIGITS);
    if ('DwWsS'.includes(e)) return NOTHING;
    const c = this.escapedChar(e);
    return c === undefined ? NOTHING : this.literal(c);
  }

  /**
   * The character an escape stands for (after "\" and `e`, already read): undefined when it is no single known
   * character (back-references, \p{...}); unread forms throw (the regex is then always tested).
   */
  escapedChar(e: string): string | undefined {
    const src = this.src;
    if (e === 'n') return '\n';
    if (e === 'r') return '\r';
    if (e === 't') return '\t';
    if (e === 'f') return '\f';
    if (e === 'v') return '\v';
    if (e === 'x' || e === 'u') {
      const len = e === 'x' ? 2 : 4;
      const hex = src.slice(this.pos, this.pos + len);
      if (!/^[0-9a-fA-F]+$/.test(hex) || hex.length !== len) throw new Error('unsupported \\' + e);
      this.pos += len;
      const code = parseInt(hex, 16);
      // A surrogate half may pair with the next escape under the u flag: not modelled.
      return code >= 0xd800 && code <= 0xdfff ? undefined : String.fromCharCode(code);
    }
    // Back-references and octal escapes: unknown (their digits skipped: dropping a requirement is safe).
    if (e >= '0' && e <= '9') {
      while (this.pos < src.length && src[this.pos]! >= '0' && src[this.pos]! <= '9') this.pos++;
      return undefined;
    }
    // \p{...}: a class under the u flag, a plain "p" without it.
    if (e === 'p' || e === 'P') {
      if (!this.unicode) return e;
      const end = src[this.pos] === '{' ? src.indexOf('}', this.pos) : -1;
      if (end < 0) throw new Error('bad \\p');
      this.pos = end + 1;
      return undefined;
    }
    // Other letters (\k, \c...) are not read: the regex is refused (always tested).
    if (/[a-zA-Z]/.test(e)) throw new Error('unknown escape \\' + e);
    // An identity escape: "\.", "\/", "\(", "\-"...
    return e;
  }

  /** [...]: one of its characters when they are few and plain ASCII ("[45]", "[ae]", "[a-c]"); else nothing known. */
  charClass(): Term {
    const src = this.src;
    this.pos++;
    let known = src[this.pos] !== '^';
    const chars: string[] = [];
    let prev: string | undefined; // the last single character read, for a range
    while (this.pos < src.length && src[this.pos] !== ']') {
      let c: string | undefined;
      if (src[this.pos] === '\\') {
        const e = src[this.pos + 1]!;
        this.pos += 2;
        if (e === 'd') {
          chars.push(...DIGITS);
          prev = undefined;
          continue;
        }
        // \b is a backspace in a class, \w \s... many characters: not modelled.
        c = /[bBDwWsSkc]/.test(e) ? undefined : this.escapedChar(e);
      } else {
        c = src[this.pos]!;
        this.pos++;
        if (c === '-' && prev !== undefined && src[this.pos] !== ']') {
          // A range prev-to: its characters when few (the first was pushed already).
          let to: string | undefined;
          if (src[this.pos] === '\\') {
            const e = src[this.pos + 1]!;
            this.pos += 2;
            to = /[bBdDwWsSkc]/.test(e) ? undefined : this.escapedChar(e);
          } else to = src[this.pos++];
          if (to === undefined || to.charCodeAt(0) - prev.charCodeAt(0) > MAX_STRINGS) known = false;
          else for (let k = prev.charCodeAt(0) + 1; k <= to.charCodeAt(0); k++) chars.push(String.fromCharCode(k));
          prev = undefined;
          continue;
        }
      }
      if (c === undefined) known = false;
      else chars.push(c);
      prev = c;
    }
    if (src[this.pos] !== ']') throw new Error('unclosed class');
    this.pos++;
    if (!known || chars.length === 0) return NOTHING;
    const seen: string[] = [];
    for (const c of chars) {
      const k = this.char(c);
      if (k === null) return NOTHING;
      seen.push(k);
    }
    return seen.length > MAX_STRINGS ? NOTHING : this.oneOf(seen);
  }
}

/** The automaton of a gate: Aho-Corasick over every literal, as a DFA. */
interface Automaton {
  /** Indices of the regexes without a requirement: always tested. */
  always: number[];
  /** Column of each ASCII code (0: in no literal; under /i an upper-case letter has its lower case's column). */
  col: Uint8Array;
  width: number;
  /** goto[state * width + column]: the next state. */
  goto: Int32Array;
  /** Regexes whose requirement is met when the automaton is in a state (its literals and those of its failure chain). */
  out: (readonly number[] | undefined)[];
}

/**
 * The regexes of a family with their literal requirements: `scan(text)` says which of them can match the text (1)
 * and which provably cannot (0); `test(i, text)` is `regexes[i].test(text)`, skipped when it cannot match. Built on
 * first use.
 */
export class RegexGate {
  private automaton: Automaton | undefined;
  private lastText: string | undefined;
  private lastHit: Uint8Array | undefined;

  constructor(private readonly regexes: readonly RegExp[]) {}

  get size(): number {
    return this.regexes.length;
  }

  /**
   * regexes[i].test(text) for a regex without the g or y flag (test then reads and changes no lastIndex, so a
   * skipped test changes nothing).
   */
  test(i: number, text: string): boolean {
    return this.scan(text)[i] === 1 && this.regexes[i]!.test(text);
  }

  /** For each regex: 1 when it may match `text`, 0 when it provably cannot. (The last answer is kept: callers must not change it.) */
  scan(text: string): Uint8Array {
    if (text === this.lastText) return this.lastHit!;
    const a = (this.automaton ??= build(this.regexes));
    const hit = new Uint8Array(this.regexes.length);
    for (const i of a.always) hit[i] = 1;
    const { col, width, goto, out } = a;
    let s = 0;
    for (let k = 0; k < text.length; k++) {
      const code = text.charCodeAt(k);
      s = goto[s * width + (code < 128 ? col[code]! : 0)]!;
      const o = out[s];
      if (o !== undefined) for (let j = 0; j < o.length; j++) hit[o[j]!] = 1;
    }
    this.lastText = text;
    this.lastHit = hit;
    return hit;
  }
}

function build(regexes: readonly RegExp[]): Automaton {
  const always: number[] = [];
  const lits: string[] = [];
  const owner: number[] = [];
  let ignoreCase: boolean | undefined;
  regexes.forEach((re, i) => {
    const need = requiredLiterals(re);
    const ic = re.flags.includes('i');
    // One case mode per gate (upper-case ASCII reads as lower case only when all are /i): another is always tested.
    if (!need || (ignoreCase !== undefined && ic !== ignoreCase)) {
      always.push(i);
      return;
    }
    ignoreCase = ic;
    for (const l of need) {
      lits.push(l);
      owner.push(i);
    }
  });
  const col = new Uint8Array(128);
  let width = 1;
  for (const l of lits) for (let k = 0; k < l.length; k++) if (col[l.charCodeAt(k)] === 0) col[l.charCodeAt(k)] = width++;
  if (ignoreCase) for (let c = 65; c <= 90; c++) col[c] = col[c + 32]!;
  // The trie, with each state's children kept as a list (first child, next sibling) for the breadth-first pass.
  let cap = 256;
  let goto: Int32Array = new Int32Array(cap * width);
  let firstChild: Int32Array = new Int32Array(cap);
  let sibling: Int32Array = new Int32Array(cap);
  let label: Int32Array = new Int32Array(cap);
  const own: (number[] | undefined)[] = [undefined];
  let n = 1;
  for (let j = 0; j < lits.length; j++) {
    const l = lits[j]!;
    let s = 0;
    for (let k = 0; k < l.length; k++) {
      const c = col[l.charCodeAt(k)]!;
      let t = goto[s * width + c]!;
      if (t === 0) {
        if (n === cap) {
          cap *= 2;
          goto = grow(goto, cap * width);
          firstChild = grow(firstChild, cap);
          sibling = grow(sibling, cap);
          label = grow(label, cap);
        }
        t = n++;
        own.push(undefined);
        goto[s * width + c] = t;
        label[t] = c;
        sibling[t] = firstChild[s]!;
        firstChild[s] = t;
      }
      s = t;
    }
    (own[s] ??= []).push(owner[j]!);
  }
  // By breadth: failure links (the longest proper suffix of a state's string that is also in the trie), and each
  // missing transition set to the one of the failure state (a DFA: one lookup per character of the text).
  const fail = new Int32Array(n);
  const out: (readonly number[] | undefined)[] = new Array(n).fill(undefined);
  const order = new Int32Array(n);
  let tail = 0;
  for (let t = firstChild[0]!; t !== 0; t = sibling[t]!) {
    order[tail++] = t;
    out[t] = own[t];
  }
  for (let head = 0; head < tail; head++) {
    const s = order[head]!;
    const f = fail[s]!;
    for (let c = 1; c < width; c++) if (goto[s * width + c] === 0) goto[s * width + c] = goto[f * width + c]!;
    for (let t = firstChild[s]!; t !== 0; t = sibling[t]!) {
      fail[t] = goto[f * width + label[t]!]!;
      const inherited = out[fail[t]!];
      const mine = own[t];
      out[t] = !mine ? inherited : !inherited ? mine : [...new Set([...inherited, ...mine])];
      order[tail++] = t;
    }
  }
  return { always, col, width, goto, out };
}

function grow(a: Int32Array, size: number): Int32Array {
  const b = new Int32Array(size);
  b.set(a);
  return b;
}
