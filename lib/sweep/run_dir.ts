/**
 * A sweep's directory and its runs' directories: what is where, each run's `status.json`, and
 * the state of each run as found on disk.
 *
 * ```
 * results/<sweep>/
 *   .lock                  the sweep lock (while a sweep runs)
 *   sweep.json             the plan: every run's id, name, axes and state
 *   runs/<id>/
 *     .lock                the run lock (while a worker trains it)
 *     config.resolved.json the resolved config, the trainer's config (derived seed), the data
 *     config.diff.json     what the run changes relative to the experiment
 *     status.json          pending|running|completed|diverged|failed|interrupted; written
 *                          atomically, and last
 *     metrics.jsonl        losses every print_freq steps, an evaluation every eval.every
 *                          steps, and the final evaluation (lib/sweep/run.ts)
 *     loss_log.txt         the official loss log
 *     checkpoints/         complete checkpoints (lib/train/checkpoint.ts); a completed run
 *                          keeps only its final one (lib/sweep/clean.ts)
 *     images/              step_<8 digits>.png: the grid of each periodic evaluation (written
 *                          by the run); grid_final.png (written by the report)
 * ```
 *
 * A run is `completed` iff its `status.json` says so (reliability.md C.2).
 *
 * ```ts
 * import { readStatus, runState } from "./run_dir.ts";
 * const status = await readStatus("results/smoke/runs/base-12bc4cb98c");
 * ```
 * @module
 */
import { exists, joinPath, listDir, readJson, writeFileAtomic } from "../io/atomic.ts";
import { configHash } from "../train/checkpoint.ts";
import { holderAlive, readLock } from "./lock.ts";
import { SHORT_HASH } from "./plan.ts";

/** The states a run's `status.json` can hold. */
export const RUN_STATUSES = [
  "pending",
  "running",
  "completed",
  "diverged",
  "failed",
  "interrupted",
] as const;

/** One of {@link RUN_STATUSES}. */
export type RunStatusName = typeof RUN_STATUSES[number];

/** A run's `status.json`. */
export interface RunStatus {
  /** The run id. */
  id: string;
  /** Readable name. */
  name: string;
  /** Full identity hash. */
  hash: string;
  /** The state. */
  status: RunStatusName;
  /** Iterations completed. */
  step: number;
  /** Iterations the run trains in all. */
  total_steps: number;
  /** Number of times a worker started on this run. */
  attempts: number;
  /** When the first attempt started (ISO 8601). */
  first_started_at: string | null;
  /** When the current (or last) attempt started. */
  started_at: string | null;
  /** When the run reached its terminal state. */
  finished_at: string | null;
  /** When this file was written. */
  updated_at: string;
  /** Seconds of the last attempt. */
  elapsed_s: number;
  /** Seconds of all attempts together. */
  total_elapsed_s: number;
  /** Iterations per second of the last attempt (excluding start-up and evaluation). */
  steps_per_s: number | null;
  /** Seconds the last attempt spent evaluating (periodic evaluations with their grids, and the final one). */
  eval_s?: number;
  /** The step the last attempt resumed from (null: started fresh). */
  resumed_from: number | null;
  /**
   * The backend, as `describeBackend` says it (its first word is the tfjs backend name, which
   * each checkpoint also records; a run is resumed only on the backend of its checkpoint).
   */
  backend: string | null;
  /** Worker pid and host of the last attempt. */
  pid: number | null;
  /** Host of the last attempt. */
  host: string | null;
  /** Why the run failed, diverged or was interrupted (a path for I/O errors). */
  error: string | null;
  /**
   * Images the dataset left out as unreadable (`on_bad_image: skip`), when any: how many,
   * and the first few as `folder/file`.
   */
  skipped_images?: { count: number; first: string[] };
  /** When diverged: the step and the non-finite losses. */
  diverged?: { step: number; losses: string[] };
  /** SHA-256 of the final weights (completed runs). */
  weights_sha256?: string;
  /** The final evaluation (completed runs). */
  eval?: Record<string, unknown> | null;
  /** {@link evalConfigHash} of the `eval` config the evaluation was made with. */
  eval_hash?: string;
  /** That `eval` config itself (without `every`), to tell a grown metric list from a change. */
  eval_config?: Record<string, unknown>;
}

/**
 * The version of what a final evaluation records, bumped when it changes (a completed run of
 * an older version is evaluated again from its final checkpoint, without retraining).
 * 2: floors (identity, untrained generators), bootstrap intervals over test images, paired
 * comparisons against the floors, KID over real subsets of min(1000, N/2) images.
 */
export const EVAL_RECORD_VERSION = 2;

/**
 * An `eval:` config without `every`: how often a run evaluates changes what it records, not its
 * final evaluation, so the hash, status.json's `eval_config` and {@link onlyAddsMetrics} leave
 * it out.
 *
 * ```ts
 * withoutEvery({ metrics: ["l1"], every: 200 }); // { metrics: ["l1"] }
 * ```
 */
export function withoutEvery(ev: object): Record<string, unknown> {
  const { every: _every, ...rest } = ev as Record<string, unknown>;
  return rest;
}

/**
 * The hash of an `eval:` section that says whether a completed run's final evaluation is
 * current: SHA-256 of the canonical config without `every`, and {@link EVAL_RECORD_VERSION}.
 * How often a run evaluated while training does not change its final evaluation, and
 * intermediate weights are not kept to evaluate again, so changing `every` re-evaluates
 * nothing (a run trained later records it).
 */
export async function evalConfigHash(
  ev: object,
  version: number = EVAL_RECORD_VERSION,
): Promise<string> {
  const rest = withoutEvery(ev);
  // Version 1 hashed the config alone.
  return await configHash(version === 1 ? rest : { ...rest, record_version: version });
}

/**
 * Whether `hash` is this `eval:` config's hash under this or an older record version: the final
 * evaluation is then made again only because what it records grew, not because what is
 * measured changed, so the periodic evaluations (same metrics, same images) stay valid.
 */
export async function sameEvalConfig(ev: object, hash: string): Promise<boolean> {
  for (let v = 1; v <= EVAL_RECORD_VERSION; v++) {
    if (await evalConfigHash(ev, v) === hash) return true;
  }
  return false;
}

/**
 * Whether an `eval:` config only adds metrics to `previous` (everything else equal, `every`
 * aside): the periodic evaluations made under `previous` then still hold valid values of the
 * metrics they have (same images, same extractor), so a completed run evaluated again for the
 * new metrics keeps its curves.
 *
 * ```ts
 * onlyAddsMetrics({ metrics: ["l1"], max_images: null }, { metrics: ["l1", "color"], max_images: null }); // true
 * ```
 */
export function onlyAddsMetrics(previous: object, next: object): boolean {
  const strip = (e: object) => {
    const { metrics, ...rest } = withoutEvery(e);
    const keys = Object.keys(rest).sort();
    return { metrics: Array.isArray(metrics) ? metrics : [], rest: JSON.stringify(rest, keys) };
  };
  const a = strip(previous), b = strip(next);
  return a.rest === b.rest && a.metrics.every((m) => b.metrics.includes(m));
}

/** The file name under `images/` of the grid of the periodic evaluation at `step`. */
export function stepGridName(step: number): string {
  return `step_${String(step).padStart(8, "0")}.png`;
}

/** The step of a periodic evaluation grid's file name, or undefined for other names. */
export function stepOfGridName(name: string): number | undefined {
  const m = /^step_(\d{8,})\.png$/.exec(name);
  return m ? Number(m[1]) : undefined;
}

/** The run directories of a sweep directory. */
export function runsDir(out: string): string {
  return joinPath(out, "runs");
}

/** Paths inside a run directory. */
export function runPaths(dir: string): {
  config: string;
  diff: string;
  status: string;
  metrics: string;
  lossLog: string;
  checkpoints: string;
  images: string;
  lock: string;
} {
  return {
    config: joinPath(dir, "config.resolved.json"),
    diff: joinPath(dir, "config.diff.json"),
    status: joinPath(dir, "status.json"),
    metrics: joinPath(dir, "metrics.jsonl"),
    lossLog: joinPath(dir, "loss_log.txt"),
    checkpoints: joinPath(dir, "checkpoints"),
    images: joinPath(dir, "images"),
    lock: joinPath(dir, ".lock"),
  };
}

/** Reads a run's `status.json`; undefined when there is none or it cannot be parsed. */
export async function readStatus(dir: string): Promise<RunStatus | undefined> {
  try {
    const s = await readJson(runPaths(dir).status) as RunStatus;
    return RUN_STATUSES.includes(s?.status) ? s : undefined;
  } catch {
    return undefined;
  }
}

/** Writes a run's `status.json` atomically (`updated_at` is set here). */
export async function writeStatus(dir: string, status: RunStatus): Promise<void> {
  status.updated_at = new Date().toISOString();
  await writeFileAtomic(runPaths(dir).status, JSON.stringify(status, null, 2) + "\n");
}

/** The step of the newest published checkpoint, by name (not verified: for listings). */
export async function newestCheckpointStep(dir: string): Promise<number | null> {
  let best: number | null = null;
  for (const e of await listDir(runPaths(dir).checkpoints)) {
    const m = /^step_(\d+)$/.exec(e.name);
    if (e.isDirectory && m && (best === null || Number(m[1]) > best)) best = Number(m[1]);
  }
  return best;
}

/** A run's state as found on disk. */
export type RunState =
  | { kind: "pending" }
  | { kind: "done"; step: number }
  | { kind: "reeval"; step: number }
  | { kind: "partial"; step: number; was: RunStatusName | "none" }
  | { kind: "diverged"; step: number }
  | { kind: "failed"; step: number; error: string | null }
  | { kind: "running"; step: number; holder: string };

/** One line for listings: `pending`, `done`, `partial at step 4`, ... */
export function describeState(state: RunState): string {
  switch (state.kind) {
    case "pending":
      return "pending";
    case "done":
      return "done";
    case "reeval":
      return "done, eval config changed";
    case "partial":
      return `partial at step ${state.step}`;
    case "diverged":
      return `diverged at step ${state.step}`;
    case "failed":
      return `failed at step ${state.step}`;
    case "running":
      return `running at step ${state.step} (${state.holder})`;
  }
}

/**
 * The state of the run in `dir` (which may not exist) for a run of `totalSteps`: done when
 * `status.json` says completed at (or past) `totalSteps` (`reeval` when its evaluation was
 * made with another `eval` config than `evalHash`); running when a live process holds its
 * lock; diverged (terminal); failed; else partial at the newest checkpoint's step, or pending.
 */
export async function runState(
  dir: string,
  totalSteps: number,
  evalHash?: string,
): Promise<RunState> {
  if (!(await exists(dir))) return { kind: "pending" };
  const status = await readStatus(dir);
  const ckpt = await newestCheckpointStep(dir);
  const lock = await readLock(runPaths(dir).lock);
  if (lock && holderAlive(lock) !== false) {
    return {
      kind: "running",
      step: status?.step ?? ckpt ?? 0,
      holder: `pid ${lock.pid} on ${lock.host}`,
    };
  }
  if (status?.status === "completed" && status.step >= totalSteps) {
    if (evalHash !== undefined && status.eval_hash !== undefined && status.eval_hash !== evalHash) {
      return { kind: "reeval", step: status.step };
    }
    return { kind: "done", step: status.step };
  }
  if (status?.status === "diverged") return { kind: "diverged", step: status.step };
  if (status?.status === "failed") {
    return { kind: "failed", step: ckpt ?? 0, error: status.error };
  }
  if (ckpt === null && (!status || status.status === "pending")) return { kind: "pending" };
  return { kind: "partial", step: ckpt ?? 0, was: status?.status ?? "none" };
}

/** A run directory found under `runs/`: its name and the short hash its name ends with. */
export interface FoundRunDir {
  /** Directory name (the run id it was created under). */
  name: string;
  /** Its path. */
  path: string;
  /** The short hash at the end of its name. */
  shortHash: string;
}

const DIR_RE = new RegExp(`-([0-9a-f]{${SHORT_HASH}})$`);

/** The run directories under `<out>/runs/`, by short hash. */
export async function findRunDirs(out: string): Promise<Map<string, FoundRunDir>> {
  const found = new Map<string, FoundRunDir>();
  for (const e of await listDir(runsDir(out))) {
    const m = DIR_RE.exec(e.name);
    if (e.isDirectory && m) {
      found.set(m[1], { name: e.name, path: joinPath(runsDir(out), e.name), shortHash: m[1] });
    }
  }
  return found;
}

/** A fresh status for a run that has not started. */
export function pendingStatus(
  run: { id: string; name: string; hash: string; totalSteps: number },
): RunStatus {
  return {
    id: run.id,
    name: run.name,
    hash: run.hash,
    status: "pending",
    step: 0,
    total_steps: run.totalSteps,
    attempts: 0,
    first_started_at: null,
    started_at: null,
    finished_at: null,
    updated_at: new Date().toISOString(),
    elapsed_s: 0,
    total_elapsed_s: 0,
    steps_per_s: null,
    resumed_from: null,
    backend: null,
    pid: null,
    host: null,
    error: null,
  };
}
