/**
 * Line charts as inline SVG text, drawn by our code (no browser or plotting library is needed to
 * produce them). Numbers are printed with fixed decimals, so the same data gives the same text.
 *
 * ```ts
 * import { lineChart } from "./svg.ts";
 * const svg = lineChart({ title: "losses A", series: [{ name: "G_A", points: [[1, 0.5], [2, 0.4]] }] });
 * ```
 * @module
 */

/** One line of a chart. */
export interface Series {
  /** Legend name. */
  name: string;
  /** `[x, y]` points in x order; non-finite y values break the line. */
  points: Array<[number, number | null]>;
}

/** Options of {@link lineChart}. */
export interface ChartOptions {
  /** Title above the plot. */
  title: string;
  /** The lines. */
  series: Series[];
  /** Width in pixels (default 420). */
  width?: number;
  /** Height in pixels (default 220). */
  height?: number;
  /** X axis label (default `step`). */
  xLabel?: string;
}

/** Line colours, in series order (cycled). */
export const COLORS: readonly string[] = [
  "#1f77b4",
  "#d62728",
  "#2ca02c",
  "#ff7f0e",
  "#9467bd",
  "#8c564b",
  "#e377c2",
  "#7f7f7f",
  "#bcbd22",
  "#17becf",
];

/** Escapes text for HTML and SVG. */
export function escapeXml(s: string): string {
  return s.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;")
    .replaceAll('"', "&quot;");
}

function tick(x: number): string {
  if (!Number.isFinite(x)) return "n/a";
  const a = Math.abs(x);
  // Steps (and other whole numbers) without decimals: "50", not "50.000".
  if (Number.isInteger(x) && a < 1e5) return String(x);
  if (a !== 0 && (a < 1e-2 || a >= 1e5)) return x.toExponential(1);
  return a >= 100 ? x.toFixed(0) : x.toFixed(3);
}

/** Margins of a chart's plot area inside its width and height. */
interface Margins {
  l: number;
  r: number;
  t: number;
  b: number;
}

/**
 * The parts every chart starts with: the svg element, background, title, plot frame, the y
 * axis's top and bottom labels, the x axis's ends and its label.
 */
function frame(f: {
  W: number;
  H: number;
  m: Margins;
  title: string;
  yTop: string;
  yBottom: string;
  xLeft: string;
  xRight: string;
  xLabel: string;
}): string[] {
  const { W, H, m } = f;
  const pw = W - m.l - m.r;
  const ph = H - m.t - m.b;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" ` +
    `role="img" aria-label="${escapeXml(f.title)}" font-family="sans-serif" font-size="11">`,
    `<rect x="0" y="0" width="${W}" height="${H}" fill="#fff"/>`,
    `<text x="${m.l}" y="14" font-weight="bold">${escapeXml(f.title)}</text>`,
    `<rect x="${m.l}" y="${m.t}" width="${pw}" height="${ph}" fill="none" stroke="#999"/>`,
    `<text x="${m.l - 4}" y="${m.t + 8}" text-anchor="end">${f.yTop}</text>`,
    `<text x="${m.l - 4}" y="${m.t + ph}" text-anchor="end">${f.yBottom}</text>`,
    `<text x="${m.l}" y="${H - 16}" text-anchor="start">${f.xLeft}</text>`,
    `<text x="${m.l + pw}" y="${H - 16}" text-anchor="end">${f.xRight}</text>`,
    `<text x="${m.l + pw / 2}" y="${H - 4}" text-anchor="middle">${escapeXml(f.xLabel)}</text>`,
  ];
}

/** A legend row at the right margin (starting at x `x`, baseline `ly`): a line sample, a name. */
function legendEntry(x: number, ly: number, name: string, stroke: string): string[] {
  return [
    `<line x1="${x + 8}" y1="${ly - 4}" x2="${x + 22}" y2="${ly - 4}" ${stroke}/>`,
    `<text x="${x + 26}" y="${ly}">${escapeXml(name)}</text>`,
  ];
}

/** An SVG line chart (see {@link ChartOptions}); one point is drawn as a dot. */
export function lineChart(o: ChartOptions): string {
  const W = o.width ?? 420;
  const H = o.height ?? 220;
  const m = { l: 58, r: 110, t: 22, b: 30 };
  const pw = W - m.l - m.r;
  const ph = H - m.t - m.b;
  const finite = o.series.flatMap((s) =>
    s.points.filter((p): p is [number, number] => p[1] !== null && Number.isFinite(p[1]))
  );
  let [x0, x1] = [Math.min(...finite.map((p) => p[0])), Math.max(...finite.map((p) => p[0]))];
  let [y0, y1] = [Math.min(...finite.map((p) => p[1])), Math.max(...finite.map((p) => p[1]))];
  if (finite.length === 0) [x0, x1, y0, y1] = [0, 1, 0, 1];
  if (x0 === x1) [x0, x1] = [x0 - 1, x1 + 1];
  if (y0 === y1) [y0, y1] = [y0 - 1, y1 + 1];
  const sx = (x: number) => (m.l + (x - x0) / (x1 - x0) * pw).toFixed(1);
  const sy = (y: number) => (m.t + (1 - (y - y0) / (y1 - y0)) * ph).toFixed(1);
  const parts = frame({
    W,
    H,
    m,
    title: o.title,
    yTop: tick(y1),
    yBottom: tick(y0),
    xLeft: tick(x0),
    xRight: tick(x1),
    xLabel: o.xLabel ?? "step",
  });
  if (finite.length === 0) {
    parts.push(
      `<text x="${m.l + pw / 2}" y="${m.t + ph / 2}" text-anchor="middle">no data</text>`,
    );
  }
  o.series.forEach((s, i) => {
    const color = COLORS[i % COLORS.length];
    const segments: string[][] = [[]];
    for (const [x, y] of s.points) {
      if (y === null || !Number.isFinite(y)) segments.push([]);
      else segments.at(-1)!.push(`${sx(x)},${sy(y)}`);
    }
    for (const seg of segments) {
      if (seg.length === 1) {
        const [cx, cy] = seg[0].split(",");
        parts.push(`<circle cx="${cx}" cy="${cy}" r="2.5" fill="${color}"/>`);
      } else if (seg.length > 1) {
        parts.push(
          `<polyline fill="none" stroke="${color}" stroke-width="1.5" points="${seg.join(" ")}"/>`,
        );
      }
    }
    parts.push(
      ...legendEntry(W - m.r, m.t + 10 + i * 14, s.name, `stroke="${color}" stroke-width="2"`),
    );
  });
  parts.push("</svg>");
  return parts.join("\n");
}

/** Options of {@link histogramChart}. */
export interface HistogramOptions {
  /** Title above the chart. */
  title: string;
  /** `bins + 1` ascending edges. */
  edges: readonly number[];
  /** Named count series over the same bins, drawn side by side in each bin. */
  series: ReadonlyArray<{ name: string; counts: readonly number[] }>;
  /** A vertical marker (e.g. the bar of "good"), with its label. */
  marker?: { x: number; label: string };
  /** Label of the x axis. */
  xLabel?: string;
  /** Width in px (default 420). */
  width?: number;
  /** Height in px (default 220). */
  height?: number;
}

/** An SVG histogram: per bin one bar per series (shares of each series' total), and a marker. */
export function histogramChart(o: HistogramOptions): string {
  const W = o.width ?? 420;
  const H = o.height ?? 220;
  const m = { l: 40, r: 110, t: 22, b: 30 };
  const pw = W - m.l - m.r;
  const ph = H - m.t - m.b;
  const x0 = o.edges[0], x1 = o.edges[o.edges.length - 1];
  const bins = o.edges.length - 1;
  const shares = o.series.map((s) => {
    const total = s.counts.reduce((a, b) => a + b, 0);
    return s.counts.map((c) => total > 0 ? c / total : 0);
  });
  const ymax = Math.max(1e-9, ...shares.flat());
  const sx = (x: number) => m.l + (x - x0) / (x1 - x0) * pw;
  const parts = frame({
    W,
    H,
    m,
    title: o.title,
    yTop: tick(ymax),
    yBottom: "0",
    xLeft: tick(x0),
    xRight: tick(x1),
    xLabel: o.xLabel ?? "score",
  });
  const k = Math.max(1, o.series.length);
  for (let b = 0; b < bins; b++) {
    const left = sx(o.edges[b]), width = (sx(o.edges[b + 1]) - left) / k;
    shares.forEach((sh, i) => {
      const h = sh[b] / ymax * ph;
      if (h <= 0) return;
      parts.push(
        `<rect x="${(left + i * width).toFixed(1)}" y="${(m.t + ph - h).toFixed(1)}" width="${
          Math.max(0.5, width - 0.5).toFixed(1)
        }" height="${h.toFixed(1)}" fill="${COLORS[i % COLORS.length]}"/>`,
      );
    });
  }
  if (o.marker && o.marker.x >= x0 && o.marker.x <= x1) {
    const x = sx(o.marker.x).toFixed(1);
    parts.push(
      `<line x1="${x}" y1="${m.t}" x2="${x}" y2="${
        m.t + ph
      }" stroke="#000" stroke-dasharray="4 3"/>`,
    );
  }
  const legend = [...o.series.map((s, i) => [s.name, COLORS[i % COLORS.length]])];
  legend.forEach(([name, color], i) => {
    const ly = m.t + 10 + i * 14;
    parts.push(
      `<rect x="${W - m.r + 8}" y="${ly - 8}" width="14" height="8" fill="${color}"/>`,
      `<text x="${W - m.r + 26}" y="${ly}">${escapeXml(name)}</text>`,
    );
  });
  if (o.marker) {
    parts.push(
      ...legendEntry(
        W - m.r,
        m.t + 10 + legend.length * 14,
        o.marker.label,
        `stroke="#000" stroke-dasharray="4 3"`,
      ),
    );
  }
  parts.push("</svg>");
  return parts.join("\n");
}
