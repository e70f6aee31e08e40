/**
 * Segmentation scores, the paper's three columns for Cityscapes (CycleGAN, Zhu et al. 2017,
 * Tables 4 and 5): per-pixel accuracy, per-class accuracy and class IoU, computed as the
 * pix2pix/CycleGAN evaluation script does (`scripts/eval_cityscapes/evaluate.py`): one
 * confusion matrix accumulated over all images (rows = ground truth, columns = prediction),
 * then
 *
 * - per-pixel accuracy = `sum(diag) / sum(all)`;
 * - per-class accuracy = mean over classes of `diag / row sum` (classes absent from the ground
 *   truth are left out, as `nanmean` does);
 * - class IoU = mean over classes of `diag / (row sum + column sum - diag)` (classes neither in
 *   the ground truth nor predicted are left out).
 *
 * Ground-truth ids outside `[0, classes)` (an "ignore" label such as 255) are not counted.
 *
 * For photo -> labels, a generated label image is first mapped to class ids by the nearest
 * palette colour ({@link nearestPaletteLabels} of `lib/data/`), then scored against the true
 * label map: {@link labelImageScores}.
 *
 * ```ts
 * import { ConfusionMatrix } from "./segmentation.ts";
 * const cm = new ConfusionMatrix(3);
 * cm.add(Uint8Array.of(0, 1, 2, 2), Uint8Array.of(0, 1, 1, 2)); // predicted, true
 * cm.scores(); // { pixelAccuracy: 0.75, classAccuracy: 0.833..., classIoU: 0.666..., ... }
 * ```
 * @module
 */
import type { Pixels } from "../data/pixels.ts";
import { nearestPaletteLabels, PALETTE } from "../data/palette.ts";
import { MetricError } from "./features.ts";

/** The three scores, with their per-class parts. */
export interface SegmentationScores {
  /** Correctly labelled pixels / counted pixels. */
  readonly pixelAccuracy: number;
  /** Mean per-class recall over classes present in the ground truth. */
  readonly classAccuracy: number;
  /** Mean intersection over union over classes present in either. */
  readonly classIoU: number;
  /** Recall per class; null where the class is absent from the ground truth. */
  readonly perClassAccuracy: readonly (number | null)[];
  /** IoU per class; null where the class is neither true nor predicted anywhere. */
  readonly perClassIoU: readonly (number | null)[];
  /** Pixels counted (ground truth within the classes). */
  readonly pixels: number;
}

/** A confusion matrix accumulated over images: `counts[true * classes + predicted]`. */
export class ConfusionMatrix {
  /** Number of classes. */
  readonly classes: number;
  /** The counts, row = true class, column = predicted class. */
  readonly counts: Float64Array;

  /** An empty matrix for `classes` classes. */
  constructor(classes: number) {
    if (!Number.isInteger(classes) || classes < 1) {
      throw new RangeError(`ConfusionMatrix: classes must be a positive integer, got ${classes}`);
    }
    this.classes = classes;
    this.counts = new Float64Array(classes * classes);
  }

  /**
   * Counts one image: `predicted[i]` against `truth[i]`. True ids outside the classes are
   * ignored; a predicted id outside them is an error.
   */
  add(predicted: ArrayLike<number>, truth: ArrayLike<number>): void {
    if (predicted.length !== truth.length) {
      throw new MetricError(
        `label maps differ in size: ${predicted.length} predicted vs ${truth.length} true pixels`,
      );
    }
    const k = this.classes;
    for (let i = 0; i < truth.length; i++) {
      const t = truth[i];
      if (!(t >= 0 && t < k)) continue;
      const p = predicted[i];
      if (!(p >= 0 && p < k) || !Number.isInteger(p)) {
        throw new MetricError(`predicted label ${p} at pixel ${i} is not a class in [0, ${k})`);
      }
      this.counts[t * k + p]++;
    }
  }

  /** The scores of everything added so far. */
  scores(): SegmentationScores {
    const k = this.classes, c = this.counts;
    const rows = new Float64Array(k), cols = new Float64Array(k);
    let total = 0, correct = 0;
    for (let t = 0; t < k; t++) {
      for (let p = 0; p < k; p++) {
        rows[t] += c[t * k + p];
        cols[p] += c[t * k + p];
      }
      correct += c[t * k + t];
    }
    for (let t = 0; t < k; t++) total += rows[t];
    if (total === 0) throw new MetricError("no labelled pixels to score");
    const perClassAccuracy: (number | null)[] = [];
    const perClassIoU: (number | null)[] = [];
    for (let i = 0; i < k; i++) {
      const d = c[i * k + i];
      perClassAccuracy.push(rows[i] > 0 ? d / rows[i] : null);
      const union = rows[i] + cols[i] - d;
      perClassIoU.push(union > 0 ? d / union : null);
    }
    return {
      pixelAccuracy: correct / total,
      classAccuracy: meanOfPresent(perClassAccuracy),
      classIoU: meanOfPresent(perClassIoU),
      perClassAccuracy,
      perClassIoU,
      pixels: total,
    };
  }
}

function meanOfPresent(values: readonly (number | null)[]): number {
  const present = values.filter((v): v is number => v !== null);
  return present.reduce((s, v) => s + v, 0) / present.length;
}

/**
 * Scores predicted label maps against true ones (class ids, one per pixel), accumulated over
 * all pairs.
 *
 * ```ts
 * segmentationScores([pred0, pred1], [true0, true1], 10).classIoU;
 * ```
 */
export function segmentationScores(
  predicted: readonly ArrayLike<number>[],
  truth: readonly ArrayLike<number>[],
  classes: number,
): SegmentationScores {
  if (predicted.length !== truth.length) {
    throw new MetricError(`${predicted.length} predicted label maps for ${truth.length} true ones`);
  }
  const cm = new ConfusionMatrix(classes);
  predicted.forEach((p, i) => cm.add(p, truth[i]));
  return cm.scores();
}

/**
 * Photo -> labels: generated label images (RGB, or RGBA/gray converted by the caller) are
 * mapped to the nearest colour of the `scenes` palette and scored against the true label ids.
 *
 * ```ts
 * labelImageScores([fakeA0], [scene.labels]); // generated label map vs ground truth
 * ```
 */
export function labelImageScores(
  generated: readonly Pixels[],
  truth: readonly ArrayLike<number>[],
): SegmentationScores {
  const predicted = generated.map((img, i) => {
    if (img.channels !== 3) {
      throw new MetricError(
        `generated label image ${i} has ${img.channels} channels, expected RGB`,
      );
    }
    return nearestPaletteLabels(img.data);
  });
  return segmentationScores(predicted, truth, PALETTE.length);
}
