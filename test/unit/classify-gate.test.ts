// The classifier's regex gate (src/domain/classify/gate.ts) may only skip a regex that cannot match: checked here
// on regex shapes its reader must model or refuse (alternations, optional and repeated parts, classes, escapes,
// lookarounds, back-references, case folding, non-ASCII), against texts made to come close to each of them.
import { describe, it, expect } from 'vitest';
import { readFileSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { RegexGate, requiredLiterals } from '../../src/domain/classify/gate.js';
import { fold } from '../../src/domain/classify/text.js';

const SHAPES: RegExp[] = [
  /\b(not|no longer) (very )?interested\b|\bno interest\b/,
  /\d ?(am|pm)\b/,
  /\b(un)?subscribe(d|s)?\b/,
  /take (me|us) off (your|the) (list|mailing list)/,
  /(?<!\bon a )\b(tomorrow|monday) (at|morning)\b/,
  /\b(send|email)( over)? (me|us)\b/,
  /colou?r/,
  /a{2,}b/,
  /x*yz/,
  /(ab|cd)+ef/,
  /(foo)\1/,
  /(?=bar)ba/,
  /caf[eé]/,
  /ñandú/,
  /[a-c]at/,
  /\x41\u0042c/,
  /\.\*literal\?/,
  /STOP please/i,
  /^remove me$/m,
  /(?:)empty/,
  /a|/,
  /ünsubscribe|unsubscribe/,
  /\bnicht (mehr )?(anschreiben|kontaktieren)\b/,
  /k(?:elvin)?/i,
  /\u017f/i,
  /stop (?:emailing|mailing|contacting) (?:me|us)\b(?! (?:and|but))/,
];

/** Texts near every shape: each alternative's words, with and without case changes, cut, joined, doubled. */
function texts(): string[] {
  const out = new Set<string>(['', ' ', 'a', 'abcdef', 'AM', '1 am', '1am', '10 PM', 'aab', 'ab', 'yz', 'xyz', 'cdabef', 'ef', 'foofoo', 'foo', 'bar', 'ba']);
  const words = ['not', 'no longer', 'very', 'interested', 'no interest', 'am', 'pm', 'un', 'subscribe', 'subscribed', 'take', 'me', 'us', 'off', 'your',
    'the', 'list', 'mailing list', 'on a', 'tomorrow', 'monday', 'at', 'morning', 'send', 'email', 'over', 'color', 'colour', 'café', 'cafe', 'ñandú', 'nandu',
    'bat', 'cat', 'dat', 'ABc', 'AB', '.*literal?', 'STOP', 'stop', 'please', 'remove me', 'empty', 'ünsubscribe', 'unsubscribe', 'nicht', 'mehr', 'anschreiben',
    'kontaktieren', 'K', 'k', 'kelvin', '\u212a', 'ſ', 'S', 's', 'emailing', 'contacting', 'and', 'but', '9', '\n'];
  for (const a of words) {
    out.add(a);
    out.add(a.toUpperCase());
    for (const b of words) {
      out.add(`${a} ${b}`);
      out.add(`${a}${b}`);
      out.add(`x ${a} ${b}.`);
    }
  }
  return [...out];
}

describe('RegexGate', () => {
  it('never skips a regex that matches (hand-made shapes and near texts)', () => {
    const gate = new RegexGate(SHAPES);
    let skipped = 0;
    const wrong: string[] = [];
    for (const t of texts()) {
      const may = gate.scan(t);
      SHAPES.forEach((re, i) => {
        if (may[i] === 0) skipped++;
        if (gate.test(i, t) !== re.test(t)) wrong.push(`${re} on ${JSON.stringify(t)}`);
      });
    }
    expect(wrong).toEqual([]);
    // The gate does skip (the check above is not empty).
    expect(skipped).toBeGreaterThan(10_000);
  });

  it('never skips a regex that matches a real reply (every fixture text, folded as the classifier folds it)', () => {
    const dir = resolve(import.meta.dirname, '../fixtures/inbox');
    const bodies: string[] = [];
    for (const d of ['replies', 'replies-holdout3', 'replies-s8']) {
      for (const f of readdirSync(join(dir, d))) if (f.endsWith('.eml')) bodies.push(readFileSync(join(dir, d, f), 'latin1').split(/\r?\n\r?\n/).slice(1).join('\n\n'));
    }
    const gate = new RegexGate(SHAPES);
    const wrong: string[] = [];
    for (const b of bodies) {
      for (const t of [b, fold(b), b.toUpperCase()]) {
        const may = gate.scan(t);
        SHAPES.forEach((re, i) => {
          if (may[i] === 0 && re.test(t)) wrong.push(`${re} on ${JSON.stringify(t.slice(0, 80))}`);
        });
      }
    }
    expect(wrong).toEqual([]);
  });

  it('reads what it can prove and refuses what it cannot model', () => {
    expect(requiredLiterals(/\bno interest\b/)).toEqual(['no inter']);
    expect(requiredLiterals(/colou?r/)).not.toBeNull();
    // A back-reference, an empty alternative, unicode case folding: no requirement (always tested).
    expect(requiredLiterals(/a|/)).toBeNull();
    expect(requiredLiterals(/stop/iu)).toBeNull();
  });
});
