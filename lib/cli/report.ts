/**
 * `deno task report DIR [--open] [--no-grids]`: regenerates every report output of a sweep
 * directory (lib/report): `summary.csv` (the statistics: per variant and metric n, mean, std,
 * 95 % interval, the paired comparison with the reference variant), `runs.csv` (one row per
 * run), `summary.json`, `summary.md`, `comparison.png`, `index.html`, and per run
 * `images/grid_final.png` and a TensorBoard event file. Running it twice gives the same bytes.
 * The reference variant and the main metric come from `sweep.json` (`compare_to`,
 * `main_metric`); lib/report/README.md states the method.
 *
 * ```sh
 * deno task report results/smoke
 * deno task report results/smoke --open   # prints the path of index.html
 * ```
 *
 * - `--open`: print the absolute path of `index.html` (to open in a browser) as the last line.
 * - `--no-grids`: skip the image grids (they load every run's checkpoint and test images).
 *
 * A DIR that is not a sweep directory (no `runs/` folder) prints one line and exits with 2.
 * @module
 */
import { runMain, UserError } from "./_errors.ts";
import { HELP_FLAG, helpText, parseCli } from "./_flags.ts";
import { exists, joinPath } from "../io/atomic.ts";
import { writeReport } from "../report/report.ts";

const USAGE = "usage: deno task report DIR [--open] [--no-grids]";
const CLI = {
  usage: USAGE,
  allowPositionals: true,
  flags: {
    open: {
      type: "boolean",
      default: false,
      doc: "print the absolute path of index.html (to open in a browser) as the last line",
    },
    "no-grids": {
      type: "boolean",
      default: false,
      doc: "skip the image grids (they load every run's checkpoint and test images)",
    },
    help: HELP_FLAG,
  },
  epilog: "writes summary.csv (statistics per variant x metric), runs.csv (per run), " +
    "summary.json, summary.md, comparison.png, index.html; method: lib/report/README.md",
} as const;

async function main(args: string[]): Promise<number> {
  const { values, positionals } = parseCli(args, CLI);
  if (values.help) {
    console.log(helpText(CLI));
    return 0;
  }
  if (positionals.length !== 1) {
    throw new UserError(`expected one sweep directory, got ${positionals.length}; ${USAGE}`, 2);
  }
  const dir = positionals[0];
  if (!(await exists(joinPath(dir, "runs")))) {
    throw new UserError(
      `"${dir}" is not a sweep directory: expected a folder with a runs/ subfolder`,
      2,
    );
  }
  const r = await writeReport(dir, { grids: !values["no-grids"] });
  console.log(`report of ${r.runs} run(s): ${r.files.length} file(s) written in ${dir}`);
  if (values.open) console.log(await Deno.realPath(r.index));
  return 0;
}

if (import.meta.main) await runMain(() => main(Deno.args));
