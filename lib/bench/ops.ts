/**
 * Per-op throughput of the convolutions a CycleGAN training step runs: forward conv, our dx
 * and dW kernels, and our sub-pixel transposed conv, on the layer shapes of a resnet_6blocks
 * generator (ngf 64) and a 70x70 PatchGAN (backend-prototype.md section 2 measured the same
 * table at 128 px). GFLOP/s = 2 x MACs / time; dx and dW count the forward's MACs.
 *
 * ```sh
 * deno run -A lib/bench/ops.ts --backend wasm --sizes 64,128 --repeats 5
 * ```
 * @module
 */
import { tf } from "../tf.ts";
import {
  conv2dFilterGrad,
  conv2dInputGrad,
  convTranspose2d,
  explicitConvPad,
  type TfConvPad,
} from "../backend/kernels/mod.ts";
import { isJsCopyBackend } from "../backend/kernels/_permute.ts";
import { loadAverage } from "./machine.ts";

export type { TfConvPad };

/** Which computation a row times. */
export type OpName = "conv_fwd" | "conv_dw" | "conv_dx" | "convT_fwd";

/** One measured op on one layer shape. */
export interface OpRow {
  /** Which computation was timed. */
  op: OpName;
  /** Layer name, e.g. `G res 256 3x3 s1`. */
  layer: string;
  /** Input, filter, stride/pad and output, e.g. `1x18x18x256 * 3x3x256x256 s1 valid -> ...`. */
  shape: string;
  /** Median milliseconds over the repeats (after one warm-up run). */
  ms: number;
  /** 2 x multiply-accumulates / time. */
  gflops: number;
}

/** Options of {@link benchOps}. */
export interface BenchOpsOptions {
  /** tfjs backend name: `wasm`, `cpu`, `webgpu`, `tensorflow`. */
  backend: string;
  /** Generator input sizes in pixels (multiples of 8), e.g. `[64, 128]`. */
  sizes: number[];
  /** Timed runs per op; the median is reported. */
  repeats: number;
}

/** An NHWC or filter shape. */
export type Shape4 = [number, number, number, number];

/** A layer: a conv (x, filter [kh, kw, Cin, Cout]) or a transposed conv (filter [k, k, outC, inC]). */
export type OpLayer =
  | { kind: "conv"; layer: string; x: Shape4; w: Shape4; strides: number; pad: TfConvPad }
  | {
    kind: "convT";
    layer: string;
    x: Shape4;
    w: Shape4;
    stride: number;
    padding: number;
    outputPadding: number;
  };

/**
 * The conv layers of resnet_6blocks (ngf 64) and PatchGAN (ndf 64) for an `s`-pixel input.
 * Reflection padding is applied before the generator's 7x7 and residual convs, so those are
 * `valid` on the padded size, as in the model.
 */
export function cycleGanLayers(s: number): OpLayer[] {
  const q = s / 4;
  return [
    {
      kind: "conv",
      layer: "G c7s1 3->64",
      x: [1, s + 6, s + 6, 3],
      w: [7, 7, 3, 64],
      strides: 1,
      pad: "valid",
    },
    {
      kind: "conv",
      layer: "G down 64->128 3x3 s2",
      x: [1, s, s, 64],
      w: [3, 3, 64, 128],
      strides: 2,
      pad: 1,
    },
    {
      kind: "conv",
      layer: "G down 128->256 3x3 s2",
      x: [1, s / 2, s / 2, 128],
      w: [3, 3, 128, 256],
      strides: 2,
      pad: 1,
    },
    {
      kind: "conv",
      layer: "G res 256 3x3 s1",
      x: [1, q + 2, q + 2, 256],
      w: [3, 3, 256, 256],
      strides: 1,
      pad: "valid",
    },
    {
      kind: "convT",
      layer: "G up 256->128 3x3 s2 op1",
      x: [1, q, q, 256],
      w: [3, 3, 128, 256],
      stride: 2,
      padding: 1,
      outputPadding: 1,
    },
    {
      kind: "convT",
      layer: "G up 128->64 3x3 s2 op1",
      x: [1, s / 2, s / 2, 128],
      w: [3, 3, 64, 128],
      stride: 2,
      padding: 1,
      outputPadding: 1,
    },
    {
      kind: "conv",
      layer: "G c7s1 64->3",
      x: [1, s + 6, s + 6, 64],
      w: [7, 7, 64, 3],
      strides: 1,
      pad: "valid",
    },
    {
      kind: "conv",
      layer: "D 64->128 4x4 s2",
      x: [1, s / 2, s / 2, 64],
      w: [4, 4, 64, 128],
      strides: 2,
      pad: 1,
    },
    {
      kind: "conv",
      layer: "D 256->512 4x4 s1",
      x: [1, s / 8, s / 8, 256],
      w: [4, 4, 256, 512],
      strides: 1,
      pad: 1,
    },
  ];
}

/**
 * Times each op on each layer shape at each size, on `backend`: `conv_fwd` (`tf.conv2d`),
 * `conv_dx` ({@link conv2dInputGrad}), `conv_dw` ({@link conv2dFilterGrad}, "auto" method)
 * and `convT_fwd` ({@link convTranspose2d}). Weights are created once per layer, as in
 * training (the wasm backend caches its XNNPACK operator per filter tensor).
 *
 * @example
 * ```ts
 * const rows = await benchOps({ backend: "wasm", sizes: [64], repeats: 3 });
 * console.log(formatOpTable(rows));
 * ```
 */
export async function benchOps(opts: BenchOpsOptions): Promise<OpRow[]> {
  await activate(opts.backend);
  if (!(opts.repeats >= 1)) {
    throw new Error(`Cannot benchmark with repeats=${opts.repeats}: expected at least 1`);
  }
  const rows: OpRow[] = [];
  const ours = isJsCopyBackend();
  for (const size of opts.sizes) {
    if (!(size > 0 && size % 8 === 0)) {
      throw new Error(`Cannot benchmark size ${size}: expected a positive multiple of 8`);
    }
    for (const l of cycleGanLayers(size)) {
      const x = tf.randomNormal(l.x, 0, 1, "float32", 1) as tf.Tensor4D;
      const w = tf.randomNormal(l.w, 0, 0.05, "float32", 2) as tf.Tensor4D;
      if (l.kind === "conv") {
        const pad = explicitConvPad(l.x, l.w, { pad: l.pad, strides: l.strides });
        const outShape: Shape4 = [l.x[0], pad.outHeight, pad.outWidth, l.w[3]];
        const dy = tf.randomNormal(outShape, 0, 1, "float32", 3) as tf.Tensor4D;
        const macs = prod(outShape) * l.w[0] * l.w[1] * l.w[2];
        const shape = `${dims(l.x)} * ${dims(l.w)} s${l.strides} ${padName(l.pad)} -> ${
          dims(outShape)
        }`;
        const geometry = { strides: l.strides, pad };
        // Where training uses tfjs's own backprop kernels (webgpu, tensorflow), time those.
        const tfjsPad = [[0, 0], [pad.top, pad.bottom], [pad.left, pad.right], [0, 0]];
        const builtin = (kernel: string, inputs: tf.NamedTensorMap, shapeAttr: object) => () =>
          tf.engine().runKernel(kernel, inputs, {
            strides: l.strides,
            pad: tfjsPad,
            dataFormat: "NHWC",
            dilations: 1,
            ...shapeAttr,
          }) as tf.Tensor;
        const ops: [OpName, () => tf.Tensor][] = [
          ["conv_fwd", () => tf.conv2d(x, w, l.strides, l.pad)],
          [
            "conv_dx",
            ours
              ? () => conv2dInputGrad(dy, w, { ...geometry, inShape: l.x })
              : builtin("Conv2DBackpropInput", { dy, filter: w }, { inputShape: l.x }),
          ],
          [
            "conv_dw",
            ours
              ? () => conv2dFilterGrad(x, dy, { ...geometry, filterShape: l.w })
              : builtin("Conv2DBackpropFilter", { x, dy }, { filterShape: l.w }),
          ],
        ];
        for (const [op, run] of ops) {
          const ms = await medianMs(run, opts.repeats);
          rows.push({ op, layer: l.layer, shape, ms, gflops: (2 * macs) / (ms * 1e6) });
        }
        dy.dispose();
      } else {
        const options = { stride: l.stride, padding: l.padding, outputPadding: l.outputPadding };
        const outH = (l.x[1] - 1) * l.stride - 2 * l.padding + l.w[0] + l.outputPadding;
        const outShape: Shape4 = [l.x[0], outH, outH, l.w[2]];
        const macs = prod(l.x) * l.w[0] * l.w[1] * l.w[2];
        const shape = `${dims(l.x)} * ${dims(l.w)} s${l.stride} p${l.padding} ` +
          `op${l.outputPadding} -> ${dims(outShape)}`;
        const ms = await medianMs(() => convTranspose2d(x, w, options), opts.repeats);
        rows.push({ op: "convT_fwd", layer: l.layer, shape, ms, gflops: (2 * macs) / (ms * 1e6) });
      }
      tf.dispose([x, w]);
    }
  }
  return rows;
}

/**
 * A fixed-width text table of {@link OpRow}s.
 *
 * @example
 * ```ts
 * console.log(formatOpTable(await benchOps({ backend: "wasm", sizes: [64], repeats: 3 })));
 * ```
 */
export function formatOpTable(rows: OpRow[]): string {
  const header = ["op", "layer", "shape", "ms", "GFLOP/s"];
  const cells = rows.map((r) => [r.op, r.layer, r.shape, r.ms.toFixed(2), r.gflops.toFixed(1)]);
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i].length)));
  const line = (c: string[]) =>
    c.map((v, i) => (i >= 3 ? v.padStart(widths[i]) : v.padEnd(widths[i]))).join("  ");
  return [line(header), line(widths.map((w) => "-".repeat(w))), ...cells.map(line)].join("\n");
}

async function activate(backend: string): Promise<void> {
  // Imported on demand so that benchmarking one backend doesn't load the others.
  if (backend === "wasm") await import("@tensorflow/tfjs-backend-wasm");
  if (backend === "webgpu") await import("@tensorflow/tfjs-backend-webgpu");
  if (!(await tf.setBackend(backend))) {
    throw new Error(`Cannot benchmark on backend '${backend}': tfjs could not initialise it`);
  }
  await tf.ready();
}

/** Median wall time of `run` (including reading its result back), after one warm-up run. */
async function medianMs(run: () => tf.Tensor, repeats: number): Promise<number> {
  const once = async () => {
    const t0 = performance.now();
    const y = run();
    await y.data();
    const ms = performance.now() - t0;
    y.dispose();
    return ms;
  };
  await once();
  const times: number[] = [];
  for (let i = 0; i < repeats; i++) times.push(await once());
  times.sort((a, b) => a - b);
  const mid = Math.floor(times.length / 2);
  return times.length % 2 ? times[mid] : (times[mid - 1] + times[mid]) / 2;
}

function prod(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

function dims(shape: readonly number[]): string {
  return shape.join("x");
}

function padName(pad: TfConvPad): string {
  return typeof pad === "number" ? `p${pad}` : typeof pad === "string" ? pad : JSON.stringify(pad);
}

function parseArgs(args: string[]): BenchOpsOptions {
  const opts: BenchOpsOptions = { backend: "wasm", sizes: [64, 128], repeats: 5 };
  for (let i = 0; i < args.length; i++) {
    const [flag, inline] = args[i].split("=", 2);
    const value = () => inline ?? args[++i];
    if (flag === "--backend") opts.backend = value();
    else if (flag === "--sizes") opts.sizes = value().split(",").map(Number);
    else if (flag === "--repeats") opts.repeats = Number(value());
    else {
      throw new Error(
        `Unknown option '${args[i]}': expected --backend NAME, --sizes 64,128, --repeats N`,
      );
    }
  }
  return opts;
}

if (import.meta.main) {
  const opts = parseArgs(Deno.args);
  const load = loadAverage();
  const rows = await benchOps(opts);
  console.log(
    `backend ${opts.backend}, sizes ${opts.sizes.join(",")}, median of ${opts.repeats}, ` +
      `load ${load} at start, ${loadAverage()} at end`,
  );
  console.log(formatOpTable(rows));
}
