/**
 * The Adam update as three WebGPU programs per variable instead of tfjs's fourteen (issue 18:
 * on a GPU a small CycleGAN iteration is bound by the number of programs, not by arithmetic).
 *
 * Registered for the `webgpu` backend as `CyclebenchAdamStep`, the kernel `LowPeakAdam` already
 * calls when a backend has it (lib/train/adam.ts; the native backend has one too). A WebGPU
 * program writes one output, and a storage buffer may not be read and written in the same
 * dispatch, so the update is three programs: the new first moment, the new second moment, and
 * the new value from them. Each follows tfjs's op order and f32 constants:
 *   m' = m * beta1 + g * (1 - beta1)
 *   v' = v * beta2 + g^2 * (1 - beta2)
 *   p' = ((m' / (1 - beta1^t)) / (sqrt(v' / (1 - beta2^t)) + epsilon)) * -lr + p
 * @module
 */
import { tf } from "../../tf.ts";
import { registerWebGpuKernels, unregisterWebGpuKernels } from "./_webgpu_register.ts";
import { ADAM_STEP_KERNEL } from "./names.ts";

export { ADAM_STEP_KERNEL };

/** Threads per workgroup: a multiple of the 32/64-wide GPU waves, as tfjs's element-wise ops. */
const WORKGROUP = 64;

/** The parts of tfjs's `WebGPUBackend` the kernel calls. */
interface WebGpuRunner {
  runWebGPUProgram(
    program: AdamStepProgram,
    inputs: tf.TensorInfo[],
    outputDtype: tf.DataType,
    uniforms?: Array<{ type: string; data: number[] }>,
  ): tf.TensorInfo;
}

/** The attributes `LowPeakAdam` passes: f32 scalars of the step. */
interface AdamAttrs {
  beta1: number;
  beta2: number;
  epsilon: number;
  learningRate: number;
  oneMinusAccBeta1: number;
  oneMinusAccBeta2: number;
}

/**
 * One element-wise tfjs WebGPU program of the Adam step over a flat output of `size` elements:
 * `body` sets `result[index]` from the inputs, read as `name[index]`, and the f32 uniforms.
 * A class, so that program counts name it (`webgpu_programs.ts` keys by class name).
 */
class AdamStepProgram {
  readonly outputShape: number[];
  readonly shaderKey: string;
  // A flat layout: tfjs folds a dispatch above the per-dimension limit into y (and z).
  readonly dispatchLayout = { x: [0] };
  readonly dispatch: [number, number, number];
  readonly workgroupSize: [number, number, number] = [WORKGROUP, 1, 1];
  readonly size = true;
  readonly uniforms: string;

  constructor(
    key: string,
    size: number,
    readonly variableNames: string[],
    uniforms: string[],
    private readonly body: string,
  ) {
    this.outputShape = [size];
    this.shaderKey = `cyclebench_${key}`;
    this.dispatch = [Math.ceil(size / WORKGROUP), 1, 1];
    this.uniforms = uniforms.map((u) => `${u} : f32,`).join(" ");
  }

  getUserCode(): string {
    return `
      fn main(index : i32) {
        if (index < uniforms.size) {
          ${this.body}
        }
      }
    `;
  }
}

function f32Uniforms(values: number[]): Array<{ type: string; data: number[] }> {
  return values.map((v) => ({ type: "float32", data: [v] }));
}

/** The kernel function: [value', m', v'] from {value, m, v, g}. */
function adamStep(args: {
  inputs: tf.NamedTensorInfoMap;
  backend: unknown;
  attrs?: tf.NamedAttrMap;
}): tf.TensorInfo[] {
  const { value, m, v, g } = args.inputs as Record<string, tf.TensorInfo>;
  // Buffers are named p, m, v, g in the shaders: `value` is a parameter name in tfjs's
  // generated helpers.
  const a = args.attrs as unknown as AdamAttrs;
  const backend = args.backend as WebGpuRunner;
  for (const t of [value, m, v, g]) {
    if (t.dtype !== "float32" || !tf.util.arraysEqual(t.shape, value.shape)) {
      throw new Error(
        `webgpu ${ADAM_STEP_KERNEL}: expected float32 value, moments and gradient of one shape; ` +
          `got value [${value.shape}] and [${t.shape}] ${t.dtype}`,
      );
    }
  }
  const size = tf.util.sizeFromShape(value.shape);
  // Flat views of the same buffers, as tfjs's own reshape makes them (no program).
  const flat = (t: tf.TensorInfo) => ({ ...t, shape: [size] });
  const m1 = backend.runWebGPUProgram(
    new AdamStepProgram(
      "adam_m",
      size,
      ["m", "g"],
      ["beta", "oneMinusBeta"],
      `
      result[index] = m[index] * uniforms.beta + g[index] * uniforms.oneMinusBeta;`,
    ),
    [flat(m), flat(g)],
    "float32",
    f32Uniforms([a.beta1, 1 - a.beta1]),
  );
  const v1 = backend.runWebGPUProgram(
    new AdamStepProgram(
      "adam_v",
      size,
      ["v", "g"],
      ["beta", "oneMinusBeta"],
      `
      let gi = g[index];
      result[index] = v[index] * uniforms.beta + (gi * gi) * uniforms.oneMinusBeta;`,
    ),
    [flat(v), flat(g)],
    "float32",
    f32Uniforms([a.beta2, 1 - a.beta2]),
  );
  const p1 = backend.runWebGPUProgram(
    new AdamStepProgram(
      "adam_value",
      size,
      ["p", "m", "v"],
      ["oneMinusAccBeta1", "oneMinusAccBeta2", "epsilon", "negLr"],
      `
      let mHat = m[index] / uniforms.oneMinusAccBeta1;
      let vHat = v[index] / uniforms.oneMinusAccBeta2;
      result[index] = (mHat / (sqrt(vHat) + uniforms.epsilon)) * uniforms.negLr + p[index];`,
    ),
    [flat(value), m1, v1],
    "float32",
    f32Uniforms([a.oneMinusAccBeta1, a.oneMinusAccBeta2, a.epsilon, -a.learningRate]),
  );
  return [p1, m1, v1].map((t) => ({ ...t, shape: value.shape }));
}

/**
 * Registers the fused Adam step for the `webgpu` backend (idempotent). `LowPeakAdam` then
 * updates each variable with three programs.
 *
 * @example
 * ```ts
 * import { installWebGpuAdam } from "./adam_webgpu.ts";
 *
 * installWebGpuAdam(); // after importing @tensorflow/tfjs-backend-webgpu
 * ```
 */
export function installWebGpuAdam(): void {
  registerWebGpuKernels({ [ADAM_STEP_KERNEL]: adamStep });
}

/**
 * Unregisters it, so that `LowPeakAdam` falls back to tfjs's separate ops (for comparisons).
 *
 * @example
 * ```ts
 * import { uninstallWebGpuAdam } from "./adam_webgpu.ts";
 *
 * uninstallWebGpuAdam();
 * ```
 */
export function uninstallWebGpuAdam(): void {
  unregisterWebGpuKernels([ADAM_STEP_KERNEL]);
}
