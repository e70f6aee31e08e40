/**
 * The label font, grid layout and SVG charts: every glyph is 5x7 and distinct, labels wrap at
 * commas within a column, grid sizes follow the layout, charts are deterministic text.
 */
import { assert, assertEquals } from "./_assert.ts";
import { Canvas, FONT_CHARS, glyph, GLYPH_H, GLYPH_W, textWidth } from "../lib/viz/font.ts";
import { drawGrid, type GridBlock, gridLayout, wrapLabel } from "../lib/viz/grids.ts";
import { decodePng } from "../lib/data/png.ts";
import { lineChart } from "../lib/report/svg.ts";

Deno.test("glyph() covers a-z A-Z 0-9 and _=-.,+ with distinct 5x7 glyphs", () => {
  const want = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_=-.,+";
  const seen = new Map<string, string>();
  for (const ch of want) {
    assert(FONT_CHARS.includes(ch), ch);
    const g = glyph(ch);
    assertEquals(g.length, GLYPH_H, ch);
    for (const row of g) assertEquals(row.length, GLYPH_W, ch);
    const key = g.map((r) => r.map((b) => (b ? 1 : 0)).join("")).join("|");
    assert(!seen.has(key), `${ch} looks like ${seen.get(key)}`);
    seen.set(key, ch);
  }
  assertEquals(glyph("\u00e9"), glyph("?"));
});

Deno.test("Canvas.text() draws ink only inside the text's box", () => {
  const c = new Canvas(40, 10);
  c.text("fake_B", 1, 1);
  let ink = 0;
  for (let y = 0; y < 10; y++) {
    for (let x = 0; x < 40; x++) {
      if (c.data[(y * 40 + x) * 3] === 0) {
        ink++;
        assert(x >= 1 && x < 1 + textWidth("fake_B") && y >= 1 && y < 8, `${x},${y}`);
      }
    }
  }
  assert(ink > 20, String(ink));
});

Deno.test("wrapLabel() breaks after commas and cuts parts wider than the column", () => {
  assertEquals(wrapLabel("resnet_6blocks,gan_mode=lsgan,idt=0", textWidth("gan_mode=lsgan,")), [
    "resnet_6blocks,",
    "gan_mode=lsgan,",
    "idt=0",
  ]);
  assertEquals(wrapLabel("abcdefgh", textWidth("abc")), ["abc", "def", "gh"]);
});

Deno.test("drawGrid() gives the size gridLayout() computes", async () => {
  const img = { width: 16, height: 12, channels: 3, data: new Uint8Array(16 * 12 * 3).fill(90) };
  const blocks: GridBlock[] = [
    { columns: ["real_A", "fake_B", "rec_A"].map((name) => ({ name, images: [img, img] })) },
    { columns: ["real_B", "fake_A", "rec_B"].map((name) => ({ name, images: [img, img] })) },
  ];
  const layout = gridLayout(blocks);
  assertEquals(layout.cellW, 64); // 16 px enlarged 4 times
  assertEquals(layout.cellH, 48);
  const png = await decodePng(await drawGrid(blocks));
  assertEquals([png.width, png.height], [layout.width, layout.height]);
  assertEquals(png.width, 2 + 3 * (64 + 6) - 6 + 2);
  assertEquals(png.height, 2 + 2 * (9 + 2 * (48 + 2) + 2));
  assertEquals(await drawGrid(blocks), await drawGrid(blocks));
});

Deno.test("lineChart() is deterministic SVG with one polyline per series", () => {
  const o = {
    title: "losses A",
    series: [
      { name: "G_A", points: [[1, 0.5], [2, 0.25], [3, 0.2]] as Array<[number, number]> },
      { name: "D_A", points: [[1, 1], [2, null], [3, 0.75]] as Array<[number, number | null]> },
    ],
  };
  const svg = lineChart(o);
  assertEquals(svg, lineChart(o));
  assert(svg.startsWith("<svg") && svg.endsWith("</svg>"));
  assertEquals(svg.match(/<polyline/g)?.length, 1);
  assertEquals(svg.match(/<circle/g)?.length, 2); // D_A is broken by the null into two dots
  assert(svg.includes(">G_A<") && svg.includes(">D_A<"));
});
