/**
 * The `extractor` registry: the networks that turn images into the features FID and KID
 * compare. Numbers from different extractors are never comparable, so every table and JSON key
 * names the extractor: {@link metricLabel} makes `FID[random-conv-s0]`.
 *
 * | name             | what                                                              |
 * |------------------|-------------------------------------------------------------------|
 * | `random-conv-s0` | built-in fixed random conv net, 480-d; the default, no download     |
 * | `inception-v3`   | the standard FID network, 2048-d, from a local TF.js model directory |
 * | `scenes-net`     | the trained `scenes-fcn` segmenter's encoder averages, 120-d (committed) |
 *
 * ```ts
 * import { createExtractor, metricLabel } from "./mod.ts";
 * const net = await createExtractor("random-conv-s0");
 * metricLabel("FID", net.name); // "FID[random-conv-s0]"
 * net.dispose();
 * ```
 * @module
 */
import { lookup, parseOptions } from "../../registry.ts";
import { MetricError } from "../features.ts";
import type { Extractor, ExtractorEntry } from "./_common.ts";
import { type InceptionOptions, inceptionV3 } from "./inception_v3.ts";
import { randomConvS0 } from "./random_conv.ts";
import { scenesNet } from "./scenes_net.ts";

export type { Extractor, ExtractorEntry } from "./_common.ts";
export { INCEPTION_ENV, type InceptionOptions, INPUT_RANGES } from "./inception_v3.ts";
export { RANDOM_CONV_S0, randomConvNet, type RandomConvSpec } from "./random_conv.ts";
export { type LoadedModel, loadModelDir, modelDirHandler } from "./model_dir.ts";
export { type ScenesNetFeatures, segmenterExtractor } from "./scenes_net.ts";

/** Every extractor by name. Adding one: a module plus one line here. */
export const extractor: Readonly<{
  "random-conv-s0": ExtractorEntry<Record<string, never>>;
  "inception-v3": ExtractorEntry<InceptionOptions, Partial<InceptionOptions>>;
  "scenes-net": ExtractorEntry<Record<string, never>>;
}> = Object.freeze({
  "random-conv-s0": randomConvS0,
  "inception-v3": inceptionV3,
  "scenes-net": scenesNet,
});

/** An extractor name. */
export type ExtractorName = keyof typeof extractor;

/** The valid extractor names. */
export const EXTRACTOR_NAMES = Object.keys(extractor) as ExtractorName[];

/**
 * The extractor used when none is named and nothing is known about the images (the `metrics`
 * command on folders): the download-free random network, which assumes no domain.
 */
export const DEFAULT_EXTRACTOR: ExtractorName = "random-conv-s0";

/**
 * The built-in extractor of a dataset, what a run's `eval.extractor: auto` means: `scenes-net`
 * (trained on the `scenes` photos) for `scenes`, {@link DEFAULT_EXTRACTOR} for every other
 * dataset. Chosen by measurement (`extractor_study.ts`, numbers in `lib/metrics/README.md`).
 *
 * ```ts
 * builtinExtractor("scenes"); // "scenes-net"
 * builtinExtractor("emoji");  // "random-conv-s0"
 * ```
 */
export function builtinExtractor(dataset: string): ExtractorName {
  return dataset === "scenes" ? "scenes-net" : DEFAULT_EXTRACTOR;
}

/** Whether `name` is a registered extractor. */
export function isExtractorName(name: string): name is ExtractorName {
  return Object.hasOwn(extractor, name);
}

/**
 * Validates `options` for extractor `name` (defaults filled in); an unknown name or option is a
 * {@link MetricError} listing what is valid.
 */
export function resolveExtractorOptions(
  name: string,
  options: Record<string, unknown> = {},
): unknown {
  try {
    const entry = lookup(extractor, "extractor", name) as ExtractorEntry;
    return parseOptions(entry.options, `extractor ${name}`, options);
  } catch (e) {
    if (e instanceof RangeError) throw new MetricError(e.message);
    throw e;
  }
}

/**
 * Builds extractor `name` with `options` (validated first).
 *
 * ```ts
 * const net = await createExtractor("inception-v3", { weights: "weights/fid_inception" });
 * ```
 */
export async function createExtractor(
  name: string,
  options: Record<string, unknown> = {},
): Promise<Extractor> {
  const resolved = resolveExtractorOptions(name, options);
  return await (extractor[name as ExtractorName] as ExtractorEntry).create(resolved);
}

/**
 * The column header of a metric computed with an extractor: `metricLabel("FID",
 * "random-conv-s0")` is `"FID[random-conv-s0]"`. Tables and JSON keys use it so numbers from
 * different extractors are never mixed.
 */
export function metricLabel(metric: string, extractorName: string): string {
  return `${metric}[${extractorName}]`;
}
