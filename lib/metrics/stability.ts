/**
 * Is training stable? Claims C3, C4 and C6 (least-squares GAN loss, the image pool and the
 * learning-rate schedule make training stable) made measurable from what every run already
 * records: the `metrics.jsonl` lines of lib/sweep/run.ts (`{"type":"losses","step","lr",
 * "losses":{...}}` and `{"type":"eval","step",...}`), the runs' `status.json`, and final scores
 * across seeds. Pure functions over parsed records; the statistics come from lib/stats.
 *
 * | function                  | what                                                          |
 * |---------------------------|---------------------------------------------------------------|
 * | {@link parseMetricsJsonl} | the lines of a `metrics.jsonl` as records                      |
 * | {@link lossOscillation}   | std of a loss around its moving average, second half of training |
 * | {@link trajectoryRoughness} | mean step-to-step change of a periodic evaluation / its range |
 * | {@link countDivergences}  | how many runs' status says `diverged`                          |
 * | {@link acrossSeedSpread}  | sample std of one score over seeds                             |
 *
 * ```ts
 * import { lossOscillation, parseMetricsJsonl, trajectoryRoughness } from "./stability.ts";
 * const records = parseMetricsJsonl(await Deno.readTextFile("results/x/runs/r/metrics.jsonl"));
 * lossOscillation(records, "D_A").relative; // residual std / mean level of D_A
 * trajectoryRoughness(records, "fid").roughness; // 1/(n-1) for a monotone FID curve
 * ```
 * @module
 */
import { mean, sampleStd, tInterval } from "../stats/mod.ts";

/** A `{"type":"losses"}` line of `metrics.jsonl`. */
export interface LossRecord {
  /** Record kind. */
  type: "losses";
  /** Training iteration. */
  step: number;
  /** Learning rate at that step. */
  lr?: number;
  /** Loss name (`D_A`, `G_A`, `cycle_A`, ...) -> value. */
  losses: Record<string, number>;
}

/** A `{"type":"eval"}` line of `metrics.jsonl`: the step and the metric values. */
export interface EvalRecord {
  /** Record kind. */
  type: "eval";
  /** Training iteration of the evaluation. */
  step: number;
  /** Metric name -> value (numbers; other fields are ignored here). */
  [metric: string]: unknown;
}

/** One line of `metrics.jsonl`; other kinds of lines are kept but ignored by these functions. */
export type MetricsRecord = LossRecord | EvalRecord | { type: string; step?: number };

/**
 * Parses a `metrics.jsonl` text: one JSON object per non-empty line. A line that is not a JSON
 * object is a SyntaxError naming its line number.
 *
 * ```ts
 * import { parseMetricsJsonl } from "./stability.ts";
 * parseMetricsJsonl('{"type":"losses","step":1,"lr":0.0002,"losses":{"D_A":0.3}}\n');
 * ```
 */
export function parseMetricsJsonl(text: string): MetricsRecord[] {
  const out: MetricsRecord[] = [];
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].trim();
    if (line === "") continue;
    let v: unknown;
    try {
      v = JSON.parse(line);
    } catch (e) {
      throw new SyntaxError(`metrics.jsonl line ${i + 1} is not JSON: ${(e as Error).message}`);
    }
    if (typeof v !== "object" || v === null || Array.isArray(v)) {
      throw new SyntaxError(`metrics.jsonl line ${i + 1} is not a JSON object: ${line}`);
    }
    out.push(v as MetricsRecord);
  }
  return out;
}

/** Options of {@link lossOscillation}. */
export interface OscillationOptions {
  /**
   * Width of the centred moving average, in loss lines (default 11; odd, at least 3). Loss
   * lines are `print_freq` steps apart, so the trend removed is anything slower than about
   * `window * print_freq` steps. Near the ends the window is cut to the points there are.
   */
  window?: number;
  /**
   * Where the analysed part starts, as a fraction of the last logged step (default 0.5: the
   * second half of training, after the early transient).
   */
  from?: number;
}

/** What {@link lossOscillation} returns. */
export interface Oscillation {
  /** Sample std of the loss minus its moving average over the analysed points. */
  std: number;
  /** Mean of the loss over the analysed points. */
  level: number;
  /** `std / |level|` (Infinity when the level is 0 and the std is not). */
  relative: number;
  /** Number of loss lines analysed. */
  points: number;
}

/**
 * Oscillation of one loss (`key`: `D_A`, `G_A`, `cycle_A`, ...) over the second half of
 * training: take the loss lines with `step >= from * lastStep`, subtract a centred moving
 * average of `window` points (detrending, so a loss that is still falling is not mistaken for
 * an oscillating one), and report the sample std of the residual, alone and relative to the
 * loss's mean level. A smooth curve gives a small std; a loss that swings (the adversarial
 * game cycling) a large one.
 *
 * RangeError when fewer than 3 loss lines carry `key` in the analysed part, or when one of
 * them is not a finite number (a diverged run is reported by {@link countDivergences}, not
 * averaged).
 *
 * ```ts
 * import { lossOscillation } from "./stability.ts";
 * const records = Array.from({ length: 100 }, (_, i) => ({
 *   type: "losses" as const, step: i * 100, losses: { D_A: 0.25 + 0.1 * Math.sin(i) },
 * }));
 * lossOscillation(records, "D_A", { window: 11 }).std; // about 0.07 (the sine's rms)
 * ```
 */
export function lossOscillation(
  records: readonly MetricsRecord[],
  key: string,
  options: OscillationOptions = {},
): Oscillation {
  const window = options.window ?? 11;
  const from = options.from ?? 0.5;
  if (!Number.isInteger(window) || window < 3 || window % 2 === 0) {
    throw new RangeError(`lossOscillation: window must be an odd integer >= 3, got ${window}`);
  }
  if (!(from >= 0 && from < 1)) {
    throw new RangeError(`lossOscillation: from must be in [0, 1), got ${from}`);
  }
  const lines = records.filter((r): r is LossRecord =>
    r.type === "losses" && typeof (r as LossRecord).losses === "object" &&
    key in (r as LossRecord).losses
  ).sort((a, b) => a.step - b.step);
  const lastStep = lines.length > 0 ? lines[lines.length - 1].step : 0;
  const part = lines.filter((r) => r.step >= from * lastStep);
  if (part.length < 3) {
    throw new RangeError(
      `lossOscillation: ${part.length} loss line(s) carry "${key}" from step ` +
        `${from * lastStep}; at least 3 are needed`,
    );
  }
  const y = part.map((r) => {
    const v = r.losses[key];
    if (typeof v !== "number" || !Number.isFinite(v)) {
      throw new RangeError(`lossOscillation: "${key}" at step ${r.step} is ${v}, not finite`);
    }
    return v;
  });
  const half = (window - 1) / 2;
  const residual = y.map((v, i) => {
    const lo = Math.max(0, i - half), hi = Math.min(y.length - 1, i + half);
    let s = 0;
    for (let j = lo; j <= hi; j++) s += y[j];
    return v - s / (hi - lo + 1);
  });
  const std = sampleStd(residual);
  const level = mean(y);
  const relative = level === 0 ? (std === 0 ? 0 : Infinity) : std / Math.abs(level);
  return { std, level, relative, points: y.length };
}

/** What {@link trajectoryRoughness} returns. */
export interface Roughness {
  /**
   * Mean |v[k+1] - v[k]| over consecutive evaluations, divided by the range max - min of the
   * values: 1/(n-1) for a monotone curve, up to 1 for one that jumps between its extremes
   * every time; 0 for a flat curve.
   */
  roughness: number;
  /** Sum of |v[k+1] - v[k]| / range: 1 for a monotone curve, more the more it zig-zags. */
  totalVariation: number;
  /** Number of evaluations used. */
  n: number;
}

/**
 * Roughness of a periodic evaluation's trajectory (`metric`: `fid`, `kid`, `pixel_accuracy`,
 * ...): the `{"type":"eval"}` records that carry the metric, in step order, give values
 * v[0..n-1]; roughness is the mean absolute change between consecutive evaluations relative to
 * the metric's range over the run. Unitless, so it compares across metrics and runs. Records
 * without the metric are skipped; RangeError when fewer than 2 carry it or one is not a
 * finite number.
 *
 * ```ts
 * import { trajectoryRoughness } from "./stability.ts";
 * const evals = [50, 40, 45, 30].map((fid, i) => ({ type: "eval" as const, step: i, fid }));
 * trajectoryRoughness(evals, "fid"); // mean |change| 10 over range 20: roughness 0.5
 * ```
 */
export function trajectoryRoughness(records: readonly MetricsRecord[], metric: string): Roughness {
  const evals = records.filter((r): r is EvalRecord => r.type === "eval" && metric in r)
    .sort((a, b) => a.step - b.step);
  if (evals.length < 2) {
    throw new RangeError(
      `trajectoryRoughness: ${evals.length} evaluation(s) carry "${metric}"; at least 2 needed`,
    );
  }
  const v = evals.map((r) => {
    const x = r[metric];
    if (typeof x !== "number" || !Number.isFinite(x)) {
      throw new RangeError(`trajectoryRoughness: "${metric}" at step ${r.step} is ${x}`);
    }
    return x;
  });
  let tv = 0;
  for (let k = 1; k < v.length; k++) tv += Math.abs(v[k] - v[k - 1]);
  const range = Math.max(...v) - Math.min(...v);
  if (range === 0) return { roughness: 0, totalVariation: 0, n: v.length };
  return { roughness: tv / (v.length - 1) / range, totalVariation: tv / range, n: v.length };
}

/** What {@link countDivergences} returns. */
export interface Divergences {
  /** Runs whose status is `diverged`. */
  diverged: number;
  /** Runs counted. */
  total: number;
  /** `diverged / total` (NaN for no runs). */
  share: number;
}

/**
 * How many runs diverged, from their `status.json` objects (lib/sweep/run_dir.ts: the trainer
 * stops a run at the first non-finite loss and records `status: "diverged"`).
 *
 * ```ts
 * import { countDivergences } from "./stability.ts";
 * countDivergences([{ status: "completed" }, { status: "diverged" }]); // 1 of 2
 * ```
 */
export function countDivergences(statuses: readonly { status: string }[]): Divergences {
  const diverged = statuses.filter((s) => s.status === "diverged").length;
  const total = statuses.length;
  return { diverged, total, share: total === 0 ? NaN : diverged / total };
}

/** What {@link acrossSeedSpread} returns. */
export interface SeedSpread {
  /** Number of seeds. */
  n: number;
  /** Mean over seeds. */
  mean: number;
  /** Sample std over seeds (n - 1 denominator; 0 for one seed). */
  std: number;
  /** `std / |mean|`, the coefficient of variation (Infinity when the mean is 0, std not). */
  relative: number;
}

/**
 * Spread of one final score over seeds (same variant, different `train_seed`): the sample
 * standard deviation of lib/stats, with the mean and their ratio. RangeError for no values or a
 * non-finite one (lib/stats' convention: a diverged run is reported, not averaged).
 *
 * ```ts
 * import { acrossSeedSpread } from "./stability.ts";
 * acrossSeedSpread([1, 2, 3, 4]).std; // sqrt(5/3) = 1.2909944487358056
 * ```
 */
export function acrossSeedSpread(values: readonly number[]): SeedSpread {
  if (values.length === 0) throw new RangeError("acrossSeedSpread: no values");
  const t = tInterval(values); // validates: RangeError naming a non-finite value
  const relative = t.mean === 0 ? (t.std === 0 ? 0 : Infinity) : t.std / Math.abs(t.mean);
  return { n: t.n, mean: t.mean, std: t.std, relative };
}
