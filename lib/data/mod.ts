/**
 * The `dataset` registry: one module per dataset kind, found by name, each owning its options
 * (schema, defaults, docs). Every kind opens to the same two things: an {@link UnalignedSource}
 * for the trainer (random crop and flip per load, values in [-1, 1]) and a {@link TestSplit}
 * for evaluation (deterministic transform, pairs when the domains show the same things).
 *
 * | name     | what                                                                |
 * |----------|---------------------------------------------------------------------|
 * | `folder` | your images in the official layout (trainA/, trainB/, testA/, testB/) |
 * | `scenes` | built-in procedural street scenes, label maps <-> photos, any size    |
 * | `emoji`  | the same emoji by two vendors (npm emoji-datasource-*), 32 or 64 px   |
 *
 * ```ts
 * import { openDataset } from "./mod.ts";
 * import { Rng } from "../nn/rng.ts";
 * const ds = await openDataset("scenes", { size: 64, train_count: 100 });
 * const a = ds.train.load("A", 0, new Rng(1)); // [64, 64, 3] label map crop in [-1, 1]
 * a.dispose();
 * const test = await ds.test();               // test.paired === true
 * const h2z = await openDataset("folder", { dataroot: "datasets/horse2zebra" });
 * ```
 * @module
 */
import type { Dataset, DatasetEntry, OpenContext } from "./_common.ts";
import { DatasetError } from "./_common.ts";
import { emoji } from "./emoji.ts";
import { folder } from "./folder.ts";
import { scenes } from "./scenes.ts";

export {
  type Dataset,
  type DatasetEntry,
  DatasetError,
  describeSkipped,
  type Domain,
  type ImageSet,
  type OpenContext,
  type RawFolder,
  SKIPPED_SHOWN,
  type SkippedImage,
  type TestSplit,
  type UnalignedSource,
} from "./_common.ts";
export {
  BAD_IMAGE_POLICIES,
  folder,
  type FolderOptions,
  type FolderOptionsInput,
  folderOptionsSchema,
  openFolder,
} from "./folder.ts";
export {
  generateScene,
  openScenes,
  type Scene,
  SCENE_FOLDERS,
  sceneId,
  scenes,
  type ScenesOptions,
  scenesOptionsSchema,
} from "./scenes.ts";
export {
  CLASS_ID,
  labelsToPixels,
  nearestPaletteLabels,
  type NearestPaletteOptions,
  PALETTE,
  SCENE_CLASSES,
  type SceneClass,
} from "./palette.ts";
export {
  emoji,
  EMOJI_LICENCES,
  EMOJI_PACKAGE_VERSION,
  EMOJI_VENDORS,
  type EmojiItem,
  type EmojiOptions,
  emojiOptionsSchema,
  type EmojiVendor,
  isTestEmoji,
  openEmoji,
} from "./emoji.ts";
import { describeIssues } from "../registry.ts";
export { PREPROCESS_MODES, type PreprocessMode, type PreprocessOptions } from "./preprocess.ts";
export type { Pixels } from "./pixels.ts";
export { benchLoading, type BenchLoadingOptions } from "./bench.ts";
export { clearMemoryCache } from "./cache.ts";

/** Every dataset kind by name. Adding one: a module plus one line here. */
export const dataset: Readonly<{
  folder: typeof folder;
  scenes: typeof scenes;
  emoji: typeof emoji;
}> = Object.freeze({ folder, scenes, emoji });

/** A registered dataset kind. */
export type DatasetName = keyof typeof dataset;

/** The valid dataset names, in registry order. */
export const DATASET_NAMES = Object.keys(dataset) as DatasetName[];

/** Options of a dataset kind as a config may give them (any subset; defaults for the rest). */
export type DatasetOptionsInput<N extends DatasetName> = typeof dataset[N] extends
  DatasetEntry<unknown, infer I> ? I : never;

/** Resolved options of a dataset kind. */
export type DatasetOptions<N extends DatasetName> = typeof dataset[N] extends
  DatasetEntry<infer O, unknown> ? O : never;

/** Whether `name` is a registered dataset kind. */
export function isDatasetName(name: string): name is DatasetName {
  return Object.hasOwn(dataset, name);
}

/** The entry of `name`, or a DatasetError listing the valid names. */
export function datasetEntry(name: string): DatasetEntry<unknown, unknown> {
  if (!isDatasetName(name)) {
    throw new DatasetError(
      `unknown dataset "${name}"; expected one of ${DATASET_NAMES.join(", ")}`,
    );
  }
  return dataset[name] as DatasetEntry<unknown, unknown>;
}

/**
 * Fills in defaults and validates: unknown keys and bad values are errors, all reported at
 * once in one {@link DatasetError}, each naming the option.
 */
export function resolveDatasetOptions<N extends DatasetName>(
  name: N,
  options: DatasetOptionsInput<N>,
): DatasetOptions<N> {
  const r = datasetEntry(name).options.safeParse(options);
  if (!r.success) {
    throw new DatasetError(`dataset ${name}: ${describeIssues(r.error)}`);
  }
  return Object.freeze(r.data) as DatasetOptions<N>;
}

/**
 * Resolves the options and opens the dataset: all checks that can fail (layout, bad images,
 * sizes) happen here, before training starts.
 */
export async function openDataset<N extends DatasetName>(
  name: N,
  options: DatasetOptionsInput<N>,
  context?: OpenContext,
): Promise<Dataset> {
  const resolved = resolveDatasetOptions(name, options);
  return await datasetEntry(name).open(resolved, context);
}
