/**
 * `scenes-net`: features of the project's trained `scenes-fcn` segmenter (`../segmenter.ts`),
 * a network that has learnt what the built-in `scenes` photos look like, as the FID/KID
 * extractor for them. Nothing to download: it reads the committed weights (SHA-256 checked).
 *
 * Features: the global average of the ReLU output of each of the network's 4 encoder blocks
 * (16 + 24 + 32 + 48 = 120 dimensions, 64 to 8 px), so colour and fine texture (the first
 * blocks) sit beside learnt scene structure (the last). The decoder's blocks are left out: they
 * encode the class decision, which saturates once a photo is no longer recognisable (measured
 * by `../extractor_study.ts`; `lib/metrics/README.md` has the numbers). Images ([0, 255] RGB,
 * any size) are resized to 64 x 64 as for segmentation. The fingerprint holds the weights'
 * hash, so cached statistics follow the weights.
 *
 * ```ts
 * import { scenesNet } from "./scenes_net.ts";
 * const net = await scenesNet.create({});
 * const f = net.features(images); // [n, 120]
 * f.dispose(); net.dispose();
 * ```
 * @module
 */
import { z } from "zod";
import { tf } from "../../tf.ts";
import { loadSegmenter, type Segmenter } from "../segmenter.ts";
import type { Extractor, ExtractorEntry } from "./_common.ts";

/** Which blocks' averages make the features. */
export type ScenesNetFeatures = "all" | "encoder" | "decoder";

/** Bumped whenever the feature computation changes (the weights hash is in the fingerprint). */
const VERSION = 1;

/** Wraps a loaded segmenter as an extractor whose features are block averages. */
export function segmenterExtractor(
  seg: Segmenter,
  options: { name?: string; features?: ScenesNetFeatures } = {},
): Extractor {
  const which = options.features ?? "encoder";
  const enc = seg.spec.encoder.length;
  const widths = [...seg.spec.encoder, ...seg.spec.decoder];
  const picked = widths.map((_, i) => i).filter((i) =>
    which === "all" || (which === "encoder" ? i < enc : i >= enc)
  );
  const name = options.name ?? "scenes-net";
  return {
    name,
    dims: picked.reduce((s, i) => s + widths[i], 0),
    fingerprint: `${name}@v${VERSION}:features=${which},segmenter=${seg.fingerprint}`,
    preprocessing: `RGB [0,255] -> [-1,1], bilinear resize to ${seg.spec.size}x${seg.spec.size} ` +
      `(half-pixel centres)`,
    features(images) {
      return tf.tidy(() => {
        const blocks = seg.blocks(images);
        return tf.concat(picked.map((i) => tf.mean(blocks[i], [1, 2])), 1) as tf.Tensor2D;
      });
    },
    dispose() {
      seg.dispose();
    },
  };
}

/** `scenes-net` takes no options: the name means the committed weights and these features. */
export const scenesNet: ExtractorEntry<Record<string, never>> = {
  summary: "built-in: the trained scenes-fcn segmenter's encoder block averages, 64x64, 120-d",
  options: z.strictObject({}),
  create: async () => segmenterExtractor(await loadSegmenter()),
};
