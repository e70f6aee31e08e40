/**
 * Instance norm on WebGPU as three programs forward and two backward, instead of the ~9 each
 * (transposes, reductions and element-wise ops) tfjs runs for `tf.moments` and the closed-form
 * gradient (issue 18: a small CycleGAN iteration on a GPU is bound by the number of programs).
 *
 * Registered for the `webgpu` backend under the names `instanceNorm` (lib/nn/layers.ts) already
 * calls where a backend has them (the native backend has oneDNN's):
 * - `CyclebenchInstanceNorm`: x [N,H,W,C] -> y, mean [N,C], biased variance [N,C]; a program for
 *   the means, one for the variances (two passes, as `tf.moments`), one for
 *   y = (x - mean) * rsqrt(variance + eps).
 * - `CyclebenchInstanceNormGrad`: {x, mean, variance, dy} -> dx by the closed form
 *   dx = r * (dy - mean(dy) - y * mean(dy * y)), r = rsqrt(variance + eps): a program for the
 *   two means, one for dx.
 * Each mean is one 64-thread workgroup per (image, channel): strided partial sums, then a tree
 * in workgroup memory.
 * @module
 */
import { tf } from "../../tf.ts";

/** Kernel names `instanceNorm` looks up (the native backend's `INSTANCE_NORM` and `_GRAD`). */
export const INSTANCE_NORM_KERNEL = "CyclebenchInstanceNorm";
/** Its backward pass. */
export const INSTANCE_NORM_GRAD_KERNEL = "CyclebenchInstanceNormGrad";

/** Threads per workgroup, for the reductions and the element-wise programs alike. */
const WORKGROUP = 64;

type Uniform = { type: "int32" | "float32"; data: number[] };

/** The part of tfjs's `WebGPUBackend` the kernels call. */
interface WebGpuRunner {
  runWebGPUProgram(
    program: InstanceNormProgram,
    inputs: tf.TensorInfo[],
    outputDtype: tf.DataType,
    uniforms?: Uniform[],
  ): tf.TensorInfo;
}

/** WGSL summing `term(k)` over k = 0..hw-1 of one (image, channel) into `part` slot 0. */
function workgroupSum(parts: Array<{ part: string; term: string }>): string {
  return `
    var sums = array<f32, ${parts.length}>(${parts.map(() => "0.0").join(", ")});
    for (var k = lane; k < uniforms.hw; k = k + ${WORKGROUP}) {
      let at = base + k * uniforms.channels;
      ${parts.map((p, i) => `sums[${i}] = sums[${i}] + (${p.term});`).join("\n      ")}
    }
    ${parts.map((p, i) => `${p.part}[lane] = sums[${i}];`).join("\n    ")}
    workgroupBarrier();
    for (var stride = ${WORKGROUP / 2}; stride > 0; stride = stride / 2) {
      if (lane < stride) {
        ${
    parts.map((p) => `${p.part}[lane] = ${p.part}[lane] + ${p.part}[lane + stride];`)
      .join("\n        ")
  }
      }
      workgroupBarrier();
    }`;
}

/** The (image, channel) of a reduction's workgroup and where its first element lies. */
const REDUCTION_PROLOGUE = `
    let nc = i32(workgroupId.x);
    let lane = i32(localIndex);
    let ni = nc / uniforms.channels;
    let ci = nc - ni * uniforms.channels;
    let base = ni * uniforms.hw * uniforms.channels + ci;`;

/**
 * One tfjs WebGPU program of the instance norm: `reduce` ones run a workgroup per (image,
 * channel) over an output of N*C (or N*2*C) values; element-wise ones a thread per element.
 */
class InstanceNormProgram {
  readonly shaderKey: string;
  readonly dispatchLayout: { x: number[] };
  readonly dispatch: [number, number, number];
  readonly workgroupSize: [number, number, number] = [WORKGROUP, 1, 1];
  readonly size: boolean;
  readonly uniforms = "hw : i32, channels : i32, eps : f32,";

  constructor(
    key: string,
    readonly outputShape: number[],
    readonly variableNames: string[],
    reduceGroups: number | undefined,
    private readonly code: string,
  ) {
    this.shaderKey = `cyclebench_instance_norm_${key}`;
    this.dispatchLayout = { x: outputShape.map((_, i) => i) };
    const elements = tf.util.sizeFromShape(outputShape);
    this.dispatch = [reduceGroups ?? Math.ceil(elements / WORKGROUP), 1, 1];
    this.size = reduceGroups === undefined;
  }

  getUserCode(): string {
    return this.code;
  }
}

function uniforms(h: number, w: number, c: number, eps: number): Uniform[] {
  return [
    { type: "int32", data: [h * w] },
    { type: "int32", data: [c] },
    { type: "float32", data: [eps] },
  ];
}

function requireNhwcFloat(kernel: string, x: tf.TensorInfo, others: tf.TensorInfo[]): void {
  for (const t of [x, ...others]) {
    if (t.dtype !== "float32") {
      throw new Error(`webgpu ${kernel}: expected float32 tensors, got ${t.dtype}`);
    }
  }
  if (x.shape.length !== 4 || x.shape[1] * x.shape[2] === 0) {
    throw new Error(
      `webgpu ${kernel}: expected x of shape [N,H,W,C] with H, W > 0; got [${x.shape}]`,
    );
  }
}

/** The forward kernel: [y, mean, variance] from {x}. */
function instanceNorm(args: {
  inputs: tf.NamedTensorInfoMap;
  backend: unknown;
  attrs?: tf.NamedAttrMap;
}): tf.TensorInfo[] {
  const { x } = args.inputs as { x: tf.TensorInfo };
  const { eps } = args.attrs as unknown as { eps: number };
  requireNhwcFloat(INSTANCE_NORM_KERNEL, x, []);
  const backend = args.backend as WebGpuRunner;
  const [n, h, w, c] = x.shape;
  const u = uniforms(h, w, c, eps);
  const mean = backend.runWebGPUProgram(
    new InstanceNormProgram(
      "mean",
      [n, c],
      ["x"],
      n * c,
      `
  var<workgroup> partSum : array<f32, ${WORKGROUP}>;
  fn main(index : i32) {
    ${REDUCTION_PROLOGUE}
    ${workgroupSum([{ part: "partSum", term: "x[at]" }])}
    if (lane == 0) {
      result[nc] = partSum[0] / f32(uniforms.hw);
    }
  }`,
    ),
    [x],
    "float32",
    u,
  );
  const variance = backend.runWebGPUProgram(
    new InstanceNormProgram(
      "variance",
      [n, c],
      ["x", "mean"],
      n * c,
      `
  var<workgroup> partSq : array<f32, ${WORKGROUP}>;
  fn main(index : i32) {
    ${REDUCTION_PROLOGUE}
    let m = mean[nc];
    ${workgroupSum([{ part: "partSq", term: "(x[at] - m) * (x[at] - m)" }])}
    if (lane == 0) {
      result[nc] = partSq[0] / f32(uniforms.hw);
    }
  }`,
    ),
    [x, mean],
    "float32",
    u,
  );
  const y = backend.runWebGPUProgram(
    new InstanceNormProgram(
      "y",
      x.shape,
      ["x", "mean", "variance"],
      undefined,
      `
  fn main(index : i32) {
    if (index < uniforms.size) {
      let ci = index % uniforms.channels;
      let nc = (index / (uniforms.hw * uniforms.channels)) * uniforms.channels + ci;
      let r = inverseSqrt(variance[nc] + uniforms.eps);
      result[index] = (x[index] - mean[nc]) * r;
    }
  }`,
    ),
    [x, mean, variance],
    "float32",
    u,
  );
  return [y, mean, variance];
}

/** The backward kernel: dx from {x, mean, variance, dy}. */
function instanceNormGrad(args: {
  inputs: tf.NamedTensorInfoMap;
  backend: unknown;
  attrs?: tf.NamedAttrMap;
}): tf.TensorInfo {
  const { x, mean, variance, dy } = args.inputs as Record<string, tf.TensorInfo>;
  const { eps } = args.attrs as unknown as { eps: number };
  requireNhwcFloat(INSTANCE_NORM_GRAD_KERNEL, x, [mean, variance, dy]);
  const backend = args.backend as WebGpuRunner;
  const [n, h, w, c] = x.shape;
  const u = uniforms(h, w, c, eps);
  // mean(dy) and mean(dy * y) per (image, channel): [N, 2, C].
  const stats = backend.runWebGPUProgram(
    new InstanceNormProgram(
      "grad_means",
      [n, 2, c],
      ["x", "mean", "variance", "dy"],
      n * c,
      `
  var<workgroup> partG : array<f32, ${WORKGROUP}>;
  var<workgroup> partGy : array<f32, ${WORKGROUP}>;
  fn main(index : i32) {
    ${REDUCTION_PROLOGUE}
    let m = mean[nc];
    let r = inverseSqrt(variance[nc] + uniforms.eps);
    ${
        workgroupSum([
          { part: "partG", term: "dy[at]" },
          { part: "partGy", term: "dy[at] * ((x[at] - m) * r)" },
        ])
      }
    if (lane == 0) {
      let out = ni * 2 * uniforms.channels + ci;
      result[out] = partG[0] / f32(uniforms.hw);
      result[out + uniforms.channels] = partGy[0] / f32(uniforms.hw);
    }
  }`,
    ),
    [x, mean, variance, dy],
    "float32",
    u,
  );
  const dx = backend.runWebGPUProgram(
    new InstanceNormProgram(
      "dx",
      x.shape,
      ["x", "mean", "variance", "dy", "stats"],
      undefined,
      `
  fn main(index : i32) {
    if (index < uniforms.size) {
      let ci = index % uniforms.channels;
      let ni = index / (uniforms.hw * uniforms.channels);
      let nc = ni * uniforms.channels + ci;
      let r = inverseSqrt(variance[nc] + uniforms.eps);
      let y = (x[index] - mean[nc]) * r;
      let s = ni * 2 * uniforms.channels + ci;
      result[index] = r * ((dy[index] - stats[s]) - y * stats[s + uniforms.channels]);
    }
  }`,
    ),
    [x, mean, variance, dy, stats],
    "float32",
    u,
  );
  (args.backend as { disposeData(id: object): void }).disposeData(stats.dataId);
  return dx;
}

/**
 * Registers both kernels for the `webgpu` backend (idempotent); `instanceNorm` then runs them.
 *
 * @example
 * ```ts
 * import { installWebGpuInstanceNorm } from "./instance_norm_webgpu.ts";
 *
 * installWebGpuInstanceNorm(); // after importing @tensorflow/tfjs-backend-webgpu
 * ```
 */
export function installWebGpuInstanceNorm(): void {
  if (tf.getKernel(INSTANCE_NORM_KERNEL, "webgpu") !== undefined) return;
  tf.registerKernel({
    kernelName: INSTANCE_NORM_KERNEL,
    backendName: "webgpu",
    kernelFunc: instanceNorm as unknown as tf.KernelFunc,
  });
  tf.registerKernel({
    kernelName: INSTANCE_NORM_GRAD_KERNEL,
    backendName: "webgpu",
    kernelFunc: instanceNormGrad as unknown as tf.KernelFunc,
  });
}

/**
 * Unregisters them, so that `instanceNorm` falls back to tfjs's ops (for comparisons).
 *
 * @example
 * ```ts
 * import { uninstallWebGpuInstanceNorm } from "./instance_norm_webgpu.ts";
 *
 * uninstallWebGpuInstanceNorm();
 * ```
 */
export function uninstallWebGpuInstanceNorm(): void {
  if (tf.getKernel(INSTANCE_NORM_KERNEL, "webgpu") === undefined) return;
  tf.unregisterKernel(INSTANCE_NORM_KERNEL, "webgpu");
  tf.unregisterKernel(INSTANCE_NORM_GRAD_KERNEL, "webgpu");
}
