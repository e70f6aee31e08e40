/**
 * The layers of the official CycleGAN networks as pure functions over explicit tensors, NHWC,
 * batch >= 1, with PyTorch's semantics (official-cyclegan.md 1.2, 1.3). Each function runs in
 * its own `tf.tidy`, so it leaves nothing behind but its result.
 *
 * ```ts
 * import { tf } from "../tf.ts";
 * import { conv2d, instanceNorm, reflectionPad } from "./layers.ts";
 * const x = tf.zeros([1, 32, 32, 3]) as tf.Tensor4D;
 * const w = tf.zeros([7, 7, 3, 8]) as tf.Tensor4D;
 * const y = tf.relu(instanceNorm(conv2d(reflectionPad(x, 3), w))); // c7s1-8
 * ```
 * @module
 */
import { tf } from "../tf.ts";
import { gradientDepth } from "../backend/tape.ts";
import {
  BIAS_GRAD_KERNEL,
  convTranspose2d as kitConvTranspose2d,
  DIRECT_CONV_FILTER_GRAD_KERNEL,
  DIRECT_CONV_KERNEL,
  DIRECT_CONV_TRANSPOSE_KERNEL,
  directConvFits,
  INSTANCE_NORM_ACTIVATION_GRAD_KERNEL,
  INSTANCE_NORM_ACTIVATION_KERNEL,
  INSTANCE_NORM_GRAD_KERNEL,
  INSTANCE_NORM_KERNEL,
} from "../backend/kernels/mod.ts";
import type { Rng } from "./rng.ts";

/** PyTorch's default `eps` for InstanceNorm2d and BatchNorm2d. */
export const NORM_EPS = 1e-5;

/** PyTorch's default BatchNorm2d `momentum` (weight of the new batch in the running stats). */
export const BN_MOMENTUM = 0.1;

function instanceNormOp(eps: number): (x: tf.Tensor4D) => tf.Tensor4D {
  return tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const x = args[0] as tf.Tensor4D;
    const save = args[1] as tf.GradSaveFunc;
    // Biased variance over H, W per sample and channel, as PyTorch's InstanceNorm2d.
    const { mean, variance } = tf.moments(x, [1, 2], true);
    const r = tf.rsqrt(tf.add(variance, eps));
    const y = tf.mul(tf.sub(x, mean), r) as tf.Tensor4D;
    save([y, r]);
    return {
      value: y,
      // Closed form of the normalisation's backward pass: with y = (x - mean) * r,
      // dx = r * (g - mean(g) - y * mean(g * y)), means over H, W. One pass instead of the
      // ~15 kernels autodiff through tf.moments records (backend-prototype.md, section 3).
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [ys, rs] = saved;
        const gMean = tf.mean(dy, [1, 2], true);
        const gyMean = tf.mean(tf.mul(dy, ys), [1, 2], true);
        return tf.mul(rs, tf.sub(tf.sub(dy, gMean), tf.mul(ys, gyMean)));
      },
    };
  }) as unknown as (x: tf.Tensor4D) => tf.Tensor4D;
}

/** Instance norm as one kernel forward and one backward, where the backend has them. */
function fusedInstanceNormOp(eps: number): (x: tf.Tensor4D) => tf.Tensor4D {
  return tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const x = args[0] as tf.Tensor4D;
    const save = args[1] as tf.GradSaveFunc;
    const [y, mean, variance] = tf.engine().runKernel(INSTANCE_NORM_KERNEL, { x }, {
      eps,
    }) as tf.Tensor[];
    // y is saved too: tfjs's saved tensors stay on the tape (a clone node), and double
    // backprop must see y exactly as instanceNormOp's gradient does (it uses the saved y).
    save([x, y, mean, variance]);
    return {
      value: y as tf.Tensor4D,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [sx, sy, m, v] = saved;
        if (gradientDepth() > 0) {
          // Double backprop (WGAN-GP through an instance-normed D): instanceNormOp's closed
          // form, in ops the outer tape can differentiate, with the same saved inputs.
          const [n, , , c] = sx.shape;
          const r = tf.reshape(tf.rsqrt(tf.add(v, eps)), [n, 1, 1, c]);
          const gMean = tf.mean(dy, [1, 2], true);
          const gyMean = tf.mean(tf.mul(dy, sy), [1, 2], true);
          return tf.mul(r, tf.sub(tf.sub(dy, gMean), tf.mul(sy, gyMean)));
        }
        return tf.engine().runKernel(
          INSTANCE_NORM_GRAD_KERNEL,
          { x: sx, mean: m, variance: v, dy },
          {
            eps,
          },
        ) as tf.Tensor;
      },
    };
  }) as unknown as (x: tf.Tensor4D) => tf.Tensor4D;
}

const instanceNormDefault = instanceNormOp(NORM_EPS);
const fusedInstanceNormDefault = fusedInstanceNormOp(NORM_EPS);

/**
 * InstanceNorm2d as the official `--norm instance`: no affine parameters, no running statistics
 * (so training and eval behave alike), biased variance, eps 1e-5. The gradient is the closed
 * form, checked against autodiff through `tf.moments` in the tests. On a backend with a fused
 * instance-norm kernel (native: oneDNN) forward and backward are one kernel each; on webgpu the
 * kernels of {@link instanceNormActivation}, without an activation.
 */
export function instanceNorm(x: tf.Tensor4D, options: { eps?: number } = {}): tf.Tensor4D {
  const eps = options.eps ?? NORM_EPS;
  if (hasFusedNormActivation(x)) {
    // Two programs forward where the plain kernels take three (webgpu).
    return tf.tidy(() => fusedInstanceNormActivationOp(eps, undefined)(x));
  }
  if (tf.getKernel(INSTANCE_NORM_KERNEL, tf.getBackend()) && x.dtype === "float32") {
    return tf.tidy(() =>
      (eps === NORM_EPS ? fusedInstanceNormDefault : fusedInstanceNormOp(eps))(x)
    );
  }
  return tf.tidy(() => (eps === NORM_EPS ? instanceNormDefault : instanceNormOp(eps))(x));
}

/** An activation that {@link instanceNormActivation} applies after the norm. */
export type NormActivation = { kind: "relu" } | { kind: "leakyRelu"; slope: number };

function applyActivation(y: tf.Tensor4D, activation: NormActivation): tf.Tensor4D {
  return activation.kind === "relu" ? relu(y) : leakyRelu(y, activation.slope);
}

/**
 * Instance norm and activation (none: `undefined`) as one kernel forward and one backward.
 */
function fusedInstanceNormActivationOp(
  eps: number,
  activation: NormActivation | undefined,
): (x: tf.Tensor4D) => tf.Tensor4D {
  const attrs = activation === undefined
    ? { eps, activation: "linear", alpha: 0 }
    : activation.kind === "relu"
    ? { eps, activation: "relu", alpha: 0 }
    : { eps, activation: "leakyrelu", alpha: activation.slope };
  return tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const x = args[0] as tf.Tensor4D;
    const save = args[1] as tf.GradSaveFunc;
    const [z, stats] = tf.engine().runKernel(
      INSTANCE_NORM_ACTIVATION_KERNEL,
      { x },
      attrs,
    ) as tf.Tensor[];
    save([x, stats]);
    return {
      value: z as tf.Tensor4D,
      gradFunc: (dz: tf.Tensor, saved: tf.Tensor[]) => {
        const [sx, stats] = saved;
        if (gradientDepth() > 0) {
          // Under an outer tape: the forward only fuses without nested tapes, so this is a
          // gradient taken through a tensor recorded before an inner tape. The outer tape must
          // see ops it can differentiate: the gradient of the unfused pair, whose second
          // order is `instanceNorm`'s.
          return tf.grad((a: tf.Tensor) => {
            const y = instanceNorm(a as tf.Tensor4D, { eps });
            return activation === undefined ? y : applyActivation(y, activation);
          })(sx, dz);
        }
        return tf.engine().runKernel(
          INSTANCE_NORM_ACTIVATION_GRAD_KERNEL,
          { x: sx, stats, dy: dz },
          attrs,
        ) as tf.Tensor;
      },
    };
  }) as unknown as (x: tf.Tensor4D) => tf.Tensor4D;
}

/**
 * Whether `x` goes through the fused norm kernels: the backend has them, x is float32, and no
 * nested tapes record (WGAN-GP's double backprop keeps the kernels with a second-order path).
 */
function hasFusedNormActivation(x: tf.Tensor): boolean {
  return tf.getKernel(INSTANCE_NORM_ACTIVATION_KERNEL, tf.getBackend()) !== undefined &&
    x.dtype === "float32" &&
    gradientDepth() <= 1;
}

/**
 * `activation(instanceNorm(x))`: the official networks' norm layer and the ReLU or LeakyReLU
 * after it. On a backend with the fused kernels (webgpu) that is one kernel forward and one
 * backward, sparing the activation's GPU programs (issue 18: a small CycleGAN iteration on a
 * GPU is bound by its number of programs); elsewhere, and under nested gradient tapes (WGAN-GP's
 * gradient penalty, whose second-order path `instanceNorm` keeps), it is the two ops themselves.
 */
export function instanceNormActivation(
  x: tf.Tensor4D,
  activation: NormActivation,
  options: { eps?: number } = {},
): tf.Tensor4D {
  const eps = options.eps ?? NORM_EPS;
  if (hasFusedNormActivation(x)) {
    return tf.tidy(() => fusedInstanceNormActivationOp(eps, activation)(x));
  }
  return tf.tidy(() => applyActivation(instanceNorm(x, { eps }), activation));
}

/** BatchNorm2d's parameters and running statistics, all of shape [C]. */
export interface BatchNormState {
  /** Learnable scale (gamma), PyTorch's `weight`. */
  weight: tf.Tensor1D;
  /** Learnable shift (beta), PyTorch's `bias`. */
  bias: tf.Tensor1D;
  /** Running mean, a buffer updated in place in training mode. */
  runningMean: tf.Variable;
  /** Running (unbiased) variance, a buffer updated in place in training mode. */
  runningVar: tf.Variable;
}

/**
 * BatchNorm2d as the official `--norm batch` (affine, tracking running statistics).
 *
 * Training mode normalises with the batch's mean and biased variance over N, H, W and, like
 * PyTorch's `F.batch_norm`, updates the running statistics in place:
 * running = (1 - momentum) * running + momentum * batch, with the *unbiased* batch variance
 * (n / (n - 1)) for the running variance. Eval mode normalises with the running statistics.
 * Set `updateStats: false` to normalise in training mode without touching them (used when a
 * checkpointed block is re-run for its gradient).
 */
export function batchNorm(
  x: tf.Tensor4D,
  state: BatchNormState,
  options: { training: boolean; momentum?: number; eps?: number; updateStats?: boolean },
): tf.Tensor4D {
  const eps = options.eps ?? NORM_EPS;
  const momentum = options.momentum ?? BN_MOMENTUM;
  const [n, h, w] = x.shape;
  const count = n * h * w;
  if (options.training && count < 2) {
    // PyTorch raises the same way: one value per channel has no variance.
    throw new RangeError(
      `batchNorm(): expected more than 1 value per channel when training, got input shape ` +
        `[${x.shape.join(", ")}]`,
    );
  }
  return tf.tidy(() => {
    let mean: tf.Tensor;
    let variance: tf.Tensor;
    if (options.training) {
      ({ mean, variance } = tf.moments(x, [0, 1, 2]));
      if (options.updateStats ?? true) {
        const m = mean;
        const unbiased = tf.mul(variance, count / (count - 1));
        state.runningMean.assign(
          tf.add(tf.mul(state.runningMean, 1 - momentum), tf.mul(m, momentum)),
        );
        state.runningVar.assign(
          tf.add(tf.mul(state.runningVar, 1 - momentum), tf.mul(unbiased, momentum)),
        );
      }
    } else {
      mean = state.runningMean;
      variance = state.runningVar;
    }
    const scale = tf.mul(tf.rsqrt(tf.add(variance, eps)), state.weight);
    return tf.add(tf.mul(tf.sub(x, mean), scale), state.bias) as tf.Tensor4D;
  });
}

/**
 * ReflectionPad2d(p): mirrors `p` rows and columns at each border without repeating the edge,
 * as PyTorch (and tfjs `mirrorPad` 'reflect'). PyTorch requires p < H and p < W; so do we.
 *
 * tfjs 4.22's own MirrorPad gradient is wrong (it drops the reflected contributions,
 * backend-prototype.md, section 3); `installTrainingKit()` from lib/backend/kernels replaces it.
 */
export function reflectionPad(x: tf.Tensor4D, pad: number): tf.Tensor4D {
  const [, h, w] = x.shape;
  if (!(Number.isInteger(pad) && pad >= 0)) {
    throw new RangeError(`reflectionPad(): pad must be a non-negative integer, got ${pad}`);
  }
  if (pad >= h || pad >= w) {
    throw new RangeError(
      `reflectionPad(): pad ${pad} needs height and width above ${pad}, got ${h}x${w}`,
    );
  }
  if (pad === 0) return tf.clone(x);
  return tf.tidy(() => tf.mirrorPad(x, [[0, 0], [pad, pad], [pad, pad], [0, 0]], "reflect"));
}

/** Options of {@link conv2d}. */
export interface Conv2dOptions {
  /** Stride in both directions; default 1. */
  stride?: number;
  /** PyTorch `padding`: p zero rows/columns on every side (symmetric, explicit); default 0. */
  padding?: number;
  /** Per-output-channel bias [outC], added after the convolution. */
  bias?: tf.Tensor1D;
}

/**
 * Conv2d with PyTorch's padding semantics: explicit symmetric zero padding `p`, so output size
 * is floor((H + 2p - k) / s) + 1. (tfjs 'same' pads asymmetrically for even kernels and strides
 * and would shift the 4x4 stride-2 convs of the PatchGAN and U-Net by a pixel.)
 * `weight` is [kh, kw, inC, outC].
 */
export function conv2d(
  x: tf.Tensor4D,
  weight: tf.Tensor4D,
  options: Conv2dOptions = {},
): tf.Tensor4D {
  const stride = options.stride ?? 1;
  const p = options.padding ?? 0;
  checkChannels("conv2d", x, weight.shape[2]);
  return tf.tidy(() => {
    const pad: ConvPad = p === 0 ? "valid" : [[0, 0], [p, p], [p, p], [0, 0]];
    if (x.dtype === "float32" && gradientDepth() <= 1) {
      const [n, h, w] = x.shape;
      const [kh, kw, , k] = weight.shape;
      const out = [n, (h + 2 * p - kh) / stride + 1, (w + 2 * p - kw) / stride + 1, k]
        .map(Math.floor) as [number, number, number, number];
      if (
        tf.getKernel(DIRECT_CONV_KERNEL, tf.getBackend()) &&
        directConvFits(x.shape, weight.shape, out)
      ) {
        const op = directConv(stride, p, out, pad);
        return options.bias ? op(x, weight, options.bias) : op(x, weight);
      }
      if (options.bias && hasBiasGradKernel(x)) {
        return convWithBias(stride, pad)(x, weight, options.bias);
      }
    }
    const y = tf.conv2d(x, weight, stride, pad);
    return options.bias ? addBias(y, options.bias) : y;
  });
}

/** tfjs's explicit padding of {@link conv2d}'s symmetric `p`. */
type ConvPad = "valid" | [[0, 0], [number, number], [number, number], [0, 0]];

/**
 * dx and dW of `tf.conv2d(x, weight, stride, pad)` by the registered `Conv2D` gradient (tfjs's
 * on webgpu), as thunks: ops an outer tape can differentiate.
 */
function registeredConvGrads(
  dy: tf.Tensor,
  x: tf.Tensor,
  weight: tf.Tensor,
  stride: number,
  pad: ConvPad,
): Record<"x" | "filter", () => tf.Tensor> {
  const attrs = { strides: [stride, stride], pad, dataFormat: "NHWC", dilations: [1, 1] };
  return tf.getGradient("Conv2D")!.gradFunc(
    dy,
    [x, weight],
    attrs as unknown as tf.NamedAttrMap,
  ) as Record<"x" | "filter", () => tf.Tensor>;
}

/**
 * Conv2d (and its bias) by a backend's direct small-convolution kernels (webgpu:
 * lib/backend/kernels/conv2d_webgpu.ts): one program forward, one for dW, one for dx (the
 * transposed kernel), one for the bias. At the channel counts of a small CycleGAN they run
 * 3-10x faster than tfjs's programs on lavapipe (issue 18). Only without nested tapes, as
 * {@link convWithBias}.
 */
function directConv(
  stride: number,
  p: number,
  outShape: [number, number, number, number],
  pad: ConvPad,
): (x: tf.Tensor4D, weight: tf.Tensor4D, bias?: tf.Tensor1D) => tf.Tensor4D {
  const geometry = { strides: [stride, stride], pads: [p, p] };
  return tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const save = args[args.length - 1] as tf.GradSaveFunc;
    const [x, weight, bias] = args.slice(0, -1) as [tf.Tensor4D, tf.Tensor4D, tf.Tensor1D?];
    save([x, weight]);
    const inputs: tf.NamedTensorMap = bias ? { x, filter: weight, bias } : { x, filter: weight };
    return {
      value: tf.engine().runKernel(DIRECT_CONV_KERNEL, inputs, {
        ...geometry,
        outShape,
      } as unknown as tf.NamedAttrMap) as tf.Tensor4D,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [sx, sw] = saved as [tf.Tensor4D, tf.Tensor4D];
        let grads: tf.Tensor[];
        if (gradientDepth() > 0) {
          // Under an outer tape (a gradient through a tensor recorded before an inner tape):
          // ops it can differentiate.
          const conv = registeredConvGrads(dy, sx, sw, stride, pad);
          grads = [conv.x(), conv.filter()];
        } else {
          const dx = tf.engine().runKernel(DIRECT_CONV_TRANSPOSE_KERNEL, { x: dy, filter: sw }, {
            ...geometry,
            outShape: sx.shape,
          } as unknown as tf.NamedAttrMap) as tf.Tensor;
          const dw = tf.engine().runKernel(DIRECT_CONV_FILTER_GRAD_KERNEL, { x: sx, dy }, {
            ...geometry,
            filterShape: sw.shape,
          } as unknown as tf.NamedAttrMap) as tf.Tensor;
          grads = [dx, dw];
        }
        return bias ? [...grads, biasGrad(dy as tf.Tensor4D)] : grads;
      },
    };
  }) as unknown as (x: tf.Tensor4D, weight: tf.Tensor4D, bias?: tf.Tensor1D) => tf.Tensor4D;
}

/**
 * Conv2d and its bias as one op: on a backend with the one-program bias gradient (webgpu) the
 * forward is tfjs's fused convolution, one program where the conv and the add are two (issue
 * 18). The gradient is the `Conv2D` gradient registered (tfjs's on webgpu) and the bias kernel.
 * Only without nested tapes: WGAN-GP's double backprop keeps the separate ops and their
 * second-order gradients.
 */
function convWithBias(
  stride: number,
  pad: ConvPad,
): (x: tf.Tensor4D, weight: tf.Tensor4D, bias: tf.Tensor1D) => tf.Tensor4D {
  return tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [x, weight, bias, save] = args as [
      tf.Tensor4D,
      tf.Tensor4D,
      tf.Tensor1D,
      tf.GradSaveFunc,
    ];
    save([x, weight]);
    return {
      value: tf.fused.conv2d({ x, filter: weight, strides: stride, pad, bias }),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const conv = registeredConvGrads(dy, saved[0], saved[1], stride, pad);
        return [conv.x(), conv.filter(), biasGrad(dy as tf.Tensor4D)];
      },
    };
  }) as unknown as (x: tf.Tensor4D, weight: tf.Tensor4D, bias: tf.Tensor1D) => tf.Tensor4D;
}

/** Options of {@link convTranspose2d}. */
export interface ConvTranspose2dOptions {
  /** Stride in both directions. */
  stride: number;
  /** PyTorch `padding` (cropped from each side of the full transposed output). */
  padding: number;
  /** PyTorch `output_padding` (extra rows/columns at the bottom and right); default 0. */
  outputPadding?: number;
  /** Per-output-channel bias [outC]. */
  bias?: tf.Tensor1D;
}

/**
 * ConvTranspose2d with PyTorch semantics: output size (H - 1) * s - 2p + k + output_padding.
 * `weight` is [kh, kw, outC, inC] as tfjs conv2dTranspose. The convolution itself is the
 * training kit's (lib/backend/kernels): differentiable and, on wasm, sub-pixel stride-1 convs
 * instead of tfjs's slow built-in transposed conv (backend-prototype.md, section 2).
 */
export function convTranspose2d(
  x: tf.Tensor4D,
  weight: tf.Tensor4D,
  options: ConvTranspose2dOptions,
): tf.Tensor4D {
  checkChannels("convTranspose2d", x, weight.shape[3]);
  return tf.tidy(() => {
    const y = kitConvTranspose2d(x, weight, {
      stride: options.stride,
      padding: options.padding,
      outputPadding: options.outputPadding ?? 0,
    });
    return options.bias ? addBias(y, options.bias) : y;
  });
}

/** Whether the backend has the one-program bias gradient, for `x`'s dtype. */
function hasBiasGradKernel(x: tf.Tensor): boolean {
  return tf.getKernel(BIAS_GRAD_KERNEL, tf.getBackend()) !== undefined && x.dtype === "float32";
}

/** The bias's gradient: the sum of dy over N, H, W, by the backend's kernel. */
function biasGrad(dy: tf.Tensor4D): tf.Tensor {
  // Under an outer tape (double backprop) the bias gradient must be made of ops it can
  // differentiate: tfjs's own sum.
  return gradientDepth() > 0
    ? tf.sum(dy, [0, 1, 2])
    : tf.engine().runKernel(BIAS_GRAD_KERNEL, { dy }) as tf.Tensor;
}

/** y + bias where the backend has the bias-gradient kernel, as `tf.add`. */
const addBiasFused = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
  const [y, bias] = args as [tf.Tensor4D, tf.Tensor1D];
  return {
    value: tf.add(y, bias) as tf.Tensor4D,
    gradFunc: (dy: tf.Tensor) => [tf.reshape(dy, y.shape), biasGrad(dy as tf.Tensor4D)],
  };
}) as unknown as (y: tf.Tensor4D, bias: tf.Tensor1D) => tf.Tensor4D;

/**
 * y + bias over channels. On a backend with a one-kernel bias gradient (webgpu) its gradient is
 * one program instead of tfjs's transpose and reduction; elsewhere it is `tf.add` itself.
 */
function addBias(y: tf.Tensor4D, bias: tf.Tensor1D): tf.Tensor4D {
  return hasBiasGradKernel(y) ? addBiasFused(y, bias) : tf.add(y, bias) as tf.Tensor4D;
}

/**
 * Dropout(p) in training mode, PyTorch's inverted scaling: each element is kept with
 * probability 1 - p and scaled by 1 / (1 - p), so eval mode is the identity. The mask comes from
 * `rng`, so a seeded run drops the same units every time.
 */
export function dropout(x: tf.Tensor4D, p: number, rng: Rng): tf.Tensor4D {
  if (!(p >= 0 && p <= 1)) throw new RangeError(`dropout(): p must be in [0, 1], got ${p}`);
  if (p === 0) return tf.clone(x);
  const size = x.size;
  const mask = new Float32Array(size);
  const keep = 1 - p;
  const scale = p === 1 ? 0 : 1 / keep;
  for (let i = 0; i < size; i++) mask[i] = rng.uniform() < keep ? scale : 0;
  return tf.tidy(() => tf.mul(x, tf.tensor(mask, x.shape)) as tf.Tensor4D);
}

/** LeakyReLU with the official slope 0.2. */
export function leakyRelu(x: tf.Tensor4D, slope = 0.2): tf.Tensor4D {
  return tf.leakyRelu(x, slope);
}

/** ReLU. */
export function relu(x: tf.Tensor4D): tf.Tensor4D {
  return tf.relu(x);
}

/** Tanh, the generators' output activation (images live in [-1, 1]). */
export function tanh(x: tf.Tensor4D): tf.Tensor4D {
  return tf.tanh(x);
}

function checkChannels(op: string, x: tf.Tensor, expected: number): void {
  if (x.rank !== 4) {
    throw new RangeError(`${op}(): expected an NHWC tensor of rank 4, got shape [${x.shape}]`);
  }
  if (x.shape[3] !== expected) {
    throw new RangeError(
      `${op}(): input has ${x.shape[3]} channels but the weight expects ${expected}`,
    );
  }
}
