// Model prices in USD per million tokens, including prompt-cache writes (5-minute TTL, 1.25x input)
// and cache reads (0.1x input). The Message Batches API bills half of every figure.
// Bedrock model ids ("us.anthropic.claude-sonnet-4-6", "anthropic.claude-haiku-4-5-20251001-v1:0") map to the same family prices.

export interface ModelPrice {
  input: number;
  output: number;
  cacheWrite: number;
  cacheRead: number;
}

export interface TokenUsage {
  inputTokens: number;
  outputTokens: number;
  cacheReadTokens: number;
  cacheWriteTokens: number;
}

const p = (input: number, output: number): ModelPrice => ({
  input,
  output,
  cacheWrite: +(input * 1.25).toFixed(4),
  cacheRead: +(input * 0.1).toFixed(4),
});

/** Families, most specific first: the first pattern found in the model id wins. */
export const MODEL_PRICES: [pattern: string, price: ModelPrice][] = [
  ['opus-4-5', p(5, 25)],
  ['opus-4-6', p(5, 25)],
  ['opus-4-7', p(5, 25)],
  ['opus-4-8', p(5, 25)],
  ['opus-4-1', p(15, 75)],
  ['opus-4', p(15, 75)],
  ['3-opus', p(15, 75)],
  ['sonnet-4', p(3, 15)],
  ['3-7-sonnet', p(3, 15)],
  ['3-5-sonnet', p(3, 15)],
  ['haiku-4', p(1, 5)],
  ['3-5-haiku', p(0.8, 4)],
  ['3-haiku', p(0.25, 1.25)],
];

/** Used for an unknown model id, so cost limits stay on the safe (expensive) side of Sonnet. */
export const FALLBACK_PRICE: ModelPrice = p(3, 15);
export const OFFLINE_PRICE: ModelPrice = { input: 0, output: 0, cacheWrite: 0, cacheRead: 0 };

export function priceFor(model: string | null | undefined, provider?: string): ModelPrice {
  if (provider === 'offline') return OFFLINE_PRICE;
  if (!model) return FALLBACK_PRICE;
  const id = model.toLowerCase();
  for (const [pattern, price] of MODEL_PRICES) if (id.includes(pattern)) return price;
  return FALLBACK_PRICE;
}

/** Cost of one call in USD. `batch`: Message Batches API pricing (50% off). */
export function costUsd(model: string | null | undefined, usage: TokenUsage, opts: { batch?: boolean; provider?: string } = {}): number {
  const pr = priceFor(model, opts.provider);
  const c =
    (usage.inputTokens * pr.input +
      usage.outputTokens * pr.output +
      usage.cacheReadTokens * pr.cacheRead +
      usage.cacheWriteTokens * pr.cacheWrite) /
    1_000_000;
  return Math.round((opts.batch ? c / 2 : c) * 1e8) / 1e8;
}

export const ZERO_USAGE: TokenUsage = { inputTokens: 0, outputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0 };
