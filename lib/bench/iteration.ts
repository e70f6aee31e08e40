/**
 * Full CycleGAN training iterations (G step + D step), timed, with achieved GFLOP/s, peak
 * memory and, when the official PyTorch code runs beside it (`pytorch_child.ts`), the same-run
 * ratio to it: iterations alternate PyTorch, ours, PyTorch, ours ... (`same_run.ts`; the
 * anchor's settings: batch 1, lsgan, identity 0.5, pool 50).
 * @module
 */
import { tf } from "../tf.ts";
import { recompute } from "../backend/memory.ts";
import { createCycleGan, disposeCycleGan, trainStep } from "../train/cyclegan.ts";
import type { Network } from "../nn/network.ts";
import { Rng } from "../nn/rng.ts";
import {
  alternate,
  type IterationTimer,
  SAME_RUN_METHOD,
  type SameRunRatio,
  sameRunRatio,
  spread,
} from "./same_run.ts";
import { loadAverage } from "./machine.ts";
import { startProgramCounter } from "../backend/webgpu_programs.ts";

/** One benchmark configuration (batch 1, lsgan, identity 0.5, pool 50 as the anchor). */
export interface IterationConfig {
  /** Row label. */
  name: string;
  netG: string;
  size: number;
  ngf: number;
  ndf: number;
  /** Re-run blocks in the backward pass (needed at 256x256 on wasm). */
  checkpoint?: boolean;
  /**
   * Seconds per iteration of the official PyTorch code in perf-anchor.md (2 threads, a 2-vCPU
   * Sapphire Rapids, 2026-11-26): history, for scale where PyTorch cannot run (never a ratio).
   */
  pytorchSeconds: number;
}

/** What an iteration trains: a configuration without its PyTorch history. */
export type IterationSetup = Omit<IterationConfig, "pytorchSeconds">;

/**
 * The configuration of issue 18's GPU-program count (`bench --dispatches`): small enough that
 * on a GPU the time goes to dispatching programs, not to arithmetic. PyTorch's anchor has no
 * such configuration, so it carries no history.
 */
export const DISPATCH_CONFIG: IterationSetup = {
  name: "resnet_6blocks 32px ngf4",
  netG: "resnet_6blocks",
  size: 32,
  ngf: 4,
  ndf: 4,
};

/** The configurations of the foundation issue, with perf-anchor.md's PyTorch times. */
export const ITERATION_CONFIGS: readonly IterationConfig[] = [
  {
    name: "resnet_6blocks 32px ngf32",
    netG: "resnet_6blocks",
    size: 32,
    ngf: 32,
    ndf: 32,
    pytorchSeconds: 0.172,
  },
  {
    name: "resnet_6blocks 64px",
    netG: "resnet_6blocks",
    size: 64,
    ngf: 64,
    ndf: 64,
    pytorchSeconds: 0.747,
  },
  {
    name: "resnet_6blocks 128px",
    netG: "resnet_6blocks",
    size: 128,
    ngf: 64,
    ndf: 64,
    pytorchSeconds: 1.71,
  },
  { name: "unet_128 128px", netG: "unet_128", size: 128, ngf: 64, ndf: 64, pytorchSeconds: 2.35 },
  {
    name: "resnet_9blocks 256px (recompute)",
    netG: "resnet_9blocks",
    size: 256,
    ngf: 64,
    ndf: 64,
    checkpoint: true,
    pytorchSeconds: 7.78,
  },
  {
    // Without recompute, as PyTorch runs it: on native its peak fits the 4 GB wasm heap (2.7 GB
    // heap measured); the wasm backend is run with recompute at this size (config 4).
    name: "resnet_9blocks 256px",
    netG: "resnet_9blocks",
    size: 256,
    ngf: 64,
    ndf: 64,
    pytorchSeconds: 7.78,
  },
];

/** One measured row. */
export interface IterationRow {
  config: string;
  /** Timed iterations (after the warm-ups). */
  iterations: number;
  /** Warm-up iterations before them (the first under tf.profile, for the peak). */
  warmup: number;
  /** Median ms per iteration. */
  ms: number;
  /** Every timed iteration, ms, in the order it ran. */
  timesMs: number[];
  /** First (warm-up) iteration, ms. */
  firstMs: number;
  /** Forward FLOPs per iteration (6 G + 6 D passes), from the executed Conv2D kernels. */
  forwardGflop: number;
  /** 3 x forward FLOPs / time. */
  gflops: number;
  /** Peak bytes held by tfjs tensors during a step (tfjs's own accounting). */
  peakTensorMB: number;
  /** Process resident set size after the run. */
  rssMB: number;
  /** wasm only: the size of the wasm heap (it only grows, so this is its high-water mark). */
  wasmHeapMB?: number;
  /** 1-minute load average before the first and after the last iteration of this row. */
  load: { before: number; after: number };
  /**
   * The ratio to the official PyTorch code timed in this run, alternating with ours (seconds),
   * or null when PyTorch was not timed (`noRatio` says why).
   */
  sameRun: SameRunRecord | null;
  /** Why there is no same-run ratio. */
  noRatio?: string;
  /**
   * webgpu with `countPrograms`: GPU programs dispatched per timed iteration (warm-ups and
   * set-up excluded), their mean, and the mean per program class, largest first.
   */
  programs?: ProgramCounts;
}

/** GPU programs per steady-state iteration (`webgpu_programs.ts`). */
export interface ProgramCounts {
  /** Mean over the timed iterations (the figure of merit). */
  programs_per_iteration: number;
  /** Each timed iteration's count, in the order they ran. */
  each: number[];
  /** Mean programs per iteration by tfjs program class, largest first. */
  byProgram: Array<{ program: string; perIteration: number }>;
}

/** A same-run ratio (times in seconds) with how it was made. */
export interface SameRunRecord extends SameRunRatio {
  /** How the ratio was measured (`SAME_RUN_METHOD`, with the warm-up count). */
  method: string;
  /** The PyTorch child: version, threads, memory, load during its iterations. */
  anchor: PytorchSide;
}

/** What the row records of the PyTorch side besides its times. */
export interface PytorchSide {
  /** torch and BLAS, as the child reported them. */
  torch: string;
  threads: number;
  /** Peak RSS of the PyTorch child. */
  peakRssMB?: number;
  /** Median cores other processes kept busy during PyTorch's timed iterations (ours idle). */
  foreignCoresMedian?: number;
}

/**
 * Kernels that run a forward convolution: tfjs's, its fused one (with a bias) and the webgpu
 * direct kernel (lib/backend/kernels/conv2d_webgpu.ts); inputs x, filter [kh, kw, in, out].
 */
const CONV_KERNELS = new Set(["Conv2D", "FusedConv2D", "CyclebenchConv2D"]);

/**
 * Multiply-add FLOPs (x2) of the convolution kernels one forward pass of `net` runs, whichever
 * kernels the backend picks: forward convolutions, and the transposed convolutions that run as
 * `Conv2DBackpropInput` or the webgpu direct transposed kernel (webgpu, native; cpu and wasm run
 * them as forward convolutions of the same FLOPs).
 */
export async function forwardFlops(net: Network, size: number): Promise<number> {
  const x = tf.zeros([1, size, size, net.inputChannels]) as tf.Tensor4D;
  let flops = 0;
  const info = await tf.profile(() => {
    const y = net.apply(x, { training: true, rng: new Rng(0) });
    y.dispose();
  });
  const count = (shape: readonly number[] | undefined) => (shape ?? []).reduce((a, b) => a * b, 1);
  for (const k of info.kernels) {
    const [kh = 1, kw = 1, filterIn = 0] = (k.inputShapes[1] ?? []) as number[];
    if (CONV_KERNELS.has(k.name)) {
      // Each output takes kh * kw * in multiply-adds.
      flops += 2 * count(k.outputShapes[0]) * kh * kw * filterIn;
    } else if (k.name === "Conv2DBackpropInput" || k.name === "CyclebenchConv2DTranspose") {
      // A transposed convolution: each input (dy) value spreads to kh * kw * out values; the
      // filter is [kh, kw, out, in].
      flops += 2 * count(k.inputShapes[0]) * kh * kw * filterIn;
    }
  }
  x.dispose();
  return flops;
}

function wasmHeapBytes(): number | undefined {
  if (tf.getBackend() !== "wasm" && tf.getBackend() !== "native") return undefined;
  const b = tf.backend() as unknown as { wasm?: { HEAPU8?: Uint8Array } };
  return b.wasm?.HEAPU8?.length;
}

/** The PyTorch side of a same-run measurement (`pytorch_child.ts` gives one). */
export interface PytorchTimer {
  /** Runs one PyTorch iteration; resolves to its seconds. */
  step: IterationTimer;
  /** Version, threads and whatever else the row should record of it. */
  describe(): PytorchSide;
}

/** Options of {@link benchIteration}. */
export interface BenchIterationOptions {
  /** The PyTorch side; without it only ours is timed, and the row has no ratio. */
  pytorch?: PytorchTimer;
  /** Why there is no PyTorch side (recorded as the row's `noRatio`). */
  noRatio?: string;
  /** Warm-up iterations per side (default 2, the anchor's protocol). */
  warmup?: number;
  /** Awaited between a PyTorch iteration and ours (see `same_run.ts` `alternate`). */
  settle?: () => Promise<void>;
  /** The 1-minute load average (default: /proc/loadavg's, machine.ts). */
  load?: () => number;
  /** webgpu only: count the GPU programs of each timed iteration (the row's `programs`). */
  countPrograms?: boolean;
}

/**
 * Times `rounds` training iterations of one configuration after the warm-ups; with a PyTorch
 * side, alternating with it (PyTorch, ours, PyTorch, ours ...) for the same-run ratio.
 */
export async function benchIteration(
  c: IterationSetup,
  rounds: number,
  options: BenchIterationOptions = {},
): Promise<IterationRow> {
  const load = options.load ?? loadAverage;
  const warmup = Math.max(1, options.warmup ?? 2);
  const m = createCycleGan({
    netG: c.netG,
    ngf: c.ngf,
    ndf: c.ndf,
    gan_mode: "lsgan",
    lambda_identity: 0.5,
    pool_size: 50,
  }, new Rng(0));
  const forward = 6 * (await forwardFlops(m.G_A, c.size)) + 6 * (await forwardFlops(m.D_A, c.size));
  const A = tf.randomUniform([1, c.size, c.size, 3], -1, 1, "float32", 1) as tf.Tensor4D;
  const B = tf.randomUniform([1, c.size, c.size, 3], -1, 1, "float32", 2) as tf.Tensor4D;
  const step = () => trainStep(m, A, B, c.checkpoint ? { checkpoint: recompute } : {});
  // The first warm-up iteration runs under tf.profile for the peak; the others bare, since
  // profiling adds per-kernel bookkeeping.
  let peak: number | undefined;
  // Programs of each of our iterations (warm-ups first), counted at dispatch.
  const counter = options.countPrograms ? startProgramCounter() : undefined;
  const counts: Array<{ total: number; byProgram: Map<string, number> }> = [];
  const ours = async () => {
    const t = performance.now();
    const total0 = counter?.count ?? 0;
    const by0 = new Map(counter?.byProgram);
    if (peak === undefined) peak = (await tf.profile(step)).peakBytes;
    else await step();
    const s = (performance.now() - t) / 1000;
    if (counter) {
      const byProgram = new Map<string, number>();
      for (const [k, n] of counter.byProgram) {
        if (n !== (by0.get(k) ?? 0)) byProgram.set(k, n - (by0.get(k) ?? 0));
      }
      counts.push({ total: counter.count - total0, byProgram });
    }
    return s;
  };
  const before = load();
  let run;
  try {
    run = await alternate(rounds, { pytorch: options.pytorch?.step, ours }, {
      warmup,
      settle: options.settle,
    });
  } finally {
    counter?.stop();
    disposeCycleGan(m);
    tf.dispose([A, B]);
  }
  const after = load();
  const heap = wasmHeapBytes();
  const oursTimes = run.times.ours!;
  const sameRun = options.pytorch
    ? {
      ...sameRunRatio(run.times),
      method: `${SAME_RUN_METHOD}; ${warmup} warm-up iteration(s) each`,
      anchor: options.pytorch.describe(),
    }
    : null;
  const ms = 1000 * spread(oursTimes).median;
  return {
    config: c.name,
    iterations: rounds,
    warmup,
    ms,
    timesMs: oursTimes.map((t) => 1000 * t),
    firstMs: 1000 * run.warmup.ours![0],
    forwardGflop: forward / 1e9,
    gflops: (3 * forward) / (ms * 1e6),
    peakTensorMB: (peak ?? 0) / 2 ** 20,
    rssMB: Deno.memoryUsage().rss / 2 ** 20,
    ...(heap !== undefined ? { wasmHeapMB: heap / 2 ** 20 } : {}),
    load: { before, after },
    sameRun,
    ...(sameRun ? {} : { noRatio: options.noRatio ?? "PyTorch was not timed in this run" }),
    ...(counter ? { programs: programCounts(counts.slice(-rounds)) } : {}),
  };
}

/** Means over the timed iterations' program counts. */
export function programCounts(
  timed: ReadonlyArray<{ total: number; byProgram: ReadonlyMap<string, number> }>,
): ProgramCounts {
  if (timed.length === 0) throw new RangeError("no timed iterations to count programs of");
  const each = timed.map((t) => t.total);
  const sums = new Map<string, number>();
  for (const t of timed) {
    for (const [k, n] of t.byProgram) sums.set(k, (sums.get(k) ?? 0) + n);
  }
  return {
    programs_per_iteration: each.reduce((a, b) => a + b, 0) / timed.length,
    each,
    byProgram: [...sums].map(([program, n]) => ({ program, perIteration: n / timed.length }))
      .sort((a, b) => b.perIteration - a.perIteration || a.program.localeCompare(b.program)),
  };
}

/** Where one iteration's time goes: milliseconds per kernel name, largest first. */
export interface KernelBreakdown {
  /** Wall time of the profiled iteration (includes profiling overhead). */
  totalMs: number;
  /** Sum of kernel times; the rest is JS between kernels (autodiff, tape, allocation). */
  kernelMs: number;
  /** Milliseconds and call counts per kernel name. */
  kernels: Array<{ name: string; ms: number; calls: number }>;
}

/**
 * Profiles one training iteration (after one warm-up) kernel by kernel, so that the next
 * bottleneck is visible (convolutions vs normalization, element-wise work and the rest).
 */
export async function profileIteration(c: IterationConfig): Promise<KernelBreakdown> {
  const m = createCycleGan({
    netG: c.netG,
    ngf: c.ngf,
    ndf: c.ndf,
    gan_mode: "lsgan",
    lambda_identity: 0.5,
    pool_size: 50,
  }, new Rng(0));
  const A = tf.randomUniform([1, c.size, c.size, 3], -1, 1, "float32", 1) as tf.Tensor4D;
  const B = tf.randomUniform([1, c.size, c.size, 3], -1, 1, "float32", 2) as tf.Tensor4D;
  const step = () => trainStep(m, A, B, c.checkpoint ? { checkpoint: recompute } : {});
  await step();
  const t0 = performance.now();
  const info = await tf.profile(step);
  const totalMs = performance.now() - t0;
  disposeCycleGan(m);
  tf.dispose([A, B]);
  const by = new Map<string, { ms: number; calls: number }>();
  let kernelMs = 0;
  for (const k of info.kernels) {
    const raw = await (k as unknown as { kernelTimeMs: unknown }).kernelTimeMs;
    const ms = typeof raw === "number" ? raw : 0;
    kernelMs += ms;
    const e = by.get(k.name) ?? { ms: 0, calls: 0 };
    e.ms += ms;
    e.calls++;
    by.set(k.name, e);
  }
  const kernels = [...by].map(([name, e]) => ({ name, ...e })).sort((a, b) => b.ms - a.ms);
  return { totalMs, kernelMs, kernels };
}
