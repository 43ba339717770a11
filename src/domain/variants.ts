// A/B variants: each lead gets one variant of each step, chosen by weight from a hash of the campaign,
// the step and the lead, so the choice is the same on every run and every machine. `draft` records it in
// `assignments` the first time, and later runs read the record (a weight change never moves a lead).
import { createHash } from 'node:crypto';

export interface WeightedVariant {
  label: string;
  weight: number;
}

/** A number in [0, 1) from the key, stable across runs and platforms. */
export function unitHash(key: string): number {
  const h = createHash('sha256').update(key).digest();
  // 48 bits are plenty and exact in a double.
  return h.readUIntBE(0, 6) / 2 ** 48;
}

export function assignmentKey(campaignId: number, stepPosition: number, leadKey: string | number): string {
  return `campaign:${campaignId}/step:${stepPosition}/lead:${leadKey}`;
}

/** Picks a variant by weight (weights ≥ 0; a zero weight is never picked). Variants are ordered by label. */
export function pickVariant<T extends WeightedVariant>(variants: T[], key: string): T {
  const usable = variants.filter((v) => Number.isFinite(v.weight) && v.weight > 0).sort((a, b) => (a.label < b.label ? -1 : a.label > b.label ? 1 : 0));
  if (!usable.length) throw new Error('no variant with a positive weight');
  const total = usable.reduce((s, v) => s + v.weight, 0);
  const u = unitHash(key) * total;
  let acc = 0;
  for (const v of usable) {
    acc += v.weight;
    if (u < acc) return v;
  }
  return usable[usable.length - 1]!;
}

/** Validates a step's variants: unique labels, non-negative weights, at least one positive. */
export function variantProblems(variants: WeightedVariant[]): string[] {
  const problems: string[] = [];
  const labels = new Set<string>();
  for (const v of variants) {
    if (!/^[A-Za-z0-9_-]{1,20}$/.test(v.label)) problems.push(`variant label "${v.label}" must be 1-20 letters, digits, - or _`);
    if (labels.has(v.label)) problems.push(`variant label "${v.label}" is used twice`);
    labels.add(v.label);
    if (!Number.isFinite(v.weight) || v.weight < 0) problems.push(`variant ${v.label}: weight must be a number ≥ 0`);
  }
  if (variants.length && !variants.some((v) => v.weight > 0)) problems.push('at least one variant needs a weight above 0');
  return problems;
}
