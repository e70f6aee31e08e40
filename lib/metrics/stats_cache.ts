/**
 * The cache of real-image features, so the reference statistics of a test set are extracted
 * once per extractor, not once per evaluated checkpoint.
 *
 * An entry is the feature matrix (from which both FID's mean/covariance and KID's kernel values
 * follow) in a `.npy` file, keyed by the SHA-256 of the dataset's content hash, the extractor's
 * fingerprint (name, version, weights hash, its preprocessing) and the image loading. Any change
 * to an image, the network or the preprocessing gives a new key, so stale statistics are never
 * reused. Files are written atomically (temporary file, then rename); a file that cannot be
 * parsed counts as a miss.
 *
 * ```ts
 * import { getCachedFeatures, putCachedFeatures, statsKey } from "./stats_cache.ts";
 * const key = await statsKey({ dataset: folder.hash, extractor: net.fingerprint });
 * const feats = await getCachedFeatures(key) ?? await extractAndStore(key);
 * ```
 * @module
 */
import { ensureDir, joinPath, sha256Hex, writeFileAtomic } from "../io/atomic.ts";
import type { FeatureMatrix } from "./features.ts";
import { IMAGE_LOADING } from "./images.ts";
import { decodeNpy, encodeNpy } from "./npy.ts";

/** Default cache directory. */
export const DEFAULT_STATS_CACHE = "results/.cache/stats";

/** What determines cached features. */
export interface StatsKeyParts {
  /** Content hash of the images (e.g. `ImageFolder.hash`, or a built-in dataset's id). */
  dataset: string;
  /** The extractor's fingerprint (`Extractor.fingerprint`). */
  extractor: string;
  /** How images were read and prepared before the extractor (default: {@link IMAGE_LOADING}). */
  preprocessing?: string;
}

/** The cache key of `parts`: a hex SHA-256. */
export async function statsKey(parts: StatsKeyParts): Promise<string> {
  return await sha256Hex(JSON.stringify([
    "cyclebench-stats-v1",
    parts.dataset,
    parts.extractor,
    parts.preprocessing ?? IMAGE_LOADING,
  ]));
}

/** Options of the cache functions. */
export interface StatsCacheOptions {
  /** Cache directory (default {@link DEFAULT_STATS_CACHE}). */
  dir?: string;
}

function entryPath(key: string, options: StatsCacheOptions): string {
  if (!/^[0-9a-f]{64}$/.test(key)) throw new RangeError(`stats cache: bad key "${key}"`);
  return joinPath(options.dir ?? DEFAULT_STATS_CACHE, `${key}.npy`);
}

/** The cached features of `key`, or undefined (missing or unreadable entry). */
export async function getCachedFeatures(
  key: string,
  options: StatsCacheOptions = {},
): Promise<FeatureMatrix | undefined> {
  const path = entryPath(key, options);
  try {
    return decodeNpy(await Deno.readFile(path), path);
  } catch {
    return undefined;
  }
}

/**
 * Stores `features` under `key` (atomically), with a JSON sidecar describing the entry for
 * people (`meta`, not read back).
 */
export async function putCachedFeatures(
  key: string,
  features: FeatureMatrix,
  meta: Record<string, unknown> = {},
  options: StatsCacheOptions = {},
): Promise<void> {
  const path = entryPath(key, options);
  await ensureDir(options.dir ?? DEFAULT_STATS_CACHE);
  await writeFileAtomic(path, encodeNpy(features));
  await writeFileAtomic(
    path.replace(/\.npy$/, ".json"),
    JSON.stringify({ ...meta, rows: features.rows, cols: features.cols }, null, 2),
  );
}
