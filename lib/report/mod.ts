/**
 * The report of a sweep directory: what a researcher reads, derived only from the run
 * directories, so `deno task report DIR` (lib/cli/report.ts) regenerates it byte-identically.
 * A whole sweep writes it when it ends (lib/sweep/sweep.ts).
 *
 * | module        | what                                                                     |
 * |---------------|--------------------------------------------------------------------------|
 * | `runs.ts`     | reading `runs/<id>/`: config, status, loss lines, evaluations             |
 * | `tables.ts`   | `summary.csv`, `summary.json`, `summary.md` (paper Tables 4/5 when apt)    |
 * | `tfevents.ts` | TensorBoard event files: TFRecord + CRC32C + a minimal protobuf coder      |
 * | `font.ts`     | a 5x7 bitmap font and an RGB canvas for labels                             |
 * | `grids.ts`    | per-run visuals grids (also drawn by runs at each periodic evaluation) and |
 * |               | the per-sweep comparison grid (PNG)                                       |
 * | `svg.ts`      | inline SVG line charts                                                   |
 * | `html.ts`     | `index.html`: tables, grids, loss and metric-over-training curves; offline |
 * | `report.ts`   | `writeReport`: every output above                                        |
 *
 * ```ts
 * import { writeReport } from "./mod.ts";
 * const { index, files } = await writeReport("results/smoke");
 * console.log(`${files.length} files; open ${index}`);
 * ```
 * @module
 */
export {
  EVENT_FILE,
  GRID_FILE,
  periodicGrids,
  type ReportOptions,
  type ReportResult,
  runEvents,
  writeReport,
} from "./report.ts";
export {
  type EvalPoint,
  flattenEval,
  type LossPoint,
  metricName,
  readRun,
  readRuns,
  type RunRecord,
} from "./runs.ts";
export {
  axisNames,
  formatMeanStd,
  formatNumber,
  groupVariants,
  isLossAblation,
  type MarkdownOptions,
  meanStd,
  metricNames,
  PAPER_TABLES,
  PAPER_VARIANTS,
  type Section,
  summaryCsv,
  summaryJson,
  summaryMarkdown,
  type SummaryRow,
  summaryRows,
  summarySections,
} from "./tables.ts";
export {
  crc32c,
  decodeEvent,
  encodeEvent,
  encodeEvents,
  EventFileError,
  FILE_VERSION,
  frameRecord,
  maskedCrc32c,
  parseEvents,
  type ScalarEvent,
} from "./tfevents.ts";
export {
  Canvas,
  FONT_CHARS,
  glyph,
  GLYPH_ADVANCE,
  GLYPH_H,
  GLYPH_W,
  type Rgb,
  textWidth,
} from "./font.ts";
export {
  comparisonGrid,
  drawGrid,
  GRID_IMAGES,
  type GridBlock,
  gridLayout,
  imageZoom,
  MIN_CELL,
  runGrid,
  type RunVisuals,
  runVisuals,
  type Visual,
  visualsOf,
  wrapLabel,
} from "./grids.ts";
export { type ChartOptions, COLORS, escapeXml, lineChart, type Series } from "./svg.ts";
export {
  type HtmlOptions,
  lossCharts,
  metricCharts,
  relUrl,
  reportHtml,
  type StepGrid,
} from "./html.ts";
/** Types from other rooms that this module's signatures use. */
export type { Pixels } from "../data/pixels.ts";
export type { TestSplit } from "../data/mod.ts";
export type { Network } from "../nn/network.ts";
