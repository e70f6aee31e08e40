/**
 * Exact, fast gradients of `tf.conv2d`, written with ordinary tfjs ops so they run on any
 * backend, and a `Conv2D` gradient override that uses them on `wasm` and `cpu`.
 *
 * Why: tfjs 4.22's wasm backend has no `Conv2DBackpropFilter` (training any conv fails) and its
 * `Conv2DBackpropInput` runs ~10x slower than the forward conv; the cpu backend's built-in
 * filter gradient runs at 0.02 GFLOP/s. Both gradients below are rewritten as forward stride-1
 * convolutions or plain matMuls, which XNNPACK runs at forward speed (backend-prototype.md
 * sections 2, 3 and 6).
 *
 * - dx ({@link conv2dInputGrad}): sub-pixel phase decomposition. Every dx pixel whose position
 *   is `a` modulo the stride receives only the filter taps `r, r+s, r+2s, ...` with
 *   `r = (a + padTop) mod s`; so each phase is a stride-1 conv of dy with that sub-filter,
 *   flipped, with in/out channels swapped. No zero insertion, so no wasted FLOPs. For stride-1
 *   layers whose filter outweighs dy (deep, small layers) a "tapmm" variant (one matMul with the
 *   filter streamed, then col2im) avoids rearranging and repacking the big filter.
 * - dW ({@link conv2dFilterGrad}): "channels-as-batch" (one conv with x as a batch of `Cin`
 *   one-channel images and dy as the filter, dilated by the forward stride) or "tapmm" (one
 *   `matMul` per filter tap).
 *
 * Forward dilations > 1 are implemented too (not delegated: tfjs's own Conv2D gradient rejects
 * them), which also makes these gradients closed under differentiation: the channels-as-batch
 * conv is itself dilated, and its gradient again lands here.
 * @module
 */
import { tf } from "../../tf.ts";
import { isJsCopyBackend, permuteBlocks } from "./_permute.ts";
import { builtin, type GradientSlot, install, isInstalled, uninstall } from "./_registry.ts";
import {
  DIRECT_CONV_FILTER_GRAD_KERNEL,
  DIRECT_CONV_KERNEL,
  DIRECT_CONV_TRANSPOSE_KERNEL,
  directConvFits,
} from "./conv2d_webgpu.ts";
import {
  conv2dWithPad,
  type ConvGeometry,
  dilatedSize,
  explicitConvPad,
  padOrCrop,
  type Pair,
  pair,
  type TfConvAttrs,
} from "./conv_pad.ts";

/** How {@link conv2dInputGrad} computes dx. All are exact; they differ only in speed. */
export type InputGradMethod = "auto" | "phase" | "tapmm";

/** Options of {@link conv2dInputGrad}. */
export interface InputGradOptions extends ConvGeometry {
  /** Shape of the forward input x, NHWC. */
  inShape: readonly number[];
  /** Default `auto`: see {@link chooseInputGradMethod}. */
  method?: InputGradMethod;
}

/** How {@link conv2dFilterGrad} computes dW. All are exact; they differ only in speed. */
export type FilterGradMethod = "auto" | "tapmm" | "channels-as-batch";

/** Options of {@link conv2dFilterGrad}. */
export interface FilterGradOptions extends ConvGeometry {
  /** Shape of the filter, `[kh, kw, Cin, Cout]`. */
  filterShape: readonly number[];
  /** Default `auto`: see {@link chooseFilterGradMethod}. */
  method?: FilterGradMethod;
}

/**
 * The gradient of `tf.conv2d` with respect to its input.
 *
 * `phase` (any stride): sub-pixel phase decomposition, one stride-1 conv per phase (4 for
 * stride 2) of dy with a flipped, channel-swapped sub-filter, interleaved with concat ->
 * reshape -> transpose -> reshape. Phases no tap reaches (a 1x1 filter at stride 2) get zeros.
 * The sub-filters are JS copies of the filter, differentiable through their own `customGrad`.
 *
 * `tapmm` (stride 1): `matMul(W [kh*kw*Cin, Cout], dy^T [Cout, M])`, then each tap's [Cin, M]
 * block is shifted into place and summed (col2im). XNNPACK packs the small dy^T and streams the
 * filter, so nothing filter-sized is copied or repacked; its gradients (a `customGrad`) are the
 * forward conv and {@link conv2dFilterGrad}.
 *
 * Differentiable in `dy` and `filter` to any order either way; `auto` follows
 * {@link chooseInputGradMethod}.
 *
 * @example
 * ```ts
 * const pad = explicitConvPad(x.shape, w.shape, { pad: "same", strides: 2 });
 * const dx = conv2dInputGrad(dy, w, { inShape: x.shape, strides: 2, pad });
 * ```
 */
export function conv2dInputGrad(
  dy: tf.Tensor4D,
  filter: tf.Tensor4D,
  options: InputGradOptions,
): tf.Tensor4D {
  const [n, , , cin] = options.inShape;
  const [kh, kw, fcin, cout] = filter.shape;
  if (options.inShape.length !== 4 || fcin !== cin || dy.shape[3] !== cout || dy.shape[0] !== n) {
    throw new Error(
      `Cannot compute conv input gradient for input shape [${options.inShape}], filter ` +
        `[${filter.shape}] and dy [${dy.shape}]: expected NHWC shapes with matching channels`,
    );
  }
  const direct = kernelAttrs(options);
  if (direct && smallOnWebGpu(options.inShape, filter.shape, dy.shape)) {
    const { top, left } = options.pad;
    return tf.engine().runKernel(DIRECT_CONV_TRANSPOSE_KERNEL, { x: dy, filter }, {
      strides: direct.strides,
      pads: [top, left],
      outShape: [...options.inShape],
    } as unknown as tf.NamedAttrMap) as tf.Tensor4D;
  }
  if (direct) {
    return tf.engine().runKernel("Conv2DBackpropInput", { dy, filter }, {
      ...direct,
      inputShape: [...options.inShape],
    } as unknown as tf.NamedAttrMap) as tf.Tensor4D;
  }
  const axes = convAxes({ x: options.inShape, filter: filter.shape, dy: dy.shape }, options);
  const strided = axes[0].stride > 1 || axes[1].stride > 1;
  const method = options.method ?? "auto";
  const chosen = method === "auto"
    ? chooseInputGradMethod([axes[0].stride, axes[1].stride], {
      filterShape: filter.shape,
      outShape: dy.shape,
    })
    : method;
  if (chosen === "phase") return inputGradByPhases(dy, filter, axes, options.inShape);
  if (chosen === "tapmm" && !strided) return inputGradTapMatMul(dy, filter, axes, options);
  throw new Error(
    `Cannot compute conv input gradient with method '${method}' for a ${kh}x${kw} filter at ` +
      `strides [${axes[0].stride}, ${axes[1].stride}]: expected 'auto', 'phase', or 'tapmm' ` +
      "(stride 1 only)",
  );
}

/**
 * The input-gradient method the "auto" rule picks: `tapmm` when the stride is 1 and the filter
 * holds at least 4x as many values as dy (`kh*kw*Cin >= 4*N*OH*OW`: deep layers on small
 * feature maps, such as PatchGAN's 256->512 or the ResNet blocks at 64 px), `phase` otherwise.
 * Measured on wasm: 20 vs 56 ms for PatchGAN 256->512 at 8x8, 17 vs 22 ms for a 256-channel
 * 3x3 at 16x16, but 81 vs 64 ms at 32x32.
 *
 * @example
 * ```ts
 * chooseInputGradMethod(1, { filterShape: [4, 4, 256, 512], outShape: [1, 7, 7, 512] }); // "tapmm"
 * chooseInputGradMethod(2, { filterShape: [3, 3, 64, 128], outShape: [1, 32, 32, 128] }); // "phase"
 * ```
 */
export function chooseInputGradMethod(
  strides: Pair,
  shapes: { filterShape: readonly number[]; outShape: readonly number[] },
): "phase" | "tapmm" {
  const [sh, sw] = pair(strides);
  const [kh, kw, cin] = shapes.filterShape;
  const [n, oh, ow] = shapes.outShape;
  return sh === 1 && sw === 1 && kh * kw * cin >= 4 * n * oh * ow ? "tapmm" : "phase";
}

/**
 * The filter-gradient method the "auto" rule picks: `tapmm` when both channel counts are at
 * least 32, at any stride (XNNPACK's GEMM is then at its best; with this file's space-to-depth
 * taps it measured 1.5-2.5x faster than `channels-as-batch` on the strided 64->128 and 128->256
 * layers at 64 and 128 px, lib/bench/ops.ts), `channels-as-batch` for thin layers such as
 * 3->64 or 64->3, where the one big dilated convolution wins. Pass `method` to override.
 *
 * @example
 * ```ts
 * chooseFilterGradMethod(1, 256, 256); // "tapmm"
 * chooseFilterGradMethod(2, 64, 128); // "tapmm"
 * chooseFilterGradMethod(1, 64, 3); // "channels-as-batch"
 * ```
 */
export function chooseFilterGradMethod(
  strides: Pair,
  inChannels: number,
  outChannels: number,
): "tapmm" | "channels-as-batch" {
  // Strides no longer matter: the taps of a strided layer come from a space-to-depth view.
  void strides;
  return inChannels >= 32 && outChannels >= 32 ? "tapmm" : "channels-as-batch";
}

/**
 * The gradient of `tf.conv2d` with respect to its filter. `channels-as-batch`: one conv of x
 * seen as `Cin` single-channel images of `N` channels ([Cin, H, W, N]) with dy as the filter
 * ([OH, OW, N, Cout]), dilated by the forward stride; `tapmm`: one
 * `matMul(x_tap^T [Cin, M], dy [M, Cout])` per tap, x transposed once, taps joined by concat.
 * Both are exact; `auto` follows {@link chooseFilterGradMethod}.
 *
 * @example
 * ```ts
 * const pad = explicitConvPad(x.shape, w.shape, { pad: 1, strides: 2 });
 * const dW = conv2dFilterGrad(x, dy, { filterShape: w.shape, strides: 2, pad });
 * ```
 */
export function conv2dFilterGrad(
  x: tf.Tensor4D,
  dy: tf.Tensor4D,
  options: FilterGradOptions,
): tf.Tensor4D {
  const [, , cin, cout] = options.filterShape;
  const [n, , , xc] = x.shape;
  if (options.filterShape.length !== 4 || xc !== cin || dy.shape[3] !== cout || dy.shape[0] !== n) {
    throw new Error(
      `Cannot compute conv filter gradient for x [${x.shape}], dy [${dy.shape}] and filter ` +
        `shape [${options.filterShape}]: expected NHWC shapes with matching channels`,
    );
  }
  const direct = kernelAttrs(options);
  if (direct && smallOnWebGpu(x.shape, options.filterShape, dy.shape)) {
    const { top, left } = options.pad;
    return tf.engine().runKernel(DIRECT_CONV_FILTER_GRAD_KERNEL, { x, dy }, {
      strides: direct.strides,
      pads: [top, left],
      filterShape: [...options.filterShape],
    } as unknown as tf.NamedAttrMap) as tf.Tensor4D;
  }
  if (direct) {
    return tf.engine().runKernel("Conv2DBackpropFilter", { x, dy }, {
      ...direct,
      filterShape: [...options.filterShape],
    } as unknown as tf.NamedAttrMap) as tf.Tensor4D;
  }
  const [ah, aw] = convAxes({ x: x.shape, filter: options.filterShape, dy: dy.shape }, options);
  const method = options.method ?? "auto";
  const chosen = method === "auto"
    ? chooseFilterGradMethod([ah.stride, aw.stride], cin, cout)
    : method;
  if (chosen === "tapmm") return filterGradTapMatMul(x, dy, ah, aw);
  if (chosen === "channels-as-batch") return filterGradChannelsAsBatch(x, dy, ah, aw);
  throw new Error(
    `Unknown filter-gradient method '${method}': expected 'auto', 'tapmm' or 'channels-as-batch'`,
  );
}

/**
 * Backends whose own `Conv2DBackpropInput` / `Conv2DBackpropFilter` kernels are the fast path
 * (the `native` backend's oneDNN primitives): there {@link conv2dInputGrad} and
 * {@link conv2dFilterGrad} call those kernels directly, as the built-in Conv2D gradient does.
 */
const KERNEL_GRAD_BACKENDS: ReadonlySet<string> = new Set(["native"]);

/**
 * Backends where {@link conv2dInputGrad} and {@link conv2dFilterGrad} call the kernels: those
 * above, and `webgpu`, whose kernels are one GPU program each where our decompositions run
 * 5 to 16 (gathers, slices, transposes, one conv per phase). A small CycleGAN iteration on a
 * GPU is bound by its number of programs (issue 18); this is the transposed conv's forward and
 * backward. tfjs's own Conv2D gradient already runs these kernels on webgpu, so `Conv2D` keeps
 * delegating to it there (`conv2dGradFunc`).
 */
const DIRECT_KERNEL_BACKENDS: ReadonlySet<string> = new Set([...KERNEL_GRAD_BACKENDS, "webgpu"]);

/**
 * Whether the webgpu direct kernels (conv2d_webgpu.ts: one program, 3-7x faster than tfjs's at
 * a small CycleGAN's channel counts) take a convolution x -> out by `filterShape`: on webgpu,
 * small enough, and off the gradient tape, since they have no gradient of their own (a
 * transposed conv's forward runs them inside its customGrad; double backprop gets tfjs's).
 */
function smallOnWebGpu(
  xShape: readonly number[],
  filterShape: readonly number[],
  outShape: readonly number[],
): boolean {
  return tf.getKernel(DIRECT_CONV_KERNEL, tf.getBackend()) !== undefined &&
    !(tf.engine() as unknown as { isTapeOn(): boolean }).isTapeOn() &&
    directConvFits(xShape, filterShape, outShape);
}

/** The kernels' attributes for `options`, or null when our decompositions must run. */
function kernelAttrs(options: ConvGeometry): tf.NamedAttrMap | null {
  if (!DIRECT_KERNEL_BACKENDS.has(tf.getBackend())) return null;
  const { top, bottom, left, right } = options.pad;
  // Negative pads (crops) are not a tfjs pad, and tfjs's gradient of Conv2DBackpropInput (used
  // by double backprop) ignores dilations: our decompositions handle both.
  if (Math.min(top, bottom, left, right) < 0) return null;
  if (pair(options.dilations ?? 1).some((d) => d !== 1)) return null;
  return {
    strides: pair(options.strides ?? 1),
    pad: [[0, 0], [top, bottom], [left, right], [0, 0]],
    dataFormat: "NHWC",
  } as unknown as tf.NamedAttrMap;
}

// --------------------------------------------------------------------------------------------
// The Conv2D gradient override.

function conv2dGradFunc(
  dy: tf.Tensor | tf.Tensor[],
  saved: tf.Tensor[],
  attrs: tf.NamedAttrMap,
): ReturnType<tf.GradFunc> {
  const a = attrs as unknown as tf.Conv2DAttrs;
  if (
    (!isJsCopyBackend() && !KERNEL_GRAD_BACKENDS.has(tf.getBackend())) || a.dataFormat === "NCHW"
  ) {
    // webgpu / tfjs-node (and NCHW, which wasm doesn't run) have fast native gradients. The
    // native backend goes through conv2dInputGrad / conv2dFilterGrad, which call its kernels
    // and keep our exact paths for what tfjs's gradient lacks (dilations).
    const original = builtin(CONV2D_SLOT);
    if (!original) {
      throw new Error(
        `No built-in Conv2D gradient to delegate to on backend '${tf.getBackend()}': import ` +
          "lib/tf.ts (which registers tfjs's gradients) before installing the training kit",
      );
    }
    return original.gradFunc(dy, saved, attrs);
  }
  const [x, filter] = saved as [tf.Tensor4D, tf.Tensor4D];
  const g = dy as tf.Tensor4D;
  const geometry: ConvGeometry = {
    strides: a.strides,
    dilations: a.dilations,
    pad: explicitConvPad(x.shape, filter.shape, a as TfConvAttrs),
  };
  return {
    x: () => conv2dInputGrad(g, filter, { ...geometry, inShape: x.shape }),
    filter: () => conv2dFilterGrad(x, g, { ...geometry, filterShape: filter.shape }),
  };
}

const CONV2D_SLOT: GradientSlot = {
  kernelName: "Conv2D",
  ours: { kernelName: "Conv2D", inputsToSave: ["x", "filter"], gradFunc: conv2dGradFunc },
  previous: undefined,
};

/**
 * Makes `tf.conv2d`'s gradient use {@link conv2dInputGrad} / {@link conv2dFilterGrad} on the
 * `wasm` and `cpu` backends; on any other backend (`webgpu`, `tensorflow`) it delegates to the
 * built-in gradient, whose native kernels are fast there. Idempotent; the built-in gradient is
 * kept ({@link builtinConv2DGradient}) and {@link uninstallConvGradients} restores it.
 * Applies to convs recorded after the call. `tf.fused.conv2d` has its own gradient and is not
 * covered: don't train through it on wasm.
 *
 * @example
 * ```ts
 * installConvGradients();
 * const dW = tf.grad((w: tf.Tensor4D) => tf.sum(tf.conv2d(x, w, 2, "same")))(w);
 * ```
 */
export function installConvGradients(): void {
  install(CONV2D_SLOT);
}

/**
 * Restores the `Conv2D` gradient that {@link installConvGradients} replaced. A no-op if it
 * isn't installed.
 *
 * @example
 * ```ts
 * uninstallConvGradients(); // back to tfjs's Conv2DBackpropInput / Conv2DBackpropFilter
 * ```
 */
export function uninstallConvGradients(): void {
  uninstall(CONV2D_SLOT);
}

/**
 * Whether our `Conv2D` gradient is the registered one.
 *
 * @example
 * ```ts
 * installConvGradients();
 * convGradientsInstalled(); // true
 * ```
 */
export function convGradientsInstalled(): boolean {
  return isInstalled(CONV2D_SLOT);
}

/**
 * tfjs's built-in `Conv2D` gradient config (the one our override replaced, or the registered
 * one when ours is not installed); `undefined` if no gradients are registered. Tests call its
 * `gradFunc` on the cpu backend as the reference.
 *
 * @example
 * ```ts
 * const ref = builtinConv2DGradient()!.gradFunc(dy, [x, w], { strides: 2, pad: "same",
 *   dataFormat: "NHWC", dilations: 1 });
 * const dx = ref.x();
 * ```
 */
export function builtinConv2DGradient(): tf.GradConfig | undefined {
  return builtin(CONV2D_SLOT);
}

// --------------------------------------------------------------------------------------------
// Geometry.

/** One spatial axis of a forward conv: input size, output size, taps, stride, pads. */
interface AxisGeometry {
  inSize: number;
  outSize: number;
  taps: number;
  stride: number;
  dilation: number;
  before: number;
  /** The effective after-pad, `(out - 1) * stride + dilatedK - in - before` (may be < 0). */
  after: number;
}

/**
 * Both spatial axes of a forward conv, checked against each other: x [N, H, W, C], the filter
 * [kh, kw, ...] and dy [N, OH, OW, ...] must agree with the geometry's strides and pads.
 */
function convAxes(
  shapes: { x: readonly number[]; filter: readonly number[]; dy: readonly number[] },
  geometry: ConvGeometry,
): [AxisGeometry, AxisGeometry] {
  const strides = pair(geometry.strides ?? 1);
  const dilations = pair(geometry.dilations ?? 1);
  const { top, bottom, left, right } = geometry.pad;
  const pads = [[top, bottom], [left, right]];
  const names = ["height", "width"];
  const axes = [0, 1].map((i): AxisGeometry => {
    const [inSize, outSize, taps] = [shapes.x[i + 1], shapes.dy[i + 1], shapes.filter[i]];
    const [stride, dilation, [before, after]] = [strides[i], dilations[i], pads[i]];
    const k = dilatedSize(taps, dilation);
    const expected = Math.floor((inSize + before + after - k) / stride) + 1;
    if (stride > 1 && dilation > 1) {
      throw new Error(
        `Cannot take conv gradients with stride ${stride} and dilation ${dilation} on the ` +
          `${names[i]} axis: as in tfjs, one of them must be 1`,
      );
    }
    if (expected !== outSize || before < 0) {
      throw new Error(
        `Inconsistent conv geometry on the ${names[i]} axis: input ${inSize}, filter ${taps} ` +
          `(dilation ${dilation}), stride ${stride}, pad ${before}/${after} gives ${expected} ` +
          `outputs but dy has ${outSize}`,
      );
    }
    const effectiveAfter = (outSize - 1) * stride + k - inSize - before;
    return { inSize, outSize, taps, stride, dilation, before, after: effectiveAfter };
  });
  return [axes[0], axes[1]];
}

/** One phase of the input gradient along one axis. */
interface AxisPhase {
  /** Filter tap indices in the order the phase conv uses them (flipped). */
  taps: number[];
  /** dy padding before/after for the stride-1 phase conv (negative: crop). */
  before: number;
  after: number;
}

/** All phases of one axis; each phase conv gives `count` outputs. */
interface AxisPhases {
  count: number;
  phases: AxisPhase[];
}

/**
 * dx[i] = sum over (o, k) with o*s + k*d - pad = i of dy[o] W[k]. For i = a + s*q, only taps
 * k = r + s*j with r = (a + pad) mod s contribute, at o = q + c - j with c = floor((a+pad)/s).
 * Flipping j into t = J-1-j turns that into a stride-1 correlation of dy padded by
 * (J-1)*d - c on the left (d > 1 only when s = 1, where r = 0 and every tap is used).
 */
function axisPhases(g: AxisGeometry): AxisPhases {
  const count = Math.ceil(g.inSize / g.stride);
  const phases: AxisPhase[] = [];
  for (let a = 0; a < g.stride; a++) {
    const r = (a + g.before) % g.stride;
    const c = Math.floor((a + g.before) / g.stride);
    const taps: number[] = [];
    for (let k = r; k < g.taps; k += g.stride) taps.push(k);
    taps.reverse();
    const span = (taps.length - 1) * g.dilation;
    const before = span - c;
    phases.push({ taps, before, after: count - g.outSize - before + span });
  }
  return { count, phases };
}

interface InputGradPlan {
  rows: AxisPhases;
  cols: AxisPhases;
  /**
   * The filter's taps (index kh_i * kw + kw_j) in packing order: phase by phase, each phase's
   * taps flipped. Packing copies each tap's [Cin, Cout] block there as [Cout, Cin].
   */
  tapOrder: number[];
}

function inputGradPlan(ah: AxisGeometry, aw: AxisGeometry): InputGradPlan {
  const rows = axisPhases(ah);
  const cols = axisPhases(aw);
  const tapOrder: number[] = [];
  for (const ph of rows.phases) {
    for (const pw of cols.phases) {
      for (const th of ph.taps) {
        for (const tw of pw.taps) tapOrder.push(th * aw.taps + tw);
      }
    }
  }
  return { rows, cols, tapOrder };
}

/**
 * Interleaves phase results [N, Qh, Qw, C] (phase (a, b) at index a*sw + b) into
 * [N, Qh*sh, Qw*sw, C] and crops to `shape`, with 4-D ops only (rank > 4 ops are slow on wasm).
 */
function interleavePhases(
  parts: tf.Tensor4D[],
  [sh, sw]: [number, number],
  shape: readonly number[],
): tf.Tensor4D {
  const [n, h, w, c] = shape;
  const [, qh, qw] = parts[0].shape;
  let full: tf.Tensor4D;
  if (parts.length === 1) {
    full = parts[0];
  } else {
    const joined = tf.concat(parts, 3); // [N, Qh, Qw, (a, b, C)]
    const rows = tf.reshape(joined, [n * qh, qw, sh, sw * c]);
    const swapped = tf.transpose(rows, [0, 2, 1, 3]); // [(N, Qh), a, Qw, (b, C)]
    full = tf.reshape(swapped, [n, qh * sh, qw * sw, c]);
  }
  return full.shape[1] === h && full.shape[2] === w
    ? full
    : tf.slice(full, [0, 0, 0, 0], [n, h, w, c]);
}

// --------------------------------------------------------------------------------------------
// Input-gradient methods.

function inputGradByPhases(
  dy: tf.Tensor4D,
  filter: tf.Tensor4D,
  [ah, aw]: [AxisGeometry, AxisGeometry],
  inShape: readonly number[],
): tf.Tensor4D {
  const [n, h, w, cin] = inShape;
  const cout = dy.shape[3];
  const plan = inputGradPlan(ah, aw);
  return tf.tidy(() => {
    const packed = permuteBlocks(filter, plan.tapOrder, [cin, cout]);
    const parts: tf.Tensor4D[] = [];
    let offset = 0;
    for (const ph of plan.rows.phases) {
      for (const pw of plan.cols.phases) {
        const jh = ph.taps.length;
        const jw = pw.taps.length;
        if (jh === 0 || jw === 0) {
          parts.push(tf.zeros([n, plan.rows.count, plan.cols.count, cin]));
          continue;
        }
        const size = jh * jw * cout * cin;
        const flat = size === packed.size ? packed : tf.slice(packed, [offset], [size]);
        offset += size;
        const sub = tf.reshape(flat, [jh, jw, cout, cin]) as tf.Tensor4D;
        parts.push(conv2dWithPad(dy, sub, {
          pad: { top: ph.before, bottom: ph.after, left: pw.before, right: pw.after },
          dilations: [ah.dilation, aw.dilation],
        }));
      }
    }
    return interleavePhases(parts, [ah.stride, aw.stride], [n, h, w, cin]);
  });
}

/**
 * Stride-1 dx as one matMul plus col2im: cols = W [kh*kw*Cin, Cout] x dy^T [Cout, M]; tap
 * (i, j)'s [Cin, N, OH, OW] block lands at rows i*d, columns j*d of the padded input, and the
 * padding is then cropped. Wrapped in `customGrad` (the tfjs gradient of a matMul would use
 * transposed operands, which wasm runs in a slow loop): d/d(dy) is the forward conv and
 * d/dW is {@link conv2dFilterGrad}, as for any transposed convolution.
 */
function inputGradTapMatMul(
  dy: tf.Tensor4D,
  filter: tf.Tensor4D,
  [ah, aw]: [AxisGeometry, AxisGeometry],
  options: InputGradOptions,
): tf.Tensor4D {
  const [n, h, w, cin] = options.inShape;
  const [kh, kw, , cout] = filter.shape;
  const [, oh, ow] = dy.shape;
  const m = n * oh * ow;
  const geometry: ConvGeometry = {
    strides: 1,
    dilations: [ah.dilation, aw.dilation],
    pad: { top: ah.before, bottom: ah.after, left: aw.before, right: aw.after },
  };
  const op = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const [g, f, save] = args as [tf.Tensor4D, tf.Tensor4D, tf.GradSaveFunc];
    save([g, f]);
    const value = tf.tidy(() => {
      const dyT = tf.reshape(tf.transpose(g, [3, 0, 1, 2]), [cout, m]);
      const cols = tf.matMul(tf.reshape(f, [kh * kw * cin, cout]), dyT);
      const taps = tf.reshape(cols, [kh * kw, cin * n, oh, ow]);
      const hp = oh + (kh - 1) * ah.dilation;
      const wp = ow + (kw - 1) * aw.dilation;
      const placed: tf.Tensor[] = [];
      for (let i = 0; i < kh; i++) {
        for (let j = 0; j < kw; j++) {
          const block = tf.slice(taps, [i * kw + j, 0, 0, 0], [1, cin * n, oh, ow]);
          const [r, c] = [i * ah.dilation, j * aw.dilation];
          placed.push(tf.pad(block, [[0, 0], [0, 0], [r, hp - oh - r], [c, wp - ow - c]]));
        }
      }
      const summed = placed.length === 1 ? placed[0] : tf.addN(placed);
      // The padded input spans rows [-top, h + bottom); keep [0, h) (zero where bottom < 0).
      const inner = padOrCrop(tf.reshape(summed, [cin, n, hp, wp]), [
        [0, 0],
        [0, 0],
        [-ah.before, h + ah.before - hp],
        [-aw.before, w + aw.before - wp],
      ]);
      return tf.transpose(inner, [1, 2, 3, 0]) as tf.Tensor4D;
    });
    return {
      value,
      gradFunc: (ddx: tf.Tensor4D, saved: tf.Tensor[]) => {
        const [sg, sf] = saved as [tf.Tensor4D, tf.Tensor4D];
        return [
          conv2dWithPad(ddx, sf, geometry),
          conv2dFilterGrad(ddx, sg, { ...geometry, filterShape: sf.shape }),
        ];
      },
    };
  });
  return op(dy, filter);
}

// --------------------------------------------------------------------------------------------
// Filter-gradient methods.

/**
 * dW[kh, kw, ci, co] = sum over n, oh, ow of xpad[n, oh*s + kh*d, ow*s + kw*d, ci] dy[n, oh, ow,
 * co]: a conv over xT = [Cin, H, W, N] with dyT = [OH, OW, N, Cout] as filter, stride d,
 * dilation s. With the forward's effective pads it yields exactly kh x kw outputs.
 */
function filterGradChannelsAsBatch(
  x: tf.Tensor4D,
  dy: tf.Tensor4D,
  ah: AxisGeometry,
  aw: AxisGeometry,
): tf.Tensor4D {
  return tf.tidy(() => {
    const xT = tf.transpose(x, [3, 1, 2, 0]);
    const dyT = tf.transpose(dy, [1, 2, 0, 3]);
    const r = conv2dWithPad(xT, dyT, {
      strides: [ah.dilation, aw.dilation],
      dilations: [ah.stride, aw.stride],
      pad: { top: ah.before, bottom: ah.after, left: aw.before, right: aw.after },
    }); // [Cin, kh, kw, Cout]
    return tf.transpose(r, [1, 2, 0, 3]);
  });
}

/**
 * One matMul per tap: dW[kh, kw] = x_tap^T [Cin, M] x dy [M, Cout], M = N*OH*OW. x is
 * transposed once to [Cin, N, H, W] so each tap is a 4-D slice already laid out as x_tap^T
 * (wasm's matMul uses XNNPACK only without transpose flags). For strides > 1 the taps come
 * from a space-to-depth rearrangement (4-D reshape/transpose) of the padded input.
 */
function filterGradTapMatMul(
  x: tf.Tensor4D,
  dy: tf.Tensor4D,
  ah: AxisGeometry,
  aw: AxisGeometry,
): tf.Tensor4D {
  const cin = x.shape[3];
  const [n, oh, ow, cout] = dy.shape;
  const m = n * oh * ow;
  return tf.tidy(() => {
    const xT = tf.transpose(x, [3, 0, 1, 2]); // [Cin, N, H, W]
    const dy2 = tf.reshape(dy, [m, cout]); // one B operand for every tap
    const tiles: tf.Tensor2D[] = [];
    const tap = (t: tf.Tensor4D) => {
      // Free each tap's copy of x at once: holding all kh*kw of them would multiply the peak.
      const a = tf.reshape(t, [cin, m]);
      tiles.push(tf.matMul(a, dy2));
      tf.dispose([a, t]);
    };
    if (ah.stride === 1 && aw.stride === 1) {
      const hp = oh + (ah.taps - 1) * ah.dilation;
      const wp = ow + (aw.taps - 1) * aw.dilation;
      const padded = padOrCrop(xT, [
        [0, 0],
        [0, 0],
        [ah.before, hp - ah.inSize - ah.before],
        [aw.before, wp - aw.inSize - aw.before],
      ]);
      for (let i = 0; i < ah.taps; i++) {
        for (let j = 0; j < aw.taps; j++) {
          tap(tf.slice(padded, [0, 0, i * ah.dilation, j * aw.dilation], [cin, n, oh, ow]));
        }
      }
    } else {
      // Strided (dilation is then 1): row i*sh + kh lives in phase kh % sh at row i + kh / sh.
      const [sh, sw] = [ah.stride, aw.stride];
      const hq = oh + Math.floor((ah.taps - 1) / sh);
      const wq = ow + Math.floor((aw.taps - 1) / sw);
      const padded = padOrCrop(xT, [
        [0, 0],
        [0, 0],
        [ah.before, hq * sh - ah.inSize - ah.before],
        [aw.before, wq * sw - aw.inSize - aw.before],
      ]);
      const split = tf.reshape(padded, [cin * n * hq, sh, wq, sw]);
      const phases = tf.reshape(tf.transpose(split, [1, 3, 0, 2]), [sh * sw * cin, n, hq, wq]);
      for (let i = 0; i < ah.taps; i++) {
        for (let j = 0; j < aw.taps; j++) {
          const phase = (i % sh) * sw + (j % sw);
          const begin = [phase * cin, 0, Math.floor(i / sh), Math.floor(j / sw)];
          tap(tf.slice(phases, begin, [cin, n, oh, ow]) as tf.Tensor4D);
        }
      }
    }
    const stacked = tiles.length === 1 ? tiles[0] : tf.concat(tiles, 0);
    return tf.reshape(stacked, [ah.taps, aw.taps, cin, cout]);
  });
}
