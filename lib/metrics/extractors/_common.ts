/**
 * What every feature extractor is: a function from images to feature vectors, with a name
 * that goes into every table header and a fingerprint that keys the statistics cache.
 * @module
 */
import type { z } from "zod";
import type { tf } from "../../tf.ts";

/** A feature extractor, ready to run. */
export interface Extractor {
  /** Registry name, used in column headers: `FID[<name>]`. */
  readonly name: string;
  /** Feature dimension. */
  readonly dims: number;
  /**
   * Everything that determines the features, for cache keys: name, version, weights (their
   * content hash for loaded ones) and preprocessing.
   */
  readonly fingerprint: string;
  /** How images are turned into network input, in words (printed and recorded). */
  readonly preprocessing: string;
  /**
   * Features of a batch: `images` is `[n, h, w, 3]` float32 RGB in [0, 255] (any size; the
   * extractor resizes), the result `[n, dims]`. The caller disposes both.
   */
  features(images: tf.Tensor4D): tf.Tensor2D;
  /** Frees the weights. */
  dispose(): void;
}

/** One entry of the `extractor` registry; `O` are its resolved options, `I` as a config gives them. */
export interface ExtractorEntry<O = unknown, I = O> {
  /** One line for help texts. */
  readonly summary: string;
  /** Its options: schema, defaults and docs (`.describe()`); strict. */
  readonly options: z.ZodType<O, I>;
  /** Builds (or loads) the extractor; options are already resolved. */
  create(options: O): Promise<Extractor>;
}
