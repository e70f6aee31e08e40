/**
 * The L1 reconstruction terms of the CycleGAN objective (paper Eq. 2 and Sec. 5.2; official
 * `cycle_gan_model.py`, `criterionCycle` and `criterionIdt`, both `nn.L1Loss` with mean
 * reduction).
 *
 * ```ts
 * import { cycleLoss, identityLoss } from "./cycle.ts";
 * const cycleA = cycleLoss(recA, realA, 10); // lambda_A * ||G_B(G_A(A)) - A||_1
 * const idtA = identityLoss(() => netGA(realB), realB, 10, 0.5); // 5 * ||G_A(B) - B||_1
 * ```
 * @module
 */
import { tf } from "../tf.ts";

function checkWeight(what: string, name: string, value: number): void {
  if (!Number.isFinite(value) || value < 0) {
    throw new Error(
      `Cannot compute the ${what}: ${name} is ${value}, expected a finite number >= 0`,
    );
  }
}

function checkShapes(what: string, a: tf.Tensor, b: tf.Tensor): void {
  // nn.L1Loss broadcasts mismatched shapes with only a warning; a mismatch here is always a bug.
  if (a.shape.join() !== b.shape.join()) {
    throw new Error(
      `Cannot compute the ${what}: shapes [${a.shape}] and [${b.shape}] differ, expected equal shapes`,
    );
  }
}

/** Mean absolute difference of two equally shaped tensors (a tidy intermediate). */
function meanAbsDiff(a: tf.Tensor, b: tf.Tensor): tf.Scalar {
  return tf.mean(tf.abs(tf.sub(a, b))) as tf.Scalar;
}

/**
 * Cycle-consistency loss: `lambda * mean(|rec - real|)`.
 *
 * For the forward cycle (paper: x -> G(x) -> F(G(x)) ~ x) pass `rec_A = G_B(G_A(A))`, `real_A` and
 * `lambda_A`; for the backward cycle `rec_B`, `real_B`, `lambda_B` (both 10 by default, §1.1).
 *
 * ```ts
 * const loss = cycleLoss(recA, realA, 10);
 * ```
 */
export function cycleLoss(rec: tf.Tensor, real: tf.Tensor, lambda: number): tf.Scalar {
  checkWeight("cycle loss", "lambda", lambda);
  checkShapes("cycle loss", rec, real);
  return tf.tidy(() => tf.mul(meanAbsDiff(rec, real), lambda) as tf.Scalar);
}

/**
 * pix2pix's reconstruction term: `lambdaL1 * mean(|fake_B - real_B|)`, the official
 * `criterionL1(fake_B, real_B) * lambda_L1` (`pix2pix_model.py`, `nn.L1Loss`, lambda_L1 100).
 *
 * ```ts
 * const gL1 = l1Loss(fakeB, realB, 100);
 * ```
 */
export function l1Loss(fake: tf.Tensor, real: tf.Tensor, lambdaL1: number): tf.Scalar {
  checkWeight("L1 loss", "lambda_L1", lambdaL1);
  checkShapes("L1 loss", fake, real);
  return tf.tidy(() => tf.mul(meanAbsDiff(fake, real), lambdaL1) as tf.Scalar);
}

/**
 * Identity-mapping loss: `lambda * lambdaIdentity * mean(|idt - real|)`, the paper's "identity
 * mapping loss of weight 0.5 lambda" (Sec. 5.2) with the official defaults 10 and 0.5.
 *
 * For `idt_A = G_A(B)` the official code pairs it with `real_B` and `lambda_B`; for
 * `idt_B = G_B(A)`, with `real_A` and `lambda_A`.
 *
 * `idt` may be a function producing the identity image; then, like the official code (which runs
 * `netG_A(real_B)` only `if lambda_idt > 0`), nothing runs when `lambdaIdentity` is 0: the
 * result is a zero scalar and the function is not called. A tensor that the function returns is
 * disposed here; a tensor passed in stays the caller's.
 *
 * ```ts
 * const loss = identityLoss(() => netGA(realB), realB, 10, 0.5);
 * ```
 */
export function identityLoss(
  idt: tf.Tensor | (() => tf.Tensor),
  real: tf.Tensor,
  lambda: number,
  lambdaIdentity: number,
): tf.Scalar {
  checkWeight("identity loss", "lambda", lambda);
  checkWeight("identity loss", "lambdaIdentity", lambdaIdentity);
  if (lambdaIdentity === 0) return tf.scalar(0);
  return tf.tidy(() => {
    const image = typeof idt === "function" ? idt() : idt;
    checkShapes("identity loss", image, real);
    return tf.mul(meanAbsDiff(image, real), lambda * lambdaIdentity) as tf.Scalar;
  });
}
