/**
 * Drawing, below the sweep and the report: the image grids a run draws at each periodic
 * evaluation while it trains (lib/sweep/run.ts) and the report draws from checkpoints
 * (lib/report), on a small built-in bitmap font. Nothing here reads run directories, so both
 * the sweep and the report may import it without a cycle.
 *
 * | module     | what                                                                    |
 * |------------|-------------------------------------------------------------------------|
 * | `font.ts`  | a 5x7 bitmap font and an RGB canvas for labels                          |
 * | `grids.ts` | per-run visuals grids and the per-sweep comparison grid (PNG)           |
 *
 * ```ts
 * import { runGrid, visualsOf } from "./mod.ts";
 * const v = await visualsOf({ G_A, G_B }, testSplit, { identity: true });
 * await Deno.writeFile("grid.png", await runGrid(v));
 * ```
 * @module
 */
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
  COMPARISON_MAX_PIXELS,
  comparisonFit,
  comparisonGrid,
  drawGrid,
  GRID_IMAGES,
  type GridBlock,
  gridLayout,
  imageZoom,
  MIN_CELL,
  runGrid,
  type RunVisuals,
  shrinkPixels,
  type Visual,
  visualsOf,
  wrapLabel,
} from "./grids.ts";
/** Types from other rooms that this module's signatures use. */
export type { Pixels } from "../data/pixels.ts";
export type { TestSplit } from "../data/mod.ts";
export type { Network } from "../nn/network.ts";
