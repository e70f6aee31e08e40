/**
 * A convolution bias's gradient on WebGPU as one program: the sum of dy [N,H,W,C] over N, H and
 * W per channel. tfjs's Add gradient runs it as a transpose (the reduced axes must be the
 * innermost) and a reduction: two programs per bias (issue 18: a small CycleGAN iteration on a
 * GPU is bound by the number of programs).
 *
 * Registered for the `webgpu` backend as `CyclebenchBiasGrad`; `addBias` (lib/nn/layers.ts)
 * uses it where a backend has it. One 64-thread workgroup per channel: strided partial sums,
 * then a tree in workgroup memory.
 * @module
 */
import { tf } from "../../tf.ts";
import { registerWebGpuKernels, unregisterWebGpuKernels } from "./_webgpu_register.ts";
import { BIAS_GRAD_KERNEL } from "./names.ts";

export { BIAS_GRAD_KERNEL };

/** Threads per workgroup. */
const WORKGROUP = 64;

/** The tfjs WebGPU program: a workgroup per channel sums `count` values `channels` apart. */
class BiasGradProgram {
  readonly variableNames = ["dy"];
  readonly shaderKey = "cyclebench_bias_grad";
  readonly dispatchLayout = { x: [0] };
  readonly dispatch: [number, number, number];
  readonly workgroupSize: [number, number, number] = [WORKGROUP, 1, 1];
  readonly uniforms = "count : i32, channels : i32,";

  constructor(readonly outputShape: number[]) {
    this.dispatch = [outputShape[0], 1, 1];
  }

  getUserCode(): string {
    return `
      var<workgroup> part : array<f32, ${WORKGROUP}>;
      fn main(index : i32) {
        let ci = i32(workgroupId.x);
        let lane = i32(localIndex);
        var s = 0.0;
        for (var k = lane; k < uniforms.count; k = k + ${WORKGROUP}) {
          s = s + dy[k * uniforms.channels + ci];
        }
        part[lane] = s;
        workgroupBarrier();
        for (var stride = ${WORKGROUP / 2}; stride > 0; stride = stride / 2) {
          if (lane < stride) {
            part[lane] = part[lane] + part[lane + stride];
          }
          workgroupBarrier();
        }
        if (lane == 0) {
          result[ci] = part[0];
        }
      }
    `;
  }
}

/** The kernel function: the per-channel sum of {dy}. */
function biasGrad(args: { inputs: tf.NamedTensorInfoMap; backend: unknown }): tf.TensorInfo {
  const { dy } = args.inputs as { dy: tf.TensorInfo };
  if (dy.dtype !== "float32" || dy.shape.length !== 4) {
    throw new Error(
      `webgpu ${BIAS_GRAD_KERNEL}: expected a float32 dy of shape [N,H,W,C]; ` +
        `got ${dy.dtype} [${dy.shape}]`,
    );
  }
  const c = dy.shape[3];
  const backend = args.backend as {
    runWebGPUProgram(
      p: BiasGradProgram,
      inputs: tf.TensorInfo[],
      dtype: tf.DataType,
      uniforms: Array<{ type: string; data: number[] }>,
    ): tf.TensorInfo;
  };
  return backend.runWebGPUProgram(new BiasGradProgram([c]), [dy], "float32", [
    { type: "int32", data: [tf.util.sizeFromShape(dy.shape) / c] },
    { type: "int32", data: [c] },
  ]);
}

/**
 * Registers the one-program bias gradient for the `webgpu` backend (idempotent).
 *
 * @example
 * ```ts
 * import { installWebGpuBiasGrad } from "./bias_grad_webgpu.ts";
 *
 * installWebGpuBiasGrad(); // after importing @tensorflow/tfjs-backend-webgpu
 * ```
 */
export function installWebGpuBiasGrad(): void {
  registerWebGpuKernels({ [BIAS_GRAD_KERNEL]: biasGrad });
}

/**
 * Unregisters it: `addBias` falls back to `tf.add` and tfjs's gradient (for comparisons).
 *
 * @example
 * ```ts
 * import { uninstallWebGpuBiasGrad } from "./bias_grad_webgpu.ts";
 *
 * uninstallWebGpuBiasGrad();
 * ```
 */
export function uninstallWebGpuBiasGrad(): void {
  unregisterWebGpuKernels([BIAS_GRAD_KERNEL]);
}
