/**
 * Holm's step-down correction for multiple comparisons (S. Holm 1979, "A simple sequentially
 * rejective multiple test procedure", Scand. J. Statist. 6, 65-70).
 *
 * ```ts
 * import { holm } from "./holm.ts";
 * holm([0.01, 0.04, 0.03]); // [0.03, 0.06, 0.06]
 * ```
 * @module
 */

/**
 * Holm-Bonferroni adjusted p-values, in the input order.
 *
 * With the m p-values sorted, p_(1) <= ... <= p_(m), the adjusted value of p_(i) is
 * max_{j <= i} min(1, (m - j + 1) p_(j)): monotone in the p-values and capped at 1. Rejecting
 * every hypothesis whose adjusted p is <= alpha is exactly Holm's procedure at level alpha, which
 * controls the family-wise error rate under any dependence between the tests. Same values as
 * `statsmodels.stats.multitest.multipletests(p, method="holm")[1]` and R's
 * `p.adjust(p, "holm")`.
 *
 * NaN entries (a comparison that could not be made, e.g. a paired test with one seed) stay NaN
 * and are not counted in m, as R's `p.adjust` treats NA. A value outside [0, 1] is a RangeError.
 *
 * ```ts
 * import { holm } from "./holm.ts";
 * // sorted: 0.01 * 3 = 0.03, 0.03 * 2 = 0.06, max(0.06, 0.04 * 1) = 0.06
 * holm([0.01, 0.04, 0.03]); // [0.03, 0.06, 0.06]
 * holm([0.2, NaN, 0.01]); // [0.2, NaN, 0.02]: m = 2
 * ```
 */
export function holm(p: readonly number[]): number[] {
  p.forEach((v, i) => {
    if (!Number.isNaN(v) && !(v >= 0 && v <= 1)) {
      throw new RangeError(
        `cannot adjust p-values: p[${i}] is ${v}, expected a probability in [0, 1] or NaN`,
      );
    }
  });
  const order = p.map((_, i) => i).filter((i) => !Number.isNaN(p[i]));
  // Stable sort; ties get the same adjusted value whatever their order, so the order among
  // them does not matter.
  order.sort((i, j) => p[i] - p[j]);
  const m = order.length;
  const out = p.map(() => NaN);
  let running = 0;
  order.forEach((i, rank) => {
    running = Math.max(running, Math.min(1, (m - rank) * p[i]));
    out[i] = running;
  });
  return out;
}
