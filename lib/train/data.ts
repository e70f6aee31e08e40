/**
 * What the trainer reads images from: an {@link UnalignedSource} (two unpaired domains), and the
 * official unaligned sampling over it (official `data/unaligned_dataset.py` with PyTorch's
 * shuffling `DataLoader`; reference §1.8).
 *
 * One epoch visits `max(|A|, |B|)` dataset indices in an order shuffled per epoch; index `i`
 * gives A image `i mod |A|` and a B image drawn **at random** (or `i mod |B|` with
 * `serial_batches`), each with its own random crop and flip. A batch takes `batchSize`
 * consecutive indices of that order; as PyTorch's `DataLoader` (`drop_last=False`), the last
 * batch of an epoch is **smaller** when the batch size does not divide the epoch length, so an
 * epoch has `ceil(max(|A|, |B|) / batchSize)` iterations.
 *
 * Unlike the official loader, every draw is seeded: the epoch's order comes from a seed and the
 * epoch number alone (nothing to save), and the B picks, crops and flips come from the data
 * {@link Rng} the caller passes, whose state a checkpoint saves. So a batch is a pure function of
 * (source, epoch, iteration, batch size, order seed, data RNG state).
 *
 * ```ts
 * import { batchAt, tensorSource } from "./data.ts";
 * import { Rng } from "../nn/rng.ts";
 * const img = () => new Float32Array(8 * 8 * 3).fill(0.5);
 * const src = tensorSource([img(), img()], [img()], { imageSize: [8, 8] });
 * const { A, B } = batchAt(src, { epoch: 1, iteration: 0, batchSize: 2, orderSeed: 7 }, new Rng(0));
 * console.log(A.shape, B.shape); // [2, 8, 8, 3] [2, 8, 8, 3]
 * A.dispose();
 * B.dispose();
 * ```
 * @module
 */
import { tf } from "../tf.ts";
import { Rng } from "../nn/rng.ts";

/** Which of the two unpaired domains. */
export type Domain = "A" | "B";

/**
 * Two unpaired image domains, as the trainer consumes them. Folder datasets and procedural
 * datasets implement this; {@link tensorSource} is the in-memory one for tests.
 *
 * Contract for implementers:
 * - `load` returns a new `[h, w, channels]` float32 tensor (the caller disposes it) with values
 *   in [-1, 1], already preprocessed as training wants it (official order: resize to
 *   `load_size`, random crop to `imageSize`, random horizontal flip, normalise).
 * - Every random choice `load` makes (crop offset, flip) is drawn from `rng` and from nothing
 *   else, in a fixed order, so that the same RNG state gives the same tensor.
 * - `load` is synchronous: decode images up front or keep them cached; the trainer calls it
 *   between steps.
 */
export interface UnalignedSource {
  /** Number of images in domain A (`trainA`). */
  readonly sizeA: number;
  /** Number of images in domain B (`trainB`). */
  readonly sizeB: number;
  /** Channels of a loaded A image (`input_nc`). */
  readonly channelsA: number;
  /** Channels of a loaded B image (`output_nc`). */
  readonly channelsB: number;
  /** `[height, width]` of every loaded image (the official `crop_size`, both sides). */
  readonly imageSize: readonly [number, number];
  /**
   * Optional: a short string that changes when the images change (for example a hash of the
   * file names and sizes). It enters the run's config hash, so a checkpoint trained on other
   * data is not resumed by mistake.
   */
  readonly fingerprint?: string;
  /**
   * Optional: true when the domains are aligned pairs (official `aligned` dataset mode): image i
   * of A shows what image i of B shows, `sizeA === sizeB`, and `load` draws the same crop and
   * flip for both from the same RNG state. {@link batchAt} then takes B at A's index with A's
   * crop and flip, as the official `AlignedDataset.__getitem__` does; paired models (pix2pix)
   * need it.
   */
  readonly paired?: boolean;
  /**
   * Image `index` (0-based, below `sizeA` or `sizeB`) of `domain`, preprocessed, random
   * crop/flip drawn from `rng`. Returns a new tensor the caller disposes.
   */
  load(domain: Domain, index: number, rng: Rng): tf.Tensor3D;
}

/** What a checkpoint records about the data: sizes, channels, image size, fingerprint. */
export interface DataDescription {
  /** {@link UnalignedSource.sizeA}. */
  sizeA: number;
  /** {@link UnalignedSource.sizeB}. */
  sizeB: number;
  /** {@link UnalignedSource.channelsA}. */
  channelsA: number;
  /** {@link UnalignedSource.channelsB}. */
  channelsB: number;
  /** {@link UnalignedSource.imageSize}: the size the generators were trained at. */
  imageSize: [number, number];
  /** {@link UnalignedSource.fingerprint}, or null. */
  fingerprint: string | null;
  /** Present (true) only for an aligned source, so unpaired data describes itself as before. */
  paired?: true;
}

/**
 * The JSON-safe {@link DataDescription} of a source (part of the run's config hash, and what
 * `deno task translate` reads to resize its inputs to the training size).
 */
export function describeSource(src: UnalignedSource): DataDescription {
  return {
    sizeA: src.sizeA,
    sizeB: src.sizeB,
    channelsA: src.channelsA,
    channelsB: src.channelsB,
    imageSize: [src.imageSize[0], src.imageSize[1]],
    fingerprint: src.fingerprint ?? null,
    ...(src.paired ? { paired: true as const } : {}),
  };
}

/** Dataset indices per epoch: `max(|A|, |B|)`, as the official unaligned dataset's `__len__`. */
export function epochLength(src: UnalignedSource): number {
  return Math.max(src.sizeA, src.sizeB);
}

/**
 * Iterations per epoch: `ceil(epochLength / batchSize)`; the last one may be a smaller batch.
 *
 * ```ts
 * iterationsPerEpoch(src, 4); // 3 when max(|A|, |B|) is 10 (batches of 4, 4, 2)
 * ```
 */
export function iterationsPerEpoch(src: UnalignedSource, batchSize: number): number {
  if (!Number.isInteger(batchSize) || batchSize < 1) {
    throw new RangeError(`Cannot batch with batch_size ${batchSize}: expected an integer >= 1`);
  }
  return Math.ceil(epochLength(src) / batchSize);
}

/**
 * The order in which epoch `at.epoch` visits the dataset indices `0 .. length-1`: a Fisher-Yates
 * shuffle seeded by `orderSeed` and the epoch number (PyTorch's `RandomSampler` reshuffles
 * every epoch), so it needs no saved state.
 *
 * `at.orderSeed` is an integer in [0, 2^21); each run derives its own from its seed.
 */
export function epochOrder(
  length: number,
  at: { epoch: number; orderSeed: number },
): Uint32Array {
  const { epoch, orderSeed } = at;
  if (!Number.isInteger(orderSeed) || orderSeed < 0 || orderSeed >= 2 ** 21) {
    throw new RangeError(`Cannot shuffle with order seed ${orderSeed}: expected [0, 2^21)`);
  }
  if (!Number.isInteger(epoch) || epoch < 0 || epoch >= 2 ** 32) {
    throw new RangeError(`Cannot shuffle epoch ${epoch}: expected an integer in [0, 2^32)`);
  }
  const order = new Uint32Array(length);
  for (let i = 0; i < length; i++) order[i] = i;
  const rng = new Rng(orderSeed * 2 ** 32 + epoch);
  for (let i = length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    const t = order[i];
    order[i] = order[j];
    order[j] = t;
  }
  return order;
}

/** Where a batch is: which epoch, which iteration in it, and how batches are formed. */
export interface BatchPosition {
  /** The epoch number (the official numbering, from `epoch_count`). */
  epoch: number;
  /** The iteration within the epoch, from 0 to `iterationsPerEpoch - 1`. */
  iteration: number;
  /** `--batch_size`. */
  batchSize: number;
  /** The run's order seed (see {@link epochOrder}). */
  orderSeed: number;
  /** `--serial_batches`: indices in order, B at `i mod |B|` instead of at random. */
  serial?: boolean;
}

/** One training batch: `[n, h, w, c]` tensors in [-1, 1] and the image indices used. */
export interface Batch {
  /** Domain A images; the caller disposes. */
  A: tf.Tensor4D;
  /** Domain B images; the caller disposes. */
  B: tf.Tensor4D;
  /** Index of each A image. */
  indicesA: number[];
  /** Index of each B image. */
  indicesB: number[];
}

/**
 * The batch at `at`, drawing B picks, crops and flips from `rng` (which advances). For each
 * dataset index `i` of the batch, in order: the B index (random, or `i mod |B|` when serial),
 * then A's preprocessing draws, then B's, as the official `__getitem__`. An aligned source
 * (`paired`) takes B at A's index with A's crop and flip (the official `AlignedDataset` draws
 * one set of transform parameters for both): B is loaded from the RNG state A started from.
 *
 * ```ts
 * const batch = batchAt(src, { epoch: 1, iteration: 0, batchSize: 1, orderSeed: 3 }, dataRng);
 * ```
 */
export function batchAt(src: UnalignedSource, at: BatchPosition, rng: Rng): Batch {
  if (src.sizeA < 1 || src.sizeB < 1) {
    throw new RangeError(
      `Cannot draw a batch from ${src.sizeA} A and ${src.sizeB} B images: both domains need one`,
    );
  }
  const length = epochLength(src);
  const iterations = iterationsPerEpoch(src, at.batchSize);
  if (!Number.isInteger(at.iteration) || at.iteration < 0 || at.iteration >= iterations) {
    throw new RangeError(
      `Cannot draw batch ${at.iteration} of epoch ${at.epoch}: an epoch has ${iterations}`,
    );
  }
  const start = at.iteration * at.batchSize;
  const end = Math.min(start + at.batchSize, length);
  const order = at.serial ? undefined : epochOrder(length, at);
  const a: tf.Tensor3D[] = [];
  const b: tf.Tensor3D[] = [];
  const indicesA: number[] = [];
  const indicesB: number[] = [];
  try {
    for (let k = start; k < end; k++) {
      const i = order ? order[k] : k;
      const iA = i % src.sizeA;
      if (src.paired) {
        const before = rng.state();
        indicesA.push(iA);
        indicesB.push(iA);
        a.push(src.load("A", iA, rng));
        b.push(src.load("B", iA, Rng.fromState(before)));
        continue;
      }
      const iB = at.serial ? i % src.sizeB : rng.int(src.sizeB);
      indicesA.push(iA);
      indicesB.push(iB);
      a.push(src.load("A", iA, rng));
      b.push(src.load("B", iB, rng));
    }
    return {
      A: tf.stack(a) as tf.Tensor4D,
      B: tf.stack(b) as tf.Tensor4D,
      indicesA,
      indicesB,
    };
  } finally {
    tf.dispose([...a, ...b]);
  }
}

/** Options of {@link tensorSource}. */
export interface TensorSourceOptions {
  /** `[height, width]` of the loaded (cropped) images. */
  imageSize: readonly [number, number];
  /** `[height, width]` of the stored images (default `imageSize`: no crop). */
  loadSize?: readonly [number, number];
  /** Channels of the A images (default 3). */
  channelsA?: number;
  /** Channels of the B images (default 3). */
  channelsB?: number;
  /** `--no_flip`: no random horizontal flip (default false: flip with probability 1/2). */
  noFlip?: boolean;
  /** See {@link UnalignedSource.fingerprint}. */
  fingerprint?: string;
  /** Aligned pairs: A[i] and B[i] show the same thing (needs equal counts). */
  paired?: boolean;
}

/**
 * An in-memory {@link UnalignedSource} over HWC float32 images already in [-1, 1], with the
 * official random crop (when `loadSize` exceeds `imageSize`; offsets x then y) and horizontal
 * flip (p = 1/2), drawn from the RNG given to `load`.
 *
 * ```ts
 * const src = tensorSource([a0, a1], [b0], { imageSize: [16, 16], loadSize: [18, 18] });
 * ```
 */
export function tensorSource(
  A: readonly Float32Array[],
  B: readonly Float32Array[],
  options: TensorSourceOptions,
): UnalignedSource {
  const [h, w] = options.imageSize;
  const [lh, lw] = options.loadSize ?? options.imageSize;
  const channelsA = options.channelsA ?? 3;
  const channelsB = options.channelsB ?? 3;
  if (lh < h || lw < w) {
    throw new RangeError(
      `Cannot crop ${h}x${w} images out of ${lh}x${lw} ones: loadSize must be at least imageSize`,
    );
  }
  for (const [name, images, c] of [["A", A, channelsA], ["B", B, channelsB]] as const) {
    images.forEach((img, i) => {
      if (img.length !== lh * lw * c) {
        throw new RangeError(
          `Cannot use ${name} image ${i} with ${img.length} values: expected ${lh}x${lw}x${c} = ${
            lh * lw * c
          }`,
        );
      }
    });
  }
  const flip = !options.noFlip;
  if (options.paired && A.length !== B.length) {
    throw new RangeError(
      `Cannot pair ${A.length} A images with ${B.length} B images: aligned pairs need equal counts`,
    );
  }
  return {
    ...(options.paired ? { paired: true } : {}),
    sizeA: A.length,
    sizeB: B.length,
    channelsA,
    channelsB,
    imageSize: [h, w],
    fingerprint: options.fingerprint,
    load(domain, index, rng) {
      const images = domain === "A" ? A : B;
      const c = domain === "A" ? channelsA : channelsB;
      if (!Number.isInteger(index) || index < 0 || index >= images.length) {
        throw new RangeError(
          `Cannot load ${domain} image ${index}: the domain has ${images.length}`,
        );
      }
      const src = images[index];
      const x = lw > w ? rng.int(lw - w + 1) : 0;
      const y = lh > h ? rng.int(lh - h + 1) : 0;
      const mirror = flip && rng.uniform() < 0.5;
      const out = new Float32Array(h * w * c);
      for (let r = 0; r < h; r++) {
        for (let col = 0; col < w; col++) {
          const from = ((y + r) * lw + x + (mirror ? w - 1 - col : col)) * c;
          out.set(src.subarray(from, from + c), (r * w + col) * c);
        }
      }
      return tf.tensor3d(out, [h, w, c]);
    },
  };
}
