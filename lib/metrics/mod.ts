/**
 * Evaluation metrics: FID and KID with named feature extractors, paired scores (L1, PSNR,
 * SSIM) and the paper's segmentation scores. Each module cites the reference implementation
 * whose conventions it follows; `README.md` here has the measurements and how to get the
 * Inception weights.
 *
 * | module             | what                                                               |
 * |--------------------|--------------------------------------------------------------------|
 * | `fid.ts`           | Frechet distance: float64 statistics, stable trace of the sqrt      |
 * | `kid.ts`           | kernel distance: unbiased MMD^2, cubic kernel, seeded subsets       |
 * | `linalg.ts`        | pivoted Cholesky, symmetric eigensolver, `Tr((S1 S2)^(1/2))`        |
 * | `extractors/`      | the `extractor` registry: `random-conv-s0`, `scenes-net`, `inception-v3` |
 * | `images.ts`        | image folders and batched feature extraction                        |
 * | `stats_cache.ts`   | real-image features cached by content + extractor + preprocessing  |
 * | `npy.ts`           | NumPy `.npy` feature matrices in and out                            |
 * | `paired.ts`        | L1, PSNR, SSIM for paired test splits                               |
 * | `structure.ts`     | edge SSIM and edge IoU of a translation against its input           |
 * | `color.ts`         | CIE Lab, mean Delta-E and colour-histogram distance to the input    |
 * | `dependence.ts`    | claim C1: output spread vs real images, input recoverability        |
 * | `stability.ts`     | claims C3/C4/C6: loss oscillation, eval roughness, seed spread      |
 * | `good_share.ts`    | claim C7: share of good outputs with a bootstrap CI, histogram      |
 * | `training.ts`      | claims C3/C4/C6: a run's training metrics from its metrics.jsonl    |
 * | `segmentation.ts`  | per-pixel / per-class accuracy and class IoU (Tables 4 and 5)       |
 * | `segmenter.ts`     | `scenes-fcn`, the trained segmenter of the labels -> photo FCN score |
 * | `folders.ts`       | the above over image folders, as the `metrics` command uses them    |
 *
 * Every number from an extractor is labelled with it ({@link metricLabel}), so tables never mix
 * `FID[random-conv-s0]` with `FID[inception-v3]`.
 *
 * ```ts
 * import { createExtractor, extractFeatures, fidOfFeatures, kernelDistance, metricLabel }
 *   from "./mod.ts";
 * const net = await createExtractor("random-conv-s0");
 * const a = await extractFeatures(net, realImages.length, (i) => realImages[i]);
 * const b = await extractFeatures(net, fakeImages.length, (i) => fakeImages[i]);
 * console.log(metricLabel("FID", net.name), fidOfFeatures(a, b).fid);
 * console.log(metricLabel("KID", net.name), kernelDistance(a, b, { seed: 0 }).mean);
 * net.dispose();
 * ```
 * @module
 */
// Types from elsewhere that appear in this module's signatures.
export type { Tensor, Tensor2D, Tensor4D } from "@tensorflow/tfjs-core";
export type { IOHandler } from "@tensorflow/tfjs-core/dist/io/types.d.ts";
export type { ZodType } from "zod";
export type { Pixels } from "../data/pixels.ts";
export { Rng, type RngState } from "../nn/rng.ts";
export { UserError } from "../cli/_errors.ts";
export {
  checkFeatures,
  checkSameDims,
  type FeatureMatrix,
  featureMatrix,
  MetricError,
} from "./features.ts";
export {
  featureStats,
  fidOfFeatures,
  frechetDistance,
  type FrechetOptions,
  type FrechetResult,
  type GaussianStats,
  rankWarning,
} from "./fid.ts";
export { kernelDistance, type KidOptions, type KidResult } from "./kid.ts";
export {
  type CholeskyOptions,
  choleskyPivoted,
  ConvergenceError,
  type PivotedCholesky,
  sqrtmPsd,
  type SymmetricEigen,
  symmetricEigen,
  type SymmetricEigenOptions,
  type TraceSqrt,
  traceSqrtProduct,
} from "./linalg.ts";
export {
  builtinExtractor,
  createExtractor,
  DEFAULT_EXTRACTOR,
  type Extractor,
  extractor,
  EXTRACTOR_NAMES,
  type ExtractorEntry,
  type ExtractorName,
  INCEPTION_ENV,
  type InceptionOptions,
  INPUT_RANGES,
  isExtractorName,
  type LoadedModel,
  loadModelDir,
  metricLabel,
  modelDirHandler,
  RANDOM_CONV_S0,
  randomConvNet,
  type RandomConvSpec,
  resolveExtractorOptions,
  type ScenesNetFeatures,
  segmenterExtractor,
} from "./extractors/mod.ts";
export {
  extractFeatures,
  type ExtractOptions,
  IMAGE_LOADING,
  type ImageFolder,
  readImageFolder,
} from "./images.ts";
export {
  DEFAULT_STATS_CACHE,
  getCachedFeatures,
  putCachedFeatures,
  type StatsCacheOptions,
  statsKey,
  type StatsKeyParts,
} from "./stats_cache.ts";
export { decodeNpy, encodeNpy, type EncodeNpyOptions, type NpyDtype, readNpy } from "./npy.ts";
export { l1, type PairedScores, pairedScores, psnr, ssim } from "./paired.ts";
export { EDGE_QUANTILE, edgeIoU, edgeSsim, sobelMagnitude } from "./structure.ts";
export { COLOR_BINS, colorHistogramDistance, meanDeltaE, srgbToLab } from "./color.ts";
export {
  ConfusionMatrix,
  labelImageScores,
  type SegmentationScores,
  segmentationScores,
} from "./segmentation.ts";
export {
  countSegmenterParams,
  fcnScores,
  loadSegmenter,
  type LoadSegmenterOptions,
  type ParamShape,
  SCENES_FCN,
  SCENES_FCN_WEIGHTS,
  type Segmenter,
  SEGMENTER_NAMES,
  segmenterFromParams,
  segmenters,
  type SegmenterSpec,
} from "./segmenter.ts";
export {
  featuresOfFolder,
  type FolderFeatures,
  type FolderFeaturesOptions,
  type FolderPairs,
  pairedScoresOfFolders,
} from "./folders.ts";
export {
  type Better,
  betterDirection,
  isBetter,
  METRIC_BETTER,
  UNDIRECTED_METRICS,
} from "./direction.ts";
export {
  inputRecoverability,
  meanPairwiseDistance,
  meanPairwiseOf,
  nearestDistances,
  outputSpreadRatio,
  pairwiseDistances,
  type Recoverability,
  recoverabilityScores,
} from "./dependence.ts";
export { TRAINING_METRICS, type TrainingMetricName, trainingMetrics } from "./training.ts";
export {
  acrossSeedSpread,
  countDivergences,
  type Divergences,
  type EvalRecord,
  lossOscillation,
  type LossRecord,
  type MetricsRecord,
  type Oscillation,
  type OscillationOptions,
  parseMetricsJsonl,
  type Roughness,
  type SeedSpread,
  trajectoryRoughness,
} from "./stability.ts";
export {
  type GoodShare,
  goodShare,
  type GoodShareOptions,
  type Histogram,
  histogram,
} from "./good_share.ts";
