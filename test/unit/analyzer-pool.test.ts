// The analysis pool of `inbox sync`: several worker threads give exactly what this thread gives, each answer to
// its own message (results arrive out of order across workers), raw reattached from the main thread's copy.
import { describe, it, expect } from 'vitest';
import { readFileSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Analyzer, defaultWorkers } from '../../src/stages/inbox/analyzer.js';
import { analyzeOffline, type Analyzed } from '../../src/stages/inbox/analyze.js';
import { DEFAULT_LIMITS } from '../../src/stages/inbox/parse.js';

const FIX = resolve(import.meta.dirname, '../fixtures/inbox');
const sources = ['mail', 'hostile', 'replies'].flatMap((d) =>
  readdirSync(join(FIX, d))
    .filter((f) => !f.endsWith('.tsv'))
    .map((f) => readFileSync(join(FIX, d, f))),
);
// The worker does not send the classifier's input back; mailparser dates a message without Date "now".
const norm = (a: Analyzed) => JSON.parse(JSON.stringify({ ...a, p: { ...a.p, input: null } }, (k, v) => (k === 'date' ? undefined : v)));

describe('Analyzer with a pool of workers', () => {
  it('answers each message with its own analysis, as this thread would, with three workers', async () => {
    const analyzer = new Analyzer(DEFAULT_LIMITS, true, 3);
    try {
      expect(analyzer.threads).toBe(3);
      // Far more than one batch (128) per worker, so every worker gets work and answers interleave.
      const many = Array.from({ length: 3 }, () => sources).flat();
      const results = await Promise.all(many.map((s) => analyzer.analyze(s)));
      const locals = await Promise.all(sources.map((s) => analyzeOffline(s)));
      let reattached = 0;
      for (let i = 0; i < many.length; i++) {
        const r = results[i]!;
        const local = locals[i % sources.length]!;
        expect(r.ok, `message ${i}`).toBe(true);
        if (!r.ok) continue;
        expect(norm(r.a)).toEqual(norm(local));
        expect(Buffer.compare(r.a.p.raw, local.p.raw)).toBe(0);
        // A message kept whole comes back as the very buffer it was read into (not a copy made by the worker).
        if (r.a.p.raw === many[i]) reattached++;
      }
      expect(reattached).toBeGreaterThan(many.length / 2);
    } finally {
      await analyzer.close();
    }
  });

  it('falls back to this thread for everything pending when a worker dies', async () => {
    const analyzer = new Analyzer(DEFAULT_LIMITS, true, 2);
    const pending = sources.map((s) => analyzer.analyze(s));
    // Kill one worker while the work is in flight: nothing is lost, every message is still answered.
    await (analyzer as unknown as { workers: { terminate(): Promise<number> }[] }).workers[1]!.terminate();
    const results = await Promise.all(pending);
    expect(results.every((r) => r.ok)).toBe(true);
    expect(analyzer.threads).toBe(0);
    await analyzer.close();
  });

  it('uses one worker per spare core, at least one and at most four', () => {
    expect(defaultWorkers()).toBeGreaterThanOrEqual(1);
    expect(defaultWorkers()).toBeLessThanOrEqual(4);
  });
});
