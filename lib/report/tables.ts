/**
 * The sweep's tables, from its run records and their statistics (lib/report/statistics.ts):
 *
 * - `summary.csv`: the statistics, tidy: one row per variant (and floor) x metric with n, mean,
 *   std, the 95 % interval and how it was made, the comparison with the reference variant
 *   (difference, its interval, p, Holm-adjusted p, minimum detectable effect), the best-variant
 *   and not-distinguishable markers and the not-learned runs ({@link SUMMARY_CSV_COLUMNS}).
 * - `runs.csv`: one row per run: axes, state, every metric with its bootstrap interval over
 *   test images, and the run's verdict against its untrained floor.
 * - `summary.json`: the same as both, plus the method text.
 * - `summary.md`: per direction a table of variants x metrics (mean +- std [95 % interval],
 *   the best variant in bold, `≈` where not distinguishable from the reference) with the
 *   floors as rows, then the differences from the reference; the runs not learned at this
 *   budget; for the paper's loss ablation, tables shaped as the paper's Tables 4 and 5 with its
 *   Cityscapes numbers beside ours; likewise for pix2pix's Tables 1-3 and the CycleGAN paper's
 *   Tables 2 and 3 (CycleGAN vs pix2pix), {@link PAPER_TABLE_SETS}.
 *
 * Everything is sorted and formatted the same way every time, and holds no times of day, so
 * regenerating gives the same bytes. lib/report/README.md states the method.
 *
 * ```ts
 * import { readRuns } from "./runs.ts";
 * import { summaryCsv, summaryMarkdown } from "./tables.ts";
 * const runs = await readRuns("results/smoke");
 * console.log(summaryCsv(runs));
 * console.log(summaryMarkdown(runs, { name: "smoke" }));
 * ```
 * @module
 */
import type { Claim } from "../sweep/claims.ts";
import { claimResults, VERDICT_RULE } from "./claims.ts";
import { BOOTSTRAP_DEFAULTS } from "../sweep/evaluate.ts";
import { parseMetricName, type RunRecord } from "./runs.ts";
import {
  ALPHA,
  bestVariants,
  betterOf,
  type Comparison,
  familyComparisons,
  isComparable,
  isTabulated,
  LEVEL,
  type MetricStat,
  metricStat,
  POWER,
  type StatisticsOptions,
  type SweepStatistics,
  sweepStatistics,
  type VariantStats,
} from "./statistics.ts";

/** The paper's loss-ablation variant names (ablations/paper_tables_4_5.yaml) with their labels. */
export const PAPER_VARIANTS: ReadonlyArray<readonly [string, string]> = [
  ["cycle_alone", "Cycle alone"],
  ["gan_alone", "GAN alone"],
  ["gan_forward", "GAN + forward cycle"],
  ["gan_backward", "GAN + backward cycle"],
  ["cyclegan", "CycleGAN"],
];

/**
 * The paper's Table 4 (labels -> photo) and Table 5 (photo -> labels) on Cityscapes: per-pixel
 * acc, per-class acc, class IOU (../shared/reference/paper-tables.md, section 2.2).
 */
export const PAPER_TABLES: Readonly<Record<"table4" | "table5", Record<string, number[]>>> = {
  table4: {
    cycle_alone: [0.22, 0.07, 0.02],
    gan_alone: [0.51, 0.11, 0.08],
    gan_forward: [0.55, 0.18, 0.12],
    gan_backward: [0.39, 0.14, 0.06],
    cyclegan: [0.52, 0.17, 0.11],
  },
  table5: {
    cycle_alone: [0.10, 0.05, 0.02],
    gan_alone: [0.53, 0.11, 0.07],
    gan_forward: [0.49, 0.11, 0.07],
    gan_backward: [0.01, 0.06, 0.01],
    cyclegan: [0.58, 0.22, 0.16],
  },
};

/** A number for tables: fixed decimals, `n/a` for null and non-finite values. */
export function formatNumber(x: number | null | undefined): string {
  if (x === null || x === undefined || !Number.isFinite(x)) return "n/a";
  if (x === 0) return "0";
  const a = Math.abs(x);
  if (a < 1e-3) return x.toExponential(2);
  return a >= 100 ? x.toFixed(2) : x.toFixed(4);
}

/** A signed number for differences: `+0.0123`, `-1.5000`, `n/a`. */
export function formatSigned(x: number | null | undefined): string {
  const s = formatNumber(x);
  return typeof x === "number" && Number.isFinite(x) && x > 0 ? `+${s}` : s;
}

/** A p-value: three decimals, or two significant digits below 0.001; `n/a` for NaN. */
export function formatP(p: number | null | undefined): string {
  if (p === null || p === undefined || !Number.isFinite(p)) return "n/a";
  if (p === 0) return "0";
  return p < 0.001 ? p.toExponential(1) : p.toFixed(3);
}

/** `[lo, hi]`, or `[no interval]`. */
export function formatInterval(ci: { lo: number; hi: number } | null | undefined): string {
  return ci ? `[${formatNumber(ci.lo)}, ${formatNumber(ci.hi)}]` : "[no interval]";
}

/**
 * One table cell of a statistic: `mean +- std [lo, hi]` over seeds, `mean [lo, hi]` for one
 * run (its bootstrap interval), `n/a` when there is none; `(n=k)` when k differs from the
 * row's `rowN` (a metric some runs lack).
 */
export function formatStat(s: MetricStat | undefined, rowN?: number): string {
  if (!s) return "n/a";
  const core = s.n >= 2
    ? `${formatNumber(s.mean)} +- ${formatNumber(s.std)}`
    : formatNumber(s.mean);
  const n = rowN !== undefined && s.n !== rowN ? ` (n=${s.n})` : "";
  return `${core} ${formatInterval(s.ci)}${n}`;
}

/** Every metric name of the runs, sorted. */
export function metricNames(runs: RunRecord[]): string[] {
  return [...new Set(runs.flatMap((r) => Object.keys(r.metrics)))].sort();
}

/** Every axis name of the runs, sorted. */
export function axisNames(runs: RunRecord[]): string[] {
  return [...new Set(runs.flatMap((r) => Object.keys(r.axes)))].sort();
}

/** Options of the table functions. */
export interface TableOptions extends StatisticsOptions {
  /** The sweep's name (the title of `summary.md` and the page). */
  name?: string;
  /** The statistics, when already computed (else computed from the runs and these options). */
  stats?: SweepStatistics;
  /** Paragraphs added to the overview of `summary.md` and the page (the multi-sweep report's). */
  notes?: string[];
  /** The claims of the sweep file (sweep.json `claims`), decided in a section of their own. */
  claims?: readonly Claim[] | null;
}

function statsOf(runs: RunRecord[], o: TableOptions): SweepStatistics {
  return o.stats ?? sweepStatistics(runs, o);
}

/** The rows' labels of the floors. */
export const FLOOR_LABELS: Readonly<Record<"identity" | "untrained", string>> = {
  identity: "floor: identity (output = input)",
  untrained: "floor: untrained G (step 0)",
};

/**
 * The method, in words: `summary.json`'s `method`, the first paragraphs of `summary.md` and
 * the page (lib/report/README.md says it at length).
 */
export const METHOD_TEXT: string = [
  "Cells are mean +- sample std [95 % interval] over the completed runs (seeds) of a variant. " +
  "With two or more seeds the interval is the t-interval of the mean over seeds; with one seed " +
  "it is the run's percentile bootstrap interval over its test images " +
  `(${BOOTSTRAP_DEFAULTS.resamples} resamples, FID ${BOOTSTRAP_DEFAULTS.fidResamples}), ` +
  "which shows what the test set can tell about one run and nothing about seed-to-seed " +
  "variation.",
  "Each variant is compared with the reference variant on the seeds both ran (a paired t-test " +
  "of variant - reference, paired by seed label): the mean difference with its 95 % t-interval " +
  "and a two-sided p-value, Holm-adjusted over all comparisons of one table. MDE is the " +
  "smallest true difference that many seeds detect with 80 % power at alpha 0.05, at the " +
  "observed sd of the differences (exact, noncentral t).",
  "Floors: the identity translation (output = input) and the untrained generators (each " +
  "run's weights at step 0), scored with the same metrics on the same test images. A run is 'not " +
  "learned at this budget' when it is not better than its own untrained generators on the main " +
  "metric at one-sided bootstrap p < 0.05 (paired by test image).",
].join(" ");

function sortedObject<T>(o: Record<string, T>): Record<string, T> {
  return Object.fromEntries(Object.keys(o).sort().map((k) => [k, o[k]]));
}

/** A number for JSON: NaN and infinities (which JSON cannot hold) become null. */
function num(x: number | null | undefined): number | null {
  return typeof x === "number" && Number.isFinite(x) ? x : null;
}

function csvField(v: unknown): string {
  const s = v === null || v === undefined || (typeof v === "number" && !Number.isFinite(v))
    ? ""
    : String(v);
  return /[",\n\r]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}

function csv(header: readonly string[], rows: unknown[][]): string {
  return [header, ...rows].map((r) => r.map(csvField).join(",")).join("\n") + "\n";
}

/** The verdict of a run against its untrained floor on the main metric, or null (not completed). */
function verdictOf(s: SweepStatistics, id: string) {
  return s.floorChecks.find((c) => c.run === id) ?? null;
}

/** One row of `summary.json`'s `runs`. */
export interface SummaryRow {
  /** Run id. */
  id: string;
  /** Readable name. */
  name: string;
  /** The variant (axes but the seed; with the backend when the runs mix backends). */
  variant: string;
  /** Seed. */
  seed: number;
  /** Axis -> value (keys sorted). */
  axes: Record<string, unknown>;
  /** Run state. */
  status: string;
  /** Iterations completed. */
  step: number;
  /** Iterations planned. */
  total_steps: number;
  /** Seconds of all attempts. */
  wall_time_s: number | null;
  /** Backend. */
  backend: string | null;
  /** Why it did not complete. */
  error: string | null;
  /** Test images of the final evaluation (null: not recorded). */
  images: number | null;
  /** Metric -> value (keys sorted; completed runs only). */
  metrics: Record<string, number | null>;
  /** Metric -> 95 % bootstrap interval over test images `[lo, hi]` (when recorded). */
  ci: Record<string, [number, number]>;
  /**
   * The run against its untrained floor on the main metric: `learned`, `not learned` or
   * `untested`, with the bootstrap numbers (null for runs that did not complete).
   */
  vs_untrained: {
    verdict: string;
    diff: number | null;
    lo: number | null;
    hi: number | null;
    p: number | null;
  } | null;
}

/** The rows of `summary.json`'s `runs` (and of `runs.csv`), in run id order. */
export function summaryRows(runs: RunRecord[], o: TableOptions = {}): SummaryRow[] {
  const s = statsOf(runs, o);
  return runs.map((r) => {
    const v = verdictOf(s, r.id);
    return {
      id: r.id,
      name: r.name,
      variant: r.variant,
      seed: r.seed,
      axes: sortedObject(r.axes),
      status: r.status,
      step: r.step,
      total_steps: r.totalSteps,
      wall_time_s: r.wallTimeS,
      backend: r.backend,
      error: r.error,
      images: r.final.images,
      metrics: sortedObject(r.metrics),
      ci: sortedObject(r.final.ci),
      vs_untrained: v
        ? { verdict: v.verdict, diff: num(v.diff), lo: num(v.lo), hi: num(v.hi), p: num(v.p) }
        : null,
    };
  });
}

function statJson(st: MetricStat) {
  return {
    n: st.n,
    mean: num(st.mean),
    std: num(st.std),
    ci_lo: num(st.ci?.lo),
    ci_hi: num(st.ci?.hi),
    ci_level: st.ci?.level ?? null,
    ci_method: st.method,
  };
}

function comparisonJson(c: Comparison) {
  return {
    family: c.family,
    variant: c.variant,
    reference: c.reference,
    metric: c.metric,
    n_pairs: c.n,
    seeds: c.seeds,
    diff: num(c.diff),
    diff_lo: num(c.ci?.lo),
    diff_hi: num(c.ci?.hi),
    sd_diff: num(c.sdDiff),
    p: num(c.p),
    p_holm: num(c.pHolm),
    holm_m: c.familySize,
    distinguishable_from_reference: c.distinguishable,
    mde: num(c.mde),
    note: c.note,
  };
}

/**
 * `summary.json`: `main_metric`, `compare_to` (as resolved, with where each came from),
 * `method` (the text above), `variants` (per variant: its reference, runs, not-learned runs and
 * per metric the statistics and the best marker), `comparisons` (every comparison of every
 * table, each with its Holm family), `floors`, `floor_checks` (every completed run against its
 * untrained floor) and `runs` ({@link SummaryRow}). Two-space indented, with a final newline.
 */
export function summaryJson(runs: RunRecord[], o: TableOptions = {}): string {
  const s = statsOf(runs, o);
  const metrics = s.metrics.filter(isTabulated);
  const best = new Map(metrics.map((m) => [m, new Set(bestVariants(s.variants, m))]));
  const body = {
    main_metric: s.mainMetric.spec,
    main_metric_column: s.mainMetric.column,
    main_metric_source: s.mainMetric.source,
    compare_to: s.compareTo.spec,
    compare_to_source: s.compareTo.source,
    notes: [s.mainMetric.note, s.compareTo.note].filter((n) => n !== null),
    method: METHOD_TEXT,
    level: LEVEL,
    alpha: ALPHA,
    power: POWER,
    kid_subsets: s.kidSubsets,
    variants: s.variants.map((v) => ({
      variant: v.variant,
      reference: v.reference ?? null,
      is_reference: v.isReference,
      runs: v.runs.map((r) => r.id),
      completed: v.completed.length,
      not_learned: v.notLearned,
      untested: v.untested,
      metrics: Object.fromEntries(
        metrics.filter((m) => v.stats[m]).map((m) => [
          m,
          { ...statJson(v.stats[m]), best: best.get(m)!.has(v.variant) },
        ]),
      ),
    })),
    comparisons: [
      ...s.comparisons,
      ...paperFamilies(s).flatMap((f) => f.tables.flatMap((t) => t.comparisons)),
    ].map(
      comparisonJson,
    ),
    floors: Object.fromEntries(
      (["identity", "untrained"] as const).map((f) => [
        f,
        Object.fromEntries(
          Object.keys(s.floors[f]).sort().map((m) => [m, statJson(s.floors[f][m])]),
        ),
      ]),
    ),
    floor_checks: s.floorChecks.map((c) => ({
      ...c,
      value: num(c.value),
      floor: num(c.floor),
      diff: num(c.diff),
      lo: num(c.lo),
      hi: num(c.hi),
      p: num(c.p),
    })),
    runs: summaryRows(runs, { ...o, stats: s }),
    ...(o.claims && o.claims.length > 0
      ? {
        claims_rule: VERDICT_RULE,
        claims: claimResults(runs, o.claims).map((c) => ({
          id: c.claim.id,
          claim: c.claim.claim,
          source: c.claim.source ?? null,
          untested: c.claim.untested ?? null,
          verdict: c.verdict,
          predictions: c.predictions.map((p) => ({
            prediction: p.text,
            metric: p.prediction.metric,
            column: p.column,
            effect: num(p.effect),
            ci_lo: num(p.ci?.lo),
            ci_hi: num(p.ci?.hi),
            n: p.n,
            p: num(p.p),
            p_holm: num(p.pHolm),
            mde: num(p.mde),
            verdict: p.verdict,
          })),
        })),
      }
      : {}),
  };
  return JSON.stringify(body, null, 2) + "\n";
}

/**
 * The columns of `summary.csv`, one row per direction x metric x variant (or floor): the table
 * and metric (`direction`, `metric`, `better`, `main_metric`), the row (`variant`, `kind`:
 * variant, reference or floor), its statistics (`n`, `mean`, `std`, `ci_lo`, `ci_hi`,
 * `ci_level`, `ci_method`, `best`), the comparison with its `reference` paired by seed
 * (`n_pairs`, `diff`, `diff_lo`, `diff_hi`, `sd_diff`, `p`, `p_holm` over the `holm_m` tests of
 * the direction's table, `distinguishable_from_reference`, `mde`, `note`) and the variant's
 * runs flagged by the not-learned rule (`not_learned_runs`, `untested_runs`, space separated).
 * lib/report/README.md describes each column.
 */
export const SUMMARY_CSV_COLUMNS: readonly string[] = [
  "direction",
  "metric",
  "better",
  "main_metric",
  "variant",
  "kind",
  "n",
  "mean",
  "std",
  "ci_lo",
  "ci_hi",
  "ci_level",
  "ci_method",
  "best",
  "reference",
  "n_pairs",
  "diff",
  "diff_lo",
  "diff_hi",
  "sd_diff",
  "p",
  "p_holm",
  "holm_m",
  "distinguishable_from_reference",
  "mde",
  "note",
  "not_learned_runs",
  "untested_runs",
];

function directionsOf(s: SweepStatistics): string[] {
  return [...new Set(s.metrics.map((m) => parseMetricName(m).direction))].sort();
}

function directionMetrics(s: SweepStatistics, d: string): string[] {
  return s.metrics.filter((m) => parseMetricName(m).direction === d && isTabulated(m));
}

function statCsv(st: MetricStat | undefined): unknown[] {
  if (!st) return [0, null, null, null, null, null, "none"];
  return [st.n, st.mean, st.std, st.ci?.lo, st.ci?.hi, st.ci?.level, st.method];
}

/** `summary.csv`: the statistics, tidy; see {@link SUMMARY_CSV_COLUMNS}. RFC 4180 quoting. */
export function summaryCsv(runs: RunRecord[], o: TableOptions = {}): string {
  const s = statsOf(runs, o);
  const cmp = new Map(s.comparisons.map((c) => [`${c.variant}\u0000${c.metric}`, c]));
  const rows: unknown[][] = [];
  for (const d of directionsOf(s)) {
    for (const m of directionMetrics(s, d)) {
      const best = new Set(bestVariants(s.variants, m));
      const head = [d, m, betterOf(m) ?? "", m === s.mainMetric.column];
      for (const v of s.variants) {
        const c = cmp.get(`${v.variant}\u0000${m}`);
        if (!v.stats[m] && !c) continue;
        rows.push([
          ...head,
          v.variant,
          v.isReference ? "reference" : "variant",
          ...statCsv(v.stats[m]),
          isComparable(m) && v.stats[m] ? best.has(v.variant) : null,
          v.reference ?? null,
          c?.n,
          c?.diff,
          c?.ci?.lo,
          c?.ci?.hi,
          c?.sdDiff,
          c?.p,
          c?.pHolm,
          c?.familySize,
          c?.distinguishable,
          c?.mde,
          c?.note,
          v.notLearned.join(" "),
          v.untested.join(" "),
        ]);
      }
      for (const f of ["identity", "untrained"] as const) {
        const st = s.floors[f][m];
        if (!st) continue;
        rows.push([...head, FLOOR_LABELS[f], "floor", ...statCsv(st), ...Array(15).fill(null)]);
      }
    }
  }
  return csv(SUMMARY_CSV_COLUMNS, rows);
}

/**
 * `runs.csv`: a header line, then one line per run: id, name, variant, seed, one `axis:<name>`
 * column per axis, status, step, total_steps, wall_time_s, backend, error, images, the run's
 * verdict against its untrained floor on the main metric (`vs_untrained`: learned, not
 * learned, untested) with its one-sided bootstrap p, then per metric three columns: the value,
 * `<metric> ci_lo` and `<metric> ci_hi` (its bootstrap interval over test images). Full
 * precision; empty when absent. RFC 4180 quoting.
 */
export function runsCsv(runs: RunRecord[], o: TableOptions = {}): string {
  const s = statsOf(runs, o);
  const axes = axisNames(runs);
  const metrics = metricNames(runs);
  const header = [
    "id",
    "name",
    "variant",
    "seed",
    ...axes.map((a) => `axis:${a}`),
    "status",
    "step",
    "total_steps",
    "wall_time_s",
    "backend",
    "error",
    "images",
    "vs_untrained",
    "vs_untrained_p",
    ...metrics.flatMap((m) => [m, `${m} ci_lo`, `${m} ci_hi`]),
  ];
  return csv(
    header,
    runs.map((r) => {
      const v = verdictOf(s, r.id);
      return [
        r.id,
        r.name,
        r.variant,
        r.seed,
        ...axes.map((a) => (a in r.axes ? JSON.stringify(r.axes[a]) : "")),
        r.status,
        r.step,
        r.totalSteps,
        r.wallTimeS,
        r.backend,
        r.error,
        r.final.images,
        v?.verdict,
        v?.p,
        ...metrics.flatMap((m) => [r.metrics[m], r.final.ci[m]?.[0], r.final.ci[m]?.[1]]),
      ];
    }),
  );
}

/** The variants of the runs (sorted), each with its completed runs. */
export function groupVariants(runs: RunRecord[]): Array<{ variant: string; runs: RunRecord[] }> {
  const by = new Map<string, RunRecord[]>();
  for (const r of runs) by.set(r.variant, [...(by.get(r.variant) ?? []), r]);
  return [...by.keys()].sort().map((variant) => ({
    variant,
    runs: by.get(variant)!.filter((r) => r.status === "completed"),
  }));
}

/** Whether the runs are the paper's loss ablation: the variant axis holds its five names. */
export function isLossAblation(runs: RunRecord[]): boolean {
  const names = new Set(runs.map((r) => String(r.axes.variant)));
  return PAPER_VARIANTS.every(([v]) => names.has(v));
}

/** One section of the summary: a heading, paragraphs, and optionally a table. */
export interface Section {
  /** Heading level (1-3). */
  level: number;
  /** Heading text. */
  heading: string;
  /** Paragraphs (Markdown-style `**bold**` and backticks allowed). */
  paragraphs: string[];
  /** A table: header cells and rows of cells (cells may hold `**bold**` too). */
  table?: { header: string[]; rows: string[][] };
}

/**
 * The "ground truth" row of the FCN score: pix2pix (Isola et al. 2017) Table 1, its FCN-8s on
 * real Cityscapes photos (../shared/reference/paper-tables.md, section 2.4). The CycleGAN paper's
 * Table 4 has no such row.
 */
export const PAPER_GROUND_TRUTH: readonly number[] = [0.80, 0.26, 0.21];

/** Our metric names of a Table 4 / 5 column triple: `<direction> per-pixel acc`, .... */
function segColumns(direction: "AtoB" | "BtoA", prefix = ""): string[] {
  // Names as runs.ts's metricName() gives them (`real-photo ` for the upper bound).
  return ["per-pixel acc", "per-class acc", "class IoU"].map((m) => `${direction} ${prefix}${m}`);
}

/** The mark after a cell: `≈` not distinguishable from the reference, `?` untested. */
const SAME = "≈";
const UNTESTED = "?";

function keyOf(variant: string, metric: string): string {
  return `${variant}\u0000${metric}`;
}

/** The variant column's label: the reference and the not-learned runs marked. */
function variantLabel(v: VariantStats, label = v.variant): string {
  let out = label;
  if (v.isReference) out += " (reference)";
  if (v.notLearned.length > 0) {
    out += ` [not learned: ${v.notLearned.length}/${v.completed.length} runs]`;
  }
  return out;
}

/** How a row's intervals were made, from its completed runs. */
function rowMethod(v: VariantStats): string {
  const n = v.completed.length;
  if (n === 0) return "no completed run";
  if (n >= 2) return `t over ${n} seeds`;
  const r = v.completed[0];
  return r.final.bootstrap
    ? `bootstrap over ${r.final.images ?? "?"} test images`
    : "none (one seed, no bootstrap)";
}

/** The statistics cells of one variant: best in bold, `≈` / `?` against the reference. */
function variantCells(
  v: VariantStats,
  metrics: string[],
  best: Map<string, Set<string>>,
  cmp: Map<string, Comparison>,
): string[] {
  return metrics.map((m) => {
    const st = v.stats[m];
    let text = formatStat(st, v.completed.length);
    if (st && best.get(m)?.has(v.variant)) text = `**${text}**`;
    const c = cmp.get(keyOf(v.variant, m));
    if (c && st) {
      text += c.distinguishable === false ? ` ${SAME}` : c.distinguishable ? "" : ` ${UNTESTED}`;
    }
    return text;
  });
}

function floorRows(s: SweepStatistics, metrics: string[], trailing: string[] = []): string[][] {
  return (["identity", "untrained"] as const).flatMap((f) => {
    const stats = metrics.map((m) => s.floors[f][m]);
    const first = stats.find((x) => x !== undefined);
    if (!first) return [];
    // The row's method: the first metric's that has an interval (the identity floor's FID and
    // KID have none, and would otherwise name the whole row "none").
    const described = stats.find((x) => x?.ci) ?? first;
    return [[
      FLOOR_LABELS[f],
      String(first.n),
      described.method,
      ...stats.map((x) => formatStat(x, first.n)),
      ...trailing,
    ]];
  });
}

/** The column header of a metric: the main metric and KID's subsets named. */
function columnHeader(s: SweepStatistics, m: string): string {
  let h = m;
  if (m === s.mainMetric.column) h += " (main)";
  if (parseMetricName(m).metric === "kid" && s.kidSubsets.length === 1) {
    const [subsets, size] = s.kidSubsets[0].split(" x ");
    h += ` (${subsets} subsets of ${size})`;
  }
  return h;
}

/** The verdict of a comparison in words: better, worse, ≈ (not distinguishable), untested. */
function comparisonVerdict(c: Comparison): string {
  if (c.distinguishable === null) return "untested";
  if (!c.distinguishable) return `${SAME} not distinguishable`;
  const better = betterOf(c.metric);
  const up = c.diff > 0;
  return better === undefined ? "differs" : (better === "higher") === up ? "better" : "worse";
}

/** The differences table of one family. */
function comparisonSection(family: Comparison[], heading: string): Section {
  const refs = [...new Set(family.map((c) => c.reference))];
  const m = family[0]?.familySize ?? 0;
  return {
    level: 3,
    heading,
    paragraphs: family.length === 0 ? ["No comparisons (no reference variant)."] : [
      `Against the reference ${refs.map((r) => `\`${r}\``).join(", ")}, paired by seed: ` +
      `variant - reference (metric units) with its 95 % t-interval, the paired t-test's ` +
      `two-sided p, Holm-adjusted over the ${m} tests of this table, and the MDE: the ` +
      `smallest true difference these seeds detect with ${POWER * 100} % power at alpha ` +
      `${ALPHA}, at the observed sd of the differences. A difference below its MDE with a ` +
      `large p is what more seeds could settle.`,
    ],
    table: family.length === 0 ? undefined : {
      header: [
        "variant",
        ...(refs.length > 1 ? ["reference"] : []),
        "metric",
        "pairs",
        "variant - reference [95 % CI]",
        "p",
        `p (Holm, m=${m})`,
        "MDE",
        "verdict",
      ],
      rows: family.map((c) => [
        c.variant,
        ...(refs.length > 1 ? [c.reference] : []),
        c.metric,
        String(c.n),
        c.ci ? `${formatSigned(c.diff)} ${formatInterval(c.ci)}` : formatSigned(c.diff),
        c.note ? `n/a (${c.note})` : formatP(c.p),
        formatP(c.pHolm),
        formatNumber(c.mde),
        comparisonVerdict(c),
      ]),
    },
  };
}

/** The values table of one direction (variants and floors x metrics). */
function valuesTable(
  s: SweepStatistics,
  metrics: string[],
  family: Comparison[],
): { header: string[]; rows: string[][] } {
  const best = new Map(metrics.map((m) => [m, new Set(bestVariants(s.variants, m))]));
  const cmp = new Map(family.map((c) => [keyOf(c.variant, c.metric), c]));
  return {
    header: ["variant", "n", "interval", ...metrics.map((m) => columnHeader(s, m))],
    rows: [
      ...s.variants.map((v) => [
        variantLabel(v),
        String(v.completed.length),
        rowMethod(v),
        ...variantCells(v, metrics, best, cmp),
      ]),
      ...floorRows(s, metrics),
    ],
  };
}

/** One paper-shaped table: a direction, and per row our variant, its label, the paper's numbers. */
export interface PaperTableSpec {
  /** Holm family name (`table4`, `pix2pix_table1`). */
  id: string;
  /** Heading of the table's section. */
  heading: string;
  /** The direction whose FCN-score triple the table shows. */
  direction: "AtoB" | "BtoA";
  /** Rows: our variant name, the paper's row label, its per-pixel / per-class / IOU. */
  rows: ReadonlyArray<{ variant: string; label: string; paper: readonly number[] }>;
  /** What our numbers are, in one paragraph. */
  note: string;
}

/** A group of paper-shaped tables, shown when a sweep has every variant they name. */
export interface PaperTableSet {
  /** Heading of the group. */
  heading: string;
  /** The tables. */
  tables: readonly PaperTableSpec[];
}

const OURS_FCN = "Ours: the FCN score, as the paper's: G(labels) segmented by the project's " +
  "`scenes-fcn` segmenter (trained on real `scenes` photos), scored against the input " +
  "labels. The last row is that segmenter on the real test photos, the upper bound " +
  "(the paper's column shows pix2pix's FCN-8s on real Cityscapes photos). Runs " +
  "evaluated without the `seg` metric show n/a.";

const pix2pixTable = (
  id: string,
  heading: string,
  rows: Array<[string, string, number[]]>,
): PaperTableSpec => ({
  id,
  heading,
  direction: "AtoB",
  rows: rows.map(([variant, label, paper]) => ({ variant, label, paper })),
  note: OURS_FCN,
});

/**
 * The paper-shaped table groups (../shared/reference/paper-tables.md 2.1, 2.2, 2.4): the
 * CycleGAN loss ablation (Tables 4/5; variants of ablations/paper_tables_4_5.yaml), pix2pix's
 * Tables 1-3 (ablations/pix2pix_loss.yaml, pix2pix_generator.yaml, pix2pix_patch.yaml) and
 * the CycleGAN paper's Tables 2/3 rows CycleGAN and pix2pix (ablations/cyclegan_vs_pix2pix.yaml).
 * The per-class values of pix2pix Tables 2/3 are from recall in that file.
 */
export const PAPER_TABLE_SETS: readonly PaperTableSet[] = [
  {
    heading: "The paper's loss ablation (Tables 4 and 5)",
    tables: [
      {
        id: "table4",
        heading: "Table 4: labels -> photo (AtoB)",
        direction: "AtoB",
        rows: PAPER_VARIANTS.map(([variant, label]) => ({
          variant,
          label,
          paper: PAPER_TABLES.table4[variant],
        })),
        note: OURS_FCN,
      },
      {
        id: "table5",
        heading: "Table 5: photo -> labels (BtoA)",
        direction: "BtoA",
        rows: PAPER_VARIANTS.map(([variant, label]) => ({
          variant,
          label,
          paper: PAPER_TABLES.table5[variant],
        })),
        note: "Ours: F(photo) snapped to the label palette, scored against the true labels.",
      },
    ],
  },
  {
    heading: "pix2pix's loss ablation (pix2pix Table 1)",
    tables: [pix2pixTable("pix2pix_table1", "pix2pix Table 1: loss, labels -> photo (AtoB)", [
      ["l1", "L1", [0.42, 0.15, 0.11]],
      ["gan", "GAN", [0.22, 0.05, 0.01]],
      ["cgan", "cGAN", [0.57, 0.22, 0.16]],
      ["l1_gan", "L1+GAN", [0.64, 0.20, 0.15]],
      ["l1_cgan", "L1+cGAN", [0.66, 0.23, 0.17]],
    ])],
  },
  {
    heading: "pix2pix's generator ablation (pix2pix Table 2)",
    tables: [pix2pixTable("pix2pix_table2", "pix2pix Table 2: generator, labels -> photo (AtoB)", [
      ["encdec_l1", "Encoder-decoder (L1)", [0.35, 0.12, 0.08]],
      ["encdec_l1_cgan", "Encoder-decoder (L1+cGAN)", [0.29, 0.09, 0.05]],
      ["unet_l1", "U-Net (L1)", [0.48, 0.18, 0.13]],
      ["unet_l1_cgan", "U-Net (L1+cGAN)", [0.55, 0.20, 0.14]],
    ])],
  },
  {
    heading: "pix2pix's discriminator receptive field (pix2pix Table 3)",
    tables: [
      pix2pixTable("pix2pix_table3", "pix2pix Table 3: receptive field, labels -> photo (AtoB)", [
        ["pixel_1", "1x1 (PixelGAN)", [0.39, 0.15, 0.10]],
        ["patch_16", "16x16", [0.65, 0.21, 0.17]],
        ["patch_70", "70x70 (PatchGAN)", [0.66, 0.23, 0.17]],
        ["image_286", "286x286 (ImageGAN)", [0.42, 0.16, 0.11]],
      ]),
    ],
  },
  {
    heading: "CycleGAN vs pix2pix (the CycleGAN paper's Tables 2 and 3)",
    tables: [
      {
        id: "cyclegan_table2",
        heading: "CycleGAN Table 2: labels -> photo (AtoB)",
        direction: "AtoB",
        rows: [
          { variant: "cyclegan", label: "CycleGAN", paper: [0.52, 0.17, 0.11] },
          {
            variant: "pix2pix_AtoB",
            label: "pix2pix (paired, upper bound)",
            paper: [0.71, 0.25, 0.18],
          },
        ],
        note: OURS_FCN,
      },
      {
        id: "cyclegan_table3",
        heading: "CycleGAN Table 3: photo -> labels (BtoA)",
        direction: "BtoA",
        rows: [
          { variant: "cyclegan", label: "CycleGAN", paper: [0.58, 0.22, 0.16] },
          { variant: "pix2pix_BtoA", label: "pix2pix", paper: [0.85, 0.40, 0.32] },
        ],
        note: "Ours: the photo -> labels translation snapped to the label palette, scored " +
          "against the true labels.",
      },
    ],
  },
];

/** The paper-shaped tables' variants and comparisons, for every set whose variants all ran. */
function paperFamilies(s: SweepStatistics): Array<{
  set: PaperTableSet;
  tables: Array<{
    spec: PaperTableSpec;
    metrics: string[];
    rows: Array<{ label: string; paper: readonly number[]; v: VariantStats }>;
    comparisons: Comparison[];
  }>;
}> {
  const names = new Set(s.variants.map((v) => v.name));
  return PAPER_TABLE_SETS.filter((set) =>
    set.tables.every((t) => t.rows.every((r) => names.has(r.variant)))
  ).map((set) => ({
    set,
    tables: set.tables.map((spec) => {
      const metrics = segColumns(spec.direction);
      const rows = spec.rows.flatMap(({ variant, label, paper }) => {
        const vs = s.variants.filter((v) => v.name === variant);
        // More than one variant of a name (other axes, backends): each its own row.
        return vs.map((v) => ({
          label: vs.length > 1 ? `${label} (${v.variant})` : label,
          paper,
          v,
        }));
      });
      const comparisons = familyComparisons(rows.map((r) => r.v), {
        metrics,
        family: spec.id,
        references: s.variants,
      });
      return { spec, metrics, rows, comparisons };
    }),
  }));
}

function paperSection(
  s: SweepStatistics,
  f: ReturnType<typeof paperFamilies>[number]["tables"][number],
  groundTruth?: string[],
): { header: string[]; rows: string[][] } {
  const variants = f.rows.map((r) => r.v);
  const best = new Map(f.metrics.map((m) => [m, new Set(bestVariants(variants, m))]));
  const cmp = new Map(f.comparisons.map((c) => [keyOf(c.variant, c.metric), c]));
  const header = [
    "variant",
    "n",
    "interval",
    ...["per-pixel acc", "per-class acc", "class IoU"].map((m) => `ours (scenes): ${m}`),
    "paper (Cityscapes): per-pixel acc",
    "paper (Cityscapes): per-class acc",
    "paper (Cityscapes): class IOU",
  ];
  const rows = f.rows.map(({ label, paper, v }) => [
    variantLabel(v, label),
    String(v.completed.length),
    rowMethod(v),
    ...variantCells(v, f.metrics, best, cmp),
    ...paper.map((x) => x.toFixed(2)),
  ]);
  rows.push(...floorRows(s, f.metrics, ["-", "-", "-"]));
  if (groundTruth) {
    // Every run scores the same real test photos, so this row pools all of them.
    const done = variants.flatMap((v) => v.completed);
    const stats = groundTruth.map((m) => metricStat(done, m));
    rows.push([
      "Ground truth (segmenter on the real photos)",
      String(done.length),
      `pooled over ${done.length} runs`,
      ...stats.map((x) => formatStat(x, done.length)),
      ...PAPER_GROUND_TRUTH.map((x) => `${x.toFixed(2)} (pix2pix)`),
    ]);
  }
  return { header, rows };
}

/** The section listing the runs not learned at this budget (and those that cannot say). */
function notLearnedSection(s: SweepStatistics): Section {
  const heading = "Runs not learned at this budget";
  const col = s.mainMetric.column;
  if (col === null) {
    return { level: 2, heading, paragraphs: [`Not checked: ${s.mainMetric.note}.`] };
  }
  const flagged = s.floorChecks.filter((c) => c.verdict !== "learned");
  const rule = `A run is **not learned at this budget** when it is not better than its own ` +
    `untrained generators (step 0: the weights it started from) on the main metric \`${col}\` ` +
    `(${s.mainMetric.spec}, ${
      s.mainMetric.source === "sweep.json" ? "main_metric of the sweep file" : "the default"
    }): ` +
    `one-sided bootstrap p >= ${ALPHA} over its test images, paired by image. Its variant's ` +
    `rows are marked \`[not learned: k/n runs]\`.`;
  if (s.floorChecks.length === 0) {
    return { level: 2, heading, paragraphs: [rule, "No completed run."] };
  }
  const notLearned = flagged.filter((c) => c.verdict === "not learned").length;
  const untested = flagged.length - notLearned;
  const summary = flagged.length === 0
    ? `None: every completed run (${s.floorChecks.length}) beats its untrained generators.`
    : untested === s.floorChecks.length
    ? `Untested: no completed run's record compares it with its untrained generators ` +
      `(evaluated before floors existed, or without a bootstrap).`
    : `${notLearned} of ${s.floorChecks.length} completed run(s) not learned` +
      (untested > 0
        ? `; ${untested} untested (the record has no floor comparison: evaluated before ` +
          `floors existed, or without a bootstrap).`
        : ".");
  // When no run could be tested (records older than the floors) one sentence says it all.
  const rows = untested === s.floorChecks.length ? [] : flagged;
  return {
    level: 2,
    heading,
    paragraphs: [rule, summary],
    table: rows.length === 0 ? undefined : {
      header: [
        "run",
        "variant",
        "seed",
        col,
        "untrained floor",
        "run - floor [95 % CI]",
        "p (one-sided)",
        "verdict",
      ],
      rows: rows.map((c) => [
        c.run,
        c.variant,
        String(c.seed),
        formatNumber(c.value),
        formatNumber(c.floor),
        c.diff === null
          ? "n/a"
          : `${formatSigned(c.diff)} ${formatInterval({ lo: c.lo!, hi: c.hi! })}`,
        formatP(c.p),
        c.verdict,
      ]),
    },
  };
}

/** The summary's sections, shared by `summary.md` and `index.html`. */
export function summarySections(runs: RunRecord[], o: TableOptions & { name: string }): Section[] {
  const s = statsOf(runs, o);
  const counts = new Map<string, number>();
  for (const r of runs) counts.set(r.status, (counts.get(r.status) ?? 0) + 1);
  const refText = s.compareTo.note ??
    (s.compareTo.spec !== null
      ? `\`${s.compareTo.spec}\` (${
        s.compareTo.source === "sweep.json"
          ? "compare_to of the sweep file"
          : s.compareTo.source === "given"
          ? "as given"
          : s.compareTo.spec === "cyclegan"
          ? "default: the variant named cyclegan"
          : "default: the first variant"
      })`
      : "the first variant in plan order (the sweep has no `variant` axis)");
  const overview = [
    `${runs.length} run(s): ${
      [...counts.keys()].sort().map((k) => `${counts.get(k)} ${k}`).join(", ") || "none"
    }. Runs that did not complete are listed below and never averaged in.`,
    METHOD_TEXT,
    `Reference: ${refText}. Main metric: ${
      s.mainMetric.column
        ? `\`${s.mainMetric.column}\` (${s.mainMetric.spec}, ${
          s.mainMetric.source === "sweep.json" ? "main_metric of the sweep file" : "default"
        })`
        : (s.mainMetric.note ?? "none")
    }. Test images per run: ${s.images.join(", ") || "not recorded"}.`,
    `Marks: **bold**, the best variant of a column (L1, FID, KID lower is better, the others ` +
    `higher); \`${SAME}\`, not distinguishable from the reference (Holm-adjusted p >= ${ALPHA}); ` +
    `\`${UNTESTED}\`, not tested (fewer than 2 paired seeds); no mark, a difference at ` +
    `Holm-adjusted p < ${ALPHA}. FID and KID are labelled with their feature extractor; KID is ` +
    `the mean over subsets of min(1000, floor(N/2)) test images (${
      s.kidSubsets.length > 0 ? `here ${s.kidSubsets.join(", ")} subsets x images` : "no KID here"
    }); its spread over those overlapping subsets (kid_std) is not a spread over seeds and is ` +
    `left out of the tables (it is in runs.csv).`,
  ];
  overview.push(...(o.notes ?? []));
  const out: Section[] = [{ level: 1, heading: `Sweep \`${o.name}\``, paragraphs: overview }];
  if (o.claims && o.claims.length > 0) out.push(...claimSections(runs, o.claims));
  out.push(notLearnedSection(s));
  for (const d of directionsOf(s)) {
    const metrics = directionMetrics(s, d);
    const family = s.comparisons.filter((c) => c.family === d);
    out.push({
      level: 2,
      heading: `${d}${
        d === "AtoB"
          ? " (G_A = G)"
          : d === "BtoA"
          ? " (G_B = F)"
          : d === "train"
          ? " (from each run's training record: lib/metrics/training.ts)"
          : ""
      }`,
      paragraphs: [],
      table: valuesTable(s, metrics, family),
    });
    out.push(comparisonSection(family, `${d}: differences from the reference`));
  }
  if (s.metrics.length === 0) {
    out.push({ level: 2, heading: "Results", paragraphs: ["No completed run has an evaluation."] });
  }
  for (const { set, tables } of paperFamilies(s)) {
    out.push({
      level: 2,
      heading: set.heading,
      paragraphs: [
        "**The paper's numbers are Cityscapes FCN-scores; ours are on the built-in `scenes` " +
        "data: a different dataset and, for labels -> photo, a different segmenter. They are " +
        "shown side by side for orientation only, not as a comparison.** Marks and intervals " +
        "as above; each table is its own Holm family.",
      ],
    });
    for (const t of tables) {
      const short = t.spec.heading.slice(0, t.spec.heading.indexOf(":"));
      out.push(
        {
          level: 3,
          heading: t.spec.heading,
          paragraphs: [t.spec.note],
          table: paperSection(
            s,
            t,
            t.spec.direction === "AtoB" ? segColumns("AtoB", "real-photo ") : undefined,
          ),
        },
        comparisonSection(t.comparisons, `${short}: differences from the reference`),
      );
    }
  }
  const notDone = runs.filter((r) => r.status !== "completed");
  out.push({
    level: 2,
    heading: "Runs not averaged in",
    paragraphs: notDone.length === 0 ? ["None: every run completed."] : [],
    table: notDone.length === 0 ? undefined : {
      header: ["run", "status", "step", "reason"],
      rows: notDone.map((r) => [
        r.id,
        r.status,
        `${r.step}/${r.totalSteps}`,
        (r.error ?? "").replaceAll("\n", " "),
      ]),
    },
  });
  out.push({
    level: 2,
    heading: "All runs",
    paragraphs: [],
    table: {
      header: [
        "run",
        "variant",
        "seed",
        "status",
        "step",
        "wall time (s)",
        "backend",
        "vs untrained floor",
      ],
      rows: runs.map((r) => [
        r.id,
        r.variant,
        String(r.seed),
        r.status,
        `${r.step}/${r.totalSteps}`,
        r.wallTimeS === null ? "n/a" : r.wallTimeS.toFixed(1),
        (r.backend ?? "n/a").split(" (")[0],
        verdictOf(s, r.id)?.verdict ?? "-",
      ]),
    },
  });
  return out;
}

/** The claims section: the rule, then per claim its predictions, measurements and verdicts. */
export function claimSections(runs: RunRecord[], claims: readonly Claim[]): Section[] {
  const results = claimResults(runs, claims);
  const out: Section[] = [{
    level: 2,
    heading: "Claims",
    paragraphs: [
      VERDICT_RULE,
      "Effects are on each metric's own scale: a comparison's is the first variant minus the " +
      "second, a level's is the variant's mean; intervals are 95 % t-intervals over seeds.",
    ],
    table: {
      header: ["claim", "verdict", "predictions"],
      rows: results.map((c) => [
        c.claim.id,
        `**${c.verdict}**`,
        c.predictions.map((p) => `${p.text}: ${p.verdict}`).join("; "),
      ]),
    },
  }];
  for (const c of results) {
    const paragraphs = [`${c.claim.claim}${c.claim.source ? ` (${c.claim.source})` : ""}`];
    if (c.claim.untested) paragraphs.push(`Not tested here: ${c.claim.untested}`);
    paragraphs.push(`Verdict: **${c.verdict}** at this budget.`);
    out.push({
      level: 3,
      heading: `${c.claim.id}: ${c.verdict}`,
      paragraphs,
      table: {
        header: [
          "prediction",
          "column",
          "effect",
          "95 % CI",
          "n",
          "p",
          "p (Holm)",
          "MDE",
          "verdict",
        ],
        rows: c.predictions.map((p) => [
          p.text,
          p.column ?? "not recorded",
          formatNumber(p.effect),
          formatInterval(p.ci),
          String(p.n),
          formatP(p.p),
          formatP(p.pHolm),
          formatNumber(p.mde),
          p.n < 2 ? `${p.verdict} (fewer than 2 seeds)` : p.verdict,
        ]),
      },
    });
  }
  return out;
}

function mdRow(cells: string[]): string {
  return `| ${cells.map((c) => c.replaceAll("|", "\\|")).join(" | ")} |`;
}

/** Options of {@link summaryMarkdown}. */
export interface MarkdownOptions extends TableOptions {
  /** The sweep's name (the title). */
  name: string;
}

/** `summary.md`: see the module doc. */
export function summaryMarkdown(runs: RunRecord[], o: MarkdownOptions): string {
  const lines: string[] = [];
  for (const s of summarySections(runs, o)) {
    lines.push(`${"#".repeat(s.level)} ${s.heading}`, "");
    for (const p of s.paragraphs) lines.push(p, "");
    if (s.table) {
      lines.push(
        mdRow(s.table.header),
        mdRow(s.table.header.map(() => "---")),
        ...s.table.rows.map(mdRow),
        "",
      );
    }
  }
  return lines.join("\n");
}

/** Escapes the characters LaTeX gives a meaning to in text (`_ % & # $ { } ~ ^ \`). */
export function latexEscape(text: string): string {
  return text.replace(
    /[\\_%&#${}~^]/g,
    (c) =>
      c === "\\"
        ? "\\textbackslash{}"
        : c === "~"
        ? "\\textasciitilde{}"
        : c === "^"
        ? "\\textasciicircum{}"
        : `\\${c}`,
  );
}

/**
 * One LaTeX cell of a statistic: `mean $\pm$ h` with h the half-width of a symmetric 95 %
 * interval (the t-interval over seeds), `mean [lo, hi]` for an asymmetric one (one run's
 * bootstrap interval), the mean alone without an interval, `--` without a value.
 */
export function latexStat(s: MetricStat | undefined): string {
  if (!s) return "--";
  const m = formatNumber(s.mean);
  if (!s.ci) return m;
  const half = (s.ci.hi - s.ci.lo) / 2;
  // The t-interval is mean +- half; a bootstrap percentile interval is not centred on the mean.
  const symmetric = Math.abs(s.ci.lo + half - s.mean) <= 1e-9 * Math.max(1, Math.abs(s.mean));
  return symmetric
    ? `${m} $\\pm$ ${formatNumber(half)}`
    : `${m} [${formatNumber(s.ci.lo)}, ${formatNumber(s.ci.hi)}]`;
}

/**
 * `summary.tex`: per direction a booktabs table (`\toprule`, `\midrule`, `\bottomrule`; needs
 * `\usepackage{booktabs}`) of variants x metrics, as `summary.md`'s first table: cells from
 * {@link latexStat}, the best variant of a column in `\textbf`, `$\approx$` where not
 * distinguishable from the reference, `?` where untested, the floors below a rule. Text is
 * escaped ({@link latexEscape}); the same runs give the same bytes.
 */
export function summaryLatex(runs: RunRecord[], o: TableOptions & { name: string }): string {
  const s = statsOf(runs, o);
  const lines = [
    `% cyclebench summary of ${
      o.name.replaceAll("\n", " ")
    }: deno task report (lib/report/README.md)`,
    "% needs \\usepackage{booktabs}",
  ];
  for (const d of directionsOf(s)) {
    const metrics = directionMetrics(s, d);
    const family = s.comparisons.filter((c) => c.family === d);
    const best = new Map(metrics.map((m) => [m, new Set(bestVariants(s.variants, m))]));
    const cmp = new Map(family.map((c) => [keyOf(c.variant, c.metric), c]));
    const row = (cells: string[]) => `${cells.join(" & ")} \\\\`;
    const variantRows = s.variants.map((v) =>
      row([
        latexEscape(variantLabel(v)),
        String(v.completed.length),
        ...metrics.map((m) => {
          const st = v.stats[m];
          let cell = latexStat(st);
          if (st && best.get(m)?.has(v.variant)) cell = `\\textbf{${cell}}`;
          const c = cmp.get(keyOf(v.variant, m));
          if (c && st) {
            cell += c.distinguishable === false ? " $\\approx$" : c.distinguishable ? "" : " ?";
          }
          return cell;
        }),
      ])
    );
    const floorRows = (["identity", "untrained"] as const).flatMap((f) => {
      const stats = metrics.map((m) => s.floors[f][m]);
      const first = stats.find((x) => x !== undefined);
      return first
        ? [row([latexEscape(FLOOR_LABELS[f]), String(first.n), ...stats.map(latexStat)])]
        : [];
    });
    const caption =
      `${latexEscape(o.name)}, ${d}: mean $\\pm$ half-width of the 95 \\% t-interval over ` +
      `seeds (one seed: mean [95 \\% bootstrap interval over test images]); bold: best; ` +
      `$\\approx$: not distinguishable from the reference (Holm-adjusted p $\\geq$ ${ALPHA}); ` +
      `?: untested.`;
    lines.push(
      "",
      "\\begin{table}[t]",
      "\\centering",
      `\\caption{${caption}}`,
      `\\begin{tabular}{lr${"l".repeat(metrics.length)}}`,
      "\\toprule",
      row(["variant", "n", ...metrics.map((m) => latexEscape(columnHeader(s, m)))]),
      "\\midrule",
      ...variantRows,
      ...(floorRows.length > 0 ? ["\\midrule", ...floorRows] : []),
      "\\bottomrule",
      "\\end{tabular}",
      "\\end{table}",
    );
  }
  if (s.metrics.length === 0) lines.push("", "% no completed run has an evaluation");
  return lines.join("\n") + "\n";
}
