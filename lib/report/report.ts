/**
 * {@link writeReport}: every output of the report for one sweep directory, derived only from
 * its run directories, so running it again gives the same bytes:
 *
 * ```
 * <sweep>/summary.csv, summary.json, summary.md   statistics tables (lib/report/tables.ts)
 * <sweep>/summary.tex                             the same tables in LaTeX (booktabs)
 * <sweep>/runs.csv                                one row per run (lib/report/tables.ts)
 * <sweep>/comparison.png                          variants side by side (lib/viz/grids.ts)
 * <sweep>/index.html                              the page (lib/report/html.ts)
 * <sweep>/runs/<id>/images/grid_final.png         the run's visuals at the end
 * <sweep>/runs/<id>/events.out.tfevents.0.cyclebench   TensorBoard scalars (lib/report/tfevents.ts)
 * ```
 *
 * The grids of a run's periodic evaluations (`images/step_<8 digits>.png`, `eval.every`) are
 * written by the run itself while it trains (lib/sweep/run.ts), as its `metrics.jsonl` is; the
 * report only links them, beside the metric-over-training curves drawn from those evaluations.
 *
 * The statistics (lib/report/statistics.ts, method in lib/report/README.md) take the reference
 * variant (`compare_to`) and the main metric (`main_metric`) from `sweep.json`, with their
 * defaults where it has none.
 *
 * ```ts
 * import { writeReport } from "./report.ts";
 * const { index } = await writeReport("results/smoke");
 * ```
 * @module
 */
import { z } from "zod";
import { type Claim, claimSchema } from "../sweep/claims.ts";
import { ensureDir, exists, joinPath, listDir, readJson, writeFileAtomic } from "../io/atomic.ts";
import { runPaths, stepOfGridName } from "../sweep/run_dir.ts";
import { lowestSeedRuns, readRuns, type RunRecord } from "./runs.ts";
import { runsCsv, summaryCsv, summaryJson, summaryLatex, summaryMarkdown } from "./tables.ts";
import { sweepStatistics } from "./statistics.ts";
import { encodeEvents, type ScalarEvent } from "./tfevents.ts";
import { runVisuals } from "./grids.ts";
import { comparisonGrid, runGrid, type RunVisuals } from "../viz/grids.ts";
import { reportHtml, type StepGrid } from "./html.ts";
import { type BackendChoice, selectBackend } from "../backend/mod.ts";

/** The event file's name: fixed (no host or time in it), so regenerating overwrites it. */
export const EVENT_FILE = "events.out.tfevents.0.cyclebench";

/** The run grid's name under `images/`. */
export const GRID_FILE = "grid_final.png";

/**
 * The backend the report draws its grids on: one fixed backend, so that the grids' pixels, and
 * bytes, do not depend on what else is installed or what `auto` would pick. wasm (single
 * threaded, always installed) rather than tfjs's pure-JS `cpu`: on the smoke sweep's 64 runs
 * the grids took 145 s on `cpu` and 40 s on wasm (2-core machine, load 3-4).
 */
export const REPORT_BACKEND = "wasm";

/** Options of {@link writeReport}. */
export interface ReportOptions {
  /** Draw the image grids (needs the checkpoints and the data; default true). */
  grids?: boolean;
  /**
   * The tfjs backend the grids are drawn on (default {@link REPORT_BACKEND}). Selected only
   * with `grids`.
   */
  backend?: string;
  /**
   * Write the per-run files (event file, `images/` grid) only for these run ids (default: every
   * run). The sweep passes the runs it trained, so that a rerun leaves the other runs'
   * directories untouched; the page links whatever per-run files exist.
   */
  runFiles?: string[];
  /** Receives one line per problem that does not stop the report (a run without a grid). */
  onWarning?: (message: string) => void;
}

/** What {@link writeReport} wrote. */
export interface ReportResult {
  /** Path of `index.html`. */
  index: string;
  /** Every file written, sorted. */
  files: string[];
  /** The runs found. */
  runs: number;
}

/**
 * The run's scalars as events: `loss/<name>` and `lr` at every logged step, `eval/<metric>`
 * at each evaluation. Wall times are derived from `status.json` (start time plus the run's
 * elapsed time in proportion to the step), never from the clock, so they are reproducible.
 */
export function runEvents(run: RunRecord): ScalarEvent[] {
  const start = run.startedAt ? Date.parse(run.startedAt) / 1000 : 0;
  const total = run.wallTimeS ?? 0;
  const wall = (step: number) => start + (run.totalSteps > 0 ? total * step / run.totalSteps : 0);
  const events: ScalarEvent[] = [];
  for (const p of run.losses) {
    const scalars: Record<string, number> = {};
    for (const k of Object.keys(p.losses).sort()) scalars[`loss/${k}`] = p.losses[k];
    if (Number.isFinite(p.lr)) scalars.lr = p.lr;
    events.push({ wallTime: wall(p.step), step: p.step, scalars });
  }
  for (const e of run.evals) {
    const scalars: Record<string, number> = {};
    for (const k of Object.keys(e.metrics).sort()) {
      const v = e.metrics[k];
      if (v !== null) scalars[`eval/${k.replace(" ", "/")}`] = v;
    }
    events.push({ wallTime: wall(e.step), step: e.step, scalars });
  }
  return events;
}

/** The grids a run drew at its periodic evaluations, in step order, as paths from the sweep. */
export async function periodicGrids(run: RunRecord): Promise<StepGrid[]> {
  const out: StepGrid[] = [];
  for (const e of await listDir(runPaths(run.dir).images)) {
    const step = stepOfGridName(e.name);
    if (e.isFile && step !== undefined) {
      out.push({ step, path: `runs/${run.id}/images/${e.name}` });
    }
  }
  return out.sort((a, b) => a.step - b.step);
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** What the report takes from `sweep.json` (when there is one). */
export interface SweepFileInfo {
  /** The sweep's name (default: the directory's name). */
  name: string;
  /** `compare_to`, or null. */
  compareTo: string | null;
  /** `main_metric`, or null. */
  mainMetric: string | null;
  /** Run ids in plan order (empty without `sweep.json`). */
  planOrder: string[];
  /** The sweep file's claims (lib/sweep/claims.ts), or null. */
  claims: Claim[] | null;
}

/** Reads the name, `compare_to`, `main_metric` and the plan order from `<out>/sweep.json`. */
export async function readSweepFile(out: string): Promise<SweepFileInfo> {
  const info: SweepFileInfo = {
    name: out.replace(/\/+$/, "").split("/").at(-1) || out,
    compareTo: null,
    mainMetric: null,
    planOrder: [],
    claims: null,
  };
  const file = joinPath(out, "sweep.json");
  if (!(await exists(file))) return info;
  try {
    const j = await readJson(file) as Record<string, unknown>;
    if (typeof j.name === "string") info.name = j.name;
    if (typeof j.compare_to === "string") info.compareTo = j.compare_to;
    if (typeof j.main_metric === "string") info.mainMetric = j.main_metric;
    if (Array.isArray(j.claims)) {
      // Checked again as when the sweep file was read: a hand-edited sweep.json is not trusted.
      const parsed = z.array(claimSchema).safeParse(j.claims);
      if (parsed.success) info.claims = parsed.data;
    }
    if (Array.isArray(j.runs)) {
      info.planOrder = j.runs.map((r) => (r as { id?: unknown })?.id)
        .filter((id): id is string => typeof id === "string");
    }
  } catch { /* an unreadable sweep.json: the defaults */ }
  return info;
}

/** Writes every output of the report for the sweep directory `out` (see the module doc). */
export async function writeReport(out: string, o: ReportOptions = {}): Promise<ReportResult> {
  const warn = o.onWarning ?? ((m: string) => console.warn(`warning: ${m}`));
  const runs = await readRuns(out);
  const sweep = await readSweepFile(out);
  const name = sweep.name;
  const stats = sweepStatistics(runs, sweep);
  const tables = { name, stats, claims: sweep.claims };
  const files: string[] = [];
  // Files are rewritten only when their bytes change, so that unchanged ones keep their mtime.
  const put = async (path: string, data: string | Uint8Array) => {
    const bytes = typeof data === "string" ? new TextEncoder().encode(data) : data;
    if (!(await exists(path)) || !sameBytes(await Deno.readFile(path), bytes)) {
      await writeFileAtomic(path, bytes);
    }
    files.push(path);
  };
  const ownFiles = (r: RunRecord) => o.runFiles === undefined || o.runFiles.includes(r.id);
  await put(joinPath(out, "summary.csv"), summaryCsv(runs, tables));
  await put(joinPath(out, "runs.csv"), runsCsv(runs, tables));
  await put(joinPath(out, "summary.json"), summaryJson(runs, tables));
  await put(joinPath(out, "summary.md"), summaryMarkdown(runs, tables));
  await put(joinPath(out, "summary.tex"), summaryLatex(runs, tables));

  const events: Record<string, string> = {};
  for (const r of runs) {
    const ev = runEvents(r);
    if (ev.length > 0 && ownFiles(r)) await put(joinPath(r.dir, EVENT_FILE), encodeEvents(ev));
    if (await exists(joinPath(r.dir, EVENT_FILE))) events[r.id] = `runs/${r.id}/${EVENT_FILE}`;
  }

  const grids: Record<string, string> = {};
  let comparison: string | undefined;
  if (o.grids ?? true) {
    await selectBackend((o.backend ?? REPORT_BACKEND) as BackendChoice);
    // Columns of the comparison grid: the lowest-seed completed run of each variant.
    const chosen = lowestSeedRuns(runs);
    const visuals = new Map<string, RunVisuals>();
    for (const r of runs) {
      if (r.status !== "completed") continue;
      let v: RunVisuals | undefined;
      try {
        v = await runVisuals(r);
      } catch (e) {
        warn(`no image grid for ${r.id}: ${(e as Error).message}`);
      }
      if (!v) continue;
      visuals.set(r.id, v);
      if (ownFiles(r)) {
        await ensureDir(runPaths(r.dir).images);
        await put(joinPath(runPaths(r.dir).images, GRID_FILE), await runGrid(v));
      }
    }
    for (const r of runs) {
      if (await exists(joinPath(runPaths(r.dir).images, GRID_FILE))) {
        grids[r.id] = `runs/${r.id}/images/${GRID_FILE}`;
      }
    }
    const columns: Array<[string, RunVisuals]> = [...chosen.keys()].sort()
      .filter((k) => visuals.has(chosen.get(k)!.id))
      .map((k) => [k, visuals.get(chosen.get(k)!.id)!]);
    const png = await comparisonGrid(columns);
    if (png) {
      await put(joinPath(out, "comparison.png"), png);
      comparison = "comparison.png";
    } else if (await exists(joinPath(out, "comparison.png"))) {
      // No checkpoints to draw from (a clone of committed results): link the grid that is
      // there, as the runs' own grid_final.png are linked above.
      comparison = "comparison.png";
    }
  }
  const stepGrids: Record<string, StepGrid[]> = {};
  for (const r of runs) {
    const found = await periodicGrids(r);
    if (found.length > 0) stepGrids[r.id] = found;
  }
  const index = joinPath(out, "index.html");
  await put(
    index,
    reportHtml(runs, { name, stats, comparison, grids, events, stepGrids, claims: sweep.claims }),
  );
  return { index, files: files.sort(), runs: runs.length };
}
