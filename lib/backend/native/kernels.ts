/**
 * The native backend's tfjs kernels: the wasm backend's kernel set with the heavy kernels
 * replaced by oneDNN primitives ({@link ./prims.ts}) that read and write the tensors in place in
 * the wasm heap (zero copy: FFI pointers into `WebAssembly.Memory`).
 *
 * | kernel                               | oneDNN primitive                                    |
 * |--------------------------------------|-----------------------------------------------------|
 * | `Conv2D`                             | convolution forward (plan by shape: `convPlan()`)   |
 * | `Conv2DBackpropInput`                | convolution backward data (also `conv2dTranspose`)  |
 * | `Conv2DBackpropFilter`               | convolution backward weights                        |
 * | `BatchMatMul`                        | matmul (row-major, transposes as strides)           |
 * | `CyclebenchInstanceNorm` (+ `Grad`)  | batch normalization over one image, per image       |
 * | `CyclebenchActivationGrad`           | eltwise backward: ReLU, LeakyReLU, tanh             |
 * | `CyclebenchMirrorPadGrad`            | (JS over the heap) exact reflection-pad gradient    |
 * | `Identity`                           | none: a shared, reference-counted view (no copy)    |
 * | `Sum` over leading axes (bias grads) | matmul ones[1, rows] @ x (large); else a JS loop    |
 * | `CyclebenchAdamStep`                 | (JS over the heap) one pass of Adam, float32 ops    |
 *
 * Every other kernel is the wasm backend's own. The two `Cyclebench*` kernels are called by
 * `lib/nn/layers.ts` (instance norm) and by the activation gradients of `./gradients.ts` when the
 * active backend has them.
 * @module
 */
import { tf } from "../../tf.ts";
import type { BackendWasm } from "@tensorflow/tfjs-backend-wasm";
import type { Dnnl } from "./dnnl.ts";
import { type AdamSimd, adamSimd } from "./adam_simd.ts";
import {
  type Activation,
  activationBackward,
  convBackwardData,
  convBackwardWeights,
  convForward,
  type ConvGeom,
  type FilterKey,
  instanceNormBackward,
  instanceNormForward,
  matmul,
} from "./prims.ts";
import {
  ACTIVATION_GRAD_KERNEL,
  ADAM_STEP_KERNEL,
  INSTANCE_NORM_GRAD_KERNEL,
  INSTANCE_NORM_KERNEL,
  MIRROR_PAD_GRAD_KERNEL,
} from "../kernels/names.ts";

/**
 * Where each padded coordinate along one axis reads from: `reflect` mirrors around the edge
 * element, `symmetric` repeats it (tfjs's MirrorPad modes).
 */
function mirrorSource(n: number, before: number, after: number, reflect: boolean): Int32Array {
  const src = new Int32Array(n + before + after);
  const off = reflect ? 1 : 0;
  for (let i = 0; i < src.length; i++) {
    const j = i - before;
    src[i] = j < 0 ? -j - 1 + off : j >= n ? 2 * n - j - 1 - off : j;
  }
  return src;
}

/**
 * Which loop runs the native Adam update: the WebAssembly SIMD pass over the wasm heap
 * (adam_simd.ts; a variable's last < 4 lanes in JS), or, where that module cannot compile or
 * link against the heap, the JS loop for every lane. Both give the same bits; the SIMD pass is
 * several times faster, so which one ran is recorded (the run's backend line) and tested.
 */
export type AdamPath = "WebAssembly SIMD" | "JS fallback";

/** The SIMD loop over the heap once tried (false: it could not link, the JS loop runs). */
let adamLoop: AdamSimd | false | undefined;
/** Parameters (lanes) each loop has updated in this process. */
const adamLanes = { simd: 0, js: 0 };

/**
 * The Adam path of the native backend `backend` (a wasm backend instance), decided once per
 * process: the kernel and the backend line both use this answer.
 */
export function nativeAdamPath(backend: tf.KernelBackend): AdamPath {
  if (adamLoop === undefined) {
    const memory = heapMemory(wasmOf(backend));
    adamLoop = (memory && adamSimd(memory)) ?? false;
  }
  return adamLoop ? "WebAssembly SIMD" : "JS fallback";
}

/**
 * How many parameters the native Adam kernel has updated in this process, by loop: `simd`
 * (the WebAssembly SIMD pass) and `js` (the JS loop: every lane on the fallback, else the
 * < 4 lanes left at the end of each variable). A copy; tests compare two readings.
 */
export function adamLaneCounts(): { simd: number; js: number } {
  return { ...adamLanes };
}

type KernelArgs = {
  inputs: tf.NamedTensorInfoMap;
  backend: tf.KernelBackend;
  attrs?: tf.NamedAttrMap;
};

function wasmOf(backend: tf.KernelBackend): BackendWasm {
  return backend as unknown as BackendWasm;
}

/** The wasm backend's `WebAssembly.Memory` (Emscripten exports it as `memory`), if exported. */
function heapMemory(b: BackendWasm): WebAssembly.Memory | undefined {
  const w = b.wasm as unknown as {
    asm?: { memory?: unknown };
    wasmExports?: { memory?: unknown };
  };
  const memory = w.asm?.memory ?? w.wasmExports?.memory;
  return memory instanceof WebAssembly.Memory ? memory : undefined;
}

/** Pointer to a tensor's float32 data in the wasm heap (the view is rebuilt: heaps grow). */
function ptr(b: BackendWasm, t: tf.TensorInfo, offsetFloats = 0): Deno.PointerValue {
  const view = b.typedArrayFromHeap(t) as Float32Array;
  return Deno.UnsafePointer.of(offsetFloats === 0 ? view : view.subarray(offsetFloats));
}

/**
 * A filter's identity for the kept reordered copies (prims.ts): its dataId, immutable while the
 * backend holds it (an optimizer step makes a new tensor; Identity shares, never writes).
 */
function filterKey(b: BackendWasm, filter: tf.TensorInfo): FilterKey {
  return { key: filter.dataId, alive: (key) => b.dataIdMap.has(key as tf.DataId) };
}

function requireFloat(kernel: string, ...ts: tf.TensorInfo[]): void {
  for (const t of ts) {
    if (t.dtype !== "float32") {
      throw new Error(`native ${kernel}: expected float32 tensors, got ${t.dtype} [${t.shape}]`);
    }
  }
}

function requireNhwc(kernel: string, dataFormat: unknown): void {
  if (dataFormat !== undefined && dataFormat !== "NHWC") {
    throw new Error(`native ${kernel}: only NHWC is supported, got dataFormat ${dataFormat}`);
  }
}

function geometry(info: tf.backend_util.Conv2DInfo): ConvGeom {
  return {
    n: info.batchSize,
    inH: info.inHeight,
    inW: info.inWidth,
    inC: info.inChannels,
    outH: info.outHeight,
    outW: info.outWidth,
    outC: info.outChannels,
    kH: info.filterHeight,
    kW: info.filterWidth,
    strideH: info.strideHeight,
    strideW: info.strideWidth,
    dilationH: info.dilationHeight,
    dilationW: info.dilationWidth,
    padTop: info.padInfo.top,
    padLeft: info.padInfo.left,
  };
}

function empty(shape: number[]): boolean {
  return shape.some((s) => s === 0);
}

/** Elements from which a leading-axes Sum runs as a oneDNN matmul (below: a JS loop). */
const SUM_MATMUL_MIN = 1 << 18;

/** A row of ones for column sums as a matmul: off the wasm heap (V8 never moves it), grown. */
let ones = new Float32Array(0);

function onesPtr(n: number): Deno.PointerValue {
  if (ones.length < n) ones = new Float32Array(Math.max(n, 2 * ones.length)).fill(1);
  return Deno.UnsafePointer.of(ones);
}

/** The kernel functions, closed over one opened oneDNN. */
export function nativeKernels(d: Dnnl): tf.KernelConfig[] {
  const wasmSum = tf.getKernel("Sum", "wasm");
  if (!wasmSum) throw new Error("native backend: the wasm backend has no Sum kernel");
  const conv2D = ({ inputs, backend, attrs }: KernelArgs): tf.TensorInfo => {
    const { x, filter } = inputs as { x: tf.TensorInfo; filter: tf.TensorInfo };
    const a = attrs as unknown as tf.Conv2DAttrs;
    requireFloat("Conv2D", x, filter);
    requireNhwc("Conv2D", a.dataFormat);
    const info = tf.backend_util.computeConv2DInfo(
      x.shape as [number, number, number, number],
      filter.shape as [number, number, number, number],
      a.strides,
      a.dilations,
      a.pad,
      a.dimRoundingMode,
    );
    const b = wasmOf(backend);
    const out = b.makeOutput(info.outShape, "float32");
    if (empty(x.shape) || empty(filter.shape) || empty(info.outShape)) return out;
    convForward(d, geometry(info), ptr(b, x), ptr(b, filter), ptr(b, out), filterKey(b, filter));
    return out;
  };

  const conv2DBackpropInput = ({ inputs, backend, attrs }: KernelArgs): tf.TensorInfo => {
    const { dy, filter } = inputs as { dy: tf.TensorInfo; filter: tf.TensorInfo };
    const a = attrs as unknown as tf.Conv2DBackpropInputAttrs & { dilations?: number[] };
    requireFloat("Conv2DBackpropInput", dy, filter);
    requireNhwc("Conv2DBackpropInput", a.dataFormat);
    const inShape = a.inputShape as [number, number, number, number];
    const info = tf.backend_util.computeConv2DInfo(
      inShape,
      filter.shape as [number, number, number, number],
      a.strides,
      (a.dilations ?? 1) as [number, number],
      a.pad,
      a.dimRoundingMode,
    );
    const b = wasmOf(backend);
    const out = b.makeOutput(inShape, "float32");
    if (empty(inShape)) return out;
    if (empty(dy.shape) || empty(filter.shape)) {
      (b.typedArrayFromHeap(out) as Float32Array).fill(0);
      return out;
    }
    convBackwardData(
      d,
      geometry(info),
      ptr(b, dy),
      ptr(b, filter),
      ptr(b, out),
      filterKey(b, filter),
    );
    return out;
  };

  const conv2DBackpropFilter = ({ inputs, backend, attrs }: KernelArgs): tf.TensorInfo => {
    const { x, dy } = inputs as { x: tf.TensorInfo; dy: tf.TensorInfo };
    const a = attrs as unknown as tf.Conv2DBackpropFilterAttrs & { dilations?: number[] };
    requireFloat("Conv2DBackpropFilter", x, dy);
    requireNhwc("Conv2DBackpropFilter", a.dataFormat);
    const filterShape = a.filterShape as [number, number, number, number];
    const info = tf.backend_util.computeConv2DInfo(
      x.shape as [number, number, number, number],
      filterShape,
      a.strides,
      (a.dilations ?? 1) as [number, number],
      a.pad,
      a.dimRoundingMode,
    );
    const b = wasmOf(backend);
    const out = b.makeOutput(filterShape, "float32");
    if (empty(filterShape)) return out;
    if (empty(x.shape) || empty(dy.shape)) {
      (b.typedArrayFromHeap(out) as Float32Array).fill(0);
      return out;
    }
    convBackwardWeights(d, geometry(info), ptr(b, x), ptr(b, dy), ptr(b, out));
    return out;
  };

  const batchMatMul = ({ inputs, backend, attrs }: KernelArgs): tf.TensorInfo => {
    const { a, b: bm } = inputs as { a: tf.TensorInfo; b: tf.TensorInfo };
    const { transposeA, transposeB } = attrs as unknown as tf.BatchMatMulAttrs;
    requireFloat("BatchMatMul", a, bm);
    if (a.shape.length < 2 || bm.shape.length < 2) {
      throw new Error(
        `native BatchMatMul: expected inputs of rank >= 2, got [${a.shape}] and [${bm.shape}]`,
      );
    }
    const lead = (s: number[]) => s.slice(0, -2);
    const [a1, a2] = a.shape.slice(-2);
    const [b1, b2] = bm.shape.slice(-2);
    const batchA = tf.util.sizeFromShape(lead(a.shape));
    const batchB = tf.util.sizeFromShape(lead(bm.shape));
    const [m, k] = transposeA ? [a2, a1] : [a1, a2];
    const [kb, n] = transposeB ? [b2, b1] : [b1, b2];
    // Batches broadcast when equal or when one side has a single matrix.
    const sameBatch = lead(a.shape).join() === lead(bm.shape).join();
    if (k !== kb || !(sameBatch || batchA === 1 || batchB === 1)) {
      throw new Error(
        `native BatchMatMul: cannot multiply [${a.shape}]${transposeA ? "^T" : ""} by ` +
          `[${bm.shape}]${transposeB ? "^T" : ""}: inner sizes ${k} and ${kb}, batch shapes ` +
          `[${lead(a.shape)}] and [${lead(bm.shape)}]`,
      );
    }
    const batchShape = batchA >= batchB && lead(a.shape).length >= lead(bm.shape).length
      ? lead(a.shape)
      : lead(bm.shape);
    const b = wasmOf(backend);
    const out = b.makeOutput([...batchShape, m, n], "float32");
    if (empty(out.shape)) return out;
    if (k === 0) {
      (b.typedArrayFromHeap(out) as Float32Array).fill(0);
      return out;
    }
    matmul(
      d,
      { batchA, batchB, m, k, n, transposeA: !!transposeA, transposeB: !!transposeB },
      ptr(b, a),
      ptr(b, bm),
      ptr(b, out),
    );
    return out;
  };

  const instanceNorm = ({ inputs, backend, attrs }: KernelArgs): tf.TensorInfo[] => {
    const { x } = inputs as { x: tf.TensorInfo };
    const eps = (attrs as { eps: number }).eps;
    requireFloat(INSTANCE_NORM_KERNEL, x);
    const [n, h, w, c] = x.shape;
    const b = wasmOf(backend);
    const y = b.makeOutput(x.shape, "float32");
    const mean = b.makeOutput([n, c], "float32");
    const variance = b.makeOutput([n, c], "float32");
    const s = { h, w, c, eps };
    for (let i = 0; i < n; i++) {
      const o = i * h * w * c;
      instanceNormForward(
        d,
        s,
        ptr(b, x, o),
        ptr(b, y, o),
        ptr(b, mean, i * c),
        ptr(b, variance, i * c),
      );
    }
    return [y, mean, variance];
  };

  const instanceNormGrad = ({ inputs, backend, attrs }: KernelArgs): tf.TensorInfo => {
    const { x, mean, variance, dy } = inputs as Record<string, tf.TensorInfo>;
    const eps = (attrs as { eps: number }).eps;
    requireFloat(INSTANCE_NORM_GRAD_KERNEL, x, mean, variance, dy);
    const [n, h, w, c] = x.shape;
    const b = wasmOf(backend);
    const dx = b.makeOutput(x.shape, "float32");
    const s = { h, w, c, eps };
    for (let i = 0; i < n; i++) {
      const o = i * h * w * c;
      instanceNormBackward(
        d,
        s,
        ptr(b, x, o),
        ptr(b, mean, i * c),
        ptr(b, variance, i * c),
        ptr(b, dy, o),
        ptr(b, dx, o),
      );
    }
    return dx;
  };

  const activationGrad = ({ inputs, backend, attrs }: KernelArgs): tf.TensorInfo => {
    const { xOrY, dy } = inputs as { xOrY: tf.TensorInfo; dy: tf.TensorInfo };
    const { kind, alpha } = attrs as { kind: Activation; alpha: number };
    requireFloat(ACTIVATION_GRAD_KERNEL, xOrY, dy);
    const b = wasmOf(backend);
    const dx = b.makeOutput(dy.shape, "float32");
    const size = tf.util.sizeFromShape(dy.shape);
    if (size === 0) return dx;
    activationBackward(d, kind, size, alpha, ptr(b, xOrY), ptr(b, dy), ptr(b, dx));
    return dx;
  };

  // The exact MirrorPad gradient: every padded pixel adds its channel vector to the pixel it
  // was copied from (the training kit's tf-op version takes ~10 slice, pad, concat and add
  // kernels per call). In NHWC an interior row of dy is one contiguous run that maps onto one
  // row of dx, so the interior is copied row by row (memcpy speed: 4 % of a 256 px iteration
  // went to the element-wise loop before), and only the border is added element by element.
  // Batch and channel paddings are not folded here.
  const mirrorPadGrad = ({ inputs, backend, attrs }: KernelArgs): tf.TensorInfo => {
    const { dy } = inputs as { dy: tf.TensorInfo };
    const { paddings, mode } = attrs as unknown as tf.MirrorPadAttrs;
    requireFloat(MIRROR_PAD_GRAD_KERNEL, dy);
    const [n, ph, pw, c] = dy.shape;
    const [[t, bt], [l, r]] = [paddings[1], paddings[2]];
    const h = ph - t - bt;
    const w = pw - l - r;
    const b = wasmOf(backend);
    const dx = b.makeOutput([n, h, w, c], "float32");
    const reflect = mode === "reflect";
    const rows = mirrorSource(h, t, bt, reflect);
    const cols = mirrorSource(w, l, r, reflect);
    const g = b.typedArrayFromHeap(dy) as Float32Array;
    const out = b.typedArrayFromHeap(dx) as Float32Array;
    const add = (gi: number, oi: number, y: number, x: number) => {
      const o = oi + (rows[y] * w + cols[x]) * c;
      const s = gi + (y * pw + x) * c;
      for (let ch = 0; ch < c; ch++) out[o + ch] += g[s + ch];
    };
    for (let img = 0; img < n; img++) {
      const gi = img * ph * pw * c;
      const oi = img * h * w * c;
      for (let y = 0; y < h; y++) {
        const s = gi + ((y + t) * pw + l) * c;
        out.set(g.subarray(s, s + w * c), oi + y * w * c);
      }
      for (let y = 0; y < ph; y++) {
        const border = y < t || y >= t + h;
        for (let x = 0; x < pw; x++) {
          if (border || x < l || x >= l + w) add(gi, oi, y, x);
        }
      }
    }
    return dx;
  };

  // Adam's update is ~12 element-wise wasm ops per variable, each a pass over the parameters
  // (3-4 % of a 128px iteration, 15 % at 64px). One pass here (adam_simd.ts) does the same
  // float32 operations in the same order; the JS loop, for the last < 4 lanes or where the
  // SIMD module cannot link, rounds every intermediate with Math.fround (+, *, / and sqrt of
  // float32 values computed in float64 and rounded once are the correctly rounded float32
  // results), so both follow lib/train/adam.ts's arithmetic bit for bit.
  const adamStep = ({ inputs, backend, attrs }: KernelArgs): tf.TensorInfo[] => {
    const { value, m, v, g } = inputs as Record<string, tf.TensorInfo>;
    requireFloat(ADAM_STEP_KERNEL, value, m, v, g);
    const n = tf.util.sizeFromShape(value.shape);
    for (const t of [m, v, g]) {
      if (tf.util.sizeFromShape(t.shape) !== n) {
        throw new Error(
          `native ${ADAM_STEP_KERNEL}: value [${value.shape}] and moment/gradient [${t.shape}] differ`,
        );
      }
    }
    const a = attrs as Record<string, number>;
    const f = Math.fround;
    const b1 = f(a.beta1), c1 = f(1 - a.beta1);
    const b2 = f(a.beta2), c2 = f(1 - a.beta2);
    const eps = f(a.epsilon), nlr = f(-a.learningRate);
    const k1 = f(a.oneMinusAccBeta1), k2 = f(a.oneMinusAccBeta2);
    const b = wasmOf(backend);
    const outP = b.makeOutput([...value.shape], "float32");
    const outM = b.makeOutput([...value.shape], "float32");
    const outV = b.makeOutput([...value.shape], "float32");
    // Views after the outputs exist: allocating can grow the heap and detach older views.
    const P = b.typedArrayFromHeap(value) as Float32Array;
    const M = b.typedArrayFromHeap(m) as Float32Array;
    const V = b.typedArrayFromHeap(v) as Float32Array;
    const G = b.typedArrayFromHeap(g) as Float32Array;
    const oP = b.typedArrayFromHeap(outP) as Float32Array;
    const oM = b.typedArrayFromHeap(outM) as Float32Array;
    const oV = b.typedArrayFromHeap(outV) as Float32Array;
    // Whole groups of four lanes in one SIMD pass over the heap; the rest (< 4) in JS below.
    nativeAdamPath(backend);
    const simd = adamLoop;
    const head = simd ? n - (n % 4) : 0;
    adamLanes.simd += head;
    adamLanes.js += n - head;
    if (simd && head > 0) {
      simd(
        P.byteOffset,
        M.byteOffset,
        V.byteOffset,
        G.byteOffset,
        oP.byteOffset,
        oM.byteOffset,
        oV.byteOffset,
        4 * head,
        b1,
        c1,
        b2,
        c2,
        eps,
        nlr,
        k1,
        k2,
      );
    }
    for (let i = head; i < n; i++) {
      const gi = G[i];
      const mi = f(f(M[i] * b1) + f(gi * c1));
      const vi = f(f(V[i] * b2) + f(f(gi * gi) * c2));
      const denom = f(f(Math.sqrt(f(vi / k2))) + eps);
      oM[i] = mi;
      oV[i] = vi;
      oP[i] = f(f(f(f(mi / k1) / denom) * nlr) + P[i]);
    }
    return [outP, outM, outV];
  };

  // tfjs clones every tensor a gradient saves (and customGrad's save() does too); the wasm
  // Identity kernel copies the data, ~1,150 copies per CycleGAN iteration. Tensors are
  // immutable, so the clone can share the data with a reference count, as the cpu backend's
  // Identity and wasm's own Reshape do.
  const identity = ({ inputs, backend }: KernelArgs): tf.TensorInfo => {
    const { x } = inputs as { x: tf.TensorInfo };
    if (x.dtype === "string") throw new Error("native Identity: string tensors are not supported");
    wasmOf(backend).incRef(x.dataId);
    return { dataId: x.dataId, shape: [...x.shape], dtype: x.dtype };
  };

  // Bias gradients reduce a [N, H, W, C] dy over its leading axes. wasm's Sum moves those axes
  // innermost with a transpose first, which costs more than the convolution's bias add at
  // 128 px. Here the column sums of the [N*H*W, C] view are one oneDNN matmul, ones[1, rows] @
  // dy[rows, C], threaded and vectorised, for large dy (a float64 JS loop over the columns took
  // 2.5 % of a 256 px iteration); small ones stay in that loop, where a primitive's thread
  // hand-off costs more than the sum. Other reductions go to wasm's Sum.
  const sum = (args: KernelArgs): tf.TensorInfo => {
    const { x } = args.inputs as { x: tf.TensorInfo };
    const { axis, keepDims } = args.attrs as unknown as tf.SumAttrs;
    const axes = tf.util.parseAxisParam(axis, x.shape).sort((a, b) => a - b);
    const leading = axes.length > 0 && axes.every((a, i) => a === i);
    if (x.dtype !== "float32" || !leading || tf.util.sizeFromShape(x.shape) === 0) {
      return wasmSum.kernelFunc(args as Parameters<tf.KernelFunc>[0]) as tf.TensorInfo;
    }
    const kept = x.shape.slice(axes.length);
    const cols = tf.util.sizeFromShape(kept);
    const rows = tf.util.sizeFromShape(x.shape.slice(0, axes.length));
    const b = wasmOf(args.backend);
    const outShape = keepDims ? [...axes.map(() => 1), ...kept] : kept;
    const out = b.makeOutput(outShape, "float32");
    if (cols === 0) return out;
    if (rows === 1) {
      (b.typedArrayFromHeap(out) as Float32Array).set(b.typedArrayFromHeap(x) as Float32Array);
      return out;
    }
    if (rows * cols < SUM_MATMUL_MIN) {
      const src = b.typedArrayFromHeap(x) as Float32Array;
      const acc = new Float64Array(cols);
      for (let r = 0; r < rows; r++) {
        const o = r * cols;
        for (let c = 0; c < cols; c++) acc[c] += src[o + c];
      }
      (b.typedArrayFromHeap(out) as Float32Array).set(acc);
      return out;
    }
    const sizes = {
      batchA: 1,
      batchB: 1,
      m: 1,
      k: rows,
      n: cols,
      transposeA: false,
      transposeB: false,
    };
    matmul(d, sizes, onesPtr(rows), ptr(b, x), ptr(b, out));
    return out;
  };

  const k = (
    kernelName: string,
    kernelFunc: (a: KernelArgs) => tf.TensorInfo | tf.TensorInfo[],
  ) => ({ kernelName, backendName: "native", kernelFunc } as tf.KernelConfig);
  return [
    k("Conv2D", conv2D),
    k("Conv2DBackpropInput", conv2DBackpropInput),
    k("Conv2DBackpropFilter", conv2DBackpropFilter),
    k("BatchMatMul", batchMatMul),
    k(INSTANCE_NORM_KERNEL, instanceNorm),
    k(INSTANCE_NORM_GRAD_KERNEL, instanceNormGrad),
    k(ACTIVATION_GRAD_KERNEL, activationGrad),
    k(MIRROR_PAD_GRAD_KERNEL, mirrorPadGrad),
    k(ADAM_STEP_KERNEL, adamStep),
    k("Identity", identity),
    k("Sum", sum),
  ];
}
