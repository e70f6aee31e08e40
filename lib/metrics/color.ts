/**
 * How much of an input's colour a translation keeps, for the claim that CycleGAN's identity
 * loss preserves the input's colours (paper Sec. 5.2, "photo generation from paintings"). Both
 * scores compare an image with its translation (not with a ground truth), and both are lower
 * when colours are kept: 0 for an image against itself.
 *
 * - {@link srgbToLab}: 8-bit sRGB -> CIE L*a*b* with the D65 white, as IEC 61966-2-1 and CIE
 *   15 define it: `c = v / 255`, linear `c / 12.92` if `c <= 0.04045` else
 *   `((c + 0.055) / 1.055)^2.4`; XYZ by the sRGB matrix (rows 0.4124564 0.3575761 0.1804375 /
 *   0.2126729 0.7151522 0.0721750 / 0.0193339 0.1191920 0.9503041); white Xn = 0.95047,
 *   Yn = 1, Zn = 1.08883; `f(t) = cbrt(t)` if `t > (6/29)^3` else `t / (3 (6/29)^2) + 4/29`;
 *   `L = 116 f(Y/Yn) - 16`, `a = 500 (f(X/Xn) - f(Y/Yn))`, `b = 200 (f(Y/Yn) - f(Z/Zn))`.
 *   White is (100, 0, 0), pure red (53.24, 80.09, 67.20).
 * - {@link meanDeltaE}: mean over pixels of CIE76 Delta-E, the Euclidean distance in Lab. In
 *   [0, ~259] (about 2.3 is a just-noticeable difference).
 * - {@link colorHistogramDistance}: total variation distance `sum |p - q| / 2` between the two
 *   images' normalised 3-D RGB histograms, 8 x 8 x 8 bins (`v >> 5` per channel). In [0, 1]:
 *   0 for the same colour distribution wherever the colours are, 1 for no shared bin. Unlike
 *   Delta-E it ignores where each colour is, so a geometric change alone does not move it.
 *
 * Gray images count as RGB with equal channels, RGBA ones are composited on white first
 * (`lib/data/pixels.ts` `toRgb`).
 *
 * ```ts
 * import { colorHistogramDistance, meanDeltaE, srgbToLab } from "./color.ts";
 * srgbToLab(255, 255, 255); // [100, 0, 0] (to 1e-4)
 * const a = { width: 2, height: 2, channels: 3, data: new Uint8Array(12).fill(200) };
 * meanDeltaE(a, a); // 0
 * colorHistogramDistance(a, { ...a, data: new Uint8Array(12) }); // 1
 * ```
 * @module
 */
import { type Pixels, toRgb } from "../data/pixels.ts";
import { MetricError } from "./features.ts";

/** Bins per channel of {@link colorHistogramDistance}'s histograms (8 x 8 x 8 in all). */
export const COLOR_BINS = 8;

const WHITE = [0.95047, 1, 1.08883] as const;
const EPS = (6 / 29) ** 3;

/** sRGB 8-bit value -> linear light in [0, 1] (IEC 61966-2-1). */
const LINEAR = Float64Array.from({ length: 256 }, (_, v) => {
  const c = v / 255;
  return c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
});

function f(t: number): number {
  return t > EPS ? Math.cbrt(t) : t / (3 * (6 / 29) ** 2) + 4 / 29;
}

/**
 * One 8-bit sRGB colour as CIE L*a*b* (D65), by the formulas of the module doc.
 *
 * ```ts
 * import { srgbToLab } from "./color.ts";
 * srgbToLab(255, 0, 0); // [53.24, 80.09, 67.20] (rounded)
 * ```
 */
export function srgbToLab(r: number, g: number, b: number): [number, number, number] {
  const R = LINEAR[r], G = LINEAR[g], B = LINEAR[b];
  const x = (0.4124564 * R + 0.3575761 * G + 0.1804375 * B) / WHITE[0];
  const y = (0.2126729 * R + 0.7151522 * G + 0.0721750 * B) / WHITE[1];
  const z = (0.0193339 * R + 0.1191920 * G + 0.9503041 * B) / WHITE[2];
  const fx = f(x), fy = f(y), fz = f(z);
  return [116 * fy - 16, 500 * (fx - fy), 200 * (fy - fz)];
}

function rgbPair(a: Pixels, b: Pixels): [Uint8Array, Uint8Array] {
  if (a.width !== b.width || a.height !== b.height) {
    throw new MetricError(
      `images differ in size: ${a.width}x${a.height} vs ${b.width}x${b.height}`,
    );
  }
  return [toRgb(a).data, toRgb(b).data];
}

/**
 * Mean CIE76 Delta-E (Euclidean distance in L*a*b*) between the images' pixels at the same
 * positions: 0 when the colours are kept.
 *
 * ```ts
 * import { meanDeltaE } from "./color.ts";
 * const white = { width: 1, height: 1, channels: 3, data: new Uint8Array([255, 255, 255]) };
 * meanDeltaE(white, { ...white, data: new Uint8Array(3) }); // 100: white vs black
 * ```
 */
export function meanDeltaE(a: Pixels, b: Pixels): number {
  const [x, y] = rgbPair(a, b);
  const n = x.length / 3;
  if (n === 0) throw new MetricError("Delta-E of empty images");
  let s = 0;
  for (let i = 0; i < x.length; i += 3) {
    const p = srgbToLab(x[i], x[i + 1], x[i + 2]);
    const q = srgbToLab(y[i], y[i + 1], y[i + 2]);
    s += Math.hypot(p[0] - q[0], p[1] - q[1], p[2] - q[2]);
  }
  return s / n;
}

function histogram(rgb: Uint8Array): Float64Array {
  const h = new Float64Array(COLOR_BINS ** 3);
  const shift = 8 - Math.log2(COLOR_BINS);
  for (let i = 0; i < rgb.length; i += 3) {
    h[
      ((rgb[i] >> shift) * COLOR_BINS + (rgb[i + 1] >> shift)) * COLOR_BINS + (rgb[i + 2] >> shift)
    ]++;
  }
  const n = rgb.length / 3;
  return h.map((v) => v / n);
}

/**
 * Total variation distance between the images' normalised 8 x 8 x 8 RGB histograms, in
 * [0, 1]: 0 for the same colour distribution.
 *
 * ```ts
 * import { colorHistogramDistance } from "./color.ts";
 * const a = { width: 2, height: 1, channels: 3, data: new Uint8Array([0, 0, 0, 255, 255, 255]) };
 * colorHistogramDistance(a, { ...a, data: new Uint8Array(6) }); // 0.5
 * ```
 */
export function colorHistogramDistance(a: Pixels, b: Pixels): number {
  const [x, y] = rgbPair(a, b);
  if (x.length === 0) throw new MetricError("colour histograms of empty images");
  const p = histogram(x), q = histogram(y);
  let s = 0;
  for (let i = 0; i < p.length; i++) s += Math.abs(p[i] - q[i]);
  return s / 2;
}
