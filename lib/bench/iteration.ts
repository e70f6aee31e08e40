/**
 * Full CycleGAN training iterations (G step + D step), timed, with achieved GFLOP/s, peak
 * memory, and the ratio to the official PyTorch code timed on the same kind of machine
 * (perf-anchor.md: Debian's PyTorch 1.13.1 + OpenBLAS, 2 threads, batch 1, lsgan, identity 0.5).
 * @module
 */
import { tf } from "../tf.ts";
import { recompute } from "../backend/memory.ts";
import { createCycleGan, disposeCycleGan, trainStep } from "../train/cyclegan.ts";
import type { Network } from "../nn/network.ts";
import { Rng } from "../nn/rng.ts";

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
   * Sapphire Rapids): the fallback when no anchor was measured on this machine (anchor.ts).
   */
  pytorchSeconds: number;
}

/** The configurations of the foundation issue, with their PyTorch anchor times. */
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
  iterations: number;
  /** Median ms per iteration after one warm-up. */
  ms: number;
  /** First (warm-up) iteration, ms. */
  firstMs: number;
  /** Forward FLOPs per iteration (6 G + 6 D passes), from the executed Conv2D kernels. */
  forwardGflop: number;
  /** 3 x forward FLOPs / time. */
  gflops: number;
  /** Our time / PyTorch's time (< 1 = faster than PyTorch). */
  ratioToPytorch: number;
  /** The PyTorch time divided by, and its thread count (see anchor.ts). */
  pytorchSeconds: number;
  pytorchThreads: number;
  /** Peak bytes held by tfjs tensors during a step (tfjs's own accounting). */
  peakTensorMB: number;
  /** Process resident set size after the run. */
  rssMB: number;
  /** wasm only: the size of the wasm heap (it only grows, so this is its high-water mark). */
  wasmHeapMB?: number;
}

/** Multiply-add FLOPs (x2) of the Conv2D kernels one forward pass of `net` runs. */
export async function forwardFlops(net: Network, size: number): Promise<number> {
  const x = tf.zeros([1, size, size, net.inputChannels]) as tf.Tensor4D;
  let flops = 0;
  const info = await tf.profile(() => {
    const y = net.apply(x, { training: true, rng: new Rng(0) });
    y.dispose();
  });
  for (const k of info.kernels) {
    if (k.name !== "Conv2D") continue;
    const [, , kh = 1, kw = 1] = [0, 0, ...(k.inputShapes[1] ?? [])] as number[];
    const cin = (k.inputShapes[1] ?? [])[2] ?? 0;
    const out = k.outputShapes[0] ?? [];
    flops += 2 * out.reduce((a, b) => a * b, 1) * kh * kw * cin;
  }
  x.dispose();
  return flops;
}

function wasmHeapBytes(): number | undefined {
  if (tf.getBackend() !== "wasm" && tf.getBackend() !== "native") return undefined;
  const b = tf.backend() as unknown as { wasm?: { HEAPU8?: Uint8Array } };
  return b.wasm?.HEAPU8?.length;
}

/** Times `iterations` (+1 warm-up) training iterations of one configuration. */
export async function benchIteration(
  c: IterationConfig,
  iterations: number,
  pytorch: { seconds: number; threads: number } = { seconds: c.pytorchSeconds, threads: 2 },
): Promise<IterationRow> {
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
  // The warm-up iteration runs under tf.profile for the peak; the timed ones run bare, since
  // profiling adds per-kernel bookkeeping.
  const t0 = performance.now();
  const peak = (await tf.profile(step)).peakBytes;
  const times = [performance.now() - t0];
  for (let i = 0; i < iterations; i++) {
    const t = performance.now();
    await step();
    times.push(performance.now() - t);
  }
  const heap = wasmHeapBytes();
  disposeCycleGan(m);
  tf.dispose([A, B]);
  const steady = times.slice(1).sort((a, b) => a - b);
  const ms = steady[Math.floor(steady.length / 2)];
  return {
    config: c.name,
    iterations,
    ms,
    firstMs: times[0],
    forwardGflop: forward / 1e9,
    gflops: (3 * forward) / (ms * 1e6),
    ratioToPytorch: ms / 1000 / pytorch.seconds,
    pytorchSeconds: pytorch.seconds,
    pytorchThreads: pytorch.threads,
    peakTensorMB: peak / 2 ** 20,
    rssMB: Deno.memoryUsage().rss / 2 ** 20,
    ...(heap !== undefined ? { wasmHeapMB: heap / 2 ** 20 } : {}),
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
