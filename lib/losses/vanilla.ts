/**
 * `vanilla`: the original GAN's cross-entropy (Goodfellow et al. 2014) with the non-saturating
 * generator loss, as the official `GANLoss` computes it with `nn.BCEWithLogitsLoss`: D outputs
 * raw logits (the official D has no sigmoid layer) against targets 1.0 (real) / 0.0 (fake).
 *
 * Per element, BCE with logits is `-t*log(sigmoid(x)) - (1-t)*log(1-sigmoid(x))`; we evaluate it
 * in the form that cannot overflow, `max(x, 0) - x*t + log(1 + exp(-|x|))` (the same rewriting
 * PyTorch's kernel uses), so large logits give large finite losses, not `Infinity` or `NaN`.
 *
 * ```ts
 * import { vanilla } from "./vanilla.ts";
 * const g = vanilla.generatorLoss(logitsFake);
 * ```
 * @module
 */
import { tf } from "../tf.ts";
import type { GanLoss } from "./types.ts";

/**
 * Mean binary cross-entropy of `logits` against the constant label `target`, numerically stable.
 *
 * Its gradient is `sigmoid(x) - t` everywhere, including at `x = 0`: tfjs differentiates
 * `relu` at 0 as 0 and `abs` at 0 as -1, and the two pieces then add up to `0.5 - t`.
 *
 * ```ts
 * const loss = bceWithLogits(tf.tensor([0, 2]), 1); // mean(log 2, log(1 + e^-2))
 * ```
 */
export function bceWithLogits(logits: tf.Tensor, target: 0 | 1): tf.Scalar {
  return tf.tidy(() => {
    const perElement = tf.add(
      tf.sub(tf.relu(logits), tf.mul(logits, target)),
      tf.log1p(tf.exp(tf.neg(tf.abs(logits)))),
    );
    return tf.mean(perElement) as tf.Scalar;
  });
}

/**
 * The cross-entropy GAN objective on logits.
 *
 * ```ts
 * const d = vanilla.discriminatorLoss(logitsReal, logitsFake); // 0.5 * (bce(real,1) + bce(fake,0))
 * ```
 */
export const vanilla: GanLoss = Object.freeze({
  name: "vanilla",
  needsGradientPenalty: false,
  generatorLoss(predFake: tf.Tensor): tf.Scalar {
    // Non-saturating form: G maximises log D(G(x)) by labelling its fakes as real.
    return bceWithLogits(predFake, 1);
  },
  discriminatorLoss(predReal: tf.Tensor, predFake: tf.Tensor): tf.Scalar {
    return tf.tidy(() =>
      tf.mul(tf.add(bceWithLogits(predReal, 1), bceWithLogits(predFake, 0)), 0.5) as tf.Scalar
    );
  },
  discriminatorTerm(pred: tf.Tensor, target: "real" | "fake"): tf.Scalar {
    return bceWithLogits(pred, target === "real" ? 1 : 0);
  },
});
