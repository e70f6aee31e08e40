/**
 * `lsgan`: least-squares GAN (Mao et al. 2017), the official default `--gan_mode` and the
 * objective the CycleGAN paper trains with (Sec. 4: "we replace the negative log likelihood
 * objective by a least-squares loss").
 *
 * The official `GANLoss` uses `nn.MSELoss` against a target map of 1.0 (real) or 0.0 (fake), no
 * label smoothing, so: G minimises E[(D(G(x)) - 1)^2]; D minimises E[(D(y) - 1)^2] + E[D(G(x))^2],
 * halved.
 *
 * ```ts
 * import { lsgan } from "./lsgan.ts";
 * const g = lsgan.generatorLoss(predFake);
 * ```
 * @module
 */
import { tf } from "../tf.ts";
import type { GanLoss } from "./types.ts";

/** Mean squared error of `pred` against the constant label `target` (1 real, 0 fake). */
function mseToLabel(pred: tf.Tensor, target: 0 | 1): tf.Scalar {
  return tf.tidy(() => tf.mean(tf.square(tf.sub(pred, target))) as tf.Scalar);
}

/**
 * The least-squares GAN objective.
 *
 * ```ts
 * const d = lsgan.discriminatorLoss(predReal, predFake); // 0.5 * (mse(real, 1) + mse(fake, 0))
 * ```
 */
export const lsgan: GanLoss = Object.freeze({
  name: "lsgan",
  needsGradientPenalty: false,
  generatorLoss(predFake: tf.Tensor): tf.Scalar {
    return mseToLabel(predFake, 1);
  },
  discriminatorLoss(predReal: tf.Tensor, predFake: tf.Tensor): tf.Scalar {
    return tf.tidy(() =>
      tf.mul(tf.add(mseToLabel(predReal, 1), mseToLabel(predFake, 0)), 0.5) as tf.Scalar
    );
  },
  discriminatorTerm(pred: tf.Tensor, target: "real" | "fake"): tf.Scalar {
    return mseToLabel(pred, target === "real" ? 1 : 0);
  },
});
