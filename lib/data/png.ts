/**
 * PNG decoding and encoding written from the PNG specification (ISO/IEC 15948), with the
 * runtime's zlib (`DecompressionStream("deflate")`) doing the inflating.
 *
 * Why not `imagescript` for PNG: its inflate rejects some valid streams (among them PNGs written
 * by its own encoder: an 8x8 RGB image fails with "png: failed to decode (-8)", while Pillow
 * reads the same file), and a loader that refuses valid user images is worse than none.
 * JPEG stays with `imagescript`, whose decoder reads what we tested.
 *
 * Supported: every colour type (gray, RGB, palette, gray+alpha, RGBA), bit depths 1 to 16,
 * `tRNS` transparency, Adam7 interlacing. Chunk CRCs are checked, so most corruption is caught
 * with a message saying where.
 *
 * ```ts
 * import { decodePng, encodePngPixels } from "./png.ts";
 * const png = await encodePngPixels({ width: 2, height: 1, channels: 3, data: new Uint8Array(6) });
 * const back = await decodePng(png); // RGBA, 2x1
 * ```
 * @module
 */
import type { Pixels } from "./pixels.ts";

const SIGNATURE = [137, 80, 78, 71, 13, 10, 26, 10];

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

function crc32(bytes: Uint8Array, start: number, end: number): number {
  let c = 0xffffffff;
  for (let i = start; i < end; i++) c = CRC_TABLE[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

async function through(
  bytes: Uint8Array,
  stream: CompressionStream | DecompressionStream,
): Promise<Uint8Array> {
  const out = new Response(
    new Blob([bytes as Uint8Array<ArrayBuffer>]).stream().pipeThrough(stream),
  );
  return new Uint8Array(await out.arrayBuffer());
}

/** A PNG the decoder cannot read: `message` says what and where. */
export class PngError extends Error {
  /**
   * A PNG that cannot be decoded.
   * @param message What is wrong with the file.
   */
  constructor(message: string) {
    super(message);
    this.name = "PngError";
  }
}

/** Channels per colour type (0 gray, 2 RGB, 3 palette, 4 gray+alpha, 6 RGBA). */
const CHANNELS: Record<number, number> = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 };
const DEPTHS: Record<number, number[]> = {
  0: [1, 2, 4, 8, 16],
  2: [8, 16],
  3: [1, 2, 4, 8],
  4: [8, 16],
  6: [8, 16],
};
/** Adam7 passes: x start, y start, x step, y step. */
const ADAM7 = [
  [0, 0, 8, 8],
  [4, 0, 8, 8],
  [0, 4, 4, 8],
  [2, 0, 4, 4],
  [0, 2, 2, 4],
  [1, 0, 2, 2],
  [0, 1, 1, 2],
];

function paeth(a: number, b: number, c: number): number {
  const p = a + b - c, pa = Math.abs(p - a), pb = Math.abs(p - b), pc = Math.abs(p - c);
  return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
}

/** Reverses the per-row filters of one (sub)image in place (the caller checked the length). */
function unfilter(
  data: Uint8Array,
  offset: number,
  rowBytes: number,
  rows: number,
  bpp: number,
): void {
  let prev = -1;
  for (let y = 0; y < rows; y++) {
    const start = offset + y * (rowBytes + 1);
    const type = data[start], row = start + 1;
    for (let i = 0; i < rowBytes; i++) {
      const a = i >= bpp ? data[row + i - bpp] : 0;
      const b = prev >= 0 ? data[prev + i] : 0;
      const c = prev >= 0 && i >= bpp ? data[prev + i - bpp] : 0;
      switch (type) {
        case 0:
          break;
        case 1:
          data[row + i] = (data[row + i] + a) & 0xff;
          break;
        case 2:
          data[row + i] = (data[row + i] + b) & 0xff;
          break;
        case 3:
          data[row + i] = (data[row + i] + ((a + b) >> 1)) & 0xff;
          break;
        case 4:
          data[row + i] = (data[row + i] + paeth(a, b, c)) & 0xff;
          break;
        default:
          throw new PngError(`unknown filter type ${type} in row ${y}`);
      }
    }
    prev = row;
  }
}

/** Decodes a PNG file to RGBA bytes (16-bit samples keep their high byte). */
export async function decodePng(bytes: Uint8Array): Promise<Pixels> {
  if (bytes.length < 8 || SIGNATURE.some((s, i) => bytes[i] !== s)) {
    throw new PngError("not a PNG file (bad signature)");
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let pos = 8;
  let width = 0, height = 0, depth = 0, colorType = -1, interlace = 0;
  let palette: Uint8Array | undefined, trns: Uint8Array | undefined;
  const idat: Uint8Array[] = [];
  let ended = false;
  while (pos + 12 <= bytes.length) {
    const length = view.getUint32(pos);
    const type = String.fromCharCode(...bytes.subarray(pos + 4, pos + 8));
    const end = pos + 12 + length;
    if (end > bytes.length) throw new PngError(`file ends inside the ${type} chunk (truncated)`);
    if (view.getUint32(end - 4) !== crc32(bytes, pos + 4, end - 4)) {
      throw new PngError(`checksum mismatch in the ${type} chunk (corrupt file)`);
    }
    const body = bytes.subarray(pos + 8, end - 4);
    if (type === "IHDR") {
      if (length < 13) throw new PngError("IHDR chunk too short");
      const h = new DataView(body.buffer, body.byteOffset, body.byteLength);
      width = h.getUint32(0);
      height = h.getUint32(4);
      depth = body[8];
      colorType = body[9];
      interlace = body[12];
      if (!CHANNELS[colorType] || !DEPTHS[colorType].includes(depth)) {
        throw new PngError(`unsupported colour type ${colorType} with bit depth ${depth}`);
      }
      if (width < 1 || height < 1) throw new PngError(`bad size ${width}x${height}`);
      if (interlace > 1) throw new PngError(`unknown interlace method ${interlace}`);
    } else if (type === "PLTE") palette = body;
    else if (type === "tRNS") trns = body;
    else if (type === "IDAT") idat.push(body);
    else if (type === "IEND") {
      ended = true;
      break;
    }
    pos = end;
  }
  if (colorType < 0) throw new PngError("no IHDR chunk");
  if (idat.length === 0) throw new PngError("no image data (IDAT chunk)");
  if (colorType === 3 && !palette) throw new PngError("palette image without a PLTE chunk");
  const compressed = new Uint8Array(idat.reduce((n, c) => n + c.length, 0));
  let o = 0;
  for (const c of idat) {
    compressed.set(c, o);
    o += c.length;
  }
  let raw: Uint8Array;
  try {
    raw = await through(compressed, new DecompressionStream("deflate"));
  } catch (e) {
    throw new PngError(
      `cannot inflate the image data${ended ? "" : " (file truncated?)"}: ${(e as Error).message}`,
    );
  }
  const channels = CHANNELS[colorType];
  const bitsPerPixel = channels * depth;
  const bpp = Math.max(1, bitsPerPixel >> 3);
  const out = new Uint8Array(width * height * 4);
  const maxValue = (1 << Math.min(depth, 8)) - 1;
  // One sample (0-255) of pixel x of the row starting at `row`.
  const sample = (row: number, x: number, ch: number): number => {
    if (depth === 8) return raw[row + x * channels + ch];
    if (depth === 16) return raw[row + 2 * (x * channels + ch)];
    const bit = (x * channels + ch) * depth;
    const v = (raw[row + (bit >> 3)] >> (8 - depth - (bit & 7))) & maxValue;
    return colorType === 3 ? v : Math.round((v * 255) / maxValue);
  };
  const rawSample16 = (row: number, x: number, ch: number): number =>
    (raw[row + 2 * (x * channels + ch)] << 8) | raw[row + 2 * (x * channels + ch) + 1];
  const trnsKey = (k: number) =>
    trns && trns.length >= 2 * (k + 1) ? (trns[2 * k] << 8) | trns[2 * k + 1] : -1;
  const put = (row: number, x: number, dst: number) => {
    let r: number, g: number, b: number, a = 255;
    if (colorType === 3) {
      const idx = sample(row, x, 0);
      // An index past the palette is black, as browsers and libpng's default show it.
      const inside = 3 * idx + 2 < palette!.length;
      r = inside ? palette![3 * idx] : 0;
      g = inside ? palette![3 * idx + 1] : 0;
      b = inside ? palette![3 * idx + 2] : 0;
      if (trns && idx < trns.length) a = trns[idx];
    } else if (colorType === 0 || colorType === 4) {
      r = g = b = sample(row, x, 0);
      if (colorType === 4) a = sample(row, x, 1);
      else if (trns) {
        const key = trnsKey(0);
        const v = depth === 16
          ? rawSample16(row, x, 0)
          : (depth === 8
            ? raw[row + x]
            : (raw[row + ((x * depth) >> 3)] >> (8 - depth - ((x * depth) & 7))) & maxValue);
        if (v === key) a = 0;
      }
    } else {
      r = sample(row, x, 0);
      g = sample(row, x, 1);
      b = sample(row, x, 2);
      if (colorType === 6) a = sample(row, x, 3);
      else if (trns) {
        const same = depth === 16
          ? [0, 1, 2].every((c) => rawSample16(row, x, c) === trnsKey(c))
          : r === trnsKey(0) && g === trnsKey(1) && b === trnsKey(2);
        if (same) a = 0;
      }
    }
    out[dst] = r;
    out[dst + 1] = g;
    out[dst + 2] = b;
    out[dst + 3] = a;
  };
  const passes = interlace ? ADAM7 : [[0, 0, 1, 1]];
  let offset = 0;
  for (const [x0, y0, dx, dy] of passes) {
    const pw = Math.ceil((width - x0) / dx), ph = Math.ceil((height - y0) / dy);
    if (pw <= 0 || ph <= 0) continue;
    const rowBytes = Math.ceil((pw * bitsPerPixel) / 8);
    if (offset + ph * (rowBytes + 1) > raw.length) {
      throw new PngError(
        `image data is ${raw.length} bytes, too short for ${width}x${height} (truncated?)`,
      );
    }
    unfilter(raw, offset, rowBytes, ph, bpp);
    for (let y = 0; y < ph; y++) {
      const row = offset + y * (rowBytes + 1) + 1;
      for (let x = 0; x < pw; x++) put(row, x, ((y0 + y * dy) * width + x0 + x * dx) * 4);
    }
    offset += ph * (rowBytes + 1);
  }
  return { width, height, channels: 4, data: out };
}

function chunk(type: string, body: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + body.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, body.length);
  for (let i = 0; i < 4; i++) out[4 + i] = type.charCodeAt(i);
  out.set(body, 8);
  view.setUint32(8 + body.length, crc32(out, 4, 8 + body.length));
  return out;
}

/**
 * Encodes 1- (gray), 3- (RGB) or 4-channel (RGBA) 8-bit pixels as a PNG of the same colour
 * type. Each row takes the filter with the smallest sum of absolute values (the usual
 * heuristic), then zlib compresses the whole.
 */
export async function encodePngPixels(img: Pixels): Promise<Uint8Array> {
  const colorType = { 1: 0, 3: 2, 4: 6 }[img.channels as 1 | 3 | 4];
  if (colorType === undefined) {
    throw new RangeError(`encodePngPixels: channels must be 1, 3 or 4, got ${img.channels}`);
  }
  const { width, height, channels: bpp, data } = img;
  const rowBytes = width * bpp;
  const filtered = new Uint8Array(height * (rowBytes + 1));
  const candidate = new Uint8Array(rowBytes);
  for (let y = 0; y < height; y++) {
    const row = y * rowBytes, prev = row - rowBytes;
    let best = Infinity, bestType = 0;
    const dst = y * (rowBytes + 1);
    for (let type = 0; type < 5; type++) {
      let cost = 0;
      for (let i = 0; i < rowBytes; i++) {
        const x = data[row + i];
        const a = i >= bpp ? data[row + i - bpp] : 0;
        const b = y > 0 ? data[prev + i] : 0;
        const c = y > 0 && i >= bpp ? data[prev + i - bpp] : 0;
        const v = type === 0
          ? x
          : type === 1
          ? x - a
          : type === 2
          ? x - b
          : type === 3
          ? x - ((a + b) >> 1)
          : x - paeth(a, b, c);
        candidate[i] = v & 0xff;
        const s = candidate[i];
        cost += s < 128 ? s : 256 - s;
      }
      if (cost < best) {
        best = cost;
        bestType = type;
        filtered[dst] = type;
        filtered.set(candidate, dst + 1);
      }
    }
    filtered[dst] = bestType;
  }
  const header = new Uint8Array(13);
  const hv = new DataView(header.buffer);
  hv.setUint32(0, width);
  hv.setUint32(4, height);
  header[8] = 8;
  header[9] = colorType;
  const parts = [
    Uint8Array.from(SIGNATURE),
    chunk("IHDR", header),
    chunk("IDAT", await through(filtered, new CompressionStream("deflate"))),
    chunk("IEND", new Uint8Array(0)),
  ];
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}
