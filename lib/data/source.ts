/**
 * The one path from prepared bytes to tensors that every dataset kind uses: a training source
 * (random crop and flip per load) and evaluation image sets (no randomness).
 *
 * ```ts
 * import { PreparedSource } from "./source.ts";
 * import { resolvePreprocess } from "./preprocess.ts";
 * import { Rng } from "../nn/rng.ts";
 * const p = resolvePreprocess({ load_size: 8, crop_size: 4 });
 * const img = { width: 8, height: 8, channels: 3, data: new Uint8Array(192) };
 * const list = { length: 1, get: () => img };
 * const source = new PreparedSource({ A: list, B: list }, p, [4, 4]);
 * const x = source.load("A", 0, new Rng(0)); // [4, 4, 3] in [-1, 1]
 * x.dispose();
 * ```
 * @module
 */
import { tf } from "../tf.ts";
import type { Rng } from "../nn/rng.ts";
import { checkIndex, type Domain, type ImageSet, type UnalignedSource } from "./_common.ts";
import type { Pixels } from "./pixels.ts";
import { augment, type PreprocessOptions, toSigned } from "./preprocess.ts";

/** Images after the deterministic transform, fetched by index (from memory, disk or a generator). */
export interface PreparedList {
  /** Number of images. */
  readonly length: number;
  /** Image `index`; synchronous so that loading never awaits. */
  get(index: number): Pixels;
}

/**
 * An {@link UnalignedSource} over two prepared lists: each load crops and flips at random
 * (from the caller's rng) and scales to [-1, 1].
 */
export class PreparedSource implements UnalignedSource {
  readonly sizeA: number;
  readonly sizeB: number;
  readonly channelsA: number;
  readonly channelsB: number;
  readonly imageSize: [number, number];
  readonly fingerprint?: string;
  readonly paired?: boolean;
  readonly #lists: { A: PreparedList; B: PreparedList };
  readonly #options: PreprocessOptions;

  /**
   * @param lists Prepared images of each domain (A with `input_nc` channels, B `output_nc`).
   * @param options The preprocessing they were prepared with (crop and flip come from it).
   * @param imageSize Height and width of every loaded image.
   * @param fingerprint Changes when the images or their preprocessing change.
   * @param paired Aligned pairs: image i of A shows what image i of B shows (equal counts and
   *   sizes, so one crop/flip draw fits both; see `UnalignedSource.paired`).
   */
  constructor(
    lists: { A: PreparedList; B: PreparedList },
    options: PreprocessOptions,
    imageSize: [number, number],
    fingerprint?: string,
    paired = false,
  ) {
    if (paired && lists.A.length !== lists.B.length) {
      throw new RangeError(
        `Cannot pair ${lists.A.length} A images with ${lists.B.length} B images: aligned ` +
          `pairs need equal counts`,
      );
    }
    this.fingerprint = fingerprint;
    if (paired) this.paired = true;
    this.#lists = lists;
    this.#options = options;
    this.sizeA = lists.A.length;
    this.sizeB = lists.B.length;
    this.channelsA = options.input_nc;
    this.channelsB = options.output_nc;
    this.imageSize = imageSize;
  }

  /** Image `index` of `domain`, randomly cropped and flipped, `[h, w, c]` in [-1, 1]. */
  load(domain: Domain, index: number, rng: Rng): tf.Tensor3D {
    if (domain !== "A" && domain !== "B") {
      throw new RangeError(`load: domain must be "A" or "B", got ${JSON.stringify(domain)}`);
    }
    const list = this.#lists[domain];
    checkIndex(`load(${domain})`, index, list.length);
    const values = augment(list.get(index), this.#options, rng);
    const [h, w] = this.imageSize;
    const c = domain === "A" ? this.channelsA : this.channelsB;
    if (values.length !== h * w * c) {
      throw new Error(
        `load(${domain}, ${index}): image is not ${h}x${w}x${c} after preprocessing ` +
          `(${values.length} values)`,
      );
    }
    return tf.tensor3d(values, [h, w, c]);
  }
}

/** An {@link ImageSet} over evaluation-prepared images that all share one size. */
export function imageSet(
  list: PreparedList,
  names: readonly string[],
  options: { channels: number; imageSize: [number, number] },
): ImageSet {
  const { channels, imageSize } = options;
  const [h, w] = imageSize;
  const pixels = (index: number): Pixels => {
    checkIndex("ImageSet.pixels", index, list.length);
    return list.get(index);
  };
  return {
    length: list.length,
    names,
    channels,
    imageSize,
    pixels,
    get: (index) => tf.tensor3d(toSigned(pixels(index)), [h, w, channels]),
    batch(start, end) {
      if (!Number.isInteger(start) || !Number.isInteger(end) || start < 0 || end > list.length) {
        throw new RangeError(`ImageSet.batch: [${start}, ${end}) is outside [0, ${list.length})`);
      }
      const n = Math.max(0, end - start);
      const per = h * w * channels;
      const values = new Float32Array(n * per);
      for (let i = 0; i < n; i++) values.set(toSigned(list.get(start + i)), i * per);
      return tf.tensor4d(values, [n, h, w, channels]);
    },
  };
}

/**
 * `[indexA, indexB]` for every A name whose stem (name without extension) is also a B name,
 * and whether that pairs every image of both domains.
 */
export function pairByName(
  namesA: readonly string[],
  namesB: readonly string[],
): { pairs: [number, number][]; paired: boolean } {
  const stem = (n: string) => n.replace(/\.[^./]*$/, "");
  const inB = new Map<string, number>();
  namesB.forEach((n, i) => inB.set(stem(n), i));
  const pairs: [number, number][] = [];
  namesA.forEach((n, i) => {
    const j = inB.get(stem(n));
    if (j !== undefined) pairs.push([i, j]);
  });
  // A bijection: every A found a partner and every B was used exactly once.
  const paired = pairs.length > 0 && pairs.length === namesA.length &&
    new Set(pairs.map(([, j]) => j)).size === namesB.length;
  return { pairs, paired };
}
