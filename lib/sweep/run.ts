/**
 * Running one run of a sweep, in the worker process: the run directory already holds its
 * `config.resolved.json` (written by the scheduler); this trains (or resumes) it, evaluates
 * it, and writes `metrics.jsonl`, `images/` and, last, `status.json`.
 *
 * `metrics.jsonl` holds one JSON object per line: `{"type":"losses","step":k,"lr":...,
 * "losses":{...}}` every `print_freq` steps, `{"type":"eval","step":k,...}` every `eval.every`
 * steps (when set; not at the last step), and the final `{"type":"eval","step":n,...}`, which
 * is also `status.json`'s `eval`. Each periodic evaluation also writes the run's grid,
 * `images/step_<8 digits>.png` (lib/report/grids.ts), on the run's backend; the final grid is
 * the report's `grid_final.png`. Evaluations do not perturb training: they translate with their
 * own seeded dropout stream, and the trainer restores the BatchNorm statistics after them
 * (lib/train/loop.ts), so a run's weights and final metrics do not depend on `eval.every`.
 *
 * The file holds no times, so an interrupted-and-resumed run writes the same bytes as one
 * that never stopped: before resuming from the checkpoint of step k, the lines an attempt
 * wrote after that checkpoint are dropped (loss lines past k; evaluations past k, and the final
 * evaluation, which is made after the last checkpoint and is made again), and so are the
 * periodic grids past step k. A periodic evaluation at step k itself is made before the
 * checkpoint of step k, so it is kept and not repeated: no step is evaluated twice.
 *
 * A run resumes only on the backend its checkpoint was written on (results are bit-identical
 * only there); otherwise it fails at once, naming both backends and the two ways out
 * (`--backend <the checkpoint's>` or `--restart <id>`).
 *
 * ```ts
 * import { executeRun } from "./run.ts";
 * const status = await executeRun("results/smoke/runs/base-12bc4cb98c", { emit: console.log });
 * console.log(status.status, status.step);
 * ```
 * @module
 */
import { parseMetricsJsonl } from "../metrics/stability.ts";
import { trainingMetrics } from "../metrics/training.ts";
import { type BackendChoice, describeBackend, selectBackend } from "../backend/mod.ts";
import { initialGenerators, train, type TrainConfig } from "../train/loop.ts";
import { canonicalJson, latestCheckpoint } from "../train/checkpoint.ts";
import { modelDirections, type TrainModel } from "../train/models.ts";
import { type DataDescription, describeSource } from "../train/data.ts";
import { describeSkipped, SKIPPED_SHOWN, type TestSplit } from "../data/mod.ts";
import {
  appendLine,
  ensureDir,
  exists,
  joinPath,
  listDir,
  moveAside,
  readJson,
  writeFileAtomic,
} from "../io/atomic.ts";
import type { ExperimentConfig } from "./schema.ts";
import { openRunDataset } from "./plan.ts";
import { evaluateRun, PAIRED_METRICS } from "./evaluate.ts";
import {
  evalConfigHash,
  onlyAddsMetrics,
  pendingStatus,
  readStatus,
  runPaths,
  type RunStatus,
  sameEvalConfig,
  stepGridName,
  stepOfGridName,
  withoutEvery,
  writeStatus,
} from "./run_dir.ts";
import { hostName } from "./lock.ts";
import { pruneToFinalCheckpoint } from "./clean.ts";
import { runGrid, visualsOf } from "../viz/grids.ts";

/** Seconds at most between two `status.json` writes of a running run (its step). */
export const STATUS_EVERY_S = 10;

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

let lastBackend: { choice: string; name: string; description: string } | undefined;

/**
 * Activates a backend once per process (runs in one worker usually share it); returns its
 * tfjs name (what checkpoints record) and its description (what `status.json` records).
 */
async function activate(choice: string): Promise<{ name: string; description: string }> {
  if (lastBackend?.choice !== choice) {
    const active = await selectBackend(choice as BackendChoice);
    lastBackend = { choice, name: active.name, description: describeBackend(active) };
  }
  return lastBackend;
}

/**
 * The generators' and the discriminators' objectives of a step (for progress lines): the
 * losses named `D_*` (CycleGAN's D_A, D_B; pix2pix's D_real, D_fake) and all the others.
 *
 * ```ts
 * totals({ G_GAN: 0.7, G_L1: 30, D_real: 0.6, D_fake: 0.7 }); // { G: 30.7, D: 1.3 }
 * ```
 */
export function totals(l: Readonly<Record<string, number>>): { G: number; D: number } {
  let G = 0;
  let D = 0;
  for (const [k, v] of Object.entries(l)) {
    if (k.startsWith("D_")) D += v;
    else G += v;
  }
  return { G, D };
}

/**
 * Prepares `metrics.jsonl` for a resume from the checkpoint of `step` (0: from the start): keeps
 * the loss lines up to `step` and the evaluations made before that checkpoint was written (up
 * to `step`, but not a final evaluation at `step` when `step` is the run's `totalSteps`: that
 * one comes after the last checkpoint and is made again), drops everything else (what an
 * attempt that died after its checkpoint wrote, and torn lines), and rewrites the file
 * atomically when that changes it. `dropEvaluations` drops every evaluation (a completed run
 * evaluated again under another `eval:` config).
 *
 * ```ts
 * await trimMetrics("results/smoke/runs/base-12bc4cb98c/metrics.jsonl", 200, { totalSteps: 400 });
 * ```
 */
export async function trimMetrics(
  path: string,
  step: number,
  options: { totalSteps?: number; dropEvaluations?: boolean } = {},
): Promise<void> {
  if (!(await exists(path))) return;
  const total = options.totalSteps ?? Infinity;
  const drop = options.dropEvaluations ?? false;
  const text = await Deno.readTextFile(path);
  const kept = text.split("\n").filter((line) => {
    if (line.trim() === "") return false;
    try {
      const o = JSON.parse(line) as { type?: string; step?: number };
      if (typeof o.step !== "number") return false;
      if (o.type === "losses") return o.step <= step;
      if (o.type === "eval") return !drop && (o.step < step || (o.step === step && step < total));
      return false;
    } catch {
      return false;
    }
  });
  const next = kept.map((l) => `${l}\n`).join("");
  if (next !== text) await writeFileAtomic(path, next);
}

/**
 * Removes the periodic grids (`images/step_*.png`) past `step`: drawn by an attempt that died
 * before its next checkpoint, they are drawn again, with the same pixels, when the resumed run
 * gets there. Returns how many it removed.
 */
export async function trimGrids(imagesDir: string, step: number): Promise<number> {
  let removed = 0;
  for (const e of await listDir(imagesDir)) {
    const at = stepOfGridName(e.name);
    if (e.isFile && at !== undefined && at > step) {
      await Deno.remove(joinPath(imagesDir, e.name));
      removed++;
    }
  }
  return removed;
}

/**
 * Refuses to resume a checkpoint written on another backend: results are bit-identical only
 * on the backend that wrote it, and a silent switch would mix two numerics in one run.
 */
export function checkSameBackend(
  checkpoint: { step: number; backend: string },
  run: { id: string; backend: string },
): void {
  if (checkpoint.backend === run.backend) return;
  throw new Error(
    `Cannot resume run "${run.id}" on backend ${run.backend}: its checkpoint of step ` +
      `${checkpoint.step} was written on backend ${checkpoint.backend}, and a run is ` +
      `bit-identical only on one backend; rerun with --backend ${checkpoint.backend} to resume ` +
      `it, or with --restart ${run.id} to start it over on ${run.backend}`,
  );
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
  delete status.skipped_images;
  delete status.weights_sha256;
  delete status.eval;
  delete status.eval_hash;
  delete status.eval_config;
  let evalSeconds = 0;
  const finish = async (fields: Partial<RunStatus>): Promise<RunStatus> => {
    const elapsed = (performance.now() - t0) / 1000;
    Object.assign(status, fields, {
      elapsed_s: round(elapsed),
      eval_s: round(evalSeconds),
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
    const backend = await activate(options.backend ?? resolved.config.backend);
    const ds = await openRunDataset(resolved.config);
    // The dataset collects what it skipped; say it here and in status.json (issue 19: the
    // run would otherwise train on fewer images than the folder holds without a word).
    let skippedShown = 0;
    const reportSkipped = () => {
      for (const line of describeSkipped(ds.skipped.slice(skippedShown))) {
        emit({ ev: "log", id: resolved.id, line });
      }
      skippedShown = ds.skipped.length;
      if (ds.skipped.length > 0) {
        status.skipped_images = {
          count: ds.skipped.length,
          first: ds.skipped.slice(0, SKIPPED_SHOWN).map((s) => `${s.folder}/${s.file}`),
        };
      }
    };
    reportSkipped();
    const data = describeSource(ds.train);
    if (canonicalJson(data) !== canonicalJson(resolved.data)) {
      throw new Error(
        `the data changed since the sweep was planned: ${canonicalJson(data)} instead of ` +
          `${canonicalJson(resolved.data)}; run the sweep again to re-plan it`,
      );
    }
    const found = options.restart
      ? undefined
      : await latestCheckpoint(paths.checkpoints, { onWarning: () => {} });
    if (found) {
      checkSameBackend(found.state, { id: resolved.id, backend: backend.name });
    }
    status.backend = backend.description;
    if (options.restart) {
      const suffix = `.restarted-${now.replace(/[:.]/g, "-")}`;
      for (const p of [paths.metrics, paths.lossLog, paths.images]) {
        if (await exists(p)) await moveAside(p, suffix);
      }
    }
    const resumeStep = found?.state.step ?? 0;
    // A completed run evaluated again because its `eval:` config changed: the periodic
    // evaluations and grids of the old config would mix two configs in one curve, so they go
    // (its weights at those steps are gone; the new final evaluation stands alone).
    const evalHash = await evalConfigHash(resolved.config.eval);
    // Not when only the record version changed (the same metrics on the same images, the
    // final evaluation records more): those curves stay.
    // Nor when the new config only adds metrics: the old curves hold valid values of theirs.
    const reevaluation = previous.status === "completed" && previous.eval_hash !== undefined &&
      previous.eval_hash !== evalHash &&
      !(await sameEvalConfig(resolved.config.eval, previous.eval_hash)) &&
      !(previous.eval_config !== undefined &&
        onlyAddsMetrics(previous.eval_config, resolved.config.eval));
    await trimMetrics(paths.metrics, resumeStep, {
      totalSteps: resolved.total_steps,
      dropEvaluations: reevaluation,
    });
    await trimGrids(paths.images, reevaluation ? 0 : resumeStep);
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

    // What the evaluations measure (evaluate.ts's options: `every` is ours) and on what.
    const { every: everyOption, ...measure } = resolved.config.eval;
    const every = everyOption ?? 0;
    let test: TestSplit | undefined;
    let metrics = measure.metrics;
    const testSplit = async (): Promise<TestSplit | undefined> => {
      if (test === undefined && ds.hasTest) {
        test = await ds.test();
        reportSkipped();
        const dropped = test.paired ? [] : metrics.filter((m) => PAIRED_METRICS.includes(m));
        if (dropped.length > 0) {
          metrics = metrics.filter((m) => !PAIRED_METRICS.includes(m));
          emit({
            ev: "log",
            id: resolved.id,
            line: `the test split is not paired: ${dropped.join(", ")} not computed`,
          });
        }
      }
      return test;
    };
    /**
     * Scores the model and appends the `eval` line; null when there is nothing to measure.
     * The final evaluation also scores the floors on the same images (the identity
     * translation, and this run's generators at step 0: what it would score having learned
     * nothing) with bootstrap intervals over the test images and the run's paired comparison
     * against each floor; the periodic ones record the point scores (curves).
     */
    const evaluate = async (
      m: TrainModel,
      step: number,
      final = false,
    ): Promise<Record<string, unknown> | null> => {
      if (measure.metrics.length === 0) return null;
      const split = await testSplit();
      if (!split || metrics.length === 0) return null;
      const untrained = final ? initialGenerators(resolved.train) : undefined;
      let scores: Record<string, unknown>;
      try {
        scores = {
          ...await evaluateRun(m.translators(), split, {
            ...measure,
            // pix2pix translates its `direction` only.
            directions: measure.directions.filter((d) =>
              modelDirections(resolved.config).includes(d)
            ),
            metrics,
            dataset: resolved.config.dataset.name,
            ...(final ? { bootstrap: {}, floors: { identity: true, untrained } } : {}),
          }),
        };
      } finally {
        if (untrained) {
          untrained.G_A?.dispose();
          untrained.G_B?.dispose();
        }
      }
      if (final && metrics.includes("stability")) {
        // From the run's own record so far (losses, probe, periodic evaluations): pure.
        const text = await exists(paths.metrics) ? await Deno.readTextFile(paths.metrics) : "";
        scores.train = trainingMetrics(parseMetricsJsonl(text));
      }
      await appendLine(paths.metrics, JSON.stringify({ type: "eval", step, ...scores }));
      return scores;
    };
    const periodic = async (step: number, m: TrainModel) => {
      const t = performance.now();
      const split = await testSplit();
      if (split) {
        // The grid first: an `eval` line on disk means its grid is there too.
        const visuals = await visualsOf(m.translators(), split, {
          identity: resolved.config.lambda_identity > 0,
        });
        await ensureDir(paths.images);
        await writeFileAtomic(joinPath(paths.images, stepGridName(step)), await runGrid(visuals));
      }
      await evaluate(m, step);
      evalSeconds += (performance.now() - t) / 1000;
    };

    let tFirst = 0;
    let evalAtFirst = 0;
    let stepsRun = 0;
    // status.json says how far a running run is (`deno task ablate --status`, which a cluster
    // user runs from the login node): rewritten at the attempt's first step (training has
    // begun) and then every STATUS_EVERY_S seconds at most: a small atomic write, rarely.
    let statusWrittenAt = performance.now();
    const printFreq = resolved.train.print_freq;
    const result = await train(resolved.train, {
      source: ds.train,
      dir,
      runName: resolved.id,
      restart: options.restart,
      signal: options.signal,
      keepModel: true,
      faults: options.faults,
      evaluate: every > 0 ? { every, run: periodic } : undefined,
      log: (line) => {
        if (!line.startsWith("(epoch:") && !line.startsWith("learning rate")) {
          emit({ ev: "log", id: resolved.id, line });
        }
      },
      onStep: async (step, losses, lr, probe) => {
        if (stepsRun++ === 0) {
          tFirst = performance.now();
          evalAtFirst = evalSeconds;
        }
        status.step = step;
        if (step % printFreq === 0) {
          await appendLine(
            paths.metrics,
            JSON.stringify({ type: "losses", step, lr, losses, ...(probe ? { probe } : {}) }),
          );
        }
        if (stepsRun === 1 || performance.now() - statusWrittenAt >= STATUS_EVERY_S * 1000) {
          await writeStatus(dir, status);
          statusWrittenAt = performance.now();
        }
        emit({ ev: "step", id: resolved.id, step, total: resolved.total_steps, ...totals(losses) });
      },
    });
    model = result.model;
    // Training speed: from the end of the first step, without the periodic evaluations.
    const trainSeconds = (performance.now() - tFirst) / 1000 - (evalSeconds - evalAtFirst);
    const rate = stepsRun > 1 ? (stepsRun - 1) / trainSeconds : null;
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
    const tEval = performance.now();
    const scores = await evaluate(result.model!, result.step, true);
    evalSeconds += (performance.now() - tEval) / 1000;
    // A completed run keeps only its final checkpoint (resume and re-evaluation read only it;
    // `keep_checkpoints` rotates while training); a failure to prune is a note, not a failure.
    await pruneToFinalCheckpoint(dir).catch((e) =>
      emit({ ev: "log", id: resolved.id, line: `old checkpoints kept: ${(e as Error).message}` })
    );
    return await finish({
      status: "completed",
      weights_sha256: result.weightsSha256,
      eval: scores,
      eval_hash: evalHash,
      eval_config: withoutEvery(resolved.config.eval),
    });
  } catch (e) {
    return await finish({ status: "failed", error: (e as Error).message ?? String(e) });
  } finally {
    if (model) model.dispose();
  }
}

function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}
