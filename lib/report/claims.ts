/**
 * The claims section of a report: each claim of the sweep file (lib/sweep/claims.ts), its
 * predictions as stated before the runs, what was measured, and a verdict by a fixed rule
 * ({@link VERDICT_RULE}), from the completed runs' final evaluations and training records.
 *
 * - A comparison (`higher: X than: Y`) pairs X and Y by seed: the effect is the mean of
 *   X - Y over the seeds both completed, with its t-interval and the paired t-test's p-value.
 * - A level (`variant: X below: b`) takes X's mean over seeds, its t-interval and the p-value
 *   of a one-sample t-test against the bound (`between: [lo, hi]`: against both bounds, the
 *   larger p when the mean lies inside, else against the bound it passed).
 * - Holm's adjustment runs over the predictions of one claim.
 *
 * ```ts
 * import { claimResults } from "./claims.ts";
 * const results = claimResults(runs, claims); // [{ id: "C6", verdict: "inconclusive", ... }]
 * ```
 * @module
 */
import { holm, type Interval, mean, pairedMde, pairedTTest, tInterval } from "../stats/mod.ts";
import type { Claim, Prediction } from "../sweep/claims.ts";
import { parseMetricName, type RunRecord } from "./runs.ts";

/** Significance level of the verdicts (after Holm's adjustment within a claim). */
export const CLAIM_ALPHA = 0.05;

/** A verdict. */
export type Verdict = "supported" | "contradicted" | "inconclusive";

/** The rule, as the report prints it. */
export const VERDICT_RULE: string =
  "Verdict rule, fixed before the runs: each prediction gets a p-value (a comparison: the " +
  "paired t-test over seeds of the difference between the two variants; a level: the " +
  "one-sample t-test of the variant's mean against the stated bound, for a range against " +
  "both bounds) and the p-values of one claim are Holm-adjusted. A prediction is " +
  `**supported** when its adjusted p < ${CLAIM_ALPHA} and the effect lies on the predicted ` +
  `side, **contradicted** when its adjusted p < ${CLAIM_ALPHA} and the effect lies on the other ` +
  "side, and **inconclusive** otherwise (then `MDE` says the smallest difference the seeds " +
  "could have detected with 80 % power). A claim is supported when every prediction is, " +
  "contradicted when at least one is, and inconclusive at this budget otherwise.";

/** What one prediction measured. */
export interface PredictionResult {
  /** The prediction as given. */
  prediction: Prediction;
  /** The prediction in words (`cyclegan > vanilla on train GAN grad norm`). */
  text: string;
  /** The report column of the metric, or null when no completed run recorded it. */
  column: string | null;
  /** Comparison: mean difference (first - second); level: the variant's mean. NaN: no data. */
  effect: number;
  /** Its 95 % t-interval; null below 2 seeds. */
  ci: Interval | null;
  /** Seeds used (paired seeds for a comparison). */
  n: number;
  /** The p-value (see the module doc); NaN below 2 seeds. */
  p: number;
  /** Holm-adjusted within the claim. */
  pHolm: number;
  /** Smallest effect detectable at 80 % power with these seeds (NaN when not computable). */
  mde: number;
  /** The verdict of the rule. */
  verdict: Verdict;
}

/** A claim and its verdict. */
export interface ClaimResult {
  /** The claim as given. */
  claim: Claim;
  /** Per prediction. */
  predictions: PredictionResult[];
  /** Supported when all are, contradicted when one is, else inconclusive. */
  verdict: Verdict;
}

/** The report column holding `spec` (`AtoB.fid`, `train.d_osc`) among the runs' metrics. */
export function claimColumn(spec: string, runs: readonly RunRecord[]): string | null {
  const dot = spec.indexOf(".");
  const direction = spec.slice(0, dot), raw = spec.slice(dot + 1);
  for (const r of runs) {
    for (const m of Object.keys(r.metrics)) {
      const p = parseMetricName(m);
      if (p.direction === direction && p.metric === raw) return m;
    }
  }
  return null;
}

function variantName(r: RunRecord): string {
  return "variant" in r.axes ? String(r.axes.variant) : r.variant;
}

/** Completed runs of a variant: seed -> value of `column` (finite values only). */
function bySeed(runs: readonly RunRecord[], variant: string, column: string): Map<number, number> {
  const out = new Map<number, number>();
  for (const r of runs) {
    if (r.status !== "completed" || variantName(r) !== variant) continue;
    const v = r.metrics[column];
    if (typeof v === "number" && Number.isFinite(v)) out.set(r.seed, v);
  }
  return out;
}

function describe(p: Prediction): string {
  if (p.higher !== undefined) return `${p.higher} > ${p.than} on ${p.metric}`;
  if (p.lower !== undefined) return `${p.lower} < ${p.than} on ${p.metric}`;
  if (p.above !== undefined) return `${p.variant} > ${p.above} on ${p.metric}`;
  if (p.below !== undefined) return `${p.variant} < ${p.below} on ${p.metric}`;
  return `${p.variant} in [${p.between![0]}, ${p.between![1]}] on ${p.metric}`;
}

/** One-sample t-test of `xs` against `mu`: the paired test of xs against a constant. */
function oneSample(xs: number[], mu: number) {
  return pairedTTest(xs, xs.map(() => mu));
}

/** Measures one prediction; `side` +1: the data lie on the predicted side, -1 the other, 0 n/a. */
function measure(
  p: Prediction,
  runs: readonly RunRecord[],
): Omit<PredictionResult, "pHolm" | "verdict"> & { side: number } {
  const text = describe(p);
  const column = claimColumn(p.metric, runs);
  const none = { prediction: p, text, column, effect: NaN, ci: null, n: 0, p: NaN, mde: NaN };
  if (column === null) return { ...none, side: 0 };
  if (p.than !== undefined) {
    const first = bySeed(runs, (p.higher ?? p.lower)!, column);
    const second = bySeed(runs, p.than, column);
    const seeds = [...first.keys()].filter((s) => second.has(s)).sort((a, b) => a - b);
    const a = seeds.map((s) => first.get(s)!), b = seeds.map((s) => second.get(s)!);
    if (seeds.length === 0) return { ...none, side: 0 };
    const t = pairedTTest(a, b);
    const sign = p.higher !== undefined ? 1 : -1;
    return {
      ...none,
      effect: t.meanDiff,
      ci: t.ci,
      n: t.n,
      p: t.p,
      mde: t.n >= 2 && t.sdDiff > 0 ? pairedMde(t.sdDiff, t.n) : NaN,
      side: Math.sign(t.meanDiff) * sign,
    };
  }
  const xs = [...bySeed(runs, p.variant!, column).values()];
  if (xs.length === 0) return { ...none, side: 0 };
  const s = tInterval(xs);
  const m = mean(xs);
  const mde = xs.length >= 2 && s.std > 0 ? pairedMde(s.std, xs.length) : NaN;
  const base = { ...none, effect: m, ci: s.ci, n: xs.length, mde };
  if (p.below !== undefined || p.above !== undefined) {
    const bound = (p.below ?? p.above)!;
    const sign = p.below !== undefined ? -1 : 1;
    return { ...base, p: oneSample(xs, bound).p, side: Math.sign(m - bound) * sign };
  }
  const [lo, hi] = p.between!;
  if (m >= lo && m <= hi) {
    const pv = Math.max(oneSample(xs, lo).p, oneSample(xs, hi).p);
    return { ...base, p: pv, side: 1 };
  }
  return { ...base, p: oneSample(xs, m < lo ? lo : hi).p, side: -1 };
}

/** Every claim's predictions measured and decided by {@link VERDICT_RULE}. */
export function claimResults(runs: readonly RunRecord[], claims: readonly Claim[]): ClaimResult[] {
  return claims.map((claim) => {
    const measured = claim.predictions.map((p) => measure(p, runs));
    const finite = measured.map((m, i) => [m.p, i] as const).filter(([p]) => Number.isFinite(p));
    const adjusted = holm(finite.map(([p]) => p));
    const pHolm = measured.map(() => NaN);
    finite.forEach(([, i], k) => pHolm[i] = adjusted[k]);
    const predictions: PredictionResult[] = measured.map(({ side, ...m }, i) => ({
      ...m,
      pHolm: pHolm[i],
      verdict: pHolm[i] < CLAIM_ALPHA && side !== 0
        ? (side > 0 ? "supported" : "contradicted")
        : "inconclusive",
    }));
    const verdict: Verdict = predictions.some((p) => p.verdict === "contradicted")
      ? "contradicted"
      : predictions.every((p) => p.verdict === "supported")
      ? "supported"
      : "inconclusive";
    return { claim, predictions, verdict };
  });
}
