/**
 * `deno task ablate`: run a declarative sweep (an ablation YAML, or a single experiment YAML),
 * resumably, in parallel, shardable across machines.
 *
 * ```sh
 * deno task ablate                                  # ablations/default.yaml (the paper's loss ablation)
 * deno task ablate ablations/smoke.yaml --jobs 2
 * deno task ablate ablations/gan_loss.yaml --dry-run
 * deno task ablate ablations/full_grid.yaml --shard 2/8 --out /shared/results/full_grid
 * deno task ablate ablations/full_grid.yaml --emit slurm --shards 8 --out /shared/results/full_grid
 * deno task ablate ablations/full_grid.yaml --out /shared/results/full_grid --status
 * deno task ablate ablations/smoke.yaml --only 'netG=unet_128*' --restart 'netG=unet_128*'
 * deno task ablate --dataroot datasets/horse2zebra   # the default ablation on your own images
 * ```
 *
 * Flags:
 * - `--out DIR`: the sweep directory (default `results/<ablation name>`).
 * - `--jobs N`: runs at once, each in its own worker process (default 2: with single-threaded
 *   wasm, two jobs use both cores of a 2-core machine; ablations/smoke.yaml took 42 s with 2
 *   jobs and 71 s with 1 there; see lib/sweep/sweep.ts).
 * - `--only ID|GLOB` (repeatable): only the runs whose id or name matches (or hash prefix).
 * - `--dry-run`: list the runs with ids and states (pending, done, partial at step k, diverged,
 *   failed, stale) and write nothing.
 * - `--shard K/N`: run the K-th of N deterministic slices (1-based).
 * - `--emit slurm [--shards N]`: write `<out>/sweep.sbatch` (a job array of N shards, default
 *   one per run, `--jobs` CPUs per task), `<out>/report.sbatch` (the report) and
 *   `<out>/submit.sh` (submits the array, then the report after it), and exit
 *   (lib/sweep/slurm.ts). The cluster settings come from the sweep file's `slurm:` block,
 *   overridden by `--partition NAME`, `--time LIMIT`, `--mem SIZE`, `--account NAME`, and
 *   `--sbatch=--OPTION=VALUE` (repeatable; added to the file's `sbatch:` lines).
 * - `--status [--shards N]`: per shard (N from `<out>/sweep.sbatch`, else 1), every run's state
 *   from its records: done, running (step, host), failed, diverged, pending. Writes nothing.
 * - `--backend NAME`: every run's backend instead of the config's. The backend (with `auto`
 *   resolved on this machine) is part of a run's id, so runs on two backends never mix.
 * - `--restart ID|GLOB` (repeatable): start those runs over; old checkpoints are moved aside.
 * - `--isolate`: a fresh worker process per run (default: each of the `--jobs` workers trains
 *   its runs one after another, saving a process start and JIT warm-up per run).
 * - `--dataroot DIR`: every run trains on the folder DIR (official layout: trainA/, trainB/,
 *   testA/, testB/) instead of its dataset, checked first as `deno task data check DIR` does;
 *   a built-in dataset is replaced by the folder at the experiment's image size, `seg` is
 *   dropped from the metrics with a note, and the results go to `results/<name>-<folder>`
 *   (lib/sweep/ablation.ts ExpandOptions).
 *
 * Exit codes (one meaning each; {@link exitCodeFor}):
 *
 * | code    | meaning                                                                           |
 * |---------|-----------------------------------------------------------------------------------|
 * | 0       | every selected run completed                                                      |
 * | 1       | an error stopped the sweep (an unwritable directory, named; a bug)                |
 * | 2       | invalid config or usage (every problem listed with file:line:col; nothing written) |
 * | 3       | another sweep holds the directory (its pid and start time are printed)            |
 * | 11-110  | 10 + the number of selected runs that did not complete (diverged, failed,         |
 * |         | interrupted, running elsewhere), the number capped at 100                         |
 * | 130/143 | stopped by SIGINT/SIGTERM (runs interrupted cleanly; rerun to resume)             |
 * @module
 */
import { runMain, UserError } from "./_errors.ts";
import { HELP_FLAG, helpText, intFlag, parseCli } from "./_flags.ts";
import { plannedBackendLine } from "./_backend.ts";
import { checkDataroot } from "./_dataroot.ts";
import { BACKEND_NAMES, isBackendChoice, resolveAuto } from "../backend/mod.ts";
import { ConfigError } from "../sweep/yaml.ts";
import { matchesRun, planSweep, shardRuns } from "../sweep/plan.ts";
import { defaultOut, formatListing, listSweep, REPO_ROOT, runSweep } from "../sweep/sweep.ts";
import { LockBusyError } from "../sweep/lock.ts";
import {
  shardsOfScript,
  shellQuote,
  SLURM_KEYS,
  slurmFiles,
  slurmSchema,
  type SlurmSettings,
  slurmSettingsProblems,
} from "../sweep/slurm.ts";
import { formatStatus } from "../sweep/status.ts";
import { zodProblems } from "../sweep/schema.ts";
import { benchFigures, sweepEstimateLine } from "../sweep/estimate.ts";
import { ensureDir, exists, IoError, joinPath, writeFileAtomic } from "../io/atomic.ts";
import { hostName } from "../sweep/lock.ts";

/** The ablation run when none is given. */
export const DEFAULT_ABLATION: string = `${REPO_ROOT}/ablations/default.yaml`;

/** Default `--jobs` (measured: see the module doc). */
export const DEFAULT_JOBS = 2;

/** Exit code when an error stopped the sweep (an I/O error naming the path, or a bug). */
export const EXIT_ERROR = 1;

/** Exit code of an invalid config or invalid flags. */
export const EXIT_USAGE = 2;

/** Exit code when another sweep holds the directory. */
export const EXIT_LOCKED = 3;

/** Runs that did not complete exit with this plus their number (capped at 100): 11-110. */
export const EXIT_NOT_COMPLETED_BASE = 10;

/**
 * The exit code of a sweep that ran to its end: 0 when every selected run completed, else
 * {@link EXIT_NOT_COMPLETED_BASE} + the number of runs that did not (at most 100), so that it
 * never equals a usage, lock or signal code.
 *
 * ```ts
 * exitCodeFor(0);   // 0
 * exitCodeFor(2);   // 12 (not 2: that is an invalid config)
 * exitCodeFor(500); // 110
 * ```
 */
export function exitCodeFor(notCompleted: number): number {
  return notCompleted <= 0 ? 0 : EXIT_NOT_COMPLETED_BASE + Math.min(100, notCompleted);
}

const USAGE = "usage: deno task ablate [ABLATION.yaml] [--out DIR] [--jobs N] [--only ID|GLOB] " +
  "[--dry-run] [--shard K/N] [--emit slurm [--shards N] [--partition NAME] [--time LIMIT] " +
  "[--mem SIZE] [--account NAME] [--sbatch=--OPTION=VALUE]] [--status [--shards N]] " +
  "[--isolate] [--backend auto|" + BACKEND_NAMES.join("|") + "] [--restart ID|GLOB] " +
  "[--dataroot DIR]";

const EXIT_CODES =
  "exit codes: 0 every selected run completed; 1 an error stopped the sweep; 2 invalid config " +
  "or usage (nothing written);\n3 another sweep holds the directory; 11-110 10 + the number " +
  "of runs that did not complete (capped at 100);\n130/143 stopped by SIGINT/SIGTERM (rerun " +
  "to resume)";

/** Every flag with its one line of `--help` (the module doc says more). */
const FLAGS = {
  out: { type: "string", arg: "DIR", doc: "the sweep directory (default results/<ablation name>)" },
  jobs: {
    type: "string",
    arg: "N",
    expects: "a positive integer",
    doc: `runs at once, each in its own worker process (default ${DEFAULT_JOBS})`,
  },
  only: {
    type: "string",
    multiple: true,
    arg: "ID|GLOB",
    doc: "only the runs whose id, name or hash prefix matches",
  },
  "dry-run": {
    type: "boolean",
    default: false,
    doc: "list the runs with their ids and states (pending, done, partial...); write nothing",
  },
  shard: {
    type: "string",
    arg: "K/N",
    expects: "K/N with 1 <= K <= N",
    doc: "run only the K-th of N deterministic slices of the runs (for several machines)",
  },
  emit: {
    type: "string",
    arg: "slurm",
    doc: "write <out>/sweep.sbatch (a Slurm job array, one shard per task), report.sbatch and " +
      "submit.sh (submits both, the report after the array), and exit",
  },
  shards: {
    type: "string",
    arg: "N",
    expects: "a positive integer",
    doc: "with --emit slurm: the number of array tasks (default: one per run); with --status: " +
      "the shards to show (default: those of <out>/sweep.sbatch)",
  },
  partition: {
    type: "string",
    arg: "NAME",
    expects: "a Slurm partition name",
    doc: "with --emit slurm: the partition (overrides slurm.partition of the sweep file)",
  },
  time: {
    type: "string",
    arg: "LIMIT",
    expects: "a Slurm time limit such as 90 or 2:00:00",
    doc: "with --emit slurm: each task's time limit, as sbatch takes it (overrides slurm.time)",
  },
  mem: {
    type: "string",
    arg: "SIZE",
    expects: "a memory size such as 4000 or 8G",
    doc: "with --emit slurm: memory per node, as sbatch takes it (overrides slurm.mem)",
  },
  account: {
    type: "string",
    arg: "NAME",
    expects: "a Slurm account name",
    doc: "with --emit slurm: the account to charge (overrides slurm.account)",
  },
  sbatch: {
    type: "string",
    multiple: true,
    arg: "--OPTION=VALUE",
    expects: "an sbatch option, written --sbatch=--qos=high",
    doc: "with --emit slurm: one more #SBATCH line in both scripts (added to slurm.sbatch)",
  },
  status: {
    type: "boolean",
    default: false,
    doc: "per shard: done, running (step, host), failed, pending runs, from the run records; " +
      "writes nothing (to watch a cluster sweep)",
  },
  backend: {
    type: "string",
    arg: "NAME",
    expects: `one of auto, ${BACKEND_NAMES.join(", ")}`,
    doc: `every run's backend instead of the config's (auto|${BACKEND_NAMES.join("|")}); ` +
      "part of the run id",
  },
  restart: {
    type: "string",
    multiple: true,
    arg: "ID|GLOB",
    doc: "start the matching runs over (old checkpoints are moved aside)",
  },
  isolate: {
    type: "boolean",
    default: false,
    doc: "a fresh worker process per run (default: each worker trains its runs in turn)",
  },
  dataroot: {
    type: "string",
    arg: "DIR",
    doc: "train every run on your images: DIR holds trainA/, trainB/, testA/, testB/ " +
      "(checked first, as deno task data check DIR)",
  },
  help: HELP_FLAG,
} as const;

const CLI = { usage: USAGE, flags: FLAGS, allowPositionals: true, epilog: EXIT_CODES } as const;

/** Parses `K/N` (1 <= K <= N). */
export function parseShard(text: string): { k: number; n: number } {
  const m = /^(\d+)\/(\d+)$/.exec(text);
  const k = m ? Number(m[1]) : NaN;
  const n = m ? Number(m[2]) : NaN;
  if (!m || n < 1 || k < 1 || k > n) {
    throw new UserError(
      `--shard "${text}" is not K/N with 1 <= K <= N (e.g. --shard 2/8)`,
      EXIT_USAGE,
    );
  }
  return { k, n };
}

const SLURM_FLAGS = ["partition", "time", "mem", "account", "sbatch"] as const;

/**
 * The cluster settings given as flags, validated as the sweep file's `slurm:` block is; every
 * problem at once, each naming its flag. Flags other than with `--emit slurm` are an error.
 */
function slurmFlagSettings(
  values: { emit?: string } & { [K in typeof SLURM_FLAGS[number]]?: string | string[] },
): SlurmSettings {
  const given: Record<string, unknown> = {};
  for (const f of SLURM_FLAGS) if (values[f] !== undefined) given[f] = values[f];
  const names = Object.keys(given);
  if (names.length > 0 && values.emit === undefined) {
    throw new UserError(
      `${names.map((n) => `--${n}`).join(", ")} only go${names.length > 1 ? "" : "es"} with ` +
        "--emit slurm",
      EXIT_USAGE,
    );
  }
  const r = slurmSchema.safeParse(given);
  if (!r.success) {
    const lines = zodProblems(r.error.issues, given, { allowedKeys: () => [...SLURM_KEYS] }).map(
      (p) => {
        const value = p.path.length > 1
          ? (given[p.path[0]] as string[])[p.path[1] as number]
          : given[p.path[0]];
        return `--${p.path[0]} "${value}": ${p.message.replace(/, got .*$/, "")}`;
      },
    );
    throw new UserError(lines.join("\n"), EXIT_USAGE);
  }
  return r.data;
}

/** The sweep file's `slurm:` block with the flags over it (extra lines added), checked again. */
function mergeSlurmSettings(file: SlurmSettings, flags: SlurmSettings): SlurmSettings {
  const sbatch = [...(file.sbatch ?? []), ...(flags.sbatch ?? [])];
  const merged: SlurmSettings = { ...file, ...flags, ...(sbatch.length > 0 ? { sbatch } : {}) };
  const problems = slurmSettingsProblems(merged);
  if (problems.length > 0) {
    throw new UserError(
      problems.map((p) =>
        `slurm.${p.key} of the sweep file with --time ${merged.time}: ${p.message}`
      ).join("\n"),
      EXIT_USAGE,
    );
  }
  return merged;
}

function absolute(path: string): string {
  return path.startsWith("/") ? path : joinPath(Deno.cwd(), path);
}

async function main(args: string[]): Promise<number> {
  const { values, positionals } = parseCli(args, CLI);
  if (values.help) {
    console.log(helpText(CLI));
    return 0;
  }
  if (positionals.length > 1) {
    throw new UserError(
      `expected one ablation file, got ${positionals.length}: ${positionals.join(" ")}`,
      EXIT_USAGE,
    );
  }
  const file = positionals[0] ?? DEFAULT_ABLATION;
  const jobs = intFlag("jobs", values.jobs, DEFAULT_JOBS);
  const shard = values.shard !== undefined ? parseShard(values.shard) : undefined;
  if (values.backend !== undefined && !isBackendChoice(values.backend)) {
    throw new UserError(
      `--backend "${values.backend}" is not one of auto, ${BACKEND_NAMES.join(", ")}`,
      EXIT_USAGE,
    );
  }
  if (values.emit !== undefined && values.emit !== "slurm") {
    throw new UserError(
      `--emit "${values.emit}" is not supported; expected --emit slurm`,
      EXIT_USAGE,
    );
  }
  if (values.shards !== undefined && values.emit === undefined && !values.status) {
    throw new UserError("--shards N only goes with --emit slurm or --status", EXIT_USAGE);
  }
  const slurmFlags = slurmFlagSettings(values);
  if (values.status) {
    // --status shows the whole sweep as the array tasks cut it; a selection would hide runs.
    const clash = (["emit", "dry-run", "only", "shard", "restart", "isolate"] as const)
      .find((f) => f === "dry-run" || f === "isolate" ? values[f] : values[f] !== undefined);
    if (clash) {
      throw new UserError(
        `--status does not go with --${clash}: it shows every run of the sweep, by shard`,
        EXIT_USAGE,
      );
    }
  }
  const readOnly = values["dry-run"] || values.status;

  // `auto` is probed at most once, and only when a run asks for it; its reason is printed.
  let auto: { name: string; reason: string } | undefined;
  const pickAuto = async () => (auto ??= await resolveAuto()).name;
  let plan;
  try {
    if (values.dataroot !== undefined) {
      // The folder checked as `deno task data check` does, before anything is planned.
      for (const w of await checkDataroot(file, values.dataroot)) {
        console.error(`warning: --dataroot: ${w}`);
      }
    }
    plan = await planSweep(file, {
      readOnly,
      backend: values.backend,
      resolveAuto: pickAuto,
      dataroot: values.dataroot,
    });
  } catch (e) {
    if (e instanceof ConfigError) {
      console.error(e.message);
      return EXIT_USAGE;
    }
    throw e;
  }
  const out = values.out ?? defaultOut(plan);
  const options = {
    out,
    jobs,
    only: values.only,
    restart: values.restart,
    shard,
    backend: values.backend,
    isolate: values.isolate,
  };
  // A selection that selects nothing is a usage error, never a silent no-op.
  let selected = plan.runs;
  if (options.only && options.only.length > 0) {
    selected = selected.filter((r) => matchesRun(r, options.only!));
    if (selected.length === 0) {
      throw new UserError(
        `--only ${options.only.join(", ")} matches none of the ${plan.runs.length} runs`,
        EXIT_USAGE,
      );
    }
  }
  for (const pattern of options.restart ?? []) {
    if (!plan.runs.some((r) => matchesRun(r, [pattern]))) {
      throw new UserError(
        `--restart ${pattern} matches none of the ${plan.runs.length} runs ` +
          "(an id, a name, a glob over them, or a hash prefix; --dry-run lists them)",
        EXIT_USAGE,
      );
    }
  }
  if (shard && shardRuns(selected, shard).length === 0) {
    const of = selected.length === plan.runs.length
      ? `the sweep has ${plan.runs.length} run(s)`
      : `--only selects ${selected.length} of the ${plan.runs.length} runs`;
    throw new UserError(
      `--shard ${shard.k}/${shard.n} selects no run: ${of}, so at most ${selected.length} ` +
        "shards have work",
      EXIT_USAGE,
    );
  }

  if (values.emit === undefined) {
    // What the runs train on (`auto` resolved on this machine; part of every run id), its
    // version, threads and why. On stderr for --dry-run, whose stdout is the listing.
    const say = readOnly ? console.error : console.log;
    for (const name of [...new Set(plan.runs.map((r) => r.config.backend))].sort()) {
      const why = auto?.name === name
        ? auto.reason
        : values.backend !== undefined
        ? "requested (--backend)"
        : "set by the config";
      say(`backend: ${await plannedBackendLine(name, why)}`);
    }
  }
  // What the expansion changed on its own (--dataroot, a dropped seg metric).
  for (const note of plan.notes ?? []) {
    (readOnly ? console.error : console.log)(`note: ${note}`);
  }
  if (values.status) {
    let shards = values.shards !== undefined ? intFlag("shards", values.shards, 1) : undefined;
    let shardsFrom = shards !== undefined ? "--shards" : undefined;
    const script = joinPath(out, "sweep.sbatch");
    if (shards === undefined && await exists(script)) {
      shards = shardsOfScript(await Deno.readTextFile(script));
      if (shards !== undefined) shardsFrom = "from sweep.sbatch";
    }
    const text = await formatStatus(plan, await listSweep(plan, { out }), {
      shards: shards ?? 1,
      shardsFrom: shardsFrom ?? "no sweep.sbatch in the directory",
    });
    await Deno.stdout.write(new TextEncoder().encode(text));
    return 0;
  }
  const listing = values.emit === undefined || values["dry-run"]
    ? await listSweep(plan, options)
    : undefined;
  if (listing) {
    // Issue 19: a plan that would train for hours says so before it starts (stderr; never a
    // prompt, CI has no stdin). Partial runs count their remaining steps; reeval runs none.
    const line = sweepEstimateLine(
      listing.runs.filter((l) => l.willRun).map(({ run, state }) => ({
        input: { ...run.config, imageSize: run.data.imageSize, batch: run.config.batch_size },
        steps: matchesRun(run, options.restart ?? [])
          ? run.totalSteps
          : state.kind === "reeval"
          ? 0
          : run.totalSteps - ("step" in state ? state.step : 0),
      })),
      await benchFigures(`${REPO_ROOT}/results/bench`),
      { jobs, showFile: (f) => f.replace(`${REPO_ROOT}/`, "") },
    );
    if (line) console.error(line);
  }
  if (values["dry-run"]) {
    const text = formatListing(plan, listing!);
    await Deno.stdout.write(new TextEncoder().encode(text));
    return 0;
  }

  if (values.emit === "slurm") {
    const shards = intFlag("shards", values.shards, plan.runs.length);
    if (shards > plan.runs.length) {
      // Array tasks past the last run would select no run (a usage error, exit 2).
      throw new UserError(
        `--shards ${shards} is more than the ${plan.runs.length} runs; use at most ` +
          `${plan.runs.length}`,
        EXIT_USAGE,
      );
    }
    const settings = mergeSlurmSettings(plan.slurm ?? {}, slurmFlags);
    const dir = absolute(out);
    await ensureDir(dir);
    const files = slurmFiles({
      name: plan.name,
      root: REPO_ROOT,
      ablation: absolute(file),
      out: dir,
      shards,
      // The deno running this command and this project, by absolute path: the scripts'
      // preflight checks that each node sees them there.
      deno: Deno.execPath(),
      emitHost: hostName(),
      cpus: jobs,
      settings,
      backend: values.backend,
      dataroot: values.dataroot !== undefined ? absolute(values.dataroot) : undefined,
    });
    for (const [name, text] of Object.entries(files)) {
      await writeFileAtomic(joinPath(dir, name), text);
    }
    await Deno.chmod(joinPath(dir, "submit.sh"), 0o755).catch(() => {});
    console.log(
      `wrote ${dir}/sweep.sbatch (${shards} array task(s) over ${plan.runs.length} run(s), ` +
        `${jobs} CPU(s) and --jobs ${jobs} per task), ${dir}/report.sbatch (the report, after ` +
        `the array) and ${dir}/submit.sh`,
    );
    for (const [what, path] of [["project", REPO_ROOT], ["sweep directory", dir]]) {
      if (/^\/(tmp|var\/tmp|dev\/shm)(\/|$)/.test(path)) {
        console.log(
          `note: the ${what} ${path} is in a node-local directory on most clusters; every node ` +
            "must see it at this path (each task's preflight checks)",
        );
      }
    }
    console.log(`submit with: bash ${shellQuote(`${dir}/submit.sh`)}`);
    return 0;
  }

  let result;
  try {
    result = await runSweep(plan, options);
  } catch (e) {
    if (e instanceof LockBusyError) {
      console.error(`error: another sweep is running on "${out}": ${e.message}`);
      return EXIT_LOCKED;
    }
    if (e instanceof IoError) throw new UserError(e.message, EXIT_ERROR);
    throw e;
  }
  const counts: Record<string, number> = {};
  for (const s of Object.values(result.states)) {
    const k = s.split(" ")[0];
    counts[k] = (counts[k] ?? 0) + 1;
  }
  console.log(
    `sweep "${plan.name}" in ${out}: ${
      Object.entries(counts).map(([k, n]) => `${n} ${k}`).join(", ")
    }`,
  );
  if (result.signal) return result.signal === "SIGTERM" ? 143 : 130;
  const code = exitCodeFor(result.notCompleted);
  if (result.notCompleted > 0) {
    console.error(
      `${result.notCompleted} run(s) did not complete (exit code ${code} = ` +
        `${EXIT_NOT_COMPLETED_BASE} + ${code - EXIT_NOT_COMPLETED_BASE})`,
    );
  }
  return code;
}

if (import.meta.main) await runMain(() => main(Deno.args));
