/**
 * Does the generator use its input? Claim C1 (the paper's section 5.1.4 ablation: with the GAN
 * loss alone, G maps every input to much the same output, mode collapse) made measurable with
 * two pure scores over feature matrices (one row per image, from any extractor or raw pixels):
 *
 * - {@link outputSpreadRatio}: how diverse the translations are next to real target images
 *   (1 = as diverse as real images, near 0 = collapsed onto a few outputs).
 * - {@link inputRecoverability}: whether each output still identifies its own input, as top-1
 *   nearest-neighbour retrieval among the inputs' keys (chance is 1/N).
 *
 * No tensors: the inputs are {@link FeatureMatrix} values, so the scores are exact and cheap
 * (O(N^2 D)) for the few hundred test images of a split.
 *
 * ```ts
 * import { featureMatrix } from "./features.ts";
 * import { inputRecoverability, outputSpreadRatio } from "./dependence.ts";
 * const real = featureMatrix(new Float64Array([0, 0, 1, 0, 0, 1]), 3, 2);
 * const fake = featureMatrix(new Float64Array([0.5, 0.5, 0.5, 0.5, 0.5, 0.5]), 3, 2);
 * outputSpreadRatio(fake, real); // 0: every output is the same image
 * inputRecoverability(fake, real).accuracy; // 1/3: chance, nothing of the input is left
 * ```
 * @module
 */
import { checkFeatures, checkSameDims, type FeatureMatrix, MetricError } from "./features.ts";

function rowDistance(a: FeatureMatrix, i: number, b: FeatureMatrix, j: number): number {
  const d = a.cols, x = a.data, y = b.data;
  let s = 0;
  for (let c = 0; c < d; c++) {
    const t = x[i * d + c] - y[j * d + c];
    s += t * t;
  }
  return Math.sqrt(s);
}

/**
 * Mean Euclidean distance over all N(N-1)/2 unordered pairs of distinct rows of `f`: the
 * spread of a set of images in feature space. Throws a {@link MetricError} for fewer than two
 * rows or a non-finite feature.
 *
 * ```ts
 * import { featureMatrix } from "./features.ts";
 * import { meanPairwiseDistance } from "./dependence.ts";
 * meanPairwiseDistance(featureMatrix(new Float64Array([0, 0, 3, 4]), 2, 2)); // 5
 * ```
 */
export function meanPairwiseDistance(f: FeatureMatrix, what = "feature set"): number {
  checkFeatures(f, what);
  let s = 0;
  for (let i = 0; i < f.rows; i++) {
    for (let j = i + 1; j < f.rows; j++) s += rowDistance(f, i, f, j);
  }
  return s / (f.rows * (f.rows - 1) / 2);
}

/**
 * Output spread ratio (claim C1): {@link meanPairwiseDistance} of the translations' features
 * divided by that of the real target-domain images' features, in the same feature space.
 * 1 means the outputs are as diverse as real images; near 0 means G maps every input to
 * nearly the same output (mode collapse). It can exceed 1 (noisy outputs are diverse too), so
 * read it with a fidelity score (FID, KID) beside it.
 *
 * Throws a {@link MetricError} when either set has fewer than two rows or non-finite values,
 * when the dimensions differ, or when the real images have no spread (all rows equal).
 *
 * ```ts
 * import { featureMatrix } from "./features.ts";
 * import { outputSpreadRatio } from "./dependence.ts";
 * const real = featureMatrix(new Float64Array([0, 0, 3, 4]), 2, 2);
 * outputSpreadRatio(real, real); // 1
 * ```
 */
export function outputSpreadRatio(
  fakeFeatures: FeatureMatrix,
  realFeatures: FeatureMatrix,
): number {
  checkSameDims(fakeFeatures, realFeatures, ["the translations", "the real images"]);
  const fake = meanPairwiseDistance(fakeFeatures, "the translations");
  const real = meanPairwiseDistance(realFeatures, "the real images");
  if (real === 0) {
    throw new MetricError(
      `the ${realFeatures.rows} real images have identical features (spread 0); ` +
        "a spread ratio needs real images that differ",
    );
  }
  return fake / real;
}

/** What {@link inputRecoverability} returns. */
export interface Recoverability {
  /** Top-1 retrieval accuracy in [0, 1]: the share of outputs whose nearest key is their own. */
  accuracy: number;
  /** What a generator that ignores its input gets on average: 1 / n. */
  chance: number;
  /** Number of input/output pairs. */
  n: number;
}

/**
 * Input recoverability (claim C1) by top-1 nearest-neighbour retrieval. Row i of `outputs` is
 * the feature vector of G(x_i); row i of `keys` is what identifies input i in the same space:
 * the paired ground truth y_i where the split has one (labels -> photo, photo -> map), or x_i
 * itself when input and output share a space (raw pixels of a colour-preserving translation).
 * For each output i the keys are ranked by Euclidean distance to it; output i scores 1 when key
 * i is the unique nearest, 1/t when key i is among t keys tied at the nearest distance (the
 * expected score of a random tie-break, so the result is deterministic), else 0. `accuracy` is
 * the mean score: 1 when every output points back to its own input, and exactly 1/N (`chance`)
 * for a constant generator, whose identical outputs all retrieve the same key.
 *
 * Throws a {@link MetricError} when the two sets differ in size or dimension, have fewer than
 * two rows, or hold a non-finite value.
 *
 * ```ts
 * import { featureMatrix } from "./features.ts";
 * import { inputRecoverability } from "./dependence.ts";
 * const truth = featureMatrix(new Float64Array([0, 0, 10, 0, 0, 10]), 3, 2);
 * const out = featureMatrix(new Float64Array([1, 1, 9, 1, 1, 9]), 3, 2); // near its own truth
 * inputRecoverability(out, truth); // { accuracy: 1, chance: 1/3, n: 3 }
 * ```
 */
export function inputRecoverability(outputs: FeatureMatrix, keys: FeatureMatrix): Recoverability {
  const scores = recoverabilityScores(outputs, keys);
  const n = scores.length;
  return { accuracy: scores.reduce((s, x) => s + x, 0) / n, chance: 1 / n, n };
}

/**
 * The per-output scores behind {@link inputRecoverability} (their mean is its `accuracy`):
 * 1 when output i's nearest key is key i alone, 1/t when key i ties with t - 1 others at the
 * nearest distance, else 0. A bootstrap over test images resamples these (the keys stay the
 * whole set). Same errors as {@link inputRecoverability}.
 *
 * ```ts
 * import { featureMatrix } from "./features.ts";
 * import { recoverabilityScores } from "./dependence.ts";
 * const keys = featureMatrix(new Float64Array([0, 0, 10, 0]), 2, 2);
 * recoverabilityScores(featureMatrix(new Float64Array([9, 0, 1, 0]), 2, 2), keys); // [0, 0]
 * ```
 */
export function recoverabilityScores(outputs: FeatureMatrix, keys: FeatureMatrix): Float64Array {
  checkSameDims(outputs, keys, ["the outputs", "the keys"]);
  if (outputs.rows !== keys.rows) {
    throw new MetricError(
      `${outputs.rows} outputs but ${keys.rows} keys; row i of each must be the same input`,
    );
  }
  checkFeatures(outputs, "the outputs");
  checkFeatures(keys, "the keys");
  const n = outputs.rows;
  const scores = new Float64Array(n);
  const dist = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let best = Infinity;
    for (let j = 0; j < n; j++) {
      dist[j] = rowDistance(outputs, i, keys, j);
      if (dist[j] < best) best = dist[j];
    }
    if (dist[i] !== best) continue;
    let tied = 0;
    for (let j = 0; j < n; j++) if (dist[j] === best) tied++;
    scores[i] = 1 / tied;
  }
  return scores;
}

/**
 * All Euclidean distances between the rows of `f`, as a row-major N x N matrix (zero
 * diagonal): computed once, so that a bootstrap can take {@link meanPairwiseOf} of many
 * resamples in O(N^2) each.
 */
export function pairwiseDistances(f: FeatureMatrix, what = "feature set"): Float64Array {
  checkFeatures(f, what);
  const n = f.rows;
  const d = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) d[i * n + j] = d[j * n + i] = rowDistance(f, i, f, j);
  }
  return d;
}

/**
 * Mean distance over the unordered pairs of positions of `idx` (a bootstrap resample of row
 * indices; a row drawn twice pairs with itself at distance 0, as resampled images would), or
 * over all pairs of rows when `idx` is undefined: {@link meanPairwiseDistance} from a matrix of
 * {@link pairwiseDistances}.
 */
export function meanPairwiseOf(d: Float64Array, n: number, idx?: ArrayLike<number>): number {
  const m = idx ? idx.length : n;
  if (m < 2) throw new MetricError(`a spread needs at least two rows, got ${m}`);
  let s = 0;
  for (let a = 0; a < m; a++) {
    const i = idx ? idx[a] : a;
    for (let b = a + 1; b < m; b++) s += d[i * n + (idx ? idx[b] : b)];
  }
  return s / (m * (m - 1) / 2);
}

/**
 * Distance from each row of `queries` to its nearest row of `refs`; with `leaveOneOut`, row i
 * of `queries` is row i of `refs` and is not its own neighbour (real images against the other
 * real images). The per-image score of the share of good outputs where no segmenter applies:
 * how far a translation is from any real target image in feature space.
 */
export function nearestDistances(
  queries: FeatureMatrix,
  refs: FeatureMatrix,
  leaveOneOut = false,
): Float64Array {
  checkSameDims(queries, refs, ["the queries", "the references"]);
  if (refs.rows < (leaveOneOut ? 2 : 1)) {
    throw new MetricError(`too few reference rows (${refs.rows}) for a nearest distance`);
  }
  const out = new Float64Array(queries.rows);
  for (let i = 0; i < queries.rows; i++) {
    let best = Infinity;
    for (let j = 0; j < refs.rows; j++) {
      if (leaveOneOut && i === j) continue;
      const v = rowDistance(queries, i, refs, j);
      if (v < best) best = v;
    }
    out[i] = best;
  }
  return out;
}
