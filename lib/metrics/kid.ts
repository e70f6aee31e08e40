/**
 * Kernel distance (KID when the features come from Inception-v3; Binkowski et al. 2018,
 * "Demystifying MMD GANs", section 4): the unbiased estimate of the squared maximum mean
 * discrepancy with the cubic polynomial kernel `k(x, y) = (x.y / d + 1)^3`, averaged over
 * random subsets of both sets.
 *
 * Defaults: 100 subsets of `min(1000, floor(N / 2))` samples of each set, `N = min(N_A, N_B)`,
 * each subset drawn without replacement. clean-fid's `kernel_distance` uses `min(1000, N)`
 * instead, which at N <= 1000 makes every subset of the smaller set the whole set: the "std over
 * subsets" is then ~1e-15 (or only the larger set's draws), not a spread. Half the set keeps the
 * subsets different, so the std is a real spread over subsets; the mean stays an unbiased
 * estimate of the same quantity (averaged over all subset draws, the per-subset estimate equals
 * the full-set one exactly). `subsetSize` sets the size explicitly (clean-fid's choice:
 * `subsetSize: 1000`). Unlike clean-fid (unseeded `np.random.choice`), the subsets come from a
 * seeded {@link Rng}, so the number is reproducible. Mean and standard deviation over the subsets
 * are reported as torchmetrics does (`std(unbiased=False)`), with the subset count and size, so
 * a caller can label the spread ("std over 100 subsets of 50"). Being unbiased, the estimate can
 * be slightly negative when the two distributions are close.
 *
 * ```ts
 * import { kernelDistance } from "./kid.ts";
 * const { mean, std, subsets, subsetSize } = kernelDistance(featuresA, featuresB, { seed: 0 });
 * console.log(`KID ${mean} ± ${std} (std over ${subsets} subsets of ${subsetSize})`);
 * ```
 * @module
 */
import { Rng } from "../nn/rng.ts";
import { type Workspace, workspace } from "./_kernels.ts";
import { checkFeatures, checkSameDims, type FeatureMatrix, MetricError } from "./features.ts";

/** Options of {@link kernelDistance}. */
export interface KidOptions {
  /** Number of subsets (default 100). */
  subsets?: number;
  /**
   * Samples per subset from each set. Default `min(1000, floor(N / 2))` with `N` the smaller
   * set's size, so subsets differ and the std is a spread; an explicit size is capped at `N`
   * (with a warning).
   */
  subsetSize?: number;
  /** Seed of the subset draws (default 0); ignored when `rng` is given. */
  seed?: number;
  /** The generator to draw the subsets from (advanced by the draws). */
  rng?: Rng;
  /**
   * Compute the kernel values between all rows once (true) or per subset (false). Default:
   * once when they fit in 320 MB. The result is the same either way.
   */
  precompute?: boolean;
}

/** A kernel distance: mean and spread over subsets. */
export interface KidResult {
  /** Mean of the per-subset unbiased MMD^2. */
  readonly mean: number;
  /** Population standard deviation of the per-subset values: label it with the two below. */
  readonly std: number;
  /** Number of subsets. */
  readonly subsets: number;
  /** Samples per subset, from each set. */
  readonly subsetSize: number;
  /** The per-subset values. */
  readonly values: Float64Array;
  /** Caveats to show the user (subset size lowered; subsets that are the whole set). */
  readonly warnings: readonly string[];
}

/** Default largest subset size (clean-fid's, torchmetrics'). */
const MAX_SUBSET = 1000;
/**
 * Fewest samples in the smaller set for the default subset size: `floor(N / 2)` must be at
 * least 2, the fewest for which the unbiased estimate (pairs `i != j`) is defined.
 */
export const KID_MIN_SAMPLES = 4;

/** Gram matrices up to this many doubles in total are computed once for all subsets. */
const GRAM_LIMIT = 40_000_000;
/** Rows per matrix-product call. */
const BLOCK = 64;

/** `m` distinct indices below `n`, in random order (a partial Fisher-Yates shuffle). */
function sample(rng: Rng, n: number, m: number): Int32Array {
  const pool = Int32Array.from({ length: n }, (_, i) => i);
  for (let i = 0; i < m; i++) {
    const j = i + rng.int(n - i);
    const t = pool[i];
    pool[i] = pool[j];
    pool[j] = t;
  }
  return pool.slice(0, m);
}

/** Rows `idx` (all rows when omitted) of `f` as float64 in the workspace. */
function gather(ws: Workspace, f: FeatureMatrix, idx?: Int32Array): Float64Array {
  const d = f.cols, n = idx ? idx.length : f.rows;
  const out = ws.f64(n * d);
  for (let i = 0; i < n; i++) {
    const src = (idx ? idx[i] : i) * d;
    for (let c = 0; c < d; c++) out[i * d + c] = f.data[src + c];
  }
  return out;
}

/**
 * `k(x_i, y_j) = (x_i.y_j / d + 1)^3` for all rows of `x` (`nx` x `d`) and `y` (`ny` x `d`),
 * into `out` (`nx` x `ny`).
 */
function polyKernel(
  ws: Workspace,
  x: Float64Array,
  nx: number,
  y: Float64Array,
  ny: number,
  d: number,
  out: Float64Array,
): void {
  for (let i = 0; i < nx; i += BLOCK) {
    ws.kernels.gemmNT(x, i * d, d, Math.min(BLOCK, nx - i), y, 0, d, ny, d, out, i * ny, ny);
  }
  for (let i = 0; i < out.length; i++) out[i] = (out[i] / d + 1) ** 3;
}

/**
 * Unbiased MMD^2 of one subset pair from kernel values: `kxx(i, j)` etc. index the subset
 * positions. `(sum_{i!=j} kxx + sum_{i!=j} kyy) / (m (m - 1)) - 2 sum_{i,j} kxy / m^2`.
 */
function mmd2(
  m: number,
  kxx: (i: number, j: number) => number,
  kyy: (i: number, j: number) => number,
  kxy: (i: number, j: number) => number,
): number {
  let same = 0, cross = 0;
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < i; j++) same += kxx(i, j) + kyy(i, j);
    for (let j = 0; j < m; j++) cross += kxy(i, j);
  }
  return (2 * same) / (m * (m - 1)) - (2 * cross) / (m * m);
}

/**
 * The kernel distance between feature sets `a` and `b` (same dimension, finite, at least
 * {@link KID_MIN_SAMPLES} samples each for the default subset size, at least 2 with an explicit
 * `subsetSize`). Subsets are drawn first (A then B, per subset), so the result depends only on
 * the seed, not on how the kernel values are computed.
 *
 * ```ts
 * kernelDistance(a, b, { seed: 0 }); // 100 subsets of min(1000, floor(N / 2)): { mean, std, ... }
 * kernelDistance(a, b, { subsets: 100, subsetSize: 1000, seed: 0 }); // clean-fid's sizes
 * ```
 */
export function kernelDistance(
  a: FeatureMatrix,
  b: FeatureMatrix,
  options: KidOptions = {},
): KidResult {
  checkSameDims(a, b);
  checkFeatures(a, "set A");
  checkFeatures(b, "set B");
  const subsets = options.subsets ?? 100;
  if (!Number.isInteger(subsets) || subsets < 1) {
    throw new RangeError(`kernelDistance: subsets must be a positive integer, got ${subsets}`);
  }
  const na = a.rows, nb = b.rows, d = a.cols, n = Math.min(na, nb);
  const warnings: string[] = [];
  let m: number;
  if (options.subsetSize === undefined) {
    if (n < KID_MIN_SAMPLES) {
      throw new MetricError(
        `cannot compute KID over subsets: the smaller set has ${n} samples (N_A = ${na}, ` +
          `N_B = ${nb}); at least ${KID_MIN_SAMPLES} are needed for subsets of floor(N / 2) >= 2`,
      );
    }
    m = Math.min(MAX_SUBSET, Math.floor(n / 2));
  } else {
    const wanted = options.subsetSize;
    if (!Number.isInteger(wanted) || wanted < 2) {
      throw new RangeError(`kernelDistance: subsetSize must be an integer >= 2, got ${wanted}`);
    }
    m = Math.min(wanted, n);
    if (m < wanted) {
      warnings.push(`subset size lowered from ${wanted} to ${m}, the size of the smaller set`);
    }
    if (m === na && m === nb && subsets > 1) {
      warnings.push(
        `every subset is the whole of both sets (${m} samples): the std over subsets is 0, ` +
          `not a spread`,
      );
    } else if (m === n && subsets > 1) {
      warnings.push(
        `every subset of set ${m === na ? "A" : "B"} is the whole set (${m} samples): the std ` +
          `over subsets reflects only the draws from the other set`,
      );
    }
  }
  const rng = options.rng ?? new Rng(options.seed ?? 0);
  const draws = Array.from({ length: subsets }, () => [sample(rng, na, m), sample(rng, nb, m)]);
  const values = new Float64Array(subsets);
  if (options.precompute ?? na * na + nb * nb + na * nb <= GRAM_LIMIT) {
    // Kernel values between all rows, once; each subset then only sums.
    const ws = workspace((na + nb) * d + na * na + nb * nb + na * nb, 5);
    const x = gather(ws, a), y = gather(ws, b);
    const kxx = ws.f64(na * na), kyy = ws.f64(nb * nb), kxy = ws.f64(na * nb);
    polyKernel(ws, x, na, x, na, d, kxx);
    polyKernel(ws, y, nb, y, nb, d, kyy);
    polyKernel(ws, x, na, y, nb, d, kxy);
    draws.forEach(([ia, ib], s) => {
      values[s] = mmd2(
        m,
        (i, j) => kxx[ia[i] * na + ia[j]],
        (i, j) => kyy[ib[i] * nb + ib[j]],
        (i, j) => kxy[ia[i] * nb + ib[j]],
      );
    });
  } else {
    // Large sets: kernel values per subset (the same products, so the same numbers).
    draws.forEach(([ia, ib], s) => {
      const ws = workspace(2 * m * d + 3 * m * m, 5);
      const x = gather(ws, a, ia), y = gather(ws, b, ib);
      const kxx = ws.f64(m * m), kyy = ws.f64(m * m), kxy = ws.f64(m * m);
      polyKernel(ws, x, m, x, m, d, kxx);
      polyKernel(ws, y, m, y, m, d, kyy);
      polyKernel(ws, x, m, y, m, d, kxy);
      values[s] = mmd2(
        m,
        (i, j) => kxx[i * m + j],
        (i, j) => kyy[i * m + j],
        (i, j) => kxy[i * m + j],
      );
    });
  }
  let mean = 0;
  for (const v of values) mean += v;
  mean /= subsets;
  let variance = 0;
  for (const v of values) variance += (v - mean) ** 2;
  return { mean, std: Math.sqrt(variance / subsets), subsets, subsetSize: m, values, warnings };
}
