/**
 * Types shared by the GAN-loss registry (`mod.ts`) and its entries.
 * @module
 */
import type { tf } from "../tf.ts";

/**
 * One GAN objective, as the official `GANLoss` (`models/networks.py`) and its callers use it.
 *
 * Predictions are the discriminator's raw outputs (a PatchGAN map or any shape); every term is a
 * mean over all their elements, like PyTorch's default `reduction="mean"`.
 *
 * ```ts
 * import { gan_mode } from "./mod.ts";
 * const loss: GanLoss = gan_mode.lsgan;
 * ```
 */
export interface GanLoss {
  /** The registry key (`--gan_mode`). */
  readonly name: string;
  /** G's adversarial term on D's predictions for the current (not pooled) fakes (§1.6). */
  generatorLoss(predFake: tf.Tensor): tf.Scalar;
  /**
   * D's objective on real and (pooled) fake predictions, already halved: the official code
   * computes `(loss_D_real + loss_D_fake) * 0.5` and the paper (appendix 7.1) divides D's
   * objective by 2 "which slows down the rate at which D learns relative to G".
   */
  discriminatorLoss(predReal: tf.Tensor, predFake: tf.Tensor): tf.Scalar;
  /**
   * One of D's two terms, not halved: the official `criterionGAN(pred, target_is_real)`, which
   * pix2pix logs as `D_real` and `D_fake` and averages itself (`(D_fake + D_real) * 0.5`).
   */
  discriminatorTerm(pred: tf.Tensor, target: "real" | "fake"): tf.Scalar;
  /** Whether the trainer must add `gradientPenalty` (`wgangp.ts`) to D's loss (only `wgangp`). */
  readonly needsGradientPenalty: boolean;
}
