// Tags: short labels on leads, set by `leads tag`, `leads import --tag` and an imported CSV's tags column. One rule
// for all three, so a tag the CLI refuses cannot come in through a file.

/** The longest tag, in characters: a label for filters and campaigns, not a note. */
export const TAG_MAX_LENGTH = 64;

/**
 * What a tag may not hold: C0 and C1 controls (escape sequences, CR, LF, TAB), DEL, line and paragraph
 * separators, bidi controls, zero-width characters and the BOM. Tags travel into CSV exports, `--tag` filters and
 * campaign filters: an invisible character makes two tags that look the same, an ESC byte sorts before every letter.
 */
const TAG_FORBIDDEN = /[\x00-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff]/;
const TAG_FORBIDDEN_G = new RegExp(TAG_FORBIDDEN.source, 'g');

/** A tag quoted for an error message: forbidden characters as \uXXXX, long ones cut. */
export function showTag(tag: string): string {
  const chars = [...tag];
  const cut = chars.length > 40 ? chars.slice(0, 40).join('') + '…' : tag;
  return `"${cut.replace(TAG_FORBIDDEN_G, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)}"`;
}

/**
 * Tags as written in a cell or on the command line: `hot;lead`, `hot,lead` and `hot|lead` are two tags; trimmed,
 * lower-cased, in Unicode NFC (so `é` typed two ways is one tag), each once.
 */
export function splitTagList(values: string[]): string[] {
  return [...new Set(values.flatMap((v) => v.split(/[;,|]/)).map((t) => t.normalize('NFC').trim().toLowerCase()).filter(Boolean))];
}

/** Why this tag (as splitTagList returns it) cannot be stored, with a hint; null when it can. */
export function tagProblem(tag: string): { message: string; hint: string } | null {
  if (TAG_FORBIDDEN.test(tag)) {
    return {
      message: `tag ${showTag(tag)} holds a control character, escape sequence, line break or invisible character`,
      hint: 'Tags are short labels: letters, digits, spaces and punctuation.',
    };
  }
  const n = [...tag].length;
  if (n > TAG_MAX_LENGTH) return { message: `tag ${showTag(tag)} is ${n} characters long: at most ${TAG_MAX_LENGTH}`, hint: "Tags are short labels; put longer text in the lead's notes." };
  return null;
}
