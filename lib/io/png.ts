/**
 * A minimal, deterministic PNG encoder (8-bit grey, RGB or RGBA; no filtering; zlib stream from
 * the web-standard `CompressionStream("deflate")`).
 *
 * Why not imagescript's `Image.encode()`: it writes a wall-clock "Creation Time" text chunk, so
 * the same pixels give different bytes on every run (results must be byte-identical across
 * reruns), and with imagescript 1.3.1 some of its streams are rejected by its own decoder
 * ("png: failed to decode (-8)"). imagescript remains the decoder for PNG and JPEG inputs.
 *
 * ```ts
 * import { encodePng } from "./png.ts";
 * const rgb = new Uint8Array(4 * 2 * 3).fill(128); // 4x2 grey pixels, RGB
 * await Deno.writeFile("out.png", await encodePng(rgb, { width: 4, height: 2, channels: 3 }));
 * ```
 * @module
 */

/** Image geometry for {@link encodePng}. */
export interface PngShape {
  /** Pixels per row. */
  width: number;
  /** Rows. */
  height: number;
  /** 1 (grey), 3 (RGB) or 4 (RGBA); samples are interleaved, 8 bits each. */
  channels: 1 | 3 | 4;
}

const COLOR_TYPE = { 1: 0, 3: 2, 4: 6 } as const;

let crcTable: Uint32Array | undefined;

/** CRC-32 (ISO 3309, as PNG chunks use) of `data`. */
export function crc32(data: Uint8Array, initial = 0): number {
  if (!crcTable) {
    crcTable = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      crcTable[n] = c >>> 0;
    }
  }
  let c = (initial ^ 0xffffffff) >>> 0;
  for (let i = 0; i < data.length; i++) c = crcTable[(c ^ data[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type: string, body: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + body.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, body.length);
  const typeBytes = new TextEncoder().encode(type);
  out.set(typeBytes, 4);
  out.set(body, 8);
  const crcInput = out.subarray(4, 8 + body.length);
  view.setUint32(8 + body.length, crc32(crcInput));
  return out;
}

async function zlibDeflate(data: Uint8Array): Promise<Uint8Array> {
  const stream = new Blob([data as Uint8Array<ArrayBuffer>]).stream()
    .pipeThrough(new CompressionStream("deflate"));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

/**
 * PNG bytes for interleaved 8-bit `pixels` (`width * height * channels` values, rows top to
 * bottom). The same pixels always give the same bytes.
 */
export async function encodePng(pixels: Uint8Array, shape: PngShape): Promise<Uint8Array> {
  const { width, height, channels } = shape;
  if (
    !Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1 ||
    !(channels in COLOR_TYPE)
  ) {
    throw new RangeError(
      `Cannot encode a ${width}x${height} PNG with ${channels} channels: expected positive ` +
        "integer sizes and 1, 3 or 4 channels",
    );
  }
  const stride = width * channels;
  if (pixels.length !== stride * height) {
    throw new RangeError(
      `Cannot encode ${pixels.length} samples as a ${width}x${height}x${channels} PNG: expected ${
        stride * height
      }`,
    );
  }
  // Each row: filter type 0 (none), then the samples.
  const raw = new Uint8Array((stride + 1) * height);
  for (let y = 0; y < height; y++) {
    raw.set(pixels.subarray(y * stride, (y + 1) * stride), y * (stride + 1) + 1);
  }
  const ihdr = new Uint8Array(13);
  const view = new DataView(ihdr.buffer);
  view.setUint32(0, width);
  view.setUint32(4, height);
  ihdr[8] = 8; // bit depth
  ihdr[9] = COLOR_TYPE[channels];
  // compression 0, filter 0, interlace 0
  const parts = [
    new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk("IHDR", ihdr),
    chunk("IDAT", await zlibDeflate(raw)),
    chunk("IEND", new Uint8Array(0)),
  ];
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
