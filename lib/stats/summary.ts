/**
 * Mean, sample standard deviation and the Student t confidence interval of a mean: what a table
 * cell "mean +- half-width (n seeds)" is made of.
 *
 * ```ts
 * import { tInterval } from "./summary.ts";
 * const s = tInterval([1, 2, 3, 4]); // mean 2.5, std 1.2909944487358056
 * s.ci; // { lo: 0.44573974323948, hi: 4.55426025676052, level: 0.95 }
 * ```
 * @module
 */
import { checkFinite, checkLevel, meanInterval } from "./_shared.ts";

/** Two-sided confidence interval. */
export interface Interval {
  /** Lower end. */
  lo: number;
  /** Upper end. */
  hi: number;
  /** Confidence level, e.g. 0.95. */
  level: number;
}

/**
 * Mean, sample std, n and the t-interval of the mean:
 * mean +- t_{(1+level)/2, n-1} * std / sqrt(n). For n < 2 the interval is null.
 */
export interface TSummary {
  /** Number of values. */
  n: number;
  /** Arithmetic mean (NaN when n = 0). */
  mean: number;
  /** Sample standard deviation, n - 1 denominator (0 when n = 1, NaN when n = 0). */
  std: number;
  /** Two-sided t-interval of the mean; null when n < 2. */
  ci: Interval | null;
}

/**
 * Arithmetic mean; NaN for an empty array.
 *
 * Two passes: the sum's mean, then the mean of the residuals added back (the correction term of
 * the corrected two-pass algorithm of Chan, Golub & LeVeque 1983), which removes most of the
 * rounding of the first pass.
 *
 * ```ts
 * import { mean } from "./summary.ts";
 * mean([1, 2, 3, 4]); // 2.5
 * mean([]); // NaN
 * ```
 */
export function mean(xs: readonly number[]): number {
  const n = xs.length;
  if (n === 0) return NaN;
  let s = 0;
  for (const x of xs) s += x;
  const m = s / n;
  if (!Number.isFinite(m)) return m;
  let c = 0;
  for (const x of xs) c += x - m;
  return m + c / n;
}

/**
 * Sample standard deviation, with the n - 1 (Bessel) denominator as `numpy.std(ddof=1)`; 0 for a
 * single finite value (no spread observed; numpy gives NaN there); NaN for an empty array or
 * when a value is NaN or infinite.
 *
 * The corrected two-pass formula sum((x - m)^2) - (sum(x - m))^2 / n (Chan, Golub & LeVeque
 * 1983), which stays accurate when the spread is tiny next to the mean, unlike sum(x^2) - n m^2.
 *
 * ```ts
 * import { sampleStd } from "./summary.ts";
 * sampleStd([1, 2, 3, 4]); // sqrt(5 / 3) = 1.2909944487358056
 * sampleStd([7]); // 0
 * ```
 */
export function sampleStd(xs: readonly number[]): number {
  const n = xs.length;
  if (n === 0) return NaN;
  const m = mean(xs);
  if (!Number.isFinite(m)) return NaN;
  // Equal values have no spread: say exactly 0, not the ~1e-17 that rounding in m would leave.
  if (xs.every((x) => x === xs[0])) return 0;
  let ss = 0, c = 0;
  for (const x of xs) {
    const d = x - m;
    ss += d * d;
    c += d;
  }
  return Math.sqrt(Math.max(0, (ss - (c * c) / n) / (n - 1)));
}

/**
 * Mean, sample std and the two-sided Student t confidence interval of the mean,
 * mean +- t_{(1+level)/2, n-1} std / sqrt(n) (Student 1908; the interval
 * `scipy.stats.t.interval(level, n - 1, loc=mean, scale=std / sqrt(n))` gives), which assumes
 * the values are independent draws (one per seed) from a roughly normal distribution.
 *
 * For n < 2 `ci` is null: one value carries no spread to build an interval from. When all the
 * values are equal the interval is the single point `[mean, mean]`. Non-finite values are an
 * error (RangeError naming the value): a diverged run must be reported, not averaged.
 *
 * ```ts
 * import { tInterval } from "./summary.ts";
 * // By hand: mean 2.5, std sqrt(5/3) = 1.29099444873581, t_{0.975, 3} = 3.18244630528371,
 * // half-width 3.18244630528371 * 1.29099444873581 / sqrt(4) = 2.05426025676052.
 * tInterval([1, 2, 3, 4]).ci; // { lo: 0.44573974323948, hi: 4.55426025676052, level: 0.95 }
 * tInterval([5]); // { n: 1, mean: 5, std: 0, ci: null }
 * ```
 */
export function tInterval(xs: readonly number[], level = 0.95): TSummary {
  checkLevel(level, "a t-interval");
  checkFinite(xs, "xs", "a t-interval");
  const n = xs.length, m = mean(xs), std = sampleStd(xs);
  return { n, mean: m, std, ci: n < 2 ? null : meanInterval(m, std, n, level) };
}
