/**
 * Private helpers shared by the summary and the paired test: argument checks with the messages
 * the style guide asks for (what could not be done, the value, what was expected) and the t
 * interval of a mean.
 * @module
 */
import { studentTQuantile } from "./t.ts";
import type { Interval } from "./summary.ts";

/** Throws a RangeError unless 0 < level < 1; `what` names the computation in the message. */
export function checkLevel(level: number, what: string): void {
  if (!(level > 0 && level < 1)) {
    throw new RangeError(`cannot compute ${what}: level is ${level}, expected 0 < level < 1`);
  }
}

/** Throws a RangeError naming the first non-finite entry of `xs` (called `name`). */
export function checkFinite(xs: readonly number[], name: string, what: string): void {
  const i = xs.findIndex((x) => !Number.isFinite(x));
  if (i >= 0) {
    throw new RangeError(
      `cannot compute ${what}: ${name}[${i}] is ${xs[i]}, expected finite numbers`,
    );
  }
}

/**
 * The interval m +- t_{(1+level)/2, n-1} std / sqrt(n), for n >= 2. The quantile is taken as
 * -t_{(1-level)/2} so that levels near 1 keep their precision.
 */
export function meanInterval(m: number, std: number, n: number, level: number): Interval {
  const half = (-studentTQuantile((1 - level) / 2, n - 1) * std) / Math.sqrt(n);
  return { lo: m - half, hi: m + half, level };
}
