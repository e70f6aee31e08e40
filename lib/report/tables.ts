/**
 * The sweep's tables: `summary.csv` and `summary.json` (one row per run) and `summary.md`
 * (variants x metrics as mean +- std over seeds; runs that did not complete listed apart; for
 * the paper's loss ablation, tables shaped as the paper's Tables 4 and 5 with its Cityscapes
 * numbers beside ours). Everything is sorted and formatted the same way every time, and holds
 * no times of day, so regenerating gives the same bytes.
 *
 * ```ts
 * import { readRuns } from "./runs.ts";
 * import { summaryCsv, summaryMarkdown } from "./tables.ts";
 * const runs = await readRuns("results/smoke");
 * console.log(summaryCsv(runs));
 * console.log(summaryMarkdown(runs, { name: "smoke" }));
 * ```
 * @module
 */
import type { RunRecord } from "./runs.ts";

/** The paper's loss-ablation variant names (ablations/paper_tables_4_5.yaml) with their labels. */
export const PAPER_VARIANTS: ReadonlyArray<readonly [string, string]> = [
  ["cycle_alone", "Cycle alone"],
  ["gan_alone", "GAN alone"],
  ["gan_forward", "GAN + forward cycle"],
  ["gan_backward", "GAN + backward cycle"],
  ["cyclegan", "CycleGAN"],
];

/**
 * The paper's Table 4 (labels -> photo) and Table 5 (photo -> labels) on Cityscapes: per-pixel
 * acc, per-class acc, class IOU (../shared/reference/paper-tables.md, section 2.2).
 */
export const PAPER_TABLES: Readonly<Record<"table4" | "table5", Record<string, number[]>>> = {
  table4: {
    cycle_alone: [0.22, 0.07, 0.02],
    gan_alone: [0.51, 0.11, 0.08],
    gan_forward: [0.55, 0.18, 0.12],
    gan_backward: [0.39, 0.14, 0.06],
    cyclegan: [0.52, 0.17, 0.11],
  },
  table5: {
    cycle_alone: [0.10, 0.05, 0.02],
    gan_alone: [0.53, 0.11, 0.07],
    gan_forward: [0.49, 0.11, 0.07],
    gan_backward: [0.01, 0.06, 0.01],
    cyclegan: [0.58, 0.22, 0.16],
  },
};

/** A number for tables: fixed decimals, `n/a` for null and non-finite values. */
export function formatNumber(x: number | null | undefined): string {
  if (x === null || x === undefined || !Number.isFinite(x)) return "n/a";
  if (x === 0) return "0";
  const a = Math.abs(x);
  if (a < 1e-3) return x.toExponential(2);
  return a >= 100 ? x.toFixed(2) : x.toFixed(4);
}

/** Mean, sample standard deviation (0 for one value) and count of the finite values. */
export function meanStd(xs: Array<number | null>): { mean: number; std: number; n: number } | null {
  const v = xs.filter((x): x is number => x !== null && Number.isFinite(x));
  if (v.length === 0) return null;
  const mean = v.reduce((a, b) => a + b, 0) / v.length;
  const varSum = v.reduce((a, b) => a + (b - mean) ** 2, 0);
  return { mean, std: v.length > 1 ? Math.sqrt(varSum / (v.length - 1)) : 0, n: v.length };
}

/** `mean +- std (n=k)`, or `n/a`. */
export function formatMeanStd(s: { mean: number; std: number; n: number } | null): string {
  if (!s) return "n/a";
  return s.n > 1
    ? `${formatNumber(s.mean)} +- ${formatNumber(s.std)} (n=${s.n})`
    : `${formatNumber(s.mean)} (n=1)`;
}

/** Every metric name of the runs, sorted. */
export function metricNames(runs: RunRecord[]): string[] {
  return [...new Set(runs.flatMap((r) => Object.keys(r.metrics)))].sort();
}

/** Every axis name of the runs, sorted. */
export function axisNames(runs: RunRecord[]): string[] {
  return [...new Set(runs.flatMap((r) => Object.keys(r.axes)))].sort();
}

/** One row of `summary.json`. */
export interface SummaryRow {
  /** Run id. */
  id: string;
  /** Readable name. */
  name: string;
  /** The variant (axes but the seed). */
  variant: string;
  /** Seed. */
  seed: number;
  /** Axis -> value (keys sorted). */
  axes: Record<string, unknown>;
  /** Run state. */
  status: string;
  /** Iterations completed. */
  step: number;
  /** Iterations planned. */
  total_steps: number;
  /** Seconds of all attempts. */
  wall_time_s: number | null;
  /** Backend. */
  backend: string | null;
  /** Why it did not complete. */
  error: string | null;
  /** Metric -> value (keys sorted; completed runs only). */
  metrics: Record<string, number | null>;
}

function sortedObject<T>(o: Record<string, T>): Record<string, T> {
  return Object.fromEntries(Object.keys(o).sort().map((k) => [k, o[k]]));
}

/** The rows of `summary.json`, in run id order. */
export function summaryRows(runs: RunRecord[]): SummaryRow[] {
  return runs.map((r) => ({
    id: r.id,
    name: r.name,
    variant: r.variant,
    seed: r.seed,
    axes: sortedObject(r.axes),
    status: r.status,
    step: r.step,
    total_steps: r.totalSteps,
    wall_time_s: r.wallTimeS,
    backend: r.backend,
    error: r.error,
    metrics: sortedObject(r.metrics),
  }));
}

/** `summary.json`: `{ runs: SummaryRow[] }`, two-space indented, with a final newline. */
export function summaryJson(runs: RunRecord[]): string {
  return JSON.stringify({ runs: summaryRows(runs) }, null, 2) + "\n";
}

function csvField(v: unknown): string {
  const s = v === null || v === undefined ? "" : String(v);
  return /[",\n\r]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}

/**
 * `summary.csv`: a header line, then one line per run: id, name, variant, seed, one
 * `axis:<name>` column per axis, status, step, total_steps, wall_time_s, backend, error, one
 * column per metric (full precision; empty when absent). RFC 4180 quoting.
 */
export function summaryCsv(runs: RunRecord[]): string {
  const axes = axisNames(runs);
  const metrics = metricNames(runs);
  const header = [
    "id",
    "name",
    "variant",
    "seed",
    ...axes.map((a) => `axis:${a}`),
    "status",
    "step",
    "total_steps",
    "wall_time_s",
    "backend",
    "error",
    ...metrics,
  ];
  const lines = [header.map(csvField).join(",")];
  for (const r of runs) {
    lines.push(
      [
        r.id,
        r.name,
        r.variant,
        r.seed,
        ...axes.map((a) => (a in r.axes ? JSON.stringify(r.axes[a]) : "")),
        r.status,
        r.step,
        r.totalSteps,
        r.wallTimeS,
        r.backend,
        r.error,
        ...metrics.map((m) => r.metrics[m]),
      ].map(csvField).join(","),
    );
  }
  return lines.join("\n") + "\n";
}

/** The variants of the runs (sorted), each with its completed runs. */
export function groupVariants(runs: RunRecord[]): Array<{ variant: string; runs: RunRecord[] }> {
  const by = new Map<string, RunRecord[]>();
  for (const r of runs) by.set(r.variant, [...(by.get(r.variant) ?? []), r]);
  return [...by.keys()].sort().map((variant) => ({
    variant,
    runs: by.get(variant)!.filter((r) => r.status === "completed"),
  }));
}

/** Whether the runs are the paper's loss ablation: the variant axis holds its five names. */
export function isLossAblation(runs: RunRecord[]): boolean {
  const names = new Set(runs.map((r) => String(r.axes.variant)));
  return PAPER_VARIANTS.every(([v]) => names.has(v));
}

/** One section of the summary: a heading, paragraphs, and optionally a table. */
export interface Section {
  /** Heading level (1-3). */
  level: number;
  /** Heading text. */
  heading: string;
  /** Paragraphs (Markdown-style `**bold**` and backticks allowed). */
  paragraphs: string[];
  /** A table: header cells and rows of cells. */
  table?: { header: string[]; rows: string[][] };
}

function stat(runs: RunRecord[], metric: string): string {
  return formatMeanStd(meanStd(runs.map((r) => r.metrics[metric] ?? null)));
}

/**
 * The "ground truth" row of the FCN score: pix2pix (Isola et al. 2017) Table 1, its FCN-8s on
 * real Cityscapes photos (../shared/reference/paper-tables.md, section 2.4). The CycleGAN paper's
 * Table 4 has no such row.
 */
export const PAPER_GROUND_TRUTH: readonly number[] = [0.80, 0.26, 0.21];

/** Our metric names of a Table 4 / 5 column triple: `<direction> per-pixel acc`, .... */
function segColumns(direction: "AtoB" | "BtoA", prefix = ""): string[] {
  // Names as runs.ts's metricName() gives them (`real-photo ` for the upper bound).
  return ["per-pixel acc", "per-class acc", "class IoU"].map((m) => `${direction} ${prefix}${m}`);
}

function paperTable(
  runs: RunRecord[],
  table: "table4" | "table5",
  ours: string[],
  groundTruth?: string[],
): { header: string[]; rows: string[][] } {
  const header = [
    "variant",
    ...["per-pixel acc", "per-class acc", "class IoU"].map((m) => `ours (scenes): ${m}`),
    "paper (Cityscapes): per-pixel acc",
    "paper (Cityscapes): per-class acc",
    "paper (Cityscapes): class IOU",
  ];
  const rows = PAPER_VARIANTS.map(([v, label]) => {
    const done = runs.filter((r) => String(r.axes.variant) === v && r.status === "completed");
    return [
      label,
      ...ours.map((m) => stat(done, m)),
      ...PAPER_TABLES[table][v].map((x) => x.toFixed(2)),
    ];
  });
  if (groundTruth) {
    // Every run scores the same real test photos, so this row averages over all of them.
    const done = runs.filter((r) =>
      PAPER_VARIANTS.some(([v]) => String(r.axes.variant) === v) && r.status === "completed"
    );
    rows.push([
      "Ground truth (segmenter on the real photos)",
      ...groundTruth.map((m) => stat(done, m)),
      ...PAPER_GROUND_TRUTH.map((x) => `${x.toFixed(2)} (pix2pix)`),
    ]);
  }
  return { header, rows };
}

/** The summary's sections, shared by `summary.md` and `index.html`. */
export function summarySections(runs: RunRecord[], o: { name: string }): Section[] {
  const metrics = metricNames(runs);
  const groups = groupVariants(runs);
  const counts = new Map<string, number>();
  for (const r of runs) counts.set(r.status, (counts.get(r.status) ?? 0) + 1);
  const out: Section[] = [{
    level: 1,
    heading: `Sweep \`${o.name}\``,
    paragraphs: [
      `${runs.length} run(s): ${
        [...counts.keys()].sort().map((k) => `${counts.get(k)} ${k}`).join(", ") || "none"
      }. Values are mean +- sample std over the completed runs (seeds) of each variant, n = ` +
      "the number of runs averaged; runs that did not complete are listed below and never " +
      "averaged in. FID and KID are labelled with their feature extractor.",
    ],
  }];
  const directions = [...new Set(metrics.map((m) => m.split(" ")[0]))].sort();
  for (const d of directions) {
    const cols = metrics.filter((m) => m.startsWith(`${d} `));
    out.push({
      level: 2,
      heading: `${d}${d === "AtoB" ? " (G_A = G)" : d === "BtoA" ? " (G_B = F)" : ""}`,
      paragraphs: [],
      table: {
        header: ["variant", "n", ...cols],
        rows: groups.map((
          g,
        ) => [g.variant, String(g.runs.length), ...cols.map((m) => stat(g.runs, m))]),
      },
    });
  }
  if (metrics.length === 0) {
    out.push({ level: 2, heading: "Results", paragraphs: ["No completed run has an evaluation."] });
  }
  if (isLossAblation(runs)) {
    out.push(
      {
        level: 2,
        heading: "The paper's loss ablation (Tables 4 and 5)",
        paragraphs: [
          "**The paper's numbers are Cityscapes FCN-scores; ours are on the built-in `scenes` " +
          "data: a different dataset and, for labels -> photo, a different segmenter. They are " +
          "shown side by side for orientation only, not as a comparison.**",
        ],
      },
      {
        level: 3,
        heading: "Table 4: labels -> photo (AtoB)",
        paragraphs: [
          "Ours: the FCN score, as the paper's: G(labels) segmented by the project's " +
          "`scenes-fcn` segmenter (trained on real `scenes` photos), scored against the input " +
          "labels. The last row is that segmenter on the real test photos, the upper bound " +
          "(the paper's column shows pix2pix's FCN-8s on real Cityscapes photos). Runs " +
          "evaluated without the `seg` metric show n/a.",
        ],
        table: paperTable(runs, "table4", segColumns("AtoB"), segColumns("AtoB", "real-photo ")),
      },
      {
        level: 3,
        heading: "Table 5: photo -> labels (BtoA)",
        paragraphs: [
          "Ours: F(photo) snapped to the label palette, scored against the true labels.",
        ],
        table: paperTable(runs, "table5", segColumns("BtoA")),
      },
    );
  }
  const notDone = runs.filter((r) => r.status !== "completed");
  out.push({
    level: 2,
    heading: "Runs not averaged in",
    paragraphs: notDone.length === 0 ? ["None: every run completed."] : [],
    table: notDone.length === 0 ? undefined : {
      header: ["run", "status", "step", "reason"],
      rows: notDone.map((r) => [
        r.id,
        r.status,
        `${r.step}/${r.totalSteps}`,
        (r.error ?? "").replaceAll("\n", " "),
      ]),
    },
  });
  out.push({
    level: 2,
    heading: "All runs",
    paragraphs: [],
    table: {
      header: ["run", "variant", "seed", "status", "step", "wall time (s)", "backend"],
      rows: runs.map((r) => [
        r.id,
        r.variant,
        String(r.seed),
        r.status,
        `${r.step}/${r.totalSteps}`,
        r.wallTimeS === null ? "n/a" : r.wallTimeS.toFixed(1),
        (r.backend ?? "n/a").split(" (")[0],
      ]),
    },
  });
  return out;
}

function mdRow(cells: string[]): string {
  return `| ${cells.map((c) => c.replaceAll("|", "\\|")).join(" | ")} |`;
}

/** Options of {@link summaryMarkdown}. */
export interface MarkdownOptions {
  /** The sweep's name (the title). */
  name: string;
}

/** `summary.md`: see the module doc. */
export function summaryMarkdown(runs: RunRecord[], o: MarkdownOptions): string {
  const lines: string[] = [];
  for (const s of summarySections(runs, o)) {
    lines.push(`${"#".repeat(s.level)} ${s.heading}`, "");
    for (const p of s.paragraphs) lines.push(p, "");
    if (s.table) {
      lines.push(
        mdRow(s.table.header),
        mdRow(s.table.header.map(() => "---")),
        ...s.table.rows.map(mdRow),
        "",
      );
    }
  }
  return lines.join("\n");
}
