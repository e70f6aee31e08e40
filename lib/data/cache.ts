/**
 * The cache of decoded, resized images, so that training pays for PNG/JPEG decoding and the
 * bicubic resize once per file, not once per load.
 *
 * Entries are keyed by the SHA-256 of the file's bytes plus the preprocessing "variant" (mode,
 * sizes, channels, algorithm version): renaming or touching a file keeps its entry, editing it
 * or changing `load_size` makes a new one. Two levels:
 *
 * - memory: a process-wide map, bounded by a byte budget; a sweep that opens the same folder
 *   for several runs decodes it once;
 * - disk (optional, default `results/.cache/`): `data/<variant>/<sha256>.px`, a 16-byte header
 *   and the raw bytes, written atomically (temporary file, then rename). Images past the memory
 *   budget are read back from here on each load, synchronously.
 *
 * ```ts
 * import { PixelCache } from "./cache.ts";
 * const cache = new PixelCache({ dir: "results/.cache", memoryBytes: 1 << 30 });
 * const bytes = await Deno.readFile("a.png");
 * const ref = await cache.fetch(await PixelCache.hash(bytes), "v1-rc-286-256-c3", async () =>
 *   ({ width: 1, height: 1, channels: 3, data: new Uint8Array(3) }));
 * const img = cache.get(ref);   // synchronous
 * ```
 * @module
 */
import type { Pixels } from "./pixels.ts";

const MAGIC = [0x43, 0x42, 0x50, 0x58]; // "CBPX"
const FORMAT_VERSION = 1;
const HEADER = 16;

const memory = new Map<string, Pixels>();
let memoryUsed = 0;

/** Empties the process-wide memory cache (tests, or to free memory between experiments). */
export function clearMemoryCache(): void {
  memory.clear();
  memoryUsed = 0;
}

/** Bytes of image data held by the memory cache. */
export function memoryCacheBytes(): number {
  return memoryUsed;
}

/** Where a cached image lives; {@link PixelCache.get} turns it back into pixels. */
export interface CacheRef {
  /** `<variant>/<sha256>`. */
  readonly key: string;
  /** Disk file holding it, when the disk cache is on. */
  readonly path?: string;
  /** Width of the cached image. */
  readonly width: number;
  /** Height of the cached image. */
  readonly height: number;
  /** Channels of the cached image. */
  readonly channels: number;
}

/** Options of a {@link PixelCache}. */
export interface PixelCacheOptions {
  /** Root of the disk cache (entries go to `<dir>/data/`), or null for memory only. */
  dir: string | null;
  /** Most bytes this cache adds to the memory level; past it, images stay on disk only. */
  memoryBytes: number;
}

/** Statistics of one {@link PixelCache}: where each fetched image came from. */
export interface CacheStats {
  /** Found in memory. */
  memory: number;
  /** Read from the disk cache. */
  disk: number;
  /** Decoded and resized (a miss). */
  made: number;
}

function serialise(img: Pixels): Uint8Array {
  const out = new Uint8Array(HEADER + img.data.length);
  out.set(MAGIC, 0);
  out[4] = FORMAT_VERSION;
  out[5] = img.channels;
  const view = new DataView(out.buffer);
  view.setUint32(8, img.width, true);
  view.setUint32(12, img.height, true);
  out.set(img.data, HEADER);
  return out;
}

function deserialise(bytes: Uint8Array): Pixels | undefined {
  if (bytes.length < HEADER || MAGIC.some((m, i) => bytes[i] !== m)) return undefined;
  if (bytes[4] !== FORMAT_VERSION) return undefined;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const channels = bytes[5], width = view.getUint32(8, true), height = view.getUint32(12, true);
  if (bytes.length !== HEADER + width * height * channels) return undefined;
  return { width, height, channels, data: bytes.subarray(HEADER) };
}

function hex(buf: ArrayBuffer): string {
  return Array.from(new Uint8Array(buf), (b) => b.toString(16).padStart(2, "0")).join("");
}

/** A two-level (memory, disk) cache of prepared images keyed by content hash and variant. */
export class PixelCache {
  readonly #dir: string | null;
  readonly #budget: number;
  #added = 0;
  /** Where fetched images came from. */
  readonly stats: CacheStats = { memory: 0, disk: 0, made: 0 };

  /**
   * A cache over the process-wide memory level and an optional disk folder.
   * @param options Disk root (or null) and memory budget in bytes.
   */
  constructor(options: PixelCacheOptions) {
    this.#dir = options.dir === null ? null : options.dir.replace(/\/+$/, "") || "/";
    this.#budget = options.memoryBytes;
  }

  /** The SHA-256 of `bytes` as 64 hex digits. */
  static async hash(bytes: Uint8Array): Promise<string> {
    return hex(await crypto.subtle.digest("SHA-256", bytes as Uint8Array<ArrayBuffer>));
  }

  /** The disk file of an entry (whether or not it exists), or undefined without a disk cache. */
  pathOf(variant: string, hash: string): string | undefined {
    return this.#dir === null ? undefined : `${this.#dir}/data/${variant}/${hash}.px`;
  }

  /**
   * The entry for `hash` under `variant`: from memory, else from disk, else made by `make`
   * (and stored in both). A corrupt disk entry is remade and overwritten.
   */
  async fetch(hash: string, variant: string, make: () => Promise<Pixels>): Promise<CacheRef> {
    if (!/^[A-Za-z0-9_.-]+$/.test(variant)) {
      throw new RangeError(`PixelCache: variant "${variant}" must be [A-Za-z0-9_.-]+`);
    }
    const key = `${variant}/${hash}`;
    const path = this.pathOf(variant, hash);
    const held = memory.get(key);
    if (held) {
      this.stats.memory++;
      return { key, path, width: held.width, height: held.height, channels: held.channels };
    }
    let img: Pixels | undefined;
    if (path) {
      try {
        img = deserialise(await Deno.readFile(path));
        if (img) this.stats.disk++;
      } catch (e) {
        if (!(e instanceof Deno.errors.NotFound)) throw e;
      }
    }
    if (!img) {
      img = await make();
      this.stats.made++;
      if (path) await writeAtomic(path, serialise(img));
    }
    this.#remember(key, img, path === undefined);
    return { key, path, width: img.width, height: img.height, channels: img.channels };
  }

  /** The image of `ref`, from memory or (past the memory budget) from its disk file. */
  get(ref: CacheRef): Pixels {
    const held = memory.get(ref.key);
    if (held) return held;
    const img = ref.path ? deserialise(Deno.readFileSync(ref.path)) : undefined;
    if (!img) {
      throw new Error(
        `image cache entry ${ref.key} is gone or corrupt${ref.path ? ` (${ref.path})` : ""}; ` +
          `was the cache folder changed while training? Open the dataset again to rebuild it`,
      );
    }
    return img;
  }

  #remember(key: string, img: Pixels, mustHold: boolean): void {
    const size = img.data.byteLength;
    // Without a disk level there is nowhere else to read from, so memory holds it regardless.
    if (!mustHold && this.#added + size > this.#budget) return;
    // Copy out of a larger buffer (a whole disk file) so only the pixels stay alive.
    const data = img.data.byteOffset === 0 && img.data.buffer.byteLength === size
      ? img.data
      : img.data.slice();
    memory.set(key, { width: img.width, height: img.height, channels: img.channels, data });
    this.#added += size;
    memoryUsed += size;
  }
}

/** Writes `bytes` to `path` through a temporary file and a rename, so readers never see half. */
export async function writeAtomic(path: string, bytes: Uint8Array): Promise<void> {
  const dir = path.slice(0, path.lastIndexOf("/")) || "/";
  await Deno.mkdir(dir, { recursive: true });
  const tmp = `${path}.tmp-${Deno.pid}-${crypto.randomUUID().slice(0, 8)}`;
  try {
    await Deno.writeFile(tmp, bytes);
    await Deno.rename(tmp, path);
  } catch (e) {
    await Deno.remove(tmp).catch(() => {});
    throw e;
  }
}
