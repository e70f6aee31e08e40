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
 *
 * Our own pair, `CyclebenchInstanceNormActivation` ({x} -> [z, stats]) and its `...Grad`
 * ({x, stats, dy} -> dx), has two programs forward: the mean and variance in one (stats
 * [N, 2, C]: means, then variances), then z = act(y) with the ReLU or LeakyReLU that follows the
 * norm in every CycleGAN network folded in (attributes `activation` "linear" | "relu" |
 * "leakyrelu" and `alpha`). Its backward programs read dz and form dy = act'(y) * dz as tfjs's
 * ReLU and LeakyReLU gradients do (dz * step(y); y > 0 ? dz : dz * alpha), with y recomputed
 * from x and the statistics. That drops a statistics program, and the activation's program
 * forward and its two or three backward.
 * @module
 */
import { tf } from "../../tf.ts";
import { registerWebGpuKernels, unregisterWebGpuKernels } from "./_webgpu_register.ts";
import {
  INSTANCE_NORM_ACTIVATION_GRAD_KERNEL,
  INSTANCE_NORM_ACTIVATION_KERNEL,
  INSTANCE_NORM_GRAD_KERNEL,
  INSTANCE_NORM_KERNEL,
} from "./names.ts";

export {
  INSTANCE_NORM_ACTIVATION_GRAD_KERNEL,
  INSTANCE_NORM_ACTIVATION_KERNEL,
  INSTANCE_NORM_GRAD_KERNEL,
  INSTANCE_NORM_KERNEL,
};

/** The activations the fused kernels apply after the norm. */
type NormActivation = "linear" | "relu" | "leakyrelu";

/**
 * WGSL for z from y (`y` in scope): tfjs's own unary ReLU and LeakyReLU expressions, so the
 * values are bit for bit those of the separate ops.
 */
const ACTIVATE: Record<NormActivation, string> = {
  linear: "y",
  relu: "select(y, 0.0, y < 0.0)",
  leakyrelu: "select(y, uniforms.alpha * y, y < 0.0)",
};

/**
 * WGSL for the gradient of y from that of z (`g`, `y` in scope), as tfjs's gradients compute
 * it: ReLU's dz * step(y) (step(y) = 1 where y > 0, else 0), LeakyReLU's
 * where(y > 0, dz, dz * alpha).
 */
const DERIVE: Record<NormActivation, string> = {
  linear: "g",
  relu: "g * select(0.0, 1.0, y > 0.0)",
  leakyrelu: "select(g * uniforms.alpha, g, y > 0.0)",
};

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
  readonly uniforms = "hw : i32, channels : i32, eps : f32, alpha : f32,";

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

function uniforms(h: number, w: number, c: number, eps: number, alpha: number): Uniform[] {
  return [
    { type: "int32", data: [h * w] },
    { type: "int32", data: [c] },
    { type: "float32", data: [eps] },
    { type: "float32", data: [alpha] },
  ];
}

/** The kernels' attributes; the plain norm's have no activation. */
interface NormAttrs {
  eps: number;
  activation?: NormActivation;
  alpha?: number;
}

/**
 * The activation a kernel applies: none for the plain norm's kernels, whatever their attributes
 * (the native backend's kernels of the same names have none, and `instanceNorm` must mean the
 * same on both); the fused kernels' `activation` attribute.
 */
function activationOf(
  kernel: string,
  attrs: NormAttrs,
  fused: boolean,
): { act: NormActivation; alpha: number } {
  if (!fused) return { act: "linear", alpha: 0 };
  const act = attrs.activation ?? "linear";
  if (!(act in ACTIVATE)) {
    throw new Error(
      `webgpu ${kernel}: unknown activation "${act}"; expected ${Object.keys(ACTIVATE).join(", ")}`,
    );
  }
  return { act, alpha: attrs.alpha ?? 0 };
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

/**
 * Where a program finds the mean and variance of (image `ni`, channel `ci`): the plain kernels'
 * two [N, C] tensors, or the fused kernels' one [N, 2, C] (means, then variances).
 */
function statsOf(fused: boolean): { names: string[]; mean: string; variance: string } {
  return fused
    ? {
      names: ["stats"],
      mean: "stats[ni * 2 * uniforms.channels + ci]",
      variance: "stats[(ni * 2 + 1) * uniforms.channels + ci]",
    }
    : {
      names: ["mean", "variance"],
      mean: "mean[ni * uniforms.channels + ci]",
      variance: "variance[ni * uniforms.channels + ci]",
    };
}

/**
 * The forward kernels: [act(y), mean, variance] from {x} (plain: three programs), or
 * [act(y), stats] with stats [N, 2, C] (fused: two programs, the statistics in one).
 */
function instanceNorm(
  kernel: string,
  fused: boolean,
  args: { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs?: tf.NamedAttrMap },
): tf.TensorInfo[] {
  const { x } = args.inputs as { x: tf.TensorInfo };
  const attrs = args.attrs as unknown as NormAttrs;
  const { act, alpha } = activationOf(kernel, attrs, fused);
  requireNhwcFloat(kernel, x, []);
  const backend = args.backend as WebGpuRunner;
  const [, h, w, c] = x.shape;
  const u = uniforms(h, w, c, attrs.eps, alpha);
  const stats = fused ? [normStats(backend, x, u)] : plainStats(backend, x, u);
  const s = statsOf(fused);
  const y = backend.runWebGPUProgram(
    new InstanceNormProgram(
      `y_${act}_${fused}`,
      x.shape,
      ["x", ...s.names],
      undefined,
      `
  fn main(index : i32) {
    if (index < uniforms.size) {
      let ci = index % uniforms.channels;
      let ni = index / (uniforms.hw * uniforms.channels);
      let r = inverseSqrt(${s.variance} + uniforms.eps);
      let y = (x[index] - ${s.mean}) * r;
      result[index] = ${ACTIVATE[act]};
    }
  }`,
    ),
    [x, ...stats],
    "float32",
    u,
  );
  return [y, ...stats];
}

/**
 * The mean and the biased variance per (image, channel) as one [N, 2, C] tensor, in one
 * program: each workgroup sums x, then (x - mean)^2, exactly as the plain kernels' two programs.
 */
function normStats(backend: WebGpuRunner, x: tf.TensorInfo, u: Uniform[]): tf.TensorInfo {
  const [n, , , c] = x.shape;
  return backend.runWebGPUProgram(
    new InstanceNormProgram(
      "stats",
      [n, 2, c],
      ["x"],
      n * c,
      `
  var<workgroup> partSum : array<f32, ${WORKGROUP}>;
  var<workgroup> partSq : array<f32, ${WORKGROUP}>;
  fn main(index : i32) {
    ${REDUCTION_PROLOGUE}
    {
      ${workgroupSum([{ part: "partSum", term: "x[at]" }])}
    }
    // Every lane reads the sum: the reduction's last step ends with a barrier.
    let m = partSum[0] / f32(uniforms.hw);
    {
      ${workgroupSum([{ part: "partSq", term: "(x[at] - m) * (x[at] - m)" }])}
    }
    if (lane == 0) {
      result[ni * 2 * uniforms.channels + ci] = m;
      result[(ni * 2 + 1) * uniforms.channels + ci] = partSq[0] / f32(uniforms.hw);
    }
  }`,
    ),
    [x],
    "float32",
    u,
  );
}

/** The plain kernels' mean and variance, [N, C] each, one program each. */
function plainStats(backend: WebGpuRunner, x: tf.TensorInfo, u: Uniform[]): tf.TensorInfo[] {
  const [n, , , c] = x.shape;
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
  return [mean, variance];
}

/**
 * The backward kernels: dx from {x, mean, variance, dy} (plain) or {x, stats, dy} (fused, where
 * dy is the gradient of z = act(y) and the gradient of y is formed on the fly).
 */
function instanceNormGrad(
  kernel: string,
  fused: boolean,
  args: { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs?: tf.NamedAttrMap },
): tf.TensorInfo {
  const { x, dy } = args.inputs as Record<string, tf.TensorInfo>;
  const s = statsOf(fused);
  const stats = s.names.map((name) => (args.inputs as Record<string, tf.TensorInfo>)[name]);
  const attrs = args.attrs as unknown as NormAttrs;
  const { act, alpha } = activationOf(kernel, attrs, fused);
  requireNhwcFloat(kernel, x, [...stats, dy]);
  const backend = args.backend as WebGpuRunner;
  const [n, h, w, c] = x.shape;
  const u = uniforms(h, w, c, attrs.eps, alpha);
  // The gradient of y at `at`, from dy (the gradient of z) and y, in WGSL.
  const gradY = (at: string) => `dyOf(dy[${at}], (x[${at}] - m) * r)`;
  const dyOf = `
  fn dyOf(g : f32, y : f32) -> f32 {
    return ${DERIVE[act]};
  }`;
  // mean(g) and mean(g * y) per (image, channel), g the gradient of y: [N, 2, C].
  const means = backend.runWebGPUProgram(
    new InstanceNormProgram(
      `grad_means_${act}_${fused}`,
      [n, 2, c],
      ["x", ...s.names, "dy"],
      n * c,
      `
  var<workgroup> partG : array<f32, ${WORKGROUP}>;
  var<workgroup> partGy : array<f32, ${WORKGROUP}>;
  ${dyOf}
  fn main(index : i32) {
    ${REDUCTION_PROLOGUE}
    let m = ${s.mean};
    let r = inverseSqrt(${s.variance} + uniforms.eps);
    ${
        workgroupSum([
          { part: "partG", term: gradY("at") },
          { part: "partGy", term: `${gradY("at")} * ((x[at] - m) * r)` },
        ])
      }
    if (lane == 0) {
      let out = ni * 2 * uniforms.channels + ci;
      result[out] = partG[0] / f32(uniforms.hw);
      result[out + uniforms.channels] = partGy[0] / f32(uniforms.hw);
    }
  }`,
    ),
    [x, ...stats, dy],
    "float32",
    u,
  );
  const dx = backend.runWebGPUProgram(
    new InstanceNormProgram(
      `dx_${act}_${fused}`,
      x.shape,
      ["x", ...s.names, "dy", "means"],
      undefined,
      `
  ${dyOf}
  fn main(index : i32) {
    if (index < uniforms.size) {
      let ci = index % uniforms.channels;
      let ni = index / (uniforms.hw * uniforms.channels);
      let r = inverseSqrt(${s.variance} + uniforms.eps);
      let y = (x[index] - ${s.mean}) * r;
      let g = dyOf(dy[index], y);
      let at = ni * 2 * uniforms.channels + ci;
      result[index] = r * ((g - means[at]) - y * means[at + uniforms.channels]);
    }
  }`,
    ),
    [x, ...stats, dy, means],
    "float32",
    u,
  );
  (args.backend as { disposeData(id: object): void }).disposeData(means.dataId);
  return dx;
}

/** The four kernels: the plain norm's and the fused ones. */
const KERNELS: ReadonlyArray<{
  name: string;
  fused: boolean;
  run: (kernel: string, fused: boolean, args: never) => unknown;
}> = [
  { name: INSTANCE_NORM_KERNEL, fused: false, run: instanceNorm },
  { name: INSTANCE_NORM_GRAD_KERNEL, fused: false, run: instanceNormGrad },
  { name: INSTANCE_NORM_ACTIVATION_KERNEL, fused: true, run: instanceNorm },
  { name: INSTANCE_NORM_ACTIVATION_GRAD_KERNEL, fused: true, run: instanceNormGrad },
];

/**
 * Registers the kernels for the `webgpu` backend (idempotent); `instanceNorm` and
 * `instanceNormActivation` (lib/nn/layers.ts) then run them.
 *
 * @example
 * ```ts
 * import { installWebGpuInstanceNorm } from "./instance_norm_webgpu.ts";
 *
 * installWebGpuInstanceNorm(); // after importing @tensorflow/tfjs-backend-webgpu
 * ```
 */
export function installWebGpuInstanceNorm(): void {
  registerWebGpuKernels(
    Object.fromEntries(
      KERNELS.map(({ name, fused, run }) => [name, (args: never) => run(name, fused, args)]),
    ),
  );
}

/**
 * Unregisters them, so that `instanceNorm` and `instanceNormActivation` fall back to tfjs's ops
 * (for comparisons).
 *
 * @example
 * ```ts
 * import { uninstallWebGpuInstanceNorm } from "./instance_norm_webgpu.ts";
 *
 * uninstallWebGpuInstanceNorm();
 * ```
 */
export function uninstallWebGpuInstanceNorm(): void {
  unregisterWebGpuKernels(KERNELS.map((k) => k.name));
}
