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
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" ` +
    `role="img" aria-label="${escapeXml(o.title)}" font-family="sans-serif" font-size="11">`,
    `<rect x="0" y="0" width="${W}" height="${H}" fill="#fff"/>`,
    `<text x="${m.l}" y="14" font-weight="bold">${escapeXml(o.title)}</text>`,
    `<rect x="${m.l}" y="${m.t}" width="${pw}" height="${ph}" fill="none" stroke="#999"/>`,
    `<text x="${m.l - 4}" y="${m.t + 8}" text-anchor="end">${tick(y1)}</text>`,
    `<text x="${m.l - 4}" y="${m.t + ph}" text-anchor="end">${tick(y0)}</text>`,
    `<text x="${m.l}" y="${H - 16}" text-anchor="start">${tick(x0)}</text>`,
    `<text x="${m.l + pw}" y="${H - 16}" text-anchor="end">${tick(x1)}</text>`,
    `<text x="${m.l + pw / 2}" y="${H - 4}" text-anchor="middle">${
      escapeXml(o.xLabel ?? "step")
    }</text>`,
  ];
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
    const ly = m.t + 10 + i * 14;
    parts.push(
      `<line x1="${W - m.r + 8}" y1="${ly - 4}" x2="${W - m.r + 22}" y2="${
        ly - 4
      }" stroke="${color}" stroke-width="2"/>`,
      `<text x="${W - m.r + 26}" y="${ly}">${escapeXml(s.name)}</text>`,
    );
  });
  parts.push("</svg>");
  return parts.join("\n");
}
