/**
 * `native`: the wasm backend with its heavy kernels (convolutions and their gradients, matmul,
 * instance norm, activation gradients) run by oneDNN 2.x (`libdnnl.so.2`) through Deno's FFI,
 * in place on the wasm heap (`native/kernels.ts`). Opt-in trust: it needs `--allow-ffi` (the
 * `deno task` commands pass `-A`) and Debian's `libdnnl2` (`apt install libdnnl2`), or a oneDNN
 * 2.x library named by `CYCLEBENCH_DNNL`.
 *
 * Threads: 1 by default (OpenMP); `threads: 2` doubles big convolutions on an idle machine but
 * collapses when the other core is busy (ffi-native-kernels.md, "Threads and contention"), so
 * it is opt-in like the wasm threads (`--threads 2` for the bench, `CYCLEBENCH_THREADS=2` for
 * any command); the count is recorded with every run.
 * @module
 */
import { tf } from "../tf.ts";
import type { BackendEntry } from "./types.ts";
import { BackendUnavailableError } from "./types.ts";
import { wasm } from "./wasm.ts";
import { DnnlUnavailableError, openDnnl, probeDnnl } from "./native/dnnl.ts";
import { nativeAdamPath, nativeKernels } from "./native/kernels.ts";
import { installActivationGradients } from "./native/gradients.ts";

let registered = false;

/** Registers the `native` tfjs backend over the (initialised) wasm backend's instance. */
function register(kernels: tf.KernelConfig[]): void {
  if (registered) return;
  const instance = tf.findBackend("wasm");
  if (!instance) throw new Error("native backend: the wasm backend did not initialise");
  // The same BackendWasm instance under a second name: tensors stay in the one wasm heap, so
  // nothing moves between the two names.
  tf.registerBackend("native", () => instance, 0);
  for (const k of kernels) tf.registerKernel(k);
  const ours = new Set(kernels.map((k) => k.kernelName));
  for (const k of tf.getKernelsForBackend("wasm")) {
    if (!ours.has(k.kernelName)) tf.registerKernel({ ...k, backendName: "native" });
  }
  registered = true;
}

/** One small convolution, so the first real layer does not pay oneDNN's JIT warm-up. */
function warmUp(): void {
  tf.tidy(() => {
    const x = tf.ones([1, 8, 8, 8]);
    const w = tf.ones([3, 3, 8, 8]);
    tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, 1, "same").dataSync();
  });
}

/** The oneDNN-through-FFI backend. */
export const native: BackendEntry = {
  name: "native",
  description: "oneDNN 2.x through Deno FFI for convolutions, matmul, instance norm and " +
    "activation gradients, over wasm; needs --allow-ffi and `apt install libdnnl2`",
  probe() {
    return Promise.resolve(probeDnnl());
  },
  async activate({ threads }) {
    let d;
    try {
      d = openDnnl(threads ?? threadsFromEnv());
    } catch (e) {
      if (e instanceof DnnlUnavailableError) throw new BackendUnavailableError("native", e.message);
      throw e;
    }
    await wasm.activate({ threads: 1 });
    register(nativeKernels(d));
    installActivationGradients();
    await tf.setBackend("native");
    await tf.ready();
    warmUp();
    return {
      name: "native",
      tfjsBackend: "native",
      version: `oneDNN ${d.version} (${d.path}) over @tensorflow/tfjs-backend-wasm`,
      device: `cpu (oneDNN, ${isaName()})`,
      threads: d.threads,
      convGradients: "onednn",
      // Decided here once, so that the backend line (status.json) says what every Adam step
      // of this process runs.
      adam: nativeAdamPath(tf.backend()),
    };
  },
};

/**
 * `CYCLEBENCH_THREADS` (a positive integer) when no thread count was passed: how a sweep run
 * opts into 2 threads without changing its config (and so its run id). Default 1.
 */
function threadsFromEnv(): number {
  let v: string | undefined;
  try {
    v = Deno.env.get("CYCLEBENCH_THREADS");
  } catch {
    return 1;
  }
  if (v === undefined || v === "") return 1;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1 || n > 256) {
    throw new BackendUnavailableError(
      "native",
      `CYCLEBENCH_THREADS="${v}" is not a thread count; expected a positive integer`,
    );
  }
  return n;
}

/** The widest x86 vector ISA the CPU reports (what oneDNN's JIT will use). */
function isaName(): string {
  try {
    const flags = Deno.readTextFileSync("/proc/cpuinfo").match(/^flags\s*:(.*)$/m)?.[1] ?? "";
    const has = (f: string) => new RegExp(`\\b${f}\\b`).test(flags);
    if (has("avx512f")) return "AVX-512";
    if (has("avx2")) return "AVX2";
    if (has("avx")) return "AVX";
    return "SSE";
  } catch {
    return "ISA unknown";
  }
}
