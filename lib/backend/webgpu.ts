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
    // norm as three forward and two backward, the reflection-pad and bias gradients as one.
    installWebGpuAdam();
    installWebGpuInstanceNorm();
    installWebGpuMirrorPadGrad();
    installWebGpuBiasGrad();
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
