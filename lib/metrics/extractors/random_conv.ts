/**
 * `random-conv-s0`: the built-in, download-free feature extractor, and the default for the
 * built-in datasets. A fixed convolutional network whose weights are drawn from a seeded
 * {@link Rng}: nothing to download, train or commit, and the same features on every machine.
 *
 * Network (the spec {@link RANDOM_CONV_S0}): RGB in [0, 255] -> [-1, 1], bilinear resize to
 * 64 x 64 (half-pixel centres), then 4 blocks of 3x3 convolution (32, 64, 128, 256 channels,
 * He-normal weights, zero bias, zero padding) + ReLU + 2x2 average pooling; the feature vector
 * is the global average of each block's ReLU output, concatenated (32 + 64 + 128 + 256 = 480
 * dimensions), so it sees colour statistics (block 1) as well as texture and layout.
 *
 * Random convolutional features are known to separate image distributions surprisingly well
 * (a random network is a fixed bank of multi-scale filters), but they are not ImageNet
 * features: numbers are comparable only between runs that use the same extractor, which is why
 * every table names it (`FID[random-conv-s0]`). How faithfully it ranks degraded images is
 * measured by `extractor_study.ts`; see `lib/metrics/README.md` for the numbers.
 *
 * ```ts
 * import { randomConvNet, RANDOM_CONV_S0 } from "./random_conv.ts";
 * const net = randomConvNet(RANDOM_CONV_S0);
 * const f = net.features(images); // [n, 480]
 * f.dispose(); net.dispose();
 * ```
 * @module
 */
import { z } from "zod";
import { tf } from "../../tf.ts";
import { Rng } from "../../nn/rng.ts";
import type { Extractor, ExtractorEntry } from "./_common.ts";

/** The architecture of a random convolutional extractor. */
export interface RandomConvSpec {
  /** Registry name. */
  readonly name: string;
  /** Seed of the weights. */
  readonly seed: number;
  /** Side of the square network input. */
  readonly size: number;
  /** Output channels of each conv block. */
  readonly widths: readonly number[];
  /** Features: global averages of every block (`all`) or of the last one only (`last`). */
  readonly features: "all" | "last";
}

/** Bumped whenever the computation of a spec changes, so cached statistics are not reused. */
const VERSION = 1;

/** The registered network. */
export const RANDOM_CONV_S0: RandomConvSpec = Object.freeze({
  name: "random-conv-s0",
  seed: 0,
  size: 64,
  widths: Object.freeze([32, 64, 128, 256]),
  features: "all",
});

/** Builds the network of `spec`; its weights are drawn in block order from `new Rng(seed)`. */
export function randomConvNet(spec: RandomConvSpec): Extractor {
  const rng = new Rng(spec.seed);
  const kernels: tf.Tensor4D[] = [];
  let cin = 3;
  for (const cout of spec.widths) {
    // He-normal: std sqrt(2 / fan_in) keeps the activation scale through ReLU layers.
    const std = Math.sqrt(2 / (9 * cin));
    kernels.push(tf.tensor4d(rng.fillNormal(9 * cin * cout, 0, std), [3, 3, cin, cout]));
    cin = cout;
  }
  const dims = spec.features === "all" ? spec.widths.reduce((s, w) => s + w, 0) : cin;
  const preprocessing = `RGB [0,255] -> [-1,1], bilinear resize to ${spec.size}x${spec.size} ` +
    `(half-pixel centres)`;
  return {
    name: spec.name,
    dims,
    fingerprint: `${spec.name}@v${VERSION}:seed=${spec.seed},size=${spec.size},widths=${
      spec.widths.join("-")
    },features=${spec.features}`,
    preprocessing,
    features(images) {
      return tf.tidy(() => {
        let h: tf.Tensor4D = tf.image.resizeBilinear(images, [spec.size, spec.size], false, true);
        h = tf.sub(tf.div(h, 127.5), 1);
        const pooled: tf.Tensor2D[] = [];
        for (const k of kernels) {
          h = tf.relu(tf.conv2d(h, k, 1, "same"));
          pooled.push(tf.mean(h, [1, 2]));
          h = tf.avgPool(h, 2, 2, "valid");
        }
        return spec.features === "all" ? tf.concat(pooled, 1) : pooled[pooled.length - 1];
      });
    },
    dispose() {
      tf.dispose(kernels);
      kernels.length = 0;
    },
  };
}

/** `random-conv-s0` takes no options: the name means exactly one network. */
export const randomConvS0: ExtractorEntry<Record<string, never>> = {
  summary: "built-in: fixed random 4-block conv net (seed 0), 64x64 input, 480-d; no download",
  options: z.strictObject({}),
  create: () => Promise.resolve(randomConvNet(RANDOM_CONV_S0)),
};
