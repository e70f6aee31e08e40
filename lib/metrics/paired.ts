/**
 * Scores of a translation against its ground truth, for test splits whose domains are paired
 * (the same scene as label map and photo): L1, PSNR and SSIM, on 8-bit images in [0, 255].
 *
 * - L1: mean absolute difference over pixels and channels, in [0, 255] units.
 * - PSNR: `10 log10(255^2 / MSE)` per image (Infinity for identical images).
 * - SSIM: Wang et al. 2004 with their constants, as `skimage.metrics.structural_similarity(
 *   a, b, gaussian_weights=True, sigma=1.5, use_sample_covariance=False, data_range=255,
 *   channel_axis=-1)`: an 11x11 Gaussian window (sigma 1.5, truncated at 3.5 sigma, normalised),
 *   K1 = 0.01, K2 = 0.03, L = 255, population (not sample) variances, the map averaged over the
 *   pixels whose window lies inside the image (skimage crops 5 pixels at each border), then over
 *   channels. Images must be at least 11 x 11.
 *
 * {@link pairedScores} averages each score over the image pairs.
 *
 * ```ts
 * import { psnr, ssim } from "./paired.ts";
 * const a = { width: 16, height: 16, channels: 3, data: new Uint8Array(768).fill(100) };
 * ssim(a, a); // 1
 * psnr(a, { ...a, data: new Uint8Array(768).fill(110) }); // 10 log10(255^2 / 100) = 28.13
 * ```
 * @module
 */
import type { Pixels } from "../data/pixels.ts";
import { MetricError } from "./features.ts";

function checkPair(pred: Pixels, truth: Pixels, what = "images"): void {
  if (
    pred.width !== truth.width || pred.height !== truth.height ||
    pred.channels !== truth.channels
  ) {
    throw new MetricError(
      `${what} differ in size: ${pred.width}x${pred.height}x${pred.channels} vs ` +
        `${truth.width}x${truth.height}x${truth.channels}`,
    );
  }
}

/** Mean absolute difference, in [0, 255] units. */
export function l1(pred: Pixels, truth: Pixels): number {
  checkPair(pred, truth);
  let s = 0;
  for (let i = 0; i < pred.data.length; i++) s += Math.abs(pred.data[i] - truth.data[i]);
  return s / pred.data.length;
}

/** Peak signal-to-noise ratio in dB for 8-bit images; Infinity when they are identical. */
export function psnr(pred: Pixels, truth: Pixels): number {
  checkPair(pred, truth);
  let s = 0;
  for (let i = 0; i < pred.data.length; i++) s += (pred.data[i] - truth.data[i]) ** 2;
  const mse = s / pred.data.length;
  return mse === 0 ? Infinity : 10 * Math.log10((255 * 255) / mse);
}

/** The SSIM window: Gaussian, sigma 1.5, radius int(3.5 sigma + 0.5) = 5, summing to 1. */
const SIGMA = 1.5;
const RADIUS = Math.trunc(3.5 * SIGMA + 0.5);
const WINDOW = (() => {
  const w = Float64Array.from({ length: 2 * RADIUS + 1 }, (_, i) => {
    const x = i - RADIUS;
    return Math.exp(-0.5 * (x * x) / (SIGMA * SIGMA));
  });
  const total = w.reduce((s, v) => s + v, 0);
  return w.map((v) => v / total);
})();
const C1 = (0.01 * 255) ** 2, C2 = (0.03 * 255) ** 2;

/** SSIM of one channel `c` of two images (interior pixels only, see the module doc). */
function ssimChannel(x: Pixels, y: Pixels, c: number): number {
  const { width: w, height: h, channels: ch } = x;
  const ow = w - 2 * RADIUS, oh = h - 2 * RADIUS;
  // Horizontal pass over every row: five moments (x, y, x^2, y^2, xy) at valid columns.
  const rows = Array.from({ length: 5 }, () => new Float64Array(h * ow));
  for (let r = 0; r < h; r++) {
    for (let oc = 0; oc < ow; oc++) {
      let sx = 0, sy = 0, sxx = 0, syy = 0, sxy = 0;
      for (let t = 0; t < WINDOW.length; t++) {
        const i = (r * w + oc + t) * ch + c;
        const a = x.data[i], b = y.data[i], g = WINDOW[t];
        sx += g * a;
        sy += g * b;
        sxx += g * a * a;
        syy += g * b * b;
        sxy += g * a * b;
      }
      const o = r * ow + oc;
      rows[0][o] = sx;
      rows[1][o] = sy;
      rows[2][o] = sxx;
      rows[3][o] = syy;
      rows[4][o] = sxy;
    }
  }
  // Vertical pass at valid rows, then the SSIM map, summed.
  let total = 0;
  const m = new Float64Array(5);
  for (let or = 0; or < oh; or++) {
    for (let oc = 0; oc < ow; oc++) {
      m.fill(0);
      for (let t = 0; t < WINDOW.length; t++) {
        const o = (or + t) * ow + oc, g = WINDOW[t];
        for (let k = 0; k < 5; k++) m[k] += g * rows[k][o];
      }
      const [ux, uy, uxx, uyy, uxy] = m;
      const vx = uxx - ux * ux, vy = uyy - uy * uy, vxy = uxy - ux * uy;
      total += ((2 * ux * uy + C1) * (2 * vxy + C2)) /
        ((ux * ux + uy * uy + C1) * (vx + vy + C2));
    }
  }
  return total / (ow * oh);
}

/** Mean structural similarity (see the module doc), averaged over channels. */
export function ssim(pred: Pixels, truth: Pixels): number {
  checkPair(pred, truth);
  if (pred.width < 2 * RADIUS + 1 || pred.height < 2 * RADIUS + 1) {
    throw new MetricError(
      `SSIM needs images of at least ${2 * RADIUS + 1}x${2 * RADIUS + 1}, got ` +
        `${pred.width}x${pred.height}`,
    );
  }
  let s = 0;
  for (let c = 0; c < pred.channels; c++) s += ssimChannel(pred, truth, c);
  return s / pred.channels;
}

/** Mean paired scores over a set of image pairs. */
export interface PairedScores {
  /** Number of pairs. */
  readonly n: number;
  /** Mean L1 in [0, 255] units. */
  readonly l1: number;
  /** Mean PSNR in dB (Infinity if any pair is identical). */
  readonly psnr: number;
  /** Mean SSIM. */
  readonly ssim: number;
}

/**
 * L1, PSNR and SSIM of `preds[i]` against `truths[i]`, each averaged over the pairs.
 *
 * ```ts
 * pairedScores([fakeB0, fakeB1], [realB0, realB1]); // { n: 2, l1, psnr, ssim }
 * ```
 */
export function pairedScores(preds: readonly Pixels[], truths: readonly Pixels[]): PairedScores {
  if (preds.length !== truths.length) {
    throw new MetricError(`${preds.length} predictions for ${truths.length} ground truths`);
  }
  if (preds.length === 0) throw new MetricError("no image pairs to score");
  let sl1 = 0, spsnr = 0, sssim = 0;
  for (let i = 0; i < preds.length; i++) {
    checkPair(preds[i], truths[i], `pair ${i}`);
    sl1 += l1(preds[i], truths[i]);
    spsnr += psnr(preds[i], truths[i]);
    sssim += ssim(preds[i], truths[i]);
  }
  const n = preds.length;
  return { n, l1: sl1 / n, psnr: spsnr / n, ssim: sssim / n };
}
