/**
 * The standard normal quantile, by Wichura's algorithm AS 241 (PPND16).
 *
 * ```ts
 * import { normalQuantile } from "./normal.ts";
 * normalQuantile(0.975); // 1.959963984540054
 * ```
 * @module
 */

// AS 241 coefficients (Wichura 1988, Applied Statistics 37(3), 477-484), lowest degree first:
// numerator and denominator of the rational approximations for |p - 1/2| <= 0.425 (A, B), then
// in r = sqrt(-log(min(p, 1 - p))) for r <= 5 (C, D) and r > 5 (E, F).
const A = [
  3.3871328727963666080,
  1.3314166789178437745e+2,
  1.9715909503065514427e+3,
  1.3731693765509461125e+4,
  4.5921953931549871457e+4,
  6.7265770927008700853e+4,
  3.3430575583588128105e+4,
  2.5090809287301226727e+3,
];
const B = [
  1,
  4.2313330701600911252e+1,
  6.8718700749205790830e+2,
  5.3941960214247511077e+3,
  2.1213794301586595867e+4,
  3.9307895800092710610e+4,
  2.8729085735721942674e+4,
  5.2264952788528545610e+3,
];
const C = [
  1.42343711074968357734,
  4.63033784615654529590,
  5.76949722146069140550,
  3.64784832476320460504,
  1.27045825245236838258,
  2.41780725177450611770e-1,
  2.27238449892691845833e-2,
  7.74545014278341407640e-4,
];
const D = [
  1,
  2.05319162663775882187,
  1.67638483018380384940,
  6.89767334985100004550e-1,
  1.48103976427480074590e-1,
  1.51986665636164571966e-2,
  5.47593808499534494600e-4,
  1.05075007164441684324e-9,
];
const E = [
  6.65790464350110377720,
  5.46378491116411436990,
  1.78482653991729133580,
  2.96560571828504891230e-1,
  2.65321895265761230930e-2,
  1.24266094738807843860e-3,
  2.71155556874348757815e-5,
  2.01033439929228813265e-7,
];
const F = [
  1,
  5.99832206555887937690e-1,
  1.36929880922735805310e-1,
  1.48753612908506148525e-2,
  7.86869131145613259100e-4,
  1.84631831751005468180e-5,
  1.42151175831644588870e-7,
  2.04426310338993978564e-15,
];

/** c[0] + c[1] x + ... by Horner's rule. */
function poly(c: readonly number[], x: number): number {
  let v = 0;
  for (let i = c.length - 1; i >= 0; i--) v = v * x + c[i];
  return v;
}

/**
 * Quantile of the standard normal distribution: the z with Phi(z) = p.
 *
 * Wichura's AS 241 (PPND16), relative accuracy about 1e-16 (the algorithm R's `qnorm` and
 * scipy's `ndtri` agree with to the last bits). The tails are computed from min(p, 1 - p), so
 * small p keeps its relative precision (`normalQuantile(1e-300)` is finite). `p = 0` and `p = 1`
 * give -Infinity and Infinity; p outside [0, 1] or NaN give NaN (scipy's `norm.ppf`).
 *
 * ```ts
 * import { normalQuantile } from "./normal.ts";
 * normalQuantile(0.5); // 0
 * normalQuantile(0.025); // -1.959963984540054
 * ```
 */
export function normalQuantile(p: number): number {
  if (!(p >= 0 && p <= 1)) return NaN;
  if (p === 0) return -Infinity;
  if (p === 1) return Infinity;
  const q = p - 0.5;
  if (Math.abs(q) <= 0.425) {
    const r = 0.180625 - q * q;
    return (q * poly(A, r)) / poly(B, r);
  }
  let r = Math.sqrt(-Math.log(q < 0 ? p : 1 - p));
  let z: number;
  if (r <= 5) {
    r -= 1.6;
    z = poly(C, r) / poly(D, r);
  } else {
    r -= 5;
    z = poly(E, r) / poly(F, r);
  }
  return q < 0 ? -z : z;
}
