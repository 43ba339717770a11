import { describe, it, expect } from 'vitest';
import { costUsd, priceFor } from '../../src/domain/pricing.js';

describe('pricing', () => {
  it.each([
    ['claude-sonnet-4-6', 3, 15],
    ['us.anthropic.claude-sonnet-4-6-20250929-v1:0', 3, 15],
    ['claude-haiku-4-5', 1, 5],
    ['claude-3-5-haiku-latest', 0.8, 4],
    ['claude-opus-4-1', 15, 75],
    ['claude-opus-4-5', 5, 25],
    ['something-new', 3, 15],
  ])('%s costs %d/%d per million', (m, i, o) => {
    expect(priceFor(m)).toMatchObject({ input: i, output: o, cacheRead: +(i * 0.1).toFixed(4), cacheWrite: +(i * 1.25).toFixed(4) });
  });
  it('adds input, output, cache reads and writes; batches are half price; offline is free', () => {
    const u = { inputTokens: 1_000_000, outputTokens: 1_000_000, cacheReadTokens: 1_000_000, cacheWriteTokens: 1_000_000 };
    expect(costUsd('claude-sonnet-4-6', u)).toBeCloseTo(3 + 15 + 0.3 + 3.75, 6);
    expect(costUsd('claude-sonnet-4-6', u, { batch: true })).toBeCloseTo((3 + 15 + 0.3 + 3.75) / 2, 6);
    expect(costUsd('x', u, { provider: 'offline' })).toBe(0);
  });
});
