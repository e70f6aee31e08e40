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

/** A run against a floor on one metric (lib/sweep/evaluate.ts `FloorComparison`). */
export interface FloorComparison {
  /** run - floor, in the metric's units, on all test images. */
  diff: number;
  /** Lower end of the bootstrap interval of the difference (paired by test image). */
  lo: number;
  /** Upper end. */
  hi: number;
  /** One-sided bootstrap p-value that the run is better than the floor. */
  p: number;
}

/** A floor's scores as the report sees them: keyed by {@link metricName}. */
export interface FloorRecord {
  /** Metric -> value. */
  metrics: Record<string, number | null>;
  /** Metric -> its bootstrap interval over test images `[lo, hi]` (when recorded). */
  ci: Record<string, [number, number]>;
}

/** The two floors of a run's final evaluation. */
export type FloorName = "identity" | "untrained";

/** What the final evaluation says beyond the point scores (all optional in old records). */
export interface FinalEvalDetails {
  /** Test images scored per direction, or null when the record does not say. */
  images: number | null;
  /** KID's subsets and their size, or null when KID was not computed (or not recorded). */
  kid: { subsets: number; subsetSize: number } | null;
  /** Metric -> bootstrap interval over test images `[lo, hi]` (empty when none). */
  ci: Record<string, [number, number]>;
  /** Coverage and resamples of the bootstrap intervals, or null when there are none. */
  bootstrap: { level: number; resamples: number } | null;
  /** The floors' scores (absent in records made before floors existed). */
  floors: Partial<Record<FloorName, FloorRecord>>;
  /** The run against each floor: metric -> comparison. */
  vsFloor: Partial<Record<FloorName, Record<string, FloorComparison>>>;
  /** Per direction: the per-image distributions behind `good_share` (evaluate.ts `good`). */
  good: Partial<Record<"AtoB" | "BtoA", GoodHistogram>>;
}

/** The per-image score of the share of good outputs and both distributions (evaluate.ts). */
export interface GoodHistogram {
  /** The per-image score. */
  score: string;
  /** Which way it is better. */
  better: string;
  /** The bar of "good". */
  threshold: number;
  /** Bin edges. */
  edges: number[];
  /** The translations' counts per bin. */
  fake: number[];
  /** The real images' counts per bin. */
  real: number[];
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
  /** The final evaluation's intervals, floors and floor comparisons (empty when none). */
  final: FinalEvalDetails;
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
  // Translation vs its own input (lib/metrics/structure.ts, color.ts).
  edge_ssim: "edge SSIM",
  edge_iou: "edge IoU",
  delta_e: "Delta-E",
  color_hist: "colour hist",
  // Claim metrics (lib/metrics/dependence.ts, good_share.ts, training.ts).
  spread: "output spread",
  recover: "input recovery",
  good_share: "good share",
  layout: "layout agreement",
  d_osc: "D oscillation",
  g_osc: "G oscillation",
  roughness: "FID roughness",
  grad_gan: "GAN grad norm",
  d_fake: "D on fakes",
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

const LONG_NAMES: Record<string, string> = Object.fromEntries(
  Object.entries(SHORT_NAMES).map(([k, v]) => [v, k]),
);

/**
 * The inverse of {@link metricName}: the direction, the raw metric name of the evaluation
 * record (`fid`, `pixel_accuracy`: the keys of lib/metrics/direction.ts) and the extractor.
 *
 * ```ts
 * import { parseMetricName } from "./runs.ts";
 * parseMetricName("AtoB FID[scenes-net]"); // AtoB, fid, extractor scenes-net
 * parseMetricName("BtoA per-pixel acc"); // { direction: "BtoA", metric: "pixel_accuracy" }
 * ```
 */
export function parseMetricName(
  name: string,
): { direction: string; metric: string; extractor?: string } {
  const space = name.indexOf(" ");
  const direction = space < 0 ? name : name.slice(0, space);
  const rest = space < 0 ? "" : name.slice(space + 1);
  const m = /^(FID|KID|KID_std)\[(.*)\]$/.exec(rest);
  if (m) {
    const metric = m[1] === "FID" ? "fid" : m[1] === "KID" ? "kid" : "kid_std";
    return { direction, metric, extractor: m[2] };
  }
  return { direction, metric: LONG_NAMES[rest] ?? rest };
}

/** The translation directions of an evaluation record: the only keys that hold scores. */
export const EVAL_DIRECTIONS = ["AtoB", "BtoA", "train"] as const;

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === "object" && !Array.isArray(v);
}

/** `{AtoB: {metric: x}, BtoA: {...}}` keyed by {@link metricName}, by `value(x)`. */
function flattenDirections<T>(
  e: Record<string, unknown>,
  extractor: string | undefined,
  value: (x: unknown) => T | undefined,
): Record<string, T> {
  const out: Record<string, T> = {};
  for (const dir of EVAL_DIRECTIONS) {
    const v = e[dir];
    if (!isObject(v)) continue;
    for (const [m, x] of Object.entries(v)) {
      const y = value(x);
      if (y !== undefined) out[metricName(dir, m, extractor)] = y;
    }
  }
  return out;
}

/**
 * Flattens an evaluation record (`{images, extractor, AtoB: {...}, BtoA: {...}, ci, floors,
 * ...}`): the scores of `AtoB` and `BtoA` only, keyed by {@link metricName}.
 */
export function flattenEval(e: Record<string, unknown>): Record<string, number | null> {
  const extractor = typeof e.extractor === "string" ? e.extractor : undefined;
  return flattenDirections(e, extractor, (x) => (typeof x === "number" ? x : null));
}

function intervalOf(x: unknown): [number, number] | undefined {
  return Array.isArray(x) && x.length === 2 && typeof x[0] === "number" &&
      typeof x[1] === "number"
    ? [x[0], x[1]]
    : undefined;
}

function comparisonOf(x: unknown): FloorComparison | undefined {
  if (!isObject(x)) return undefined;
  const { diff, lo, hi, p } = x;
  return typeof diff === "number" && typeof lo === "number" && typeof hi === "number" &&
      typeof p === "number"
    ? { diff, lo, hi, p }
    : undefined;
}

/** The empty details: what a run without a final evaluation (or an old record) has. */
export function noFinalDetails(): FinalEvalDetails {
  return { images: null, kid: null, ci: {}, bootstrap: null, floors: {}, vsFloor: {}, good: {} };
}

/**
 * The intervals, floors and floor comparisons of a final evaluation record, keyed by
 * {@link metricName} (see lib/sweep/evaluate.ts `EvalScores`). Whatever is missing or malformed
 * (records made before these existed) is left out, never an error.
 */
export function finalEvalDetails(e: Record<string, unknown>): FinalEvalDetails {
  const extractor = typeof e.extractor === "string" ? e.extractor : undefined;
  const out = noFinalDetails();
  if (typeof e.images === "number") out.images = e.images;
  if (typeof e.kid_subsets === "number" && typeof e.kid_subset_size === "number") {
    out.kid = { subsets: e.kid_subsets, subsetSize: e.kid_subset_size };
  }
  if (isObject(e.ci)) {
    out.ci = flattenDirections(e.ci, extractor, intervalOf);
    if (typeof e.ci.level === "number" && typeof e.ci.resamples === "number") {
      out.bootstrap = { level: e.ci.level, resamples: e.ci.resamples };
    }
  }
  if (isObject(e.good)) {
    for (const d of ["AtoB", "BtoA"] as const) {
      const g = e.good[d];
      const nums = (x: unknown) => Array.isArray(x) && x.every((v) => typeof v === "number");
      if (
        isObject(g) && typeof g.score === "string" && typeof g.better === "string" &&
        typeof g.threshold === "number" && nums(g.edges) && nums(g.fake) && nums(g.real)
      ) {
        out.good[d] = {
          score: g.score,
          better: g.better,
          threshold: g.threshold,
          edges: g.edges as number[],
          fake: g.fake as number[],
          real: g.real as number[],
        };
      }
    }
  }
  const floors = isObject(e.floors) ? e.floors : {};
  const vs = isObject(e.vs_floor) ? e.vs_floor : {};
  for (const f of ["identity", "untrained"] as const) {
    const fl = floors[f];
    if (isObject(fl)) {
      out.floors[f] = {
        metrics: flattenEval({ ...fl, extractor }),
        ci: isObject(fl.ci) ? flattenDirections(fl.ci, extractor, intervalOf) : {},
      };
    }
    const v = vs[f];
    if (isObject(v)) out.vsFloor[f] = flattenDirections(v, extractor, comparisonOf);
  }
  return out;
}

/** The backend's name: the first word of a run's backend description (`wasm (4 threads)`). */
export function backendName(description: string | null): string | null {
  return description === null ? null : description.trim().split(/\s+/)[0] || null;
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
  // The final evaluation: status.json's, or else the last `eval` line (the same record).
  const lastEval = [...lines].reverse().find((l) =>
    l.type === "eval" && typeof l.step === "number"
  );
  const finalRecord = status?.status === "completed"
    ? (isObject(status.eval) ? status.eval : lastEval)
    : undefined;
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
    metrics: finalRecord ? flattenEval(finalRecord) : {},
    final: finalRecord ? finalEvalDetails(finalRecord) : noFinalDetails(),
  };
}

/**
 * Per variant, its completed run of the lowest seed among those `keep` accepts: the run the
 * report shows for the variant (comparison grid columns, good-share histograms).
 *
 * ```ts
 * lowestSeedRuns(runs).get("cyclegan")?.seed; // 0
 * ```
 */
export function lowestSeedRuns(
  runs: readonly RunRecord[],
  keep: (r: RunRecord) => boolean = () => true,
): Map<string, RunRecord> {
  const chosen = new Map<string, RunRecord>();
  for (const r of runs) {
    const c = chosen.get(r.variant);
    if (r.status === "completed" && keep(r) && (!c || r.seed < c.seed)) chosen.set(r.variant, r);
  }
  return chosen;
}

/**
 * Makes the backend part of every run's variant (`cyclegan [native]`) when the runs were made
 * on more than one backend: numbers from different backends are never averaged together (the
 * backend is part of a run's id, so the same grid point on two backends is two runs).
 * Returns the runs unchanged when they share one backend.
 */
export function splitByBackend(runs: RunRecord[]): RunRecord[] {
  const names = new Set(runs.map((r) => backendName(r.backend)).filter((b) => b !== null));
  if (names.size < 2) return runs;
  return runs.map((r) => ({ ...r, variant: `${r.variant} [${backendName(r.backend) ?? "?"}]` }));
}

/**
 * Every run of the sweep directory `out`, sorted by id, with the backend in the variant when
 * the directory holds runs of more than one backend ({@link splitByBackend}).
 */
export async function readRuns(out: string): Promise<RunRecord[]> {
  const runs: RunRecord[] = [];
  const entries = (await listDir(runsDir(out))).filter((e) => e.isDirectory)
    .map((e) => e.name).sort();
  for (const name of entries) {
    const r = await readRun(joinPath(runsDir(out), name));
    if (r) runs.push(r);
  }
  return splitByBackend(runs);
}
