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
  checkSameDims(outputs, keys, ["the outputs", "the keys"]);
  if (outputs.rows !== keys.rows) {
    throw new MetricError(
      `${outputs.rows} outputs but ${keys.rows} keys; row i of each must be the same input`,
    );
  }
  checkFeatures(outputs, "the outputs");
  checkFeatures(keys, "the keys");
  const n = outputs.rows;
  let score = 0;
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
    score += 1 / tied;
  }
  return { accuracy: score / n, chance: 1 / n, n };
}
