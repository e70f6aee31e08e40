/**
 * Feature matrices (one row of `cols` features per image) and their checks: the input every
 * distribution metric (FID, KID) takes, whether it comes from an extractor or a `.npy` file.
 *
 * ```ts
 * import { checkFeatures, featureMatrix } from "./features.ts";
 * const f = featureMatrix(new Float32Array([1, 2, 3, 4, 5, 6]), 3, 2); // 3 images, 2 features
 * checkFeatures(f, "set A");  // throws a MetricError on NaN/Inf or fewer than 2 rows
 * ```
 * @module
 */
import { UserError } from "../cli/_errors.ts";

/** Input a metric cannot be computed from (too few samples, NaN, mismatched dimensions). */
export class MetricError extends UserError {
  /**
   * A metric input error (exit code 1 in the CLIs).
   * @param message What could not be computed, the offending value, what was expected.
   */
  constructor(message: string) {
    super(message);
    this.name = "MetricError";
  }
}

/** `rows` x `cols` features, row-major. */
export interface FeatureMatrix {
  /** Number of samples (images). */
  readonly rows: number;
  /** Feature dimension. */
  readonly cols: number;
  /** `rows * cols` values, `data[r * cols + c]`. */
  readonly data: Float32Array | Float64Array;
}

/** Wraps a row-major array as a {@link FeatureMatrix}, checking its length. */
export function featureMatrix(
  data: Float32Array | Float64Array,
  rows: number,
  cols: number,
): FeatureMatrix {
  if (!Number.isInteger(rows) || !Number.isInteger(cols) || rows < 0 || cols < 1) {
    throw new RangeError(`featureMatrix: bad shape ${rows} x ${cols}`);
  }
  if (data.length !== rows * cols) {
    throw new RangeError(
      `featureMatrix: ${data.length} values do not make a ${rows} x ${cols} matrix`,
    );
  }
  return { rows, cols, data };
}

/**
 * Throws a {@link MetricError} naming `what` unless `f` has at least `minRows` rows (default
 * 2: a covariance needs two samples) and only finite values.
 */
export function checkFeatures(f: FeatureMatrix, what: string, minRows = 2): void {
  if (f.rows < minRows) {
    throw new MetricError(
      `${what} has ${f.rows} sample${f.rows === 1 ? "" : "s"}; at least ${minRows} are needed`,
    );
  }
  const d = f.data;
  for (let i = 0; i < d.length; i++) {
    if (!Number.isFinite(d[i])) {
      const r = Math.floor(i / f.cols), c = i % f.cols;
      throw new MetricError(`${what} has a non-finite feature (${d[i]}) at sample ${r}, dim ${c}`);
    }
  }
}

/** Throws a {@link MetricError} unless `a` and `b` have the same feature dimension. */
export function checkSameDims(a: FeatureMatrix, b: FeatureMatrix, names = ["A", "B"]): void {
  if (a.cols !== b.cols) {
    throw new MetricError(
      `feature dimensions differ: ${names[0]} has ${a.cols}, ${names[1]} has ${b.cols}`,
    );
  }
}
