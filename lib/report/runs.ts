/**
 * Reading a sweep directory's runs for the report: each run's resolved config, status, loss
 * lines and final evaluation, straight from `runs/<id>/` (never from `sweep.json`, whose paths
 * are absolute and whose states describe the moment it was written).
 *
 * ```ts
 * import { readRuns } from "./runs.ts";
 * const runs = await readRuns("results/smoke");
 * console.log(runs.map((r) => `${r.id}: ${r.status}`).join("\n"));
 * ```
 * @module
 */
import { exists, joinPath, listDir, readJson } from "../io/atomic.ts";
import { readStatus, runPaths, runsDir } from "../sweep/run_dir.ts";
import type { ResolvedRunFile } from "../sweep/run.ts";
import { AXIS_LABELS } from "../sweep/ablation.ts";

/** One `{"type":"losses"}` line of `metrics.jsonl`. */
export interface LossPoint {
  /** Iteration. */
  step: number;
  /** Learning rate at that step. */
  lr: number;
  /** Loss name (`D_A`, `G_A`, `cycle_A`, `idt_A`, ...) -> value. */
  losses: Record<string, number>;
}

/** One `{"type":"eval"}` line of `metrics.jsonl`, flattened. */
export interface EvalPoint {
  /** Iteration the evaluation was made at. */
  step: number;
  /** Metric name labelled with direction and extractor (see {@link metricName}) -> value. */
  metrics: Record<string, number | null>;
}

/** A run as the report sees it. */
export interface RunRecord {
  /** Run id (the directory name). */
  id: string;
  /** Readable name. */
  name: string;
  /** The run directory. */
  dir: string;
  /** Axis -> value, as planned. */
  axes: Record<string, unknown>;
  /** The variant: every axis but `seed`, as `axis=value` joined with `,` (or `variant`'s value). */
  variant: string;
  /** The seed axis value, or the config's seed. */
  seed: number;
  /** `status.json`'s state (`completed`, `diverged`, ...), or `missing` when there is none. */
  status: string;
  /** Iterations completed. */
  step: number;
  /** Iterations planned. */
  totalSteps: number;
  /** Seconds of all attempts. */
  wallTimeS: number | null;
  /** Backend description. */
  backend: string | null;
  /** Why the run did not complete. */
  error: string | null;
  /** Whether the identity loss is on (`lambda_identity > 0`). */
  identity: boolean;
  /** The resolved experiment config (`config.resolved.json`'s `config`). */
  config: Record<string, unknown>;
  /** When the first attempt started (ISO 8601), from `status.json`. */
  startedAt: string | null;
  /** Loss lines in step order. */
  losses: LossPoint[];
  /** Evaluations in step order. */
  evals: EvalPoint[];
  /** The final evaluation's metrics (empty when there is none). */
  metrics: Record<string, number | null>;
}

const SHORT_NAMES: Record<string, string> = {
  l1: "L1",
  psnr: "PSNR",
  ssim: "SSIM",
  pixel_accuracy: "per-pixel acc",
  class_accuracy: "per-class acc",
  class_iou: "class IoU",
  // The segmenter on the real test photos: the upper bound of the FCN score (Table 4's last row).
  real_pixel_accuracy: "real-photo per-pixel acc",
  real_class_accuracy: "real-photo per-class acc",
  real_class_iou: "real-photo class IoU",
};

/**
 * The report's name of one metric: `<direction> <NAME>`, where FID and KID carry their
 * extractor (`AtoB FID[random-conv-s0]`) so numbers from different extractors never share a
 * column.
 */
export function metricName(direction: string, metric: string, extractor?: string): string {
  const ext = `[${extractor ?? "?"}]`;
  if (metric === "fid") return `${direction} FID${ext}`;
  if (metric === "kid") return `${direction} KID${ext}`;
  if (metric === "kid_std") return `${direction} KID_std${ext}`;
  return `${direction} ${SHORT_NAMES[metric] ?? metric}`;
}

/** Flattens an evaluation record (`{images, extractor, AtoB: {...}, BtoA: {...}}`). */
export function flattenEval(e: Record<string, unknown>): Record<string, number | null> {
  const out: Record<string, number | null> = {};
  const extractor = typeof e.extractor === "string" ? e.extractor : undefined;
  for (const dir of Object.keys(e).sort()) {
    const v = e[dir];
    if (v === null || typeof v !== "object") continue;
    for (const [m, x] of Object.entries(v as Record<string, unknown>)) {
      out[metricName(dir, m, extractor)] = typeof x === "number" ? x : null;
    }
  }
  return out;
}

function variantOf(axes: Record<string, unknown>): string {
  // In plan order, labelled as run names are (lib/sweep/ablation.ts AXIS_LABELS), seed left out.
  const keys = Object.keys(axes).filter((k) => k !== "seed");
  if (keys.length === 0) return "base";
  return keys.map((
    k,
  ) => (k === "variant" ? String(axes[k]) : `${AXIS_LABELS[k] ?? k}=${String(axes[k])}`))
    .join(",");
}

async function readLines(path: string): Promise<Record<string, unknown>[]> {
  if (!(await exists(path))) return [];
  const out: Record<string, unknown>[] = [];
  for (const line of (await Deno.readTextFile(path)).split("\n")) {
    if (!line.trim()) continue;
    try {
      out.push(JSON.parse(line));
    } catch {
      // A torn last line (a kill during an append) is skipped; the run is not completed then.
    }
  }
  return out;
}

/** Reads one run directory; undefined when it has no `config.resolved.json`. */
export async function readRun(dir: string): Promise<RunRecord | undefined> {
  const paths = runPaths(dir);
  if (!(await exists(paths.config))) return undefined;
  const resolved = await readJson(paths.config) as ResolvedRunFile;
  const status = await readStatus(dir);
  const lines = await readLines(paths.metrics);
  const losses: LossPoint[] = [];
  const evals: EvalPoint[] = [];
  for (const l of lines) {
    if (l.type === "losses" && typeof l.step === "number") {
      losses.push({
        step: l.step,
        lr: Number(l.lr),
        losses: l.losses as Record<string, number>,
      });
    } else if (l.type === "eval" && typeof l.step === "number") {
      evals.push({ step: l.step, metrics: flattenEval(l) });
    }
  }
  losses.sort((a, b) => a.step - b.step);
  evals.sort((a, b) => a.step - b.step);
  const axes = resolved.axes ?? {};
  const finalEval = status?.status === "completed" && status.eval
    ? flattenEval(status.eval)
    : (evals.at(-1)?.metrics ?? {});
  return {
    id: dir.split("/").at(-1)!,
    name: resolved.name,
    dir,
    axes,
    variant: variantOf(axes),
    seed: typeof axes.seed === "number" ? axes.seed : Number(resolved.config?.seed ?? 0),
    status: status?.status ?? "missing",
    step: status?.step ?? losses.at(-1)?.step ?? 0,
    totalSteps: resolved.total_steps,
    wallTimeS: status ? status.total_elapsed_s : null,
    backend: status?.backend ?? null,
    error: status?.error ?? null,
    identity: Number(resolved.config?.lambda_identity ?? 0) > 0,
    config: resolved.config as unknown as Record<string, unknown>,
    startedAt: status?.first_started_at ?? null,
    losses,
    evals,
    metrics: status?.status === "completed" ? finalEval : {},
  };
}

/** Every run of the sweep directory `out`, sorted by id. */
export async function readRuns(out: string): Promise<RunRecord[]> {
  const runs: RunRecord[] = [];
  const entries = (await listDir(runsDir(out))).filter((e) => e.isDirectory)
    .map((e) => e.name).sort();
  for (const name of entries) {
    const r = await readRun(joinPath(runsDir(out), name));
    if (r) runs.push(r);
  }
  return runs;
}
