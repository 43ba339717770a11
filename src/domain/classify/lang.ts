// A small stop-word language guess (en, de, fr, es, it, nl, pt): enough to pick date order and to
// report which language a reply was in. Returns 'en' when nothing stands out.
import { foldMemo } from './types.js';

const STOP: Record<string, string[]> = {
  en: ['the', 'and', 'you', 'we', 'is', 'are', 'not', 'for', 'this', 'with', 'have', 'our', 'thanks', 'please', 'would', 'interested', 'i', 'it', 'to', 'of'],
  de: ['und', 'der', 'die', 'das', 'nicht', 'ich', 'wir', 'sie', 'ist', 'mit', 'fur', 'uns', 'danke', 'bitte', 'haben', 'kein', 'keine', 'gerne', 'ihre', 'ein', 'eine', 'auf', 'zu'],
  fr: ['le', 'la', 'les', 'et', 'je', 'nous', 'vous', 'pas', 'est', 'pour', 'avec', 'merci', 'une', 'des', 'ne', 'sommes', 'votre', 'ce', 'du', 'au'],
  es: ['el', 'los', 'las', 'y', 'que', 'no', 'es', 'por', 'para', 'con', 'gracias', 'nos', 'estamos', 'una', 'su', 'muy', 'del', 'pero', 'esta', 'me'],
  it: ['il', 'lo', 'gli', 'e', 'che', 'non', 'siamo', 'per', 'con', 'grazie', 'una', 'sono', 'della', 'del', 'ci', 'ma', 'vostro', 'questo', 'mi', 'di'],
  nl: ['de', 'het', 'een', 'en', 'niet', 'ik', 'wij', 'we', 'jullie', 'is', 'voor', 'met', 'bedankt', 'dank', 'geen', 'ons', 'graag', 'zijn', 'maar', 'wel'],
  pt: ['o', 'os', 'as', 'e', 'que', 'nao', 'estamos', 'para', 'com', 'obrigado', 'obrigada', 'uma', 'nos', 'voces', 'mas', 'muito', 'do', 'da', 'em', 'seu'],
};

const SETS = Object.entries(STOP).map(([lang, list]) => [lang, new Set(list)] as const);
const LANGS = SETS.map(([lang]) => lang);
/** For each stop word, the indices (in LANGS) of the languages that have it: one lookup per word of a text. */
const LANGS_OF = new Map<string, number[]>();
SETS.forEach(([, set], i) => {
  for (const w of set) {
    const l = LANGS_OF.get(w);
    if (l) l.push(i);
    else LANGS_OF.set(w, [i]);
  }
});

/** Stop words of each language found in the text. */
export function languageScores(text: string): Record<string, number> {
  return stopWordScores(foldMemo(text.slice(0, 4000)).match(/[a-z]+/g) ?? []);
}

/** Stop words of each language among the words of a folded text. */
export function stopWordScores(words: readonly string[]): Record<string, number> {
  // The same counts as testing each word against each language's set, with one lookup per word.
  const counts = new Array<number>(LANGS.length).fill(0);
  for (const w of words) {
    const ls = LANGS_OF.get(w);
    if (ls) for (const i of ls) counts[i]!++;
  }
  const scores: Record<string, number> = {};
  LANGS.forEach((lang, i) => (scores[lang] = counts[i]!));
  return scores;
}

export function guessLanguage(text: string): string {
  const scores = languageScores(text);
  let best = 'en';
  let bestScore = 0;
  for (const [lang] of SETS) {
    if (scores[lang]! > bestScore) {
      best = lang;
      bestScore = scores[lang]!;
    }
  }
  return best;
}
