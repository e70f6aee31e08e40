/**
 * `scenes`: the built-in, procedural labels<->photo world, a stand-in for Cityscapes (the paper's
 * section 5.1 labels<->photo task) that needs no download, works at any size from 32 to 256
 * pixels, and has exact ground truth in both directions.
 *
 * - Domain A: label maps in the {@link PALETTE} (10 Cityscapes classes: road, sidewalk,
 *   building, pole, traffic sign, vegetation, terrain, sky, person, car), ray-cast from a random
 *   street: perspective from a pinhole camera, buildings with gaps and a skyline, trees, poles
 *   and signs, parked and moving cars, pedestrians, all occluding each other.
 * - Domain B: photos rendered from those label maps with per-class textures, colour variation,
 *   sun and soft shadows, haze, slight blur and noise.
 * - Train A and train B come from disjoint scenes (scene ids 3i and 3i+1: truly unpaired); test A
 *   and test B show the same scenes (ids 3i+2), paired by name for paired metrics.
 * - For a model that trains on pairs (pix2pix; `OpenContext.paired`), train B is instead the
 *   photo of train A's own scene (ids 3i for both): exact aligned pairs, the same label maps as
 *   the unpaired train A, and the same test split.
 *
 * Everything is deterministic from `seed`; a scene is generated when first loaded (plain JS
 * typed arrays, about 1 ms at 64x64) and kept in memory.
 *
 * ```ts
 * import { generateScene, openScenes, resolveScenesOptions } from "./scenes.ts";
 * import { Rng } from "../nn/rng.ts";
 * const scene = generateScene(0, 7, 64);   // { labels, labelPixels, photo }
 * const ds = await openScenes(resolveScenesOptions({ size: 64, train_count: 200 }));
 * const x = ds.train.load("B", 3, new Rng(0)); // a 64x64 photo crop in [-1, 1]
 * x.dispose();
 * ```
 * @module
 */
import { z } from "zod";
import { Rng } from "../nn/rng.ts";
import {
  type Dataset,
  type DatasetEntry,
  DatasetError,
  type RawFolder,
  type TestSplit,
} from "./_common.ts";
import { makeLayout, rasterLabels } from "./_scene_layout.ts";
import { renderPhoto } from "./_scene_photo.ts";
import { labelsToPixels, PALETTE, SCENE_CLASSES } from "./palette.ts";
import type { Pixels } from "./pixels.ts";
import {
  checkCropFitsLoad,
  cropsRandomly,
  prepare,
  preparedSize,
  prepareEval,
  type PreprocessOptions,
  preprocessShape,
} from "./preprocess.ts";
import { imageSet, type PreparedList, PreparedSource } from "./source.ts";
import { describeIssues } from "../registry.ts";

export { PALETTE, SCENE_CLASSES };

/** Version of the generator; bumped whenever a seed's images change, so fingerprints do. */
export const SCENES_VERSION = "v1";

/** Smallest and largest image side. */
export const SCENE_SIZE_RANGE: readonly [number, number] = [32, 256];

/** Options of the `scenes` dataset. */
export interface ScenesOptions extends PreprocessOptions {
  /** Seed of the whole world: the same seed gives the same images. */
  seed: number;
  /** Side of the generated (square) images, 32 to 256. */
  size: number;
  /** Training images per domain. */
  train_count: number;
  /** Paired test scenes. */
  test_count: number;
}

/**
 * Zod schema of {@link ScenesOptions}. `load_size` defaults to `size` * 286/256 and
 * `crop_size` to `size`, the official 286 -> 256 jitter scaled to the image size.
 */
export const scenesOptionsSchema: z.ZodType<ScenesOptions, Partial<ScenesOptions>> = z
  .strictObject({
    seed: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER).default(0).describe(
      "seed of the generated world",
    ),
    size: z.number().int().min(SCENE_SIZE_RANGE[0]).max(SCENE_SIZE_RANGE[1]).default(64).describe(
      "side of the generated square images (32-256)",
    ),
    train_count: z.number().int().min(1).default(500).describe("training images per domain"),
    test_count: z.number().int().min(1).default(100).describe("paired test scenes"),
    ...preprocessShape,
    load_size: z.number().int().min(1).optional().describe(
      "resize to this size; default size * 286/256",
    ),
    crop_size: z.number().int().min(1).optional().describe("crop to this size; default size"),
  }).transform((o): ScenesOptions => ({
    ...o,
    load_size: o.load_size ?? Math.round((o.size * 286) / 256),
    crop_size: o.crop_size ?? o.size,
  })).superRefine((o, ctx) => {
    const problem = checkCropFitsLoad(o);
    if (problem) ctx.addIssue({ code: "custom", path: ["crop_size"], message: problem });
    if (o.preprocess === "crop" && o.crop_size > o.size) {
      ctx.addIssue({
        code: "custom",
        path: ["crop_size"],
        message: `crop_size ${o.crop_size} is larger than the ${o.size}x${o.size} scenes`,
      });
    }
  });

/** Fills in defaults and validates; every problem is reported at once, each naming its option. */
export function resolveScenesOptions(options: Partial<ScenesOptions> = {}): ScenesOptions {
  const r = scenesOptionsSchema.safeParse(options);
  if (!r.success) {
    throw new DatasetError(`scenes dataset: ${describeIssues(r.error)}`);
  }
  return r.data;
}

/** The folders of the dataset and which scene each image shows. */
export const SCENE_FOLDERS = ["trainA", "trainB", "testA", "testB"] as const;

/**
 * The scene id of image `index` in `folder`: train A uses ids 3i, train B 3i + 1, test A and
 * test B both 3i + 2. So the unpaired training domains never share a scene, whatever the counts,
 * and the test split is paired.
 */
export function sceneId(folder: typeof SCENE_FOLDERS[number], index: number): number {
  return 3 * index + (folder === "trainA" ? 0 : folder === "trainB" ? 1 : 2);
}

/**
 * The rng seed of scene `id` in the world of `seed`: a 32-bit hash of `seed` plus `id`, put
 * through a bijection of 32-bit words, so distinct ids always get distinct rng streams (and
 * train A and train B can never draw the same scene by a seed collision).
 */
function sceneSeed(seed: number, id: number): number {
  let s = Math.imul(
    (seed % 4294967296) ^ Math.imul(Math.floor(seed / 4294967296), 0x9e3779b1),
    0x85ebca6b,
  );
  s ^= s >>> 15;
  let h = (s + id) | 0;
  h = Math.imul(h ^ (h >>> 16), 0x7feb352d);
  h = Math.imul(h ^ (h >>> 15), 0x846ca68b);
  return (h ^ (h >>> 16)) >>> 0;
}

/** One generated scene. */
export interface Scene {
  /** Class id per pixel (row-major), the ground truth. */
  labels: Uint8Array;
  /** The label map in palette colours (domain A). */
  labelPixels: Pixels;
  /** The rendered photo (domain B); omitted when not asked for. */
  photo?: Pixels;
}

/**
 * Generates scene `id` of the world `seed` at `size` x `size`: its label map and, unless
 * `photo: false`, its photo. The layout does not depend on `size`.
 */
export function generateScene(
  seed: number,
  id: number,
  size: number,
  options: { photo?: boolean } = {},
): Scene {
  if (!Number.isInteger(size) || size < SCENE_SIZE_RANGE[0] || size > SCENE_SIZE_RANGE[1]) {
    throw new RangeError(`generateScene: size must be an integer in [32, 256], got ${size}`);
  }
  const rng = new Rng(sceneSeed(seed, id));
  const layout = makeLayout(rng, size);
  const buffers = rasterLabels(layout);
  const scene: Scene = {
    labels: buffers.labels,
    labelPixels: labelsToPixels(buffers.labels, size, size),
  };
  if (options.photo !== false) {
    const data = renderPhoto(layout, buffers, rng.fork());
    scene.photo = { width: size, height: size, channels: 3, data };
  }
  return scene;
}

/** Train B for a paired model: the photo of train A's scene `index` (id 3i). */
function pairedPhoto(o: ScenesOptions, index: number): Pixels {
  return generateScene(o.seed, sceneId("trainA", index), o.size).photo!;
}

/** Image `index` of `folder` at the native size: a label map (A) or a photo (B). */
function rawImage(o: ScenesOptions, folder: typeof SCENE_FOLDERS[number], index: number): Pixels {
  const domainB = folder.endsWith("B");
  const scene = generateScene(o.seed, sceneId(folder, index), o.size, { photo: domainB });
  return domainB ? scene.photo! : scene.labelPixels;
}

/**
 * File name of image `index` of `folder`: its scene id, so train A and train B never share a
 * name (nothing pairs them by accident) while test A and test B share every name.
 */
export function sceneFileName(folder: typeof SCENE_FOLDERS[number], index: number): string {
  return `scene_${String(sceneId(folder, index)).padStart(6, "0")}.png`;
}

/** The raw images of every folder, for `data export`. */
export function scenesFolders(o: ScenesOptions): Record<string, RawFolder> {
  const folder = (f: typeof SCENE_FOLDERS[number], count: number): RawFolder => ({
    names: Array.from({ length: count }, (_, i) => sceneFileName(f, i)),
    get: (i) => rawImage(o, f, i),
  });
  return {
    trainA: folder("trainA", o.train_count),
    trainB: folder("trainB", o.train_count),
    testA: folder("testA", o.test_count),
    testB: folder("testB", o.test_count),
  };
}

/** A lazily generated, memoised list of prepared images. */
function lazyList(count: number, make: (i: number) => Pixels): PreparedList {
  const memo: (Pixels | undefined)[] = new Array(count);
  return { length: count, get: (i) => (memo[i] ??= make(i)) };
}

/**
 * Opens the `scenes` dataset; images are generated when first loaded. With `paired` (a model
 * that trains on aligned pairs) train B is the photo of train A's scene i (see the module doc).
 */
export function openScenes(o: ScenesOptions, paired = false): Promise<Dataset> {
  const [w, h] = preparedSize(o.size, o.size, o);
  const imageSize: [number, number] = cropsRandomly(o.preprocess) ? [o.crop_size, o.crop_size] : [
    h,
    w,
  ];
  const list = (folder: "trainA" | "trainB", channels: number) =>
    lazyList(o.train_count, (i) => prepare(rawImage(o, folder, i), o, channels));
  const pairedB = () => lazyList(o.train_count, (i) => prepare(pairedPhoto(o, i), o, o.output_nc));
  const train = new PreparedSource(
    { A: list("trainA", o.input_nc), B: paired ? pairedB() : list("trainB", o.output_nc) },
    o,
    imageSize,
    `scenes-${SCENES_VERSION}-seed${o.seed}-${o.size}px-${o.train_count}${paired ? "-paired" : ""}`,
    paired,
  );
  let test: Promise<TestSplit> | undefined;
  const makeTest = (): TestSplit => {
    const scenes = Array.from(
      { length: o.test_count },
      (_, i) => generateScene(o.seed, sceneId("testA", i), o.size),
    );
    const a = scenes.map((s) => prepareEval(s.labelPixels, o, o.input_nc));
    const b = scenes.map((s) => prepareEval(s.photo!, o, o.output_nc));
    const names = scenes.map((_, i) => sceneFileName("testA", i));
    const size: [number, number] = [a[0].height, a[0].width];
    return {
      A: imageSet({ length: a.length, get: (i) => a[i] }, names, {
        channels: o.input_nc,
        imageSize: size,
      }),
      B: imageSet({ length: b.length, get: (i) => b[i] }, names, {
        channels: o.output_nc,
        imageSize: size,
      }),
      paired: true,
      pairs: names.map((_, i) => [i, i] as const),
    };
  };
  return Promise.resolve({
    kind: "scenes",
    train,
    hasTest: true,
    warnings: [],
    skipped: [],
    test: () => (test ??= Promise.resolve().then(makeTest)),
  });
}

/** The `scenes` registry entry. */
export const scenes: DatasetEntry<ScenesOptions, Partial<ScenesOptions>> = {
  summary: "built-in procedural street scenes: Cityscapes-like label maps (A) <-> photos (B)",
  sizes: "any count (default 500 unpaired per domain + 100 paired test), 32-256 px square " +
    "(default 64)",
  licence: "generated by cyclebench (MIT, like the code)",
  options: scenesOptionsSchema,
  open: (o, context) => openScenes(o, context?.paired === true),
  folders: scenesFolders,
};
