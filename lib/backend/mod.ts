/**
 * Backend registry: `--backend auto|tensorflow|webgpu|native|wasm|cpu`.
 *
 * Each entry is one module (`cpu.ts`, `wasm.ts`, ...) registered here by name. {@link
 * selectBackend} activates one, installs the training kit (exact, fast convolution and
 * reflection-pad gradients) and returns what was chosen and why, to be printed at start and
 * recorded with every run.
 *
 * ```ts
 * import { selectBackend } from "./mod.ts";
 * const active = await selectBackend("auto");
 * console.log(active.name, active.reason);
 * ```
 * @module
 */
import { cpu } from "./cpu.ts";
import { native } from "./native.ts";
import { tensorflow } from "./tensorflow.ts";
import { wasm } from "./wasm.ts";
import { webgpu } from "./webgpu.ts";
import { installTrainingKit } from "./kernels/mod.ts";
import {
  type ActiveBackend,
  BACKEND_NAMES,
  type BackendEntry,
  type BackendName,
  type BackendOptions,
  BackendUnavailableError,
} from "./types.ts";

export {
  type ActiveBackend,
  BACKEND_NAMES,
  type BackendEntry,
  type BackendName,
  type BackendOptions,
  BackendUnavailableError,
};

/** Every backend by name. Adding one: a module plus one line here. */
export const BACKENDS: Readonly<Record<BackendName, BackendEntry>> = Object.freeze({
  tensorflow,
  webgpu,
  native,
  wasm,
  cpu,
});

/** What `--backend` accepts. */
export type BackendChoice = BackendName | "auto";

/** Whether `name` is a valid `--backend` value. */
export function isBackendChoice(name: string): name is BackendChoice {
  return name === "auto" || (BACKEND_NAMES as readonly string[]).includes(name);
}

/**
 * The `auto` rule: tensorflow if loadable, else webgpu if its adapter is a real GPU (not a
 * software/fallback adapter), else native if oneDNN 2.x opens (FFI permitted), else wasm. Returns the pick and the findings behind it.
 */
export async function resolveAuto(): Promise<{ name: BackendName; reason: string }> {
  const notes: string[] = [];
  const tfn = await tensorflow.probe();
  if (tfn.ok) return { name: "tensorflow", reason: `auto: ${tfn.detail}` };
  notes.push(`tensorflow: ${tfn.why}`);
  const gpu = await webgpu.probe();
  if (gpu.ok && gpu.realGpu) return { name: "webgpu", reason: `auto: WebGPU on ${gpu.detail}` };
  notes.push(`webgpu: ${gpu.ok ? `${gpu.detail} is not a real GPU` : gpu.why}`);
  const dnnl = await native.probe();
  if (dnnl.ok) return { name: "native", reason: `auto: ${dnnl.detail}; ${notes.join("; ")}` };
  notes.push(`native: ${dnnl.why}`);
  return { name: "wasm", reason: `auto: ${notes.join("; ")}` };
}

/**
 * Activates a backend (`auto` applies {@link resolveAuto}), installs the training kit, and
 * returns what is in use. Throws {@link BackendUnavailableError} with an install hint when an
 * explicitly requested backend cannot run here.
 */
export async function selectBackend(
  choice: BackendChoice,
  options: BackendOptions = {},
): Promise<ActiveBackend> {
  if (!isBackendChoice(choice)) {
    throw new BackendUnavailableError(
      "wasm",
      `unknown backend "${choice}"; expected one of auto, ${BACKEND_NAMES.join(", ")}`,
    );
  }
  const { name, reason } = choice === "auto"
    ? await resolveAuto()
    : { name: choice, reason: "requested" };
  const active = await BACKENDS[name].activate(options);
  installTrainingKit();
  return { ...active, reason };
}

/** One line for logs: `wasm (@tensorflow/tfjs-backend-wasm 4.22.0, cpu ..., 1 thread): why`. */
export function describeBackend(b: ActiveBackend): string {
  return `${b.name} (${b.version}; ${b.device}; ${b.threads} thread${
    b.threads === 1 ? "" : "s"
  }; ` +
    `conv gradients: ${b.convGradients}${b.adam ? `; adam: ${b.adam}` : ""}): ${b.reason}`;
}
