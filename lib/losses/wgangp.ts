/**
 * `wgangp`: the Wasserstein GAN loss (Arjovsky et al. 2017) with the gradient penalty of
 * Gulrajani et al. 2017.
 *
 * The official `GANLoss` in `wgangp` mode returns -mean(pred) for real targets and +mean(pred)
 * for fake ones. `networks.py` also defines `cal_gradient_penalty`, but **`cycle_gan_model.py`
 * never calls it**, so the official `--gan_mode wgangp` trains a WGAN critic with neither a
 * gradient penalty nor weight clipping (reference §1.4, §1.11 item 3). cyclebench does apply the
 * penalty: this mode sets `needsGradientPenalty`, and the trainer adds {@link gradientPenalty} to
 * the discriminator's loss. Sweeps that want the official behaviour byte for byte must say so.
 *
 * ```ts
 * import { gradientPenalty, wgangp } from "./wgangp.ts";
 * const d = tf.add(wgangp.discriminatorLoss(critic(real), critic(fake)),
 *   gradientPenalty(critic, { real, fake }, { rng }));
 * ```
 * @module
 */
import { tf } from "../tf.ts";
import type { GanLoss } from "./types.ts";
import { ensureComparisonGradients } from "./_second_order.ts";

/**
 * The WGAN objective: G minimises -mean(D(G(x))); D minimises -mean(D(y)) + mean(D(G(x))),
 * halved like every D objective here (paper appendix 7.1; the official code halves it too).
 *
 * ```ts
 * const g = wgangp.generatorLoss(predFake); // -mean(predFake)
 * ```
 */
export const wgangp: GanLoss = Object.freeze({
  name: "wgangp",
  needsGradientPenalty: true,
  generatorLoss(predFake: tf.Tensor): tf.Scalar {
    return tf.tidy(() => tf.neg(tf.mean(predFake)) as tf.Scalar);
  },
  discriminatorLoss(predReal: tf.Tensor, predFake: tf.Tensor): tf.Scalar {
    return tf.tidy(() => tf.mul(tf.sub(tf.mean(predFake), tf.mean(predReal)), 0.5) as tf.Scalar);
  },
  discriminatorTerm(pred: tf.Tensor, target: "real" | "fake"): tf.Scalar {
    return tf.tidy(() => (target === "real" ? tf.neg(tf.mean(pred)) : tf.mean(pred)) as tf.Scalar);
  },
});

/** Options for {@link gradientPenalty}. */
export interface GradientPenaltyOptions {
  /**
   * Source of the interpolation weights alpha, one `uniform()` draw in [0, 1) per sample: the
   * run's seeded `Rng` (`lib/nn/rng.ts`), so that the penalty is reproducible and resumable.
   */
  rng: { uniform(): number };
  /** Weight of the penalty; 10 as in Gulrajani et al. and the official `cal_gradient_penalty`. */
  lambdaGp?: number;
  /** Target gradient norm; 1 (the 1-Lipschitz constraint). */
  target?: number;
}

// Added under the square root so that the norm, and so the penalty's gradient, stays finite when
// a sample's input gradient is exactly zero (the official code adds 1e-16 for the same reason).
const NORM_EPS = 1e-12;

/**
 * The WGAN-GP gradient penalty, `lambdaGp * mean_i((||grad_x D(x_hat_i)||_2 - target)^2)`.
 *
 * Each sample i is interpolated as `x_hat_i = alpha_i * real_i + (1 - alpha_i) * fake_i`, with one
 * `alpha_i ~ U[0, 1)` per sample drawn from `options.rng` (the official `mixed` type). The
 * gradient is of the sum of the critic's outputs (a PatchGAN map sums over its patches, as the
 * official `grad_outputs=ones` does) and its norm is taken over each sample's flattened
 * gradient. The input gradient comes from `tf.grad` and stays on the tape, so calling this inside
 * `tf.variableGrads` over D's variables differentiates through it (a second-order gradient).
 * That needs every gradient function on D's path to be built from recorded tfjs ops: one that
 * copies data outside the tape makes the penalty's weight gradient silently zero.
 *
 * The result is the full penalty, not halved: add it as is to the (halved)
 * `wgangp.discriminatorLoss`. The 0.5 of appendix 7.1 slows D's learning on the adversarial
 * objective, while the penalty enforces a constraint whose strength (10) was set by Gulrajani et
 * al.; halving it too would make the constraint half as strong. The official code never calls
 * its penalty, so there is no official choice to follow here.
 *
 * `real` and `fake` must have the same shape, batch first; `fake` should not carry G's graph
 * (pass pooled or detached fakes, as D's update does). The caller disposes the result.
 *
 * ```ts
 * const critic = (x: tf.Tensor) => netD.apply(x) as tf.Tensor;
 * const gp = gradientPenalty(critic, { real, fake }, { rng });
 * ```
 */
export function gradientPenalty(
  critic: (x: tf.Tensor) => tf.Tensor,
  samples: { real: tf.Tensor; fake: tf.Tensor },
  options: GradientPenaltyOptions,
): tf.Scalar {
  const { real, fake } = samples;
  const { rng, lambdaGp = 10, target = 1 } = options;
  if (real.shape.length < 1 || real.shape.join() !== fake.shape.join()) {
    throw new Error(
      `Cannot compute the gradient penalty: real has shape [${real.shape}] and fake [${fake.shape}], expected equal shapes with the batch first`,
    );
  }
  const n = real.shape[0];
  const alphas = Array.from({ length: n }, () => rng.uniform());
  for (const a of alphas) {
    if (!(a >= 0 && a <= 1)) {
      throw new Error(
        `Cannot compute the gradient penalty: rng.uniform() gave ${a}, expected a draw in [0, 1]`,
      );
    }
  }
  // D's LeakyReLUs put comparison ops into the input gradient; give them their (zero)
  // gradients so that the second-order pass through this penalty can run.
  ensureComparisonGradients();
  return tf.tidy(() => {
    // alpha broadcasts over every non-batch axis: one weight per sample.
    const alpha = tf.tensor(alphas, [n, ...real.shape.slice(1).map(() => 1)]);
    const xHat = tf.add(tf.mul(alpha, real), tf.mul(tf.sub(1, alpha), fake));
    const grad = tf.grad((x: tf.Tensor) => tf.sum(critic(x)))(xHat);
    const norms = tf.sqrt(tf.add(tf.sum(tf.square(tf.reshape(grad, [n, -1])), 1), NORM_EPS));
    return tf.mul(tf.mean(tf.square(tf.sub(norms, target))), lambdaGp) as tf.Scalar;
  });
}
