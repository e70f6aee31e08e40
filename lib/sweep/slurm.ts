/**
 * `--emit slurm`: the three files that run a sweep on a Slurm cluster, all in the sweep's
 * directory (which every node must see at the same path):
 *
 * - `sweep.sbatch`: a job array, one shard of the sweep per array task, every task writing into
 *   the one results directory (per-run locks keep two tasks off one run);
 * - `report.sbatch`: `deno task report` on the directory (summary, tables, grids, index.html);
 * - `submit.sh`: submits the array with `sbatch --parsable`, then the report with
 *   `--dependency=afterany:<array id>`, so that the report runs when every task has ended,
 *   whatever failed, and prints both job ids.
 *
 * Research clusters already run Slurm; we do not write our own cluster scheduler. The scripts
 * name the `deno` executable and the project by the absolute paths they have where the script
 * is emitted, and each starts with a preflight that fails the task with one line saying what
 * the node cannot see, instead of a `command not found` deep in a log.
 *
 * Cluster settings come from the sweep file's `slurm:` block ({@link SlurmSettings}) and the
 * matching flags; CPUs per task are `--jobs`. `sweep.sbatch` asks Slurm for SIGTERM
 * `signal_before` seconds before the time limit (`--signal=B:TERM@...`), and `exec`s deno so
 * that the signal reaches the sweep itself: each run then finishes its step, checkpoints and is
 * marked interrupted, and the same array submitted again resumes every run where it stopped.
 *
 * ```ts
 * import { slurmFiles } from "./slurm.ts";
 * const files = slurmFiles({
 *   name: "smoke", root: "/home/me/cyclebench", ablation: "/home/me/cyclebench/ablations/smoke.yaml",
 *   out: "/scratch/results/smoke", shards: 8, deno: "/home/me/.deno/bin/deno",
 *   settings: { partition: "cpu", time: "4:00:00" },
 * });
 * console.log(files.submit);
 * ```
 * @module
 */
import { z } from "zod";

/** The `slurm:` block of a sweep file (every key optional; flags override them). */
export interface SlurmSettings {
  /** `--partition` (a name, or a comma-separated list of names). */
  partition?: string;
  /** `--time`, each array task's time limit, in a form sbatch takes (`90`, `2:00:00`, `1-12`). */
  time?: string;
  /** `--mem`, memory per node (`4000` megabytes, `8G`). */
  mem?: string;
  /** `--account` to charge. */
  account?: string;
  /** More sbatch options, one `#SBATCH` line each (`--qos=high`, `--constraint=avx512`). */
  sbatch?: string[];
  /**
   * Seconds before the time limit at which Slurm sends SIGTERM to a task, so that its runs
   * checkpoint in time (default {@link SIGNAL_BEFORE_DEFAULT}, at most half the time limit).
   */
  signal_before?: number;
}

/** Keys of the `slurm:` block. */
export const SLURM_KEYS: readonly string[] = Object.freeze([
  "partition",
  "time",
  "mem",
  "account",
  "sbatch",
  "signal_before",
]);

/**
 * Default seconds between the warning SIGTERM and the time limit. A run stops within one
 * training step once signalled (lib/train/loop.ts), then writes one checkpoint; two minutes
 * cover that for the shipped experiments, and Slurm may send the signal up to a minute earlier
 * than asked (its event resolution, sbatch(1) `--signal`).
 */
export const SIGNAL_BEFORE_DEFAULT = 120;

/** The largest `@sig_time` sbatch accepts (sbatch(1) `--signal`). */
const SIGNAL_BEFORE_MAX = 65535;

const TIME_FORMS = "MINUTES, MINUTES:SECONDS, HOURS:MINUTES:SECONDS, DAYS-HOURS, " +
  "DAYS-HOURS:MINUTES or DAYS-HOURS:MINUTES:SECONDS (e.g. 90 or 2:00:00), or UNLIMITED";

/**
 * Seconds of a Slurm time limit (sbatch(1) `--time`), `null` for no limit (`UNLIMITED`,
 * `INFINITE`, `0`), undefined when the text is not one.
 *
 * ```ts
 * slurmTimeSeconds("90");        // 5400
 * slurmTimeSeconds("1-12:30");   // 131400
 * slurmTimeSeconds("2h");        // undefined
 * ```
 */
export function slurmTimeSeconds(text: string): number | null | undefined {
  const t = text.trim();
  if (/^(unlimited|infinite)$/i.test(t)) return null;
  let m = /^(\d+)-(\d+)(?::(\d+)(?::(\d+))?)?$/.exec(t);
  if (m) {
    const [d, h, min, s] = [m[1], m[2], m[3] ?? "0", m[4] ?? "0"].map(Number);
    if (h > 23 || min > 59 || s > 59) return undefined;
    return ((d * 24 + h) * 60 + min) * 60 + s;
  }
  m = /^(\d+)(?::(\d+)(?::(\d+))?)?$/.exec(t);
  if (!m) return undefined;
  const parts = [m[1], m[2], m[3]].filter((p) => p !== undefined).map(Number);
  if (parts.slice(1).some((p) => p > 59)) return undefined;
  const seconds = parts.length === 1
    ? parts[0] * 60
    : parts.length === 2
    ? parts[0] * 60 + parts[1]
    : (parts[0] * 60 + parts[1]) * 60 + parts[2];
  return seconds === 0 ? null : seconds;
}

/**
 * The sbatch options the scripts write themselves, with where their value comes from: an extra
 * line setting one of them would contradict the script (and the later of two wins in sbatch).
 */
const MANAGED_OPTIONS: Readonly<Record<string, string>> = Object.freeze({
  array: "one task per shard: --shards N",
  "job-name": "the sweep's name",
  "cpus-per-task": "--jobs N",
  output: "the sweep directory",
  signal: "slurm.signal_before",
  dependency: "submit.sh: the report waits for the array",
  partition: "slurm.partition or --partition",
  time: "slurm.time or --time",
  mem: "slurm.mem or --mem",
  account: "slurm.account or --account",
});

/**
 * Why an extra `#SBATCH` option cannot be used, or undefined when it can: it must be one long
 * option on one line (`--qos=high`), and not one the scripts set from elsewhere.
 *
 * ```ts
 * sbatchLineProblem("--qos=high");   // undefined
 * sbatchLineProblem("--array=1-4");  // "--array is written by cyclebench (one task per shard: ...)"
 * ```
 */
export function sbatchLineProblem(line: string): string | undefined {
  if (/[\r\n]/.test(line)) return "an #SBATCH option must be on one line";
  const m = /^--([A-Za-z][A-Za-z0-9-]*)(=.*)?$/.exec(line.trim());
  if (!m) {
    return "expected one long sbatch option as written after #SBATCH, e.g. --qos=high or " +
      "--gres=gpu:1";
  }
  const managed = MANAGED_OPTIONS[m[1]];
  if (managed) return `--${m[1]} is written by cyclebench (${managed}); remove it`;
  return undefined;
}

const NAME_RE = /^[A-Za-z0-9_.-]+$/;
const numberAsText = (v: unknown) => (typeof v === "number" ? String(v) : v);

/** The zod schema of the `slurm:` block (cross-field rules: {@link slurmSettingsProblems}). */
export const slurmSchema: z.ZodType<SlurmSettings> = z.strictObject({
  partition: z.string().regex(/^[A-Za-z0-9_.-]+(,[A-Za-z0-9_.-]+)*$/, {
    message: "expected a partition name (letters, digits, '_', '.', '-'), or several " +
      "separated by commas",
  }).optional(),
  // YAML reads `time: 90` and `mem: 4000` as numbers; sbatch takes them as text.
  time: z.preprocess(
    numberAsText,
    z.string().refine((t) => slurmTimeSeconds(t) !== undefined, {
      message: `expected a Slurm time limit: ${TIME_FORMS}`,
    }),
  ).optional(),
  mem: z.preprocess(
    numberAsText,
    z.string().regex(/^\d+[KMGTkmgt]?$/, {
      message: "expected memory per node as sbatch takes it: megabytes (4000) or a number with " +
        "K, M, G or T (8G)",
    }),
  ).optional(),
  account: z.string().regex(NAME_RE, {
    message: "expected an account name (letters, digits, '_', '.', '-')",
  }).optional(),
  sbatch: z.array(
    z.string().superRefine((line, ctx) => {
      const problem = sbatchLineProblem(line);
      if (problem) ctx.addIssue({ code: "custom", message: problem });
    }),
  ).optional(),
  signal_before: z.number().int().min(1).max(SIGNAL_BEFORE_MAX).optional(),
}) as z.ZodType<SlurmSettings>;

/**
 * Problems between keys of settings that each passed {@link slurmSchema}: an explicit
 * `signal_before` must leave time before the limit. Each names its key.
 *
 * ```ts
 * slurmSettingsProblems({ time: "1", signal_before: 300 });
 * // [{ key: "signal_before", message: "300 s is not less than the time limit 1 (60 s) ..." }]
 * ```
 */
export function slurmSettingsProblems(
  s: SlurmSettings,
): { key: keyof SlurmSettings; message: string }[] {
  const limit = s.time !== undefined ? slurmTimeSeconds(s.time) : null;
  if (s.signal_before === undefined || limit === null || limit === undefined) return [];
  if (s.signal_before < limit) return [];
  return [{
    key: "signal_before",
    message: `${s.signal_before} s is not less than the time limit ${s.time} (${limit} s): ` +
      "the warning signal would come before the task starts; use a smaller signal_before",
  }];
}

/**
 * Seconds before the limit at which `sweep.sbatch` asks for SIGTERM: `signal_before`, else
 * {@link SIGNAL_BEFORE_DEFAULT} capped at half the time limit (a short limit keeps half its
 * time for training).
 *
 * ```ts
 * signalBefore({});               // 120
 * signalBefore({ time: "2" });    // 60
 * ```
 */
export function signalBefore(s: SlurmSettings): number {
  if (s.signal_before !== undefined) return s.signal_before;
  const limit = s.time !== undefined ? slurmTimeSeconds(s.time) : null;
  if (limit === null || limit === undefined) return SIGNAL_BEFORE_DEFAULT;
  return Math.max(1, Math.min(SIGNAL_BEFORE_DEFAULT, Math.floor(limit / 2)));
}

/** What {@link slurmFiles} needs. */
export interface SlurmOptions {
  /** The sweep's name (job names). */
  name: string;
  /** The repository root (absolute; the scripts `cd` there). */
  root: string;
  /** The ablation file (absolute). */
  ablation: string;
  /** The shared results directory (absolute); the three files are written there. */
  out: string;
  /** Array tasks: one shard each. */
  shards: number;
  /** The `deno` executable (absolute), as resolved where the scripts are emitted. */
  deno: string;
  /** Where the scripts are emitted (named by the preflight's messages). */
  emitHost?: string;
  /** `--backend` for every task, if given. */
  backend?: string;
  /** `--dataroot` for every task (absolute), if given. */
  dataroot?: string;
  /** CPUs per task = `--jobs` of each task (default 2: the default `--jobs`). */
  cpus?: number;
  /** Cluster settings (partition, time limit, memory, account, extra lines). */
  settings?: SlurmSettings;
}

/** The three files of {@link slurmFiles}, by name. */
export interface SlurmFiles {
  /** `sweep.sbatch`: the job array. */
  "sweep.sbatch": string;
  /** `report.sbatch`: the report job. */
  "report.sbatch": string;
  /** `submit.sh`: submits both, the report after the array. */
  "submit.sh": string;
}

/**
 * Quotes a string for bash.
 *
 * ```ts
 * shellQuote("/a b/it's"); // "'/a b/it'\\''s'"
 * ```
 */
export function shellQuote(s: string): string {
  return /^[A-Za-z0-9_./=:,+-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

function jobName(o: SlurmOptions, suffix = ""): string {
  return `cyclebench-${o.name}${suffix}`.replace(/[^A-Za-z0-9_.-]/g, "_");
}

/** The `#SBATCH` lines both jobs share: the cluster settings and the extra lines. */
function settingLines(s: SlurmSettings): string[] {
  const lines: string[] = [];
  if (s.partition !== undefined) lines.push(`#SBATCH --partition=${s.partition}`);
  if (s.account !== undefined) lines.push(`#SBATCH --account=${s.account}`);
  if (s.time !== undefined) lines.push(`#SBATCH --time=${s.time}`);
  if (s.mem !== undefined) lines.push(`#SBATCH --mem=${s.mem}`);
  for (const extra of s.sbatch ?? []) lines.push(`#SBATCH ${extra.trim()}`);
  return lines;
}

/**
 * The preflight both jobs start with: the paths resolved at emit time, checked on the node,
 * each failing the task (exit 1) with one line that says what is missing and what to do.
 */
function preflight(o: SlurmOptions): string[] {
  const host = shellQuote(o.emitHost ?? "the emitting machine");
  const lines = [
    "set -euo pipefail",
    "",
    `# Paths resolved on ${o.emitHost ?? "the emitting machine"} when this script was emitted;`,
    "# every node must see them at the same paths (the preflight says which one it cannot).",
    `DENO=${shellQuote(o.deno)}`,
    `ROOT=${shellQuote(o.root)}`,
    `SWEEP_FILE=${shellQuote(o.ablation)}`,
    `OUT=${shellQuote(o.out)}`,
    ...(o.dataroot !== undefined ? [`DATAROOT=${shellQuote(o.dataroot)}`] : []),
    `EMITTED_ON=${host}`,
    'fail() { echo "cyclebench preflight failed on $(hostname): $*" >&2; exit 1; }',
    '[ -x "$DENO" ] || fail "no deno executable at $DENO (the deno that emitted this script ' +
    "on $EMITTED_ON); install Deno 2 at that path on every node, or put it on a shared " +
    'filesystem and emit the script again with that deno"',
    '"$DENO" --version >/dev/null 2>&1 || fail "$DENO does not run here (another CPU ' +
    "architecture or C library than $EMITTED_ON?); emit the script again with a deno built " +
    'for these nodes"',
    '[ -f "$ROOT/lib/cli/ablate.ts" ] || fail "the project is not at $ROOT; clone it on a ' +
    'filesystem every node mounts at the same path and emit the script again from there"',
    '[ -r "$SWEEP_FILE" ] || fail "cannot read the sweep file $SWEEP_FILE"',
    ...(o.dataroot !== undefined
      ? ['[ -d "$DATAROOT" ] || fail "the image folder $DATAROOT (--dataroot) is not here"']
      : []),
    '{ mkdir -p "$OUT" && [ -w "$OUT" ]; } 2>/dev/null || fail "cannot write the sweep ' +
    'directory $OUT; it must be on a filesystem every node can write"',
    'cd "$ROOT"',
    // No update check: nodes often have no network, and its message would only fill the logs.
    "export DENO_NO_UPDATE_CHECK=1",
  ];
  return lines;
}

/**
 * The three files of `--emit slurm` (see the module doc): `sweep.sbatch`, `report.sbatch` and
 * `submit.sh`.
 *
 * ```ts
 * const files = slurmFiles({
 *   name: "smoke", root: "/home/me/cyclebench", ablation: "/home/me/cyclebench/ablations/smoke.yaml",
 *   out: "/scratch/results/smoke", shards: 8, deno: "/usr/local/bin/deno",
 * });
 * await Deno.writeTextFile("/scratch/results/smoke/sweep.sbatch", files["sweep.sbatch"]);
 * ```
 */
export function slurmFiles(o: SlurmOptions): SlurmFiles {
  const cpus = o.cpus ?? 2;
  const s = o.settings ?? {};
  const name = o.name.replace(/[\r\n]/g, " ");
  // sbatch reads `#SBATCH --output=PATH` up to the first blank, so a path with one is left to
  // Slurm's default (slurm-%A_%a.out in the directory sbatch is run from).
  const logs = !/\s/.test(o.out);
  const sweep = [
    "#!/bin/bash",
    `# cyclebench sweep "${name}": ${o.shards} shard(s), one per array task.`,
    `# Submit with: bash ${shellQuote(`${o.out}/submit.sh`)} (this array, then report.sbatch).`,
    "# Every task writes into the same results directory; a run is trained by one task only",
    "# (per-run locks), and a resubmitted array skips what is done and resumes what was",
    "# interrupted. SIGTERM before the time limit (--signal) stops each run within a step, with",
    "# a checkpoint; deno is exec'd so that the signal (B: to the batch shell) reaches it.",
    `#SBATCH --job-name=${jobName(o)}`,
    `#SBATCH --array=1-${o.shards}`,
    `#SBATCH --cpus-per-task=${cpus}`,
    ...settingLines(s),
    `#SBATCH --signal=B:TERM@${signalBefore(s)}`,
    ...(logs ? [`#SBATCH --output=${o.out}/slurm-%A_%a.out`] : []),
    ...preflight(o),
    [
      'exec "$DENO" run -A lib/cli/ablate.ts "$SWEEP_FILE" --out "$OUT"',
      `--shard "\${SLURM_ARRAY_TASK_ID}/${o.shards}"`,
      `--jobs "\${SLURM_CPUS_PER_TASK:-${cpus}}"`,
      ...(o.backend ? [`--backend ${shellQuote(o.backend)}`] : []),
      ...(o.dataroot !== undefined ? ['--dataroot "$DATAROOT"'] : []),
    ].join(" "),
    "",
  ].join("\n");
  const report = [
    "#!/bin/bash",
    `# cyclebench report of sweep "${name}": summary, tables, grids and index.html of every`,
    "# run in the directory, failed ones listed as such. submit.sh starts it after the array",
    "# job has ended, whatever its tasks' outcomes (--dependency=afterany).",
    `#SBATCH --job-name=${jobName(o, "-report")}`,
    "#SBATCH --cpus-per-task=1",
    ...settingLines(s),
    ...(logs ? [`#SBATCH --output=${o.out}/slurm-report-%j.out`] : []),
    ...preflight(o),
    'exec "$DENO" run -A lib/cli/report.ts "$OUT"',
    "",
  ].join("\n");
  const status = [
    "deno task ablate",
    shellQuote(o.ablation),
    "--out",
    shellQuote(o.out),
    ...(o.backend ? ["--backend", shellQuote(o.backend)] : []),
    ...(o.dataroot !== undefined ? ["--dataroot", shellQuote(o.dataroot)] : []),
    "--status",
  ].join(" ");
  const submit = [
    "#!/bin/bash",
    `# Submits cyclebench sweep "${name}": the job array (sweep.sbatch), then the report`,
    "# (report.sbatch), which starts when every array task has ended, whatever failed.",
    "# Arguments go to both sbatch calls (e.g. --partition=debug, --qos=high).",
    "set -euo pipefail",
    `OUT=${shellQuote(o.out)}`,
    `PROGRESS=${shellQuote(`cd ${shellQuote(o.root)} && ${status}`)}`,
    // --parsable prints "<id>" or "<id>;<cluster>".
    'array=$(sbatch --parsable "$@" "$OUT/sweep.sbatch")',
    "array=${array%%;*}",
    'if ! report=$(sbatch --parsable --dependency=afterany:"$array" "$@" "$OUT/report.sbatch"); then',
    '  echo "array job $array submitted, but not the report job; submit it with:" \\',
    '    "sbatch --dependency=afterany:$array $OUT/report.sbatch" >&2',
    "  exit 1",
    "fi",
    "report=${report%%;*}",
    `echo "array job $array: ${o.shards} task(s), one shard each (logs: ${
      logs ? "$OUT/slurm-${array}_<task>.out" : "Slurm's default"
    })"`,
    'echo "report job $report: starts when job $array has ended; writes $OUT/index.html"',
    'echo "progress: $PROGRESS"',
    "",
  ].join("\n");
  return { "sweep.sbatch": sweep, "report.sbatch": report, "submit.sh": submit };
}

/**
 * The sbatch job-array script alone (`sweep.sbatch` of {@link slurmFiles}).
 *
 * ```ts
 * const text = slurmScript({
 *   name: "smoke", root: "/r", ablation: "/r/ablations/smoke.yaml", out: "/o", shards: 8,
 *   deno: "/usr/bin/deno",
 * });
 * ```
 */
export function slurmScript(o: SlurmOptions): string {
  return slurmFiles(o)["sweep.sbatch"];
}

/**
 * The number of array tasks of a `sweep.sbatch` (its `#SBATCH --array=1-N`), or undefined.
 *
 * ```ts
 * shardsOfScript("#SBATCH --array=1-8\n"); // 8
 * ```
 */
export function shardsOfScript(text: string): number | undefined {
  const m = /^#SBATCH --array=1-(\d+)\s*$/m.exec(text);
  return m ? Number(m[1]) : undefined;
}
