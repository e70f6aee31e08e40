/**
 * Private special functions behind the distributions: log-gamma, log-beta, the regularized
 * incomplete beta and gamma functions and the normal cdf. Written from the textbook recipes they
 * cite (Numerical Recipes, 3rd ed., sections 6.1, 6.2 and 6.4; R's nmath for `lbeta`) rather than
 * from fitted coefficient tables, so every constant below can be checked by hand.
 * @module
 */

/** ln(sqrt(2 pi)). */
const LN_SQRT_2PI = 0.91893853320467274178;
/** ln(sqrt(pi)) = lnGamma(1/2). */
const LN_SQRT_PI = 0.57236494292470008707;
/** Smallest magnitude a Lentz denominator may take (NR's FPMIN), to avoid dividing by zero. */
const FPMIN = 1e-300;
/** Relative change at which the continued fractions and series stop. */
const EPS = 1e-16;

/**
 * ln Gamma(x) - Stirling's main terms, for x >= 10 (R's `lgammacor`): the asymptotic series
 * 1/(12x) - 1/(360x^3) + 1/(1260x^5) - ..., whose coefficients are B_{2k} / (2k (2k-1)) for the
 * Bernoulli numbers B_2 = 1/6, B_4 = -1/30, ..., B_14 = 7/6. At x = 10 the first omitted term is
 * 3617 / (122400 x^15) < 3e-17.
 */
export function stirlingCorrection(x: number): number {
  const r = 1 / x, r2 = r * r;
  return r *
    (1 / 12 +
      r2 *
        (-1 / 360 +
          r2 * (1 / 1260 + r2 * (-1 / 1680 + r2 * (1 / 1188 + r2 * (-691 / 360360 + r2 / 156))))));
}

/**
 * ln Gamma(x) for x > 0: Stirling's series at x >= 10; below, shifted up by the recurrence
 * Gamma(x + k) = x (x + 1) ... (x + k - 1) Gamma(x) (NR section 6.1's approach, with Stirling
 * instead of Lanczos so no fitted coefficients are needed). Absolute error ~1e-15.
 */
export function lnGamma(x: number): number {
  if (!(x > 0)) return NaN;
  if (x === Infinity) return Infinity;
  if (x >= 10) return (x - 0.5) * Math.log(x) - x + LN_SQRT_2PI + stirlingCorrection(x);
  let prod = 1, z = x;
  while (z < 10) prod *= z++;
  return lnGamma(z) - Math.log(prod);
}

/**
 * ln B(a, b) = ln Gamma(a) + ln Gamma(b) - ln Gamma(a + b), following R's `lbeta`: when an
 * argument is large the three ln Gamma terms are each huge and nearly cancel (df = 1e6 gives
 * ~6e6 each), so Stirling's main terms are cancelled analytically and only the small
 * corrections are subtracted.
 */
export function lnBeta(a: number, b: number): number {
  const p = Math.min(a, b), q = Math.max(a, b);
  if (!(p > 0)) return NaN;
  if (p >= 10) {
    const corr = stirlingCorrection(p) + stirlingCorrection(q) - stirlingCorrection(p + q);
    return -0.5 * Math.log(q) + LN_SQRT_2PI + corr + (p - 0.5) * Math.log(p / (p + q)) +
      q * Math.log1p(-p / (p + q));
  }
  if (q >= 10) {
    const corr = stirlingCorrection(q) - stirlingCorrection(p + q);
    return lnGamma(p) + corr + p - p * Math.log(p + q) + (q - 0.5) * Math.log1p(-p / (p + q));
  }
  return lnGamma(p) + lnGamma(q) - lnGamma(p + q);
}

/**
 * The continued fraction of the incomplete beta function, NR eq. 6.4.5, evaluated by the
 * modified Lentz method (NR `betacf`). It converges fast for x < (a + 1) / (a + b + 2), in
 * O(sqrt(max(a, b))) terms.
 */
function betaContinuedFraction(a: number, b: number, x: number): number {
  const qab = a + b, qap = a + 1, qam = a - 1;
  let c = 1, d = 1 - (qab * x) / qap;
  if (Math.abs(d) < FPMIN) d = FPMIN;
  d = 1 / d;
  let h = d;
  // 100000 terms cover a, b up to ~1e9; callers switch to a normal approximation beyond.
  for (let m = 1; m <= 100000; m++) {
    const m2 = 2 * m;
    let aa = (m * (b - m) * x) / ((qam + m2) * (a + m2));
    d = 1 + aa * d;
    if (Math.abs(d) < FPMIN) d = FPMIN;
    c = 1 + aa / c;
    if (Math.abs(c) < FPMIN) c = FPMIN;
    d = 1 / d;
    h *= d * c;
    aa = (-(a + m) * (qab + m) * x) / ((a + m2) * (qap + m2));
    d = 1 + aa * d;
    if (Math.abs(d) < FPMIN) d = FPMIN;
    c = 1 + aa / c;
    if (Math.abs(c) < FPMIN) c = FPMIN;
    d = 1 / d;
    const del = d * c;
    h *= del;
    if (Math.abs(del - 1) <= EPS) return h;
  }
  return h;
}

/**
 * The logarithms of the regularized incomplete beta function and of its complement,
 * `[ln I_x(a, b), ln(1 - I_x(a, b))]`, each to full relative precision (NR `betai`, which returns
 * only I_x). Logarithms, so that tails below the smallest double still compare correctly (the
 * t quantile at p = 1e-12 and df = 0.05 is -1.1e233; the search for it passes through t whose
 * tails underflow).
 * `y = 1 - x` is passed in because callers know it more accurately than `1 - x` (the t cdf has
 * x = df / (df + t^2) and y = t^2 / (df + t^2)): near x = 1 the difference `1 - x` would lose
 * every digit of y. So may be ln x and ln y, for an x below the smallest double.
 */
export function lnBetaIncPair(
  a: number,
  b: number,
  x: number,
  y: number,
  lnX: number = x < 0.5 ? Math.log(x) : Math.log1p(-y),
  lnY: number = y < 0.5 ? Math.log(y) : Math.log1p(-x),
): [number, number] {
  if (lnX === -Infinity) return [-Infinity, 0];
  if (lnY === -Infinity) return [0, -Infinity];
  const lnFront = a * lnX + b * lnY - lnBeta(a, b);
  // NR: use the fraction directly below the switch point, else through the symmetry
  // I_x(a, b) = 1 - I_y(b, a), so the fraction is always evaluated where it converges fast.
  if (x < (a + 1) / (a + b + 2)) {
    const lnI = lnFront + Math.log(betaContinuedFraction(a, b, x) / a);
    return [lnI, Math.log1p(-Math.exp(lnI))];
  }
  const lnIc = lnFront + Math.log(betaContinuedFraction(b, a, y) / b);
  return [Math.log1p(-Math.exp(lnIc)), lnIc];
}

/**
 * `[P(a, x), Q(a, x)]`, the regularized lower and upper incomplete gamma functions for a = 1/2,
 * the only case needed (the normal cdf): NR's series (`gser`) for x < a + 1 and continued fraction
 * (`gcf`, modified Lentz) above, each returning the part it gets to full relative precision.
 */
function gammaIncHalf(x: number): [number, number] {
  const a = 0.5;
  // x^a e^-x / Gamma(a), with Gamma(1/2) = sqrt(pi).
  const front = Math.exp(-x + a * Math.log(x) - LN_SQRT_PI);
  if (x < a + 1) {
    let ap = a, term = 1 / a, sum = term;
    for (let n = 0; n < 1000; n++) {
      ap += 1;
      term *= x / ap;
      sum += term;
      if (Math.abs(term) < Math.abs(sum) * EPS) break;
    }
    const p = sum * front;
    return [p, 1 - p];
  }
  let b = x + 1 - a, c = 1 / FPMIN, d = 1 / b, h = d;
  for (let i = 1; i < 1000; i++) {
    const an = -i * (i - a);
    b += 2;
    d = an * d + b;
    if (Math.abs(d) < FPMIN) d = FPMIN;
    c = b + an / c;
    if (Math.abs(c) < FPMIN) c = FPMIN;
    d = 1 / d;
    const del = d * c;
    h *= del;
    if (Math.abs(del - 1) <= EPS) break;
  }
  const q = front * h;
  return [1 - q, q];
}

/**
 * The standard normal cdf Phi(z), with full relative precision in the lower tail:
 * Phi(-|z|) = Q(1/2, z^2 / 2) / 2 (A&S 26.2.30 with erfc(u) = Q(1/2, u^2), A&S 7.1.2/6.5.17).
 */
export function normalCdf(z: number): number {
  if (Number.isNaN(z)) return NaN;
  if (z === Infinity) return 1;
  if (z === -Infinity) return 0;
  if (z === 0) return 0.5;
  const [p, q] = gammaIncHalf((z * z) / 2);
  // P(|Z| < |z|) = P(1/2, z^2/2), P(|Z| > |z|) = Q(1/2, z^2/2).
  return z < 0 ? 0.5 * q : 0.5 + 0.5 * p;
}
