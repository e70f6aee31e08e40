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
 * Several sweeps (`deno task report A B --out DIR`) go into one table set in DIR, each row
 * labelled `sweep/variant` (lib/report/compare.ts): comparisons stay within each sweep, unless
 * `--compare-to SWEEP/VARIANT` names the one reference of all; no image grids.
 *
 * A DIR that is not a sweep directory (no `runs/` folder) prints one line and exits with 2.
 * @module
 */
import { runMain, UserError } from "./_errors.ts";
import { HELP_FLAG, helpText, parseCli } from "./_flags.ts";
import { exists, joinPath } from "../io/atomic.ts";
import { writeReport } from "../report/report.ts";
import { CompareError, writeCompareReport } from "../report/compare.ts";

const USAGE = "usage: deno task report DIR [--open] [--no-grids]\n" +
  "       deno task report DIR1 DIR2 ... --out DIR [--compare-to SWEEP/VARIANT] [--open]";
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
    out: {
      type: "string",
      arg: "DIR",
      expects: "a directory",
      doc: "with several sweeps: where their combined tables go (required then)",
    },
    "compare-to": {
      type: "string",
      arg: "SWEEP/VARIANT",
      expects: "a sweep name and a variant, as SWEEP/VARIANT",
      doc: "with several sweeps: compare every variant with this one (default: within each sweep)",
    },
    help: HELP_FLAG,
  },
  epilog: "writes summary.csv (statistics per variant x metric), runs.csv (per run), " +
    "summary.json, summary.md, summary.tex, comparison.png, index.html; method: lib/report/README.md",
} as const;

async function main(args: string[]): Promise<number> {
  const { values, positionals } = parseCli(args, CLI);
  if (values.help) {
    console.log(helpText(CLI));
    return 0;
  }
  if (positionals.length === 0) {
    throw new UserError(`expected a sweep directory, got none\n${USAGE}`, 2);
  }
  for (const dir of positionals) {
    if (!(await exists(joinPath(dir, "runs")))) {
      throw new UserError(
        `"${dir}" is not a sweep directory: expected a folder with a runs/ subfolder`,
        2,
      );
    }
  }
  if (positionals.length > 1) {
    if (values.out === undefined) {
      throw new UserError(
        `${positionals.length} sweep directories given: --out DIR says where their combined ` +
          `tables go\n${USAGE}`,
        2,
      );
    }
    const norm = (p: string) => p.replace(/\/+$/, "").replace(/^\.\//, "");
    if (positionals.some((d) => norm(d) === norm(values.out!))) {
      throw new UserError(
        `--out "${values.out}" is one of the sweeps; choose another directory`,
        2,
      );
    }
    let r;
    try {
      r = await writeCompareReport(positionals, values.out, { compareTo: values["compare-to"] });
    } catch (e) {
      if (e instanceof CompareError) throw new UserError(e.message, 2);
      throw e;
    }
    console.log(
      `report of ${positionals.length} sweeps, ${r.runs} run(s): ${r.files.length} file(s) ` +
        `written in ${values.out}`,
    );
    if (values.open) console.log(await Deno.realPath(joinPath(values.out, "index.html")));
    return 0;
  }
  for (const flag of ["out", "compare-to"] as const) {
    if (values[flag] !== undefined) {
      throw new UserError(
        `--${flag} is for several sweeps; one sweep's report goes into its own directory ` +
          `(its reference: compare_to of its sweep file)`,
        2,
      );
    }
  }
  const dir = positionals[0];
  const r = await writeReport(dir, { grids: !values["no-grids"] });
  console.log(`report of ${r.runs} run(s): ${r.files.length} file(s) written in ${dir}`);
  if (values.open) console.log(await Deno.realPath(r.index));
  return 0;
}

if (import.meta.main) await runMain(() => main(Deno.args));
