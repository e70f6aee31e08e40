/**
 * Timing of data loading for the benchmark: how long the trainer waits for one (A, B) image
 * pair, to compare with the time of a training iteration (the bound: under 5% of an
 * iteration at 64x64).
 *
 * ```ts
 * import { benchLoading } from "./bench.ts";
 * import { openDataset } from "./mod.ts";
 * const ds = await openDataset("scenes", { size: 64, train_count: 200 });
 * const cold = benchLoading(ds.train, { pairs: 200, cold: true }); // includes generation
 * const warm = benchLoading(ds.train, { pairs: 200 });             // ms per pair, cached
 * ```
 * @module
 */
import { tf } from "../tf.ts";
import { Rng } from "../nn/rng.ts";
import type { UnalignedSource } from "./_common.ts";

/** Options of {@link benchLoading}. */
export interface BenchLoadingOptions {
  /** Pairs to time (default 64). */
  pairs?: number;
  /** Seed of the B picks, crops and flips (default 0). */
  seed?: number;
  /**
   * Time the first pass (decoding or generating what is not cached yet) instead of the
   * steady state (default false: one untimed pass over the same pairs first).
   */
  cold?: boolean;
}

/**
 * Milliseconds per (A, B) pair for the trainer's unaligned access pattern: A by index, B at
 * random, each loaded (crop, flip, scaling, tensor creation) and disposed.
 */
export function benchLoading(source: UnalignedSource, options: BenchLoadingOptions = {}): number {
  const pairs = options.pairs ?? 64;
  if (!Number.isInteger(pairs) || pairs < 1) {
    throw new RangeError(`benchLoading: pairs must be a positive integer, got ${pairs}`);
  }
  const pass = () => {
    const rng = new Rng(options.seed ?? 0);
    for (let i = 0; i < pairs; i++) {
      const iB = rng.int(source.sizeB); // drawn first, as the trainer's batchAt does
      const a = source.load("A", i % source.sizeA, rng);
      const b = source.load("B", iB, rng);
      tf.dispose([a, b]);
    }
  };
  if (!options.cold) pass();
  const t0 = performance.now();
  pass();
  return (performance.now() - t0) / pairs;
}
