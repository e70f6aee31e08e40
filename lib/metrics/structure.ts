/**
 * How much of an input's structure (its edges) a translation keeps, for the claim that a
 * ResNet generator keeps the input's geometry while a U-Net changes its shape more. Both scores
 * compare an image with its translation (not with a ground truth), and both are higher when
 * more structure is kept: 1 for an image against itself.
 *
 * - Gradient magnitude: the luminance (PIL `'L'`, `lib/data/pixels.ts` `toGray`) filtered with
 *   the 3x3 Sobel kernels, `sqrt(gx^2 + gy^2)`, border pixels repeated (what
 *   `scipy.ndimage.sobel`'s default `mode="reflect"` gives for a 3x3 kernel).
 * - {@link edgeSsim}: SSIM (`paired.ts`, L = 255) of the two magnitude maps, each divided by
 *   `4 sqrt(2)` (the largest magnitude an 8-bit image can have is `4 * 255 * sqrt(2)`) and
 *   rounded to 8 bits, so the SSIM constants keep their meaning. In [-1, 1]; images must be at
 *   least 11 x 11.
 * - {@link edgeIoU}: intersection over union of the two edge maps, where an image's edges are
 *   its pixels whose magnitude is strictly above both 0 and the image's own 80th percentile
 *   (nearest rank: the `ceil(0.8 n)`-th smallest magnitude). The threshold is per image, so a
 *   global change of contrast does not move it; "strictly above" keeps flat regions (many
 *   ties at 0) out. In [0, 1]; two images with no edges (both flat) score 1.
 *
 * ```ts
 * import { edgeIoU, edgeSsim } from "./structure.ts";
 * const img = { width: 16, height: 16, channels: 1, data: new Uint8Array(256).map((_, i) => i % 16 < 8 ? 0 : 200) };
 * edgeSsim(img, img); // 1
 * edgeIoU(img, img);  // 1
 * ```
 * @module
 */
import { type Pixels, toGray } from "../data/pixels.ts";
import { MetricError } from "./features.ts";
import { ssim } from "./paired.ts";

/** The quantile of an image's own magnitudes above which a pixel is an edge in {@link edgeIoU}. */
export const EDGE_QUANTILE = 0.8;

function checkSize(a: Pixels, b: Pixels): void {
  if (a.width !== b.width || a.height !== b.height) {
    throw new MetricError(
      `images differ in size: ${a.width}x${a.height} vs ${b.width}x${b.height}`,
    );
  }
}

/**
 * Sobel gradient magnitude of the image's luminance, row-major, border pixels repeated.
 *
 * ```ts
 * import { sobelMagnitude } from "./structure.ts";
 * const flat = { width: 4, height: 4, channels: 3, data: new Uint8Array(48).fill(9) };
 * sobelMagnitude(flat); // all zeros
 * ```
 */
export function sobelMagnitude(img: Pixels): Float64Array {
  const g = toGray(img);
  const { width: w, height: h } = g;
  const at = (r: number, c: number) =>
    g.data[Math.min(h - 1, Math.max(0, r)) * w + Math.min(w - 1, Math.max(0, c))];
  const out = new Float64Array(w * h);
  for (let r = 0; r < h; r++) {
    for (let c = 0; c < w; c++) {
      const gx = at(r - 1, c + 1) + 2 * at(r, c + 1) + at(r + 1, c + 1) -
        at(r - 1, c - 1) - 2 * at(r, c - 1) - at(r + 1, c - 1);
      const gy = at(r + 1, c - 1) + 2 * at(r + 1, c) + at(r + 1, c + 1) -
        at(r - 1, c - 1) - 2 * at(r - 1, c) - at(r - 1, c + 1);
      out[r * w + c] = Math.sqrt(gx * gx + gy * gy);
    }
  }
  return out;
}

/** The magnitude map as an 8-bit gray image: divided by 4 sqrt(2), rounded. */
function magnitudePixels(img: Pixels): Pixels {
  const m = sobelMagnitude(img);
  const data = new Uint8Array(m.length);
  const scale = 1 / (4 * Math.SQRT2);
  for (let i = 0; i < m.length; i++) data[i] = Math.min(255, Math.round(m[i] * scale));
  return { width: img.width, height: img.height, channels: 1, data };
}

/**
 * SSIM of the two images' Sobel gradient magnitudes (see the module doc): 1 when the edges
 * are the same, lower when edges move, blur or vanish.
 *
 * ```ts
 * import { edgeSsim } from "./structure.ts";
 * const a = { width: 16, height: 16, channels: 1, data: new Uint8Array(256).map((_, i) => i % 16 < 8 ? 0 : 200) };
 * edgeSsim(a, a); // 1
 * ```
 */
export function edgeSsim(a: Pixels, b: Pixels): number {
  checkSize(a, b);
  return ssim(magnitudePixels(a), magnitudePixels(b));
}

/** The edge map of {@link edgeIoU}: magnitude strictly above 0 and the image's 80th percentile. */
function edgeMap(img: Pixels): Uint8Array {
  const m = sobelMagnitude(img);
  const sorted = Float64Array.from(m).sort();
  const t = Math.max(0, sorted[Math.max(0, Math.ceil(EDGE_QUANTILE * m.length) - 1)]);
  return Uint8Array.from(m, (v) => v > t ? 1 : 0);
}

/**
 * Intersection over union of the two images' edge maps (see the module doc): 1 when the same
 * pixels are edges (or neither image has any), 0 when no edge pixel is shared.
 *
 * ```ts
 * import { edgeIoU } from "./structure.ts";
 * const a = { width: 16, height: 16, channels: 1, data: new Uint8Array(256).map((_, i) => i % 16 < 8 ? 0 : 200) };
 * edgeIoU(a, { ...a, data: new Uint8Array(256) }); // 0: the flat image has no edges
 * ```
 */
export function edgeIoU(a: Pixels, b: Pixels): number {
  checkSize(a, b);
  const ea = edgeMap(a), eb = edgeMap(b);
  let inter = 0, union = 0;
  for (let i = 0; i < ea.length; i++) {
    inter += ea[i] & eb[i];
    union += ea[i] | eb[i];
  }
  return union === 0 ? 1 : inter / union;
}
