/**
 * A run's final evaluation: translate the test split with both generators and score the
 * translations with lib/metrics.
 *
 * | metric | what (per direction)                                                           |
 * |--------|--------------------------------------------------------------------------------|
 * | `l1`   | mean absolute error against the paired ground truth, 8-bit units (0-255)       |
 * | `psnr` | PSNR in dB against the paired ground truth                                     |
 * | `ssim` | SSIM against the paired ground truth                                           |
 * | `fid`  | FID between the translations and the real target images, `extractor` features  |
 * | `kid`  | KID on the same features: mean, and `kid_std` over 100 subsets of             |
 * |        | min(1000, floor(N/2)) images (seed 0); N < 4: whole sets, `kid_std` null      |
 * | `seg`  | the paper's segmentation scores (Tables 4 and 5; `scenes` only): per-pixel and    |
 * |        | per-class accuracy and class IoU. `BtoA` (photo -> labels): F(photo) snapped to |
 * |        | the palette. `AtoB` (labels -> photo): the FCN score, G(labels) segmented by the |
 * |        | `segmenter` and scored against the input labels; beside it `real_*`, the same  |
 * |        | segmenter on the real test photos (the upper bound, the "ground truth" row)    |
 * | `structure` | opt-in: `edge_ssim`, `edge_iou` of each translation against its INPUT |
 * |        | (lib/metrics/structure.ts; higher = more of the input's edges kept)            |
 * | `color` | opt-in: `delta_e` (mean CIE76 Delta-E), `color_hist` (8x8x8 RGB histogram,   |
 * |        | total variation) against the INPUT (lib/metrics/color.ts; lower = colours kept) |
 * | `dependence` | opt-in (claim C1): `spread`, mean pairwise feature distance of the          |
 * |        | translations / that of the real target images (near 0 = collapsed), and on a    |
 * |        | paired split `recover`, top-1 retrieval of each translation's own ground truth  |
 * |        | among all of them in feature space (chance 1/N) (lib/metrics/dependence.ts)    |
 * | `good` | opt-in (claim C7): `good_share`, the share of translations at least as good as  |
 * |        | the worst 10 % of real test images on a per-image score: the FCN per-pixel      |
 * |        | accuracy for labels -> photo on `scenes`, else the feature distance to the      |
 * |        | nearest real target image (real images: to the nearest other one); the per-image |
 * |        | distributions are recorded as histograms (`good`) (lib/metrics/good_share.ts)  |
 * | `layout` | opt-in (claim C3, `scenes` only): per-pixel agreement of the input's and the   |
 * |        | output's layouts, a label map's own classes or a photo's through the segmenter |
 * | `stability` | opt-in (claims C3, C4, C6): recorded under `train` by the sweep runner from |
 * |        | the run's own metrics.jsonl (lib/metrics/training.ts); nothing here            |
 *
 * `structure` and `color` measure what the translation keeps of its input (the claims that
 * ResNet generators keep geometry and that the identity loss keeps colours), so they need no
 * paired split, and the identity floor scores perfectly on them by construction.
 *
 * Paired metrics need a paired test split (`scenes` is paired by construction). FID and KID
 * compare the translations of test A with the real test B images (and the reverse), as the
 * paper's Table 5 style evaluations do; they are labelled with the extractor
 * (`FID[scenes-net]`), so numbers from different extractors are never mixed. The default
 * extractor, `auto`, is the dataset's built-in one: `scenes-net` (trained on the `scenes`
 * photos) for `scenes`, `random-conv-s0` otherwise (measured in lib/metrics/README.md). The FCN
 * score names its segmenter in the record (`segmenter: "scenes-fcn@v1"`).
 *
 * Floors and intervals (the final evaluation of a sweep run asks for them): the same metrics on
 * the same images for the identity translation (output = input) and for the run's generators
 * at step 0 (`floors.untrained`, lib/train/loop.ts `initialGenerators`), so that a run that
 * learned nothing shows as such; percentile intervals from a seeded bootstrap over the test
 * images (`ci`: what another draw of test images could change, not what another seed could);
 * and the run against each floor on the same resamples (`vs_floor`: the difference, its
 * interval and a one-sided p-value that the run is better; lib/stats/bootstrap.ts).
 *
 * Translations run one image at a time, the networks in training mode (dropout from a fixed
 * seed, batch statistics) as the official `test.py` without `--eval`, or with `eval_mode: true`
 * in eval mode (no dropout, BatchNorm running statistics) as `test.py --eval`; every record
 * says which (`test_mode: "train" | "eval"`). This matters for pix2pix, whose G has dropout and
 * batch norm; the paper's pix2pix applies dropout at test time (Sec. 3.1). Images become bytes
 * as the official `tensor2im` does: `trunc((y + 1) / 2 * 255)`.
 *
 * A model with one generator (pix2pix) is scored in the direction it translates only.
 *
 * ```ts
 * import { evaluateRun } from "./evaluate.ts";
 * const scores = await evaluateRun(model, await dataset.test(), { metrics: ["l1", "fid"] });
 * // { images: 16, extractor: "scenes-net", AtoB: { l1: 31.2, fid: ... }, BtoA: {...} }
 * ```
 * @module
 */
import { z } from "zod";
import { tf } from "../tf.ts";
import { Rng } from "../nn/rng.ts";
import type { Network } from "../nn/network.ts";
import type { TestSplit } from "../data/mod.ts";
import type { Pixels } from "../data/pixels.ts";
import { nearestPaletteLabels } from "../data/palette.ts";
import { fcnScores, SEGMENTER_NAMES, segmenters } from "../metrics/segmenter.ts";
import {
  betterDirection,
  builtinExtractor,
  colorHistogramDistance,
  ConfusionMatrix,
  createExtractor,
  edgeIoU,
  edgeSsim,
  extractFeatures,
  EXTRACTOR_NAMES,
  type FeatureMatrix,
  featureMatrix,
  fidOfFeatures,
  kernelDistance,
  l1,
  meanDeltaE,
  psnr,
  type SegmentationScores,
  ssim,
} from "../metrics/mod.ts";
import { PALETTE } from "../data/palette.ts";
import {
  meanPairwiseOf,
  nearestDistances,
  pairwiseDistances,
  recoverabilityScores,
} from "../metrics/dependence.ts";
import { goodShare, histogram } from "../metrics/good_share.ts";
import { KID_MIN_SAMPLES } from "../metrics/kid.ts";
import { bootstrapPValue, percentileInterval, resampleIndices } from "../stats/bootstrap.ts";
import { tensorToPixels } from "../data/tensor_pixels.ts";

/** The metric names `eval.metrics` accepts. */
export const EVAL_METRIC_NAMES = [
  "l1",
  "psnr",
  "ssim",
  "fid",
  "kid",
  "seg",
  "structure",
  "color",
  "dependence",
  "good",
  "layout",
  "stability",
] as const;

/** The metrics that need a paired test split (the ground truth of each test input). */
export const PAIRED_METRICS: readonly EvalMetricName[] = Object.freeze([
  "l1",
  "psnr",
  "ssim",
  "seg",
]);

/** One of {@link EVAL_METRIC_NAMES}. */
export type EvalMetricName = typeof EVAL_METRIC_NAMES[number];

/** Translation directions: `AtoB` uses G_A (the paper's G), `BtoA` uses G_B (F). */
export const DIRECTIONS = ["AtoB", "BtoA"] as const;

/** The `eval:` section of an experiment, resolved. */
export interface EvalOptions {
  /** Metrics of the final evaluation; empty turns it off. */
  metrics: EvalMetricName[];
  /**
   * Feature extractor of FID and KID (lib/metrics `extractor` registry), or `auto`: the
   * dataset's built-in one ({@link builtinExtractor}).
   */
  extractor: string;
  /** Evaluate at most this many test pairs (the first ones); null = all. */
  max_images: number | null;
  /** Which generators to evaluate. */
  directions: ("AtoB" | "BtoA")[];
  /** Segmenter of the labels -> photo FCN score (`seg`, `AtoB`). */
  segmenter: typeof SEGMENTER_NAMES[number];
  /**
   * Evaluate with the networks in eval mode (the official `test.py --eval`: no dropout,
   * BatchNorm running statistics). Absent or false: training mode, as `test.py` by default.
   * Optional without a default, so the `eval:` hash of configs that do not set it is unchanged.
   */
  eval_mode?: boolean;
}

const evalObject = z.strictObject({
  metrics: z.array(z.enum(EVAL_METRIC_NAMES)).default(["l1", "psnr", "ssim", "fid", "kid"])
    .describe("metrics of the final evaluation; [] turns it off"),
  extractor: z.enum(["auto", ...EXTRACTOR_NAMES] as [string, ...string[]]).default("auto")
    .describe(
      "feature extractor of FID and KID; auto = the dataset's built-in one (scenes-net on " +
        "scenes, random-conv-s0 otherwise)",
    ),
  max_images: z.number().int().min(1).nullable().default(null).describe(
    "evaluate at most this many test pairs (the first ones); null = all",
  ),
  directions: z.array(z.enum(DIRECTIONS)).min(1).default(["AtoB", "BtoA"]).describe(
    "which generators to evaluate",
  ),
  segmenter: z.enum(SEGMENTER_NAMES).default("scenes-fcn").describe(
    "segmenter of the labels -> photo FCN score (seg, AtoB)",
  ),
  eval_mode: z.boolean().optional().describe(
    "networks in eval mode (official test.py --eval: no dropout, BatchNorm running stats); " +
      "default: training mode, as the official test.py",
  ),
});

/** The schema of the `eval:` section: strict, with defaults. */
export const evalSchema: z.ZodType<EvalOptions, Partial<EvalOptions>> = evalObject;

/** One direction's scores: metric -> value (null where a value cannot be a number). */
export type DirectionScores = Record<string, number | null>;

/** 95 % (or `level`) percentile intervals over test images, per direction and metric. */
export interface BootstrapIntervals {
  /** Coverage of the intervals. */
  level: number;
  /** Bootstrap resamples of the test images. */
  resamples: number;
  /** Per direction: metric -> [lo, hi]. */
  AtoB?: Record<string, [number, number]>;
  /** Per direction: metric -> [lo, hi]. */
  BtoA?: Record<string, [number, number]>;
}

/**
 * A run against a floor on the same test images: the difference run - floor in the metric's
 * own units, its percentile interval, and the one-sided bootstrap p-value of "the run is
 * better" (lib/metrics/direction.ts says which way is better).
 */
export interface FloorComparison {
  /** run - floor on all test images. */
  diff: number;
  /** Interval of the difference (same resamples for both: paired by test image). */
  lo: number;
  /** Interval of the difference. */
  hi: number;
  /** One-sided p-value that the run is better than the floor. */
  p: number;
}

/** Scores of a floor: what a generator that learned nothing scores on the same images. */
export interface FloorScores {
  /** Scores per direction. */
  AtoB?: DirectionScores;
  /** Scores per direction. */
  BtoA?: DirectionScores;
  /** Their bootstrap intervals (when bootstrapped). */
  ci?: BootstrapIntervals;
}

/** What {@link evaluateRun} returns. */
export interface EvalScores {
  /** Test pairs translated per direction. */
  images: number;
  /**
   * The networks' mode while translating: `train` (dropout on, batch statistics; the official
   * `test.py`) or `eval` (`test.py --eval`).
   */
  test_mode: "train" | "eval";
  /** The extractor of FID and KID (when they were computed). */
  extractor?: string;
  /** The segmenter of the FCN score, `name@v<version>` (when it was computed). */
  segmenter?: string;
  /** KID's subsets: how many, and their size (when KID was computed). */
  kid_subsets?: number;
  /** KID's subset size: min(1000, floor(N / 2)) test images. */
  kid_subset_size?: number;
  /** Scores of G_A (the paper's G). */
  AtoB?: DirectionScores;
  /** Scores of G_B (the paper's F). */
  BtoA?: DirectionScores;
  /** Bootstrap intervals over test images (when `bootstrap` is on). */
  ci?: BootstrapIntervals;
  /** The per-image scores behind `good_share` (when `good` is on), per direction. */
  good?: Partial<Record<"AtoB" | "BtoA", GoodRecord>>;
  /**
   * The floors (when asked for): `identity`, output = input; `untrained`, the generators at
   * step 0 of the run's own seed.
   */
  floors?: { identity?: FloorScores; untrained?: FloorScores };
  /** The run against each floor, per direction and metric (bootstrap, paired by image). */
  vs_floor?: {
    identity?: Partial<Record<"AtoB" | "BtoA", Record<string, FloorComparison>>>;
    untrained?: Partial<Record<"AtoB" | "BtoA", Record<string, FloorComparison>>>;
  };
}

/** The per-image score of the share of good outputs, and both distributions as histograms. */
export interface GoodRecord {
  /** `fcn_pixel_accuracy` (higher is better) or `nearest_real_distance` (lower is better). */
  score: "fcn_pixel_accuracy" | "nearest_real_distance";
  /** Which way the score is better. */
  better: "higher" | "lower";
  /** The bar: the real images' 10 % quantile on the bad side. */
  threshold: number;
  /** 20 equal bins over the range of both sets. */
  edges: number[];
  /** Counts of the translations per bin. */
  fake: number[];
  /** Counts of the real test images per bin. */
  real: number[];
}

/** Options of {@link evaluateRun} besides {@link EvalOptions}. */
export interface EvaluateExtras {
  /** The dataset kind (`scenes` enables `seg`; picks the `auto` extractor). */
  dataset?: string;
  /**
   * Bootstrap intervals over test images: `resamples` draws with replacement from a seeded
   * stream (default 1000 resamples, FID 100 of them, seed 0, level 0.95); false: none.
   */
  bootstrap?: Partial<BootstrapOptions> | false;
  /** Floors to score beside the model, on the same images, with the same metrics. */
  floors?: {
    /** The generators at step 0 of the same seed (lib/train/loop.ts `initialGenerators`). */
    untrained?: { G_A?: Network; G_B?: Network };
    /** The identity translation, output = input. */
    identity?: boolean;
  };
}

/** How the bootstrap over test images is drawn. */
export interface BootstrapOptions {
  /** Resamples of the test images. */
  resamples: number;
  /**
   * Resamples for FID, the first this many of `resamples` (each one a covariance square root,
   * about 10 ms at 120 dimensions: 100 keep a run's final evaluation within seconds; the
   * interval's ends then move by about a tenth of its width from one seed to another). The
   * identity floor's FID is not resampled: its point value is the same for every run.
   */
  fidResamples: number;
  /** Seed of the resampling stream. */
  seed: number;
  /** Coverage. */
  level: number;
}

/** The defaults of {@link BootstrapOptions}. */
export const BOOTSTRAP_DEFAULTS: Readonly<BootstrapOptions> = Object.freeze({
  resamples: 1000,
  fidResamples: 100,
  seed: 0,
  level: 0.95,
});

function mean(xs: ArrayLike<number>, idx?: Int32Array): number {
  let s = 0;
  const n = idx ? idx.length : xs.length;
  for (let i = 0; i < n; i++) s += xs[idx ? idx[i] : i];
  return s / n;
}

/** Whether the run's data supports the `seg` metric (label maps in the `scenes` palette). */
export function segApplies(datasetName: string): boolean {
  return datasetName === "scenes";
}

/** Per-image parts of one set of translations in one direction: every score derives from them. */
interface Parts {
  l1?: Float64Array;
  psnr?: Float64Array;
  ssim?: Float64Array;
  /** Translation vs its input (`structure`, `color`). */
  edge_ssim?: Float64Array;
  edge_iou?: Float64Array;
  delta_e?: Float64Array;
  color_hist?: Float64Array;
  /** Per-image retrieval score of the own ground truth (`dependence`). */
  recover?: Float64Array;
  /** Pairwise feature distances of the translations, N x N (`dependence`). */
  distances?: Float64Array;
  /** 1 where the translation is good, else 0 (`good`). */
  good?: Float64Array;
  /** Per-image layout agreement with the input (`layout`). */
  layout?: Float64Array;
  /** The per-image scores behind `good` (the run's histogram). */
  goodScores?: number[];
  /** Per-image confusion counts of the segmentation scores. */
  seg?: { classes: number; counts: Float64Array[] };
  /** Features of the translations (row i: test image i). */
  features?: FeatureMatrix;
  /** KID of the whole set (not resampled: its spread over subsets is its own uncertainty). */
  kid?: { mean: number; std: number; subsets: number; subsetSize: number };
}

function confusion(predicted: ArrayLike<number>, truth: ArrayLike<number>, classes: number) {
  const cm = new ConfusionMatrix(classes);
  cm.add(predicted, truth);
  return cm.counts;
}

/** Share of pixels where two label maps agree. */
function agreement(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let same = 0;
  for (let i = 0; i < a.length; i++) if (a[i] === b[i]) same++;
  return same / a.length;
}

function segOf(counts: Float64Array[], classes: number, idx?: Int32Array): SegmentationScores {
  const cm = new ConfusionMatrix(classes);
  const n = idx ? idx.length : counts.length;
  for (let i = 0; i < n; i++) {
    const c = counts[idx ? idx[i] : i];
    for (let j = 0; j < c.length; j++) cm.counts[j] += c[j];
  }
  return cm.scores();
}

function rowsOf(f: FeatureMatrix, idx: Int32Array): FeatureMatrix {
  const out = new Float64Array(idx.length * f.cols);
  for (let i = 0; i < idx.length; i++) {
    out.set(f.data.subarray(idx[i] * f.cols, (idx[i] + 1) * f.cols), i * f.cols);
  }
  return featureMatrix(out, idx.length, f.cols);
}

/**
 * The scores of one set of translations from its parts, on all images (`idx` undefined) or on
 * a bootstrap resample (`idx`; then KID and non-finite PSNR are left out).
 */
function scoresOf(
  p: Parts,
  ctx: {
    realFeatures?: FeatureMatrix;
    realDistances?: Float64Array;
    metrics: readonly EvalMetricName[];
  },
  idx?: Int32Array,
  withFid = true,
): DirectionScores {
  const s: DirectionScores = {};
  if (p.l1) s.l1 = mean(p.l1, idx);
  if (p.psnr) {
    // Identical images have infinite PSNR; JSON cannot hold it, so it is recorded as null.
    const v = mean(p.psnr, idx);
    s.psnr = Number.isFinite(v) ? v : null;
  }
  if (p.ssim) s.ssim = mean(p.ssim, idx);
  for (
    const m of ["edge_ssim", "edge_iou", "delta_e", "color_hist", "recover", "layout"] as const
  ) {
    if (p[m]) s[m] = mean(p[m], idx);
  }
  if (p.good) s.good_share = mean(p.good, idx);
  if (p.distances && ctx.realDistances) {
    // The same resample of test images for the translations and the real images.
    const n = ctx.realFeatures!.rows;
    s.spread = meanPairwiseOf(p.distances, n, idx) / meanPairwiseOf(ctx.realDistances, n, idx);
  }
  if (withFid && p.features && ctx.realFeatures && ctx.metrics.includes("fid")) {
    s.fid = idx
      ? fidOfFeatures(rowsOf(p.features, idx), rowsOf(ctx.realFeatures, idx)).fid
      : fidOfFeatures(p.features, ctx.realFeatures).fid;
  }
  if (!idx && p.kid) {
    s.kid = p.kid.mean;
    s.kid_std = p.kid.subsets > 1 ? p.kid.std : null;
  }
  if (p.seg) {
    const g = segOf(p.seg.counts, p.seg.classes, idx);
    s.pixel_accuracy = g.pixelAccuracy;
    s.class_accuracy = g.classAccuracy;
    s.class_iou = g.classIoU;
  }
  return s;
}

/**
 * Scores both generators on the test split, and optionally the floors (identity, untrained
 * generators) on the same images with bootstrap intervals over the test images and paired
 * comparisons of the run against each floor. Throws when paired metrics are asked for on an
 * unpaired split. Leaves no tensors behind.
 */
export async function evaluateRun(
  model: { G_A?: Network; G_B?: Network },
  test: TestSplit,
  options: Partial<EvalOptions> & EvaluateExtras = {},
): Promise<EvalScores> {
  const { dataset, bootstrap, floors, ...rest } = options;
  const o = evalSchema.parse(rest);
  const missing = o.directions.filter((d) => !(d === "AtoB" ? model.G_A : model.G_B));
  if (missing.length > 0) {
    throw new Error(
      `Cannot evaluate ${missing.join(", ")}: the model has no generator for it (pix2pix ` +
        `translates its training direction only)`,
    );
  }
  const training = o.eval_mode !== true;
  const boot = bootstrap === false || bootstrap === undefined
    ? undefined
    : { ...BOOTSTRAP_DEFAULTS, ...bootstrap };
  const paired = o.metrics.some((m) => PAIRED_METRICS.includes(m));
  if (paired && (!test.paired || test.pairs.length === 0)) {
    throw new Error(
      `Cannot compute ${o.metrics.join(", ")}: the test split has no paired images`,
    );
  }
  const pairs = test.paired ? test.pairs.slice(0, o.max_images ?? test.pairs.length) : Array.from(
    { length: Math.min(test.A.length, test.B.length, o.max_images ?? Infinity) },
    (_, i) => [i, i] as const,
  );
  const segData = segApplies(dataset ?? "scenes");
  const seg = o.metrics.includes("seg") && segData;
  const layoutOn = o.metrics.includes("layout") && segData;
  const goodOn = o.metrics.includes("good");
  const dependence = o.metrics.includes("dependence");
  const useFeatures = o.metrics.includes("fid") || o.metrics.includes("kid") || dependence ||
    goodOn;
  const extractorName = o.extractor === "auto"
    ? builtinExtractor(dataset ?? "scenes")
    : o.extractor;
  const net = useFeatures ? await createExtractor(extractorName) : undefined;
  // The segmenter: the FCN score (labels -> photo), the layout of photos, and the per-image
  // score of good labels -> photo translations.
  const fcn = (seg && o.directions.includes("AtoB")) || layoutOn || (goodOn && segData)
    ? await segmenters[o.segmenter].load()
    : undefined;
  const out: EvalScores = { images: pairs.length, test_mode: training ? "train" : "eval" };
  if (net) out.extractor = net.name;
  if (fcn) out.segmenter = `${fcn.spec.name}@v${fcn.spec.version}`;
  const goodRecords: Partial<Record<"AtoB" | "BtoA", GoodRecord>> = {};
  type Who = "run" | "identity" | "untrained";
  const who: Who[] = ["run"];
  if (floors?.identity) who.push("identity");
  if (floors?.untrained) who.push("untrained");
  const scored: Record<Who, FloorScores> = { run: {}, identity: {}, untrained: {} };
  const intervals: Record<Who, BootstrapIntervals> = {
    run: { level: boot?.level ?? 0, resamples: boot?.resamples ?? 0 },
    identity: { level: boot?.level ?? 0, resamples: boot?.resamples ?? 0 },
    untrained: { level: boot?.level ?? 0, resamples: boot?.resamples ?? 0 },
  };
  const versus: Record<"identity" | "untrained", Record<string, Record<string, FloorComparison>>> =
    { identity: {}, untrained: {} };
  try {
    for (const direction of o.directions) {
      const [from, to] = direction === "AtoB" ? [test.A, test.B] : [test.B, test.A];
      const inputs: Pixels[] = [];
      const reals: Pixels[] = [];
      for (const [iA, iB] of pairs) {
        const [iFrom, iTo] = direction === "AtoB" ? [iA, iB] : [iB, iA];
        inputs.push(from.pixels(iFrom));
        reals.push(to.pixels(iTo));
      }
      // AtoB (labels -> photo): the FCN score segments G(labels) and scores it against the
      // input labels (paper Sec. 5.1.1); BtoA (photo -> labels): F(photo) snapped to the
      // palette, scored against the true labels.
      const truth = seg || layoutOn || (goodOn && fcn && direction === "AtoB")
        ? (direction === "AtoB" ? inputs : reals).map((x) => nearestPaletteLabels(x.data))
        : [];
      const realFeatures = net
        ? await extractFeatures(net, reals.length, (i) => reals[i])
        : undefined;
      const realDistances = dependence && realFeatures
        ? pairwiseDistances(realFeatures)
        : undefined;
      // Layouts: a label map's own classes; a photo's through the segmenter.
      const inputLayouts = layoutOn
        ? (direction === "AtoB" ? truth : fcn!.segment(inputs))
        : undefined;
      // The per-image score of `good` and the real images' scores on it (the bar).
      const fcnGood = goodOn && fcn !== undefined && direction === "AtoB";
      let goodBar: { better: "higher" | "lower"; threshold: number; real: number[] } | undefined;
      if (goodOn) {
        const real = fcnGood
          ? fcn!.segment(reals).map((pred, i) => agreement(pred, truth[i]))
          : Array.from(nearestDistances(realFeatures!, realFeatures!, true));
        const better = fcnGood ? "higher" : "lower";
        // resamples 0: only the bar; the share's interval comes from the shared bootstrap.
        const bar = goodShare(real, real, { better, resamples: 0, rng: new Rng(0) }).threshold;
        goodBar = { better, threshold: bar, real };
      }
      const partsOf = async (fakes: Pixels[]): Promise<Parts> => {
        const p: Parts = {};
        if (o.metrics.includes("l1")) p.l1 = Float64Array.from(fakes, (f, i) => l1(f, reals[i]));
        if (o.metrics.includes("psnr")) {
          p.psnr = Float64Array.from(fakes, (f, i) => psnr(f, reals[i]));
        }
        if (o.metrics.includes("ssim")) {
          p.ssim = Float64Array.from(fakes, (f, i) => ssim(f, reals[i]));
        }
        if (o.metrics.includes("structure")) {
          p.edge_ssim = Float64Array.from(fakes, (f, i) => edgeSsim(inputs[i], f));
          p.edge_iou = Float64Array.from(fakes, (f, i) => edgeIoU(inputs[i], f));
        }
        if (o.metrics.includes("color")) {
          p.delta_e = Float64Array.from(fakes, (f, i) => meanDeltaE(inputs[i], f));
          p.color_hist = Float64Array.from(fakes, (f, i) => colorHistogramDistance(inputs[i], f));
        }
        const fakeSeg = fcn && direction === "AtoB" && (seg || layoutOn || fcnGood)
          ? fcn.segment(fakes)
          : undefined;
        if (layoutOn) {
          p.layout = Float64Array.from(
            fakes,
            (f, i) =>
              direction === "AtoB"
                ? agreement(fakeSeg![i], inputLayouts![i])
                : agreement(nearestPaletteLabels(f.data), inputLayouts![i]),
          );
        }
        if (net) {
          p.features = await extractFeatures(net, fakes.length, (i) => fakes[i]);
          if (dependence) {
            p.distances = pairwiseDistances(p.features, "the translations");
            if (test.paired) p.recover = recoverabilityScores(p.features, realFeatures!);
          }
          if (o.metrics.includes("kid")) {
            // Subsets of floor(N / 2) images need N >= 4; below that, one estimate over the
            // whole sets, with no spread to report (kid_std null).
            const n = Math.min(p.features.rows, realFeatures!.rows);
            const k = n >= KID_MIN_SAMPLES
              ? kernelDistance(p.features, realFeatures!, { seed: 0 })
              : kernelDistance(p.features, realFeatures!, { subsets: 1, subsetSize: n });
            p.kid = { mean: k.mean, std: k.std, subsets: k.subsets, subsetSize: k.subsetSize };
          }
        }
        if (seg && direction === "BtoA") {
          const classes = PALETTE.length;
          p.seg = {
            classes,
            counts: fakes.map((f, i) => confusion(nearestPaletteLabels(f.data), truth[i], classes)),
          };
        }
        if (seg && fcn && direction === "AtoB") {
          const classes = fcn.spec.classes;
          p.seg = {
            classes,
            counts: fakeSeg!.map((pred, i) => confusion(pred, truth[i], classes)),
          };
        }
        if (goodBar) {
          const scores = fcnGood
            ? fakeSeg!.map((pred, i) => agreement(pred, truth[i]))
            : Array.from(nearestDistances(p.features!, realFeatures!));
          const { threshold, better } = goodBar;
          p.good = Float64Array.from(
            scores,
            (v) => (better === "higher" ? v >= threshold : v <= threshold) ? 1 : 0,
          );
          p.goodScores = scores;
        }
        return p;
      };
      const translate = async (g: Network): Promise<Pixels[]> => {
        const rng = new Rng(0);
        const fakes: Pixels[] = [];
        for (const [iA, iB] of pairs) {
          const iFrom = direction === "AtoB" ? iA : iB;
          const y = tf.tidy(() => {
            const x = from.get(iFrom).expandDims(0) as tf.Tensor4D;
            return g.apply(x, { training, rng }).squeeze([0]) as tf.Tensor3D;
          });
          try {
            fakes.push(await tensorToPixels(y));
          } finally {
            y.dispose();
          }
        }
        return fakes;
      };
      const parts: Partial<Record<Who, Parts>> = {};
      const pick = (m: { G_A?: Network; G_B?: Network }) => (direction === "AtoB" ? m.G_A : m.G_B)!;
      parts.run = await partsOf(await translate(pick(model)));
      if (floors?.identity) parts.identity = await partsOf(inputs);
      if (floors?.untrained) {
        parts.untrained = await partsOf(await translate(pick(floors.untrained)));
      }
      const ctx = { realFeatures, realDistances, metrics: o.metrics };
      if (goodBar) {
        const fake = parts.run!.goodScores!;
        const all = [...fake, ...goodBar.real];
        const lo = Math.min(...all), hi = Math.max(...all);
        const range: [number, number] = lo < hi ? [lo, hi] : [lo - 0.5, hi + 0.5];
        const h = histogram(fake, 20, range);
        goodRecords[direction] = {
          score: fcnGood ? "fcn_pixel_accuracy" : "nearest_real_distance",
          better: goodBar.better,
          threshold: goodBar.threshold,
          edges: h.edges,
          fake: h.counts,
          real: histogram(goodBar.real, 20, range).counts,
        };
      }
      for (const w of who) {
        const s = scoresOf(parts[w]!, ctx);
        if (w === "run" && seg && fcn && direction === "AtoB") {
          // The same segmenter on the real photos: what a perfect generator would score.
          const r = fcnScores(fcn, reals, truth);
          s.real_pixel_accuracy = r.pixelAccuracy;
          s.real_class_accuracy = r.classAccuracy;
          s.real_class_iou = r.classIoU;
        }
        scored[w][direction] = s;
        if (w === "run" && parts.run!.kid) {
          out.kid_subsets = parts.run!.kid.subsets;
          out.kid_subset_size = parts.run!.kid.subsetSize;
        }
      }
      if (!boot) continue;
      // One stream of resamples per direction, shared by the run and its floors, so that the
      // comparisons are paired by test image.
      const rng = new Rng(boot.seed);
      const reps: Record<Who, Record<string, number[]>> = { run: {}, identity: {}, untrained: {} };
      for (let b = 0; b < boot.resamples; b++) {
        const idx = resampleIndices(pairs.length, rng);
        for (const w of who) {
          const s = scoresOf(parts[w]!, ctx, idx, b < boot.fidResamples && w !== "identity");
          for (const [m, v] of Object.entries(s)) {
            if (v === null || !Number.isFinite(v)) continue;
            (reps[w][m] ??= []).push(v);
          }
        }
      }
      for (const w of who) {
        const ci: Record<string, [number, number]> = {};
        for (const [m, r] of Object.entries(reps[w])) {
          // A metric some of whose replicates were not finite (PSNR of identical images) gets
          // no interval rather than one over a biased subset.
          if (r.length < (m === "fid" ? boot.fidResamples : boot.resamples)) continue;
          const i = percentileInterval(r, boot.level);
          ci[m] = [i.lo, i.hi];
        }
        intervals[w][direction] = ci;
      }
      for (const f of ["identity", "untrained"] as const) {
        if (!parts[f]) continue;
        const cmp: Record<string, FloorComparison> = {};
        for (const [m, r] of Object.entries(reps.run)) {
          const fl = reps[f][m];
          const better = betterDirection(m);
          const runValue = scored.run[direction]?.[m];
          const floorValue = scored[f][direction]?.[m];
          if (!fl || fl.length !== r.length || better === undefined) continue;
          if (typeof runValue !== "number" || typeof floorValue !== "number") continue;
          const d = r.map((v, i) => v - fl[i]);
          const i = percentileInterval(d, boot.level);
          cmp[m] = {
            diff: runValue - floorValue,
            lo: i.lo,
            hi: i.hi,
            p: bootstrapPValue(better === "higher" ? d : d.map((x) => -x)),
          };
        }
        versus[f][direction] = cmp;
      }
    }
  } finally {
    net?.dispose();
    fcn?.dispose();
  }
  for (const d of o.directions) out[d] = scored.run[d];
  if (boot) out.ci = intervals.run;
  if (goodOn) out.good = goodRecords;
  if (who.length > 1) {
    out.floors = {};
    out.vs_floor = {};
    for (const f of ["identity", "untrained"] as const) {
      if (!who.includes(f)) continue;
      out.floors[f] = { ...scored[f], ...(boot ? { ci: intervals[f] } : {}) };
      if (boot) out.vs_floor[f] = versus[f];
    }
    if (!boot) delete out.vs_floor;
  }
  return out;
}
