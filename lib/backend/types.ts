/**
 * Types shared by the backend registry and its entries.
 * @module
 */

/** Names accepted by `--backend`, besides `auto`. */
export const BACKEND_NAMES = ["tensorflow", "webgpu", "native", "wasm", "cpu"] as const;

/** One of {@link BACKEND_NAMES}. */
export type BackendName = typeof BACKEND_NAMES[number];

/** What `probe()` found: usable, or not and why (one sentence a user can act on). */
export type Probe =
  | { ok: true; detail: string; realGpu?: boolean }
  | { ok: false; why: string };

/** Options for activating a backend. */
export interface BackendOptions {
  /** wasm: threads for XNNPACK (1 = single-threaded build, the default); native: OpenMP threads. */
  threads?: number;
}

/** The backend in use, recorded with every run. */
export interface ActiveBackend {
  /** Registry name (`wasm`, `webgpu`, ...). */
  name: BackendName;
  /** Name of the tfjs backend behind it (`tf.getBackend()`). */
  tfjsBackend: string;
  /** Package and version, e.g. `@tensorflow/tfjs-backend-wasm 4.22.0`. */
  version: string;
  /** The device it computes on (adapter description, `cpu (2 cores)`, ...). */
  device: string;
  /** Compute threads on the CPU (1 for GPU backends). */
  threads: number;
  /** Why this backend was chosen (explicit request, or the auto rule's findings). */
  reason: string;
  /**
   * Who computes convolution gradients: cyclebench's decompositions (wasm, cpu), tfjs's own
   * kernels (webgpu, tensorflow) or oneDNN (native).
   */
  convGradients: "cyclebench" | "tfjs" | "onednn";
  /**
   * Which loop runs Adam's update where the backend has its own (native: `WebAssembly SIMD`,
   * or the bit-identical but slower `JS fallback`); absent where tfjs's element-wise ops run it.
   */
  adam?: string;
}

/** A registry entry: one backend. */
export interface BackendEntry {
  /** Registry name. */
  readonly name: BackendName;
  /** One line for `--help` and the README table. */
  readonly description: string;
  /** Checks whether the backend can start here, without switching to it. */
  probe(): Promise<Probe>;
  /** Switches tfjs to this backend; throws {@link BackendUnavailableError} if it cannot. */
  activate(options: BackendOptions): Promise<Omit<ActiveBackend, "reason">>;
}

/** A requested backend cannot run here; the message says what is missing and how to fix it. */
export class BackendUnavailableError extends Error {
  /** The backend that was asked for. */
  readonly backend: BackendName;
  /**
   * Makes the error for `backend`.
   * @param backend The backend that was asked for.
   * @param message What is missing and how to install it.
   */
  constructor(backend: BackendName, message: string) {
    super(message);
    this.name = "BackendUnavailableError";
    this.backend = backend;
  }
}
