// A/B statistics against published values: Newcombe (1998) for Wilson intervals, R's fisher.test
// examples and Wikipedia's worked example for Fisher's exact test, Fleiss for sample sizes.
import { describe, it, expect } from 'vitest';
import { wilsonInterval, fisherExact, sampleSizePerArm, normalQuantile, compareArms, logFactorial } from '../../src/domain/stats.js';

describe('normalQuantile', () => {
  it.each([
    [0.975, 1.959964],
    [0.95, 1.644854],
    [0.8, 0.841621],
    [0.5, 0],
    [0.01, -2.326348],
    [0.999, 3.090232],
  ])('Φ⁻¹(%s) = %s', (p, z) => {
    expect(normalQuantile(p)).toBeCloseTo(z, 5);
  });
});

describe('wilsonInterval (Newcombe 1998, Table I, method 3)', () => {
  it.each([
    [81, 263, 0.2553, 0.3662],
    [15, 148, 0.0624, 0.1605],
    [0, 20, 0, 0.1611],
    [1, 29, 0.0061, 0.1718],
    [0, 10, 0, 0.2775],
    [10, 10, 0.7225, 1],
  ])('%i/%i → [%s, %s]', (k, n, low, high) => {
    const ci = wilsonInterval(k, n);
    expect(ci.low).toBeCloseTo(low, 4);
    expect(ci.high).toBeCloseTo(high, 4);
  });

  it('is uninformative without trials and rejects impossible counts', () => {
    expect(wilsonInterval(0, 0)).toEqual({ low: 0, high: 1 });
    expect(() => wilsonInterval(5, 3)).toThrow(RangeError);
  });

  it('narrows with more trials at the same rate', () => {
    const a = wilsonInterval(5, 50);
    const b = wilsonInterval(50, 500);
    expect(b.high - b.low).toBeLessThan(a.high - a.low);
  });
});

describe('fisherExact', () => {
  it.each([
    // R: fisher.test(TeaTasting) two-sided
    [3, 1, 1, 3, 0.4857],
    // Wikipedia "Fisher's exact test" worked example (dieting by sex)
    [1, 9, 11, 3, 0.002759],
    // symmetric tables are not significant
    [5, 5, 5, 5, 1],
    [0, 10, 0, 10, 1],
  ])('[[%i,%i],[%i,%i]] two-sided p = %s', (a, b, c, d, p) => {
    expect(fisherExact(a, b, c, d).p).toBeCloseTo(p, 4);
  });

  it('one-sided tails match R (Convictions, alternative = "less": 0.0004652; TeaTasting greater: 0.2429)', () => {
    expect(fisherExact(2, 15, 10, 3).less).toBeCloseTo(0.0004652, 7);
    expect(fisherExact(3, 1, 1, 3).greater).toBeCloseTo(0.2429, 4);
  });

  it('handles large tables without overflow and stays in [0, 1]', () => {
    const r = fisherExact(600, 9400, 500, 9500);
    expect(r.p).toBeGreaterThan(0);
    expect(r.p).toBeLessThan(0.01);
    expect(fisherExact(5000, 5000, 5000, 5000).p).toBeCloseTo(1, 6);
  });

  it('rejects negative or fractional cells', () => {
    expect(() => fisherExact(-1, 1, 1, 1)).toThrow(RangeError);
    expect(() => fisherExact(1.5, 1, 1, 1)).toThrow(RangeError);
  });

  it('logFactorial agrees across the table/Stirling boundary', () => {
    let exact = 0;
    for (let i = 1; i <= 1030; i++) exact += Math.log(i);
    expect(logFactorial(1030)).toBeCloseTo(exact, 6);
  });
});

describe('sampleSizePerArm (Fleiss, no continuity correction)', () => {
  it('10% vs 15% at alpha 0.05, power 0.8 needs 686 per arm', () => {
    expect(sampleSizePerArm(0.1, 0.15)).toBe(686);
  });
  it('is infinite when there is no difference', () => {
    expect(sampleSizePerArm(0.1, 0.1)).toBe(Infinity);
  });
});

describe('compareArms', () => {
  it('names a winner only when the difference is significant', () => {
    const r = compareArms([
      { label: 'A', sent: 400, successes: 60 },
      { label: 'B', sent: 400, successes: 20 },
    ]);
    expect(r.winner).toBe('A');
    expect(r.significant).toBe(true);
    expect(r.p!).toBeLessThan(0.05);
    expect(r.verdict).toMatch(/^A wins/);
  });

  it('says how many more sends are needed otherwise', () => {
    const r = compareArms([
      { label: 'A', sent: 100, successes: 10 },
      { label: 'B', sent: 100, successes: 15 },
    ]);
    expect(r.winner).toBeNull();
    expect(r.leader).toBe('B');
    // 686 per arm at these rates, 100 already sent in each
    expect(r.moreSendsNeeded).toBe(2 * (686 - 100));
    expect(r.verdict).toContain('1172 more sends');
  });

  it('adjusts alpha for several arms (Bonferroni)', () => {
    const r = compareArms([
      { label: 'A', sent: 200, successes: 30 },
      { label: 'B', sent: 200, successes: 16 },
      { label: 'C', sent: 200, successes: 17 },
    ]);
    expect(r.alpha).toBe(0.05);
    // p ≈ 0.04 against B would pass at 0.05 but not at 0.025
    expect(r.winner).toBeNull();
  });

  it('handles no sends, one arm, and equal rates', () => {
    expect(compareArms([{ label: 'A', sent: 0, successes: 0 }, { label: 'B', sent: 0, successes: 0 }]).verdict).toBe('Nothing sent yet.');
    expect(compareArms([{ label: 'A', sent: 10, successes: 1 }]).winner).toBeNull();
    const eq = compareArms([{ label: 'A', sent: 50, successes: 5 }, { label: 'B', sent: 50, successes: 5 }]);
    expect(eq.winner).toBeNull();
    expect(eq.moreSendsNeeded).toBeNull();
    expect(eq.verdict).toMatch(/equal/);
  });

  it('gives each arm a Wilson interval', () => {
    const r = compareArms([{ label: 'A', sent: 263, successes: 81 }, { label: 'B', sent: 148, successes: 15 }]);
    expect(r.arms[0]!.low).toBeCloseTo(0.2553, 4);
    expect(r.arms[1]!.high).toBeCloseTo(0.1605, 4);
  });
});
