/**
 * `hinge`: the hinge GAN loss (Lim & Ye 2017; used by SAGAN/BigGAN). Not an official CycleGAN
 * mode; cyclebench adds it as a loss-function ablation.
 *
 * D minimises mean(relu(1 - D(y))) + mean(relu(1 + D(G(x)))), halved like every D objective
 * here (paper appendix 7.1); G minimises -mean(D(G(x))).
 *
 * ```ts
 * import { hinge } from "./hinge.ts";
 * const d = hinge.discriminatorLoss(predReal, predFake);
 * ```
 * @module
 */
import { tf } from "../tf.ts";
import type { GanLoss } from "./types.ts";

/**
 * The hinge GAN objective.
 *
 * ```ts
 * const g = hinge.generatorLoss(predFake); // -mean(predFake)
 * ```
 */
export const hinge: GanLoss = Object.freeze({
  name: "hinge",
  needsGradientPenalty: false,
  generatorLoss(predFake: tf.Tensor): tf.Scalar {
    return tf.tidy(() => tf.neg(tf.mean(predFake)) as tf.Scalar);
  },
  discriminatorLoss(predReal: tf.Tensor, predFake: tf.Tensor): tf.Scalar {
    return tf.tidy(() => {
      const real = tf.mean(tf.relu(tf.sub(1, predReal)));
      const fake = tf.mean(tf.relu(tf.add(1, predFake)));
      return tf.mul(tf.add(real, fake), 0.5) as tf.Scalar;
    });
  },
  discriminatorTerm(pred: tf.Tensor, target: "real" | "fake"): tf.Scalar {
    return tf.tidy(() =>
      tf.mean(tf.relu(target === "real" ? tf.sub(1, pred) : tf.add(1, pred))) as tf.Scalar
    );
  },
});
