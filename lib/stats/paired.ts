/**
 * The paired t-test: two variants run on the same seeds, compared seed by seed.
 *
 * Pairing removes the between-seed variation the two variants share (the same data order, the
 * same initial weights), which is usually most of it; the test then asks whether the mean of
 * the per-seed differences is zero.
 *
 * ```ts
 * import { pairedTTest } from "./paired.ts";
 * const fidA = [41.2, 39.8, 43.1, 40.5], fidB = [44.0, 41.9, 45.3, 42.2]; // seeds 0..3
 * const r = pairedTTest(fidA, fidB); // meanDiff -2.2, t -9.68, p 0.0023
 * ```
 * @module
 */
import { checkFinite, checkLevel, meanInterval } from "./_shared.ts";
import { type Interval, mean, sampleStd } from "./summary.ts";
import { studentTCdf } from "./t.ts";

// The interval type of `PairedTest.ci`, so this file documents on its own too.
export type { Interval };

/** Paired t-test of a - b (a[i] and b[i] share seed i). */
export interface PairedTest {
  /** Number of pairs. */
  n: number;
  /** Mean of the differences a[i] - b[i]. */
  meanDiff: number;
  /** Sample standard deviation of the differences (n - 1 denominator; 0 when n = 1). */
  sdDiff: number;
  /** Two-sided t-interval of the mean difference at the requested level; null when n < 2. */
  ci: Interval | null;
  /** t statistic meanDiff / (sdDiff / sqrt(n)); NaN when n < 2. */
  t: number;
  /** Degrees of freedom, n - 1 (0 when n < 2). */
  df: number;
  /** Two-sided p-value, P(|T| >= |t|) under meanDiff = 0; NaN when n < 2. */
  p: number;
}

/**
 * Paired t-test of `a - b`, where `a[i]` and `b[i]` were measured on the same seed `i`.
 *
 * Statistic, degrees of freedom and two-sided p-value as `scipy.stats.ttest_rel(a, b)`:
 * t = mean(d) / (std(d, ddof=1) / sqrt(n)) with d = a - b, df = n - 1,
 * p = 2 P(T_df > |t|) (computed from the lower tail, so small p keep their digits). `ci` is the
 * t-interval of the mean difference at `level` (default 0.95).
 *
 * Edge cases:
 * - different lengths, non-finite values or a level outside (0, 1): RangeError;
 * - n < 2: `ci` null, `t` and `p` NaN (no spread to test against), `df` 0;
 * - zero spread (every difference equal), where scipy returns t = p = NaN: we return the limit of
 *   the test as the spread goes to 0 instead, so that a report can still rank the comparison.
 *   When every difference is 0 the variants are indistinguishable: t = 0, p = 1. Otherwise the
 *   difference is the same non-zero value on every seed: t = +-Infinity (the sign of meanDiff)
 *   and p = 0. The interval is the point [meanDiff, meanDiff].
 *
 * ```ts
 * import { pairedTTest } from "./paired.ts";
 * // scipy.stats.ttest_rel([1, 2, 3, 4], [1.5, 1.5, 2, 3])
 * //   -> TtestResult(statistic=1.414213562373095, pvalue=0.2522154963555042, df=3)
 * const r = pairedTTest([1, 2, 3, 4], [1.5, 1.5, 2, 3]);
 * r.t; // 1.414213562373095
 * r.p; // 0.2522154963555058
 * ```
 */
export function pairedTTest(
  a: readonly number[],
  b: readonly number[],
  level = 0.95,
): PairedTest {
  const what = "a paired t-test";
  if (a.length !== b.length) {
    throw new RangeError(
      `cannot compute ${what}: a has ${a.length} values and b ${b.length}, ` +
        "expected one per seed in both",
    );
  }
  checkLevel(level, what);
  checkFinite(a, "a", what);
  checkFinite(b, "b", what);
  const d = a.map((x, i) => x - b[i]);
  checkFinite(d, "a - b", what);
  const n = d.length, meanDiff = mean(d), sdDiff = sampleStd(d);
  if (n < 2) return { n, meanDiff, sdDiff, ci: null, t: NaN, df: 0, p: NaN };
  const df = n - 1;
  const ci = meanInterval(meanDiff, sdDiff, n, level);
  if (sdDiff === 0) {
    return meanDiff === 0
      ? { n, meanDiff, sdDiff, ci, t: 0, df, p: 1 }
      : { n, meanDiff, sdDiff, ci, t: Math.sign(meanDiff) * Infinity, df, p: 0 };
  }
  const t = meanDiff / (sdDiff / Math.sqrt(n));
  const p = Math.min(1, 2 * studentTCdf(-Math.abs(t), df));
  return { n, meanDiff, sdDiff, ci, t, df, p };
}
