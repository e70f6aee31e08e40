/**
 * Metrics over image folders, as the `metrics` command computes them: features of a folder
 * through the statistics cache, and paired scores over the files two folders share by name.
 *
 * ```ts
 * import { featuresOfFolder, pairedScoresOfFolders } from "./folders.ts";
 * const { features, cached } = await featuresOfFolder("datasets/h2z/testB", net);
 * const { scores } = await pairedScoresOfFolders("results/run1/fakeB", "datasets/h2z/testB");
 * ```
 * @module
 */
import type { Extractor } from "./extractors/_common.ts";
import type { FeatureMatrix } from "./features.ts";
import { MetricError } from "./features.ts";
import {
  extractFeatures,
  type ExtractOptions,
  type ImageFolder,
  readImageFolder,
} from "./images.ts";
import { type PairedScores, pairedScores } from "./paired.ts";
import {
  DEFAULT_STATS_CACHE,
  getCachedFeatures,
  putCachedFeatures,
  statsKey,
} from "./stats_cache.ts";

/** Options of {@link featuresOfFolder}. */
export interface FolderFeaturesOptions extends ExtractOptions {
  /** Statistics cache directory; null turns the cache off (default `results/.cache/stats`). */
  cacheDir?: string | null;
}

/** Features of a folder and where they came from. */
export interface FolderFeatures {
  /** One row per image, in sorted name order. */
  readonly features: FeatureMatrix;
  /** The images' names. */
  readonly names: readonly string[];
  /** Whether they were read from the cache. */
  readonly cached: boolean;
}

/**
 * Features of every image in `dir` (a path, or a folder already read) by `extractor`, from the
 * cache when the folder's content, the extractor and the preprocessing match an entry, else
 * extracted and stored.
 */
export async function featuresOfFolder(
  dir: string | ImageFolder,
  extractor: Extractor,
  options: FolderFeaturesOptions = {},
): Promise<FolderFeatures> {
  const folder = typeof dir === "string" ? await readImageFolder(dir) : dir;
  const cacheDir = options.cacheDir === undefined ? DEFAULT_STATS_CACHE : options.cacheDir;
  const key = cacheDir === null
    ? undefined
    : await statsKey({ dataset: folder.hash, extractor: extractor.fingerprint });
  if (key) {
    const hit = await getCachedFeatures(key, { dir: cacheDir! });
    if (hit && hit.rows === folder.names.length && hit.cols === extractor.dims) {
      return { features: hit, names: folder.names, cached: true };
    }
  }
  const features = await extractFeatures(
    extractor,
    folder.names.length,
    (i) => folder.image(i),
    options,
  );
  if (key) {
    await putCachedFeatures(key, features, {
      dir: folder.dir,
      images: folder.names.length,
      dataset: folder.hash,
      extractor: extractor.fingerprint,
      preprocessing: extractor.preprocessing,
    }, { dir: cacheDir! });
  }
  return { features, names: folder.names, cached: false };
}

/** Paired scores of two folders and how their files were matched. */
export interface FolderPairs {
  /** Scores over the matched pairs. */
  readonly scores: PairedScores;
  /** Names present in both folders (scored). */
  readonly matched: readonly string[];
  /** Names only in the prediction folder. */
  readonly onlyPred: readonly string[];
  /** Names only in the ground-truth folder. */
  readonly onlyTrue: readonly string[];
}

/** The name without its extension, so `x.png` and `x.jpg` pair up. */
function stem(name: string): string {
  return name.replace(/\.[^./]*$/, "");
}

/**
 * L1, PSNR and SSIM over the images of `predDir` and `trueDir` that share a name (without the
 * extension). No shared name, or a pair of different sizes, is a {@link MetricError}.
 */
export async function pairedScoresOfFolders(
  predDir: string,
  trueDir: string,
): Promise<FolderPairs> {
  const pred = await readImageFolder(predDir), truth = await readImageFolder(trueDir);
  const trueIndex = new Map(truth.names.map((n, i) => [stem(n), i]));
  const predStems = new Set(pred.names.map(stem));
  const matched: string[] = [], onlyPred: string[] = [];
  const preds = [], truths = [];
  for (let i = 0; i < pred.names.length; i++) {
    const j = trueIndex.get(stem(pred.names[i]));
    if (j === undefined) {
      onlyPred.push(pred.names[i]);
      continue;
    }
    const p = await pred.image(i), t = await truth.image(j);
    if (p.width !== t.width || p.height !== t.height) {
      throw new MetricError(
        `"${pred.names[i]}" is ${p.width}x${p.height} in "${predDir}" but ${t.width}x${t.height} ` +
          `in "${trueDir}"; paired scores need images of the same size`,
      );
    }
    matched.push(pred.names[i]);
    preds.push(p);
    truths.push(t);
  }
  const onlyTrue = truth.names.filter((n) => !predStems.has(stem(n)));
  if (matched.length === 0) {
    throw new MetricError(
      `no image names in common between "${predDir}" (${pred.names.length} images) and ` +
        `"${trueDir}" (${truth.names.length} images)`,
    );
  }
  return { scores: pairedScores(preds, truths), matched, onlyPred, onlyTrue };
}
