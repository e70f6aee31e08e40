/**
 * What every dataset kind shares: the train source the trainer reads, the evaluation split, the
 * registry entry type, and the error for data a user must fix.
 * @module
 */
import type { z } from "zod";
import type { tf } from "../tf.ts";
import { UserError } from "../cli/_errors.ts";
import type { UnalignedSource } from "../train/data.ts";
import type { Pixels } from "./pixels.ts";

/** The trainer's view of a dataset (defined by the trainer, implemented here). */
export type { Domain, UnalignedSource } from "../train/data.ts";

/** Images of one evaluation domain, under the deterministic evaluation transform. */
export interface ImageSet {
  /** Number of images. */
  readonly length: number;
  /** One name per image: the path under the domain folder (`sub/0001.png`), or a scene name. */
  readonly names: readonly string[];
  /** Channels of each image. */
  readonly channels: number;
  /** Height and width of every image. */
  readonly imageSize: [number, number];
  /** Image `index` as bytes (`channels` 1 or 3). */
  pixels(index: number): Pixels;
  /** Image `index` as `[h, w, c]` in [-1, 1]; the caller disposes it. */
  get(index: number): tf.Tensor3D;
  /** Images `start` (inclusive) to `end` (exclusive) as `[n, h, w, c]` in [-1, 1]. */
  batch(start: number, end: number): tf.Tensor4D;
}

/**
 * The test split for evaluation: both domains under the deterministic transform, and the
 * pairs of images that show the same thing (same file name, or the same scene).
 */
export interface TestSplit {
  /** Domain A test images. */
  readonly A: ImageSet;
  /** Domain B test images. */
  readonly B: ImageSet;
  /** Every A image has exactly one B partner and vice versa (paired metrics apply). */
  readonly paired: boolean;
  /** `[indexA, indexB]` of each pair, in A's order; empty when nothing pairs. */
  readonly pairs: ReadonlyArray<readonly [number, number]>;
}

/** A dataset opened for a run: its training source and (lazily) its test split. */
export interface Dataset {
  /** The registry name (`folder`, `scenes`). */
  readonly kind: string;
  /** The training images. */
  readonly train: UnalignedSource;
  /** Whether {@link Dataset.test} has images to load. */
  readonly hasTest: boolean;
  /** Loads (once) and returns the test split; rejects with a DatasetError when there is none. */
  test(): Promise<TestSplit>;
  /** Messages about images that were skipped (`on_bad_image: skip`). */
  readonly warnings: readonly string[];
  /**
   * The images that were skipped, by folder: the training split's when opened, the test
   * split's added when {@link Dataset.test} loads it. {@link describeSkipped} words them.
   */
  readonly skipped: readonly SkippedImage[];
}

/** An image left out because it could not be read or decoded (`on_bad_image: skip`). */
export interface SkippedImage {
  /** The folder it is in, as the dataset names it (`trainA`). */
  readonly folder: string;
  /** Its path inside that folder (`sub/a.png`). */
  readonly file: string;
}

/** How many skipped images {@link describeSkipped} names before "and N more". */
export const SKIPPED_SHOWN = 5;

/**
 * One line per folder naming its skipped images (the first {@link SKIPPED_SHOWN}, then
 * "and N more"), so that a run on fewer images than the folder holds says so.
 *
 * @example
 * ```ts
 * describeSkipped([{ folder: "trainA", file: "a.png" }]);
 * // ["skipped 1 unreadable image(s) in trainA/: a.png"]
 * ```
 */
export function describeSkipped(skipped: readonly SkippedImage[]): string[] {
  const byFolder = new Map<string, string[]>();
  for (const s of skipped) byFolder.set(s.folder, [...(byFolder.get(s.folder) ?? []), s.file]);
  return [...byFolder].map(([folder, files]) =>
    `skipped ${files.length} unreadable image(s) in ${folder}/: ` +
    files.slice(0, SKIPPED_SHOWN).join(", ") +
    (files.length > SKIPPED_SHOWN ? ` and ${files.length - SKIPPED_SHOWN} more` : "")
  );
}

/** The raw images of one folder of a built-in dataset (for `data export`). */
export interface RawFolder {
  /** File names, one per image (`00000.png`). */
  readonly names: readonly string[];
  /** Image `index` at its native size (RGB, or RGBA as stored). */
  get(index: number): Pixels | Promise<Pixels>;
}

/** Hooks the caller may pass when opening a dataset. */
export interface OpenContext {
  /** Receives warnings (skipped images); default `console.warn`. */
  warn?: (message: string) => void;
  /**
   * The model trains on aligned pairs (pix2pix): a dataset that can give them returns a train
   * source with `paired: true` (`scenes`: both domains from the same scenes; `folder`: the
   * aligned layout or trainA/trainB paired by file name, else a DatasetError); one that cannot
   * (`emoji`) ignores it, and the sweep reports the model/data mismatch before training.
   */
  paired?: boolean;
}

/**
 * One dataset kind in the `dataset` registry; `O` are its resolved options, `I` the options as
 * a config gives them.
 */
export interface DatasetEntry<O = unknown, I = O> {
  /** One line for help texts and `data list`. */
  readonly summary: string;
  /** Sizes: image counts and resolutions. */
  readonly sizes: string;
  /** Licence of the images. */
  readonly licence: string;
  /** The kind's options: schema, defaults and docs (`.describe()`); strict. */
  readonly options: z.ZodType<O, I>;
  /** Opens the dataset for training and evaluation; options are already resolved. */
  open(options: O, context?: OpenContext): Promise<Dataset>;
  /** Built-in datasets: the raw images by folder (`trainA`, ...) for `data export`. */
  folders?(options: O): Record<string, RawFolder> | Promise<Record<string, RawFolder>>;
}

/**
 * Data a user must fix (missing folder, corrupt image, crop too large); the CLIs print the
 * message alone and exit with code 2.
 */
export class DatasetError extends UserError {
  /**
   * An error about the data, printed alone by the CLIs (exit code 2).
   * @param message What could not be done, the offending path or value, what was expected.
   */
  constructor(message: string) {
    super(message, 2);
    this.name = "DatasetError";
  }
}

/** Throws a RangeError unless `index` is an integer in [0, size). */
export function checkIndex(what: string, index: number, size: number): void {
  if (!Number.isInteger(index) || index < 0 || index >= size) {
    throw new RangeError(`${what}: index ${index} is out of range [0, ${size})`);
  }
}
