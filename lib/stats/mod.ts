/**
 * The project's statistics, in one pure module: no tensors, no I/O, no hidden randomness (the
 * bootstrap takes its generator as an argument). Tables and reports call these functions and
 * never re-derive an interval or a p-value themselves, so every published number is computed one
 * way. Each function is checked against scipy (`tests/stats_test.ts` holds the reference values
 * and the Python lines that made them) and cites the textbook algorithm it follows.
 *
 * | module         | what                                                                     |
 * |----------------|--------------------------------------------------------------------------|
 * | `summary.ts`   | {@link mean}, {@link sampleStd}, {@link tInterval} (t-interval of a mean) |
 * | `paired.ts`    | {@link pairedTTest}: two variants on the same seeds (scipy `ttest_rel`)   |
 * | `holm.ts`      | {@link holm}: Holm-Bonferroni adjusted p-values for a family of tests     |
 * | `power.ts`     | {@link pairedMde}: the smallest difference n seeds detect (exact power)   |
 * | `t.ts`         | Student t cdf and quantile; noncentral t cdf                              |
 * | `normal.ts`    | {@link normalQuantile} (Wichura's AS 241)                                 |
 * | `bootstrap.ts` | resampling test images: percentile intervals and bootstrap p-values      |
 * | `_special.ts`  | private: log-gamma, log-beta, incomplete beta and gamma, normal cdf      |
 *
 * Conventions: a confidence interval is an {@link Interval} with its level; an interval that
 * cannot be computed (fewer than two values) is `null`, not NaN bounds; input data that are not
 * finite (a diverged run's NaN loss) are a RangeError naming the entry, while the distribution
 * functions, like scipy's, return NaN for arguments outside their domain.
 *
 * ```ts
 * import { holm, pairedMde, pairedTTest, tInterval } from "./mod.ts";
 * // FID of two variants on seeds 0..3 (lower is better).
 * const base = [44.0, 41.9, 45.3, 42.2], variant = [41.2, 39.8, 43.1, 40.5];
 * tInterval(variant).ci; // 95% t-interval of the variant's mean FID
 * const test = pairedTTest(variant, base); // meanDiff -2.2, p 0.0023
 * const [pAdjusted] = holm([test.p, 0.04, 0.3]); // one of three comparisons in the table
 * pairedMde(test.sdDiff, test.n); // the smallest true difference 4 seeds detect 80% of the time
 * ```
 * @module
 */
export { type Interval, mean, sampleStd, tInterval, type TSummary } from "./summary.ts";
export { type PairedTest, pairedTTest } from "./paired.ts";
export { holm } from "./holm.ts";
export { pairedMde, type PairedMdeOptions } from "./power.ts";
export { noncentralTCdf, studentTCdf, studentTQuantile } from "./t.ts";
export { normalQuantile } from "./normal.ts";
export * from "./bootstrap.ts";
