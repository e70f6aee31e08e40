/**
 * A differentiable rearrangement of a filter's taps, done with JS copies on the CPU backends.
 *
 * The convolution input gradient needs the filter flipped, split by stride phase and with its
 * channel axes swapped. tfjs's `reverse`, `stridedSlice` and `gather` do that one element at a
 * time on wasm and are slow there (backend-prototype.md section 4), so on `cpu` and `wasm` we
 * read the filter with `dataSync` and copy it in JS; on other backends (where `dataSync` may be
 * unavailable and `gather` is fast) we use `tf.gather` and `tf.transpose`. The result is wrapped
 * in `tf.customGrad` whose gradient is the inverse rearrangement, itself built by this function,
 * so that gradients of any order flow back to the filter (a WGAN-GP penalty differentiates
 * through dx).
 * @module
 */
import { tf } from "../../tf.ts";

/** Backends whose tensors can be read synchronously and cheaply with `dataSync`. */
const JS_COPY_BACKENDS: ReadonlySet<string> = new Set(["cpu", "wasm"]);

/** Whether the active backend is one where our JS-copy kernels are used. */
export function isJsCopyBackend(): boolean {
  return JS_COPY_BACKENDS.has(tf.getBackend());
}

/**
 * Views `x` as `order.length` blocks of [rows, cols] (a filter [kh, kw, Cin, Cout] is kh*kw
 * blocks of [Cin, Cout]) and returns the 1-D tensor whose block t is block `order[t]`
 * transposed to [cols, rows]. `order` must be a permutation of 0..order.length-1.
 */
export function permuteBlocks(
  x: tf.Tensor,
  order: readonly number[],
  [rows, cols]: [number, number],
): tf.Tensor1D {
  const inverse = new Array<number>(order.length).fill(-1);
  order.forEach((from, to) => (inverse[from] = to));
  if (x.size !== order.length * rows * cols || inverse.includes(-1)) {
    throw new Error(
      `Cannot rearrange a tensor of ${x.size} values as blocks [${order}] of ${rows}x${cols}: ` +
        "expected a permutation of all the blocks",
    );
  }
  const inShape = x.shape.slice();
  const op = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => ({
    value: copyBlocks(args[0] as tf.Tensor, order, rows, cols),
    gradFunc: (dy: tf.Tensor1D) => tf.reshape(permuteBlocks(dy, inverse, [cols, rows]), inShape),
  }));
  return op(x);
}

function copyBlocks(
  t: tf.Tensor,
  order: readonly number[],
  rows: number,
  cols: number,
): tf.Tensor1D {
  if (!isJsCopyBackend()) {
    return tf.tidy(() => {
      const blocks = tf.reshape(t, [order.length, rows, cols]);
      const picked = tf.gather(blocks, tf.tensor1d(Array.from(order), "int32"));
      return tf.reshape(tf.transpose(picked, [0, 2, 1]), [-1]) as tf.Tensor1D;
    });
  }
  const src = t.dataSync() as Float32Array;
  const out = new Float32Array(src.length);
  const size = rows * cols;
  for (let b = 0; b < order.length; b++) {
    const from = order[b] * size;
    const to = b * size;
    // Read each source row in order; write it as a column of the transposed block.
    for (let r = 0; r < rows; r++) {
      const row = from + r * cols;
      for (let c = 0; c < cols; c++) out[to + c * rows + r] = src[row + c];
    }
  }
  return tf.tensor1d(out, "float32");
}
