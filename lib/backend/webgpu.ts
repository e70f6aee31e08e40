/**
 * `webgpu`: Deno's built-in WebGPU with tfjs-backend-webgpu. Fast on a real GPU; on a machine
 * without one it runs on a software adapter (Mesa's lavapipe/llvmpipe), which is slow but lets
 * CI prove the path. Reads must use the async APIs (`await t.data()`): `dataSync()` fails there.
 * @module
 */
import { tf } from "../tf.ts";
import { type BackendEntry, BackendUnavailableError, type Probe } from "./types.ts";
import { installWebGpuAdam } from "./kernels/adam_webgpu.ts";
import { installWebGpuInstanceNorm } from "./kernels/instance_norm_webgpu.ts";
import { installWebGpuMirrorPadGrad } from "./kernels/mirror_pad_webgpu.ts";
import { installWebGpuBiasGrad } from "./kernels/bias_grad_webgpu.ts";
import { installWebGpuDirectConv } from "./kernels/conv2d_webgpu.ts";

/**
 * tfjs's flag for when a convolution is small enough to run as im2col plus a matMul (two
 * programs) instead of one `Conv2DMMProgram`: at most this many 32x32 output tiles (default 8,
 * 16 on recent Intel GPUs). tfjs reads it in its Conv2D only (its matMul ignores 0).
 */
const CONV_IM2COL_TILES_FLAG = "WEBGPU_THRESHOLD_TO_INCREASE_WORKGROUPS_FOR_MATMUL";

/** Software rasterisers that present themselves as GPUs. */
const SOFTWARE_ADAPTER = /llvmpipe|lavapipe|swiftshader|software|warp/i;

/**
 * Mesa prints "XDG_RUNTIME_DIR is invalid" on every adapter request when the variable is unset
 * (as under CI and Slurm); point it at a private temporary directory once to keep logs clean.
 */
function quietMesa(): void {
  try {
    if (Deno.env.get("XDG_RUNTIME_DIR")) return;
    const dir = `/tmp/cyclebench-xdg-${Deno.uid() ?? "user"}`;
    Deno.mkdirSync(dir, { recursive: true, mode: 0o700 });
    Deno.env.set("XDG_RUNTIME_DIR", dir);
  } catch {
    // Without env/write permission the only cost is a noisy log line.
  }
}

/** Describes the default adapter, or says why there is none. */
export async function probeWebGpu(): Promise<Probe & { description?: string }> {
  const gpu = (globalThis.navigator as Navigator | undefined)?.gpu;
  if (!gpu) return { ok: false, why: "this Deno has no navigator.gpu (WebGPU)" };
  quietMesa();
  let adapter: GPUAdapter | null = null;
  try {
    adapter = await gpu.requestAdapter({ powerPreference: "high-performance" });
  } catch (e) {
    return { ok: false, why: `requesting a WebGPU adapter failed: ${(e as Error).message}` };
  }
  if (!adapter) {
    return {
      ok: false,
      why: "no WebGPU adapter (no Vulkan driver: install your GPU's driver, or " +
        "`apt-get install mesa-vulkan-drivers` for a software adapter)",
    };
  }
  const info = adapter.info;
  const description = info.description || `${info.vendor} ${info.device}`.trim();
  const fallback = info.isFallbackAdapter || SOFTWARE_ADAPTER.test(description);
  return {
    ok: true,
    detail: `${description}${fallback ? " (software adapter)" : ""}`,
    realGpu: !fallback,
    description,
  };
}

/** The WebGPU backend. */
export const webgpu: BackendEntry = {
  name: "webgpu",
  description: "Deno's WebGPU + tfjs-backend-webgpu; fast on a real GPU, slow on lavapipe",
  probe: probeWebGpu,
  async activate() {
    const probe = await probeWebGpu();
    if (!probe.ok) {
      throw new BackendUnavailableError("webgpu", `backend "webgpu" is unavailable: ${probe.why}`);
    }
    await import("@tensorflow/tfjs-backend-webgpu");
    // Fewer GPU programs per step (issue 18): Adam as three programs per variable, instance
    // norm (with the activation after it) as two forward and two backward, the reflection-pad
    // and bias gradients as one.
    installWebGpuAdam();
    installWebGpuInstanceNorm();
    installWebGpuMirrorPadGrad();
    installWebGpuBiasGrad();
    // Small convolutions (a 32px ngf 4 CycleGAN's) as direct loops, one program each for the
    // forward, dx and dW: 3-10x faster than tfjs's there on lavapipe.
    installWebGpuDirectConv();
    // Every convolution as one program (issue 18). tfjs splits small ones (at most 8 32x32
    // output tiles: all of a 32px CycleGAN's but its 7x7 ones) into im2col and a matMul to fill
    // more of a GPU's cores; but at that size a GPU iteration is bound by its number of programs
    // (the H100 times are flat from 32px to 128px), and on lavapipe the one program measured
    // 0.28 ms against 1.27 ms for a 3x3 16->16 conv at 8x8. Larger convolutions, the bulk of a
    // 256px iteration, run as one program already.
    tf.env().set(CONV_IM2COL_TILES_FLAG, 0);
    const ok = await tf.setBackend("webgpu");
    if (!ok) {
      throw new BackendUnavailableError(
        "webgpu",
        `backend "webgpu" failed to initialise on ${probe.detail}`,
      );
    }
    await tf.ready();
    return {
      name: "webgpu",
      tfjsBackend: "webgpu",
      version: `@tensorflow/tfjs-backend-webgpu ${tf.version_core}`,
      device: probe.detail,
      threads: 1,
      convGradients: "tfjs",
    };
  },
};
