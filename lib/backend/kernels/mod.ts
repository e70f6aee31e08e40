/**
 * The training kit: exact, fast gradients that tfjs 4.22 lacks or gets wrong on CPUs.
 *
 * - `Conv2D` gradients ({@link conv2dInputGrad}, {@link conv2dFilterGrad}) built from forward
 *   stride-1 convs and matMuls, which XNNPACK runs fast; the wasm backend has no
 *   `Conv2DBackpropFilter` at all and a ~10x slower `Conv2DBackpropInput`. Installed for the
 *   `wasm` and `cpu` backends; other backends keep their native gradients.
 * - {@link convTranspose2d}: PyTorch-style transposed conv as sub-pixel stride-1 convs, to use
 *   instead of `tf.conv2dTranspose`.
 * - {@link explicitConvPad}: tfjs conv attributes as explicit per-side pads.
 * - An exact `MirrorPad` gradient ({@link mirrorPadGrad}); tfjs's drops the reflected borders.
 *
 * Measurements and the reasoning behind each choice: backend-prototype.md sections 2-6.
 *
 * @example
 * ```ts
 * import { tf } from "../../tf.ts";
 * import { installTrainingKit } from "./mod.ts";
 *
 * installTrainingKit(); // before recording the forward pass
 * const x = tf.randomNormal([1, 16, 16, 4]) as tf.Tensor4D;
 * const w = tf.randomNormal([3, 3, 4, 8]) as tf.Tensor4D;
 * const dW = tf.grad((f: tf.Tensor4D) => tf.sum(tf.conv2d(x, f, 2, "same")))(w);
 * ```
 * @module
 */
import {
  convGradientsInstalled,
  installConvGradients,
  uninstallConvGradients,
} from "./conv_grads.ts";
import {
  installMirrorPadGradient,
  mirrorPadGradientInstalled,
  uninstallMirrorPadGradient,
} from "./mirror_pad.ts";

export {
  builtinConv2DGradient,
  chooseFilterGradMethod,
  chooseInputGradMethod,
  conv2dFilterGrad,
  conv2dInputGrad,
  convGradientsInstalled,
  type FilterGradMethod,
  type FilterGradOptions,
  type InputGradMethod,
  type InputGradOptions,
  installConvGradients,
  uninstallConvGradients,
} from "./conv_grads.ts";
export {
  conv2dWithPad,
  type ConvGeometry,
  type ConvPadInfo,
  explicitConvPad,
  type ExplicitPad,
  type Pair,
  type TfConvAttrs,
  type TfConvPad,
} from "./conv_pad.ts";
export {
  ACTIVATION_GRAD_KERNEL,
  INSTANCE_NORM_ACTIVATION_GRAD_KERNEL,
  INSTANCE_NORM_ACTIVATION_KERNEL,
} from "./names.ts";
export { ADAM_STEP_KERNEL, installWebGpuAdam, uninstallWebGpuAdam } from "./adam_webgpu.ts";
export {
  installWebGpuInstanceNorm,
  INSTANCE_NORM_GRAD_KERNEL,
  INSTANCE_NORM_KERNEL,
  uninstallWebGpuInstanceNorm,
} from "./instance_norm_webgpu.ts";
export {
  installWebGpuMirrorPadGrad,
  MIRROR_PAD_GRAD_KERNEL,
  uninstallWebGpuMirrorPadGrad,
} from "./mirror_pad_webgpu.ts";
export {
  BIAS_GRAD_KERNEL,
  installWebGpuBiasGrad,
  uninstallWebGpuBiasGrad,
} from "./bias_grad_webgpu.ts";
export {
  DIRECT_CONV_FILTER_GRAD_KERNEL,
  DIRECT_CONV_KERNEL,
  DIRECT_CONV_TRANSPOSE_KERNEL,
  directConvFits,
  installWebGpuDirectConv,
  uninstallWebGpuDirectConv,
} from "./conv2d_webgpu.ts";
export { convTranspose2d, type ConvTransposeOptions } from "./conv_transpose.ts";
export {
  builtinMirrorPadGradient,
  installMirrorPadGradient,
  mirrorPadGrad,
  mirrorPadGradientInstalled,
  type MirrorPadGradOptions,
  uninstallMirrorPadGradient,
} from "./mirror_pad.ts";

/**
 * Installs both gradient overrides: `Conv2D` (our kernels on wasm and cpu, the built-in one
 * elsewhere) and `MirrorPad` (exact, every backend). Idempotent. Call it before recording the
 * forward pass: tfjs looks the gradient up when an op runs under a gradient tape.
 *
 * @example
 * ```ts
 * installTrainingKit();
 * installTrainingKit(); // a no-op the second time
 * ```
 */
export function installTrainingKit(): void {
  installConvGradients();
  installMirrorPadGradient();
}

/**
 * Restores tfjs's built-in `Conv2D` and `MirrorPad` gradients.
 *
 * @example
 * ```ts
 * uninstallTrainingKit(); // e.g. to compute reference gradients in a test
 * ```
 */
export function uninstallTrainingKit(): void {
  uninstallConvGradients();
  uninstallMirrorPadGradient();
}

/**
 * Whether both overrides are installed.
 *
 * @example
 * ```ts
 * installTrainingKit();
 * trainingKitInstalled(); // true
 * ```
 */
export function trainingKitInstalled(): boolean {
  return convGradientsInstalled() && mirrorPadGradientInstalled();
}
