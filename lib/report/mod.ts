/**
 * The report of a sweep directory: what a researcher reads, derived only from the run
 * directories, so `deno task report DIR` (lib/cli/report.ts) regenerates it byte-identically.
 * A whole sweep writes it when it ends (lib/sweep/sweep.ts).
 *
 * | module          | what                                                                   |
 * |-----------------|------------------------------------------------------------------------|
 * | `runs.ts`       | reading `runs/<id>/`: config, status, loss lines, evaluations, floors   |
 * | `statistics.ts` | intervals, paired comparisons, Holm, MDE, floors, the not-learned rule  |
 * |                 | (every number from lib/stats; the method: lib/report/README.md)         |
 * | `tables.ts`     | `summary.csv`, `runs.csv`, `summary.json`, `summary.md` (paper Tables   |
 * |                 | 4/5 when apt)                                                           |
 * | `tfevents.ts`   | TensorBoard event files: TFRecord + CRC32C + a minimal protobuf coder   |
 * | `grids.ts`      | a run's checkpoint translated for its grid (drawing: lib/viz)           |
 * | `svg.ts`        | inline SVG line charts                                                 |
 * | `html.ts`       | `index.html`: tables, grids, loss and metric-over-training curves       |
 * | `report.ts`     | `writeReport`: every output above                                      |
 * | `compare.ts`    | `writeCompareReport`: several sweeps in one table set                   |
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
  readSweepFile,
  type ReportOptions,
  type ReportResult,
  runEvents,
  type SweepFileInfo,
  writeReport,
} from "./report.ts";
export {
  backendName,
  EVAL_DIRECTIONS,
  type EvalPoint,
  type FinalEvalDetails,
  finalEvalDetails,
  flattenEval,
  type FloorComparison,
  type FloorName,
  type FloorRecord,
  type LossPoint,
  metricName,
  noFinalDetails,
  parseMetricName,
  readRun,
  readRuns,
  type RunRecord,
  splitByBackend,
} from "./runs.ts";
export {
  CLAIM_ALPHA,
  claimColumn,
  type ClaimResult,
  claimResults,
  type PredictionResult,
  type Verdict,
  VERDICT_RULE,
} from "./claims.ts";
export {
  adjustFamily,
  ALPHA,
  bestVariants,
  betterOf,
  compareVariants,
  type Comparison,
  familyComparisons,
  type FamilyOptions,
  type FloorCheck,
  isComparable,
  isTabulated,
  LEVEL,
  type MetricStat,
  metricStat,
  POWER,
  type Resolved,
  type StatisticsOptions,
  type SweepStatistics,
  sweepStatistics,
  type VariantStats,
} from "./statistics.ts";
export {
  axisNames,
  FLOOR_LABELS,
  formatInterval,
  formatNumber,
  formatP,
  formatSigned,
  formatStat,
  groupVariants,
  isLossAblation,
  latexEscape,
  latexStat,
  type MarkdownOptions,
  METHOD_TEXT,
  metricNames,
  PAPER_GROUND_TRUTH,
  PAPER_TABLES,
  PAPER_VARIANTS,
  runsCsv,
  type Section,
  SUMMARY_CSV_COLUMNS,
  summaryCsv,
  summaryJson,
  summaryLatex,
  summaryMarkdown,
  type SummaryRow,
  summaryRows,
  summarySections,
  type TableOptions,
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
export { runVisuals } from "./grids.ts";
export {
  type CombinedSweeps,
  CompareError,
  type CompareOptions,
  readSweeps,
  writeCompareReport,
} from "./compare.ts";
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
export type { RunVisuals } from "../viz/grids.ts";
export type { Interval } from "../stats/mod.ts";
