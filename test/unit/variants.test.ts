import { describe, it, expect } from 'vitest';
import { pickVariant, unitHash, assignmentKey, variantProblems } from '../../src/domain/variants.js';

describe('pickVariant', () => {
  const vs = [{ label: 'B', weight: 1 }, { label: 'A', weight: 3 }];
  it('is deterministic for a key', () => {
    for (let i = 0; i < 50; i++) {
      const k = assignmentKey(1, 1, `shop${i}.com`);
      expect(pickVariant(vs, k)).toBe(pickVariant([...vs].reverse(), k));
    }
  });
  it('follows the weights over many leads', () => {
    const n = 4000;
    let a = 0;
    for (let i = 0; i < n; i++) if (pickVariant(vs, assignmentKey(7, 1, i)).label === 'A') a++;
    expect(a / n).toBeGreaterThan(0.72);
    expect(a / n).toBeLessThan(0.78);
  });
  it('never picks a zero weight, and needs one positive weight', () => {
    for (let i = 0; i < 200; i++) expect(pickVariant([{ label: 'A', weight: 0 }, { label: 'B', weight: 2 }], `k${i}`).label).toBe('B');
    expect(() => pickVariant([{ label: 'A', weight: 0 }], 'k')).toThrow(/positive weight/);
  });
  it('steps and campaigns are independent draws', () => {
    const same = Array.from({ length: 200 }, (_, i) => pickVariant(vs, assignmentKey(1, 1, i)).label === pickVariant(vs, assignmentKey(1, 2, i)).label).filter(Boolean).length;
    expect(same).toBeLessThan(190);
  });
  it('unitHash is in [0,1) and stable', () => {
    expect(unitHash('x')).toBe(unitHash('x'));
    expect(unitHash('x')).toBeGreaterThanOrEqual(0);
    expect(unitHash('x')).toBeLessThan(1);
  });
  it.each([
    [[{ label: 'A', weight: 1 }, { label: 'A', weight: 1 }], /used twice/],
    [[{ label: 'A', weight: -1 }], /≥ 0/],
    [[{ label: 'A', weight: 0 }], /above 0/],
    [[{ label: 'A B', weight: 1 }], /letters/],
  ])('variantProblems %j', (v, re) => {
    expect(variantProblems(v).join('\n')).toMatch(re);
  });
});
