/**
 * `--emit slurm`: an sbatch job-array script that runs one shard of the sweep per array task,
 * all writing into one shared results directory (per-run locks keep two tasks off one run).
 * Research clusters already run Slurm; we do not write our own cluster scheduler.
 *
 * ```ts
 * import { slurmScript } from "./slurm.ts";
 * const text = slurmScript({
 *   name: "smoke", root: "/home/me/cyclebench", ablation: "/home/me/cyclebench/ablations/smoke.yaml",
 *   out: "/scratch/results/smoke", shards: 8,
 * });
 * ```
 * @module
 */

/** What {@link slurmScript} needs. */
export interface SlurmOptions {
  /** The sweep's name (job name). */
  name: string;
  /** The repository root (the script `cd`s there). */
  root: string;
  /** The ablation file (absolute). */
  ablation: string;
  /** The shared results directory (absolute). */
  out: string;
  /** Array tasks: one shard each. */
  shards: number;
  /** `--backend` for every task, if given. */
  backend?: string;
  /** `--dataroot` for every task (absolute), if given. */
  dataroot?: string;
  /** CPUs per task (default 2: one wasm thread per job, two jobs). */
  cpus?: number;
}

/** Quotes a string for bash. */
export function shellQuote(s: string): string {
  return /^[A-Za-z0-9_./=:,+-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

/** The sbatch script text. */
export function slurmScript(o: SlurmOptions): string {
  const cpus = o.cpus ?? 2;
  const job = `cyclebench-${o.name}`.replace(/[^A-Za-z0-9_.-]/g, "_");
  const lines = [
    "#!/bin/bash",
    `# cyclebench sweep "${
      o.name.replace(/[\r\n]/g, " ")
    }": ${o.shards} shard(s), one per array task.`,
    "# Submit with: sbatch <this file>. Every task writes into the same results directory;",
    "# a run is trained by one task only (per-run locks), and a resubmitted array skips what",
    "# is done and resumes what was interrupted.",
    `#SBATCH --job-name=${job}`,
    `#SBATCH --array=1-${o.shards}`,
    `#SBATCH --cpus-per-task=${cpus}`,
  ];
  if (!/\s/.test(o.out)) lines.push(`#SBATCH --output=${o.out}/slurm-%A_%a.out`);
  const args = [
    "deno",
    "run",
    "-A",
    "lib/cli/ablate.ts",
    shellQuote(o.ablation),
    "--out",
    shellQuote(o.out),
    "--shard",
    `"\${SLURM_ARRAY_TASK_ID}/${o.shards}"`,
    "--jobs",
    `"\${SLURM_CPUS_PER_TASK:-1}"`,
  ];
  if (o.backend) args.push("--backend", shellQuote(o.backend));
  if (o.dataroot) args.push("--dataroot", shellQuote(o.dataroot));
  lines.push(
    "set -euo pipefail",
    `cd ${shellQuote(o.root)}`,
    args.join(" "),
    "",
  );
  return lines.join("\n");
}
