/**
 * Weight initialisation as the official `init_weights` (`models/networks.py`): conv and
 * transposed-conv weights by `normal` N(0, gain) (the paper's N(0, 0.02), appendix 7.1),
 * `xavier` (xavier_normal), `kaiming` (kaiming_normal, a=0, mode fan_in) or `orthogonal`;
 * conv biases 0; BatchNorm weight N(1, gain) and bias 0 whatever the init type.
 *
 * Everything here works on PyTorch's weight layout ([out, in, kh, kw] for Conv2d, [in, out, kh,
 * kw] for ConvTranspose2d), because PyTorch's fan-in/fan-out and orthogonal flattening are
 * defined on it; {@link torchToTfjs} then moves the numbers to the layout tfjs convolves with.
 *
 * ```ts
 * import { Rng } from "./rng.ts";
 * import { initConvWeight, torchToTfjs } from "./init.ts";
 * const torchShape = [64, 3, 7, 7];
 * const w = initConvWeight(torchShape, { type: "normal", gain: 0.02, rng: new Rng(0) });
 * const forTfjs = torchToTfjs(w, torchShape); // [7, 7, 3, 64]
 * ```
 * @module
 */
import type { Rng } from "./rng.ts";

/** `--init_type` values, as the official option. */
export const INIT_TYPES = ["normal", "xavier", "kaiming", "orthogonal"] as const;

/** One of {@link INIT_TYPES}. */
export type InitType = typeof INIT_TYPES[number];

/** How to draw conv weights: the scheme, its gain (`--init_gain`) and the stream to draw from. */
export interface InitSpec {
  /** The scheme. */
  type: InitType;
  /** Scale for normal (the std), xavier and orthogonal; kaiming ignores it, as PyTorch does. */
  gain: number;
  /** Source of every draw. */
  rng: Rng;
}

/**
 * Fan-in and fan-out of a weight in PyTorch layout, as `torch.nn.init._calculate_fan_in_and_fan_out`:
 * dimension 1 times the receptive field is fan-in, dimension 0 times it is fan-out. For a
 * ConvTranspose2d weight [in, out, kh, kw] that makes fan-in = out*kh*kw, which is what PyTorch
 * computes, so xavier and kaiming scales match PyTorch's numbers.
 */
export function fans(torchShape: readonly number[]): { fanIn: number; fanOut: number } {
  if (torchShape.length < 2) {
    throw new RangeError(
      `fans(): need a weight of rank >= 2, got shape [${torchShape.join(", ")}]`,
    );
  }
  const receptive = torchShape.slice(2).reduce((a, b) => a * b, 1);
  return { fanIn: torchShape[1] * receptive, fanOut: torchShape[0] * receptive };
}

/**
 * The standard deviation `normal`, `xavier` and `kaiming` draw with:
 * normal: gain; xavier_normal: gain * sqrt(2 / (fan_in + fan_out)); kaiming_normal with a=0,
 * mode fan_in, PyTorch's default leaky_relu nonlinearity: sqrt(2 / (1 + a^2)) / sqrt(fan_in).
 */
export function initStd(
  type: Exclude<InitType, "orthogonal">,
  torchShape: readonly number[],
  gain: number,
): number {
  if (type === "normal") return gain;
  const { fanIn, fanOut } = fans(torchShape);
  if (type === "xavier") return gain * Math.sqrt(2 / (fanIn + fanOut));
  return Math.sqrt(2) / Math.sqrt(fanIn);
}

/**
 * Draws one conv or transposed-conv weight in PyTorch layout (row-major over `torchShape`).
 */
export function initConvWeight(torchShape: readonly number[], spec: InitSpec): Float32Array {
  const n = torchShape.reduce((a, b) => a * b, 1);
  if (spec.type === "orthogonal") {
    const rows = torchShape[0];
    return orthogonal(rows, n / rows, spec);
  }
  return spec.rng.fillNormal(n, 0, initStd(spec.type, torchShape, spec.gain));
}

/**
 * A `rows x cols` matrix (row-major) with orthonormal rows (rows <= cols) or orthonormal columns
 * (rows > cols), times `gain`, as `torch.nn.init.orthogonal_`: draw a N(0, 1) matrix, transpose
 * it if it is wide, take Q of its QR decomposition with R's diagonal made positive, transpose
 * back. With a positive diagonal the QR is unique, and Gram-Schmidt yields exactly that Q, so no
 * sign fix is needed. Modified Gram-Schmidt in float64 loses orthogonality only in proportion to
 * eps64 * cond(A), far below float32 resolution for Gaussian matrices.
 */
export function orthogonal(
  rows: number,
  cols: number,
  spec: { gain: number; rng: Rng },
): Float32Array {
  const flat = spec.rng.fillNormal(rows * cols);
  const wide = rows < cols;
  // Work on the tall m x n matrix A (m >= n), stored column by column for contiguous loops.
  const m = wide ? cols : rows;
  const n = wide ? rows : cols;
  const a = new Float64Array(m * n);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      // Column j of A, element i: A = flat (tall) or flat^T (wide).
      const [i, j] = wide ? [c, r] : [r, c];
      a[j * m + i] = flat[r * cols + c];
    }
  }
  for (let j = 0; j < n; j++) {
    const qj = a.subarray(j * m, (j + 1) * m);
    for (let k = 0; k < j; k++) {
      const qk = a.subarray(k * m, (k + 1) * m);
      let dot = 0;
      for (let i = 0; i < m; i++) dot += qk[i] * qj[i];
      for (let i = 0; i < m; i++) qj[i] -= dot * qk[i];
    }
    let norm = 0;
    for (let i = 0; i < m; i++) norm += qj[i] * qj[i];
    norm = Math.sqrt(norm);
    if (!(norm > 0)) {
      throw new RangeError(`orthogonal(): draw ${rows}x${cols} was rank-deficient; reseed`);
    }
    for (let i = 0; i < m; i++) qj[i] /= norm;
  }
  const out = new Float32Array(rows * cols);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      const [i, j] = wide ? [c, r] : [r, c];
      out[r * cols + c] = spec.gain * a[j * m + i];
    }
  }
  return out;
}

/**
 * Moves a 4-D weight from PyTorch layout to the one tfjs convolves with: axes [0, 1, 2, 3] ->
 * [2, 3, 1, 0]. Conv2d [out, in, kh, kw] becomes tfjs conv2d's [kh, kw, in, out];
 * ConvTranspose2d [in, out, kh, kw] becomes tfjs conv2dTranspose's [kh, kw, out, in].
 * A future importer of official `.pth` weights applies the same permutation.
 */
export function torchToTfjs(data: Float32Array, torchShape: readonly number[]): Float32Array {
  if (torchShape.length !== 4) return data.slice();
  const [a, b, h, w] = torchShape;
  const out = new Float32Array(data.length);
  let src = 0;
  for (let i = 0; i < a; i++) {
    for (let j = 0; j < b; j++) {
      for (let y = 0; y < h; y++) {
        for (let x = 0; x < w; x++) {
          out[((y * w + x) * b + j) * a + i] = data[src++];
        }
      }
    }
  }
  return out;
}

/** The tfjs shape of a PyTorch-layout 4-D weight (see {@link torchToTfjs}). */
export function tfjsShape(torchShape: readonly number[]): number[] {
  if (torchShape.length !== 4) return [...torchShape];
  const [a, b, h, w] = torchShape;
  return [h, w, b, a];
}
