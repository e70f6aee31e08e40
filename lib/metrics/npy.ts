/**
 * NumPy `.npy` files of feature matrices (format versions 1.0 to 3.0): float32 or float64,
 * little- or big-endian, C or Fortran order, shape N x D. This is how features travel between
 * cyclebench and other FID tools (`np.save("feats.npy", feats)`).
 *
 * ```ts
 * import { decodeNpy, encodeNpy } from "./npy.ts";
 * import { featureMatrix } from "./features.ts";
 * const bytes = encodeNpy(featureMatrix(Float32Array.of(1, 2, 3, 4), 2, 2));
 * decodeNpy(bytes, "feats.npy"); // { rows: 2, cols: 2, data: Float32Array [1, 2, 3, 4] }
 * ```
 * @module
 */
import { type FeatureMatrix, featureMatrix, MetricError } from "./features.ts";

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // "\x93NUMPY"

/** The element types read and written: NumPy `descr` strings. */
export type NpyDtype = "<f4" | ">f4" | "<f8" | ">f8";

/**
 * Parses `.npy` bytes into a feature matrix (Float32Array for `f4`, Float64Array for `f8`, in
 * the machine's byte order). `name` is used in error messages. Throws a {@link MetricError}
 * for anything else: not an `.npy`, another dtype, not 2-D, truncated.
 */
export function decodeNpy(bytes: Uint8Array, name: string): FeatureMatrix {
  const bad = (why: string) => new MetricError(`cannot read "${name}" as a .npy matrix: ${why}`);
  if (bytes.length < 10 || MAGIC.some((b, i) => bytes[i] !== b)) {
    throw bad("no NumPy magic string (\\x93NUMPY) at the start");
  }
  const major = bytes[6];
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let headerLen: number, start: number;
  if (major === 1) {
    headerLen = view.getUint16(8, true);
    start = 10;
  } else if (major === 2 || major === 3) {
    if (bytes.length < 12) throw bad("truncated header");
    headerLen = view.getUint32(8, true);
    start = 12;
  } else {
    throw bad(`unknown format version ${major}.${bytes[7]}`);
  }
  if (start + headerLen > bytes.length) throw bad("truncated header");
  const header = new TextDecoder(major === 3 ? "utf-8" : "latin1").decode(
    bytes.subarray(start, start + headerLen),
  );
  const descr = /'descr'\s*:\s*'([^']*)'/.exec(header)?.[1];
  const fortran = /'fortran_order'\s*:\s*(True|False)/.exec(header)?.[1];
  const shapeText = /'shape'\s*:\s*\(([^)]*)\)/.exec(header)?.[1];
  if (descr === undefined || fortran === undefined || shapeText === undefined) {
    throw bad(`unparsable header ${JSON.stringify(header.trim())}`);
  }
  const m = /^([<>=|]?)f([48])$/.exec(descr);
  if (!m) throw bad(`dtype '${descr}' is not float32 or float64 (<f4, >f4, <f8, >f8)`);
  const little = m[1] !== ">"; // '<', '=' (native: all our platforms are little-endian), ''
  const size = Number(m[2]);
  const shape = shapeText.split(",").map((s) => s.trim()).filter((s) => s !== "").map(Number);
  if (shape.length !== 2 || !shape.every((s) => Number.isInteger(s) && s >= 0)) {
    throw bad(`shape (${shapeText.trim()}) is not N x D`);
  }
  const [rows, cols] = shape;
  if (cols < 1) throw bad(`shape (${rows}, ${cols}) has no features`);
  const dataStart = start + headerLen;
  const count = rows * cols;
  if (bytes.length - dataStart < count * size) {
    throw bad(
      `${bytes.length - dataStart} data bytes, expected ${count * size} for ` +
        `shape (${rows}, ${cols}) of '${descr}'`,
    );
  }
  const data = size === 4 ? new Float32Array(count) : new Float64Array(count);
  const fortranOrder = fortran === "True";
  for (let i = 0; i < count; i++) {
    const at = dataStart + i * size;
    const v = size === 4 ? view.getFloat32(at, little) : view.getFloat64(at, little);
    // Fortran order stores column by column: element i is (i % rows, i / rows).
    const dst = fortranOrder ? (i % rows) * cols + Math.floor(i / rows) : i;
    data[dst] = v;
  }
  return featureMatrix(data, rows, cols);
}

/** Options of {@link encodeNpy}. */
export interface EncodeNpyOptions {
  /** Element type and byte order (default: `<f4` for Float32Array data, `<f8` for Float64Array). */
  dtype?: NpyDtype;
}

/**
 * A version 1.0 `.npy` file of `f` (C order). The header is padded to a multiple of 64 bytes,
 * as NumPy writes it.
 */
export function encodeNpy(f: FeatureMatrix, options: EncodeNpyOptions = {}): Uint8Array {
  const dtype = options.dtype ?? (f.data instanceof Float32Array ? "<f4" : "<f8");
  const size = dtype.endsWith("4") ? 4 : 8, little = dtype.startsWith("<");
  let header = `{'descr': '${dtype}', 'fortran_order': False, 'shape': (${f.rows}, ${f.cols}), }`;
  const total = Math.ceil((10 + header.length + 1) / 64) * 64;
  header = header.padEnd(total - 10 - 1, " ") + "\n";
  const out = new Uint8Array(total + f.rows * f.cols * size);
  out.set(MAGIC, 0);
  out[6] = 1;
  out[7] = 0;
  const view = new DataView(out.buffer);
  view.setUint16(8, header.length, true);
  out.set(new TextEncoder().encode(header), 10);
  for (let i = 0; i < f.data.length; i++) {
    if (size === 4) view.setFloat32(total + 4 * i, f.data[i], little);
    else view.setFloat64(total + 8 * i, f.data[i], little);
  }
  return out;
}

/** Reads an `.npy` file (see {@link decodeNpy}); an unreadable file is a {@link MetricError}. */
export async function readNpy(path: string): Promise<FeatureMatrix> {
  let bytes: Uint8Array;
  try {
    bytes = await Deno.readFile(path);
  } catch (e) {
    throw new MetricError(`cannot read "${path}": ${(e as Error).message}`);
  }
  return decodeNpy(bytes, path);
}
