/**
 * How many gradient tapes are recording: tfjs's engine state, which its public API does not
 * expose. 0 outside any gradient computation, 1 while a gradient is taken, 2 inside a double
 * backprop (WGAN-GP's gradient penalty). Kernels and gradients with a fast path that has no
 * gradient of its own take the differentiable ops when a gradient they compute is itself
 * recorded (depth > 0 inside a gradient function).
 *
 * ```ts
 * import { gradientDepth } from "./tape.ts";
 * gradientDepth(); // 0
 * ```
 * @module
 */
import { tf } from "../tf.ts";

/** The number of gradient tapes recording now (see the module doc). */
export function gradientDepth(): number {
  return (tf.engine() as unknown as { state: { gradientDepth: number } }).state.gradientDepth;
}
