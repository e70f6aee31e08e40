/**
 * Image files in and out: PNG decoding and encoding by our own `png.ts` (the runtime's zlib
 * inflates), JPEG decoding with `imagescript` (pure WebAssembly/JS), and the official
 * recursive, sorted image listing.
 *
 * ```ts
 * import { decodeImage, encodePng, listImages } from "./io.ts";
 * const { images } = await listImages("datasets/horse2zebra/trainA");
 * const img = await decodeImage(await Deno.readFile(images[0].path), images[0].path); // RGBA
 * await Deno.writeFile("copy.png", await encodePng(img));
 * ```
 * @module
 */
import { decodePng, encodePngPixels } from "./png.ts";
import { DatasetError } from "./_common.ts";
import type { Pixels } from "./pixels.ts";

/** File extensions read as images (case-insensitive): PNG and JPEG, what `imagescript` decodes. */
export const IMAGE_EXTENSIONS: readonly string[] = [".png", ".jpg", ".jpeg"];

/**
 * Other extensions the official loader accepts (`IMG_EXTENSIONS`) that we cannot decode; they
 * are reported by `data check` rather than silently ignored.
 */
export const UNSUPPORTED_IMAGE_EXTENSIONS: readonly string[] = [
  ".ppm",
  ".bmp",
  ".tif",
  ".tiff",
  ".gif",
  ".webp",
];

function extension(name: string): string {
  const m = /\.[^./]*$/.exec(name);
  return m ? m[0].toLowerCase() : "";
}

function isPng(b: Uint8Array): boolean {
  return b.length >= 8 && b[0] === 0x89 && b[1] === 0x50 && b[2] === 0x4e && b[3] === 0x47;
}

function isJpeg(b: Uint8Array): boolean {
  return b.length >= 3 && b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff;
}

/**
 * Decodes PNG or JPEG bytes to RGBA pixels. Anything else, or a file the decoder rejects,
 * throws a {@link DatasetError} that names `name` (the file) and says what was wrong.
 */
export async function decodeImage(bytes: Uint8Array, name: string): Promise<Pixels> {
  if (!isPng(bytes) && !isJpeg(bytes)) {
    const head = Array.from(bytes.subarray(0, 4), (b) => b.toString(16).padStart(2, "0"));
    throw new DatasetError(
      `cannot read image "${name}": not a PNG or JPEG file (${bytes.length} bytes, starting ` +
        `${head.join(" ") || "with nothing"})`,
    );
  }
  if (isPng(bytes)) {
    try {
      return await decodePng(bytes);
    } catch (e) {
      throw new DatasetError(`cannot read image "${name}": PNG ${(e as Error).message}`);
    }
  }
  // Loaded on first use: only JPEG needs it (and its type declarations trip `deno doc`).
  const { decode, Image } = await import("imagescript");
  let img: unknown;
  try {
    img = await decode(bytes, true);
  } catch (e) {
    throw new DatasetError(
      `cannot read image "${name}": ${(e as Error).message} (corrupt or truncated file?)`,
    );
  }
  if (!(img instanceof Image) || img.width < 1 || img.height < 1) {
    throw new DatasetError(`cannot read image "${name}": the decoder returned no image`);
  }
  const src = img.bitmap;
  return {
    width: img.width,
    height: img.height,
    channels: 4,
    data: new Uint8Array(src.buffer, src.byteOffset, src.byteLength),
  };
}

/** Encodes 1-, 3- or 4-channel pixels as a PNG (gray, RGB or RGBA). */
export function encodePng(img: Pixels): Promise<Uint8Array> {
  return encodePngPixels(img);
}

/** An image file found by {@link listImages}. */
export interface ImageFile {
  /** Path as given to the listing joined with the relative name. */
  readonly path: string;
  /** Path below the listed folder, `/`-separated (`sub/0001.png`); the image's name. */
  readonly name: string;
}

/** What {@link listImages} found in a folder. */
export interface ImageListing {
  /** PNG and JPEG files, sorted by name. */
  readonly images: ImageFile[];
  /** Files with another image extension we cannot decode (`.bmp`, `.tif`, ...), sorted. */
  readonly unsupported: string[];
  /** How many other files were ignored (text files, `.DS_Store`, ...). */
  readonly ignored: number;
}

/**
 * Every PNG and JPEG below `dir`, recursively (following symbolic links, as the official
 * `make_dataset` walks with `followlinks=True`), sorted by path as the official loader sorts.
 * Hidden entries (names starting with "."), such as `.ipynb_checkpoints/` or macOS's `._x.png`
 * resource forks, are skipped and counted as ignored, where the official loader would read them.
 */
export async function listImages(dir: string): Promise<ImageListing> {
  const images: ImageFile[] = [];
  const unsupported: string[] = [];
  let ignored = 0;
  const seen = new Set<string>();
  async function walk(abs: string, rel: string): Promise<void> {
    const real = await Deno.realPath(abs);
    if (seen.has(real)) return; // a link cycle
    seen.add(real);
    for await (const entry of Deno.readDir(abs)) {
      if (entry.name.startsWith(".")) {
        ignored++;
        continue;
      }
      const childAbs = `${abs}/${entry.name}`;
      const childRel = rel ? `${rel}/${entry.name}` : entry.name;
      let isDir = entry.isDirectory, isFile = entry.isFile;
      if (entry.isSymlink) {
        try {
          const st = await Deno.stat(childAbs);
          isDir = st.isDirectory;
          isFile = st.isFile;
        } catch {
          ignored++; // a dangling link
          continue;
        }
      }
      if (isDir) {
        await walk(childAbs, childRel);
      } else if (isFile) {
        const ext = extension(entry.name);
        if (IMAGE_EXTENSIONS.includes(ext)) images.push({ path: childAbs, name: childRel });
        else if (UNSUPPORTED_IMAGE_EXTENSIONS.includes(ext)) unsupported.push(childRel);
        else ignored++;
      }
    }
  }
  await walk(dir.replace(/\/+$/, "") || "/", "");
  images.sort((a, b) => compareNames(a.name, b.name));
  unsupported.sort(compareNames);
  return { images, unsupported, ignored };
}

/** Plain code-unit order, as Python's `sorted` on paths (no locale, no natural-number order). */
function compareNames(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
