/**
 * `deno task runs DIR [--json]`: one line per run of a sweep directory: variant, seed, status,
 * step/total, backend and the value of the report's main metric (the one the not-learned rule
 * uses: `main_metric` of the sweep file, else its default; lib/report/statistics.ts resolves
 * it). Reads only the run directories and `sweep.json`; changes nothing.
 *
 * ```sh
 * deno task runs results/paper
 * deno task runs results/paper --json | jq '.runs[] | select(.status != "completed")'
 * ```
 *
 * A DIR that is not a sweep directory (no `runs/` folder) prints one line and exits with 2.
 * @module
 */
import { sweepDirArg } from "./_sweep_dir.ts";
import { runMain } from "./_errors.ts";
import { HELP_FLAG, helpText, parseCli } from "./_flags.ts";
import { backendName, readRuns, type RunRecord } from "../report/runs.ts";
import { readSweepFile } from "../report/report.ts";
import { sweepStatistics } from "../report/statistics.ts";
import { formatNumber } from "../report/tables.ts";
import { newestCheckpointStep } from "../sweep/run_dir.ts";

const USAGE = "usage: deno task runs DIR [--json]";
const CLI = {
  usage: USAGE,
  allowPositionals: true,
  flags: {
    json: {
      type: "boolean",
      default: false,
      doc: "print one JSON object ({main_metric, runs: [...]}) instead of text",
    },
    help: HELP_FLAG,
  },
  epilog: "columns: variant, seed, status, step/total, backend, the main metric's value " +
    "(n/a: no final evaluation); the main metric: main_metric of the sweep file, else the " +
    "report's default (lib/report/README.md)",
} as const;

/** One run as `deno task runs` lists it. */
export interface RunLine {
  /** Run id (the directory name). */
  id: string;
  /** The variant (axes but the seed). */
  variant: string;
  /** Seed. */
  seed: number;
  /** `status.json`'s state, or `missing`. */
  status: string;
  /**
   * Iterations done: `status.json`'s, or for a `running` run the newest logged step or
   * checkpoint when further (status.json is written when an attempt starts and ends).
   */
  step: number;
  /** Iterations planned. */
  total_steps: number;
  /** The backend's name (`wasm`, `native`), or null before the run started. */
  backend: string | null;
  /** The main metric's value of the final evaluation, or null. */
  main: number | null;
}

/** The runs' lines and the main metric's report column (null when none applies). */
export async function runLines(
  dir: string,
): Promise<{ mainMetric: string | null; runs: RunLine[] }> {
  const runs = await readRuns(dir);
  const sweep = await readSweepFile(dir);
  const column = sweepStatistics(runs, sweep).mainMetric.column;
  return {
    mainMetric: column,
    runs: await Promise.all(runs.map(async (r: RunRecord) => ({
      id: r.id,
      variant: r.variant,
      seed: r.seed,
      status: r.status,
      step: r.status !== "running"
        ? r.step
        : Math.max(r.step, r.losses.at(-1)?.step ?? 0, (await newestCheckpointStep(r.dir)) ?? 0),
      total_steps: r.totalSteps,
      backend: backendName(r.backend),
      main: column === null ? null : r.metrics[column] ?? null,
    }))),
  };
}

/** The text table: a header line, then one aligned line per run. */
export function formatRunLines(o: { mainMetric: string | null; runs: RunLine[] }): string {
  const rows = [
    ["variant", "seed", "status", "step", "backend", o.mainMetric ?? "main metric"],
    ...o.runs.map((r) => [
      r.variant,
      String(r.seed),
      r.status,
      `${r.step}/${r.total_steps}`,
      r.backend ?? "-",
      formatNumber(r.main),
    ]),
  ];
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  return rows.map((r) => r.map((c, i) => c.padEnd(widths[i])).join("  ").trimEnd()).join("\n");
}

async function main(args: string[]): Promise<number> {
  const { values, positionals } = parseCli(args, CLI);
  if (values.help) {
    console.log(helpText(CLI));
    return 0;
  }
  const dir = await sweepDirArg(positionals, USAGE);
  const lines = await runLines(dir);
  if (values.json) {
    console.log(JSON.stringify({ main_metric: lines.mainMetric, runs: lines.runs }, null, 2));
  } else if (lines.runs.length === 0) console.log(`no runs in ${dir}`);
  else console.log(formatRunLines(lines));
  return 0;
}

if (import.meta.main) await runMain(() => main(Deno.args));
