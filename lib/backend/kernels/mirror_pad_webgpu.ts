/**
 * The exact reflection-pad gradient on WebGPU as one program instead of the ~15 slices, pads,
 * reversals and additions of `mirrorPadGrad` (issue 18: a small CycleGAN iteration on a
 * GPU is bound by the number of programs).
 *
 * Registered for the `webgpu` backend as `CyclebenchMirrorPadGrad`, which the MirrorPad gradient
 * (mirror_pad.ts) calls for NHWC spatial padding where a backend has it (the native backend
 * has one too). Each dx element gathers the dy elements the padding copied it to: along each
 * spatial axis the element itself and at most one mirror image in each border, so at most
 * 3 x 3 reads.
 * @module
 */
import { tf } from "../../tf.ts";
import { registerWebGpuKernels, unregisterWebGpuKernels } from "./_webgpu_register.ts";
import { MIRROR_PAD_GRAD_KERNEL } from "./names.ts";

export { MIRROR_PAD_GRAD_KERNEL };

/** Threads per workgroup, as tfjs's element-wise programs. */
const WORKGROUP = 64;

/** The tfjs WebGPU program: dx [N,H,W,C] from dy [N,H+top+bottom,W+left+right,C]. */
class MirrorPadGradProgram {
  readonly variableNames = ["dy"];
  readonly shaderKey = "cyclebench_mirror_pad_grad";
  readonly dispatchLayout: { x: number[] };
  readonly dispatch: [number, number, number];
  readonly workgroupSize: [number, number, number] = [WORKGROUP, 1, 1];
  readonly size = true;
  readonly uniforms =
    "h : i32, w : i32, channels : i32, top : i32, bottom : i32, left : i32, right : i32, " +
    "off : i32,";

  constructor(readonly outputShape: number[]) {
    this.dispatchLayout = { x: outputShape.map((_, i) => i) };
    this.dispatch = [Math.ceil(tf.util.sizeFromShape(outputShape) / WORKGROUP), 1, 1];
  }

  getUserCode(): string {
    // Padded positions that copy output position y of an axis of length n: y itself, shifted
    // by the leading pad; its mirror in the leading border, j = off - 1 - y (if -before <= j
    // < 0); and in the trailing one, j = 2n - 1 - off - y (if n <= j < n + after). off is 1
    // for "reflect" (the edge is not repeated), 0 for "symmetric".
    return `
      fn sources(y : i32, n : i32, before : i32, after : i32) -> vec3<i32> {
        var s = vec3<i32>(y + before, -1, -1);
        let lead = uniforms.off - 1 - y;
        if (lead < 0 && lead >= -before) {
          s.y = lead + before;
        }
        let trail = 2 * n - 1 - uniforms.off - y;
        if (trail >= n && trail < n + after) {
          s.z = trail + before;
        }
        return s;
      }

      fn main(index : i32) {
        if (index < uniforms.size) {
          let c = uniforms.channels;
          let ci = index % c;
          let xi = (index / c) % uniforms.w;
          let yi = (index / (c * uniforms.w)) % uniforms.h;
          let ni = index / (c * uniforms.w * uniforms.h);
          let pw = uniforms.w + uniforms.left + uniforms.right;
          let ph = uniforms.h + uniforms.top + uniforms.bottom;
          let rows = sources(yi, uniforms.h, uniforms.top, uniforms.bottom);
          let cols = sources(xi, uniforms.w, uniforms.left, uniforms.right);
          var total = 0.0;
          for (var a = 0; a < 3; a = a + 1) {
            let r = rows[a];
            if (r < 0) {
              continue;
            }
            for (var b = 0; b < 3; b = b + 1) {
              let q = cols[b];
              if (q < 0) {
                continue;
              }
              total = total + dy[((ni * ph + r) * pw + q) * c + ci];
            }
          }
          setOutputAtIndex(index, total);
        }
      }
    `;
  }
}

/** The kernel function: dx from {dy} and MirrorPad's attributes. */
function mirrorPadGradKernel(args: {
  inputs: tf.NamedTensorInfoMap;
  backend: unknown;
  attrs?: tf.NamedAttrMap;
}): tf.TensorInfo {
  const { dy } = args.inputs as { dy: tf.TensorInfo };
  const { paddings, mode } = args.attrs as unknown as tf.MirrorPadAttrs;
  const spatialOnly = dy.shape.length === 4 && paddings.length === 4 &&
    paddings[0][0] === 0 && paddings[0][1] === 0 && paddings[3][0] === 0 && paddings[3][1] === 0;
  if (dy.dtype !== "float32" || !spatialOnly) {
    throw new Error(
      `webgpu ${MIRROR_PAD_GRAD_KERNEL}: expected float32 NHWC dy padded along H and W only; ` +
        `got ${dy.dtype} [${dy.shape}] with paddings ${JSON.stringify(paddings)}`,
    );
  }
  const [n, ph, pw, c] = dy.shape;
  const [[top, bottom], [left, right]] = [paddings[1], paddings[2]];
  const h = ph - top - bottom;
  const w = pw - left - right;
  const backend = args.backend as {
    runWebGPUProgram(
      p: MirrorPadGradProgram,
      inputs: tf.TensorInfo[],
      dtype: tf.DataType,
      uniforms: Array<{ type: string; data: number[] }>,
    ): tf.TensorInfo;
  };
  return backend.runWebGPUProgram(
    new MirrorPadGradProgram([n, h, w, c]),
    [dy],
    "float32",
    [h, w, c, top, bottom, left, right, mode === "reflect" ? 1 : 0].map((v) => ({
      type: "int32",
      data: [v],
    })),
  );
}

/**
 * Registers the one-program MirrorPad gradient for the `webgpu` backend (idempotent).
 *
 * @example
 * ```ts
 * import { installWebGpuMirrorPadGrad } from "./mirror_pad_webgpu.ts";
 *
 * installWebGpuMirrorPadGrad(); // after importing @tensorflow/tfjs-backend-webgpu
 * ```
 */
export function installWebGpuMirrorPadGrad(): void {
  registerWebGpuKernels({ [MIRROR_PAD_GRAD_KERNEL]: mirrorPadGradKernel });
}

/**
 * Unregisters it: the gradient falls back to `mirrorPadGrad`'s ops (for comparisons).
 *
 * @example
 * ```ts
 * import { uninstallWebGpuMirrorPadGrad } from "./mirror_pad_webgpu.ts";
 *
 * uninstallWebGpuMirrorPadGrad();
 * ```
 */
export function uninstallWebGpuMirrorPadGrad(): void {
  unregisterWebGpuKernels([MIRROR_PAD_GRAD_KERNEL]);
}
