/**
 * The bootstrap over test images: how much a score of one run could move with another draw of
 * test images from the same distribution (Efron and Tibshirani 1993, ch. 13: the percentile
 * interval). It is what a single-seed run can say about its own number; it says nothing about
 * seed-to-seed variation, which only more seeds measure.
 *
 * The random source is passed in (an `Rng` of lib/nn/rng.ts, or anything with `int(n)`), so
 * every interval is reproducible from its seed.
 *
 * ```ts
 * import { bootstrapPValue, percentileInterval, resampleIndices } from "./bootstrap.ts";
 * import { Rng } from "../nn/rng.ts";
 * const x = [0.61, 0.72, 0.55, 0.80, 0.67];
 * const rng = new Rng(0);
 * const means = Array.from({ length: 1000 }, () => {
 *   const idx = resampleIndices(x.length, rng);
 *   return idx.reduce((s, i) => s + x[i], 0) / idx.length;
 * });
 * percentileInterval(means, 0.95); // { lo: ~0.60, hi: ~0.74, level: 0.95 }
 * bootstrapPValue(means.map((m) => m - 0.5)); // share of replicates <= 0 (here ~0.001)
 * ```
 * @module
 */
import type { Interval } from "./mod.ts";

/** A seeded source of uniform integers (lib/nn/rng.ts `Rng` is one). */
export interface IntSource {
  /** A uniform integer in [0, n). */
  int(n: number): number;
}

/** `n` indices drawn uniformly with replacement from [0, n): one bootstrap resample. */
export function resampleIndices(n: number, random: IntSource): Int32Array {
  if (!Number.isInteger(n) || n < 1) {
    throw new RangeError(`resampleIndices: n must be a positive integer, got ${n}`);
  }
  const idx = new Int32Array(n);
  for (let i = 0; i < n; i++) idx[i] = random.int(n);
  return idx;
}

/**
 * The `q` quantile (0..1) of sorted values, linear between order statistics: numpy's default
 * (`method="linear"`, Hyndman and Fan type 7).
 */
export function quantileSorted(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return NaN;
  const h = (sorted.length - 1) * q;
  const lo = Math.floor(h);
  const hi = Math.min(lo + 1, sorted.length - 1);
  return sorted[lo] + (h - lo) * (sorted[hi] - sorted[lo]);
}

/**
 * The percentile interval of bootstrap replicates: their `(1 - level) / 2` and
 * `(1 + level) / 2` quantiles. Non-finite replicates (a PSNR of identical images) are an error:
 * the caller decides what such a score means before resampling it.
 */
export function percentileInterval(replicates: readonly number[], level = 0.95): Interval {
  if (!(level > 0 && level < 1)) {
    throw new RangeError(`percentileInterval: level must be in (0, 1), got ${level}`);
  }
  if (replicates.length === 0) throw new RangeError("percentileInterval: no replicates");
  for (const r of replicates) {
    if (!Number.isFinite(r)) {
      throw new RangeError(`percentileInterval: replicate ${r} is not finite`);
    }
  }
  const sorted = [...replicates].sort((a, b) => a - b);
  return {
    lo: quantileSorted(sorted, (1 - level) / 2),
    hi: quantileSorted(sorted, (1 + level) / 2),
    level,
  };
}

/**
 * One-sided bootstrap p-value that a difference is positive: `(1 + #{d <= 0}) / (B + 1)` over
 * the replicates `d` of the difference (oriented so that positive means better). The `+1`s
 * keep it above 0 with finitely many replicates (Davison and Hinkley 1997, eq. 4.11): with
 * 1000 replicates it is never below 1/1001.
 */
export function bootstrapPValue(differences: readonly number[]): number {
  if (differences.length === 0) throw new RangeError("bootstrapPValue: no replicates");
  let atOrBelow = 0;
  for (const d of differences) if (!(d > 0)) atOrBelow++;
  return (1 + atOrBelow) / (differences.length + 1);
}
