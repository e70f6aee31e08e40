/**
 * Small convolutions on WebGPU as direct loops, one program each: the forward convolution (with
 * its bias), the transposed convolution (its input gradient, and `ConvTranspose2d`), and the
 * filter gradient (issue 18).
 *
 * At the channel counts of a small CycleGAN (ngf 4: 3 to 32 channels) tfjs's programs lose to a
 * plain loop: its tiled matMul convolution pads every 32x32 tile of a 3-channel output to 32
 * channels (11 ms for the generator's last 7x7 conv at 32px on lavapipe), and its filter gradient
 * recomputes coordinates per tap. Here each invocation owns one output pixel and all its output
 * channels (the forward and input-gradient kernel) or one filter tap and all its output channels
 * (the filter gradient), with every size baked into the shader so that the compiler unrolls the
 * channel loops.
 *
 * Registered for the `webgpu` backend:
 * - `CyclebenchConv2D`: {x [N,H,W,C], filter [kh,kw,C,K], bias?} -> [N,OH,OW,K]; attributes
 *   `strides`, `pads` (top, left: the bottom and right ones follow from `outShape`);
 *   y = bias + sum x[n, oy*sh+ky-top, ox*sw+kx-left, c] w[ky,kx,c,k].
 * - `CyclebenchConv2DTranspose`: the same inputs and attributes with the filter [kh,kw,K,C]
 *   (tfjs's `Conv2DBackpropInput` layout, with the strides and pads of the convolution it
 *   transposes); y = bias + sum x[n, iy, ix, c] w[ky,kx,k,c] over iy*sh = oy+top-ky,
 *   ix*sw = ox+left-kx: the input gradient of that convolution, gathered per output pixel.
 * - `CyclebenchConv2DFilterGrad`: {x, dy} -> dW [kh,kw,C,K] of y = conv(x, w) (attributes
 *   `strides`, `pads`, `filterShape`).
 *
 * Larger convolutions belong to tfjs's tiled programs, which fill a GPU; {@link directConvFits}
 * says which ones these kernels take.
 * @module
 */
import type { tf } from "../../tf.ts";
import { registerWebGpuKernels, unregisterWebGpuKernels } from "./_webgpu_register.ts";

/** The forward kernel. */
export const DIRECT_CONV_KERNEL = "CyclebenchConv2D";
/** The transposed kernel (a convolution's input gradient; `ConvTranspose2d`). */
export const DIRECT_CONV_TRANSPOSE_KERNEL = "CyclebenchConv2DTranspose";
/** The filter-gradient kernel. */
export const DIRECT_CONV_FILTER_GRAD_KERNEL = "CyclebenchConv2DFilterGrad";

/** Threads per workgroup. */
const WORKGROUP = 64;

/** Most output channels one invocation accumulates (registers per invocation). */
const MAX_CHANNELS = 32;
/** Most multiply-adds one invocation runs (taps x channels), so that none runs for long. */
const MAX_WORK_PER_INVOCATION = 1 << 16;

/**
 * Whether the direct kernels take a convolution of x [N,H,W,C] by a filter [kh,kw,C,K] to an
 * output [N,OH,OW,K]: a non-empty output, at most 32 channels in and out, and at most 65536
 * multiply-adds per invocation in the forward pass and the filter gradient alike.
 *
 * @example
 * ```ts
 * directConvFits([1, 38, 38, 4], [7, 7, 4, 3], [1, 32, 32, 3]); // true: ngf 4's last conv
 * directConvFits([1, 70, 70, 64], [7, 7, 64, 64], [1, 64, 64, 64]); // false: ngf 64
 * ```
 */
export function directConvFits(
  xShape: readonly number[],
  filterShape: readonly number[],
  outShape: readonly number[],
): boolean {
  const [kh, kw, c, k] = filterShape;
  const [n, oh, ow] = outShape;
  // An empty or negative output is tfjs's to refuse with its own message.
  return n > 0 && oh > 0 && ow > 0 && c <= MAX_CHANNELS && k <= MAX_CHANNELS && xShape[3] === c &&
    kh * kw * c * k <= MAX_WORK_PER_INVOCATION && n * oh * ow * k <= MAX_WORK_PER_INVOCATION;
}

/** The part of tfjs's `WebGPUBackend` the kernels call. */
interface WebGpuRunner {
  runWebGPUProgram(
    program: DirectConvProgram,
    inputs: tf.TensorInfo[],
    outputDtype: tf.DataType,
    uniforms: Array<{ type: "int32"; data: number[] }>,
  ): tf.TensorInfo;
}

/** A program whose invocations each write `channels` consecutive outputs; sizes are constants. */
class DirectConvProgram {
  readonly dispatchLayout = { x: [0] };
  readonly dispatch: [number, number, number];
  readonly workgroupSize: [number, number, number] = [WORKGROUP, 1, 1];
  readonly size = false;
  // The bound on invocations, as a uniform: tfjs binds the uniform buffer to every program, and a
  // shader that reads no uniform would have no such binding.
  readonly uniforms = "invocations : i32,";

  constructor(
    readonly shaderKey: string,
    readonly outputShape: number[],
    readonly variableNames: string[],
    invocations: number,
    private readonly code: string,
  ) {
    this.dispatch = [Math.ceil(invocations / WORKGROUP), 1, 1];
  }

  getUserCode(): string {
    return this.code;
  }
}

interface ConvAttrs {
  strides: [number, number];
  pads: [number, number];
  outShape: [number, number, number, number];
}

function requireFloat(kernel: string, tensors: tf.TensorInfo[]): void {
  for (const t of tensors) {
    if (t.dtype !== "float32" || t.shape.length !== 4) {
      throw new Error(
        `webgpu ${kernel}: expected float32 tensors of rank 4, got ${t.dtype} [${t.shape}]`,
      );
    }
  }
}

/** The forward kernel, or the transposed one. */
function directConv(
  transpose: boolean,
  args: { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs?: tf.NamedAttrMap },
): tf.TensorInfo {
  const kernel = transpose ? DIRECT_CONV_TRANSPOSE_KERNEL : DIRECT_CONV_KERNEL;
  const { x, filter, bias } = args.inputs as Record<string, tf.TensorInfo | undefined>;
  const { strides: [sh, sw], pads: [top, left], outShape } = args.attrs as unknown as ConvAttrs;
  requireFloat(kernel, [x!, filter!]);
  const [n, h, w, c] = x!.shape;
  const [kh, kw, f2, f3] = filter!.shape;
  // Forward, the filter is [kh, kw, C, K]; transposed, [kh, kw, K, C].
  const [fc, k] = transpose ? [f3, f2] : [f2, f3];
  const [on, oh, ow, ok] = outShape;
  if (fc !== c || ok !== k || on !== n || (bias && bias.shape[0] !== k)) {
    throw new Error(
      `webgpu ${kernel}: x [${x!.shape}], filter [${filter!.shape}] and output ` +
        `[${outShape}] do not match`,
    );
  }
  // The input row (column) tap ky (kx) reads, or `continue` where it reads none.
  const source = (o: string, t: string, s: number, pad: number, size: number, i: string) =>
    transpose
      ? `let ${i}s = ${o} + ${pad} - ${t};
        if (${i}s < 0 || ${i}s % ${s} != 0 || ${i}s / ${s} >= ${size}) {
          continue;
        }
        let ${i} = ${i}s / ${s};`
      : `let ${i} = ${o} * ${s} + ${t} - ${pad};
        if (${i} < 0 || ${i} >= ${size}) {
          continue;
        }`;
  const tap = transpose
    ? `((ky * ${kw} + kx) * ${k} + co) * ${c} + ci`
    : `((ky * ${kw} + kx) * ${c} + ci) * ${k} + co`;
  const invocations = n * oh * ow;
  const code = `
  fn main(index : i32) {
    if (index >= uniforms.invocations) {
      return;
    }
    let ox = index % ${ow};
    let rest = index / ${ow};
    let oy = rest % ${oh};
    let ni = rest / ${oh};
    var acc : array<f32, ${k}>;
    for (var ky = 0; ky < ${kh}; ky = ky + 1) {
      ${source("oy", "ky", sh, top, h, "iy")}
      for (var kx = 0; kx < ${kw}; kx = kx + 1) {
        ${source("ox", "kx", sw, left, w, "ix")}
        let base = ((ni * ${h} + iy) * ${w} + ix) * ${c};
        for (var ci = 0; ci < ${c}; ci = ci + 1) {
          let xv = x[base + ci];
          for (var co = 0; co < ${k}; co = co + 1) {
            acc[co] = acc[co] + xv * w[${tap}];
          }
        }
      }
    }
    for (var co = 0; co < ${k}; co = co + 1) {
      result[index * ${k} + co] = acc[co]${bias ? " + bias[co]" : ""};
    }
  }`;
  // "filter" is a WGSL keyword: the filter's buffer is `w`.
  const key = `cyclebench_direct_conv_${[n, h, w, c, kh, kw, k, sh, sw, top, left, oh, ow]}_` +
    `${transpose}_${Boolean(bias)}`;
  const inputs = bias ? [x!, filter!, bias] : [x!, filter!];
  return (args.backend as WebGpuRunner).runWebGPUProgram(
    new DirectConvProgram(
      key,
      [...outShape],
      bias ? ["x", "w", "bias"] : ["x", "w"],
      invocations,
      code,
    ),
    inputs,
    "float32",
    [{ type: "int32", data: [invocations] }],
  );
}

/** The filter-gradient kernel: an invocation per tap (ky, kx, c), all K channels. */
function directConvFilterGrad(
  args: { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs?: tf.NamedAttrMap },
): tf.TensorInfo {
  const { x, dy } = args.inputs as Record<string, tf.TensorInfo>;
  const { strides: [sh, sw], pads: [top, left], filterShape } = args.attrs as unknown as {
    strides: [number, number];
    pads: [number, number];
    filterShape: [number, number, number, number];
  };
  requireFloat(DIRECT_CONV_FILTER_GRAD_KERNEL, [x, dy]);
  const [n, h, w, c] = x.shape;
  const [dn, oh, ow, k] = dy.shape;
  const [kh, kw, fc, fk] = filterShape;
  if (fc !== c || fk !== k || dn !== n) {
    throw new Error(
      `webgpu ${DIRECT_CONV_FILTER_GRAD_KERNEL}: x [${x.shape}], dy [${dy.shape}] and filter ` +
        `[${filterShape}] do not match`,
    );
  }
  const invocations = kh * kw * c;
  const code = `
  fn main(index : i32) {
    if (index >= uniforms.invocations) {
      return;
    }
    let ci = index % ${c};
    let rest = index / ${c};
    let kx = rest % ${kw};
    let ky = rest / ${kw};
    var acc : array<f32, ${k}>;
    for (var ni = 0; ni < ${n}; ni = ni + 1) {
      for (var oy = 0; oy < ${oh}; oy = oy + 1) {
        let iy = oy * ${sh} + ky - ${top};
        if (iy < 0 || iy >= ${h}) {
          continue;
        }
        for (var ox = 0; ox < ${ow}; ox = ox + 1) {
          let ix = ox * ${sw} + kx - ${left};
          if (ix < 0 || ix >= ${w}) {
            continue;
          }
          let xv = x[((ni * ${h} + iy) * ${w} + ix) * ${c} + ci];
          let base = ((ni * ${oh} + oy) * ${ow} + ox) * ${k};
          for (var co = 0; co < ${k}; co = co + 1) {
            acc[co] = acc[co] + xv * dy[base + co];
          }
        }
      }
    }
    for (var co = 0; co < ${k}; co = co + 1) {
      result[index * ${k} + co] = acc[co];
    }
  }`;
  const key = `cyclebench_direct_conv_dw_${[n, h, w, c, kh, kw, k, sh, sw, top, left, oh, ow]}`;
  return (args.backend as WebGpuRunner).runWebGPUProgram(
    new DirectConvProgram(key, [kh, kw, c, k], ["x", "dy"], invocations, code),
    [x, dy],
    "float32",
    [{ type: "int32", data: [invocations] }],
  );
}

/**
 * Registers the three kernels for the `webgpu` backend (idempotent); `conv2d` (lib/nn/layers.ts)
 * then runs the convolutions {@link directConvFits} takes through them.
 *
 * @example
 * ```ts
 * import { installWebGpuDirectConv } from "./conv2d_webgpu.ts";
 *
 * installWebGpuDirectConv(); // after importing @tensorflow/tfjs-backend-webgpu
 * ```
 */
export function installWebGpuDirectConv(): void {
  registerWebGpuKernels({
    [DIRECT_CONV_KERNEL]: (args: never) => directConv(false, args),
    [DIRECT_CONV_TRANSPOSE_KERNEL]: (args: never) => directConv(true, args),
    [DIRECT_CONV_FILTER_GRAD_KERNEL]: directConvFilterGrad,
  });
}

/**
 * Unregisters them: `conv2d` goes back to tfjs's convolution programs (for comparisons).
 *
 * @example
 * ```ts
 * import { uninstallWebGpuDirectConv } from "./conv2d_webgpu.ts";
 *
 * uninstallWebGpuDirectConv();
 * ```
 */
export function uninstallWebGpuDirectConv(): void {
  unregisterWebGpuKernels([
    DIRECT_CONV_KERNEL,
    DIRECT_CONV_TRANSPOSE_KERNEL,
    DIRECT_CONV_FILTER_GRAD_KERNEL,
  ]);
}
