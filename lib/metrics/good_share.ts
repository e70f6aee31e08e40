/**
 * How many outputs are good? Claim C7 (roughly one in ten translations is good) made
 * measurable with a per-image score (a segmentation accuracy, a classifier's realism
 * probability, a distance to the paired truth): an output counts as good when it scores at
 * least as well as the real images do at their `quantile` on the bad side, so "good" means
 * "no worse than the worst 10% of real images", a bar real data itself clears 90% of the time.
 * The interval is a percentile bootstrap over outputs (lib/stats), seeded.
 *
 * ```ts
 * import { goodShare, histogram } from "./good_share.ts";
 * import { Rng } from "../nn/rng.ts";
 * const real = [0.9, 0.8, 0.85, 0.7, 0.95], fake = [0.5, 0.75, 0.9, 0.2, 0.6];
 * goodShare(fake, real, { better: "higher", rng: new Rng(0) }); // share 0.4 and its 95% CI
 * histogram(fake, 5, [0, 1]); // counts per 0.2-wide bin
 * ```
 * @module
 */
import { percentileInterval, quantileSorted, resampleIndices } from "../stats/bootstrap.ts";
import type { IntSource } from "../stats/bootstrap.ts";
import type { Interval } from "../stats/mod.ts";
import type { Better } from "./direction.ts";

/** Options of {@link goodShare}. */
export interface GoodShareOptions {
  /** Which way the score is better. */
  better: Better;
  /**
   * The share of real images below the bar (default 0.1): the threshold is the real scores'
   * `quantile` quantile when higher is better, their `1 - quantile` quantile when lower is.
   */
  quantile?: number;
  /** Bootstrap resamples of the outputs (default 1000; 0 skips the interval). */
  resamples?: number;
  /** Confidence level of the interval (default 0.95). */
  level?: number;
  /** The seeded source of the resamples (lib/nn/rng.ts `Rng`). */
  rng: IntSource;
}

/** What {@link goodShare} returns. */
export interface GoodShare {
  /** Share of outputs at least as good as `threshold`. */
  share: number;
  /** The bar: the real scores' quantile on the bad side (numpy's linear quantile). */
  threshold: number;
  /** Percentile bootstrap interval of `share` over outputs; null when `resamples` is 0. */
  ci: Interval | null;
  /** Number of outputs. */
  n: number;
}

function checkScores(xs: readonly number[], what: string): void {
  if (xs.length === 0) throw new RangeError(`goodShare: no ${what}`);
  xs.forEach((x, i) => {
    if (!Number.isFinite(x)) {
      throw new RangeError(`goodShare: ${what}[${i}] is ${x}; scores must be finite`);
    }
  });
}

/**
 * Share of outputs that are good (claim C7): with higher-is-better scores, the bar is the
 * `quantile` (0.1) quantile of the real images' scores and an output is good when its score is
 * >= the bar; with lower-is-better scores the bar is the `1 - quantile` quantile and good means
 * <= it. Real images against themselves give about `1 - quantile`; a set better than every real
 * image gives 1, a set worse than the bar 0.
 *
 * The interval resamples the outputs only (the bar stays fixed): it says how much the share
 * could move with another draw of test inputs, not with another draw of real images. It is
 * reproducible from `rng`'s seed. RangeError for an empty or non-finite score list or a
 * quantile outside (0, 1).
 *
 * ```ts
 * import { goodShare } from "./good_share.ts";
 * import { Rng } from "../nn/rng.ts";
 * const real = Array.from({ length: 100 }, (_, i) => i + 1); // 1..100
 * goodShare(real, real, { better: "higher", rng: new Rng(1) }).share; // 0.9 (bar 10.9)
 * ```
 */
export function goodShare(
  fakeScores: readonly number[],
  realScores: readonly number[],
  options: GoodShareOptions,
): GoodShare {
  const q = options.quantile ?? 0.1;
  const resamples = options.resamples ?? 1000;
  if (!(q > 0 && q < 1)) throw new RangeError(`goodShare: quantile must be in (0, 1), got ${q}`);
  if (!Number.isInteger(resamples) || resamples < 0) {
    throw new RangeError(`goodShare: resamples must be a non-negative integer, got ${resamples}`);
  }
  if (options.better !== "higher" && options.better !== "lower") {
    throw new RangeError(`goodShare: better must be "higher" or "lower", got ${options.better}`);
  }
  checkScores(fakeScores, "fake scores");
  checkScores(realScores, "real scores");
  const higher = options.better === "higher";
  const sorted = [...realScores].sort((a, b) => a - b);
  const threshold = quantileSorted(sorted, higher ? q : 1 - q);
  const good = fakeScores.map((s) => (higher ? s >= threshold : s <= threshold) ? 1 : 0);
  const n = good.length;
  const share = good.reduce<number>((s, g) => s + g, 0) / n;
  if (resamples === 0) return { share, threshold, ci: null, n };
  const reps: number[] = [];
  for (let b = 0; b < resamples; b++) {
    const idx = resampleIndices(n, options.rng);
    let s = 0;
    for (const i of idx) s += good[i];
    reps.push(s / n);
  }
  return { share, threshold, ci: percentileInterval(reps, options.level ?? 0.95), n };
}

/** What {@link histogram} returns. */
export interface Histogram {
  /** `bins + 1` bin edges, ascending. */
  edges: number[];
  /** `bins` counts; bin k is [edges[k], edges[k+1]), the last one closed on the right. */
  counts: number[];
}

/**
 * Equal-width histogram, as `numpy.histogram(values, bins, range)`: bins over `range`
 * (default: the values' min and max; a single value v gives [v - 0.5, v + 0.5] as numpy does),
 * half-open except the last, which includes its right edge; values outside the range are not
 * counted. RangeError for a non-positive bin count, a non-finite value, or an empty range.
 *
 * ```ts
 * import { histogram } from "./good_share.ts";
 * histogram([0, 0.1, 0.5, 1], 2, [0, 1]); // { edges: [0, 0.5, 1], counts: [2, 2] }
 * ```
 */
export function histogram(
  values: readonly number[],
  bins: number,
  range?: readonly [number, number],
): Histogram {
  if (!Number.isInteger(bins) || bins < 1) {
    throw new RangeError(`histogram: bins must be a positive integer, got ${bins}`);
  }
  values.forEach((v, i) => {
    if (!Number.isFinite(v)) throw new RangeError(`histogram: values[${i}] is ${v}, not finite`);
  });
  let lo: number, hi: number;
  if (range) {
    [lo, hi] = range;
    if (!(Number.isFinite(lo) && Number.isFinite(hi) && lo < hi)) {
      throw new RangeError(`histogram: range must be finite with lo < hi, got [${lo}, ${hi}]`);
    }
  } else if (values.length === 0) {
    [lo, hi] = [0, 1];
  } else {
    lo = Math.min(...values);
    hi = Math.max(...values);
    if (lo === hi) [lo, hi] = [lo - 0.5, hi + 0.5];
  }
  const width = (hi - lo) / bins;
  const edges = Array.from({ length: bins + 1 }, (_, k) => k === bins ? hi : lo + k * width);
  const counts = new Array<number>(bins).fill(0);
  for (const v of values) {
    if (v < lo || v > hi) continue;
    let k = Math.floor((v - lo) / width);
    if (k >= bins) k = bins - 1;
    // Floating-point division can land a value on the wrong side of an edge; trust the edges.
    while (k > 0 && v < edges[k]) k--;
    while (k < bins - 1 && v >= edges[k + 1]) k++;
    counts[k]++;
  }
  return { edges, counts };
}
