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
 * | `kid`  | KID (mean and std over subsets, seed 0) on the same features                   |
 * | `seg`  | the paper's segmentation scores (Tables 4 and 5; `scenes` only): per-pixel and    |
 * |        | per-class accuracy and class IoU. `BtoA` (photo -> labels): F(photo) snapped to |
 * |        | the palette. `AtoB` (labels -> photo): the FCN score, G(labels) segmented by the |
 * |        | `segmenter` and scored against the input labels; beside it `real_*`, the same  |
 * |        | segmenter on the real test photos (the upper bound, the "ground truth" row)    |
 *
 * Paired metrics need a paired test split (`scenes` is paired by construction). FID and KID
 * compare the translations of test A with the real test B images (and the reverse), as the
 * paper's Table 5 style evaluations do; they are labelled with the extractor
 * (`FID[scenes-net]`), so numbers from different extractors are never mixed. The default
 * extractor, `auto`, is the dataset's built-in one: `scenes-net` (trained on the `scenes`
 * photos) for `scenes`, `random-conv-s0` otherwise (measured in lib/metrics/README.md). The FCN
 * score names its segmenter in the record (`segmenter: "scenes-fcn@v1"`).
 *
 * Translations run one image at a time, the networks in training mode (dropout from a fixed
 * seed) as the official `test.py` without `--eval`; images become bytes as the official
 * `tensor2im` does: `trunc((y + 1) / 2 * 255)`.
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
  builtinExtractor,
  createExtractor,
  extractFeatures,
  EXTRACTOR_NAMES,
  fidOfFeatures,
  kernelDistance,
  l1,
  labelImageScores,
  psnr,
  ssim,
} from "../metrics/mod.ts";
import { tensorToPixels } from "../data/tensor_pixels.ts";

/** The metric names `eval.metrics` accepts. */
export const EVAL_METRIC_NAMES = ["l1", "psnr", "ssim", "fid", "kid", "seg"] as const;

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
});

/** The schema of the `eval:` section: strict, with defaults. */
export const evalSchema: z.ZodType<EvalOptions, Partial<EvalOptions>> = evalObject;

/** What {@link evaluateRun} returns. */
export interface EvalScores {
  /** Test pairs translated per direction. */
  images: number;
  /** The extractor of FID and KID (when they were computed). */
  extractor?: string;
  /** The segmenter of the FCN score, `name@v<version>` (when it was computed). */
  segmenter?: string;
  /** Scores per direction (`AtoB`, `BtoA`): metric -> value. */
  [direction: string]: number | string | undefined | Record<string, number | null>;
}

function mean(xs: number[]): number {
  return xs.reduce((a, b) => a + b, 0) / xs.length;
}

/** Whether the run's data supports the `seg` metric (label maps in the `scenes` palette). */
export function segApplies(datasetName: string): boolean {
  return datasetName === "scenes";
}

/**
 * Scores both generators on the test split. Throws when paired metrics are asked for on an
 * unpaired split. Leaves no tensors behind.
 */
export async function evaluateRun(
  model: { G_A: Network; G_B: Network },
  test: TestSplit,
  options: Partial<EvalOptions> & { dataset?: string } = {},
): Promise<EvalScores> {
  const { dataset, ...rest } = options;
  const o = evalSchema.parse(rest);
  const paired = o.metrics.some((m) => m === "l1" || m === "psnr" || m === "ssim" || m === "seg");
  if (paired && (!test.paired || test.pairs.length === 0)) {
    throw new Error(
      `Cannot compute ${o.metrics.join(", ")}: the test split has no paired images`,
    );
  }
  const pairs = test.paired ? test.pairs.slice(0, o.max_images ?? test.pairs.length) : Array.from(
    { length: Math.min(test.A.length, test.B.length, o.max_images ?? Infinity) },
    (_, i) => [i, i] as const,
  );
  const useFeatures = o.metrics.includes("fid") || o.metrics.includes("kid");
  const seg = o.metrics.includes("seg") && segApplies(dataset ?? "scenes");
  const extractorName = o.extractor === "auto"
    ? builtinExtractor(dataset ?? "scenes")
    : o.extractor;
  const net = useFeatures ? await createExtractor(extractorName) : undefined;
  const fcn = seg && o.directions.includes("AtoB")
    ? await segmenters[o.segmenter].load()
    : undefined;
  const out: EvalScores = { images: pairs.length };
  if (net) out.extractor = net.name;
  if (fcn) out.segmenter = `${fcn.spec.name}@v${fcn.spec.version}`;
  try {
    for (const direction of o.directions) {
      const g = direction === "AtoB" ? model.G_A : model.G_B;
      const [from, to] = direction === "AtoB" ? [test.A, test.B] : [test.B, test.A];
      const rng = new Rng(0);
      const fakes: Pixels[] = [];
      const reals: Pixels[] = [];
      for (const [iA, iB] of pairs) {
        const [iFrom, iTo] = direction === "AtoB" ? [iA, iB] : [iB, iA];
        const y = tf.tidy(() => {
          const x = from.get(iFrom).expandDims(0) as tf.Tensor4D;
          return g.apply(x, { training: true, rng }).squeeze([0]) as tf.Tensor3D;
        });
        try {
          fakes.push(await tensorToPixels(y));
        } finally {
          y.dispose();
        }
        reals.push(to.pixels(iTo));
      }
      const scores: Record<string, number | null> = {};
      if (o.metrics.includes("l1")) scores.l1 = mean(fakes.map((f, i) => l1(f, reals[i])));
      if (o.metrics.includes("psnr")) {
        // Identical images have infinite PSNR; JSON cannot hold it, so it is recorded as null.
        const p = mean(fakes.map((f, i) => psnr(f, reals[i])));
        scores.psnr = Number.isFinite(p) ? p : null;
      }
      if (o.metrics.includes("ssim")) scores.ssim = mean(fakes.map((f, i) => ssim(f, reals[i])));
      if (net) {
        const a = await extractFeatures(net, fakes.length, (i) => fakes[i]);
        const b = await extractFeatures(net, reals.length, (i) => reals[i]);
        if (o.metrics.includes("fid")) scores.fid = fidOfFeatures(a, b).fid;
        if (o.metrics.includes("kid")) {
          const k = kernelDistance(a, b, { seed: 0 });
          scores.kid = k.mean;
          scores.kid_std = k.std;
        }
      }
      if (seg && direction === "BtoA") {
        const s = labelImageScores(fakes, reals.map((r) => nearestPaletteLabels(r.data)));
        scores.pixel_accuracy = s.pixelAccuracy;
        scores.class_accuracy = s.classAccuracy;
        scores.class_iou = s.classIoU;
      }
      if (fcn && direction === "AtoB") {
        // The FCN score (paper Sec. 5.1.1): segment G(labels), score against the input labels.
        const labels = pairs.map(([iA]) => nearestPaletteLabels(from.pixels(iA).data));
        const s = fcnScores(fcn, fakes, labels);
        scores.pixel_accuracy = s.pixelAccuracy;
        scores.class_accuracy = s.classAccuracy;
        scores.class_iou = s.classIoU;
        // The same segmenter on the real photos: what a perfect generator would score.
        const r = fcnScores(fcn, reals, labels);
        scores.real_pixel_accuracy = r.pixelAccuracy;
        scores.real_class_accuracy = r.classAccuracy;
        scores.real_class_iou = r.classIoU;
      }
      out[direction] = scores;
    }
  } finally {
    net?.dispose();
    fcn?.dispose();
  }
  return out;
}
