/**
 * The sweep's statistics, computed from its run records with lib/stats (never re-derived here):
 * per variant and metric the mean, std, n and a 95 % interval (a t-interval over seeds, or for
 * one seed the run's bootstrap interval over its test images); per variant and metric the
 * difference from the reference variant, paired by seed, with its interval, p-value, Holm's
 * adjustment over the comparisons of one table, and the smallest difference the sweep could
 * detect; the floors (identity translation, untrained generator); the runs that did not beat
 * their untrained floor on the main metric. lib/report/README.md states the method.
 *
 * ```ts
 * import { readRuns } from "./runs.ts";
 * import { sweepStatistics } from "./statistics.ts";
 * const s = sweepStatistics(await readRuns("results/paper"), { compareTo: "cyclegan" });
 * s.comparisons.filter((c) => c.family === "AtoB" && c.pHolm < 0.05);
 * ```
 * @module
 */
import { holm, type Interval, mean, pairedMde, pairedTTest, tInterval } from "../stats/mod.ts";
import { betterDirection } from "../metrics/direction.ts";
import { type FloorName, parseMetricName, type RunRecord } from "./runs.ts";

/** Coverage of every interval of the report. */
export const LEVEL = 0.95;
/** Significance level of the comparisons, the not-learned rule and the MDE. */
export const ALPHA = 0.05;
/** Power at which the minimum detectable effect is given. */
export const POWER = 0.8;

/** The summary of one metric over a set of runs (or a floor). */
export interface MetricStat {
  /** Values averaged (seeds; 1 for a single run). */
  n: number;
  /** Their mean. */
  mean: number;
  /** Their sample std (n - 1 denominator; 0 for one value). */
  std: number;
  /** The 95 % interval, or null (one value and no bootstrap interval recorded). */
  ci: Interval | null;
  /** How the interval was made: `t over 3 seeds`, `bootstrap over 200 test images`, `none`. */
  method: string;
}

/** One variant: its completed runs and the statistics of each metric. */
export interface VariantStats {
  /** The variant key (lib/report/runs.ts: axes but the seed, and the backend when mixed). */
  variant: string;
  /** The `variant` axis value, when the sweep has one. */
  name: string | undefined;
  /** Every run of the variant, completed or not. */
  runs: RunRecord[];
  /** The completed runs (the only ones averaged). */
  completed: RunRecord[];
  /** Metric -> statistics (metrics with at least one finite value). */
  stats: Record<string, MetricStat>;
  /** The variant this one is compared with; undefined for a reference (or none found). */
  reference: string | undefined;
  /** Whether this variant is the reference of its context. */
  isReference: boolean;
  /** Completed runs not significantly better than their untrained floor on the main metric. */
  notLearned: string[];
  /** Completed runs whose record has no untrained-floor comparison on the main metric. */
  untested: string[];
}

/** A variant against its reference on one metric, paired by seed. */
export interface Comparison {
  /** The table the comparison belongs to: its Holm family (`AtoB`, `BtoA`, `table4`, ...). */
  family: string;
  /** The variant. */
  variant: string;
  /** The reference variant. */
  reference: string;
  /** The metric (report name). */
  metric: string;
  /** Seeds present in both with a finite value. */
  seeds: number[];
  /** Number of pairs. */
  n: number;
  /** Mean of variant - reference over the paired seeds (NaN with no pair). */
  diff: number;
  /** 95 % t-interval of the mean difference; null with fewer than 2 pairs. */
  ci: Interval | null;
  /** Sample std of the differences. */
  sdDiff: number;
  /** Two-sided paired t-test p-value; NaN with fewer than 2 pairs. */
  p: number;
  /** Holm-adjusted p within the family; NaN where p is. */
  pHolm: number;
  /** Comparisons with a p-value in the family (Holm's m). */
  familySize: number;
  /** Smallest true difference detected with power 0.8 at alpha 0.05 (two-sided), at sdDiff. */
  mde: number;
  /** Holm p < 0.05: true; >= 0.05: false; no test: null. */
  distinguishable: boolean | null;
  /** Why there is no p-value, or null. */
  note: string | null;
}

/** One run checked against its untrained floor on the main metric. */
export interface FloorCheck {
  /** Run id. */
  run: string;
  /** Its variant. */
  variant: string;
  /** Its seed. */
  seed: number;
  /** The run's value of the main metric. */
  value: number | null;
  /** The untrained floor's value. */
  floor: number | null;
  /** run - floor, its bootstrap interval and the one-sided bootstrap p (null: untested). */
  diff: number | null;
  /** Lower end of the interval of the difference. */
  lo: number | null;
  /** Upper end. */
  hi: number | null;
  /** One-sided bootstrap p-value that the run is better than its untrained floor. */
  p: number | null;
  /** `learned`, `not learned` (p >= 0.05) or `untested` (no comparison in the record). */
  verdict: "learned" | "not learned" | "untested";
}

/** Where the main metric and the reference came from. */
export interface Resolved {
  /** `AtoB.pixel_accuracy`-style name, or null when none applies. */
  spec: string | null;
  /**
   * `sweep.json` when the sweep file set it, `given` when the caller named the references
   * ({@link StatisticsOptions.references}: the multi-sweep report), else `default`.
   */
  source: "sweep.json" | "given" | "default";
}

/** Everything the report's tables show, computed once. */
export interface SweepStatistics {
  /** Every metric of the completed runs (report names, sorted). */
  metrics: string[];
  /** The main metric (`AtoB.pixel_accuracy`) and its report column (`AtoB per-pixel acc`). */
  mainMetric: Resolved & { column: string | null; note: string | null };
  /** The reference variant name (`compare_to`), resolved. */
  compareTo: Resolved & { note: string | null };
  /** Variants in table order. */
  variants: VariantStats[];
  /** Floor -> metric -> statistics. */
  floors: Record<FloorName, Record<string, MetricStat>>;
  /** Every comparison of every family. */
  comparisons: Comparison[];
  /** Every completed run against its untrained floor on the main metric. */
  floorChecks: FloorCheck[];
  /** Test images of the final evaluations (the distinct counts, sorted). */
  images: number[];
  /** KID subsets x size of the final evaluations (distinct, sorted), e.g. `100 x 100`. */
  kidSubsets: string[];
}

/** Options of {@link sweepStatistics}. */
export interface StatisticsOptions {
  /** `compare_to` of the sweep file (a `variant` axis value), or null/undefined for the default. */
  compareTo?: string | null;
  /** `main_metric` of the sweep file (`AtoB.fid`), or null/undefined for the default. */
  mainMetric?: string | null;
  /** Run ids in plan order (sweep.json), for "the first variant"; default: sorted. */
  planOrder?: string[];
  /**
   * The references by `variant` axis value, instead of `compareTo`: in each context the variant
   * whose name is one of these (the multi-sweep report passes each sweep's own reference, or
   * the one `--compare-to` names).
   */
  references?: string[];
}

/**
 * Whether a metric is a score that variants are compared on: it has a better direction
 * (lib/metrics/direction.ts), and it is neither KID's spread over subsets (`kid_std`: a spread,
 * not a score) nor a `real_*` upper bound (the segmenter on the real photos, the same for
 * every run).
 */
export function isComparable(metric: string): boolean {
  const raw = parseMetricName(metric).metric;
  return betterDirection(raw) !== undefined && !raw.startsWith("real_");
}

/** Whether a metric appears in the statistics tables at all (`kid_std` does not). */
export function isTabulated(metric: string): boolean {
  return parseMetricName(metric).metric !== "kid_std";
}

/** `higher` or `lower` for a report metric name, or undefined. */
export function betterOf(metric: string): "higher" | "lower" | undefined {
  return betterDirection(parseMetricName(metric).metric);
}

function finite(x: number | null | undefined): x is number {
  return typeof x === "number" && Number.isFinite(x);
}

/**
 * Statistics of one metric over the completed runs of a variant: a t-interval over seeds
 * (n >= 2), or for one run its bootstrap interval over test images, when recorded.
 */
export function metricStat(runs: RunRecord[], metric: string): MetricStat | undefined {
  const withValue = runs.filter((r) => finite(r.metrics[metric]));
  const xs = withValue.map((r) => r.metrics[metric] as number);
  if (xs.length === 0) return undefined;
  const s = tInterval(xs, LEVEL);
  if (xs.length >= 2) return { ...s, method: `t over ${xs.length} seeds` };
  return singleStat(withValue[0], { x: xs[0], metric, interval: withValue[0].final.ci[metric] });
}

/**
 * The statistics of one run's value `o.x`: its bootstrap interval over test images
 * (`o.interval`), when the record has one.
 */
function singleStat(
  run: RunRecord,
  o: { x: number; metric: string; interval: [number, number] | undefined },
): MetricStat {
  const boot = run.final.bootstrap;
  if (o.interval && boot) {
    return {
      n: 1,
      mean: o.x,
      std: 0,
      ci: { lo: o.interval[0], hi: o.interval[1], level: boot.level },
      method: `bootstrap over ${run.final.images ?? "?"} test images`,
    };
  }
  const why = parseMetricName(o.metric).metric === "kid"
    ? "none (one seed; KID has no bootstrap interval)"
    : "none (one seed, no bootstrap interval recorded)";
  return { n: 1, mean: o.x, std: 0, ci: null, method: why };
}

function floorStats(completed: RunRecord[], floor: FloorName): Record<string, MetricStat> {
  const out: Record<string, MetricStat> = {};
  const withFloor = completed.filter((r) => r.final.floors[floor]);
  const metrics = [
    ...new Set(withFloor.flatMap((r) => Object.keys(r.final.floors[floor]!.metrics))),
  ]
    .filter(isTabulated).sort();
  for (const m of metrics) {
    const runs = withFloor.filter((r) => finite(r.final.floors[floor]!.metrics[m]));
    if (runs.length === 0) continue;
    const value = (r: RunRecord) => r.final.floors[floor]!.metrics[m] as number;
    const one = (r: RunRecord) =>
      singleStat(r, { x: value(r), metric: m, interval: r.final.floors[floor]!.ci[m] });
    const values = runs.map(value);
    if (runs.length === 1) {
      out[m] = one(runs[0]);
      continue;
    }
    if (floor === "identity" && values.every((v) => v === values[0])) {
      // The identity translation does not depend on the run: one value, its bootstrap interval.
      const s = one(runs[0]);
      out[m] = { ...s, method: `${s.method}; the same for all runs` };
      continue;
    }
    // Per seed label, the mean over the runs of that seed, then the t-interval over seeds, so
    // that n counts seeds as in the variants' rows (each run has its own step-0 generators).
    // With one seed label (a single-seed sweep of several variants), the t-interval over runs.
    const bySeed = new Map<number, number[]>();
    for (const r of runs) bySeed.set(r.seed, [...(bySeed.get(r.seed) ?? []), value(r)]);
    const seeds = [...bySeed.keys()].sort((a, b) => a - b);
    if (seeds.length === 1) {
      out[m] = { ...tInterval(values, LEVEL), method: `t over ${values.length} runs (one seed)` };
      continue;
    }
    const s = tInterval(seeds.map((k) => mean(bySeed.get(k)!)), LEVEL);
    out[m] = { ...s, method: `t over ${seeds.length} seeds` };
  }
  return out;
}

/** The `[variant]` axis value of a run, when the sweep has a `variant` axis. */
function nameOf(r: RunRecord): string | undefined {
  return "variant" in r.axes ? String(r.axes.variant) : undefined;
}

/**
 * Where a variant is compared: with a `variant` axis, among the variants of the same other axes
 * and backend; without one (a grid), among all variants of the same backend.
 */
function contextOf(v: VariantStats, byName: boolean): string {
  const r = v.runs[0];
  const rest = byName
    ? Object.keys(r.axes).filter((k) => k !== "seed" && k !== "variant").sort()
      .map((k) => [k, r.axes[k]])
    : [];
  const backend = /\[([^\]]*)\]$/.exec(v.variant)?.[1] ?? "";
  return JSON.stringify([rest, backend]);
}

/** `AtoB.pixel_accuracy` -> the report column of the runs that holds it, or undefined. */
function columnOf(spec: string, metrics: string[]): string | undefined {
  const [direction, raw] = spec.split(".");
  return metrics.find((m) => {
    const p = parseMetricName(m);
    return p.direction === direction && p.metric === raw;
  });
}

function resolveMainMetric(
  given: string | null | undefined,
  metrics: string[],
  completed: RunRecord[],
): SweepStatistics["mainMetric"] {
  if (given) {
    const column = columnOf(given, metrics) ?? null;
    return {
      spec: given,
      source: "sweep.json",
      column,
      note: column ? null : `the main metric ${given} is not in any completed run's evaluation`,
    };
  }
  // L1 first where the test split is paired: "learned nothing" means outputs no closer to the
  // right answer than the untrained generator's, and L1 to the ground truth measures that
  // directly; FID (closeness to the target domain) where there is no ground truth. The FCN
  // score comes last: on scenes it rewards keeping the label colours (the identity floor beats
  // every variant) and falls below the untrained floor for a generator that learned the target
  // domain but ignores its input (GAN alone); lib/report/README.md has the measurements.
  const candidates = ["AtoB.l1", "AtoB.fid", "AtoB.pixel_accuracy"]
    .map((spec) => ({ spec, column: columnOf(spec, metrics) }))
    .filter((c): c is { spec: string; column: string } => c.column !== undefined);
  const tested = candidates.find((c) =>
    completed.some((r) => r.final.vsFloor.untrained?.[c.column] !== undefined)
  );
  const pick = tested ?? candidates[0];
  if (pick) return { spec: pick.spec, source: "default", column: pick.column, note: null };
  return {
    spec: null,
    source: "default",
    column: null,
    note: "no main metric: the runs have none of AtoB L1, AtoB FID, AtoB per-pixel acc",
  };
}

/** Groups the runs by variant, in sorted order. */
function groupRuns(runs: RunRecord[]): Array<{ variant: string; runs: RunRecord[] }> {
  const by = new Map<string, RunRecord[]>();
  for (const r of runs) by.set(r.variant, [...(by.get(r.variant) ?? []), r]);
  return [...by.keys()].sort().map((variant) => ({ variant, runs: by.get(variant)! }));
}

/**
 * The paired comparison of `v` against `ref` on `o.metric`: the seeds both have a finite value
 * of, `pairedTTest(variant, reference)` and `pairedMde(sdDiff, n)`. Holm is applied later, per
 * family.
 */
export function compareVariants(
  v: VariantStats,
  ref: VariantStats,
  o: { metric: string; family: string },
): Comparison {
  const { metric, family } = o;
  const valueBySeed = (runs: RunRecord[]) => {
    const m = new Map<number, number>();
    for (const r of runs) {
      const x = r.metrics[metric];
      if (finite(x) && !m.has(r.seed)) m.set(r.seed, x);
    }
    return m;
  };
  const a = valueBySeed(v.completed), b = valueBySeed(ref.completed);
  const seeds = [...a.keys()].filter((s) => b.has(s)).sort((x, y) => x - y);
  const base = {
    family,
    variant: v.variant,
    reference: ref.variant,
    metric,
    seeds,
    n: seeds.length,
    familySize: 0,
  };
  if (seeds.length === 0) {
    return {
      ...base,
      diff: NaN,
      ci: null,
      sdDiff: NaN,
      p: NaN,
      pHolm: NaN,
      mde: NaN,
      distinguishable: null,
      note: "no seed in common with the reference",
    };
  }
  const t = pairedTTest(seeds.map((s) => a.get(s)!), seeds.map((s) => b.get(s)!), LEVEL);
  return {
    ...base,
    diff: t.meanDiff,
    ci: t.ci,
    sdDiff: t.sdDiff,
    p: t.p,
    pHolm: NaN,
    mde: pairedMde(t.sdDiff, t.n, { alpha: ALPHA, power: POWER }),
    distinguishable: null,
    note: t.n < 2 ? "1 paired seed: no spread to test against" : null,
  };
}

/** Applies Holm's correction to one family of comparisons (in place) and returns them. */
export function adjustFamily(family: Comparison[]): Comparison[] {
  const adjusted = holm(family.map((c) => c.p));
  const m = family.filter((c) => !Number.isNaN(c.p)).length;
  family.forEach((c, i) => {
    c.pHolm = adjusted[i];
    c.familySize = m;
    c.distinguishable = Number.isNaN(c.pHolm) ? null : c.pHolm < ALPHA;
  });
  return family;
}

/** Options of {@link familyComparisons}. */
export interface FamilyOptions {
  /** The table's metrics (those that are not {@link isComparable} are skipped). */
  metrics: string[];
  /** The family's name (`AtoB`, `table4`). */
  family: string;
  /** Where to find the references (default: `variants` itself). */
  references?: VariantStats[];
}

/**
 * The comparisons of one table: every non-reference variant of `variants` against its
 * reference, on every comparable metric, Holm-adjusted together.
 */
export function familyComparisons(variants: VariantStats[], o: FamilyOptions): Comparison[] {
  const byName = new Map((o.references ?? variants).map((v) => [v.variant, v]));
  const out: Comparison[] = [];
  for (const v of variants) {
    const ref = v.reference === undefined ? undefined : byName.get(v.reference);
    if (!ref) continue;
    for (const m of o.metrics.filter(isComparable)) {
      if (!v.stats[m] && !ref.stats[m]) continue;
      out.push(compareVariants(v, ref, { metric: m, family: o.family }));
    }
  }
  return adjustFamily(out);
}

/**
 * The variants with the best mean of `metric` (by its better direction; ties all count),
 * among those with a value; empty for a metric with no direction, fewer than two variants, or
 * a column where all variants tie.
 */
export function bestVariants(variants: VariantStats[], metric: string): string[] {
  const better = betterOf(metric);
  if (!better || !isComparable(metric)) return [];
  const withValue = variants.filter((v) => v.stats[metric]);
  if (withValue.length < 2) return [];
  const means = withValue.map((v) => v.stats[metric].mean);
  const best = better === "higher" ? Math.max(...means) : Math.min(...means);
  // A column where every variant ties has no best.
  if (means.every((x) => x === best)) return [];
  return withValue.filter((v) => v.stats[metric].mean === best).map((v) => v.variant);
}

/** The runs' untrained-floor check on the main metric `column` (see the module doc). */
function floorCheck(r: RunRecord, column: string | null): FloorCheck {
  const cmp = column ? r.final.vsFloor.untrained?.[column] : undefined;
  const floor = column ? r.final.floors.untrained?.metrics[column] : undefined;
  return {
    run: r.id,
    variant: r.variant,
    seed: r.seed,
    value: column ? (r.metrics[column] ?? null) : null,
    floor: floor ?? null,
    diff: cmp?.diff ?? null,
    lo: cmp?.lo ?? null,
    hi: cmp?.hi ?? null,
    p: cmp?.p ?? null,
    verdict: !cmp ? "untested" : cmp.p >= ALPHA ? "not learned" : "learned",
  };
}

/** Every statistic of the report (see the module doc and lib/report/README.md). */
export function sweepStatistics(runs: RunRecord[], o: StatisticsOptions = {}): SweepStatistics {
  const completedRuns = runs.filter((r) => r.status === "completed");
  const metrics = [...new Set(completedRuns.flatMap((r) => Object.keys(r.metrics)))].sort();
  const mainMetric = resolveMainMetric(o.mainMetric, metrics, completedRuns);
  const checks = completedRuns.map((r) => floorCheck(r, mainMetric.column));
  const checkOf = new Map(checks.map((c) => [c.run, c]));

  const variants: VariantStats[] = groupRuns(runs).map((g) => {
    const completed = g.runs.filter((r) => r.status === "completed");
    const stats: Record<string, MetricStat> = {};
    for (const m of metrics.filter(isTabulated)) {
      const s = metricStat(completed, m);
      if (s) stats[m] = s;
    }
    return {
      variant: g.variant,
      name: nameOf(g.runs[0]),
      runs: g.runs,
      completed,
      stats,
      reference: undefined,
      isReference: false,
      notLearned: completed.filter((r) => checkOf.get(r.id)?.verdict === "not learned")
        .map((r) => r.id),
      untested: completed.filter((r) => checkOf.get(r.id)?.verdict === "untested")
        .map((r) => r.id),
    };
  });

  // The reference: compare_to, else the variant named `cyclegan`, else the first variant (plan
  // order) -- within each context (the other axes and the backend).
  const order = o.planOrder ?? [];
  const rank = (v: VariantStats) =>
    Math.min(...v.runs.map((r) => order.indexOf(r.id)).filter((i) => i >= 0));
  const byPlan = (a: VariantStats, b: VariantStats) => {
    const x = rank(a), y = rank(b); // Infinity where unknown: after the known, stable
    return x === y ? 0 : x < y ? -1 : 1;
  };
  const names = variants.filter((v) => v.name !== undefined).sort(byPlan).map((v) => v.name!);
  let compareTo: SweepStatistics["compareTo"];
  if (o.references) {
    const missing = o.references.filter((r) => !names.includes(r));
    compareTo = {
      spec: o.references.join(", "),
      source: "given",
      note: missing.length > 0
        ? `the reference(s) ${missing.map((m) => `"${m}"`).join(", ")} name no variant of ` +
          `these runs`
        : null,
    };
  } else if (o.compareTo) {
    compareTo = {
      spec: o.compareTo,
      source: "sweep.json",
      note: names.includes(o.compareTo)
        ? null
        : `compare_to "${o.compareTo}" names no variant of these runs: no comparisons`,
    };
  } else if (names.length > 0) {
    const spec = names.includes("cyclegan") ? "cyclegan" : names[0];
    compareTo = { spec, source: "default", note: null };
  } else {
    compareTo = { spec: null, source: "default", note: null };
  }
  const contexts = new Map<string, VariantStats[]>();
  for (const v of variants) {
    const k = contextOf(v, names.length > 0);
    contexts.set(k, [...(contexts.get(k) ?? []), v]);
  }
  for (const members of contexts.values()) {
    // With a `variant` axis, the variant of that name among the same other axes and backend;
    // without one (a grid), the first grid point in plan order (sorted where it is unknown).
    const ref = o.references
      ? members.find((v) => v.name !== undefined && o.references!.includes(v.name))
      : names.length > 0
      ? members.find((v) => v.name === compareTo.spec)
      : [...members].sort(byPlan)[0];
    if (!ref) continue;
    ref.isReference = true;
    for (const v of members) if (v !== ref) v.reference = ref.variant;
  }

  const comparisons: Comparison[] = [];
  for (const d of [...new Set(metrics.map((m) => parseMetricName(m).direction))].sort()) {
    comparisons.push(
      ...familyComparisons(variants, {
        metrics: metrics.filter((m) => parseMetricName(m).direction === d),
        family: d,
      }),
    );
  }
  const images = [
    ...new Set(completedRuns.map((r) => r.final.images).filter((x): x is number => x !== null)),
  ].sort((a, b) => a - b);
  const kidSubsets = [
    ...new Set(
      completedRuns.map((r) => r.final.kid).filter((k) => k !== null).map((k) =>
        `${k.subsets} x ${k.subsetSize}`
      ),
    ),
  ].sort();
  return {
    metrics,
    mainMetric,
    compareTo,
    variants,
    floors: {
      identity: floorStats(completedRuns, "identity"),
      untrained: floorStats(completedRuns, "untrained"),
    },
    comparisons,
    floorChecks: checks,
    images,
    kidSubsets,
  };
}
