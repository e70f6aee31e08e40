/**
 * The Frechet distance between two Gaussians fitted to feature sets: FID when the features come
 * from Inception-v3, `FD[extractor]` in general (Heusel et al. 2017, "GANs trained by a two
 * time-scale update rule...", eq. 6).
 *
 * `d^2 = |mu1 - mu2|^2 + Tr(S1 + S2 - 2 (S1 S2)^(1/2))`, as TTUR's `fid.py` and pytorch-fid's
 * `calculate_frechet_distance` compute it, with their conventions: mean and covariance in
 * float64, the unbiased (N - 1) covariance of `np.cov(rowvar=False)`, and the traces of the
 * original covariances. Their `scipy.linalg.sqrtm` of the non-symmetric product is replaced by
 * the symmetric eigenproblem of `linalg.ts` ({@link traceSqrtProduct}), which needs no complex
 * arithmetic and handles rank-deficient covariances (fewer samples than dimensions) exactly.
 * The references' fallback is kept: if the square root fails (their "product might be
 * almost singular"), 1e-6 I is added to both covariances and the result says so.
 *
 * ```ts
 * import { featureStats, frechetDistance } from "./fid.ts";
 * import { featureMatrix } from "./features.ts";
 * const a = featureMatrix(Float32Array.of(0, 0, 1, 1, 2, 0), 3, 2);
 * const b = featureMatrix(Float32Array.of(1, 0, 2, 1, 3, 0), 3, 2);
 * frechetDistance(featureStats(a), featureStats(b)).fid; // 1: same covariance, means 1 apart
 * ```
 * @module
 */
import { workspace } from "./_kernels.ts";
import { checkFeatures, checkSameDims, type FeatureMatrix, MetricError } from "./features.ts";
import { ConvergenceError, traceSqrtProduct } from "./linalg.ts";

/** Mean and covariance of a feature set, float64. */
export interface GaussianStats {
  /** Number of samples the statistics were computed from. */
  readonly n: number;
  /** Feature dimension `d`. */
  readonly dims: number;
  /** Mean, length `d`. */
  readonly mu: Float64Array;
  /** Unbiased covariance (divided by `n - 1`), `d` x `d` row-major. */
  readonly sigma: Float64Array;
}

/** Rows of the covariance computed per matrix-product call. */
const BLOCK = 64;

/**
 * Mean and unbiased covariance of the rows of `f`, in float64 (two passes: the mean, then the
 * products of centred values, as `np.cov` does). Needs at least 2 finite rows.
 */
export function featureStats(f: FeatureMatrix): GaussianStats {
  checkFeatures(f, "feature set");
  const { rows: n, cols: d, data } = f;
  const mu = new Float64Array(d);
  for (let r = 0; r < n; r++) for (let c = 0; c < d; c++) mu[c] += data[r * d + c];
  for (let c = 0; c < d; c++) mu[c] /= n;
  // Centred features transposed (one row per dimension), so each covariance entry is a dot
  // product of two contiguous rows.
  const ws = workspace(d * n + d * d, 2);
  const xt = ws.f64(d * n);
  for (let r = 0; r < n; r++) for (let c = 0; c < d; c++) xt[c * n + r] = data[r * d + c] - mu[c];
  const cov = ws.f64(d * d);
  for (let i = 0; i < d; i += BLOCK) {
    const rows = Math.min(BLOCK, d - i);
    ws.kernels.gemmNT(xt, i * n, n, rows, xt, 0, n, i + rows, n, cov, i * d, d);
  }
  const sigma = new Float64Array(d * d);
  const scale = 1 / (n - 1);
  for (let i = 0; i < d; i++) {
    for (let j = 0; j <= i; j++) {
      const v = cov[i * d + j] * scale;
      sigma[i * d + j] = v;
      sigma[j * d + i] = v;
    }
  }
  return { n, dims: d, mu, sigma };
}

/** Options of {@link frechetDistance}. */
export interface FrechetOptions {
  /** The diagonal offset of the fallback (default 1e-6, as TTUR and pytorch-fid). */
  eps?: number;
}

/** A Frechet distance and how it was obtained. */
export interface FrechetResult {
  /** The distance `|mu1 - mu2|^2 + Tr(S1 + S2 - 2 (S1 S2)^(1/2))`, at least 0. */
  readonly fid: number;
  /** `|mu1 - mu2|^2`. */
  readonly meanTerm: number;
  /** `Tr(S1 + S2 - 2 (S1 S2)^(1/2))`. */
  readonly covTerm: number;
  /** Sample counts of the two sets. */
  readonly n: readonly [number, number];
  /** Feature dimension. */
  readonly dims: number;
  /** Numerical rank of the first covariance. */
  readonly rank: number;
  /** The diagonal offset that was added to both covariances: 0, or `eps` after a failure. */
  readonly offset: number;
  /** Caveats to show the user (rank-deficient covariance, fallback used). */
  readonly warnings: readonly string[];
}

/**
 * The warning for fewer samples than dimensions (TTUR's README, pytorch-fid #78/#98), or
 * undefined when both sets have at least `dims` samples.
 */
export function rankWarning(nA: number, nB: number, dims: number): string | undefined {
  if (nA >= dims && nB >= dims) return undefined;
  const sets = nA < dims && nB < dims
    ? `sets A and B have N = ${nA} and ${nB} samples`
    : nA < dims
    ? `set A has N = ${nA} samples`
    : `set B has N = ${nB} samples`;
  return `${sets} < D = ${dims} dimensions: the covariance is rank-deficient, so the ` +
    `distance is biased upward and only comparable at the same N; KID is the better number ` +
    `at this size`;
}

/**
 * The Frechet distance between the Gaussians `a` and `b`.
 *
 * ```ts
 * const s = featureStats(featureMatrix(Float32Array.of(0, 1, 2, 4), 4, 1));
 * frechetDistance(s, s).fid; // 0
 * ```
 */
export function frechetDistance(
  a: GaussianStats,
  b: GaussianStats,
  options: FrechetOptions = {},
): FrechetResult {
  if (a.dims !== b.dims) {
    throw new MetricError(`feature dimensions differ: A has ${a.dims}, B has ${b.dims}`);
  }
  const d = a.dims, eps = options.eps ?? 1e-6;
  for (const [name, s] of [["A", a], ["B", b]] as const) {
    if (!s.mu.every(Number.isFinite) || !s.sigma.every(Number.isFinite)) {
      throw new MetricError(`the statistics of set ${name} contain NaN or Inf`);
    }
  }
  const warnings: string[] = [];
  const rank = rankWarning(a.n, b.n, d);
  if (rank) warnings.push(rank);
  let meanTerm = 0, tr1 = 0, tr2 = 0;
  for (let i = 0; i < d; i++) {
    meanTerm += (a.mu[i] - b.mu[i]) ** 2;
    tr1 += a.sigma[i * d + i];
    tr2 += b.sigma[i * d + i];
  }
  let offset = 0;
  let root: { value: number; rank: number } | undefined;
  try {
    root = traceSqrtProduct(a.sigma, b.sigma, d);
    if (!Number.isFinite(root.value)) root = undefined;
  } catch (e) {
    if (!(e instanceof ConvergenceError)) throw e;
  }
  if (!root) {
    offset = eps;
    warnings.push(
      `the square root of S1 S2 failed (product almost singular?); added ${eps} I to both ` +
        `covariances, as the reference implementations do`,
    );
    const s1 = Float64Array.from(a.sigma), s2 = Float64Array.from(b.sigma);
    for (let i = 0; i < d; i++) {
      s1[i * d + i] += eps;
      s2[i * d + i] += eps;
    }
    root = traceSqrtProduct(s1, s2, d);
    if (!Number.isFinite(root.value)) {
      throw new MetricError("the Frechet distance is not finite even with the 1e-6 I offset");
    }
  }
  const covTerm = tr1 + tr2 - 2 * root.value;
  // The exact value is >= 0; a negative result is rounding in two nearly equal terms.
  return {
    fid: Math.max(0, meanTerm + covTerm),
    meanTerm,
    covTerm,
    n: [a.n, b.n],
    dims: d,
    rank: root.rank,
    offset,
    warnings,
  };
}

/**
 * The Frechet distance between two feature sets: checks them (at least 2 samples each, finite,
 * same dimension), fits the Gaussians and compares them.
 *
 * ```ts
 * fidOfFeatures(featuresA, featuresB).fid;
 * ```
 */
export function fidOfFeatures(
  a: FeatureMatrix,
  b: FeatureMatrix,
  options: FrechetOptions = {},
): FrechetResult {
  checkSameDims(a, b);
  checkFeatures(a, "set A");
  checkFeatures(b, "set B");
  return frechetDistance(featureStats(a), featureStats(b), options);
}
