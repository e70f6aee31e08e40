/**
 * `emoji`: real images of two domains that share content, the same emoji as drawn by two
 * vendors (default Twitter's Twemoji -> Google's Noto), from the npm packages
 * `emoji-datasource-<vendor>` (64x64 PNG, about 3.8k images each with skin tones; MIT-licensed
 * packages of the vendors' artwork).
 *
 * - The packages come through the npm registry with Deno's own client the first time they are
 *   needed (`deno cache --no-config --no-lock npm:emoji-datasource-<vendor>@16.0.0`, about
 *   70 MB each, into Deno's npm cache); when that fails, a DatasetError says what to run.
 *   `packages_dir` points at unpacked packages instead (offline machines, tests).
 * - Split by emoji, never by image: an emoji's skin-tone variants travel with it. A fixed tenth
 *   of the emoji (by a hash of the code point, the same for every seed and vendor pair) is the
 *   test split, taken from both vendors and paired by code point; the rest is divided by a
 *   seeded hash between train A and train B, so the training domains never show the same emoji.
 * - Transparency is composited on white; `size` 32 is a bicubic downscale of the 64 px images.
 *
 * ```ts
 * import { openDataset } from "./mod.ts";
 * const ds = await openDataset("emoji", { size: 32 });             // twitter -> google
 * const test = await ds.test();                                     // paired by code point
 * const apple = await openDataset("emoji", { vendor_b: "apple" }); // another vendor
 * ```
 * @module
 */
import { z } from "zod";
import {
  type Dataset,
  type DatasetEntry,
  DatasetError,
  type OpenContext,
  type RawFolder,
  type SkippedImage,
  type TestSplit,
} from "./_common.ts";
import { PixelCache } from "./cache.ts";
import { type LoadedDomain, loadImageFiles, preparedVariant } from "./folder.ts";
import { decodeImage, type ImageFile } from "./io.ts";
import { type Pixels, resizeBicubic, toRgb } from "./pixels.ts";
import {
  checkCropFitsLoad,
  cropsRandomly,
  prepare,
  prepareEval,
  type PreprocessOptions,
  preprocessShape,
} from "./preprocess.ts";
import { imageSet, pairByName, PreparedSource } from "./source.ts";

/** Vendors whose artwork the `emoji-datasource-*` packages ship at 64 px. */
export const EMOJI_VENDORS = ["twitter", "google", "apple", "facebook"] as const;

/** An emoji vendor. */
export type EmojiVendor = typeof EMOJI_VENDORS[number];

/** The `emoji-datasource-*` version read by default (all vendors share its emoji.json). */
export const EMOJI_PACKAGE_VERSION = "16.0.0";

/** Licence of each vendor's artwork (the npm packages themselves are MIT). */
export const EMOJI_LICENCES: Readonly<Record<EmojiVendor, string>> = Object.freeze({
  twitter: "Twemoji graphics, CC-BY 4.0 (Twitter, Inc. and other contributors)",
  google: "Noto Emoji graphics, Apache-2.0 (Google)",
  apple: "Apple's artwork, Apple's terms (not an open licence)",
  facebook: "Facebook's artwork, Meta's terms (not an open licence)",
});

/** Options of the `emoji` dataset. */
export interface EmojiOptions extends PreprocessOptions {
  /** Vendor drawing domain A. */
  vendor_a: EmojiVendor;
  /** Vendor drawing domain B. */
  vendor_b: EmojiVendor;
  /** Image side: 64 (native) or 32. */
  size: 32 | 64;
  /** Include the skin-tone variants (about twice the images). */
  skin_tones: boolean;
  /** Seed of the division of training emoji between A and B. */
  seed: number;
  /** At most this many training images per domain (first in code-point order); null = all. */
  max_dataset_size: number | null;
  /** Folder with unpacked `emoji-datasource-<vendor>/` packages; null = Deno's npm cache. */
  packages_dir: string | null;
  /** Version of the `emoji-datasource-*` packages. */
  version: string;
  /** Root of the on-disk image cache; null = memory only. */
  cache_dir: string | null;
  /** Most MiB of prepared images held in memory. */
  memory_cache_mb: number;
}

/** Zod schema of {@link EmojiOptions}; `load_size` and `crop_size` scale with `size`. */
export const emojiOptionsSchema: z.ZodType<EmojiOptions, Partial<EmojiOptions>> = z
  .strictObject({
    vendor_a: z.enum(EMOJI_VENDORS).default("twitter").describe("vendor drawing domain A"),
    vendor_b: z.enum(EMOJI_VENDORS).default("google").describe("vendor drawing domain B"),
    size: z.union([z.literal(32), z.literal(64)]).default(64).describe("image side: 32 or 64"),
    skin_tones: z.boolean().default(true).describe("include the skin-tone variants"),
    seed: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER).default(0).describe(
      "seed of the division of training emoji between A and B",
    ),
    max_dataset_size: z.number().int().min(1).nullable().default(null).describe(
      "at most this many training images per domain; null = all",
    ),
    packages_dir: z.string().min(1).nullable().default(null).describe(
      "folder with unpacked emoji-datasource-<vendor>/ packages; null = fetch with Deno",
    ),
    version: z.string().regex(/^\d+\.\d+\.\d+$/).default(EMOJI_PACKAGE_VERSION).describe(
      "version of the emoji-datasource packages",
    ),
    cache_dir: z.string().min(1).nullable().default("results/.cache").describe(
      "root of the on-disk cache of decoded images; null = memory only",
    ),
    memory_cache_mb: z.number().min(0).default(2048).describe(
      "most MiB of decoded images kept in memory",
    ),
    ...preprocessShape,
    load_size: z.number().int().min(1).optional().describe(
      "resize to this size; default size * 286/256",
    ),
    crop_size: z.number().int().min(1).optional().describe("crop to this size; default size"),
  })
  .transform((o): EmojiOptions => ({
    ...o,
    load_size: o.load_size ?? Math.round((o.size * 286) / 256),
    crop_size: o.crop_size ?? o.size,
  }))
  .superRefine((o, ctx) => {
    const problem = checkCropFitsLoad(o);
    if (problem) ctx.addIssue({ code: "custom", path: ["crop_size"], message: problem });
    if (o.preprocess === "crop" && o.crop_size > o.size) {
      ctx.addIssue({
        code: "custom",
        path: ["crop_size"],
        message: `crop_size ${o.crop_size} is larger than the ${o.size}x${o.size} emoji`,
      });
    }
    if (o.vendor_a === o.vendor_b) {
      ctx.addIssue({
        code: "custom",
        path: ["vendor_b"],
        message: `vendor_b must differ from vendor_a (both "${o.vendor_a}")`,
      });
    }
  });

/** One emoji image of the catalogue. */
export interface EmojiItem {
  /** Code points, e.g. `1F385-1F3FB`. */
  readonly unified: string;
  /** File name in the packages' `img/<vendor>/64/`. */
  readonly image: string;
  /** The base emoji (skin-tone variants share their base's group). */
  readonly group: string;
  /** Which vendors draw it. */
  readonly vendors: ReadonlySet<string>;
}

/** FNV-1a of a string, 32 bits: a hash that does not depend on any seed. */
function fnv1a(text: string, basis = 0x811c9dc5): number {
  let h = basis >>> 0;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

/** Whether emoji `group` (a base code point) is in the fixed test split: a tenth of them. */
export function isTestEmoji(group: string): boolean {
  return fnv1a(group) % 10 === 0;
}

const entrySchema = z.looseObject({
  unified: z.string(),
  image: z.string(),
  skin_variations: z.record(z.string(), z.looseObject({ unified: z.string(), image: z.string() }))
    .optional(),
});

/** The catalogue from a package's `emoji.json`, sorted by code point. */
export function emojiItems(json: unknown, skinTones: boolean): EmojiItem[] {
  const parsed = z.array(entrySchema).safeParse(json);
  if (!parsed.success) {
    throw new DatasetError(
      `emoji.json is not the emoji-datasource catalogue: ${parsed.error.issues[0].message} at ` +
        parsed.error.issues[0].path.join("."),
    );
  }
  const vendorsOf = (e: Record<string, unknown>) =>
    new Set(EMOJI_VENDORS.filter((v) => e[`has_img_${v}`] === true));
  const items: EmojiItem[] = [];
  for (const e of parsed.data) {
    items.push({ unified: e.unified, image: e.image, group: e.unified, vendors: vendorsOf(e) });
    if (skinTones) {
      for (const v of Object.values(e.skin_variations ?? {})) {
        items.push({ unified: v.unified, image: v.image, group: e.unified, vendors: vendorsOf(v) });
      }
    }
  }
  return items.sort((a, b) => (a.unified < b.unified ? -1 : a.unified > b.unified ? 1 : 0));
}

/**
 * Divides the catalogue: the fixed test emoji drawn by both vendors (paired), and the other
 * emoji split between train A and train B by a seeded hash of their group, so the two training
 * domains never share an emoji (nor a skin-tone variant of one).
 */
export function splitEmoji(
  items: readonly EmojiItem[],
  vendors: { a: EmojiVendor; b: EmojiVendor },
  seed: number,
): { trainA: EmojiItem[]; trainB: EmojiItem[]; test: EmojiItem[] } {
  const trainA: EmojiItem[] = [], trainB: EmojiItem[] = [], test: EmojiItem[] = [];
  const basis = fnv1a(`seed:${seed}`);
  for (const it of items) {
    if (isTestEmoji(it.group)) {
      if (it.vendors.has(vendors.a) && it.vendors.has(vendors.b)) test.push(it);
    } else if ((fnv1a(it.group, basis) & 1) === 0) {
      if (it.vendors.has(vendors.a)) trainA.push(it);
    } else if (it.vendors.has(vendors.b)) trainB.push(it);
  }
  return { trainA, trainB, test };
}

async function exists(path: string): Promise<boolean> {
  return await Deno.stat(path).then(() => true, () => false);
}

function installHint(vendor: string, version: string): string {
  return `deno cache --no-config --no-lock npm:emoji-datasource-${vendor}@${version}`;
}

/** Deno's npm cache folder (`deno info --json`), or undefined if it cannot be asked. */
async function npmCacheDir(): Promise<string | undefined> {
  try {
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["info", "--json"],
      stdout: "piped",
      stderr: "null",
    }).output();
    return JSON.parse(new TextDecoder().decode(out.stdout)).npmCache;
  } catch {
    return undefined;
  }
}

/** The package folder inside Deno's npm cache (any registry host), if it is there. */
async function inNpmCache(root: string, name: string, version: string) {
  try {
    for await (const host of Deno.readDir(root)) {
      const dir = `${root}/${host.name}/${name}/${version}`;
      if (await exists(`${dir}/emoji.json`)) return dir;
    }
  } catch {
    // No cache folder yet.
  }
  return undefined;
}

/**
 * The folder of the unpacked `emoji-datasource-<vendor>` package: under `packages_dir` when
 * given, else in Deno's npm cache, fetched there through the npm registry (with Deno's client)
 * when missing. Throws a DatasetError saying what to install when it cannot be found or fetched.
 */
export async function emojiPackageDir(
  vendor: EmojiVendor,
  options: { version?: string; packagesDir?: string | null; warn?: (m: string) => void } = {},
): Promise<string> {
  const version = options.version ?? EMOJI_PACKAGE_VERSION;
  const name = `emoji-datasource-${vendor}`;
  if (options.packagesDir) {
    const dir = `${options.packagesDir.replace(/\/+$/, "")}/${name}`;
    if (await exists(`${dir}/emoji.json`)) return dir;
    throw new DatasetError(
      `packages_dir "${options.packagesDir}" has no ${name}/emoji.json; unpack the npm ` +
        `package ${name}@${version} there, or set packages_dir to null to fetch it with Deno`,
    );
  }
  const cache = await npmCacheDir();
  const found = cache ? await inNpmCache(cache, name, version) : undefined;
  if (found) return found;
  (options.warn ?? console.warn)(
    `fetching ${name}@${version} from the npm registry (about 70 MB, once)...`,
  );
  let detail = "";
  try {
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["cache", "--no-config", "--no-lock", `npm:${name}@${version}`],
      env: { NO_COLOR: "1" },
      stdout: "null",
      stderr: "piped",
    }).output();
    if (!out.success) {
      detail = new TextDecoder().decode(out.stderr).trim().split("\n").pop() ?? "";
    }
  } catch (e) {
    detail = (e as Error).message;
  }
  const fetched = cache ? await inNpmCache(cache, name, version) : undefined;
  if (fetched) return fetched;
  throw new DatasetError(
    `the emoji dataset needs the npm package ${name}@${version} and could not fetch it` +
      `${detail ? ` (${detail})` : ""}; with network access run ` +
      `"${installHint(vendor, version)}", or unpack the package under packages_dir`,
  );
}

/** Files of `items` in a vendor's package, named by code point (`1f600.png`). */
function files(dir: string, vendor: EmojiVendor, items: readonly EmojiItem[]): ImageFile[] {
  return items.map((it) => ({
    path: `${dir}/img/${vendor}/64/${it.image}`,
    name: `${it.unified.toLowerCase()}.png`,
  }));
}

/** An emoji image at `size`, RGB on white. */
function atSize(img: Pixels, size: number): Pixels {
  const rgb = toRgb(img);
  return rgb.width === size && rgb.height === size ? rgb : resizeBicubic(rgb, size, size);
}

interface Catalogue {
  dirA: string;
  dirB: string;
  split: ReturnType<typeof splitEmoji>;
}

async function catalogue(o: EmojiOptions, warn: (m: string) => void): Promise<Catalogue> {
  const common = { version: o.version, packagesDir: o.packages_dir, warn };
  const dirA = await emojiPackageDir(o.vendor_a, common);
  const dirB = await emojiPackageDir(o.vendor_b, common);
  let json: unknown;
  try {
    json = JSON.parse(await Deno.readTextFile(`${dirA}/emoji.json`));
  } catch (e) {
    throw new DatasetError(`cannot read "${dirA}/emoji.json": ${(e as Error).message}`);
  }
  const split = splitEmoji(
    emojiItems(json, o.skin_tones),
    { a: o.vendor_a, b: o.vendor_b },
    o.seed,
  );
  return { dirA, dirB, split };
}

/** Opens the `emoji` dataset: finds (or fetches) the packages, reads every image through the cache. */
export async function openEmoji(o: EmojiOptions, context: OpenContext = {}): Promise<Dataset> {
  const warn = context.warn ?? ((m: string) => console.warn(m));
  const { dirA, dirB, split } = await catalogue(o, warn);
  const cache = new PixelCache({ dir: o.cache_dir, memoryBytes: o.memory_cache_mb * 1024 * 1024 });
  const warnings: string[] = [];
  const skipped: SkippedImage[] = [];
  const cap = <T>(xs: T[]) => (o.max_dataset_size === null ? xs : xs.slice(0, o.max_dataset_size));
  const load = async (
    fs: ImageFile[],
    folder: string,
    channels: number,
    stage: "train" | "eval",
  ) => {
    const make = (img: Pixels) =>
      stage === "train"
        ? prepare(atSize(img, o.size), o, channels)
        : prepareEval(atSize(img, o.size), o, channels);
    const variant = `e${o.size}-${preparedVariant(o, channels, stage)}`;
    const d = await loadImageFiles(fs, make, variant, cache, "skip", warn);
    warnings.push(...d.skipped);
    skipped.push(...d.skippedNames.map((file) => ({ folder, file })));
    return d;
  };
  for (const [name, list] of [["train A", split.trainA], ["train B", split.trainB]] as const) {
    if (list.length === 0) {
      throw new DatasetError(`emoji: no ${name} images for vendors ${o.vendor_a} -> ${o.vendor_b}`);
    }
  }
  const trainA = await load(
    cap(files(dirA, o.vendor_a, split.trainA)),
    "trainA",
    o.input_nc,
    "train",
  );
  const trainB = await load(
    cap(files(dirB, o.vendor_b, split.trainB)),
    "trainB",
    o.output_nc,
    "train",
  );
  const list = (d: LoadedDomain) => ({
    length: d.refs.length,
    get: (i: number) => cache.get(d.refs[i]),
  });
  const [h, w] = cropsRandomly(o.preprocess) ? [o.crop_size, o.crop_size] : [o.size, o.size];
  const digest = await PixelCache.hash(
    new TextEncoder().encode(
      JSON.stringify([trainA.refs.map((r) => r.key), trainB.refs.map((r) => r.key)]),
    ),
  );
  const train = new PreparedSource(
    { A: list(trainA), B: list(trainB) },
    o,
    [h, w],
    `emoji-${o.vendor_a}-${o.vendor_b}-${digest.slice(0, 16)}`,
  );
  let test: Promise<TestSplit> | undefined;
  const loadTest = async (): Promise<TestSplit> => {
    const a = await load(files(dirA, o.vendor_a, split.test), "testA", o.input_nc, "eval");
    const b = await load(files(dirB, o.vendor_b, split.test), "testB", o.output_nc, "eval");
    const size: [number, number] = cropsRandomly(o.preprocess)
      ? [o.crop_size, o.crop_size]
      : [o.size, o.size];
    const { pairs, paired } = pairByName(a.names, b.names);
    return {
      A: imageSet(list(a), a.names, { channels: o.input_nc, imageSize: size }),
      B: imageSet(list(b), b.names, { channels: o.output_nc, imageSize: size }),
      paired,
      pairs,
    };
  };
  return {
    kind: "emoji",
    train,
    hasTest: split.test.length > 0,
    warnings,
    skipped,
    test() {
      test ??= loadTest().catch((e) => {
        test = undefined;
        throw e;
      });
      return test;
    },
  };
}

/** The raw images of every folder at `size` (RGB on white), for `data export`. */
export async function emojiFolders(o: EmojiOptions): Promise<Record<string, RawFolder>> {
  const { dirA, dirB, split } = await catalogue(o, (m) => console.warn(m));
  const folder = (dir: string, vendor: EmojiVendor, items: EmojiItem[]): RawFolder => {
    const fs = files(dir, vendor, items);
    return {
      names: fs.map((f) => f.name),
      get: async (i) =>
        atSize(await decodeImage(await Deno.readFile(fs[i].path), fs[i].path), o.size),
    };
  };
  const cap = <T>(xs: T[]) => (o.max_dataset_size === null ? xs : xs.slice(0, o.max_dataset_size));
  return {
    trainA: folder(dirA, o.vendor_a, cap(split.trainA)),
    trainB: folder(dirB, o.vendor_b, cap(split.trainB)),
    testA: folder(dirA, o.vendor_a, split.test),
    testB: folder(dirB, o.vendor_b, split.test),
  };
}

/** The `emoji` registry entry. */
export const emoji: DatasetEntry<EmojiOptions, Partial<EmojiOptions>> = {
  summary: "the same emoji drawn by two vendors (default twitter -> google), fetched from npm",
  sizes: "about 1.7k unpaired per domain + 0.4k paired test (with skin tones), 32 or 64 px",
  licence:
    `packages MIT; artwork: twitter ${EMOJI_LICENCES.twitter}; google ${EMOJI_LICENCES.google}; ` +
    "apple and facebook: their owners' terms",
  options: emojiOptionsSchema,
  open: openEmoji,
  folders: emojiFolders,
};
