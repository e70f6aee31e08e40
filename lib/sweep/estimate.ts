/**
 * A rough training-time estimate for a planned run, so that `deno task ablate` can say before it
 * starts that a plan will take hours (issue 19).
 *
 * Where the figures come from: the committed `results/bench/reference-<backend>-*.json` files,
 * written by `deno task bench` (lib/bench/iteration.ts): seconds per full training iteration
 * (G step + D step, batch 1) per configuration and backend, measured on a 2-vCPU AMD EPYC (the
 * README's "Speed and memory" table). They are not timings of this machine: a faster or busier
 * machine moves every estimate by the same factor.
 *
 * How rough it is: within about a factor of 2. The estimate takes the measured s/it of the
 * nearest benchmarked configuration on the same backend (same `netG` when there is one) and
 * scales it by the ratio of convolution FLOPs, which grow with the pixel count and with the
 * square of the channel width (G's convolutions are about 90 % of an iteration's FLOPs at
 * `ngf` = `ndf`, D's about 10 %: a PatchGAN against a resnet generator). Small configurations
 * are slower than their FLOPs say (per-op overheads), large ones hit memory limits; the
 * benchmarks' own spread between sessions was up to 1.5x (`reference-wasm-32-64px.json` under
 * load against `reference-wasm-amd-epyc-avx512.json`).
 *
 * ```ts
 * const figures = await benchFigures("results/bench");
 * const e = secondsPerIteration(
 *   { netG: "resnet_9blocks", ngf: 64, ndf: 64, imageSize: [256, 256], backend: "native" },
 *   figures,
 * );
 * // e?.seconds is about 5.37 (the measured row), e?.figure.file names its JSON file
 * ```
 * @module
 */
import { joinPath } from "../io/atomic.ts";

/** One measured row of a bench file: seconds per training iteration of one configuration. */
export interface BenchFigure {
  /** The backend it ran on (`native`, `wasm`, ...). */
  backend: string;
  /** The generator (`resnet_9blocks`, `unet_128`, ...). */
  netG: string;
  /** Square image side in pixels. */
  size: number;
  /** Generator width. */
  ngf: number;
  /** Discriminator width (the bench uses `ndf` = `ngf`). */
  ndf: number;
  /** Seconds per full training iteration (G step + D step), batch 1. */
  seconds: number;
  /** The file it was read from (for the message). */
  file: string;
}

/** What {@link secondsPerIteration} needs of a run. */
export interface EstimateInput {
  /** The generator (`resnet_9blocks`, `unet_128`, ...). */
  netG: string;
  /** Generator width. */
  ngf: number;
  /** Discriminator width. */
  ndf: number;
  /** The training size `[height, width]` (a run's `data.imageSize`). */
  imageSize: readonly [number, number];
  /** The concrete backend (`auto` already resolved). */
  backend: string;
  /** Images per iteration (default 1); the cost grows with it about linearly. */
  batch?: number;
}

/** An estimate and the figure it was scaled from. */
export interface Estimate {
  /** Estimated seconds per training iteration. */
  seconds: number;
  /** The benchmarked configuration it was scaled from. */
  figure: BenchFigure;
}

/** Share of an iteration's convolution FLOPs in G (the rest in D) at `ngf` = `ndf`. */
const G_SHARE = 0.9;

/** `resnet_6blocks 32px ngf32`, `unet_128 128px`, `resnet_9blocks 256px (recompute)`. */
const LABEL = /^(\S+) (\d+)px(?: ngf(\d+))?(?: \(recompute\))?$/;

function rowsOf(json: unknown): { backend: string; config: string; ms: number }[] {
  const out: { backend: string; config: string; ms: number }[] = [];
  const o = json as {
    results?: { backend?: { name?: string }; iterations?: { config?: string; ms?: number }[] }[];
    backend?: { name?: string };
    row?: { config?: string; ms?: number };
  };
  for (const r of o.results ?? []) {
    for (const it of r.iterations ?? []) {
      if (r.backend?.name && it.config && typeof it.ms === "number") {
        out.push({ backend: r.backend.name, config: it.config, ms: it.ms });
      }
    }
  }
  if (o.backend?.name && o.row?.config && typeof o.row.ms === "number") {
    out.push({ backend: o.backend.name, config: o.row.config, ms: o.row.ms });
  }
  return out;
}

/**
 * Parses the iteration rows of bench JSON texts (name -> text) into figures. When a backend
 * has one configuration measured more than once (several files, thread counts, with and
 * without `recompute`), the fastest is kept: the others ran with other work on the machine or
 * did more work, and the scheduler gives every run its own cores.
 *
 * ```ts
 * parseBenchFigures({ "reference-wasm-x.json": text }); // [{ backend: "wasm", netG: ..., ... }]
 * ```
 */
export function parseBenchFigures(texts: Record<string, string>): BenchFigure[] {
  const best = new Map<string, BenchFigure>();
  for (const [file, text] of Object.entries(texts)) {
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      continue; // Not a bench file: no figures, never an error (the estimate is advice).
    }
    for (const row of rowsOf(json)) {
      const m = LABEL.exec(row.config);
      if (!m) continue;
      const ngf = m[3] !== undefined ? Number(m[3]) : 64;
      const f: BenchFigure = {
        backend: row.backend,
        netG: m[1],
        size: Number(m[2]),
        ngf,
        ndf: ngf, // The bench configurations use ndf = ngf (lib/bench/iteration.ts).
        seconds: row.ms / 1000,
        file,
      };
      const key = `${f.backend} ${f.netG} ${f.size} ${f.ngf}`;
      const old = best.get(key);
      if (!old || f.seconds < old.seconds) best.set(key, f);
    }
  }
  return [...best.values()].sort((a, b) =>
    a.backend.localeCompare(b.backend) || a.netG.localeCompare(b.netG) || a.size - b.size
  );
}

/**
 * Reads the figures of every `reference-*.json` in `dir` (the PyTorch anchors have no
 * iteration rows of ours and give none). A missing folder gives no figures.
 */
export async function benchFigures(dir: string): Promise<BenchFigure[]> {
  const texts: Record<string, string> = {};
  try {
    for await (const e of Deno.readDir(dir)) {
      if (e.isFile && /^reference-.*\.json$/.test(e.name)) {
        texts[joinPath(dir, e.name)] = await Deno.readTextFile(joinPath(dir, e.name));
      }
    }
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return [];
    throw e;
  }
  return parseBenchFigures(texts);
}

/** Convolution cost relative to batch 1 at 1 pixel and unit widths (only ratios are used). */
function cost(pixels: number, ngf: number, ndf: number): number {
  return pixels * (G_SHARE * ngf * ngf + (1 - G_SHARE) * ndf * ndf);
}

/**
 * Estimated seconds per training iteration of `run` on its backend: the nearest benchmarked
 * configuration (same backend; same `netG` when one was measured; then nearest in log pixel
 * count and log width) scaled by the FLOP ratio. Undefined when the backend has no figures.
 * Rough: within about a factor of 2 (see the module doc).
 *
 * ```ts
 * secondsPerIteration({ netG: "resnet_6blocks", ngf: 64, ndf: 64, imageSize: [128, 128],
 *   backend: "native" }, figures)?.seconds; // 1.26, the measured row
 * ```
 */
export function secondsPerIteration(
  run: EstimateInput,
  figures: readonly BenchFigure[],
): Estimate | undefined {
  const onBackend = figures.filter((f) => f.backend === run.backend);
  const sameNet = onBackend.filter((f) => f.netG === run.netG);
  const pool = sameNet.length > 0 ? sameNet : onBackend;
  if (pool.length === 0) return undefined;
  const pixels = run.imageSize[0] * run.imageSize[1];
  const distance = (f: BenchFigure) =>
    Math.abs(Math.log(pixels / (f.size * f.size))) + Math.abs(Math.log(run.ngf / f.ngf));
  const figure = pool.reduce((a, b) => (distance(b) < distance(a) ? b : a));
  const ratio = cost(pixels, run.ngf, run.ndf) /
    cost(figure.size * figure.size, figure.ngf, figure.ndf);
  return { seconds: figure.seconds * ratio * (run.batch ?? 1), figure };
}

/**
 * Seconds as a short rough duration: `40 s`, `12 min`, `3.5 h`, `35 h`.
 *
 * ```ts
 * formatDuration(126_000); // "35 h"
 * ```
 */
export function formatDuration(seconds: number): string {
  if (seconds < 60) return `${Math.round(seconds)} s`;
  if (seconds < 3600) return `${Math.round(seconds / 60)} min`;
  const h = seconds / 3600;
  return h < 10 ? `${h.toFixed(1)} h` : `${Math.round(h)} h`;
}

/** One run to train, for {@link sweepEstimateLine}. */
export interface RunToTrain {
  /** The run's configuration as {@link secondsPerIteration} needs it. */
  input: EstimateInput;
  /** Training iterations it still has to do. */
  steps: number;
}

/** Options of {@link sweepEstimateLine}. */
export interface EstimateLineOptions {
  /** Runs trained at once (`--jobs`). */
  jobs: number;
  /** Print only when the estimate exceeds this many seconds (default one hour). */
  thresholdSeconds?: number;
  /** Shown instead of a figure's file path (e.g. to make it relative to the repo). */
  showFile?: (file: string) => string;
}

/**
 * The warning line for a plan whose estimated wall time (the sum over runs of steps x s/it,
 * divided by the runs trained at once) exceeds the threshold; undefined below it, or when no
 * run's backend has figures. Runs on a backend without figures are named, not counted.
 *
 * ```ts
 * sweepEstimateLine([{ input, steps: 100_000 }], figures, { jobs: 2 });
 * // "estimate: about 149 h for 1 run(s) on native at 2 job(s) (...); ..."
 * ```
 */
export function sweepEstimateLine(
  runs: readonly RunToTrain[],
  figures: readonly BenchFigure[],
  o: EstimateLineOptions,
): string | undefined {
  let seconds = 0;
  let counted = 0;
  const backends = new Set<string>();
  const files = new Set<string>();
  const missing = new Set<string>();
  for (const r of runs) {
    if (r.steps <= 0) continue;
    const e = secondsPerIteration(r.input, figures);
    if (!e) {
      missing.add(r.input.backend);
      continue;
    }
    seconds += r.steps * e.seconds;
    counted++;
    backends.add(r.input.backend);
    files.add((o.showFile ?? ((f: string) => f))(e.figure.file));
  }
  // A single run cannot use a second job: divide by the jobs that have work.
  const wall = seconds / Math.max(1, Math.min(o.jobs, counted));
  if (counted === 0 || wall <= (o.thresholdSeconds ?? 3600)) return undefined;
  const skipped = missing.size > 0
    ? `; runs on ${[...missing].sort().join(", ")} have no bench figures and are not counted`
    : "";
  return `estimate: about ${formatDuration(wall)} for ${counted} run(s) on ` +
    `${
      [...backends].sort().join(", ")
    } at ${o.jobs} job(s) (scaled from the bench figures of that backend: ` +
    `${[...files].sort().join(", ")}; rough, within a factor of 2)${skipped}; ` +
    "max_steps or a smaller experiment shortens it";
}
