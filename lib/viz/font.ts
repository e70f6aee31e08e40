/**
 * A tiny built-in 5x7 bitmap font and the drawing of text and images into RGB pixel buffers,
 * for the grids' labels (imagescript's text rendering fails under Deno 2, and a font file would
 * have to be fetched). Glyphs cover `a-z A-Z 0-9` and ` _=-.,+:[]()/>#%`; any other character
 * is drawn as `?`.
 *
 * ```ts
 * import { Canvas } from "./font.ts";
 * const c = new Canvas(64, 16, [255, 255, 255]);
 * c.text("fake_B", 2, 4, { color: [0, 0, 0] });
 * ```
 * @module
 */

/** Glyph width and height in font pixels; each glyph advances by {@link GLYPH_ADVANCE}. */
export const GLYPH_W = 5;
/** Glyph height. */
export const GLYPH_H = 7;
/** Horizontal advance per character (glyph plus one column of space). */
export const GLYPH_ADVANCE = 6;

// Each glyph: 7 rows of 5 columns, "#" = ink.
const G: Record<string, string> = {
  "A": ".###.|#...#|#...#|#####|#...#|#...#|#...#",
  "B": "####.|#...#|#...#|####.|#...#|#...#|####.",
  "C": ".###.|#...#|#....|#....|#....|#...#|.###.",
  "D": "####.|#...#|#...#|#...#|#...#|#...#|####.",
  "E": "#####|#....|#....|####.|#....|#....|#####",
  "F": "#####|#....|#....|####.|#....|#....|#....",
  "G": ".###.|#...#|#....|#.###|#...#|#...#|.####",
  "H": "#...#|#...#|#...#|#####|#...#|#...#|#...#",
  "I": ".###.|..#..|..#..|..#..|..#..|..#..|.###.",
  "J": "..###|...#.|...#.|...#.|...#.|#..#.|.##..",
  "K": "#...#|#..#.|#.#..|##...|#.#..|#..#.|#...#",
  "L": "#....|#....|#....|#....|#....|#....|#####",
  "M": "#...#|##.##|#.#.#|#.#.#|#...#|#...#|#...#",
  "N": "#...#|#...#|##..#|#.#.#|#..##|#...#|#...#",
  "O": ".###.|#...#|#...#|#...#|#...#|#...#|.###.",
  "P": "####.|#...#|#...#|####.|#....|#....|#....",
  "Q": ".###.|#...#|#...#|#...#|#.#.#|#..#.|.##.#",
  "R": "####.|#...#|#...#|####.|#.#..|#..#.|#...#",
  "S": ".####|#....|#....|.###.|....#|....#|####.",
  "T": "#####|..#..|..#..|..#..|..#..|..#..|..#..",
  "U": "#...#|#...#|#...#|#...#|#...#|#...#|.###.",
  "V": "#...#|#...#|#...#|#...#|#...#|.#.#.|..#..",
  "W": "#...#|#...#|#...#|#.#.#|#.#.#|#.#.#|.#.#.",
  "X": "#...#|#...#|.#.#.|..#..|.#.#.|#...#|#...#",
  "Y": "#...#|#...#|.#.#.|..#..|..#..|..#..|..#..",
  "Z": "#####|....#|...#.|..#..|.#...|#....|#####",
  "a": ".....|.....|.###.|....#|.####|#...#|.####",
  "b": "#....|#....|#.##.|##..#|#...#|#...#|####.",
  "c": ".....|.....|.###.|#....|#....|#...#|.###.",
  "d": "....#|....#|.##.#|#..##|#...#|#...#|.####",
  "e": ".....|.....|.###.|#...#|#####|#....|.###.",
  "f": "..##.|.#..#|.#...|###..|.#...|.#...|.#...",
  "g": ".....|.####|#...#|#...#|.####|....#|.###.",
  "h": "#....|#....|#.##.|##..#|#...#|#...#|#...#",
  "i": "..#..|.....|.##..|..#..|..#..|..#..|.###.",
  "j": "...#.|.....|..##.|...#.|...#.|#..#.|.##..",
  "k": "#....|#....|#..#.|#.#..|##...|#.#..|#..#.",
  "l": ".##..|..#..|..#..|..#..|..#..|..#..|.###.",
  "m": ".....|.....|##.#.|#.#.#|#.#.#|#...#|#...#",
  "n": ".....|.....|#.##.|##..#|#...#|#...#|#...#",
  "o": ".....|.....|.###.|#...#|#...#|#...#|.###.",
  "p": ".....|.....|####.|#...#|####.|#....|#....",
  "q": ".....|.....|.##.#|#..##|.####|....#|....#",
  "r": ".....|.....|#.##.|##..#|#....|#....|#....",
  "s": ".....|.....|.###.|#....|.###.|....#|####.",
  "t": ".#...|.#...|###..|.#...|.#...|.#..#|..##.",
  "u": ".....|.....|#...#|#...#|#...#|#..##|.##.#",
  "v": ".....|.....|#...#|#...#|#...#|.#.#.|..#..",
  "w": ".....|.....|#...#|#...#|#.#.#|#.#.#|.#.#.",
  "x": ".....|.....|#...#|.#.#.|..#..|.#.#.|#...#",
  "y": ".....|.....|#...#|#...#|.####|....#|.###.",
  "z": ".....|.....|#####|...#.|..#..|.#...|#####",
  "0": ".###.|#...#|#..##|#.#.#|##..#|#...#|.###.",
  "1": "..#..|.##..|..#..|..#..|..#..|..#..|.###.",
  "2": ".###.|#...#|....#|...#.|..#..|.#...|#####",
  "3": "#####|...#.|..#..|...#.|....#|#...#|.###.",
  "4": "...#.|..##.|.#.#.|#..#.|#####|...#.|...#.",
  "5": "#####|#....|####.|....#|....#|#...#|.###.",
  "6": "..##.|.#...|#....|####.|#...#|#...#|.###.",
  "7": "#####|....#|...#.|..#..|.#...|.#...|.#...",
  "8": ".###.|#...#|#...#|.###.|#...#|#...#|.###.",
  "9": ".###.|#...#|#...#|.####|....#|...#.|.##..",
  " ": ".....|.....|.....|.....|.....|.....|.....",
  "_": ".....|.....|.....|.....|.....|.....|#####",
  "=": ".....|.....|#####|.....|#####|.....|.....",
  "-": ".....|.....|.....|#####|.....|.....|.....",
  ".": ".....|.....|.....|.....|.....|.##..|.##..",
  ",": ".....|.....|.....|.....|.##..|..#..|.#...",
  "+": ".....|..#..|..#..|#####|..#..|..#..|.....",
  ":": ".....|.##..|.##..|.....|.##..|.##..|.....",
  "[": ".###.|.#...|.#...|.#...|.#...|.#...|.###.",
  "]": ".###.|...#.|...#.|...#.|...#.|...#.|.###.",
  "(": "...#.|..#..|.#...|.#...|.#...|..#..|...#.",
  ")": ".#...|..#..|...#.|...#.|...#.|..#..|.#...",
  "/": ".....|....#|...#.|..#..|.#...|#....|.....",
  ">": ".#...|..#..|...#.|....#|...#.|..#..|.#...",
  "#": ".#.#.|.#.#.|#####|.#.#.|#####|.#.#.|.#.#.",
  "%": "##...|##..#|...#.|..#..|.#...|#..##|...##",
  "?": ".###.|#...#|....#|...#.|..#..|.....|..#..",
};

const BITS = new Map<string, boolean[][]>(
  Object.entries(G).map((
    [ch, rows],
  ) => [ch, rows.split("|").map((r) => [...r].map((c) => c === "#"))]),
);

/** The characters the font draws (others are drawn as `?`). */
export const FONT_CHARS: string = Object.keys(G).join("");

/** The ink of `ch` as rows of booleans ({@link GLYPH_H} x {@link GLYPH_W}). */
export function glyph(ch: string): boolean[][] {
  return BITS.get(ch) ?? BITS.get("?")!;
}

/** Width in pixels of `text` at `scale`. */
export function textWidth(text: string, scale = 1): number {
  return text.length === 0 ? 0 : (text.length * GLYPH_ADVANCE - 1) * scale;
}

/** An RGB colour. */
export type Rgb = readonly [number, number, number];

/** An RGB pixel buffer to draw labels and images into. */
export class Canvas {
  /** RGB bytes, rows top to bottom. */
  readonly data: Uint8Array;

  /** A `width` x `height` canvas filled with `background`. */
  constructor(readonly width: number, readonly height: number, background: Rgb = [255, 255, 255]) {
    this.data = new Uint8Array(width * height * 3);
    for (let i = 0; i < width * height; i++) this.data.set(background, i * 3);
  }

  /** Sets one pixel (outside the canvas: ignored). */
  set(x: number, y: number, c: Rgb): void {
    if (x < 0 || y < 0 || x >= this.width || y >= this.height) return;
    this.data.set(c, (y * this.width + x) * 3);
  }

  /** Draws `text` with its top-left corner at (`x`, `y`); text past the right edge is clipped. */
  text(text: string, x: number, y: number, o: { color?: Rgb; scale?: number } = {}): void {
    const color = o.color ?? [0, 0, 0];
    const s = o.scale ?? 1;
    [...text].forEach((ch, i) => {
      const g = glyph(ch);
      for (let gy = 0; gy < GLYPH_H; gy++) {
        for (let gx = 0; gx < GLYPH_W; gx++) {
          if (!g[gy][gx]) continue;
          for (let dy = 0; dy < s; dy++) {
            for (let dx = 0; dx < s; dx++) {
              this.set(x + (i * GLYPH_ADVANCE + gx) * s + dx, y + gy * s + dy, color);
            }
          }
        }
      }
    });
  }

  /**
   * Copies an image (1, 3 or 4 channels; grey is tiled, alpha dropped) with its corner at
   * (x, y), each pixel drawn as a `zoom` x `zoom` square.
   */
  image(
    img: { width: number; height: number; channels: number; data: Uint8Array },
    x: number,
    y: number,
    zoom = 1,
  ): void {
    const c = img.channels;
    for (let iy = 0; iy < img.height; iy++) {
      for (let ix = 0; ix < img.width; ix++) {
        const p = (iy * img.width + ix) * c;
        const rgb: Rgb = c < 3
          ? [img.data[p], img.data[p], img.data[p]]
          : [img.data[p], img.data[p + 1], img.data[p + 2]];
        for (let dy = 0; dy < zoom; dy++) {
          for (let dx = 0; dx < zoom; dx++) this.set(x + ix * zoom + dx, y + iy * zoom + dy, rgb);
        }
      }
    }
  }
}
