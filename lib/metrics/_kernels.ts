/**
 * The inner loops of `linalg.ts` and the memory they run in.
 *
 * A {@link Workspace} hands out `Float64Array`s and the {@link Kernels} that work on them: the
 * WebAssembly SIMD build (`_wasm.ts`) over one `WebAssembly.Memory` sized for the whole
 * computation, or the plain TypeScript loops below, which are the specification (the tests run
 * both and compare). Kernels take (array, start index) pairs, many of them, because they are
 * the innermost loops of O(n^3) algorithms; they are private to this folder.
 * @module
 */
import { instantiate, wasmModule } from "./_wasm.ts";

/** Dot products and vector updates over contiguous runs of `Float64Array`s. */
export interface Kernels {
  /** `sum_k a[ia + k] * b[ib + k]`, k < len. */
  dot(a: Float64Array, ia: number, b: Float64Array, ib: number, len: number): number;
  /** `out[io + r] = dot(a from ia + r * lda, x from ix, len)` for r < rows. */
  dots(
    a: Float64Array,
    ia: number,
    lda: number,
    rows: number,
    x: Float64Array,
    ix: number,
    len: number,
    out: Float64Array,
    io: number,
  ): void;
  /** `C = A B^T`: `c[ic + i * ldc + j] = dot(a from ia + i * lda, b from ib + j * ldb, len)`. */
  gemmNT(
    a: Float64Array,
    ia: number,
    lda: number,
    m: number,
    b: Float64Array,
    ib: number,
    ldb: number,
    n: number,
    len: number,
    c: Float64Array,
    ic: number,
    ldc: number,
  ): void;
  /**
   * For k < len: `y = a[k] + alpha x[k] + beta z[k]`, `a[k] = y`, `p[k] += gamma y`; returns
   * `sum_k y v[k]` (one row of the tridiagonal reduction: a delayed rank-2 update fused with
   * the next symmetric matrix-vector product).
   */
  updSymv(
    a: Float64Array,
    ia: number,
    x: Float64Array,
    ix: number,
    alpha: number,
    z: Float64Array,
    iz: number,
    beta: number,
    v: Float64Array,
    iv: number,
    p: Float64Array,
    ip: number,
    gamma: number,
    len: number,
  ): number;
  /**
   * One pass of the tridiagonal reduction over rows j < i of the packed lower triangle `a`
   * (row j at j (j + 1) / 2): row j gets the delayed update `-vp[j] w - w[j] vp` (over its
   * j + 1 entries, diagonal included), then adds its part of the product with `v` to `p`:
   * `dot(row[0..j], v[0..j])` to `p[j]` and `v[j] row[0..j)` to `p[0..j)`.
   */
  symvPass(
    a: Float64Array,
    v: Float64Array,
    iv: number,
    w: Float64Array,
    vp: Float64Array,
    ivp: number,
    p: Float64Array,
    i: number,
  ): void;
  /** `y[iy + k] += alpha * x[ix + k]`, k < len. */
  axpy(y: Float64Array, iy: number, alpha: number, x: Float64Array, ix: number, len: number): void;
}

function updSymv(
  a: Float64Array,
  ia: number,
  x: Float64Array,
  ix: number,
  alpha: number,
  z: Float64Array,
  iz: number,
  beta: number,
  v: Float64Array,
  iv: number,
  p: Float64Array,
  ip: number,
  gamma: number,
  len: number,
): number {
  let s0 = 0, s1 = 0;
  let k = 0;
  for (; k + 1 < len; k += 2) {
    const y0 = a[ia + k] + alpha * x[ix + k] + beta * z[iz + k];
    const y1 = a[ia + k + 1] + alpha * x[ix + k + 1] + beta * z[iz + k + 1];
    a[ia + k] = y0;
    a[ia + k + 1] = y1;
    s0 += y0 * v[iv + k];
    s1 += y1 * v[iv + k + 1];
    p[ip + k] += gamma * y0;
    p[ip + k + 1] += gamma * y1;
  }
  if (k < len) {
    const y = a[ia + k] + alpha * x[ix + k] + beta * z[iz + k];
    a[ia + k] = y;
    s0 += y * v[iv + k];
    p[ip + k] += gamma * y;
  }
  return s0 + s1;
}

function dot(a: Float64Array, ia: number, b: Float64Array, ib: number, len: number): number {
  // Four independent sums keep the floating-point adder busy (one chain waits on latency).
  let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
  let k = 0;
  for (; k + 3 < len; k += 4) {
    s0 += a[ia + k] * b[ib + k];
    s1 += a[ia + k + 1] * b[ib + k + 1];
    s2 += a[ia + k + 2] * b[ib + k + 2];
    s3 += a[ia + k + 3] * b[ib + k + 3];
  }
  for (; k < len; k++) s0 += a[ia + k] * b[ib + k];
  return (s0 + s1) + (s2 + s3);
}

function axpy(
  y: Float64Array,
  iy: number,
  alpha: number,
  x: Float64Array,
  ix: number,
  len: number,
) {
  for (let k = 0; k < len; k++) y[iy + k] += alpha * x[ix + k];
}

/** Plain TypeScript kernels: the reference the WebAssembly ones are tested against. */
export const JS_KERNELS: Kernels = {
  dot,
  dots(a, ia, lda, rows, x, ix, len, out, io) {
    for (let r = 0; r < rows; r++) out[io + r] = dot(a, ia + r * lda, x, ix, len);
  },
  gemmNT(a, ia, lda, m, b, ib, ldb, n, len, c, ic, ldc) {
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) c[ic + i * ldc + j] = dot(a, ia + i * lda, b, ib + j * ldb, len);
    }
  },
  updSymv,
  symvPass(a, v, iv, w, vp, ivp, p, i) {
    for (let j = 0; j < i; j++) {
      const rj = (j * (j + 1)) / 2, vj = v[iv + j], al = -vp[ivp + j], be = -w[j];
      const s = updSymv(a, rj, w, 0, al, vp, ivp, be, v, iv, p, 0, vj, j);
      const ajj = a[rj + j] + al * w[j] + be * vp[ivp + j];
      a[rj + j] = ajj;
      p[j] += s + ajj * vj;
    }
  },
  axpy,
};

/** Cache blocking of `gemmNT`: pieces of KB doubles of NB rows of B (128 KiB). */
const KB = 256, NB = 64;

function wasmKernels(memory: WebAssembly.Memory, scratch: number): Kernels {
  const w = instantiate(memory);
  const buffer = memory.buffer;
  const out = new Float64Array(buffer, scratch, 8);
  const addr = (arr: Float64Array, i: number) => {
    if (arr.buffer !== buffer) throw new Error("kernel argument is not in the workspace");
    return arr.byteOffset + 8 * i;
  };
  return {
    dot: (a, ia, b, ib, len) => w.dot1x1(addr(a, ia), addr(b, ib), len),
    dots(a, ia, lda, rows, x, ix, len, dst, io) {
      const px = addr(x, ix), stride = 8 * lda;
      let r = 0;
      for (; r + 3 < rows; r += 4) {
        w.dot4x1(addr(a, ia + r * lda), stride, px, len, scratch);
        dst[io + r] = out[0];
        dst[io + r + 1] = out[1];
        dst[io + r + 2] = out[2];
        dst[io + r + 3] = out[3];
      }
      for (; r < rows; r++) dst[io + r] = w.dot1x1(addr(a, ia + r * lda), px, len);
    },
    gemmNT(a, ia, lda, m, b, ib, ldb, n, len, c, ic, ldc) {
      // Blocked so that the current KB-long pieces of up to MB rows of A and NB rows of B
      // stay in the L2 cache while every pair of them is multiplied (each row of B is then
      // read from memory once per MB rows of A, not once per 4).
      for (let i = 0; i < m; i++) c.fill(0, ic + i * ldc, ic + i * ldc + n);
      for (let kk = 0; kk < len; kk += KB) {
        const kl = Math.min(KB, len - kk);
        for (let jj = 0; jj < n; jj += NB) {
          const jn = Math.min(jj + NB, n);
          let i = 0;
          for (; i + 3 < m; i += 4) {
            const pa = addr(a, ia + i * lda + kk), ci = ic + i * ldc;
            let j = jj;
            for (; j + 1 < jn; j += 2) {
              w.dot4x2(pa, 8 * lda, addr(b, ib + j * ldb + kk), 8 * ldb, kl, scratch);
              for (let r = 0; r < 4; r++) {
                c[ci + r * ldc + j] += out[2 * r];
                c[ci + r * ldc + j + 1] += out[2 * r + 1];
              }
            }
            if (j < jn) {
              w.dot4x1(pa, 8 * lda, addr(b, ib + j * ldb + kk), kl, scratch);
              for (let r = 0; r < 4; r++) c[ci + r * ldc + j] += out[r];
            }
          }
          for (; i < m; i++) {
            const pa = addr(a, ia + i * lda + kk);
            for (let j = jj; j < jn; j++) {
              c[ic + i * ldc + j] += w.dot1x1(pa, addr(b, ib + j * ldb + kk), kl);
            }
          }
        }
      }
    },
    updSymv: (a, ia, x, ix, alpha, z, iz, beta, v, iv, p, ip, gamma, len) =>
      w.updSymv(
        addr(a, ia),
        addr(x, ix),
        addr(z, iz),
        addr(v, iv),
        addr(p, ip),
        len,
        alpha,
        beta,
        gamma,
      ),
    symvPass: (a, v, iv, wv, vp, ivp, p, i) =>
      w.symvPass(addr(a, 0), addr(v, iv), addr(wv, 0), addr(vp, ivp), addr(p, 0), i),
    axpy,
  };
}

/** Arrays for one computation and the kernels that run on them. */
export interface Workspace {
  /** The kernels; every array they are given must come from {@link Workspace.f64}. */
  readonly kernels: Kernels;
  /** A zeroed array of `length` doubles. */
  f64(length: number): Float64Array;
}

/** Which kernels new workspaces use: "wasm" (default where available) or "js". */
export type KernelMode = "wasm" | "js";

let mode: KernelMode = "wasm";

/** Selects the kernels of workspaces created from now on; returns the previous mode. */
export function setKernelMode(next: KernelMode): KernelMode {
  const prev = mode;
  mode = next;
  return prev;
}

/** The kernels new workspaces use (`js` where WebAssembly SIMD is missing). */
export function kernelMode(): KernelMode {
  return mode === "wasm" && wasmModule() ? "wasm" : "js";
}

const ALIGN = 64; // bytes: a cache line, so rows start aligned for the 16-byte SIMD loads

/**
 * A workspace with room for `doubles` float64 values in at most `arrays` arrays (each array is
 * aligned, which costs up to one cache line).
 */
export function workspace(doubles: number, arrays = 32): Workspace {
  if (kernelMode() === "js") {
    return { kernels: JS_KERNELS, f64: (length) => new Float64Array(length) };
  }
  const bytes = ALIGN + doubles * 8 + arrays * ALIGN;
  const memory = new WebAssembly.Memory({ initial: Math.ceil(bytes / 65536) });
  const kernels = wasmKernels(memory, 0);
  let next = ALIGN, left = arrays;
  return {
    kernels,
    f64(length) {
      const end = next + length * 8;
      if (left-- <= 0 || end > memory.buffer.byteLength) {
        throw new Error(`workspace: no room for ${length} more doubles`);
      }
      const arr = new Float64Array(memory.buffer, next, length);
      next = Math.ceil(end / ALIGN) * ALIGN;
      return arr;
    },
  };
}
