/**
 * Our PNG codec: round trips (including the 8x8 RGB image imagescript's own decoder rejects),
 * hand-built files of every colour type and bit depth, transparency, Adam7 interlacing, and
 * errors on corrupt or truncated files.
 */
import { assertEquals, assertMatch, assertRejects } from "./_assert.ts";
import { decodePng, encodePngPixels, PngError } from "../lib/data/png.ts";

function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (const b of bytes) {
    c ^= b;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  }
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type: string, body: number[] | Uint8Array): number[] {
  const td = [...type].map((c) => c.charCodeAt(0)).concat(Array.from(body));
  const len = body.length, crc = crc32(Uint8Array.from(td));
  const be = (v: number) => [v >>> 24, (v >>> 16) & 255, (v >>> 8) & 255, v & 255];
  return [...be(len), ...td, ...be(crc)];
}

/** A PNG from raw (already filtered) scanline bytes. */
async function png(
  w: number,
  h: number,
  colorType: number,
  depth: number,
  scanlines: number[],
  extra: number[] = [],
  interlace = 0,
): Promise<Uint8Array> {
  const be = (v: number) => [v >>> 24, (v >>> 16) & 255, (v >>> 8) & 255, v & 255];
  const z = new Uint8Array(
    await new Response(
      new Blob([Uint8Array.from(scanlines)]).stream().pipeThrough(new CompressionStream("deflate")),
    ).arrayBuffer(),
  );
  return Uint8Array.from([
    137,
    80,
    78,
    71,
    13,
    10,
    26,
    10,
    ...chunk("IHDR", [...be(w), ...be(h), depth, colorType, 0, 0, interlace]),
    ...extra,
    ...chunk("IDAT", z),
    ...chunk("IEND", []),
  ]);
}

Deno.test("encodePngPixels() then decodePng() round-trips gray, RGB and RGBA", async () => {
  for (const [w, h, c] of [[8, 8, 3], [1, 33, 3], [10, 8, 4], [13, 7, 1]]) {
    const data = Uint8Array.from({ length: w * h * c }, (_, i) => (i * 31 + 57) % 256);
    const back = await decodePng(await encodePngPixels({ width: w, height: h, channels: c, data }));
    assertEquals([back.width, back.height, back.channels], [w, h, 4]);
    for (let p = 0; p < w * h; p++) {
      const want = c === 1
        ? [data[p], data[p], data[p], 255]
        : [data[p * c], data[p * c + 1], data[p * c + 2], c === 4 ? data[p * c + 3] : 255];
      assertEquals(Array.from(back.data.subarray(4 * p, 4 * p + 4)), want, `${w}x${h}x${c} @${p}`);
    }
  }
});

Deno.test("decodePng() reads every colour type, bit depth, tRNS and filter", async () => {
  // 1-bit gray: 8 pixels 10101010 -> 255, 0, ...
  let img = await decodePng(await png(8, 1, 0, 1, [0, 0b10101010]));
  assertEquals(Array.from(img.data.subarray(0, 8)), [255, 255, 255, 255, 0, 0, 0, 255]);
  // 16-bit gray keeps the high byte.
  img = await decodePng(await png(2, 1, 0, 16, [0, 0x12, 0x34, 0xff, 0xff]));
  assertEquals(Array.from(img.data), [0x12, 0x12, 0x12, 255, 255, 255, 255, 255]);
  // Palette with transparency: index 1 is half transparent blue; 2 is past the palette: black.
  img = await decodePng(
    await png(3, 1, 3, 8, [0, 0, 1, 2], [
      ...chunk("PLTE", [255, 0, 0, 0, 0, 255]),
      ...chunk("tRNS", [255, 128]),
    ]),
  );
  assertEquals(Array.from(img.data), [255, 0, 0, 255, 0, 0, 255, 128, 0, 0, 0, 255]);
  // Gray + alpha, and RGB with a tRNS colour key.
  img = await decodePng(await png(1, 1, 4, 8, [0, 100, 7]));
  assertEquals(Array.from(img.data), [100, 100, 100, 7]);
  img = await decodePng(
    await png(2, 1, 2, 8, [0, 1, 2, 3, 4, 5, 6], chunk("tRNS", [0, 1, 0, 2, 0, 3])),
  );
  assertEquals(Array.from(img.data), [1, 2, 3, 0, 4, 5, 6, 255]);
  // Filters: Sub, Up, Average and Paeth on a 2x4 gray image whose pixels are all 10, 20.
  img = await decodePng(await png(2, 4, 0, 8, [1, 10, 10, 2, 0, 0, 3, 5, 5, 4, 0, 0]));
  assertEquals(
    Array.from({ length: 8 }, (_, i) => img.data[4 * i]),
    [10, 20, 10, 20, 10, 20, 10, 20],
  );
});

Deno.test("decodePng() reads Adam7-interlaced images", async () => {
  const w = 5, h = 5;
  const value = (x: number, y: number) => (x * 40 + y * 7) % 256;
  const passes = [[0, 0, 8, 8], [4, 0, 8, 8], [0, 4, 4, 8], [2, 0, 4, 4], [0, 2, 2, 4], [
    1,
    0,
    2,
    2,
  ], [0, 1, 1, 2]];
  const lines: number[] = [];
  for (const [x0, y0, dx, dy] of passes) {
    if (x0 >= w) continue;
    for (let y = y0; y < h; y += dy) {
      lines.push(0);
      for (let x = x0; x < w; x += dx) lines.push(value(x, y));
    }
  }
  const img = await decodePng(await png(w, h, 0, 8, lines, [], 1));
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) assertEquals(img.data[4 * (y * w + x)], value(x, y), `${x},${y}`);
  }
});

Deno.test("decodePng() names what is wrong with corrupt and truncated files", async () => {
  const good = await encodePngPixels({
    width: 4,
    height: 4,
    channels: 3,
    data: new Uint8Array(48).fill(9),
  });
  const flipped = good.slice();
  flipped[40] ^= 0xff;
  assertMatch((await assertRejects(() => decodePng(flipped), PngError)).message, /checksum/);
  assertMatch(
    (await assertRejects(() => decodePng(good.slice(0, good.length - 20)), PngError)).message,
    /truncated/,
  );
  assertMatch(
    (await assertRejects(() => decodePng(new Uint8Array(10)), PngError)).message,
    /not a PNG/,
  );
  // Too little image data for the size in IHDR.
  const short = await png(4, 4, 0, 8, [0, 1, 2, 3, 4]);
  assertMatch((await assertRejects(() => decodePng(short), PngError)).message, /too short/);
});
