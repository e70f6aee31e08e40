/**
 * Image grids: per run, the official visuals over a fixed set of test images (the first
 * {@link GRID_IMAGES} test pairs) with their names as column headers, `real_A, fake_B, rec_A,
 * idt_B` above `real_B, fake_A, rec_B, idt_A` (identity columns only when the identity loss is
 * on; `idt_A = G_A(real_B)` and `idt_B = G_B(real_A)` as in the official model); per sweep, a
 * comparison grid with the test images in rows and one column per variant, between the input
 * and (paired test splits) the ground truth.
 *
 * Below the report and the sweep: a run draws its periodic grids with {@link visualsOf} and
 * {@link runGrid} while it trains (lib/sweep/run.ts), and the report draws the final grids of
 * its checkpoints (lib/report/grids.ts `runVisuals`) and the comparison grid with the same code.
 *
 * The generators run in training mode with dropout from seed 0, as the final evaluation
 * (lib/sweep/evaluate.ts), on the active backend; pixels are `trunc((y + 1) / 2 * 255)`. The
 * PNGs come from lib/io/png.ts, so the same pixels give the same bytes.
 *
 * ```ts
 * import { runGrid, visualsOf } from "./grids.ts";
 * const v = await visualsOf({ G_A, G_B }, testSplit, { identity: true });
 * await Deno.writeFile("grid.png", await runGrid(v));
 * ```
 * @module
 */
import { tf } from "../tf.ts";
import { Rng } from "../nn/rng.ts";
import type { Pixels } from "../data/pixels.ts";
import type { TestSplit } from "../data/mod.ts";
import type { Network } from "../nn/network.ts";
import { encodePng } from "../io/png.ts";
import { Canvas, GLYPH_ADVANCE, GLYPH_H, type Rgb, textWidth } from "./font.ts";
import { tensorToPixels } from "../data/tensor_pixels.ts";

/** How many test images the grids show. */
export const GRID_IMAGES = 4;

/** One visual: a name (column header) and one image per row. */
export interface Visual {
  /** `real_A`, `fake_B`, ... */
  name: string;
  /** One image per grid row. */
  images: Pixels[];
}

/** A run's visuals: the A block and the B block, and whether the test split is paired. */
export interface RunVisuals {
  /** `real_A, fake_B, rec_A[, idt_B]`. */
  A: Visual[];
  /** `real_B, fake_A, rec_B[, idt_A]`. */
  B: Visual[];
  /** Whether row i of A and row i of B show the same scene. */
  paired: boolean;
}

/**
 * The visuals of two generators (`G_A`: A -> B, `G_B`: B -> A) on the first
 * {@link GRID_IMAGES} test pairs, with the identity columns when `identity` is on. Used for
 * a checkpoint (lib/report/grids.ts `runVisuals`) and, during training, for the grid of each
 * periodic evaluation (lib/sweep/run.ts). Leaves no tensors behind and draws from no stream but
 * its own.
 *
 * With one generator (pix2pix: `G_A` for `direction: AtoB`, `G_B` for `BtoA`) the visuals are
 * pix2pix's own (official `visual_names` `real_A, fake_B, real_B`: input, output, paired
 * ground truth) in the block of its input domain, named by our domains: `real_A, fake_B,
 * real_B` in the A block for AtoB, `real_B, fake_A, real_A` in the B block for BtoA; the other
 * block is empty.
 */
export async function visualsOf(
  generators: { G_A?: Network; G_B?: Network },
  test: TestSplit,
  options: { identity: boolean },
): Promise<RunVisuals> {
  if (!generators.G_A || !generators.G_B) return await pairedVisualsOf(generators, test);
  const identity = options.identity;
  const pairs = test.paired ? test.pairs.slice(0, GRID_IMAGES) : Array.from(
    { length: Math.min(GRID_IMAGES, test.A.length, test.B.length) },
    (_, i) => [i, i] as const,
  );
  const names = {
    A: ["real_A", "fake_B", "rec_A", ...(identity ? ["idt_B"] : [])],
    B: ["real_B", "fake_A", "rec_B", ...(identity ? ["idt_A"] : [])],
  };
  const out: RunVisuals = {
    A: names.A.map((name) => ({ name, images: [] })),
    B: names.B.map((name) => ({ name, images: [] })),
    paired: test.paired,
  };
  const rng = new Rng(0);
  const opts = { training: true, rng };
  for (const [iA, iB] of pairs) {
    for (const side of ["A", "B"] as const) {
      const [fwd, back] = side === "A"
        ? [generators.G_A!, generators.G_B!]
        : [generators.G_B!, generators.G_A!];
      const set = side === "A" ? test.A : test.B;
      const ys = tf.tidy(() => {
        const x = set.get(side === "A" ? iA : iB).expandDims(0) as tf.Tensor4D;
        const fake = fwd.apply(x, opts);
        const rec = back.apply(fake, opts);
        const list = [x, fake, rec];
        // idt_B = G_B(real_A) on the A side, idt_A = G_A(real_B) on the B side.
        if (identity) list.push(back.apply(x, opts));
        return list.map((t) => t.squeeze([0]) as tf.Tensor3D);
      });
      try {
        for (let k = 0; k < ys.length; k++) out[side][k].images.push(await tensorToPixels(ys[k]));
      } finally {
        for (const y of ys) y.dispose();
      }
    }
  }
  return out;
}

/** pix2pix's visuals `real_A, fake_B, real_B` of its one generator (see {@link visualsOf}). */
async function pairedVisualsOf(
  generators: { G_A?: Network; G_B?: Network },
  test: TestSplit,
): Promise<RunVisuals> {
  const G = generators.G_A ?? generators.G_B;
  if (!G) throw new Error("visualsOf: no generator given (expected G_A, G_B or both)");
  const [from, to] = generators.G_A ? [test.A, test.B] : [test.B, test.A];
  const pairs = test.paired ? test.pairs.slice(0, GRID_IMAGES) : Array.from(
    { length: Math.min(GRID_IMAGES, test.A.length, test.B.length) },
    (_, i) => [i, i] as const,
  );
  const names = generators.G_A ? ["real_A", "fake_B", "real_B"] : ["real_B", "fake_A", "real_A"];
  const block = names.map((name) => ({ name, images: [] as Pixels[] }));
  const out: RunVisuals = generators.G_A
    ? { A: block, B: [], paired: test.paired }
    : { A: [], B: block, paired: test.paired };
  const opts = { training: true, rng: new Rng(0) };
  for (const [iA, iB] of pairs) {
    const [iFrom, iTo] = generators.G_A ? [iA, iB] : [iB, iA];
    const ys = tf.tidy(() => {
      const x = from.get(iFrom).expandDims(0) as tf.Tensor4D;
      return [x, G.apply(x, opts)].map((t) => t.squeeze([0]) as tf.Tensor3D);
    });
    try {
      block[0].images.push(await tensorToPixels(ys[0]));
      block[1].images.push(await tensorToPixels(ys[1]));
      block[2].images.push(to.pixels(iTo));
    } finally {
      for (const y of ys) y.dispose();
    }
  }
  return out;
}

const PAD = 2;
const GAP = 6;
/** Images smaller than this many pixels on their longer side are enlarged (nearest neighbour). */
export const MIN_CELL = 64;
const BG: Rgb = [255, 255, 255];
const INK: Rgb = [0, 0, 0];
const LINE_H = GLYPH_H + 2;

/** Splits a header into lines that fit `width` pixels, breaking after commas. */
export function wrapLabel(label: string, width: number): string[] {
  const parts = label.split(/(?<=,)/);
  const lines: string[] = [];
  for (const p of parts) {
    const last = lines.at(-1);
    if (last !== undefined && textWidth(last + p) <= width) lines[lines.length - 1] = last + p;
    else lines.push(p);
  }
  // A part longer than the column is cut into pieces of whole characters.
  const perLine = Math.max(1, Math.floor((width + 1) / GLYPH_ADVANCE));
  return lines.flatMap((l) =>
    l.length <= perLine
      ? [l]
      : Array.from({ length: Math.ceil(l.length / perLine) }, (_, i) =>
        l.slice(i * perLine, (i + 1) * perLine))
  );
}

/** One block of a grid: headers over columns of images. */
export interface GridBlock {
  /** Columns, left to right. */
  columns: Visual[];
}

/** The integer enlargement of the images: small images (32 px) are shown at least {@link MIN_CELL}. */
export function imageZoom(blocks: GridBlock[]): number {
  const all = blocks.flatMap((b) => b.columns.flatMap((c) => c.images));
  const side = Math.max(1, ...all.map((p) => Math.max(p.width, p.height)));
  return Math.max(1, Math.floor(MIN_CELL / side));
}

/** Cell size, column width and header lines of a list of blocks (for tests and layout). */
export function gridLayout(blocks: GridBlock[], o: { minColumn?: number } = {}): {
  cellW: number;
  cellH: number;
  headerLines: string[][][];
  width: number;
  height: number;
} {
  const all = blocks.flatMap((b) => b.columns.flatMap((c) => c.images));
  const zoom = imageZoom(blocks);
  const imgW = zoom * Math.max(1, ...all.map((p) => p.width));
  const cellH = zoom * Math.max(1, ...all.map((p) => p.height));
  // Wide enough for the image and for the short names (`real_A`) on one line.
  const cellW = Math.max(imgW, o.minColumn ?? textWidth("real_A"));
  const headerLines = blocks.map((b) => b.columns.map((c) => wrapLabel(c.name, cellW)));
  const cols = Math.max(...blocks.map((b) => b.columns.length));
  const width = PAD + cols * (cellW + GAP) - GAP + PAD;
  let height = PAD;
  blocks.forEach((b, i) => {
    const lines = Math.max(1, ...headerLines[i].map((l) => l.length));
    const rows = Math.max(0, ...b.columns.map((c) => c.images.length));
    height += lines * LINE_H + rows * (cellH + PAD) + PAD;
  });
  return { cellW, cellH, headerLines, width, height };
}

/** Draws blocks of labelled columns into one RGB PNG. */
export async function drawGrid(blocks: GridBlock[], o: { minColumn?: number } = {}): Promise<
  Uint8Array
> {
  const { cellW, cellH, headerLines, width, height } = gridLayout(blocks, o);
  const c = new Canvas(width, height, BG);
  const zoom = imageZoom(blocks);
  let y = PAD;
  blocks.forEach((b, bi) => {
    const lines = Math.max(1, ...headerLines[bi].map((l) => l.length));
    headerLines[bi].forEach((colLines, ci) => {
      colLines.forEach((line, li) => {
        c.text(line, PAD + ci * (cellW + GAP), y + li * LINE_H + 1, { color: INK });
      });
    });
    y += lines * LINE_H;
    const rows = Math.max(0, ...b.columns.map((col) => col.images.length));
    for (let r = 0; r < rows; r++) {
      b.columns.forEach((col, ci) => {
        const img = col.images[r];
        if (img) c.image(img, PAD + ci * (cellW + GAP), y, zoom);
      });
      y += cellH + PAD;
    }
    y += PAD;
  });
  return await encodePng(c.data, { width, height, channels: 3 });
}

/** The run grid: the A block above the B block. */
export async function runGrid(v: RunVisuals): Promise<Uint8Array> {
  return await drawGrid([{ columns: v.A }, { columns: v.B }].filter((b) => b.columns.length > 0));
}

/**
 * The most image pixels a comparison grid holds (both blocks, every column): about 6 MB of raw
 * RGB, so that a sweep of 64 variants gives a PNG of a few MB. The paper sweep's grid (7 columns
 * of 64 px images) is far below it and drawn as before.
 */
export const COMPARISON_MAX_PIXELS = 2_000_000;

/**
 * How a comparison grid of `columns` columns of `side`-pixel images fits
 * {@link COMPARISON_MAX_PIXELS}: first fewer test images per column (down to 2 of
 * {@link GRID_IMAGES}), then the images shrunk by an integer factor (box average), never below
 * {@link MIN_CELL} pixels. `rows`: test images shown; `shrink`: the factor (1: as they are).
 */
export function comparisonFit(columns: number, side: number): { rows: number; shrink: number } {
  const shown = (f: number) => {
    const s = Math.max(1, Math.floor(side / f));
    return s * Math.max(1, Math.floor(MIN_CELL / s));
  };
  const area = (rows: number, f: number) => 2 * rows * columns * shown(f) ** 2;
  let rows = GRID_IMAGES;
  while (rows > 2 && area(rows, 1) > COMPARISON_MAX_PIXELS) rows--;
  let shrink = 1;
  while (
    area(rows, shrink) > COMPARISON_MAX_PIXELS && Math.floor(side / (shrink + 1)) >= MIN_CELL
  ) {
    shrink++;
  }
  return { rows, shrink };
}

/** `p` shrunk by the integer factor `f`: each output pixel the rounded mean of an f x f box. */
export function shrinkPixels(p: Pixels, f: number): Pixels {
  if (f <= 1) return p;
  const width = Math.max(1, Math.floor(p.width / f));
  const height = Math.max(1, Math.floor(p.height / f));
  const ch = p.channels;
  const data = new Uint8Array(width * height * ch);
  const n = f * f;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      for (let c = 0; c < ch; c++) {
        let sum = 0;
        for (let dy = 0; dy < f; dy++) {
          const row = ((y * f + dy) * p.width + x * f) * ch + c;
          for (let dx = 0; dx < f; dx++) sum += p.data[row + dx * ch];
        }
        // Integer arithmetic only: the same pixels give the same bytes everywhere.
        data[(y * width + x) * ch + c] = Math.floor((2 * sum + n) / (2 * n));
      }
    }
  }
  return { width, height, channels: ch, data };
}

/**
 * The sweep's comparison grid: for each direction a block with `input`, one column per variant
 * (its first visual set: `fake_B` resp. `fake_A`) and, when paired, `ground_truth`. A variant
 * that translates one way only (pix2pix) has a column in that direction's block only.
 * `variants` is `[name, visuals]` in column order. Many columns show fewer test images, then
 * smaller ones ({@link comparisonFit}), so the PNG stays a few MB.
 */
export async function comparisonGrid(
  variants: Array<[string, RunVisuals]>,
): Promise<Uint8Array | undefined> {
  if (variants.length === 0) return undefined;
  const first = variants[0][1];
  const all = variants.flatMap(([, v]) => [...v.A, ...v.B].flatMap((x) => x.images));
  const side = Math.max(1, ...all.map((p) => Math.max(p.width, p.height)));
  const columns = variants.length + 1 + (first.paired ? 1 : 0);
  const fit = comparisonFit(columns, side);
  const fitted = (images: Pixels[]) =>
    images.slice(0, fit.rows).map((p) => shrinkPixels(p, fit.shrink));
  const blocks: GridBlock[] = (["A", "B"] as const).flatMap((side) => {
    const other = side === "A" ? "B" : "A";
    const here = variants.filter(([, v]) => v[side].length > 0);
    if (here.length === 0) return [];
    const ref = here[0][1];
    // The ground truth: the other block's real images (CycleGAN) or the paired target a
    // one-way model shows as its third visual (pix2pix).
    const truth = ref[other][0] ?? ref[side][2];
    return [{
      columns: [
        { name: `input real_${side}`, images: fitted(ref[side][0].images) },
        ...here.map(([name, v]) => ({ name, images: fitted(v[side][1].images) })),
        ...(ref.paired && truth
          ? [{ name: `ground truth,real_${other}`, images: fitted(truth.images) }]
          : []),
      ],
    }];
  });
  // Columns as wide as the longest comma-separated part of a name (within limits).
  const parts = variants.flatMap(([name]) => name.split(/(?<=,)/));
  const minColumn = Math.min(
    textWidth("x".repeat(24)),
    Math.max(textWidth("ground truth"), ...parts.map((p) => textWidth(p))),
  );
  return await drawGrid(blocks, { minColumn });
}
