/**
 * Adam's update as one WebAssembly SIMD loop over the wasm backend's own memory, assembled here
 * byte by byte (as lib/metrics/_wasm.ts does). A JavaScript loop runs this at ~6-10 ns per
 * parameter (two divisions and a square root in scalar float64), slower than tfjs's ~12
 * separate SIMD passes; f32x4 does four lanes per instruction in one pass. Every f32x4
 * operation is IEEE single precision, rounded once, no fused multiply-add: the same results as
 * the separate float32 ops, bit for bit (tests/native_backend_test.ts).
 *
 * `adam(p, m, v, g, outP, outM, outV, bytes, b1, c1, b2, c2, eps, nlr, k1, k2)`, pointers and
 * `bytes` (a multiple of 16) in bytes, for each float32 lane:
 * `m' = m b1 + g c1; v' = v b2 + (g g) c2; p' = ((m' / k1) / (sqrt(v' / k2) + eps)) nlr + p`.
 * @module
 */

import { name, section, uleb } from "../../io/wasm_bytes.ts";

const I32 = 0x7f, F32 = 0x7d, V128 = 0x7b;

const get = (i: number) => [0x20, ...uleb(i)];
const set = (i: number) => [0x21, ...uleb(i)];
const simd = (code: number) => [0xfd, ...uleb(code)];
const load = [...simd(0x00), 4, 0]; // v128.load, 16-byte alignment hint, offset 0
const store = [...simd(0x0b), 4, 0];
const splat = simd(0x13); // f32x4.splat
const sqrt = simd(0xe3);
const add = simd(0xe4);
const mul = simd(0xe6);
const div = simd(0xe7);

// Locals: params 0-7 (i32 pointers and byte count), 8-15 (f32 scalars); then k (i32, 16),
// the splatted scalars (v128, 17-24) and g, m', v' (v128, 25-27).
const K = 16, SPLAT = 17, G = 25, M = 26, V = 27;
const addr = (ptr: number) => [...get(ptr), ...get(K), 0x6a]; // ptr + k
const s = (i: number) => get(SPLAT + i); // b1 c1 b2 c2 eps nlr k1 k2

function body(): number[] {
  const splats = Array.from({ length: 8 }, (_, i) => [...get(8 + i), ...splat, ...set(SPLAT + i)])
    .flat();
  const step = [
    // g
    ...addr(3),
    ...load,
    ...set(G),
    // m' = m b1 + g c1
    ...addr(1),
    ...load,
    ...s(0),
    ...mul,
    ...get(G),
    ...s(1),
    ...mul,
    ...add,
    ...set(M),
    // v' = v b2 + (g g) c2
    ...addr(2),
    ...load,
    ...s(2),
    ...mul,
    ...get(G),
    ...get(G),
    ...mul,
    ...s(3),
    ...mul,
    ...add,
    ...set(V),
    ...addr(5),
    ...get(M),
    ...store,
    ...addr(6),
    ...get(V),
    ...store,
    // p' = ((m' / k1) / (sqrt(v' / k2) + eps)) nlr + p
    ...addr(4),
    ...get(M),
    ...s(6),
    ...div,
    ...get(V),
    ...s(7),
    ...div,
    ...sqrt,
    ...s(4),
    ...add,
    ...div,
    ...s(5),
    ...mul,
    ...addr(0),
    ...load,
    ...add,
    ...store,
  ];
  const loop = [
    0x02,
    0x40, // block
    0x03,
    0x40, // loop
    ...get(K),
    ...get(7),
    0x4f, // i32.ge_u
    0x0d,
    1, // br_if 1
    ...step,
    ...get(K),
    0x41,
    16, // i32.const 16
    0x6a,
    ...set(K),
    0x0c,
    0, // br 0
    0x0b,
    0x0b,
  ];
  const locals = [3, 1, I32, 8, V128, 3, V128]; // 3 entries: 1 i32, 8 v128, 3 v128
  const code = [...locals, ...splats, ...loop, 0x0b];
  return [...uleb(code.length), ...code];
}

function moduleBytes(): Uint8Array<ArrayBuffer> {
  const type = [0x60, ...uleb(16), ...new Array(8).fill(I32), ...new Array(8).fill(F32), 0];
  return new Uint8Array([
    0x00,
    0x61,
    0x73,
    0x6d,
    0x01,
    0x00,
    0x00,
    0x00,
    ...section(1, [1, ...type]),
    ...section(2, [1, ...name("env"), ...name("memory"), 0x02, 0x00, 0x00]),
    ...section(3, [1, 0]),
    ...section(7, [1, ...name("adam"), 0x00, 0]),
    ...section(10, [1, ...body()]),
  ]);
}

/** The loop over `memory`, or null where this runtime cannot compile or link it. */
export type AdamSimd = (
  p: number,
  m: number,
  v: number,
  g: number,
  outP: number,
  outM: number,
  outV: number,
  bytes: number,
  b1: number,
  c1: number,
  b2: number,
  c2: number,
  eps: number,
  nlr: number,
  k1: number,
  k2: number,
) => void;

/** Instantiates the loop over `memory` (the wasm backend's), or null if that fails. */
export function adamSimd(memory: WebAssembly.Memory): AdamSimd | null {
  try {
    const instance = new WebAssembly.Instance(new WebAssembly.Module(moduleBytes()), {
      env: { memory },
    });
    return instance.exports.adam as AdamSimd;
  } catch {
    return null;
  }
}
