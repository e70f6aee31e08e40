/**
 * What a command says about the backend its runs will train on, before they start: name,
 * version, threads and why (the `auto` rule's findings, `--backend`, or the config).
 * @module
 */
import {
  BACKEND_NAMES,
  type BackendName,
  BACKENDS,
  describeBackend,
  selectBackend,
} from "../backend/mod.ts";

/**
 * Backends started in the scheduler just to describe them: measured on the 2-core dev machine,
 * starting `native` or `wasm` there costs ~70 ms and 13 MB (tfjs is loaded already, by the
 * planner's `auto` probe). `webgpu` would open a GPU device and `tensorflow` load libtensorflow
 * (hundreds of MB) in a process that trains nothing, so those two are described from their
 * probe only; each run's `status.json` records the version its worker got.
 */
const CHEAP_TO_START: ReadonlySet<BackendName> = new Set(["wasm", "cpu", "native"]);

/**
 * One line for the backend `name` that the runs will use, with `reason` (why it was picked):
 * `native (oneDNN 2.6.3 ...; 1 thread; ...): auto: ...`. Workers start their backend the same
 * way (`selectBackend(name)`, threads from the environment), so version and threads match.
 */
export async function plannedBackendLine(name: string, reason: string): Promise<string> {
  if (!(BACKEND_NAMES as readonly string[]).includes(name)) return `${name}: ${reason}`;
  const backend = name as BackendName;
  if (CHEAP_TO_START.has(backend)) {
    return describeBackend({ ...(await selectBackend(backend)), reason });
  }
  const probe = await BACKENDS[backend].probe();
  const found = probe.ok ? probe.detail : `not available here: ${probe.why}`;
  return `${backend} (${found}; version and threads: in each run's status.json): ${reason}`;
}
