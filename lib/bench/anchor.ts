/**
 * Stored PyTorch times: history, never a ratio. `lib/bench/pytorch_anchor.py` writes
 * `results/bench/reference-pytorch-<machine>.json` on each machine it runs on, and
 * perf-anchor.md holds the first such measurement. A stored time goes stale from one day to the
 * next on shared machines (the same 2-core EPYC gave PyTorch 12.3 s at 256px one day and 8.8 s
 * another), so the bench divides only by PyTorch times taken in the same run (`same_run.ts`);
 * this module finds the stored times of a machine like this one (CPU model, core count,
 * AVX-512 or not), else perf-anchor.md's, to show them as history, labelled with their date and
 * machine, where PyTorch cannot run.
 * @module
 */
import { ITERATION_CONFIGS } from "./iteration.ts";
import { cpuHasFlag, machineInfo } from "./machine.ts";

/** Stored PyTorch times (history), and where and when they were measured. */
export interface PytorchAnchor {
  /** Where the numbers come from (a file, or perf-anchor.md), for the report. */
  source: string;
  /** When they were measured (ISO 8601 date, or "unknown"). */
  date: string;
  /** On what machine (CPU model, cores, AVX-512). */
  machine: string;
  /** `source, measured DATE on MACHINE`: how the bench names them. */
  label: string;
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
  date?: string;
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
  const source = "perf-anchor.md (2 threads, not this machine)";
  const date = "2026-11-26", machine = "a 2-vCPU Intel Sapphire Rapids (AVX-512)";
  return {
    source,
    date,
    machine,
    label: `${source}, measured ${date} on ${machine}`,
    sameMachine: false,
    seconds(config) {
      const c = ITERATION_CONFIGS.find((c) => c.name === config);
      return c ? { seconds: c.pytorchSeconds, threads: 2 } : undefined;
    },
  };
}

/**
 * The stored PyTorch times for this machine: the `reference-pytorch-*.json` in `dir` whose
 * machine matches `facts` (the first in name order), else perf-anchor.md's numbers.
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
    const source = `${dir}/${name}`;
    const date = file.date?.slice(0, 10) ?? "unknown";
    const machine = `${m.cpu_model}, ${m.cpus} cores${m.flags?.avx512f ? ", AVX-512" : ""}`;
    return {
      source,
      date,
      machine,
      label: `${source}, measured ${date} on ${machine}`,
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
