/**
 * oneDNN primitives for the native backend, cached by shape: convolution forward, backward
 * data and backward weights, matmul, batch normalization over one image (= instance norm at
 * batch 1) forward and backward, and element-wise ReLU / LeakyReLU / tanh forward and backward.
 *
 * Layouts: tensors live in tfjs's layouts (NHWC activations, HWIO filters, row-major
 * matrices). Each convolution pass follows a plan decided by its shape ({@link convPlan}):
 * NHWC activations as they are with the direct algorithm, or, for the residual blocks from
 * 128 px up, Winograd in oneDNN's blocked layout; filters always go into the layout oneDNN
 * chooses (format tag `any`). {@link Port}s reorder at the boundary when oneDNN's choice
 * differs from tfjs's: activations on every call, filters once per filter tensor while a
 * copy budget lasts. Normalization and element-wise primitives run on NHWC / flat data
 * directly.
 *
 * Scratch buffers for reordered tensors come from one arena per port slot, shared by every
 * primitive (ops run one at a time), so memory grows with the largest layer, not with the
 * number of layer shapes; they start at 64-byte boundaries, as some oneDNN kernels require.
 *
 * All pointers handed to oneDNN are rebound before each execution (`set_data_handle`): tfjs
 * tensors live in the wasm heap, whose views are rebuilt after the heap grows.
 * @module
 */
import {
  BNORM_DESC_BYTES,
  C,
  check,
  CONV_DESC_BYTES,
  type Dnnl,
  ELTWISE_DESC_BYTES,
  MATMUL_DESC_BYTES,
  MD_BYTES,
} from "./dnnl.ts";

type Ptr = Deno.PointerValue;

/** Logical dims as oneDNN wants them (`dnnl_dims_t`, 12 x int64). */
function dims(values: readonly number[]): BigInt64Array {
  const out = new BigInt64Array(12);
  values.forEach((v, i) => (out[i] = BigInt(v)));
  return out;
}

/** A `dnnl_memory_desc_t` for `values` (logical NCHW / OIHW order) in layout `tag`. */
export function memoryDesc(d: Dnnl, values: readonly number[], tag: number): Uint8Array {
  const md = new Uint8Array(MD_BYTES);
  check(
    d.sym.dnnl_memory_desc_init_by_tag(md, values.length, dims(values), C.f32, tag),
    "dnnl_memory_desc_init_by_tag",
    `dims [${values}] tag ${tag}`,
  );
  return md;
}

/** A copy of the memory descriptor a primitive descriptor chose for `what`. */
function queryMd(d: Dnnl, pd: Ptr, what: number, label: string): Uint8Array {
  const p = d.sym.dnnl_primitive_desc_query_md(pd, what, 0);
  if (p === null) throw new Error(`oneDNN: ${label} has no memory descriptor for query ${what}`);
  return new Uint8Array(Deno.UnsafePointerView.getArrayBuffer(p, MD_BYTES).slice(0));
}

/** The implementation oneDNN chose (`jit:avx2`, `brg:avx512_core`, ...). */
export function implName(d: Dnnl, pd: Ptr): string {
  const out = new BigUint64Array(1);
  if (d.sym.dnnl_primitive_desc_query(pd, C.queryImplInfo, 0, out) !== 0 || out[0] === 0n) {
    return "?";
  }
  return new Deno.UnsafePointerView(Deno.UnsafePointer.create(out[0])!).getCString();
}

function createPd(d: Dnnl, desc: Uint8Array, hint: Ptr, label: string): Ptr {
  const out = new BigUint64Array(1);
  check(
    d.sym.dnnl_primitive_desc_create(out, desc, null, d.engine, hint),
    "dnnl_primitive_desc_create",
    label,
  );
  return Deno.UnsafePointer.create(out[0]);
}

function createPrimitive(d: Dnnl, pd: Ptr, label: string): Ptr {
  const out = new BigUint64Array(1);
  check(d.sym.dnnl_primitive_create(out, pd), "dnnl_primitive_create", label);
  return Deno.UnsafePointer.create(out[0]);
}

function createMemory(d: Dnnl, md: Uint8Array, label: string): Ptr {
  const out = new BigUint64Array(1);
  check(d.sym.dnnl_memory_create(out, md, d.engine, null), "dnnl_memory_create", label);
  return Deno.UnsafePointer.create(out[0]);
}

/**
 * Scratch arenas, one per port slot: grown (never shrunk) to the largest tensor a slot has
 * held. Kept as Float32Arrays over off-heap ArrayBuffers (V8 never moves those), started at a
 * 64-byte boundary: a large ArrayBuffer comes from malloc/mmap 16-byte aligned, and some
 * oneDNN kernels (the Winograd filter gradient) take blocked tensors with aligned AVX-512
 * loads and stores, which fault on anything less (measured: a segfault in every run).
 */
const arenas: Float32Array[] = [];

/** `n` floats off the wasm heap starting at a 64-byte boundary (see {@link arenas}). */
function alignedFloats(n: number): Float32Array {
  const raw = new Float32Array(n + 16);
  const misalign = Number(Deno.UnsafePointer.value(Deno.UnsafePointer.of(raw)) % 64n);
  const start = misalign === 0 ? 0 : (64 - misalign) / 4;
  return raw.subarray(start, start + n);
}

function arena(slot: number, bytes: number): Ptr {
  const need = Math.max(64, Math.ceil(bytes / 4));
  if (!arenas[slot] || arenas[slot].length < need) arenas[slot] = alignedFloats(need);
  return Deno.UnsafePointer.of(arenas[slot]);
}

/** Bytes held by the scratch arenas (for the memory report). */
export function arenaBytes(): number {
  return arenas.reduce((s, a) => s + (a?.byteLength ?? 0), 0);
}

/** Bytes held by kept filter copies in oneDNN's layouts (for the memory report and tests). */
export function keptFilterBytes(): number {
  let n = 0;
  for (const op of convCache.values()) for (const p of op.ports) n += p.keptBytes();
  return n;
}

/**
 * Bytes that kept filter copies ({@link Port}) may take in all: the reorders they save matter
 * at small images (a 256x256x3x3 filter's reorder is ~4 % of its 16x16 convolution), but one
 * copy per filter and layout would add ~0.7 GB for unet_128's filters (measured: peak RSS
 * 2977 MB vs PyTorch's 2359 MB), against the goal of no more memory than PyTorch. Filters
 * met first are kept; the rest are reordered at every call as before (a reorder is an exact
 * copy: which filters are kept never changes a result).
 */
const KEEP_BUDGET = 64 * 2 ** 20;
let keptTotal = 0;

/**
 * One argument of a primitive in the user's layout. When oneDNN's chosen layout differs, the
 * data goes through a reorder into (inputs) or out of (outputs) an arena buffer.
 */
class Port {
  readonly arg: number;
  readonly output: boolean;
  readonly user: Ptr;
  readonly inner: Ptr;
  readonly reorder: Ptr | null;
  readonly bytes: number;
  readonly slot: number;

  constructor(
    d: Dnnl,
    arg: number,
    userMd: Uint8Array,
    primMd: Uint8Array,
    output: boolean,
    slot: number,
    label: string,
  ) {
    this.arg = arg;
    this.output = output;
    this.slot = slot;
    this.user = createMemory(d, userMd, label);
    if (d.sym.dnnl_memory_desc_equal(userMd, primMd) === 1) {
      this.inner = this.user;
      this.reorder = null;
      this.bytes = 0;
      return;
    }
    this.inner = createMemory(d, primMd, label);
    this.bytes = Number(d.sym.dnnl_memory_desc_get_size(primMd));
    const out = new BigUint64Array(1);
    const [from, to] = output ? [primMd, userMd] : [userMd, primMd];
    check(
      d.sym.dnnl_reorder_primitive_desc_create(out, from, d.engine, to, d.engine, null),
      "dnnl_reorder_primitive_desc_create",
      `${label} (layout reorder)`,
    );
    const pd = Deno.UnsafePointer.create(out[0]);
    this.reorder = createPrimitive(d, pd, `${label} (layout reorder)`);
    d.sym.dnnl_primitive_desc_destroy(pd);
  }

  /**
   * Reordered copies of immutable inputs (filters) by their tensor's identity: a filter is
   * used by several forward and input-gradient calls per step (each generator runs 3 times
   * with identity loss) and changes only when the optimizer replaces it.
   */
  private kept?: Map<object, Float32Array>;
  /** Buffers of dropped copies, for the next new filter. */
  private spare: Float32Array[] = [];
  /** Whether the bound input is already in `inner` (a kept copy): no reorder to run. */
  private ready = false;

  /**
   * Binds the user pointer (and the arena, when reordering). `key`, for inputs only: the
   * identity of immutable data (a tfjs dataId); its reordered copy is kept and reused while
   * `alive(key)`.
   */
  bind(d: Dnnl, ptr: Ptr, key?: object, alive?: (key: object) => boolean): void {
    d.sym.dnnl_memory_set_data_handle(this.user, ptr);
    this.ready = false;
    if (!this.reorder) return;
    const copy = key === undefined || this.output ? undefined : this.keptCopy(key, alive);
    d.sym.dnnl_memory_set_data_handle(
      this.inner,
      copy ? Deno.UnsafePointer.of(copy) : arena(this.slot, this.bytes),
    );
  }

  /**
   * The kept copy for `key` (`ready` when it already holds the data), or undefined when a new
   * copy would exceed {@link KEEP_BUDGET}. Copies of filters the optimizer has replaced are
   * reused (fresh memory would be paged in on every step).
   */
  private keptCopy(key: object, alive?: (key: object) => boolean): Float32Array | undefined {
    this.kept ??= new Map();
    const hit = this.kept.get(key);
    if (hit) {
      this.ready = true;
      return hit;
    }
    if (alive) {
      for (const [k, buf] of this.kept) {
        if (!alive(k)) {
          this.kept.delete(k);
          this.spare.push(buf);
        }
      }
    }
    let copy = this.spare.pop();
    if (!copy) {
      if (keptTotal + this.bytes > KEEP_BUDGET) return undefined;
      copy = alignedFloats(Math.ceil(this.bytes / 4));
      keptTotal += copy.byteLength;
    }
    this.kept.set(key, copy);
    return copy;
  }

  /** Reorders the user data in (inputs) or out (outputs). */
  move(d: Dnnl, label: string): void {
    if (!this.reorder || this.ready) return;
    const [from, to] = this.output ? [this.inner, this.user] : [this.user, this.inner];
    execute(d, this.reorder, [[C.argFrom, from], [C.argTo, to]], `${label} (layout reorder)`);
  }

  /** Bytes held by kept copies. */
  keptBytes(): number {
    let n = 0;
    for (const a of [...this.kept?.values() ?? [], ...this.spare]) n += a.byteLength;
    return n;
  }
}

const argBuffers = new Map<number, BigUint64Array>();

function execute(d: Dnnl, prim: Ptr, args: Array<[number, Ptr]>, label: string): void {
  let buf = argBuffers.get(args.length);
  if (!buf) argBuffers.set(args.length, buf = new BigUint64Array(2 * args.length));
  args.forEach(([arg, mem], i) => {
    buf![2 * i] = BigInt(arg);
    buf![2 * i + 1] = BigInt(Deno.UnsafePointer.value(mem));
  });
  check(
    d.sym.dnnl_primitive_execute(prim, d.stream, args.length, buf),
    "dnnl_primitive_execute",
    label,
  );
  check(d.sym.dnnl_stream_wait(d.stream), "dnnl_stream_wait", label);
}

/** A primitive with its ports, run with one pointer per port. */
class Op {
  readonly label: string;
  readonly prim: Ptr;
  readonly ports: Port[];
  readonly extra: Array<[number, Ptr]>;
  readonly impl: string;

  constructor(d: Dnnl, label: string, pd: Ptr, ports: Port[], extra: Array<[number, Ptr]> = []) {
    this.label = label;
    this.prim = createPrimitive(d, pd, label);
    this.ports = ports;
    this.extra = extra;
    this.impl = implName(d, pd);
  }

  /**
   * Runs with one pointer per port; `keys[i]`: the identity of port i's data when it is
   * immutable (its reordered copy is kept while `alive(key)`).
   */
  run(
    d: Dnnl,
    ptrs: Ptr[],
    keys: Array<object | undefined> = [],
    alive?: (key: object) => boolean,
  ): void {
    this.ports.forEach((p, i) => p.bind(d, ptrs[i], keys[i], alive));
    for (const p of this.ports) if (!p.output) p.move(d, this.label);
    execute(
      d,
      this.prim,
      [...this.ports.map((p): [number, Ptr] => [p.arg, p.inner]), ...this.extra],
      this.label,
    );
    for (const p of this.ports) if (p.output) p.move(d, this.label);
  }
}

// --------------------------------------------------------------------------------------------
// Convolution

/** A 2-D convolution's geometry in tfjs terms (NHWC input, HWIO filter, per-side pads). */
export interface ConvGeom {
  n: number;
  inH: number;
  inW: number;
  inC: number;
  outH: number;
  outW: number;
  outC: number;
  kH: number;
  kW: number;
  strideH: number;
  strideW: number;
  dilationH: number;
  dilationW: number;
  padTop: number;
  padLeft: number;
}

function convKey(g: ConvGeom): string {
  return [
    g.n,
    g.inH,
    g.inW,
    g.inC,
    g.outH,
    g.outW,
    g.outC,
    g.kH,
    g.kW,
    g.strideH,
    g.strideW,
    g.dilationH,
    g.dilationW,
    g.padTop,
    g.padLeft,
  ].join(",");
}

function describeConv(g: ConvGeom): string {
  return `conv ${g.n}x${g.inH}x${g.inW}x${g.inC} * ${g.kH}x${g.kW}x${g.inC}x${g.outC} ` +
    `stride ${g.strideH}x${g.strideW} dilation ${g.dilationH}x${g.dilationW} ` +
    `pad ${g.padTop},${g.padLeft} -> ${g.n}x${g.outH}x${g.outW}x${g.outC}`;
}

/** Which convolution pass a primitive computes. */
export type ConvPass = "forward" | "data" | "weights";

/**
 * How one pass of one convolution runs: the activation layout oneDNN is created with (`nhwc`,
 * tfjs's own: no reorder; `blocked`: oneDNN's choice, nChw16c on AVX-512, reordered at the
 * call) and the algorithm (`direct`, or `winograd`: F(4x4, 3x3), 3x3 stride 1 only).
 */
export interface ConvPlan {
  layout: "nhwc" | "blocked";
  algorithm: "direct" | "winograd";
}

/** The geometry's oneDNN arguments (strides, dilations, pads), computed once per shape. */
interface ConvArgs {
  strides: BigInt64Array;
  dil: BigInt64Array;
  padL: BigInt64Array;
  padR: BigInt64Array;
}

function convArgs(g: ConvGeom): ConvArgs {
  const effH = (g.kH - 1) * g.dilationH + 1;
  const effW = (g.kW - 1) * g.dilationW + 1;
  // The right/bottom pad that makes oneDNN's output size formula exact for this output size
  // (tfjs floors; trailing rows the filter never reaches count as negative padding).
  const padBottom = (g.outH - 1) * g.strideH + effH - g.inH - g.padTop;
  const padRight = (g.outW - 1) * g.strideW + effW - g.inW - g.padLeft;
  return {
    strides: dims([g.strideH, g.strideW]),
    dil: dims([g.dilationH - 1, g.dilationW - 1]), // oneDNN counts dilation from 0
    padL: dims([g.padTop, g.padLeft]),
    padR: dims([padBottom, padRight]),
  };
}

/** The primitive descriptors' logical tensors (src, weights, dst) for a plan. */
function planDescs(d: Dnnl, g: ConvGeom, plan: ConvPlan) {
  const act = plan.layout === "nhwc" ? C.nhwc : C.tagAny;
  return {
    src: memoryDesc(d, [g.n, g.inC, g.inH, g.inW], act),
    w: memoryDesc(d, [g.outC, g.inC, g.kH, g.kW], C.tagAny),
    dst: memoryDesc(d, [g.n, g.outC, g.outH, g.outW], act),
  };
}

function algorithmOf(plan: ConvPlan): number {
  return plan.algorithm === "winograd" ? C.convolutionWinograd : C.convolutionDirect;
}

/** Forward primitive descriptors by geometry and plan: the forward op and the backward hints. */
const fwdPdCache = new Map<string, Ptr>();

function forwardPd(d: Dnnl, g: ConvGeom, plan: ConvPlan): Ptr {
  const key = `${convKey(g)}|${plan.layout},${plan.algorithm}`;
  const hit = fwdPdCache.get(key);
  if (hit) return hit;
  const label = `${describeConv(g)} (forward, ${plan.layout}, ${plan.algorithm})`;
  const a = convArgs(g);
  const descs = planDescs(d, g, plan);
  const desc = new Uint8Array(CONV_DESC_BYTES);
  check(
    d.sym.dnnl_dilated_convolution_forward_desc_init(
      desc,
      C.forwardTraining,
      algorithmOf(plan),
      descs.src,
      descs.w,
      null,
      descs.dst,
      a.strides,
      a.dil,
      a.padL,
      a.padR,
    ),
    "dnnl_dilated_convolution_forward_desc_init",
    label,
  );
  const pd = createPd(d, desc, null, label);
  fwdPdCache.set(key, pd);
  return pd;
}

/** The ops by geometry, pass and plan. */
const convCache = new Map<string, Op>();

function convOp(d: Dnnl, g: ConvGeom, pass: ConvPass): Op {
  const plan = convPlan(g);
  const key = `${convKey(g)}|${pass}|${plan.layout},${plan.algorithm}`;
  const hit = convCache.get(key);
  if (hit) return hit;
  const what = pass === "forward"
    ? "forward"
    : pass === "data"
    ? "input gradient"
    : "filter gradient";
  const label = `${describeConv(g)} (${what}, ${plan.layout}, ${plan.algorithm})`;
  const fwdPd = forwardPd(d, g, plan);
  const u = userConvMds(d, g);
  let op: Op;
  if (pass === "forward") {
    op = new Op(d, label, fwdPd, [
      new Port(d, C.argSrc, u.x, queryMd(d, fwdPd, C.querySrc, label), false, 0, label),
      new Port(d, C.argWeights, u.w, queryMd(d, fwdPd, C.queryWeights, label), false, 1, label),
      new Port(d, C.argDst, u.y, queryMd(d, fwdPd, C.queryDst, label), true, 2, label),
    ]);
  } else {
    const a = convArgs(g);
    const descs = planDescs(d, g, plan);
    const desc = new Uint8Array(CONV_DESC_BYTES);
    if (pass === "data") {
      check(
        d.sym.dnnl_dilated_convolution_backward_data_desc_init(
          desc,
          algorithmOf(plan),
          descs.src,
          descs.w,
          descs.dst,
          a.strides,
          a.dil,
          a.padL,
          a.padR,
        ),
        "dnnl_dilated_convolution_backward_data_desc_init",
        label,
      );
    } else {
      check(
        d.sym.dnnl_dilated_convolution_backward_weights_desc_init(
          desc,
          algorithmOf(plan),
          descs.src,
          descs.w,
          null,
          descs.dst,
          a.strides,
          a.dil,
          a.padL,
          a.padR,
        ),
        "dnnl_dilated_convolution_backward_weights_desc_init",
        label,
      );
    }
    const pd = createPd(d, desc, fwdPd, label);
    const q = (what: number) => queryMd(d, pd, what, label);
    op = pass === "data"
      ? new Op(d, label, pd, [
        new Port(d, C.argDiffDst, u.y, q(C.queryDiffDst), false, 0, label),
        new Port(d, C.argWeights, u.w, q(C.queryWeights), false, 1, label),
        new Port(d, C.argDiffSrc, u.x, q(C.queryDiffSrc), true, 2, label),
      ])
      : new Op(d, label, pd, [
        new Port(d, C.argSrc, u.x, q(C.querySrc), false, 0, label),
        new Port(d, C.argDiffDst, u.y, q(C.queryDiffDst), false, 1, label),
        new Port(d, C.argDiffWeights, u.w, q(C.queryDiffWeights), true, 2, label),
      ]);
    d.sym.dnnl_primitive_desc_destroy(pd);
  }
  convCache.set(key, op);
  return op;
}

let envLayout: ConvPlan["layout"] | null | undefined;

/**
 * How every pass of convolution `g` runs, decided by shape alone (never by timing: two processes
 * must run the same arithmetic, or a resumed run would not continue bit for bit).
 *
 * - 3x3, stride 1, at least 32x32 outputs and channels in multiples of 16 (the residual
 *   blocks from 128 px up): Winograd F(4x4, 3x3) in oneDNN's blocked layout, all three passes.
 *   Measured (2 threads, 2-vCPU AMD EPYC, 1x66x66x256 -> 64x64x256, medians alternating):
 *   forward 17.0 vs 23.5 ms (NHWC direct), input gradient 21.5 vs 30.1 ms, filter gradient
 *   7.4 vs 17.7 ms, reorders included. Its error against direct is of the same order as
 *   direct's own across layouts (max |diff| / max |y| 1-2.4e-6 for both).
 * - Everything else: direct, in NHWC, tfjs's own layout, so activations and gradients are
 *   never reordered (oneDNN picks its brgconv kernels for NHWC forward). Measured (bench,
 *   2 threads, resnet_6blocks 64px / 128px per iteration): NHWC 840 / 2453 ms, blocked with
 *   reorders at every call 972 / 2715 ms. Filters always take oneDNN's layout (`any`).
 *
 * `CYCLEBENCH_DNNL_ACT=any` runs every direct convolution in the blocked layout instead.
 */
export function convPlan(g: ConvGeom): ConvPlan {
  if (winogradFits(g)) return { layout: "blocked", algorithm: "winograd" };
  if (envLayout === undefined) {
    let v: string | undefined;
    try {
      v = Deno.env.get("CYCLEBENCH_DNNL_ACT");
    } catch {
      v = undefined;
    }
    envLayout = v === "any" ? "blocked" : null;
  }
  return { layout: envLayout ?? "nhwc", algorithm: "direct" };
}

/** Whether {@link convPlan} runs `g` as Winograd (see there for the measurements). */
export function winogradFits(g: ConvGeom): boolean {
  return g.kH === 3 && g.kW === 3 && g.strideH === 1 && g.strideW === 1 &&
    g.dilationH === 1 && g.dilationW === 1 && g.outH * g.outW >= 32 * 32 &&
    g.inC % 16 === 0 && g.outC % 16 === 0;
}

function userConvMds(d: Dnnl, g: ConvGeom) {
  return {
    x: memoryDesc(d, [g.n, g.inC, g.inH, g.inW], C.nhwc),
    w: memoryDesc(d, [g.outC, g.inC, g.kH, g.kW], C.hwio),
    y: memoryDesc(d, [g.n, g.outC, g.outH, g.outW], C.nhwc),
  };
}

/**
 * The identity of a filter's data (a tfjs dataId: immutable while it exists) and how to tell
 * that it still exists; its reordered copy is then kept across calls.
 */
export interface FilterKey {
  key: object;
  alive: (key: object) => boolean;
}

/** y = conv(x, w): pointers to NHWC x, HWIO w and NHWC y. */
export function convForward(
  d: Dnnl,
  g: ConvGeom,
  x: Ptr,
  w: Ptr,
  y: Ptr,
  filter?: FilterKey,
): void {
  convOp(d, g, "forward").run(d, [x, w, y], [undefined, filter?.key], filter?.alive);
}

/** dx = conv's input gradient for dy and w. */
export function convBackwardData(
  d: Dnnl,
  g: ConvGeom,
  dy: Ptr,
  w: Ptr,
  dx: Ptr,
  filter?: FilterKey,
): void {
  convOp(d, g, "data").run(d, [dy, w, dx], [undefined, filter?.key], filter?.alive);
}

/** dw = conv's filter gradient for x and dy. */
export function convBackwardWeights(d: Dnnl, g: ConvGeom, x: Ptr, dy: Ptr, dw: Ptr): void {
  convOp(d, g, "weights").run(d, [x, dy, dw]);
}

// --------------------------------------------------------------------------------------------
// Matmul

const matmulCache = new Map<string, Op>();

/**
 * c = a @ b for row-major batched matrices: a [batchA, m, k] (or [batchA, k, m] when
 * `transposeA`), b [batchB, k, n] (or [batchB, n, k]), c [max batch, m, n]; a batch of 1
 * broadcasts.
 */
export function matmul(
  d: Dnnl,
  s: {
    batchA: number;
    batchB: number;
    m: number;
    k: number;
    n: number;
    transposeA: boolean;
    transposeB: boolean;
  },
  a: Ptr,
  b: Ptr,
  c: Ptr,
): void {
  const key = `${s.batchA},${s.batchB},${s.m},${s.k},${s.n},${s.transposeA},${s.transposeB}`;
  let op = matmulCache.get(key);
  if (!op) {
    const label = `matmul [${s.batchA}x${s.m}x${s.k}]${s.transposeA ? "^T" : ""} @ ` +
      `[${s.batchB}x${s.k}x${s.n}]${s.transposeB ? "^T" : ""}`;
    // Logical dims are (batch, rows, cols); a transposed operand is the same logical matrix
    // stored column-major within each batch (tag acb).
    const aMd = memoryDesc(d, [s.batchA, s.m, s.k], s.transposeA ? 17 : C.tagAbc);
    const bMd = memoryDesc(d, [s.batchB, s.k, s.n], s.transposeB ? 17 : C.tagAbc);
    const cMd = memoryDesc(d, [Math.max(s.batchA, s.batchB), s.m, s.n], C.tagAbc);
    const desc = new Uint8Array(MATMUL_DESC_BYTES);
    check(
      d.sym.dnnl_matmul_desc_init(desc, aMd, bMd, null, cMd),
      "dnnl_matmul_desc_init",
      label,
    );
    const pd = createPd(d, desc, null, label);
    op = new Op(d, label, pd, [
      new Port(d, C.argSrc, aMd, aMd, false, 0, label),
      new Port(d, C.argWeights, bMd, bMd, false, 1, label),
      new Port(d, C.argDst, cMd, cMd, true, 2, label),
    ]);
    d.sym.dnnl_primitive_desc_destroy(pd);
    matmulCache.set(key, op);
  }
  op.run(d, [a, b, c]);
}

// --------------------------------------------------------------------------------------------
// Instance normalization (batch normalization over one NHWC image)

interface NormPrims {
  fwd: Op;
  fwdPd: Ptr;
  bwd?: Op;
  dataMd: Uint8Array;
  statMd: Uint8Array;
}

const normCache = new Map<string, NormPrims>();

function normPrims(d: Dnnl, h: number, w: number, c: number, eps: number): NormPrims {
  const key = `${h},${w},${c},${eps}`;
  const hit = normCache.get(key);
  if (hit) return hit;
  const label = `instance norm 1x${h}x${w}x${c} eps ${eps}`;
  const dataMd = memoryDesc(d, [1, c, h, w], C.nhwc);
  const desc = new Uint8Array(BNORM_DESC_BYTES);
  check(
    d.sym.dnnl_batch_normalization_forward_desc_init(
      desc,
      C.forwardTraining,
      dataMd,
      eps,
      C.bnormNone,
    ),
    "dnnl_batch_normalization_forward_desc_init",
    label,
  );
  const fwdPd = createPd(d, desc, null, `${label} (forward)`);
  const statMd = memoryDesc(d, [c], C.tagA);
  const fwd = new Op(d, `${label} (forward)`, fwdPd, [
    new Port(d, C.argSrc, dataMd, dataMd, false, 0, label),
    new Port(d, C.argDst, dataMd, dataMd, true, 1, label),
    new Port(d, C.argMean, statMd, statMd, true, 2, label),
    new Port(d, C.argVariance, statMd, statMd, true, 3, label),
  ]);
  const prims: NormPrims = { fwd, fwdPd, dataMd, statMd };
  normCache.set(key, prims);
  return prims;
}

/**
 * y = (x - mean) / sqrt(var + eps) per channel over one NHWC image of h x w x c floats;
 * writes the per-channel mean and (biased) variance too.
 */
export function instanceNormForward(
  d: Dnnl,
  s: { h: number; w: number; c: number; eps: number },
  x: Ptr,
  y: Ptr,
  mean: Ptr,
  variance: Ptr,
): void {
  normPrims(d, s.h, s.w, s.c, s.eps).fwd.run(d, [x, y, mean, variance]);
}

/** dx of {@link instanceNormForward} from x, its mean and variance, and dy. */
export function instanceNormBackward(
  d: Dnnl,
  s: { h: number; w: number; c: number; eps: number },
  x: Ptr,
  mean: Ptr,
  variance: Ptr,
  dy: Ptr,
  dx: Ptr,
): void {
  const p = normPrims(d, s.h, s.w, s.c, s.eps);
  if (!p.bwd) {
    const label = `instance norm 1x${s.h}x${s.w}x${s.c} eps ${s.eps} (backward)`;
    const desc = new Uint8Array(BNORM_DESC_BYTES);
    check(
      d.sym.dnnl_batch_normalization_backward_desc_init(
        desc,
        C.backwardData,
        p.dataMd,
        p.dataMd,
        s.eps,
        C.bnormNone,
      ),
      "dnnl_batch_normalization_backward_desc_init",
      label,
    );
    const pd = createPd(d, desc, p.fwdPd, label);
    p.bwd = new Op(d, label, pd, [
      new Port(d, C.argSrc, p.dataMd, p.dataMd, false, 0, label),
      new Port(d, C.argMean, p.statMd, p.statMd, false, 1, label),
      new Port(d, C.argVariance, p.statMd, p.statMd, false, 2, label),
      new Port(d, C.argDiffDst, p.dataMd, p.dataMd, false, 3, label),
      new Port(d, C.argDiffSrc, p.dataMd, p.dataMd, true, 4, label),
    ]);
    d.sym.dnnl_primitive_desc_destroy(pd);
  }
  p.bwd.run(d, [x, mean, variance, dy, dx]);
}

// --------------------------------------------------------------------------------------------
// Element-wise activations

/** The activations the native backend runs in oneDNN. */
export type Activation = "relu" | "leakyRelu" | "tanh";

interface EltPrims {
  fwdPd: Ptr;
  fwd: Op;
  bwd?: Op;
  md: Uint8Array;
}

const eltCache = new Map<string, EltPrims>();

function eltAlg(kind: Activation): number {
  return kind === "tanh" ? C.eltwiseTanhUseDst : C.eltwiseRelu;
}

function eltPrims(d: Dnnl, kind: Activation, size: number, alpha: number): EltPrims {
  const key = `${kind},${size},${alpha}`;
  const hit = eltCache.get(key);
  if (hit) return hit;
  const label = `${kind} over ${size} floats${kind === "leakyRelu" ? ` slope ${alpha}` : ""}`;
  const md = memoryDesc(d, [size], C.tagA);
  const desc = new Uint8Array(ELTWISE_DESC_BYTES);
  check(
    d.sym.dnnl_eltwise_forward_desc_init(desc, C.forwardTraining, eltAlg(kind), md, alpha, 0),
    "dnnl_eltwise_forward_desc_init",
    label,
  );
  const fwdPd = createPd(d, desc, null, `${label} (forward)`);
  const fwd = new Op(d, `${label} (forward)`, fwdPd, [
    new Port(d, C.argSrc, md, md, false, 0, label),
    new Port(d, C.argDst, md, md, true, 1, label),
  ]);
  const prims = { fwdPd, fwd, md };
  eltCache.set(key, prims);
  return prims;
}

/** y = activation(x) over `size` floats (`alpha`: LeakyReLU's negative slope, else 0). */
export function activationForward(
  d: Dnnl,
  kind: Activation,
  size: number,
  alpha: number,
  x: Ptr,
  y: Ptr,
): void {
  eltPrims(d, kind, size, alpha).fwd.run(d, [x, y]);
}

/**
 * dx of an activation: from its input `xOrY` for ReLU / LeakyReLU, from its output for tanh
 * (oneDNN's `use_dst_for_bwd` form, as tfjs's TanhGrad).
 */
export function activationBackward(
  d: Dnnl,
  kind: Activation,
  size: number,
  alpha: number,
  xOrY: Ptr,
  dy: Ptr,
  dx: Ptr,
): void {
  const p = eltPrims(d, kind, size, alpha);
  if (!p.bwd) {
    const label = `${kind} over ${size} floats (backward)`;
    const desc = new Uint8Array(ELTWISE_DESC_BYTES);
    check(
      d.sym.dnnl_eltwise_backward_desc_init(desc, eltAlg(kind), p.md, p.md, alpha, 0),
      "dnnl_eltwise_backward_desc_init",
      label,
    );
    const pd = createPd(d, desc, p.fwdPd, label);
    p.bwd = new Op(d, label, pd, [
      new Port(d, kind === "tanh" ? C.argDst : C.argSrc, p.md, p.md, false, 0, label),
      new Port(d, C.argDiffDst, p.md, p.md, false, 1, label),
      new Port(d, C.argDiffSrc, p.md, p.md, true, 2, label),
    ]);
    d.sym.dnnl_primitive_desc_destroy(pd);
  }
  p.bwd.run(d, [xOrY, dy, dx]);
}

/** Every convolution primitive created so far: its label and oneDNN's implementation name. */
export function convImplementations(): Array<{ label: string; impl: string }> {
  return [...convCache.values()].map((op) => ({ label: op.label, impl: op.impl }));
}

/** Number of cached primitive sets (for tests: caching by shape works). */
export function cachedPrimitives(): number {
  return convCache.size + matmulCache.size + normCache.size + eltCache.size;
}
