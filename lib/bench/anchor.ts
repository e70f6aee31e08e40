/**
 * Which PyTorch times a benchmark row is compared with. The native backend's goal is a ratio
 * to the official PyTorch code *on the same machine* (issue #8), and our machines differ from
 * session to session (an AVX2 EPYC one day, an AVX-512 one the next: PyTorch's 64px iteration
 * took 1.43 s on the first and 0.75 s on perf-anchor.md's Sapphire Rapids). So
 * `lib/bench/pytorch_anchor.py` writes `results/bench/reference-pytorch-<machine>.json` on each
 * machine it runs on, and the bench uses the file whose machine matches this one (CPU model,
 * core count, AVX-512 or not), at the same thread count where it was measured; with no match it
 * falls back to perf-anchor.md's numbers and says so.
 * @module
 */
import { ITERATION_CONFIGS } from "./iteration.ts";
import { cpuHasFlag, machineInfo } from "./machine.ts";

/** The PyTorch times the rows are divided by, and where they came from. */
export interface PytorchAnchor {
  /** Where the numbers come from (a file, or perf-anchor.md), for the report. */
  source: string;
  /** True when the file was measured on a machine like this one. */
  sameMachine: boolean;
  /** PyTorch seconds per iteration for one of our configs, or undefined when not measured. */
  seconds(config: string, threads: number): { seconds: number; threads: number } | undefined;
}

/** The facts a reference file's machine is matched on. */
export interface CpuFacts {
  cpu: string;
  cores: number;
  avx512f: boolean;
}

interface ReferenceRun {
  config: string;
  threads: number;
  median_s: number;
}

interface ReferenceFile {
  machine?: { cpu_model?: string; cpus?: number; flags?: { avx512f?: boolean } };
  /** One row per config and thread count. */
  summary?: ReferenceRun[];
  /** The same with every iteration's details. */
  runs?: ReferenceRun[];
}

/** This machine's CPU facts (on a machine without /proc none match, and the fallback is used). */
export function cpuFacts(): CpuFacts {
  const { cpu, cores } = machineInfo();
  return { cpu, cores, avx512f: cpuHasFlag("avx512f") };
}

/** Our config names carry how they run (`(recompute)`); PyTorch's name the model only. */
function baseName(config: string): string {
  return config.replace(/\s*\(.*\)$/, "");
}

/** perf-anchor.md's numbers (2 threads, another machine): the fallback. */
function perfAnchorMd(): PytorchAnchor {
  return {
    source: "perf-anchor.md (2 threads on a 2-vCPU Sapphire Rapids, not this machine)",
    sameMachine: false,
    seconds(config) {
      const c = ITERATION_CONFIGS.find((c) => c.name === config);
      return c ? { seconds: c.pytorchSeconds, threads: 2 } : undefined;
    },
  };
}

/**
 * The anchor for this machine: the `reference-pytorch-*.json` in `dir` whose machine matches
 * `facts` (the first in name order), else perf-anchor.md's numbers.
 */
export function pytorchAnchor(dir = "results/bench", facts = cpuFacts()): PytorchAnchor {
  let names: string[] = [];
  try {
    names = [...Deno.readDirSync(dir)].map((e) => e.name)
      .filter((n) => /^reference-pytorch-.*\.json$/.test(n)).sort();
  } catch {
    return perfAnchorMd();
  }
  for (const name of names) {
    let file: ReferenceFile;
    try {
      file = JSON.parse(Deno.readTextFileSync(`${dir}/${name}`));
    } catch {
      continue; // a torn or foreign file is not an anchor
    }
    const m = file.machine;
    if (
      m?.cpu_model !== facts.cpu || m?.cpus !== facts.cores ||
      (m?.flags?.avx512f ?? false) !== facts.avx512f
    ) continue;
    const runs = [...(file.summary ?? []), ...(file.runs ?? [])].filter((r) =>
      typeof r.median_s === "number"
    );
    return {
      source: `${dir}/${name} (official PyTorch code timed on this machine)`,
      sameMachine: true,
      seconds(config, threads) {
        const mine = runs.filter((r) => r.config === baseName(config));
        const hit = mine.find((r) => r.threads === threads) ??
          mine.find((r) => r.threads === 2) ?? mine[0];
        return hit ? { seconds: hit.median_s, threads: hit.threads } : undefined;
      },
    };
  }
  return perfAnchorMd();
}
