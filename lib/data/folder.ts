/**
 * `folder`: images a user brings (horse2zebra, monet2photo, cityscapes, ...) in the official
 * layout (official-cyclegan.md 1.8):
 *
 * ```
 * dataroot/
 *   trainA/  trainB/      training images of each domain (`<phase>A`, `<phase>B`)
 *   testA/   testB/       optional evaluation images (`<test_phase>A`, `<test_phase>B`)
 * ```
 *
 * or, with `dataset_mode: aligned`, the official `aligned` layout (pix2pix's datasets: facades,
 * maps, cityscapes, edges2shoes), each image A and B side by side, A on the left half:
 *
 * ```
 * dataroot/
 *   train/   test/         AB images (`<phase>/`, `<test_phase>/`), width = 2 x height usually
 * ```
 *
 * An aligned folder gives aligned pairs (the train source is `paired`: B at A's index with A's
 * crop and flip, as the official `AlignedDataset`). A model that trains on pairs (pix2pix,
 * `OpenContext.paired`) on the unaligned layout gets trainA/ and trainB/ paired by file name
 * (`0001.png` with `0001.jpg`), and a clear error when the names do not pair one to one.
 *
 * PNG and JPEG files are found recursively and sorted by path. Every training image is read,
 * hashed, decoded and resized when the dataset is opened (through the image cache, so a second
 * open costs a hash per file), so that a corrupt file, an empty folder or a crop larger than an
 * image stops the run before training starts, naming the file.
 *
 * ```ts
 * import { openFolder, resolveFolderOptions } from "./folder.ts";
 * import { Rng } from "../nn/rng.ts";
 * const ds = await openFolder(resolveFolderOptions({ dataroot: "datasets/horse2zebra" }));
 * const x = ds.train.load("A", 0, new Rng(0)); // [256, 256, 3] in [-1, 1]
 * x.dispose();
 * const test = await ds.test();                // resized to 256, no flip
 * ```
 * @module
 */
import { z } from "zod";
import {
  type Dataset,
  type DatasetEntry,
  DatasetError,
  type OpenContext,
  type SkippedImage,
  type TestSplit,
} from "./_common.ts";
import { type CacheRef, PixelCache } from "./cache.ts";
import { decodeImage, type ImageFile, listImages } from "./io.ts";
import {
  checkCropFitsLoad,
  cropsRandomly,
  prepare,
  prepareEval,
  type PreprocessOptions,
  preprocessShape,
} from "./preprocess.ts";
import type { Pixels } from "./pixels.ts";
import { imageSet, pairByName, PreparedSource } from "./source.ts";
import { describeIssues } from "../registry.ts";

/** What to do with an image that cannot be decoded. */
export const BAD_IMAGE_POLICIES = ["error", "skip"] as const;

/** The official `--dataset_mode` values a folder can be read as. */
export const FOLDER_DATASET_MODES = ["unaligned", "aligned"] as const;

/** Options of a folder dataset (the official names where one exists). */
export interface FolderOptions extends PreprocessOptions {
  /** The dataset root holding `trainA/`, `trainB/`, ... (`--dataroot`, required). */
  dataroot: string;
  /** Training folders are `<phase>A`, `<phase>B` (`--phase`, default `train`). */
  phase: string;
  /** Evaluation folders are `<test_phase>A`, `<test_phase>B` (default `test`). */
  test_phase: string;
  /** Use at most this many images per domain, the first in sorted order; null = all. */
  max_dataset_size: number | null;
  /** A corrupt image stops with an error naming it (`error`), or is skipped with a warning. */
  on_bad_image: typeof BAD_IMAGE_POLICIES[number];
  /** Root of the on-disk image cache; null turns it off (memory only). */
  cache_dir: string | null;
  /** Most MiB of prepared images held in memory; past it they are re-read from the disk cache. */
  memory_cache_mb: number;
  /**
   * `unaligned` (trainA/, trainB/; the default when absent) or `aligned` (train/ with A|B side
   * by side, official `--dataset_mode aligned`). Optional without a default, so the options of
   * a folder that does not set it resolve (and hash) as before.
   */
  dataset_mode?: typeof FOLDER_DATASET_MODES[number];
}

/** Folder options as a config gives them: `dataroot`, and any others (defaults for the rest). */
export type FolderOptionsInput = Partial<FolderOptions> & { dataroot: string };

/** Zod schema of {@link FolderOptions}: strict, with the official defaults. */
export const folderOptionsSchema: z.ZodType<FolderOptions, FolderOptionsInput> = z.strictObject({
  dataroot: z.string().min(1).describe("dataset root with trainA/, trainB/ (testA/, testB/)"),
  phase: z.string().min(1).default("train").describe("training folders are <phase>A, <phase>B"),
  test_phase: z.string().min(1).default("test").describe(
    "evaluation folders are <test_phase>A, <test_phase>B",
  ),
  max_dataset_size: z.number().int().min(1).nullable().default(null).describe(
    "at most this many images per domain (first in sorted order); null = all",
  ),
  on_bad_image: z.enum(BAD_IMAGE_POLICIES).default("error").describe(
    "corrupt image: stop with an error naming it, or skip it with a warning",
  ),
  cache_dir: z.string().min(1).nullable().default("results/.cache").describe(
    "root of the on-disk cache of decoded, resized images; null = memory only",
  ),
  memory_cache_mb: z.number().min(0).default(2048).describe(
    "most MiB of decoded images kept in memory (the rest is read from the disk cache)",
  ),
  dataset_mode: z.enum(FOLDER_DATASET_MODES).optional().describe(
    "unaligned (trainA/, trainB/; default) or aligned (train/, test/ with A|B side by side)",
  ),
  ...preprocessShape,
}).superRefine((o, ctx) => {
  const problem = checkCropFitsLoad(o);
  if (problem) ctx.addIssue({ code: "custom", path: ["crop_size"], message: problem });
});

/** Fills in defaults and validates; every problem is reported at once, each naming its option. */
export function resolveFolderOptions(options: FolderOptionsInput): FolderOptions {
  const r = folderOptionsSchema.safeParse(options);
  if (!r.success) {
    throw new DatasetError(`folder dataset: ${describeIssues(r.error)}`);
  }
  return r.data;
}

/** Version of the preprocessing code; bump it when prepared bytes change, to retire old caches. */
const PREPARE_VERSION = "v1";

/** The cache variant naming what {@link prepare} (or, for `eval`, prepareEval) does. */
export function preparedVariant(
  p: PreprocessOptions,
  channels: number,
  stage: "train" | "eval",
): string {
  let op: string;
  if (stage === "eval" && cropsRandomly(p.preprocess)) op = `sq${p.crop_size}`;
  else if (p.preprocess === "resize_and_crop") op = `sq${p.load_size}`;
  else if (p.preprocess === "crop") op = "orig";
  else if (p.preprocess === "none") op = "m4";
  else op = `sw${p.load_size}min${p.crop_size}`;
  return `${PREPARE_VERSION}-${op}-c${channels}`;
}

/** Image files read through the cache: where each prepared image is, and its name. */
export interface LoadedDomain {
  /** Cache entries, one per readable file. */
  refs: CacheRef[];
  /** The files' names, in the same order. */
  names: string[];
}

async function isDirectory(path: string): Promise<boolean> {
  try {
    return (await Deno.stat(path)).isDirectory;
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return false;
    throw e;
  }
}

function showSome(items: string[], n = 5): string {
  return items.slice(0, n).join("; ") + (items.length > n ? `; and ${items.length - n} more` : "");
}

/** Lists a domain folder; a missing or empty one is a {@link DatasetError}. */
async function domainFiles(
  root: string,
  folder: string,
  limit: number | null,
  aligned = false,
) {
  const dir = `${root}/${folder}`;
  if (!(await isDirectory(dir))) {
    const hint = !aligned && /[AB]$/.test(folder) &&
        await isDirectory(`${root}/${folder.slice(0, -1)}`)
      ? `; it has ${folder.slice(0, -1)}/: for the official aligned layout (A|B side by side) ` +
        `set dataset_mode: aligned`
      : "";
    throw new DatasetError(
      `dataset folder "${root}" has no ${folder}/ folder; expected the official ${
        aligned
          ? "aligned layout (train/, optional test/, each image A|B side by side)"
          : "layout (trainA/, trainB/, optional testA/, testB/)"
      }${hint}`,
    );
  }
  const listing = await listImages(dir);
  if (listing.images.length === 0) {
    const other = listing.unsupported.length
      ? `; found ${listing.unsupported.length} image(s) in formats we cannot read (` +
        `${showSome(listing.unsupported, 3)}): convert them to PNG`
      : listing.ignored
      ? ` (${listing.ignored} other file(s) ignored)`
      : "";
    throw new DatasetError(
      `"${dir}" holds no PNG or JPEG images (searched recursively)${other}`,
    );
  }
  return limit === null ? listing.images : listing.images.slice(0, limit);
}

/**
 * Reads, hashes, decodes and prepares (`make`) each file through the cache. An unreadable
 * file throws a DatasetError naming it, or with `policy: "skip"` is left out, reported to
 * `warn` and listed in `skipped` (the message) and `skippedNames` (its name).
 */
export async function loadImageFiles(
  files: ImageFile[],
  make: (img: Pixels) => Pixels,
  variant: string,
  cache: PixelCache,
  policy: FolderOptions["on_bad_image"],
  warn: (message: string) => void,
): Promise<LoadedDomain & { skipped: string[]; skippedNames: string[] }> {
  const refs: CacheRef[] = [];
  const names: string[] = [];
  const skipped: string[] = [];
  const skippedNames: string[] = [];
  for (const file of files) {
    let bytes: Uint8Array;
    try {
      bytes = await Deno.readFile(file.path);
    } catch (e) {
      throw new DatasetError(`cannot read image "${file.path}": ${(e as Error).message}`);
    }
    try {
      const hash = await PixelCache.hash(bytes);
      refs.push(
        await cache.fetch(hash, variant, async () => make(await decodeImage(bytes, file.path))),
      );
      names.push(file.name);
    } catch (e) {
      if (!(e instanceof DatasetError) || policy === "error") throw e;
      const message = `skipped ${e.message.replace(/^cannot read image /, "")}`;
      skipped.push(message);
      skippedNames.push(file.name);
      warn(`warning: ${message}`);
    }
  }
  return { refs, names, skipped, skippedNames };
}

/**
 * One half of an aligned image (official `AlignedDataset`: A is the left half, B the right).
 * An odd width cannot be split into two equal halves: a DatasetError naming the file.
 *
 * ```ts
 * alignedHalf({ width: 4, height: 1, channels: 1, data: Uint8Array.of(1, 2, 3, 4) }, "B", "x.png");
 * // { width: 2, height: 1, channels: 1, data: [3, 4] }
 * ```
 */
export function alignedHalf(img: Pixels, side: "A" | "B", file: string): Pixels {
  if (img.width % 2 !== 0) {
    throw new DatasetError(
      `cannot split "${file}" (${img.width}x${img.height}) into A|B halves: the aligned layout ` +
        `expects A and B side by side, an even width`,
    );
  }
  const w = img.width / 2;
  const c = img.channels;
  const data = new Uint8Array(w * img.height * c);
  const x0 = side === "A" ? 0 : w;
  for (let y = 0; y < img.height; y++) {
    const from = (y * img.width + x0) * c;
    data.set(img.data.subarray(from, from + w * c), y * w * c);
  }
  return { width: w, height: img.height, channels: c, data };
}

/**
 * B's files in A's order, pairing trainA/ and trainB/ by file name without extension
 * (`0001.png` with `0001.jpg`); a DatasetError naming the files that do not pair one to one.
 */
export function pairFilesByName(
  filesA: readonly ImageFile[],
  filesB: readonly ImageFile[],
  where: { A: string; B: string },
): ImageFile[] {
  const stem = (n: string) => n.replace(/\.[^./]*$/, "");
  const byStem = new Map<string, ImageFile[]>();
  for (const f of filesB) byStem.set(stem(f.name), [...(byStem.get(stem(f.name)) ?? []), f]);
  const unmatched: string[] = [];
  const ordered: ImageFile[] = [];
  for (const f of filesA) {
    const found = byStem.get(stem(f.name));
    if (found?.length === 1) ordered.push(found[0]);
    else unmatched.push(`${where.A}/${f.name}`);
  }
  const used = new Set(ordered);
  for (const f of filesB) if (!used.has(f)) unmatched.push(`${where.B}/${f.name}`);
  if (unmatched.length > 0) {
    throw new DatasetError(
      `a paired model needs every image of ${where.A}/ to have one partner of the same name ` +
        `in ${where.B}/ (or the aligned layout, dataset_mode: aligned); ${unmatched.length} ` +
        `do not pair: ${showSome(unmatched)}`,
    );
  }
  return ordered;
}

/** The one [h, w] all images share, or a DatasetError listing the sizes found. */
function commonSize(
  domains: Record<string, LoadedDomain>,
  preprocess: string,
): [number, number] {
  const bySize = new Map<string, string[]>();
  for (const [folder, d] of Object.entries(domains)) {
    d.refs.forEach((r, i) => {
      const key = `${r.width}x${r.height}`;
      bySize.set(key, [...(bySize.get(key) ?? []), `${folder}/${d.names[i]}`]);
    });
  }
  if (bySize.size !== 1) {
    const found = [...bySize].map(([size, files]) => `${size} (${files.length}, e.g. ${files[0]})`);
    throw new DatasetError(
      `preprocess ${preprocess} keeps each image's own size, and the images do not share one: ` +
        `${showSome(found)}; use preprocess resize_and_crop, crop or scale_width_and_crop`,
    );
  }
  const [w, h] = [...bySize.keys()][0].split("x").map(Number);
  return [h, w];
}

/** A DatasetError listing every image smaller than `crop_size` after the mode's resize. */
function checkCrops(domains: Record<string, LoadedDomain>, p: PreprocessOptions): void {
  if (!cropsRandomly(p.preprocess)) return;
  const small: string[] = [];
  for (const [folder, d] of Object.entries(domains)) {
    d.refs.forEach((r, i) => {
      if (r.width < p.crop_size || r.height < p.crop_size) {
        small.push(`${folder}/${d.names[i]} (${r.width}x${r.height})`);
      }
    });
  }
  if (small.length) {
    throw new DatasetError(
      `crop_size ${p.crop_size} is larger than ${small.length} image(s) after preprocess ` +
        `${p.preprocess}: ${showSome(small)}; lower crop_size, or use resize_and_crop`,
    );
  }
}

/**
 * Opens a folder dataset: checks the layout, reads every training image through the cache,
 * and validates sizes against the preprocessing, all before returning.
 */
export async function openFolder(
  options: FolderOptions,
  context: OpenContext = {},
): Promise<Dataset> {
  const o = options;
  const warn = context.warn ?? ((m: string) => console.warn(m));
  const aligned = o.dataset_mode === "aligned";
  const root = o.dataroot.replace(/\/+$/, "") || "/";
  if (!(await isDirectory(root))) {
    const exists = await Deno.stat(root).then(() => true, () => false);
    throw new DatasetError(
      `dataroot "${root}" ${exists ? "is not a folder" : "does not exist"}; expected a folder ` +
        `with ${aligned ? `${o.phase}/` : `${o.phase}A/ and ${o.phase}B/`}`,
    );
  }
  const cache = new PixelCache({
    dir: o.cache_dir,
    memoryBytes: o.memory_cache_mb * 1024 * 1024,
  });
  const warnings: string[] = [];
  const skipped: SkippedImage[] = [];
  // Aligned: both domains are halves of the images in <phase>/ (A left, B right).
  const folders = aligned ? { A: o.phase, B: o.phase } : { A: `${o.phase}A`, B: `${o.phase}B` };
  // List both folders first, so a missing trainB/ is reported before trainA/ is decoded.
  const filesA = await domainFiles(root, folders.A, o.max_dataset_size, aligned);
  let filesB = aligned ? filesA : await domainFiles(root, folders.B, o.max_dataset_size, aligned);
  const paired = aligned || context.paired === true;
  if (paired && !aligned) filesB = pairFilesByName(filesA, filesB, folders);
  const load = async (
    files: ImageFile[],
    folder: string,
    channels: number,
    stage: "train" | "eval",
    side?: "A" | "B",
  ) => {
    const prep = stage === "train"
      ? (img: Pixels) => prepare(img, o, channels)
      : (img: Pixels) => prepareEval(img, o, channels);
    // Aligned: split first (the official AlignedDataset crops A and B out of AB, then resizes
    // each); the cache variant names the half.
    const make = side ? (img: Pixels) => prep(alignedHalf(img, side, folder)) : prep;
    const d = await loadImageFiles(
      files,
      make,
      preparedVariant(o, channels, stage) + (side ? `-half${side}` : ""),
      cache,
      o.on_bad_image,
      warn,
    );
    warnings.push(...d.skipped);
    skipped.push(...d.skippedNames.map((file) => ({ folder, file })));
    if (d.refs.length === 0) {
      throw new DatasetError(
        `"${root}/${folder}" has no readable images: all ${files.length} were skipped as bad`,
      );
    }
    return d;
  };
  const trainA = await load(filesA, folders.A, o.input_nc, "train", aligned ? "A" : undefined);
  const trainB = await load(filesB, folders.B, o.output_nc, "train", aligned ? "B" : undefined);
  if (paired && trainA.names.join("\n") !== trainB.names.join("\n")) {
    // A skipped (unreadable) image must leave its partner out too.
    throw new DatasetError(
      `cannot pair ${folders.A}/ with ${folders.B}/: images were skipped on one side only ` +
        `(${trainA.names.length} A, ${trainB.names.length} B); fix or remove them`,
    );
  }
  const trainDomains = aligned
    ? { [`${folders.A} (A half)`]: trainA, [`${folders.B} (B half)`]: trainB }
    : { [folders.A]: trainA, [folders.B]: trainB };
  checkCrops(trainDomains, o);
  const imageSize: [number, number] = cropsRandomly(o.preprocess)
    ? [o.crop_size, o.crop_size]
    : commonSize(trainDomains, o.preprocess);
  const list = (d: LoadedDomain) => ({
    length: d.refs.length,
    get: (i: number) => cache.get(d.refs[i]),
  });
  // The fingerprint: which files (by content) under which preprocessing, in which order.
  const digest = await PixelCache.hash(
    new TextEncoder().encode(
      JSON.stringify([trainA.refs.map((r) => r.key), trainB.refs.map((r) => r.key)]),
    ),
  );
  // The fingerprint names the pairing too: the same files paired are other training data.
  const mode = aligned ? "-aligned" : paired ? "-paired" : "";
  const train = new PreparedSource(
    { A: list(trainA), B: list(trainB) },
    o,
    imageSize,
    `folder-${digest.slice(0, 16)}${mode}`,
    paired,
  );

  const testFolders = aligned
    ? { A: o.test_phase, B: o.test_phase }
    : { A: `${o.test_phase}A`, B: `${o.test_phase}B` };
  const hasTest = (await isDirectory(`${root}/${testFolders.A}`)) &&
    (await isDirectory(`${root}/${testFolders.B}`));
  let test: Promise<TestSplit> | undefined;
  const loadTest = async (): Promise<TestSplit> => {
    const testFilesA = await domainFiles(root, testFolders.A, null, aligned);
    const a = await load(testFilesA, testFolders.A, o.input_nc, "eval", aligned ? "A" : undefined);
    const b = await load(
      aligned ? testFilesA : await domainFiles(root, testFolders.B, null),
      testFolders.B,
      o.output_nc,
      "eval",
      aligned ? "B" : undefined,
    );
    const size: [number, number] = cropsRandomly(o.preprocess)
      ? [o.crop_size, o.crop_size]
      : commonSize(
        aligned
          ? { [`${testFolders.A} (A half)`]: a, [`${testFolders.B} (B half)`]: b }
          : { [testFolders.A]: a, [testFolders.B]: b },
        o.preprocess,
      );
    const { pairs, paired } = pairByName(a.names, b.names);
    return {
      A: imageSet(list(a), a.names, { channels: o.input_nc, imageSize: size }),
      B: imageSet(list(b), b.names, { channels: o.output_nc, imageSize: size }),
      paired,
      pairs,
    };
  };
  return {
    kind: "folder",
    train,
    hasTest,
    warnings,
    skipped,
    test() {
      // A failed load is not remembered, so a fixed folder can be retried.
      test ??= loadTest().catch((e) => {
        test = undefined;
        throw e;
      });
      return test;
    },
  };
}

/** The `folder` registry entry. */
export const folder: DatasetEntry<FolderOptions, FolderOptionsInput> = {
  summary: "your images in the official layout: trainA/, trainB/ (optional testA/, testB/)",
  sizes: "as found: PNG/JPEG of any size, found recursively, resized by `preprocess`",
  licence: "that of your images",
  options: folderOptionsSchema,
  open: openFolder,
};
