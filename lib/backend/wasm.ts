/**
 * `wasm`: tfjs-backend-wasm (XNNPACK, SIMD), the zero-setup default on CPUs.
 *
 * tfjs 4.22's wasm backend has no `Conv2DBackpropFilter` and a slow `Conv2DBackpropInput`; the
 * training kit (`kernels/`) supplies both through XNNPACK's fast forward convolution.
 * Deno reports itself as Node to tfjs, which then disables the multi-threaded build; we run the
 * single-threaded SIMD build unless `threads` > 1 asks for the threaded one through a shim
 * (`wasm_threads.ts`; backend-prototype.md: two threads help ~1.35x on an idle machine and hurt
 * badly under load, so it is opt-in).
 * @module
 */
import { tf } from "../tf.ts";
import type { BackendEntry } from "./types.ts";
import { startThreadedWasm } from "./wasm_threads.ts";

/** The WebAssembly backend (XNNPACK). */
export const wasm: BackendEntry = {
  name: "wasm",
  description: "tfjs-backend-wasm (XNNPACK, SIMD), 1 thread unless threads > 1; default on CPUs",
  probe() {
    return Promise.resolve(
      typeof WebAssembly === "object"
        ? { ok: true, detail: "WebAssembly available" }
        : { ok: false, why: "this runtime has no WebAssembly" },
    );
  },
  async activate({ threads = 1 }) {
    const w = await import("@tensorflow/tfjs-backend-wasm");
    if (threads !== 1) await startThreadedWasm(threads);
    await tf.setBackend("wasm");
    await tf.ready();
    const simd = await tf.env().getAsync("WASM_HAS_SIMD_SUPPORT");
    return {
      name: "wasm",
      tfjsBackend: "wasm",
      version: `@tensorflow/tfjs-backend-wasm ${w.version_wasm}`,
      device: `cpu (wasm${simd ? " SIMD" : ""}, XNNPACK)`,
      threads: w.getThreadsCount(),
      convGradients: "cyclebench",
    };
  },
};
