// The statistics behind A/B decisions: Wilson score intervals for a rate, Fisher's exact test for a
// 2x2 table (two-sided), and how many more sends a test needs before a difference could be called.
// Pure functions; checked against published values in test/unit/stats.test.ts.

/** Standard normal quantile (Acklam's rational approximation, relative error < 1.15e-9). */
export function normalQuantile(p: number): number {
  if (!(p > 0 && p < 1)) {
    if (p === 0) return -Infinity;
    if (p === 1) return Infinity;
    return NaN;
  }
  const a = [-3.969683028665376e1, 2.209460984245205e2, -2.759285104469687e2, 1.38357751867269e2, -3.066479806614716e1, 2.506628277459239];
  const b = [-5.447609879822406e1, 1.615858368580409e2, -1.556989798598866e2, 6.680131188771972e1, -1.328068155288572e1];
  const c = [-7.784894002430293e-3, -3.223964580411365e-1, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783];
  const d = [7.784695709041462e-3, 3.224671290700398e-1, 2.445134137142996, 3.754408661907416];
  const plow = 0.02425;
  let x: number;
  if (p < plow) {
    const q = Math.sqrt(-2 * Math.log(p));
    x = (((((c[0]! * q + c[1]!) * q + c[2]!) * q + c[3]!) * q + c[4]!) * q + c[5]!) / ((((d[0]! * q + d[1]!) * q + d[2]!) * q + d[3]!) * q + 1);
  } else if (p <= 1 - plow) {
    const q = p - 0.5;
    const r = q * q;
    x = ((((((a[0]! * r + a[1]!) * r + a[2]!) * r + a[3]!) * r + a[4]!) * r + a[5]!) * q) / (((((b[0]! * r + b[1]!) * r + b[2]!) * r + b[3]!) * r + b[4]!) * r + 1);
  } else {
    const q = Math.sqrt(-2 * Math.log(1 - p));
    x = -(((((c[0]! * q + c[1]!) * q + c[2]!) * q + c[3]!) * q + c[4]!) * q + c[5]!) / ((((d[0]! * q + d[1]!) * q + d[2]!) * q + d[3]!) * q + 1);
  }
  return x;
}

export interface Interval {
  low: number;
  high: number;
}

/**
 * Wilson score interval for `successes` out of `trials` (no continuity correction), at `confidence`
 * (default 95%). Zero trials give the uninformative [0, 1].
 */
export function wilsonInterval(successes: number, trials: number, confidence = 0.95): Interval {
  if (!Number.isFinite(trials) || trials <= 0) return { low: 0, high: 1 };
  if (successes < 0 || successes > trials) throw new RangeError(`wilsonInterval: ${successes} successes out of ${trials} trials`);
  const z = normalQuantile(1 - (1 - confidence) / 2);
  const n = trials;
  const p = successes / n;
  const z2 = z * z;
  const denom = 1 + z2 / n;
  const centre = (p + z2 / (2 * n)) / denom;
  const half = (z * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n))) / denom;
  // Clamp tiny floating-point excursions; the exact bounds are 0 at p=0 and 1 at p=1.
  return {
    low: successes === 0 ? 0 : Math.max(0, centre - half),
    high: successes === trials ? 1 : Math.min(1, centre + half),
  };
}

// ln(n!) exactly from a table for small n, Stirling series beyond.
const LOG_FACT_TABLE: number[] = [0];
for (let i = 1; i <= 1024; i++) LOG_FACT_TABLE[i] = LOG_FACT_TABLE[i - 1]! + Math.log(i);

export function logFactorial(n: number): number {
  if (n < 0 || !Number.isInteger(n)) throw new RangeError(`logFactorial(${n})`);
  if (n <= 1024) return LOG_FACT_TABLE[n]!;
  const x = n + 1;
  // ln Γ(x) by Stirling with four correction terms: ample at x > 1000.
  return (x - 0.5) * Math.log(x) - x + 0.5 * Math.log(2 * Math.PI) + 1 / (12 * x) - 1 / (360 * x ** 3) + 1 / (1260 * x ** 5) - 1 / (1680 * x ** 7);
}

function logChoose(n: number, k: number): number {
  return logFactorial(n) - logFactorial(k) - logFactorial(n - k);
}

export interface FisherResult {
  /** Two-sided p-value: the probability of a table at most as likely as the observed one. */
  p: number;
  /** One-sided p-values (a larger, a smaller than observed). */
  greater: number;
  less: number;
  /** Sample odds ratio (a*d)/(b*c); Infinity or NaN at zero cells. */
  oddsRatio: number;
}

/**
 * Fisher's exact test on the 2x2 table
 *     [ a  b ]    e.g. variant A: replied, not replied
 *     [ c  d ]         variant B: replied, not replied
 * Two-sided by the usual rule (R's fisher.test): sum the hypergeometric probabilities of every table
 * with the same margins that is no more likely than the observed one (relative tolerance 1e-7).
 */
export function fisherExact(a: number, b: number, c: number, d: number): FisherResult {
  for (const v of [a, b, c, d]) {
    if (!Number.isInteger(v) || v < 0) throw new RangeError(`fisherExact: cells must be non-negative integers, got ${[a, b, c, d].join(', ')}`);
  }
  const row1 = a + b;
  const row2 = c + d;
  const col1 = a + c;
  const n = row1 + row2;
  const oddsRatio = (a * d) / (b * c);
  if (n === 0 || row1 === 0 || row2 === 0 || col1 === 0 || col1 === n) {
    return { p: 1, greater: 1, less: 1, oddsRatio };
  }
  const lo = Math.max(0, col1 - row2);
  const hi = Math.min(row1, col1);
  const base = logChoose(n, col1);
  const logP = (k: number) => logChoose(row1, k) + logChoose(row2, col1 - k) - base;
  const observed = logP(a);
  // Sum in probability space relative to the mode, so tiny tails neither underflow nor dominate.
  let maxLog = -Infinity;
  const logs: number[] = [];
  for (let k = lo; k <= hi; k++) {
    const l = logP(k);
    logs.push(l);
    if (l > maxLog) maxLog = l;
  }
  let total = 0;
  let two = 0;
  let greater = 0;
  let less = 0;
  const threshold = observed + Math.log1p(1e-7);
  for (let i = 0; i < logs.length; i++) {
    const k = lo + i;
    const w = Math.exp(logs[i]! - maxLog);
    total += w;
    if (logs[i]! <= threshold) two += w;
    if (k >= a) greater += w;
    if (k <= a) less += w;
  }
  const clamp = (x: number) => Math.min(1, Math.max(0, x));
  return { p: clamp(two / total), greater: clamp(greater / total), less: clamp(less / total), oddsRatio };
}

/**
 * Sends per arm a two-proportion test needs to detect the difference between rates p1 and p2
 * (two-sided alpha, given power), by the normal approximation (Fleiss, without continuity correction).
 * Returns Infinity when the rates are equal (no difference to detect).
 */
export function sampleSizePerArm(p1: number, p2: number, alpha = 0.05, power = 0.8): number {
  const diff = Math.abs(p1 - p2);
  if (diff === 0 || !Number.isFinite(diff)) return Infinity;
  const za = normalQuantile(1 - alpha / 2);
  const zb = normalQuantile(power);
  const pbar = (p1 + p2) / 2;
  const num = za * Math.sqrt(2 * pbar * (1 - pbar)) + zb * Math.sqrt(p1 * (1 - p1) + p2 * (1 - p2));
  return Math.ceil((num * num) / (diff * diff));
}

export interface Arm {
  label: string;
  sent: number;
  successes: number;
}

export interface ArmResult extends Arm {
  rate: number;
  low: number;
  high: number;
}

export interface Comparison {
  arms: ArmResult[];
  /** The arm with the highest rate (ties: the first), or null without sends. */
  leader: string | null;
  /** Named only when the leader beats every other arm significantly (Bonferroni-adjusted alpha). */
  winner: string | null;
  /** Largest p-value of the leader against the others (Fisher two-sided); null with fewer than 2 arms. */
  p: number | null;
  alpha: number;
  significant: boolean;
  /** When not significant: further sends (all arms together) the test needs at the observed rates; null if unknown. */
  moreSendsNeeded: number | null;
  /** A sentence for a human. */
  verdict: string;
}

const pct = (x: number) => `${(x * 100).toFixed(1)}%`;

/**
 * Compares arms (variants of one step) on a success rate. The leader is tested against each other arm
 * with Fisher's exact test at alpha / (arms - 1); it is the winner only when every test is significant.
 * Otherwise the verdict says how many more sends (at the rates seen so far, power 80%) could settle it.
 */
export function compareArms(input: Arm[], { alpha = 0.05, confidence = 0.95, power = 0.8, what = 'reply' } = {}): Comparison {
  const arms: ArmResult[] = input.map((a) => {
    const ci = wilsonInterval(a.successes, a.sent, confidence);
    return { ...a, rate: a.sent > 0 ? a.successes / a.sent : 0, low: ci.low, high: ci.high };
  });
  const withSends = arms.filter((a) => a.sent > 0);
  if (arms.length < 2) {
    return {
      arms, leader: withSends[0]?.label ?? null, winner: null, p: null, alpha, significant: false, moreSendsNeeded: null,
      verdict: arms.length === 0 ? 'No variants.' : 'Only one variant: nothing to compare.',
    };
  }
  if (withSends.length === 0) {
    return { arms, leader: null, winner: null, p: null, alpha, significant: false, moreSendsNeeded: null, verdict: 'Nothing sent yet.' };
  }
  let leader = withSends[0]!;
  for (const a of withSends) if (a.rate > leader.rate) leader = a;
  const others = arms.filter((a) => a !== leader);
  const adjAlpha = alpha / others.length;
  let worstP = 0;
  let needed = 0;
  let unknown = false;
  for (const o of others) {
    const p = fisherExact(leader.successes, leader.sent - leader.successes, o.successes, o.sent - o.successes).p;
    worstP = Math.max(worstP, p);
    if (p >= adjAlpha) {
      if (o.sent === 0) {
        // No data on this arm yet: assume the leader's rate to size the first batch is meaningless; ask for sends.
        unknown = true;
        continue;
      }
      const n = sampleSizePerArm(leader.rate, o.rate, adjAlpha, power);
      if (!Number.isFinite(n)) {
        unknown = true;
        continue;
      }
      needed = Math.max(needed, Math.max(0, n - leader.sent) + Math.max(0, n - o.sent));
    }
  }
  const significant = worstP < adjAlpha;
  if (significant) {
    return {
      arms, leader: leader.label, winner: leader.label, p: worstP, alpha, significant, moreSendsNeeded: 0,
      verdict: `${leader.label} wins: ${what} rate ${pct(leader.rate)} (p = ${worstP.toPrecision(2)} < ${+adjAlpha.toPrecision(3)}).`,
    };
  }
  let verdict: string;
  let more: number | null;
  if (unknown && needed === 0) {
    more = null;
    verdict =
      arms.some((a) => a.sent === 0)
        ? `No winner yet: some variants have no sends.`
        : `No winner yet: the ${what} rates are equal so far (${pct(leader.rate)}); keep sending.`;
  } else {
    // Rounded up to a readable figure; it is an estimate at the observed rates, not a promise.
    more = needed > 0 ? needed : null;
    verdict =
      more === null
        ? `No winner yet (p = ${worstP.toPrecision(2)}).`
        : `No winner yet (p = ${worstP.toPrecision(2)}): about ${more} more sends needed to tell ${leader.label} (${pct(leader.rate)}) from the rest at 80% power.`;
  }
  return { arms, leader: leader.label, winner: null, p: worstP, alpha, significant, moreSendsNeeded: more, verdict };
}
