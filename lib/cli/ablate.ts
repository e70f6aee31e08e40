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
 * - `--emit slurm [--shards N]`: write `<out>/sweep.sbatch`, a job array of N shards (default:
 *   one per run), and exit.
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
import { slurmScript } from "../sweep/slurm.ts";
import { benchFigures, sweepEstimateLine } from "../sweep/estimate.ts";
import { ensureDir, IoError, joinPath, writeFileAtomic } from "../io/atomic.ts";

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
  "[--dry-run] [--shard K/N] [--emit slurm [--shards N]] [--isolate] [--backend auto|" +
  BACKEND_NAMES.join("|") + "] [--restart ID|GLOB] [--dataroot DIR]";

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
    doc: "write <out>/sweep.sbatch, a Slurm job array running one shard per task, and exit",
  },
  shards: {
    type: "string",
    arg: "N",
    expects: "a positive integer",
    doc: "with --emit slurm: the number of array tasks (default: one per run)",
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
  if (values.shards !== undefined && values.emit === undefined) {
    throw new UserError("--shards N only goes with --emit slurm", EXIT_USAGE);
  }

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
      readOnly: values["dry-run"],
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
    const say = values["dry-run"] ? console.error : console.log;
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
    (values["dry-run"] ? console.error : console.log)(`note: ${note}`);
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
    const path = joinPath(out, "sweep.sbatch");
    await ensureDir(out);
    await writeFileAtomic(
      path,
      slurmScript({
        name: plan.name,
        root: REPO_ROOT,
        ablation: absolute(file),
        out: absolute(out),
        shards,
        backend: values.backend,
        dataroot: values.dataroot !== undefined ? absolute(values.dataroot) : undefined,
      }),
    );
    console.log(
      `wrote ${path}: ${shards} array task(s) over ${plan.runs.length} run(s); submit with sbatch ${path}`,
    );
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
