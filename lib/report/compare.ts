/**
 * The report of several sweeps side by side ({@link writeCompareReport}, `deno task report A B
 * --out DIR`): their runs in one table set, each variant labelled with its sweep
 * (`sweepname/variant`), with the statistics of one sweep's report (lib/report/statistics.ts).
 *
 * Comparisons stay **within a sweep** by default: each sweep's variants are compared with that
 * sweep's own reference (its `compare_to`, else `cyclegan`, else its first variant: resolved as
 * its own report does), and each sweep's comparisons are Holm-adjusted together with the other
 * sweeps' in one table per direction (a larger family: more conservative than the sweeps'
 * own reports). Sweeps are separate experiments whose seeds only share labels, so pairing
 * across them is done only when asked: with `compareTo: "SWEEP/VARIANT"` every variant (of the
 * same other axes) is compared with that one, paired by seed label.
 *
 * Writes `summary.csv`, `runs.csv`, `summary.json`, `summary.md`, `summary.tex` and an
 * `index.html` without image grids (the grids stay in each sweep's own report) into `out`.
 *
 * ```ts
 * import { writeCompareReport } from "./compare.ts";
 * await writeCompareReport(["results/a", "results/b"], "results/a_vs_b");
 * ```
 * @module
 */
import { ensureDir, exists, joinPath, writeFileAtomic } from "../io/atomic.ts";
import { readRuns, type RunRecord } from "./runs.ts";
import { readSweepFile } from "./report.ts";
import { sweepStatistics } from "./statistics.ts";
import { runsCsv, summaryCsv, summaryJson, summaryLatex, summaryMarkdown } from "./tables.ts";
import { reportHtml } from "./html.ts";

/** Sweeps that cannot be reported together; the message says why and what to change. */
export class CompareError extends Error {
  /**
   * Makes the error.
   * @param message What is wrong and what was expected.
   */
  constructor(message: string) {
    super(message);
    this.name = "CompareError";
  }
}

/** Options of {@link readSweeps} and {@link writeCompareReport}. */
export interface CompareOptions {
  /** `SWEEP/VARIANT`: compare every variant with this one instead of within each sweep. */
  compareTo?: string;
}

/** Several sweeps' runs relabelled as one set, and how to compare them. */
export interface CombinedSweeps {
  /** The sweeps' names, in the order given. */
  names: string[];
  /** Every run: id and variant prefixed with `<sweep>/`, the `variant` axis too. */
  runs: RunRecord[];
  /** The reference of each context, by `variant` axis value. */
  references: string[];
  /** The main metric spec, when every sweep that sets one sets the same. */
  mainMetric: string | null;
  /** What was chosen, in words (the overview's paragraph). */
  note: string;
}

/**
 * Reads the sweeps and relabels their runs (see the module doc). Throws a {@link CompareError}
 * whose message
 * says what is wrong when two sweeps share a name, the main metrics differ, or `compareTo`
 * names no variant.
 */
export async function readSweeps(dirs: string[], o: CompareOptions = {}): Promise<CombinedSweeps> {
  const names: string[] = [];
  const runs: RunRecord[] = [];
  const references: string[] = [];
  const mains = new Set<string>();
  for (const dir of dirs) {
    const info = await readSweepFile(dir);
    if (names.includes(info.name)) {
      throw new CompareError(
        `two sweeps are named "${info.name}" (${dir} and an earlier one): rows are labelled ` +
          `by sweep name, so each must be different`,
      );
    }
    names.push(info.name);
    if (info.mainMetric) mains.add(info.mainMetric);
    const own = await readRuns(dir);
    const stats = sweepStatistics(own, info);
    const label = (v: { variant: string; name: string | undefined }) =>
      `${info.name}/${v.name ?? v.variant}`;
    for (const v of stats.variants.filter((v) => v.isReference)) {
      if (!references.includes(label(v))) references.push(label(v));
    }
    for (const r of own) {
      const hasName = "variant" in r.axes;
      const { seed, ...rest } = r.axes;
      // Without a variant axis (a grid) the variant is the whole grid point, compared with the
      // sweep's first grid point; with one, the other axes stay axes (compared within them).
      const others = hasName ? rest : {};
      runs.push({
        ...r,
        id: `${info.name}/${r.id}`,
        variant: `${info.name}/${r.variant}`,
        axes: {
          ...(o.compareTo ? {} : { sweep: info.name }),
          ...others,
          variant: `${info.name}/${hasName ? String(r.axes.variant) : r.variant}`,
          ...(seed === undefined ? {} : { seed }),
        },
      });
    }
  }
  if (mains.size > 1) {
    throw new CompareError(
      `the sweeps' main metrics differ (${[...mains].sort().join(", ")}): set the same ` +
        `main_metric in their sweep files to report them together`,
    );
  }
  runs.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  let note = "Several sweeps: rows are labelled `sweep/variant`. Each variant is compared with " +
    "the reference of its own sweep (its compare_to, else cyclegan, else its first variant), " +
    "never across sweeps; the comparisons of all sweeps form one Holm family per table.";
  if (o.compareTo) {
    const valid = [...new Set(runs.map((r) => String(r.axes.variant)))].sort();
    if (!valid.includes(o.compareTo)) {
      throw new CompareError(
        `--compare-to "${o.compareTo}" names no variant of these sweeps; expected one of ` +
          valid.join(", "),
      );
    }
    note = "Several sweeps: rows are labelled `sweep/variant`. As asked (--compare-to), every " +
      `variant is compared with \`${o.compareTo}\`, across sweeps, paired by seed label: the ` +
      "sweeps' seeds share labels, not random streams, so a cross-sweep pair removes no shared " +
      "variation.";
    return {
      names,
      runs,
      references: [o.compareTo],
      mainMetric: [...mains][0] ?? null,
      note,
    };
  }
  return { names, runs, references, mainMetric: [...mains][0] ?? null, note };
}

/**
 * Writes the combined tables of the sweeps `dirs` into `out` (see the module doc); returns the
 * files written, sorted. Regenerating gives the same bytes.
 */
export async function writeCompareReport(
  dirs: string[],
  out: string,
  o: CompareOptions = {},
): Promise<{ files: string[]; runs: number }> {
  const c = await readSweeps(dirs, o);
  const name = c.names.join(" + ");
  const stats = sweepStatistics(c.runs, { references: c.references, mainMetric: c.mainMetric });
  const tables = { name, stats, notes: [c.note] };
  await ensureDir(out);
  const files: Array<[string, string]> = [
    ["summary.csv", summaryCsv(c.runs, tables)],
    ["runs.csv", runsCsv(c.runs, tables)],
    ["summary.json", summaryJson(c.runs, tables)],
    ["summary.md", summaryMarkdown(c.runs, tables)],
    ["summary.tex", summaryLatex(c.runs, tables)],
    ["index.html", reportHtml(c.runs, { name, stats, grids: {}, notes: [c.note] })],
  ];
  const written: string[] = [];
  for (const [f, text] of files) {
    const path = joinPath(out, f);
    if (!(await exists(path)) || (await Deno.readTextFile(path)) !== text) {
      await writeFileAtomic(path, text);
    }
    written.push(path);
  }
  return { files: written.sort(), runs: c.runs.length };
}
