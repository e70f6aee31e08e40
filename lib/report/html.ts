/**
 * `index.html`: one self-contained page that opens from disk with no server and no network:
 * the summary tables (intervals, the best and not-distinguishable marks, the floors, the runs not
 * learned at this budget), the comparison grid, metric-over-training curves (every evaluation of
 * every run: the periodic ones of `eval.every` and the final one), and every run with its grids
 * (one per periodic evaluation, then the final one) and loss curves (G, D, cycle, identity per
 * direction), curves as inline SVG. Images are linked by relative paths; there is no script and
 * no external resource.
 *
 * ```ts
 * import { reportHtml } from "./html.ts";
 * const html = reportHtml(runs, { name: "smoke", comparison: "comparison.png", grids: {} });
 * ```
 * @module
 */
import { lowestSeedRuns, type RunRecord } from "./runs.ts";
import { type Section, summarySections } from "./tables.ts";
import type { SweepStatistics } from "./statistics.ts";
import { escapeXml, histogramChart, lineChart, type Series } from "./svg.ts";
import type { Claim } from "../sweep/claims.ts";

/** A grid a run drew at one of its periodic evaluations. */
export interface StepGrid {
  /** The step of the evaluation. */
  step: number;
  /** Its path relative to the sweep directory. */
  path: string;
}

/** Options of {@link reportHtml}. */
export interface HtmlOptions {
  /** The sweep's name. */
  name: string;
  /** The statistics (default: computed from the runs with the default reference and metric). */
  stats?: SweepStatistics;
  /** Relative path of the comparison grid, if there is one. */
  comparison?: string;
  /** Run id -> relative path of its grid. */
  grids: Record<string, string>;
  /** Run id -> relative path of its event file. */
  events?: Record<string, string>;
  /** Run id -> the grids of its periodic evaluations, in step order. */
  stepGrids?: Record<string, StepGrid[]>;
  /** Paragraphs added to the overview (the multi-sweep report's). */
  notes?: string[];
  /** The sweep file's claims (their section comes first). */
  claims?: readonly Claim[] | null;
}

/** A relative URL for a path of plain segments (run ids hold `,` and `=`). */
export function relUrl(path: string): string {
  return path.split("/").map(encodeURIComponent).join("/");
}

function inline(s: string): string {
  return escapeXml(s).replace(/\*\*(.+?)\*\*/g, "<strong>$1</strong>")
    .replace(/`([^`]+)`/g, "<code>$1</code>");
}

function sectionHtml(s: Section): string {
  const parts = [`<h${s.level}>${inline(s.heading)}</h${s.level}>`];
  for (const p of s.paragraphs) parts.push(`<p>${inline(p)}</p>`);
  if (s.table) {
    parts.push(
      "<table>",
      `<tr>${s.table.header.map((h) => `<th>${inline(h)}</th>`).join("")}</tr>`,
      ...s.table.rows.map((r) =>
        `<tr${/\[not learned: /.test(r[0]) ? ' class="not-learned"' : ""}>${
          r.map((c) => `<td>${inline(c)}</td>`).join("")
        }</tr>`
      ),
      "</table>",
    );
  }
  return parts.join("\n");
}

/** The loss curves of a run: one chart per direction (G, D, cycle, identity). */
export function lossCharts(run: RunRecord): string[] {
  return (["A", "B"] as const).map((side) => {
    const names = [`G_${side}`, `D_${side}`, `cycle_${side}`, `idt_${side}`];
    const series: Series[] = names.map((n) => ({
      name: n,
      points: run.losses.map((p) => [p.step, p.losses[n] ?? null] as [number, number | null]),
    }));
    return lineChart({ title: `losses ${side} (${run.name})`, series });
  });
}

/** Metric-over-training curves: one chart per metric, one line per run that has it. */
export function metricCharts(runs: RunRecord[]): string[] {
  const names = [...new Set(runs.flatMap((r) => r.evals.flatMap((e) => Object.keys(e.metrics))))]
    .sort();
  return names.map((m) =>
    lineChart({
      title: m,
      series: runs.filter((r) => r.evals.some((e) => m in e.metrics)).map((r) => ({
        name: r.name.length > 16 ? `${r.name.slice(0, 15)}~` : r.name,
        points: r.evals.map((e) => [e.step, e.metrics[m] ?? null] as [number, number | null]),
      })),
    })
  );
}

/**
 * The per-image distributions behind the share of good outputs: per variant (its lowest-seed
 * completed run) and direction, the translations' and the real images' scores as shares per
 * bin, with the bar of "good" dashed. Empty when no run recorded them.
 */
export function goodShareHtml(runs: RunRecord[]): string[] {
  const chosen = lowestSeedRuns(runs, (r) => Object.keys(r.final.good).length > 0);
  if (chosen.size === 0) return [];
  const charts: string[] = [];
  for (const variant of [...chosen.keys()].sort()) {
    const r = chosen.get(variant)!;
    for (const d of ["AtoB", "BtoA"] as const) {
      const g = r.final.good[d];
      if (!g) continue;
      const share = r.metrics[`${d} good share`];
      charts.push(histogramChart({
        title: `${d} ${variant} (seed ${r.seed})${
          typeof share === "number" ? `: ${(share * 100).toFixed(0)} % good` : ""
        }`,
        edges: g.edges,
        series: [{ name: "translations", counts: g.fake }, { name: "real images", counts: g.real }],
        marker: { x: g.threshold, label: "bar of good" },
        xLabel: `${g.score.replaceAll("_", " ")} (${g.better} is better)`,
      }));
    }
  }
  return [
    "<h2>Share of good outputs: per-image distributions</h2>",
    "<p>Per variant, its lowest-seed completed run: the share of test images per bin of the " +
    "per-image score, for the translations and for the real test images of the target domain. " +
    "A translation is good when it scores at least as well as the bar (dashed), the real " +
    "images' 10 % quantile on the bad side (lib/metrics/good_share.ts).</p>",
    `<div class="charts">${charts.join("\n")}</div>`,
  ];
}

const STYLE = `body{font-family:sans-serif;margin:1.5em;max-width:1400px}
table{border-collapse:collapse;margin:.5em 0 1em}
td,th{border:1px solid #ccc;padding:2px 6px;font-size:12px;text-align:left}
th{background:#f3f3f3}
img{image-rendering:pixelated;border:1px solid #ddd}
.run{border-top:1px solid #aaa;margin-top:1em;padding-top:.5em}
.charts svg{margin:2px}
.grids{display:flex;flex-wrap:wrap;gap:8px;align-items:flex-start}
figure{margin:0}figcaption{font-size:12px;color:#444}
tr.not-learned td:first-child{color:#a00}
.status-completed{color:#060}.status-diverged,.status-failed{color:#a00}
.status-interrupted,.status-running,.status-pending,.status-missing{color:#a60}`;

/** A run's grids: one per periodic evaluation, captioned with its step, then the final one. */
function runGrids(r: RunRecord, o: HtmlOptions): string {
  const steps = o.stepGrids?.[r.id] ?? [];
  const final = o.grids[r.id];
  if (steps.length === 0) {
    return final
      ? `<img src="${relUrl(final)}" alt="grid of ${escapeXml(r.id)}">`
      : "<p>No image grid (no checkpoint or no test split).</p>";
  }
  const figures = steps.map((g) =>
    `<figure><img src="${relUrl(g.path)}" alt="grid of ${
      escapeXml(r.id)
    } at step ${g.step}"><figcaption>step ${g.step}</figcaption></figure>`
  );
  if (final) {
    figures.push(
      `<figure><img src="${relUrl(final)}" alt="grid of ${
        escapeXml(r.id)
      }"><figcaption>final (step ${r.step})</figcaption></figure>`,
    );
  }
  return `<div class="grids">\n${figures.join("\n")}\n</div>`;
}

/** The page (see the module doc). */
export function reportHtml(runs: RunRecord[], o: HtmlOptions): string {
  const parts: string[] = [
    "<!DOCTYPE html>",
    '<html lang="en">',
    "<head>",
    '<meta charset="utf-8">',
    `<title>cyclebench report: ${escapeXml(o.name)}</title>`,
    `<style>${STYLE}</style>`,
    "</head>",
    "<body>",
    ...summarySections(runs, { name: o.name, stats: o.stats, notes: o.notes, claims: o.claims })
      .map(sectionHtml),
    ...goodShareHtml(runs),
    "<h2>Comparison grid</h2>",
    o.comparison
      ? `<p>Test images in rows; input, one column per variant (its lowest-seed completed run), ` +
        `and the ground truth when the test split is paired.</p>\n` +
        `<img src="${relUrl(o.comparison)}" alt="comparison grid">`
      : "<p>No completed run with a checkpoint and a test split: no comparison grid.</p>",
    "<h2>Metrics over training</h2>",
    `<div class="charts">${metricCharts(runs).join("\n") || "<p>No evaluations.</p>"}</div>`,
    "<h2>Runs</h2>",
  ];
  for (const r of runs) {
    parts.push(
      `<div class="run" id="${escapeXml(r.id)}">`,
      `<h3>${escapeXml(r.id)}</h3>`,
      `<p>status <span class="status-${escapeXml(r.status)}">${escapeXml(r.status)}</span>, ` +
        `step ${r.step}/${r.totalSteps}` +
        (r.error ? `: ${escapeXml(r.error)}` : "") +
        (o.events?.[r.id]
          ? ` &middot; <a href="${relUrl(o.events[r.id])}">TensorBoard event file</a>`
          : "") +
        "</p>",
      runGrids(r, o),
      `<div class="charts">${lossCharts(r).join("\n")}</div>`,
      "</div>",
    );
  }
  parts.push("</body>", "</html>", "");
  return parts.join("\n");
}
