/**
 * Registering our kernels for the `webgpu` backend, idempotently, and taking them back: what
 * every `install*`/`uninstall*` pair of the `*_webgpu.ts` modules does.
 *
 * ```ts
 * registerWebGpuKernels({ [BIAS_GRAD_KERNEL]: biasGrad });
 * unregisterWebGpuKernels([BIAS_GRAD_KERNEL]);
 * ```
 * @module
 */
import { tf } from "../../tf.ts";

/**
 * Registers each named kernel function for `webgpu` unless a kernel of that name is already
 * registered there (installing twice is harmless).
 */
export function registerWebGpuKernels(kernels: Readonly<Record<string, unknown>>): void {
  for (const [kernelName, kernelFunc] of Object.entries(kernels)) {
    if (tf.getKernel(kernelName, "webgpu") !== undefined) continue;
    tf.registerKernel({
      kernelName,
      backendName: "webgpu",
      kernelFunc: kernelFunc as tf.KernelFunc,
    });
  }
}

/** Unregisters each named kernel from `webgpu` where it is registered. */
export function unregisterWebGpuKernels(names: readonly string[]): void {
  for (const name of names) {
    if (tf.getKernel(name, "webgpu") !== undefined) tf.unregisterKernel(name, "webgpu");
  }
}
