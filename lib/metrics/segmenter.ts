/**
 * `scenes-fcn`: the segmentation network behind the labels -> photo FCN score (CycleGAN, Zhu et
 * al. 2017, Sec. 5.1.1 and Tables 2 and 4): the paper segments generated Cityscapes photos with
 * a pretrained FCN-8s and scores the result against the input label map. Ours is a small fully
 * convolutional encoder-decoder trained by the project on paired `scenes` photos
 * (`segmenter_train.ts`, committed weights in `weights/`, checked against their SHA-256 when
 * loaded).
 *
 * Network ({@link SCENES_FCN}): RGB [0, 255] -> [-1, 1], bilinear resize to 64 x 64 (half-pixel
 * centres; exactly a 2x2 box average from 128 px); an encoder of four blocks of two 3x3
 * convolutions + ReLU (16, 24, 32, 48 channels; the first convolution of blocks 2-4 has
 * stride 2: 64, 32, 16, 8 px), a decoder of three steps (bilinear 2x upsampling, concatenation
 * with the encoder block of that size, 3x3 convolution + ReLU: 32, 24, 16 channels), a 1x1
 * convolution to the 10 class scores; the scores are resized back to the input size (bilinear)
 * and the class is their argmax. Like the paper's protocol, which upsamples its 128 / 256 px
 * outputs to the FCN's 1024 x 2048 input, any size works: every image is brought to the
 * network's own scale. The network was trained on photos rendered at 32, 64 and 128 px, each
 * resized to 64 px, so it has seen the blur of the smaller sizes.
 *
 * ```ts
 * import { loadSegmenter } from "./segmenter.ts";
 * const fcn = await loadSegmenter();               // reads and checks the committed weights
 * const ids = fcn.segment([photo]);                // one Uint8Array of class ids per image
 * fcn.dispose();
 * ```
 * @module
 */
import { tf } from "../tf.ts";
import { conv2d } from "../nn/layers.ts";
import type { Rng } from "../nn/rng.ts";
import type { Pixels } from "../data/pixels.ts";
import { PALETTE } from "../data/palette.ts";
import { sha256Hex } from "../io/atomic.ts";
import { MetricError } from "./features.ts";
import { ConfusionMatrix, type SegmentationScores } from "./segmentation.ts";

/** The architecture of a segmenter. */
export interface SegmenterSpec {
  /** Registry name (recorded with every score). */
  readonly name: string;
  /** Bumped whenever the weights or the computation change. */
  readonly version: number;
  /** Side of the square network input. */
  readonly size: number;
  /** Channels of the encoder blocks, full resolution first. */
  readonly encoder: readonly number[];
  /** Channels of the decoder steps, coarsest first (one fewer than the encoder blocks). */
  readonly decoder: readonly number[];
  /** Number of classes. */
  readonly classes: number;
}

/** The committed segmenter of the `scenes` world. */
export const SCENES_FCN: SegmenterSpec = Object.freeze({
  name: "scenes-fcn",
  version: 1,
  size: 64,
  encoder: Object.freeze([16, 24, 32, 48]),
  decoder: Object.freeze([32, 24, 16]),
  classes: PALETTE.length,
});

/** Where the committed weights live, and their SHA-256 (checked at every load). */
export const SCENES_FCN_WEIGHTS: { readonly url: URL; readonly sha256: string } = Object.freeze({
  url: new URL("./weights/scenes-fcn-v1.bin", import.meta.url),
  sha256: "9385f685bbcdbea2b3ba62bc57e7e0a55e1c8457704e5734f7ba1bded9b661ca",
});

/** One parameter: name and tfjs shape (`[kh, kw, in, out]` for convolutions). */
export interface ParamShape {
  /** `enc1a.w`, `dec2.b`, `head.w`, ... */
  readonly name: string;
  /** Shape. */
  readonly shape: readonly number[];
}

/**
 * The parameters of `spec` in storage order (the weights file is their float32 values,
 * little-endian, concatenated in this order).
 */
export function paramShapes(spec: SegmenterSpec): ParamShape[] {
  const out: ParamShape[] = [];
  const conv = (name: string, k: number, cin: number, cout: number) => {
    out.push({ name: `${name}.w`, shape: [k, k, cin, cout] }, { name: `${name}.b`, shape: [cout] });
  };
  let cin = 3;
  spec.encoder.forEach((c, i) => {
    conv(`enc${i + 1}a`, 3, cin, c);
    conv(`enc${i + 1}b`, 3, c, c);
    cin = c;
  });
  if (spec.decoder.length !== spec.encoder.length - 1) {
    throw new RangeError(
      `segmenter ${spec.name}: ${spec.decoder.length} decoder steps for ${spec.encoder.length} ` +
        `encoder blocks; expected ${spec.encoder.length - 1}`,
    );
  }
  spec.decoder.forEach((c, j) => {
    const skip = spec.encoder[spec.encoder.length - 2 - j];
    conv(`dec${j + 1}`, 3, cin + skip, c);
    cin = c;
  });
  conv("head", 1, cin, spec.classes);
  return out;
}

/** Number of parameters of `spec`. */
export function countSegmenterParams(spec: SegmenterSpec): number {
  return paramShapes(spec).reduce((s, p) => s + p.shape.reduce((a, b) => a * b, 1), 0);
}

/**
 * Fresh weights for training: He-normal convolutions (std sqrt(2 / fan_in), right for ReLU),
 * zero biases, drawn in storage order from `rng`.
 */
export function initSegmenterParams(spec: SegmenterSpec, rng: Rng): Float32Array[] {
  return paramShapes(spec).map(({ shape }) => {
    const n = shape.reduce((a, b) => a * b, 1);
    if (shape.length === 1) return new Float32Array(n);
    return rng.fillNormal(n, 0, Math.sqrt(2 / (shape[0] * shape[1] * shape[2])));
  });
}

/** What {@link segmenterForward} computes. */
export interface SegmenterOutput {
  /** Class scores at the network's size, `[n, size, size, classes]`. */
  logits: tf.Tensor4D;
  /** Each encoder block's and decoder step's ReLU output, in order. */
  blocks: tf.Tensor4D[];
}

/**
 * The network on prepared input (`[n, size, size, 3]` in [-1, 1]; {@link prepareSegmenterInput})
 * with `params` in {@link paramShapes} order. Differentiable; the caller tidies.
 */
export function segmenterForward(
  spec: SegmenterSpec,
  params: readonly tf.Tensor[],
  x: tf.Tensor4D,
): SegmenterOutput {
  let k = 0;
  const next = () => [params[k++] as tf.Tensor4D, params[k++] as tf.Tensor1D] as const;
  const convRelu = (h: tf.Tensor4D, stride: number) => {
    const [w, b] = next();
    return tf.relu(conv2d(h, w, { stride, padding: 1, bias: b }));
  };
  const blocks: tf.Tensor4D[] = [];
  const skips: tf.Tensor4D[] = [];
  let h = x;
  spec.encoder.forEach((_, i) => {
    h = convRelu(convRelu(h, i === 0 ? 1 : 2), 1);
    skips.push(h);
    blocks.push(h);
  });
  spec.decoder.forEach((_, j) => {
    const skip = skips[skips.length - 2 - j];
    const up = tf.image.resizeBilinear(h, [skip.shape[1], skip.shape[2]], false, true);
    h = convRelu(tf.concat([up, skip], 3), 1);
    blocks.push(h);
  });
  const [w, b] = next();
  return { logits: conv2d(h, w, { bias: b }), blocks };
}

/** Images `[n, h, w, 3]` in [0, 255] (any size) as the network's input: resized, in [-1, 1]. */
export function prepareSegmenterInput(spec: SegmenterSpec, images: tf.Tensor4D): tf.Tensor4D {
  return tf.tidy(() => {
    const [, h, w] = images.shape;
    const r = h === spec.size && w === spec.size
      ? images
      : tf.image.resizeBilinear(images, [spec.size, spec.size], false, true);
    return tf.sub(tf.div(r, 127.5), 1) as tf.Tensor4D;
  });
}

/** A loaded segmenter. */
export interface Segmenter {
  /** The spec it implements. */
  readonly spec: SegmenterSpec;
  /** `name@v<version>:<weights sha256>`: what scored, for records and cache keys. */
  readonly fingerprint: string;
  /** SHA-256 of the weights file. */
  readonly weightsSha256: string;
  /** Class scores at the input's size: `[n, h, w, 3]` in [0, 255] -> `[n, h, w, classes]`. */
  logits(images: tf.Tensor4D): tf.Tensor4D;
  /** The network's blocks on `[n, h, w, 3]` in [0, 255] (see {@link SegmenterOutput}). */
  blocks(images: tf.Tensor4D): tf.Tensor4D[];
  /** Class ids of every pixel of each RGB image (any sizes, batched by size). */
  segment(images: readonly Pixels[]): Uint8Array[];
  /** Frees the weights. */
  dispose(): void;
}

/** Builds a segmenter from weights already in memory (float32 arrays in storage order). */
export function segmenterFromParams(
  spec: SegmenterSpec,
  values: readonly Float32Array[],
  weightsSha256: string,
): Segmenter {
  const shapes = paramShapes(spec);
  if (values.length !== shapes.length) {
    throw new MetricError(
      `segmenter ${spec.name}: ${values.length} weight arrays, expected ${shapes.length}`,
    );
  }
  const params = shapes.map((p, i) => tf.tensor(values[i], p.shape as number[]));
  const net: Segmenter = {
    spec,
    weightsSha256,
    fingerprint: `${spec.name}@v${spec.version}:${weightsSha256}`,
    logits(images) {
      return tf.tidy(() => {
        const [, h, w] = images.shape;
        const { logits } = segmenterForward(spec, params, prepareSegmenterInput(spec, images));
        return h === spec.size && w === spec.size
          ? logits
          : tf.image.resizeBilinear(logits, [h, w], false, true);
      });
    },
    blocks(images) {
      return tf.tidy(() =>
        segmenterForward(spec, params, prepareSegmenterInput(spec, images)).blocks
      );
    },
    segment(images) {
      const out: Uint8Array[] = new Array(images.length);
      // Batches of equal size, at most 16 images, in input order.
      for (let i = 0; i < images.length;) {
        const { width, height } = images[i];
        let j = i;
        while (
          j < images.length && j - i < 16 && images[j].width === width &&
          images[j].height === height
        ) j++;
        const batch = new Float32Array((j - i) * width * height * 3);
        for (let m = i; m < j; m++) {
          const img = images[m];
          if (img.channels !== 3) {
            throw new MetricError(
              `image ${m} has ${img.channels} channels; the segmenter needs RGB`,
            );
          }
          batch.set(img.data, (m - i) * width * height * 3);
        }
        const ids = tf.tidy(() => {
          const x = tf.tensor4d(batch, [j - i, height, width, 3]);
          return tf.argMax(net.logits(x), 3).toInt();
        });
        const flat = ids.dataSync();
        ids.dispose();
        for (let m = i; m < j; m++) {
          out[m] = Uint8Array.from(
            flat.subarray((m - i) * width * height, (m - i + 1) * width * height),
          );
        }
        i = j;
      }
      return out;
    },
    dispose() {
      tf.dispose(params);
      params.length = 0;
    },
  };
  return net;
}

/** Splits a weights file into float32 arrays in {@link paramShapes} order, checking its length. */
export function decodeSegmenterWeights(spec: SegmenterSpec, bytes: Uint8Array): Float32Array[] {
  const total = countSegmenterParams(spec);
  if (bytes.length !== 4 * total) {
    throw new MetricError(
      `segmenter ${spec.name}: weights file has ${bytes.length} bytes, expected ${4 * total} ` +
        `(${total} float32 values)`,
    );
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let offset = 0;
  return paramShapes(spec).map(({ shape }) => {
    const n = shape.reduce((a, b) => a * b, 1);
    const a = new Float32Array(n);
    for (let i = 0; i < n; i++, offset += 4) a[i] = view.getFloat32(offset, true);
    return a;
  });
}

/** The weights file of float32 arrays (little-endian, concatenated). */
export function encodeSegmenterWeights(values: readonly Float32Array[]): Uint8Array {
  const total = values.reduce((s, v) => s + v.length, 0);
  const out = new Uint8Array(4 * total);
  const view = new DataView(out.buffer);
  let offset = 0;
  for (const v of values) {
    for (let i = 0; i < v.length; i++, offset += 4) view.setFloat32(offset, v[i], true);
  }
  return out;
}

/** Every segmenter by name (one so far): what `eval.segmenter` accepts. */
export const segmenters: Readonly<
  Record<"scenes-fcn", { summary: string; load(): Promise<Segmenter> }>
> = Object.freeze({
  "scenes-fcn": {
    summary: "trained on scenes photos (segmenter_train.ts), 64x64, 10 classes, committed weights",
    load: () => loadSegmenter(),
  },
});

/** The valid segmenter names. */
export const SEGMENTER_NAMES = Object.keys(segmenters) as (keyof typeof segmenters)[];

/** Options of {@link loadSegmenter}. */
export interface LoadSegmenterOptions {
  /** Weights file (default the committed one). */
  url?: URL | string;
  /** Expected SHA-256 (default the committed one's); null skips the check (training only). */
  sha256?: string | null;
  /** The architecture (default {@link SCENES_FCN}). */
  spec?: SegmenterSpec;
}

/**
 * Reads the weights (a local file, no network) and checks their SHA-256 before use: a changed
 * or truncated file is an error naming both hashes, never a silently different score.
 */
export async function loadSegmenter(options: LoadSegmenterOptions = {}): Promise<Segmenter> {
  const spec = options.spec ?? SCENES_FCN;
  const url = options.url ?? SCENES_FCN_WEIGHTS.url;
  const expected = options.sha256 === undefined ? SCENES_FCN_WEIGHTS.sha256 : options.sha256;
  let bytes: Uint8Array;
  try {
    bytes = await Deno.readFile(url);
  } catch (e) {
    throw new MetricError(
      `cannot read the ${spec.name} segmenter weights "${url}": ${(e as Error).message}`,
    );
  }
  const hash = await sha256Hex(bytes);
  if (expected !== null && hash !== expected) {
    throw new MetricError(
      `the ${spec.name} segmenter weights "${url}" have SHA-256 ${hash}, expected ${expected}; ` +
        `restore the committed file or retrain with lib/metrics/segmenter_train.ts`,
    );
  }
  return segmenterFromParams(spec, decodeSegmenterWeights(spec, bytes), hash);
}

/**
 * The FCN score: segments `photos` and scores the result against the true class ids
 * (`truth[i]`, one per pixel of photo `i`) with the paper's three numbers.
 *
 * ```ts
 * fcnScores(fcn, generatedPhotos, inputLabelIds).classIoU;
 * ```
 */
export function fcnScores(
  net: Segmenter,
  photos: readonly Pixels[],
  truth: readonly ArrayLike<number>[],
): SegmentationScores {
  if (photos.length !== truth.length) {
    throw new MetricError(`${photos.length} photos for ${truth.length} label maps`);
  }
  const cm = new ConfusionMatrix(net.spec.classes);
  net.segment(photos).forEach((p, i) => cm.add(p, truth[i]));
  return cm.scores();
}
