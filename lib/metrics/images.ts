/**
 * Images into features: reading an image folder (PNG/JPEG, sorted, as the datasets list them),
 * a content hash of it for the statistics cache, and running an extractor over many images in
 * batches without holding them all as tensors.
 *
 * ```ts
 * import { extractFeatures, readImageFolder } from "./images.ts";
 * import { createExtractor } from "./extractors/mod.ts";
 * const folder = await readImageFolder("results/run1/fakeB");
 * const net = await createExtractor("random-conv-s0");
 * const feats = await extractFeatures(net, folder.files.length, (i) => folder.image(i));
 * ```
 * @module
 */
import { tf } from "../tf.ts";
import { decodeImage, listImages } from "../data/io.ts";
import { type Pixels, toRgb } from "../data/pixels.ts";
import { sha256Hex } from "../io/atomic.ts";
import type { Extractor } from "./extractors/_common.ts";
import { type FeatureMatrix, featureMatrix, MetricError } from "./features.ts";

/** How images are read, part of every cache key (bump when it changes). */
export const IMAGE_LOADING = "decode png/jpeg, RGBA composited on white, gray repeated to RGB";

/** An image folder: its files, their bytes' hash, and lazy decoding. */
export interface ImageFolder {
  /** The folder. */
  readonly dir: string;
  /** Image paths below `dir` (`sub/x.png`), sorted. */
  readonly names: readonly string[];
  /** SHA-256 over every name and file content: changes when any image changes. */
  readonly hash: string;
  /** Image `index`, decoded to RGB. */
  image(index: number): Promise<Pixels>;
}

/**
 * Lists and hashes the images in `dir` (recursively; PNG and JPEG). A missing folder or one
 * without images is a {@link MetricError}; undecodable files fail when decoded, naming the file.
 */
export async function readImageFolder(dir: string): Promise<ImageFolder> {
  let listing;
  try {
    listing = await listImages(dir);
  } catch (e) {
    throw new MetricError(`cannot read image folder "${dir}": ${(e as Error).message}`);
  }
  const files = listing.images;
  if (files.length === 0) {
    const extra = listing.unsupported.length
      ? ` (${listing.unsupported.length} files of unsupported types, e.g. ${
        listing.unsupported[0]
      })`
      : "";
    throw new MetricError(`no PNG or JPEG images in "${dir}"${extra}`);
  }
  const bytes: Uint8Array[] = [];
  const parts: string[] = [];
  for (const f of files) {
    const b = await Deno.readFile(f.path);
    bytes.push(b);
    parts.push(`${f.name}\0${await sha256Hex(b)}`);
  }
  return {
    dir,
    names: files.map((f) => f.name),
    hash: await sha256Hex(parts.join("\n")),
    image: async (i) => toRgb(await decodeImage(bytes[i], files[i].path)),
  };
}

/** Options of {@link extractFeatures}. */
export interface ExtractOptions {
  /** Images per forward pass (default 32); consecutive images of one size share a batch. */
  batchSize?: number;
  /** Called after each batch with the number of images done. */
  onProgress?: (done: number, total: number) => void;
}

/**
 * Runs `extractor` over images `0 .. count - 1` (fetched by `get`, RGB) and returns their
 * features as a float32 matrix. Only one batch is held as tensors at a time.
 */
export async function extractFeatures(
  extractor: Extractor,
  count: number,
  get: (index: number) => Pixels | Promise<Pixels>,
  options: ExtractOptions = {},
): Promise<FeatureMatrix> {
  const batchSize = options.batchSize ?? 32;
  const out = new Float32Array(count * extractor.dims);
  let i = 0;
  while (i < count) {
    const batch: Pixels[] = [toRgb(await get(i))];
    const { width, height } = batch[0];
    while (batch.length < batchSize && i + batch.length < count) {
      const next = toRgb(await get(i + batch.length));
      if (next.width !== width || next.height !== height) break;
      batch.push(next);
    }
    const data = new Float32Array(batch.length * width * height * 3);
    batch.forEach((p, k) => data.set(p.data, k * width * height * 3));
    const x = tf.tensor4d(data, [batch.length, height, width, 3]);
    const f = extractor.features(x);
    const values = await f.data();
    tf.dispose([x, f]);
    for (let k = 0; k < values.length; k++) {
      if (!Number.isFinite(values[k])) {
        throw new MetricError(
          `extractor ${extractor.name} gave a non-finite feature for image ${
            i + Math.floor(k / extractor.dims)
          }`,
        );
      }
    }
    out.set(values, i * extractor.dims);
    i += batch.length;
    options.onProgress?.(i, count);
  }
  return featureMatrix(out, count, extractor.dims);
}
