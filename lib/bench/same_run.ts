/**
 * The same-run ratio to PyTorch (issue 16): the official PyTorch code and ours timed in one
 * invocation, one configuration at a time, iterations alternating PyTorch, ours, PyTorch,
 * ours ... so that whatever else the shared machine does drifts onto both sides alike; the
 * ratio is our median over PyTorch's median, given with both spreads and the load average.
 * A PyTorch time stored in a file (perf-anchor.md, `reference-pytorch-*.json`) is history: the
 * same machine gave 12.3 s one day and 8.8 s another at 256px, so dividing by it can print
 * "0.80x" where the same-run ratio is 1.1x. Nothing here reads a stored time.
 *
 * ```ts
 * import { alternate, sameRunRatio } from "./same_run.ts";
 * const times = await alternate(5, {
 *   pytorch: () => Promise.resolve(1.0),
 *   ours: () => Promise.resolve(0.8),
 * });
 * sameRunRatio(times).ratio; // 0.8
 * ```
 * @module
 */
import { quantileSorted } from "../stats/bootstrap.ts";

/** Who runs an iteration. */
export type Side = "pytorch" | "ours";

/** Fewer timed iterations per side than this give a ratio marked as not quotable. */
export const MIN_QUOTABLE_ROUNDS = 5;

/** How the same-run ratio is made, in words (recorded in the bench JSON with every ratio). */
export const SAME_RUN_METHOD = "same-run: the official PyTorch code (lib/bench/pytorch_anchor.py " +
  "--serve, a child process) and ours in one invocation, one config at a time; warm-up " +
  "iterations, then timed iterations alternating PyTorch, ours, PyTorch, ours ...; ratio = " +
  "median of ours / median of PyTorch's";

/**
 * The order in which `rounds` rounds run: PyTorch first in each round, then ours, so that a
 * change in the machine's load between rounds falls on both sides.
 *
 * ```ts
 * alternationOrder(2); // ["pytorch", "ours", "pytorch", "ours"]
 * ```
 */
export function alternationOrder(rounds: number, sides: readonly Side[] = SIDES): Side[] {
  if (!Number.isInteger(rounds) || rounds < 0) {
    throw new RangeError(`alternationOrder: rounds must be a whole number, got ${rounds}`);
  }
  return Array.from({ length: rounds }, () => sides).flat();
}

const SIDES: readonly Side[] = ["pytorch", "ours"];

/** One side's timer: runs one iteration and resolves to its time (any unit, the same for both). */
export type IterationTimer = () => Promise<number>;

/** What {@link alternate} measured. */
export interface Alternation {
  /** Timed iterations per side, in the order they ran. */
  times: Partial<Record<Side, number[]>>;
  /** Warm-up iterations per side (not in the statistics). */
  warmup: Partial<Record<Side, number[]>>;
  /** Every iteration in the order it ran, warm-ups first. */
  order: { side: Side; warmup: boolean }[];
}

/** Options of {@link alternate}. */
export interface AlternateOptions {
  /** Warm-up iterations per side before the timed ones, alternating too (default 2). */
  warmup?: number;
  /**
   * Awaited between two iterations of different sides (the bench waits a quarter of a second
   * for the other side's spinning worker threads to go to sleep); default: nothing.
   */
  settle?: () => Promise<void>;
}

/**
 * Runs `warmup` then `rounds` alternating iterations of the sides given (PyTorch first; a side
 * left out is skipped, so ours alone runs the same schedule) and returns their times.
 */
export async function alternate(
  rounds: number,
  timers: Partial<Record<Side, IterationTimer>>,
  options: AlternateOptions = {},
): Promise<Alternation> {
  const sides = SIDES.filter((s) => timers[s] !== undefined);
  if (sides.length === 0) throw new RangeError("alternate: no timer given");
  const out: Alternation = { times: {}, warmup: {}, order: [] };
  for (const s of sides) {
    out.times[s] = [];
    out.warmup[s] = [];
  }
  const schedule = [
    ...alternationOrder(options.warmup ?? 2, sides).map((side) => ({ side, warmup: true })),
    ...alternationOrder(rounds, sides).map((side) => ({ side, warmup: false })),
  ];
  let last: Side | undefined;
  for (const { side, warmup } of schedule) {
    if (last !== undefined && last !== side) await options.settle?.();
    const t = await timers[side]!();
    (warmup ? out.warmup : out.times)[side]!.push(t);
    out.order.push({ side, warmup });
    last = side;
  }
  return out;
}

/** The median and spread of one side's timed iterations. */
export interface Spread {
  /** Timed iterations. */
  n: number;
  median: number;
  min: number;
  max: number;
  /** (max - min) / median: how far apart the fastest and the slowest iteration were. */
  relativeSpread: number;
  /** Every timed iteration, in the order it ran. */
  times: number[];
}

/**
 * Median (the mean of the two middle values for an even count), min, max and relative spread.
 *
 * ```ts
 * spread([3, 1, 2, 10]); // { n: 4, median: 2.5, min: 1, max: 10, relativeSpread: 3.6, ... }
 * ```
 */
export function spread(times: readonly number[]): Spread {
  if (times.length === 0) throw new RangeError("spread: no times");
  for (const t of times) {
    if (!Number.isFinite(t) || t < 0) throw new RangeError(`spread: time ${t} is not a duration`);
  }
  const sorted = [...times].sort((a, b) => a - b);
  const median = quantileSorted(sorted, 0.5);
  const min = sorted[0], max = sorted[sorted.length - 1];
  return {
    n: times.length,
    median,
    min,
    max,
    relativeSpread: median > 0 ? (max - min) / median : 0,
    times: [...times],
  };
}

/** Ours against PyTorch's, both timed in this run. */
export interface SameRunRatio {
  /** Our median / PyTorch's median (< 1: faster than PyTorch). */
  ratio: number;
  ours: Spread;
  pytorch: Spread;
  /** Whether each side had at least {@link MIN_QUOTABLE_ROUNDS} timed iterations. */
  quotable: boolean;
}

/** The ratio of medians of an {@link Alternation} with both sides. */
export function sameRunRatio(times: Alternation["times"]): SameRunRatio {
  if (!times.pytorch?.length || !times.ours?.length) {
    throw new RangeError("sameRunRatio: both PyTorch and our times are needed");
  }
  const ours = spread(times.ours);
  const pytorch = spread(times.pytorch);
  return {
    ratio: ours.median / pytorch.median,
    ours,
    pytorch,
    quotable: ours.n >= MIN_QUOTABLE_ROUNDS && pytorch.n >= MIN_QUOTABLE_ROUNDS,
  };
}

/**
 * One line for the bench's output: the ratio, both medians with their ranges, the load.
 *
 * ```ts
 * ratioLine(r, { before: 1.2, after: 1.4 });
 * // "x0.80 PyTorch same-run (ours 0.800 s [0.790-0.820], PyTorch 1.000 s [0.980-1.050],
 * //  5 each, load 1.20 -> 1.40)"
 * ```
 */
export function ratioLine(r: SameRunRatio, load: { before: number; after: number }): string {
  const side = (s: Spread) => `${s.median.toFixed(3)} s [${s.min.toFixed(3)}-${s.max.toFixed(3)}]`;
  const n = r.ours.n === r.pytorch.n ? `${r.ours.n} each` : `${r.ours.n} / ${r.pytorch.n}`;
  return `x${r.ratio.toFixed(2)} PyTorch same-run (ours ${side(r.ours)}, PyTorch ${
    side(r.pytorch)
  }, ${n}, load ${load.before.toFixed(2)} -> ${load.after.toFixed(2)})` +
    (r.quotable ? "" : ` [under ${MIN_QUOTABLE_ROUNDS} each: a smoke test, not a ratio to quote]`);
}

/**
 * What the bench says when PyTorch cannot be timed in this run: no ratio, and why; a stored
 * PyTorch time is named as history (its date and machine), never divided by.
 */
export function noRatioMessage(why: string, history?: string): string {
  return `no ratio to PyTorch can be given: PyTorch is not importable here (${why}), and a ratio ` +
    "is only measured in the same run (apt-get install python3-torch libopenblas0-pthread, or " +
    "--python PATH; --pytorch makes this an error)" +
    (history ? `. Stored PyTorch timings, history only: ${history}` : "");
}
