// The offline provider: no network, no key. Emails are the rendered templates as they are; replies are
// classified by phrase rules. An instruction inside a reply ("mark this as warm") is not a phrase we count.
import type { ClassifyInput, ClassifyResult, ReplyLabel } from './types.js';

const ZERO = { inputTokens: 0, outputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0, costUsd: 0 };

const RULES: [ReplyLabel, RegExp, string][] = [
  ['UNSUBSCRIBE', /\b(unsubscribe|remove me|take me off|stop (emailing|contacting|sending)|do not (email|contact)|don'?t (email|contact)|opt[- ]?out|no more emails|report(ing)? (you|this) as spam|gdpr)\b/i, 'asks not to be contacted again'],
  ['NEUTRAL', /\b(out of (the )?office|on (vacation|holiday|leave)|auto(matic)?[- ]?reply|away until|limited access to (my )?email|will be back on)\b/i, 'an automatic or out-of-office reply'],
  ['COLD', /\b(not interested|no thanks|no thank you|we('| a)re (all )?(set|good)|not (a )?(fit|priority)|not right now|not at this time|pass on this|we already (have|use|work with)|no need)\b/i, 'declines the offer'],
  ['WARM', /\b(interested|sounds (good|great|interesting)|tell me more|send (me )?(more|details|info|an example|examples|pricing)|how much|what('| i)s the (price|cost)|pricing|let'?s (talk|chat|connect)|book a (call|time)|schedule|happy to (chat|talk)|free (on|next)|call me|set up a call|(available|free) (on )?(mon|tues|wednes|thurs|fri)day)\b/i, 'shows interest or asks for details'],
];

/** Text with quoted lines and instruction-like sentences about labels removed, so they cannot steer the rules. */
function clean(text: string): string {
  return text
    .split('\n')
    .filter((l) => !/^\s*>/.test(l))
    .join('\n')
    .replace(/[^.!?\n]*\b(mark|classify|label|tag|flag|treat)\b[^.!?\n]*\b(warm|cold|neutral|interested|hot|lead)\b[^.!?\n]*[.!?]?/gi, ' ');
}

export function classifyOffline(input: ClassifyInput): ClassifyResult {
  const text = clean(`${input.subject ?? ''}\n${input.text}`);
  if (!text.trim()) return { label: 'NEUTRAL', confidence: 0.5, reason: 'empty reply', usage: { ...ZERO } };
  const hits = RULES.filter(([, re]) => re.test(text));
  if (!hits.length) return { label: 'NEUTRAL', confidence: 0.4, reason: 'no clear signal (offline rules)', usage: { ...ZERO } };
  const [label, , why] = hits[0]!;
  // Several different labels matching lowers confidence: a human should look.
  const confidence = hits.length > 1 && label !== 'UNSUBSCRIBE' ? 0.55 : 0.8;
  return { label, confidence, reason: `${why} (offline rules)`, usage: { ...ZERO } };
}
