/**
 * The names of cyclebench's own tfjs kernels, each defined here once: the backends that
 * register a kernel (native: lib/backend/native/kernels.ts; webgpu: the `*_webgpu.ts` modules)
 * and the layers and optimizer that look it up (`tf.getKernel(name, backend)`) share these
 * constants, so a backend's fast path cannot go unused for a misspelt name.
 *
 * ```ts
 * import { INSTANCE_NORM_KERNEL } from "./names.ts";
 * tf.getKernel(INSTANCE_NORM_KERNEL, tf.getBackend()); // registered on native and webgpu
 * ```
 * @module
 */

/** Instance norm forward: {x} -> [y, mean, variance] (attr eps); native and webgpu. */
export const INSTANCE_NORM_KERNEL = "CyclebenchInstanceNorm";
/** Its backward pass: {x, mean, variance, dy} -> dx (attr eps). */
export const INSTANCE_NORM_GRAD_KERNEL = "CyclebenchInstanceNormGrad";
/**
 * Instance norm then an activation: {x} -> [z, stats [N, 2, C]] (attrs eps, activation
 * "linear" | "relu" | "leakyrelu", alpha); webgpu, for `instanceNormActivation`.
 */
export const INSTANCE_NORM_ACTIVATION_KERNEL = "CyclebenchInstanceNormActivation";
/** Its backward pass: {x, stats, dy} -> dx, where dy is the gradient of z. */
export const INSTANCE_NORM_ACTIVATION_GRAD_KERNEL = "CyclebenchInstanceNormActivationGrad";
/** An activation's backward pass: {xOrY, dy} -> dx (attrs kind, alpha); native. */
export const ACTIVATION_GRAD_KERNEL = "CyclebenchActivationGrad";
/** The exact 4-D mirror-pad gradient: {dy} -> dx (attrs paddings, mode); native and webgpu. */
export const MIRROR_PAD_GRAD_KERNEL = "CyclebenchMirrorPadGrad";
/** A bias's gradient, the sum of dy over N, H, W: {dy: [N, H, W, C]} -> [C]; webgpu. */
export const BIAS_GRAD_KERNEL = "CyclebenchBiasGrad";
/**
 * One Adam update of one variable: {value, m, v, g} -> [value, m, v] (attrs beta1, beta2,
 * epsilon, learningRate, oneMinusAccBeta1, oneMinusAccBeta2); native and webgpu, called by
 * `lib/train/adam.ts` when the backend has it.
 */
export const ADAM_STEP_KERNEL = "CyclebenchAdamStep";
