/**
 * Zero gradients for tfjs's comparison and logical kernels, so that second-order gradients work.
 *
 * The gradient penalty differentiates D's input gradient with respect to D's weights. tfjs
 * builds several first-order gradients from comparison ops (LeakyRelu's is
 * `where(greater(x, 0), dy, alpha * dy)`, Pow, Prelu, Selu, Maximum/Minimum similarly), and
 * registers no gradient for `Greater`, `Less`, ... so the second pass stops with "gradient
 * function not found for Greater" on any critic with a LeakyReLU (the official PatchGAN has
 * them). These ops are piecewise constant, so their gradient is zero almost everywhere; TensorFlow
 * declares them `NotDifferentiable` for the same reason. Registration is global and only fills
 * gaps: a kernel that already has a gradient is left alone.
 * @module
 */
import { tf } from "../tf.ts";

const BINARY = ["Greater", "Less", "LessEqual", "Equal", "NotEqual", "LogicalAnd", "LogicalOr"];
const UNARY = ["LogicalNot"];

/**
 * Registers a zero gradient for each comparison/logical kernel that has none (idempotent).
 *
 * ```ts
 * ensureComparisonGradients();
 * const g = tf.variableGrads(() => gradientPenalty(critic, { real, fake }, { rng }));
 * ```
 */
export function ensureComparisonGradients(): void {
  for (const kernelName of BINARY) {
    if (tf.getGradient(kernelName) !== undefined) continue;
    tf.registerGradient({
      kernelName,
      inputsToSave: ["a", "b"],
      gradFunc: (_dy, saved) => {
        const [a, b] = saved as tf.Tensor[];
        return { a: () => tf.zeros(a.shape), b: () => tf.zeros(b.shape) };
      },
    });
  }
  for (const kernelName of UNARY) {
    if (tf.getGradient(kernelName) !== undefined) continue;
    tf.registerGradient({
      kernelName,
      inputsToSave: ["x"],
      gradFunc: (_dy, saved) => {
        const [x] = saved as tf.Tensor[];
        return { x: () => tf.zeros(x.shape) };
      },
    });
  }
}
