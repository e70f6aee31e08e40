/**
 * A WebAssembly SIMD build of the two hot loops of `linalg.ts`, assembled here byte by byte
 * (no toolchain, no binary blob): blocked dot products and the fused update of the
 * tridiagonal reduction. 128-bit SIMD does two float64 multiply-adds per instruction, which is
 * what brings a 2048-d FID under the issue's 5 seconds; the arithmetic is the same as the
 * TypeScript kernels' except for the order of additions.
 *
 * Functions (pointers and strides in bytes, into the one imported memory):
 * - `dot4x2(a, lda, b, ldb, len, out)`: `out[r * 2 + c] = sum_k A_r[k] B_c[k]`, r < 4, c < 2;
 * - `dot4x1(a, lda, b, len, out)`, `dot1x1(a, b, len) -> f64`: the same for smaller blocks;
 * - `updSymv(a, x, z, v, p, len, alpha, beta, gamma) -> f64`: for k < len,
 *   `y = a[k] + alpha x[k] + beta z[k]; a[k] = y; p[k] += gamma y`, returning `sum_k y v[k]`;
 * - `symvPass(a, v, w, vp, p, i)`: `updSymv` over rows j < i of a packed lower triangle,
 *   plus their diagonals.
 * @module
 */

import { name, section, sleb, uleb, vec } from "../io/wasm_bytes.ts";

const I32 = 0x7f, F64 = 0x7c, V128 = 0x7b;

/** The instructions used below, as byte sequences. */
const op = {
  get: (i: number) => [0x20, ...uleb(i)],
  set: (i: number) => [0x21, ...uleb(i)],
  i32: (v: number) => [0x41, ...sleb(v)],
  f64zero: [0x44, 0, 0, 0, 0, 0, 0, 0, 0],
  i32add: [0x6a],
  i32sub: [0x6b],
  i32and: [0x71],
  i32ge: [0x4e], // signed
  f64add: [0xa0],
  f64mul: [0xa2],
  f64load: [0x2b, 3, 0],
  f64store: [0x39, 3, 0],
  v128load: [0xfd, 0x00, 4, 0],
  v128store: [0xfd, 0x0b, 4, 0],
  v128zero: [0xfd, 0x0c, ...new Array(16).fill(0)],
  splat: [0xfd, ...uleb(20)], // f64x2.splat
  lane: (l: number) => [0xfd, ...uleb(33), l], // f64x2.extract_lane
  vadd: [0xfd, ...uleb(240)], // f64x2.add
  vmul: [0xfd, ...uleb(242)], // f64x2.mul
  block: (body: number[]) => [0x02, 0x40, ...body, 0x0b],
  loop: (body: number[]) => [0x03, 0x40, ...body, 0x0b],
  ifF64: (then: number[], els: number[]) => [0x04, F64, ...then, 0x05, ...els, 0x0b],
  brIf: (depth: number) => [0x0d, ...uleb(depth)],
  br: (depth: number) => [0x0c, ...uleb(depth)],
};

/**
 * `acc + a * b` on f64x2 from three pushes: one fused `f64x2.relaxed_madd` (relaxed SIMD,
 * operands a, b, acc) when `fma`, else a multiply and an add.
 */
function madd(fma: boolean, acc: number[], a: number[], b: number[]): number[] {
  return fma
    ? [...a, ...b, ...acc, 0xfd, ...uleb(0x107)]
    : [...acc, ...a, ...b, ...op.vmul, ...op.vadd];
}

/** Address `ptr + k` where both are locals. */
const at = (ptr: number, k: number) => [...op.get(ptr), ...op.get(k), ...op.i32add];

/**
 * `for (k = 0; k < end; k += 16) body` over byte offsets, `end` = `len` rounded down to
 * pairs, in bytes; `k` and `end` are locals.
 */
function pairLoop(len: number, k: number, end: number, body: number[]): number[] {
  return [
    ...op.get(len),
    ...op.i32(-2),
    ...op.i32and,
    ...op.i32(8),
    0x6c, // i32.mul
    ...op.set(end),
    ...op.i32(0),
    ...op.set(k),
    ...op.block(op.loop([
      ...op.get(k),
      ...op.get(end),
      ...op.i32ge,
      ...op.brIf(1),
      ...body,
      ...op.get(k),
      ...op.i32(16),
      ...op.i32add,
      ...op.set(k),
      ...op.br(0),
    ])),
  ];
}

/** `(odd len ? then : 0)` as an f64 on the stack. */
const ifOdd = (len: number, then: number[]) => [
  ...op.get(len),
  ...op.i32(1),
  ...op.i32and,
  ...op.ifF64(then, op.f64zero),
];

interface Func {
  params: number[];
  results: number[];
  locals: number[]; // one type per local, after the params
  body: number[];
  export: string;
}

/**
 * An R x C block of dot products. Params: a, lda, [b, ldb] for C = 2 | b for C = 1, len, out
 * (C = 1 and R = 1 returns the value instead of writing `out`).
 */
function dotBlock(rows: number, cols: number, fma: boolean): Func {
  // Params: 0 a, 1 lda, then b pointers.
  const params = rows === 1 && cols === 1
    ? [I32, I32, I32] // a, b, len
    : cols === 1
    ? [I32, I32, I32, I32, I32] // a, lda, b, len, out
    : [I32, I32, I32, I32, I32, I32]; // a, lda, b, ldb, len, out
  const A = 0;
  const LDA = rows === 1 && cols === 1 ? -1 : 1;
  const B = rows === 1 && cols === 1 ? 1 : 2;
  const LDB = cols === 2 ? 3 : -1;
  const LEN = params.length - (rows === 1 && cols === 1 ? 1 : 2);
  const OUT = params.length - 1;
  let next = params.length;
  const K = next++, END = next++;
  const pa = Array.from({ length: rows }, () => next++);
  const pb = Array.from({ length: cols }, () => next++);
  const acc = Array.from({ length: rows * cols }, () => next++);
  const bv = Array.from({ length: cols }, () => next++);
  const av = next++;
  const locals = [
    I32,
    I32,
    ...pa.map(() => I32),
    ...pb.map(() => I32),
    ...acc.map(() => V128),
    ...bv.map(() => V128),
    V128,
  ];
  const body: number[] = [];
  // Row pointers: pa[r] = a + r * lda, pb[c] = b + c * ldb.
  pa.forEach((p, r) => {
    body.push(...op.get(A));
    for (let i = 0; i < r; i++) body.push(...op.get(LDA), ...op.i32add);
    body.push(...op.set(p));
  });
  pb.forEach((p, c) => {
    body.push(...op.get(B));
    if (c === 1) body.push(...op.get(LDB), ...op.i32add);
    body.push(...op.set(p));
  });
  acc.forEach((x) => body.push(...op.v128zero, ...op.set(x)));
  const step: number[] = [];
  bv.forEach((x, c) => step.push(...at(pb[c], K), ...op.v128load, ...op.set(x)));
  for (let r = 0; r < rows; r++) {
    step.push(...at(pa[r], K), ...op.v128load, ...op.set(av));
    for (let c = 0; c < cols; c++) {
      const x = acc[r * cols + c];
      step.push(...madd(fma, op.get(x), op.get(av), op.get(bv[c])), ...op.set(x));
    }
  }
  body.push(...pairLoop(LEN, K, END, step));
  // Result: both lanes plus the odd element.
  const total = (r: number, c: number) => [
    ...op.get(acc[r * cols + c]),
    ...op.lane(0),
    ...op.get(acc[r * cols + c]),
    ...op.lane(1),
    ...op.f64add,
    ...ifOdd(LEN, [
      ...at(pa[r], END),
      ...op.f64load,
      ...at(pb[c], END),
      ...op.f64load,
      ...op.f64mul,
    ]),
    ...op.f64add,
  ];
  if (rows === 1 && cols === 1) {
    body.push(...total(0, 0));
    return { params, results: [F64], locals, body, export: "dot1x1" };
  }
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      body.push(...op.get(OUT), ...op.i32((r * cols + c) * 8), ...op.i32add);
      body.push(...total(r, c), ...op.f64store);
    }
  }
  return { params, results: [], locals, body, export: `dot${rows}x${cols}` };
}

/** The fused row update of the tridiagonal reduction (see the module doc). */
function updSymv(fma: boolean): Func {
  // Params: 0 a, 1 x, 2 z, 3 v, 4 p, 5 len, 6 alpha, 7 beta, 8 gamma.
  const params = [I32, I32, I32, I32, I32, I32, F64, F64, F64];
  const [A, X, Z, V, P, LEN, ALPHA, BETA, GAMMA] = [0, 1, 2, 3, 4, 5, 6, 7, 8];
  const K = 9, END = 10, VA = 11, VB = 12, VG = 13, Y = 14, S = 15, YS = 16;
  const locals = [I32, I32, V128, V128, V128, V128, V128, F64];
  const splat = (src: number, dst: number) => [...op.get(src), ...op.splat, ...op.set(dst)];
  // y = a + alpha x + beta z for the odd element, in scalar code.
  const yOf = [
    ...at(A, K),
    ...op.f64load,
    ...op.get(ALPHA),
    ...at(X, K),
    ...op.f64load,
    ...op.f64mul,
    ...op.f64add,
    ...op.get(BETA),
    ...at(Z, K),
    ...op.f64load,
    ...op.f64mul,
    ...op.f64add,
  ];
  const vload = (ptr: number) => [...at(ptr, K), ...op.v128load];
  const step = [
    ...at(A, K),
    // y = (a + alpha x) + beta z
    ...madd(fma, madd(fma, vload(A), op.get(VA), vload(X)), op.get(VB), vload(Z)),
    ...op.set(Y),
    ...op.get(Y),
    ...op.v128store,
    ...madd(fma, op.get(S), op.get(Y), vload(V)),
    ...op.set(S),
    ...at(P, K),
    ...madd(fma, vload(P), op.get(VG), op.get(Y)),
    ...op.v128store,
  ];
  const body = [
    ...splat(ALPHA, VA),
    ...splat(BETA, VB),
    ...splat(GAMMA, VG),
    ...op.v128zero,
    ...op.set(S),
    ...pairLoop(LEN, K, END, step),
    // The odd element, in scalar code, at k = end.
    ...op.get(END),
    ...op.set(K),
    ...ifOdd(LEN, [
      ...yOf,
      ...op.set(YS),
      ...at(A, K),
      ...op.get(YS),
      ...op.f64store,
      ...at(P, K),
      ...at(P, K),
      ...op.f64load,
      ...op.get(GAMMA),
      ...op.get(YS),
      ...op.f64mul,
      ...op.f64add,
      ...op.f64store,
      ...op.get(YS),
      ...at(V, K),
      ...op.f64load,
      ...op.f64mul,
    ]),
    ...op.get(S),
    ...op.lane(0),
    ...op.get(S),
    ...op.lane(1),
    ...op.f64add,
    ...op.f64add,
  ];
  return { params, results: [F64], locals, body, export: "updSymv" };
}

/**
 * One whole pass of the tridiagonal reduction over rows j < i, so that the loop over rows
 * runs in WebAssembly too (a call per row from JavaScript costs more than a short row).
 * `a` is a packed lower triangle (row j at element j (j + 1) / 2, j + 1 entries).
 * Params: a, v, w, vp, p, i; for each j < i, with `vj = v[j]`,
 * `al = -vp[j]`, `be = -w[j]`: `s = updSymv(row j, w, vp, v, p, j, al, be, vj)`, then the
 * diagonal `a[j][j] += al w[j] + be vp[j]` and `p[j] += s + a[j][j] vj`.
 */
function symvPass(updSymvIndex: number): Func {
  const params = [I32, I32, I32, I32, I32, I32];
  const [A, V, W, VP, P, I] = [0, 1, 2, 3, 4, 5];
  const J = 6, JB = 7, RJ = 8, VJ = 9, AL = 10, BE = 11, S = 12, AJJ = 13;
  const locals = [I32, I32, I32, F64, F64, F64, F64, F64];
  const load = (ptr: number) => [...at(ptr, JB), ...op.f64load];
  const body = [
    ...op.i32(0),
    ...op.set(J),
    ...op.get(A),
    ...op.set(RJ),
    ...op.block(op.loop([
      ...op.get(J),
      ...op.get(I),
      ...op.i32ge,
      ...op.brIf(1),
      ...op.get(J),
      ...op.i32(3),
      0x74, // i32.shl
      ...op.set(JB),
      ...load(V),
      ...op.set(VJ),
      ...load(VP),
      0x9a, // f64.neg
      ...op.set(AL),
      ...load(W),
      0x9a,
      ...op.set(BE),
      ...op.get(RJ),
      ...op.get(W),
      ...op.get(VP),
      ...op.get(V),
      ...op.get(P),
      ...op.get(J),
      ...op.get(AL),
      ...op.get(BE),
      ...op.get(VJ),
      0x10,
      ...uleb(updSymvIndex), // call updSymv
      ...op.set(S),
      // a[j][j] += al w[j] + be vp[j]
      ...load(RJ),
      ...op.get(AL),
      ...load(W),
      ...op.f64mul,
      ...op.f64add,
      ...op.get(BE),
      ...load(VP),
      ...op.f64mul,
      ...op.f64add,
      ...op.set(AJJ),
      ...at(RJ, JB),
      ...op.get(AJJ),
      ...op.f64store,
      // p[j] += s + a[j][j] vj
      ...at(P, JB),
      ...load(P),
      ...op.get(S),
      ...op.get(AJJ),
      ...op.get(VJ),
      ...op.f64mul,
      ...op.f64add,
      ...op.f64add,
      ...op.f64store,
      // Next packed row: rj += (j + 1) * 8.
      ...op.get(RJ),
      ...op.get(JB),
      ...op.i32add,
      ...op.i32(8),
      ...op.i32add,
      ...op.set(RJ),
      ...op.get(J),
      ...op.i32(1),
      ...op.i32add,
      ...op.set(J),
      ...op.br(0),
    ])),
  ];
  return { params, results: [], locals, body, export: "symvPass" };
}

function assemble(funcs: Func[]): Uint8Array<ArrayBuffer> {
  const types = funcs.map((
    f,
  ) => [0x60, ...vec(f.params.map((t) => [t])), ...vec(f.results.map((t) => [t]))]);
  const bodies = funcs.map((f) => {
    const code = [...vec(f.locals.map((t) => [1, t])), ...f.body, 0x0b];
    return [...uleb(code.length), ...code];
  });
  return new Uint8Array([
    0x00,
    0x61,
    0x73,
    0x6d,
    1,
    0,
    0,
    0,
    ...section(1, vec(types)),
    ...section(2, vec([[...name("env"), ...name("memory"), 0x02, 0x00, 0]])), // memory, min 0 pages
    ...section(3, vec(funcs.map((_, i) => uleb(i)))),
    ...section(7, vec(funcs.map((f, i) => [...name(f.export), 0x00, ...uleb(i)]))),
    ...section(10, vec(bodies)),
  ]);
}

/** The exports of an instance, typed. */
export interface WasmKernels {
  dot4x2(a: number, lda: number, b: number, ldb: number, len: number, out: number): void;
  dot4x1(a: number, lda: number, b: number, len: number, out: number): void;
  dot1x1(a: number, b: number, len: number): number;
  updSymv(
    a: number,
    x: number,
    z: number,
    v: number,
    p: number,
    len: number,
    alpha: number,
    beta: number,
    gamma: number,
  ): number;
  symvPass(a: number, v: number, w: number, vp: number, p: number, i: number): void;
}

let compiled: WebAssembly.Module | null | undefined;

function build(fma: boolean): WebAssembly.Module {
  return new WebAssembly.Module(assemble([
    dotBlock(4, 2, fma),
    dotBlock(4, 1, fma),
    dotBlock(1, 1, fma),
    updSymv(fma),
    symvPass(3),
  ]));
}

/**
 * The compiled module: with fused multiply-adds where the runtime has relaxed SIMD (V8 does),
 * else with separate multiplies and adds; null where it has no WebAssembly SIMD at all.
 */
export function wasmModule(): WebAssembly.Module | null {
  if (compiled === undefined) {
    for (const fma of [true, false]) {
      try {
        compiled = build(fma);
        break;
      } catch {
        compiled = null;
      }
    }
  }
  return compiled ?? null;
}

/** Instantiates the kernels over `memory`. */
export function instantiate(memory: WebAssembly.Memory): WasmKernels {
  const module = wasmModule();
  if (!module) throw new Error("WebAssembly SIMD is not available");
  const instance = new WebAssembly.Instance(module, { env: { memory } });
  return instance.exports as unknown as WasmKernels;
}
