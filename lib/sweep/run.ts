/**
 * Running one run of a sweep, in the worker process: the run directory already holds its
 * `config.resolved.json` (written by the scheduler); this trains (or resumes) it, evaluates
 * it, and writes `metrics.jsonl` and, last, `status.json`.
 *
 * `metrics.jsonl` holds one JSON object per line: `{"type":"losses","step":k,"lr":...,
 * "losses":{...}}` every `print_freq` steps, then `{"type":"eval","step":n,...}`. It holds no
 * times, so an interrupted-and-resumed run writes the same bytes as one that never stopped:
 * before resuming from the checkpoint of step k, lines past step k (written after that
 * checkpoint by the attempt that died) are dropped.
 *
 * ```ts
 * import { executeRun } from "./run.ts";
 * const status = await executeRun("results/smoke/runs/base-12bc4cb98c", { emit: console.log });
 * console.log(status.status, status.step);
 * ```
 * @module
 */
import { type BackendChoice, describeBackend, selectBackend } from "../backend/mod.ts";
import { train, type TrainConfig } from "../train/loop.ts";
import { canonicalJson, configHash, latestCheckpoint } from "../train/checkpoint.ts";
import { disposeCycleGan, type StepLosses } from "../train/cyclegan.ts";
import { type DataDescription, describeSource } from "../train/data.ts";
import { appendLine, exists, moveAside, readJson, writeFileAtomic } from "../io/atomic.ts";
import type { ExperimentConfig } from "./schema.ts";
import { openRunDataset } from "./plan.ts";
import { evaluateRun } from "./evaluate.ts";
import { pendingStatus, readStatus, runPaths, type RunStatus, writeStatus } from "./run_dir.ts";
import { hostName } from "./lock.ts";

/** What `config.resolved.json` holds. */
export interface ResolvedRunFile {
  /** The run id. */
  id: string;
  /** Readable name. */
  name: string;
  /** Full identity hash. */
  hash: string;
  /** Axis -> value. */
  axes: Record<string, unknown>;
  /** The seed the trainer gets (derived from the hash). */
  train_seed: number;
  /** Iterations in all. */
  total_steps: number;
  /** The data as planned (sizes, crop size, fingerprint). */
  data: DataDescription;
  /** The resolved experiment config (the user's seed). */
  config: ExperimentConfig;
  /** The trainer's config (the derived seed). */
  train: TrainConfig;
}

/** Events a worker reports to the scheduler (one JSON line each on stdout). */
export type RunEvent =
  | { ev: "start"; id: string; step: number; total: number; resumedFrom: number | null }
  | { ev: "step"; id: string; step: number; total: number; G: number; D: number }
  | { ev: "log"; id: string; line: string }
  | { ev: "end"; id: string; status: string; step: number; error: string | null };

/** Options of {@link executeRun}. */
export interface ExecuteOptions {
  /** Overrides the config's backend (`--backend`). */
  backend?: string;
  /** Start over: checkpoints, metrics and loss log are moved aside (never deleted). */
  restart?: boolean;
  /** When aborted, the run finishes its step, checkpoints and ends `interrupted`. */
  signal?: AbortSignal;
  /** Receives progress events. */
  emit?: (event: RunEvent) => void;
  /**
   * Fault-injection spec for this run (lib/train/loop.ts `parseFaults`); when undefined the
   * trainer reads `CYCLEBENCH_FAULT` from the environment.
   */
  faults?: string;
}

let lastBackend: { choice: string; description: string } | undefined;

/** Activates a backend once per process (runs in one worker usually share it). */
async function activate(choice: string): Promise<string> {
  if (lastBackend?.choice !== choice) {
    const active = await selectBackend(choice as BackendChoice);
    lastBackend = { choice, description: describeBackend(active) };
  }
  return lastBackend.description;
}

/** The generator's and the discriminators' objectives of a step (for progress lines). */
export function totals(l: StepLosses): { G: number; D: number } {
  return {
    G: l.G_A + l.G_B + l.cycle_A + l.cycle_B + l.idt_A + l.idt_B,
    D: l.D_A + l.D_B,
  };
}

/**
 * Drops from `metrics.jsonl` every line but the loss lines up to `step` (what an attempt that
 * died after its last checkpoint wrote), rewriting the file atomically when that changes it.
 */
export async function trimMetrics(path: string, step: number): Promise<void> {
  if (!(await exists(path))) return;
  const text = await Deno.readTextFile(path);
  const kept = text.split("\n").filter((line) => {
    if (line.trim() === "") return false;
    try {
      const o = JSON.parse(line) as { type?: string; step?: number };
      return o.type === "losses" && typeof o.step === "number" && o.step <= step;
    } catch {
      return false;
    }
  });
  const next = kept.map((l) => `${l}\n`).join("");
  if (next !== text) await writeFileAtomic(path, next);
}

/**
 * Trains, evaluates and records the run in `dir`. Never throws for a run's own failure (bad
 * data, disk full, resume refused): that ends as status `failed` with the message. Returns the
 * status it wrote (or tried to write).
 */
export async function executeRun(dir: string, options: ExecuteOptions = {}): Promise<RunStatus> {
  const paths = runPaths(dir);
  const emit = options.emit ?? (() => {});
  const resolved = await readJson(paths.config) as ResolvedRunFile;
  const previous = await readStatus(dir) ?? pendingStatus({
    id: resolved.id,
    name: resolved.name,
    hash: resolved.hash,
    totalSteps: resolved.total_steps,
  });
  const t0 = performance.now();
  const now = new Date().toISOString();
  const status: RunStatus = {
    ...previous,
    id: resolved.id,
    name: resolved.name,
    hash: resolved.hash,
    status: "running",
    total_steps: resolved.total_steps,
    attempts: previous.attempts + 1,
    first_started_at: previous.first_started_at ?? now,
    started_at: now,
    finished_at: null,
    elapsed_s: 0,
    steps_per_s: null,
    pid: Deno.pid,
    host: hostName(),
    error: null,
  };
  delete status.diverged;
  delete status.weights_sha256;
  delete status.eval;
  delete status.eval_hash;
  const finish = async (fields: Partial<RunStatus>): Promise<RunStatus> => {
    const elapsed = (performance.now() - t0) / 1000;
    Object.assign(status, fields, {
      elapsed_s: round(elapsed),
      total_elapsed_s: round(previous.total_elapsed_s + elapsed),
    });
    if (status.status !== "running") status.finished_at = new Date().toISOString();
    try {
      await writeStatus(dir, status);
    } catch (e) {
      // Nothing else can be recorded; the next start sees a stale "running" without a live
      // lock holder and treats the run as interrupted (reliability.md, "Disk full").
      console.error(`Cannot record the state of run "${resolved.id}": ${(e as Error).message}`);
    }
    emit({
      ev: "end",
      id: resolved.id,
      status: status.status,
      step: status.step,
      error: status.error,
    });
    return status;
  };

  let model: Awaited<ReturnType<typeof train>>["model"];
  try {
    status.backend = await activate(options.backend ?? resolved.config.backend);
    const ds = await openRunDataset(resolved.config);
    const data = describeSource(ds.train);
    if (canonicalJson(data) !== canonicalJson(resolved.data)) {
      throw new Error(
        `the data changed since the sweep was planned: ${canonicalJson(data)} instead of ` +
          `${canonicalJson(resolved.data)}; run the sweep again to re-plan it`,
      );
    }
    if (options.restart) {
      for (const p of [paths.metrics, paths.lossLog]) {
        if (await exists(p)) await moveAside(p, `.restarted-${now.replace(/[:.]/g, "-")}`);
      }
    }
    const found = options.restart
      ? undefined
      : await latestCheckpoint(paths.checkpoints, { onWarning: () => {} });
    const resumeStep = found?.state.step ?? 0;
    await trimMetrics(paths.metrics, resumeStep);
    status.step = resumeStep;
    status.resumed_from = found ? resumeStep : null;
    await writeStatus(dir, status);
    emit({
      ev: "start",
      id: resolved.id,
      step: resumeStep,
      total: resolved.total_steps,
      resumedFrom: found ? resumeStep : null,
    });

    let tFirst = 0;
    let stepsRun = 0;
    const printFreq = resolved.train.print_freq;
    const result = await train(resolved.train, {
      source: ds.train,
      dir,
      runName: resolved.id,
      restart: options.restart,
      signal: options.signal,
      keepModel: true,
      faults: options.faults,
      log: (line) => {
        if (!line.startsWith("(epoch:") && !line.startsWith("learning rate")) {
          emit({ ev: "log", id: resolved.id, line });
        }
      },
      onStep: async (step, losses, lr) => {
        if (stepsRun++ === 0) tFirst = performance.now();
        status.step = step;
        if (step % printFreq === 0) {
          await appendLine(
            paths.metrics,
            JSON.stringify({ type: "losses", step, lr, losses }),
          );
        }
        emit({ ev: "step", id: resolved.id, step, total: resolved.total_steps, ...totals(losses) });
      },
    });
    model = result.model;
    const rate = stepsRun > 1 ? (stepsRun - 1) / ((performance.now() - tFirst) / 1000) : null;
    status.step = result.step;
    status.steps_per_s = rate === null ? null : round(rate);
    if (result.status === "interrupted") {
      return await finish({
        status: "interrupted",
        error: `interrupted at step ${result.step}; checkpoint ${result.checkpoint ?? "(none)"}`,
      });
    }
    if (result.status === "diverged") {
      return await finish({
        status: "diverged",
        diverged: result.diverged,
        error: `diverged at step ${result.diverged!.step}: non-finite ${
          result.diverged!.losses.join(", ")
        }; kept the last finite checkpoint ${result.checkpoint ?? "(none)"}`,
      });
    }
    let scores: Record<string, unknown> | null = null;
    const ev = resolved.config.eval;
    if (ev.metrics.length > 0 && ds.hasTest) {
      const test = await ds.test();
      let metrics = ev.metrics;
      if (!test.paired) {
        metrics = metrics.filter((m) => m === "fid" || m === "kid");
        emit({
          ev: "log",
          id: resolved.id,
          line: "the test split is not paired: only FID and KID are computed",
        });
      }
      if (metrics.length > 0) {
        scores = {
          ...await evaluateRun(result.model!, test, {
            ...ev,
            metrics,
            dataset: resolved.config.dataset.name,
          }),
        };
        await appendLine(
          paths.metrics,
          JSON.stringify({ type: "eval", step: result.step, ...scores }),
        );
      }
    }
    return await finish({
      status: "completed",
      weights_sha256: result.weightsSha256,
      eval: scores,
      eval_hash: await configHash(ev),
    });
  } catch (e) {
    return await finish({ status: "failed", error: (e as Error).message ?? String(e) });
  } finally {
    if (model) disposeCycleGan(model);
  }
}

function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}
