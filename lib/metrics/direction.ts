/**
 * Which way each recorded metric is better: what the statistics need to say "best", to orient
 * a difference so that positive means better, and to test "better than the untrained floor".
 *
 * ```ts
 * import { betterDirection, isBetter } from "./direction.ts";
 * betterDirection("fid");               // "lower"
 * isBetter("pixel_accuracy", 0.7, 0.5); // true
 * ```
 * @module
 */

/** `higher` or `lower` is better. */
export type Better = "higher" | "lower";

/**
 * The raw metric names of an evaluation record (lib/sweep/evaluate.ts) and which way they are
 * better. Distances and errors (L1, FID, KID, Delta-E, histogram distance) are
 * lower-is-better; similarities and accuracies (SSIM, edge SSIM, edge IoU) higher-is-better. `kid_std` is a spread, not a score, and has no direction.
 */
export const METRIC_BETTER: Readonly<Record<string, Better>> = Object.freeze({
  l1: "lower",
  psnr: "higher",
  ssim: "higher",
  fid: "lower",
  kid: "lower",
  pixel_accuracy: "higher",
  class_accuracy: "higher",
  class_iou: "higher",
  real_pixel_accuracy: "higher",
  real_class_accuracy: "higher",
  real_class_iou: "higher",
  edge_ssim: "higher",
  edge_iou: "higher",
  delta_e: "lower",
  color_hist: "lower",
  recover: "higher",
  good_share: "higher",
  layout: "higher",
  d_osc: "lower",
  g_osc: "lower",
  roughness: "lower",
});

/**
 * Recorded metrics with no better direction: `kid_std` (a spread of KID over subsets),
 * `spread` (output spread ratio, ideal near 1: lib/metrics/dependence.ts), and the probe's raw
 * signals `grad_gan`, `d_fake` (lib/metrics/training.ts). Claims may still predict them.
 */
export const UNDIRECTED_METRICS: readonly string[] = Object.freeze([
  "kid_std",
  "spread",
  "grad_gan",
  "d_fake",
]);

/** Which way `metric` (a raw name: `fid`, `pixel_accuracy`) is better; undefined when neither. */
export function betterDirection(metric: string): Better | undefined {
  return METRIC_BETTER[metric];
}

/** Whether `a` is strictly better than `b` on `metric` (false for a metric with no direction). */
export function isBetter(metric: string, a: number, b: number): boolean {
  const d = betterDirection(metric);
  if (d === undefined) return false;
  return d === "higher" ? a > b : a < b;
}
