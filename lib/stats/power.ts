/**
 * Power of the paired t-test: the minimum detectable effect (MDE) for a given number of seeds,
 * the number a pre-registered claim states before the runs ("with 5 seeds and the spread of the
 * pilot, a true difference of 1.3 FID is detected 80% of the time; smaller ones may be missed").
 *
 * ```ts
 * import { pairedMde } from "./power.ts";
 * pairedMde(1.0, 5); // 1.682: 5 seeds detect a mean difference of 1.68 sd with power 0.8
 * ```
 * @module
 */
import { noncentralTCdf, studentTQuantile } from "./t.ts";

/** Options of {@link pairedMde}. */
export interface PairedMdeOptions {
  /** Two-sided significance level of the test, in (0, 1); default 0.05. */
  alpha?: number;
  /** Probability of detecting the effect, in (0, 1); default 0.8. */
  power?: number;
}

/**
 * Power of the two-sided paired t-test at noncentrality `nc`: P(|T'| > tCrit) with T' noncentral
 * t with `df` degrees of freedom (the exact power, as G*Power and R's `power.t.test(type =
 * "paired", strict = TRUE)` compute it, counting rejections in the wrong direction too).
 */
function twoSidedPower(nc: number, df: number, tCrit: number): number {
  return 1 - noncentralTCdf(tCrit, df, nc) + noncentralTCdf(-tCrit, df, nc);
}

/**
 * Smallest true mean difference a two-sided paired t-test at `alpha` detects with probability
 * `power`, given the sd of the differences and n pairs: exact, with the noncentral t
 * distribution (power = P(|T'| > t_crit) with noncentrality delta*sqrt(n)/sd), solved for delta.
 * NaN for n < 2 or non-finite sd; 0 when sd == 0.
 *
 * Here t_crit = t_{1 - alpha/2, n - 1} and T' has n - 1 degrees of freedom, as in R's
 * `power.t.test(n, sd = sdDiff, sig.level = alpha, power, type = "paired", strict = TRUE)$delta`.
 * The power grows with delta, so the root is found by bisection on the noncentrality to ~1e-12
 * relative. Defaults: alpha 0.05, power 0.8. When `power <= alpha` the answer is 0 (the test
 * rejects with probability alpha even when there is no difference). A non-integer n, a negative
 * sd, or alpha or power outside (0, 1) are RangeErrors.
 *
 * ```ts
 * import { pairedMde } from "./power.ts";
 * pairedMde(2.0, 10); // 1.992, in the units of sdDiff
 * pairedMde(2.0, 10, { alpha: 0.01, power: 0.9 }); // larger: a stricter test, a surer detection
 * pairedMde(2.0, 1); // NaN: one pair has no spread to test against
 * ```
 */
export function pairedMde(sdDiff: number, n: number, options: PairedMdeOptions = {}): number {
  const { alpha = 0.05, power = 0.8 } = options;
  const what = "the minimum detectable effect";
  if (!(alpha > 0 && alpha < 1)) {
    throw new RangeError(`cannot compute ${what}: alpha is ${alpha}, expected 0 < alpha < 1`);
  }
  if (!(power > 0 && power < 1)) {
    throw new RangeError(`cannot compute ${what}: power is ${power}, expected 0 < power < 1`);
  }
  if (Number.isNaN(n) || n < 2) return NaN;
  if (!Number.isInteger(n)) {
    throw new RangeError(`cannot compute ${what}: n is ${n}, expected a whole number of pairs`);
  }
  if (!Number.isFinite(sdDiff)) return NaN;
  if (sdDiff < 0) {
    throw new RangeError(`cannot compute ${what}: sdDiff is ${sdDiff}, expected sdDiff >= 0`);
  }
  if (sdDiff === 0 || power <= alpha) return 0;
  const df = n - 1;
  const tCrit = studentTQuantile(1 - alpha / 2, df);
  // Bracket the noncentrality: power(0) = alpha < power; double from the normal-theory guess
  // (z_{1-alpha/2} + z_power ~ tCrit + 1) until power(hi) >= power.
  let lo = 0, hi = Math.max(1, tCrit + 1);
  while (twoSidedPower(hi, df, tCrit) < power) {
    lo = hi;
    hi *= 2;
  }
  while (hi - lo > 1e-12 * hi) {
    const mid = 0.5 * (lo + hi);
    if (twoSidedPower(mid, df, tCrit) < power) lo = mid;
    else hi = mid;
  }
  return (0.5 * (lo + hi) * sdDiff) / Math.sqrt(n);
}
