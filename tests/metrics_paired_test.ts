import { assert, assertAlmostEquals, assertEquals, assertMatch, assertThrows } from "./_assert.ts";
import type { Pixels } from "../lib/data/pixels.ts";
import { MetricError } from "../lib/metrics/features.ts";
import { l1, pairedScores, psnr, ssim } from "../lib/metrics/paired.ts";

function image(w: number, h: number, c: number, f: (r: number, x: number, ch: number) => number) {
  const data = new Uint8Array(w * h * c);
  for (let r = 0; r < h; r++) {
    for (let x = 0; x < w; x++) {
      for (let ch = 0; ch < c; ch++) data[(r * w + x) * c + ch] = f(r, x, ch);
    }
  }
  return { width: w, height: h, channels: c, data } as Pixels;
}

const C1 = (0.01 * 255) ** 2;

Deno.test("l1/psnr/ssim of identical images: 0, Infinity, 1", () => {
  const a = image(16, 12, 3, (r, x, c) => (r * 31 + x * 17 + c * 5) % 256);
  assertEquals(l1(a, a), 0);
  assertEquals(psnr(a, a), Infinity);
  assertAlmostEquals(ssim(a, a), 1, 1e-15);
});

Deno.test("l1/psnr of a constant offset have closed forms", () => {
  const a = image(13, 11, 3, (r, x) => 100 + ((r + x) % 50));
  const b = image(13, 11, 3, (r, x) => 110 + ((r + x) % 50));
  assertEquals(l1(a, b), 10);
  assertAlmostEquals(psnr(a, b), 10 * Math.log10((255 * 255) / 100), 1e-12);
});

Deno.test("ssim() of two constant images is (2ab + C1) / (a^2 + b^2 + C1)", () => {
  const a = image(11, 11, 1, () => 80), b = image(11, 11, 1, () => 120);
  // (variances are 0 up to the rounding of E[x^2] - E[x]^2, as in skimage)
  assertAlmostEquals(ssim(a, b), (2 * 80 * 120 + C1) / (80 * 80 + 120 * 120 + C1), 1e-12);
});

Deno.test("ssim() matches the skimage-equivalent reference on a fixed image pair", () => {
  // Reference from scipy.ndimage.gaussian_filter(sigma=1.5, truncate=3.5) applied as
  // skimage.metrics.structural_similarity does with gaussian_weights=True,
  // use_sample_covariance=False, data_range=255, channel_axis=-1 (crop 5, channel mean):
  // 0.38527743386403795; L1 53.175; PSNR 9.897373854101515.
  const a = image(24, 20, 3, (r, x, c) => (r * 7 + x * 13 + c * 29 + ((r * x) % 17) * 5) % 256);
  const b = image(
    24,
    20,
    3,
    (r, x, c) => (a.data[(r * 24 + x) * 3 + c] + ((r + 2 * x + c) % 23) * 3) % 256,
  );
  assertAlmostEquals(ssim(a, b), 0.38527743386403795, 1e-12);
  assertAlmostEquals(l1(a, b), 53.175, 1e-12);
  assertAlmostEquals(psnr(a, b), 9.897373854101515, 1e-12);
  assertAlmostEquals(ssim(b, a), ssim(a, b), 1e-15); // symmetric
});

Deno.test("pairedScores() averages over pairs; bad pairs are MetricErrors", () => {
  const a = image(12, 12, 3, () => 50), b = image(12, 12, 3, () => 60);
  const s = pairedScores([a, b], [a, a]);
  assertEquals(s.n, 2);
  assertEquals(s.l1, 5);
  assertEquals(s.psnr, Infinity);
  assert(s.ssim < 1 && s.ssim > 0.9);
  assertMatch(
    assertThrows(() => pairedScores([a], [image(12, 13, 3, () => 0)]), MetricError).message,
    /differ in size/,
  );
  assertMatch(
    assertThrows(() => ssim(image(10, 30, 1, () => 0), image(10, 30, 1, () => 0))).message,
    /at least 11x11/,
  );
  assertThrows(() => pairedScores([], []), MetricError);
});
