/**
 * `inception-v3`: the standard FID network (2048-d pool features), loaded from a local
 * TensorFlow.js model directory. Nothing is downloaded; `lib/metrics/README.md` says how to
 * obtain and convert the weights.
 *
 * The directory comes from the `weights` option or, when that is unset, the
 * `CYCLEBENCH_INCEPTION` environment variable. Images ([0, 255] RGB, any size) are resized to
 * `size` x `size` (299) with bilinear interpolation, `align_corners=False` and
 * `half_pixel_centers=False`, i.e. TF1's `tf.image.resize_bilinear`: the resize TTUR's graph
 * applies to its input (fid-kid.md 3.1), so a 299 x 299 input passes its internal resize
 * unchanged. pytorch-fid resizes with half-pixel centres and clean-fid with PIL bicubic, so
 * scores differ slightly from theirs (fid-kid.md 3.2, 3.3). Values are then mapped to the
 * model's `input_range`: `0,255` for the TTUR graph (which normalises internally), `-1,1` for
 * Keras' InceptionV3. The output (by default the model's only output, or the node `output`) is
 * flattened to one vector per image.
 *
 * ```ts
 * import { inceptionV3 } from "./inception_v3.ts";
 * const net = await inceptionV3.create(inceptionV3.options.parse({ weights: "weights/fid_inception" }));
 * ```
 * @module
 */
import { z } from "zod";
import { tf } from "../../tf.ts";
import { sha256Hex } from "../../io/atomic.ts";
import { MetricError } from "../features.ts";
import type { Extractor, ExtractorEntry } from "./_common.ts";
import { loadModelDir } from "./model_dir.ts";

/** The environment variable naming the weights directory. */
export const INCEPTION_ENV = "CYCLEBENCH_INCEPTION";

/** Input ranges a converted Inception may expect. */
export const INPUT_RANGES = ["0,255", "-1,1", "0,1"] as const;

/** Options of `inception-v3`. */
export interface InceptionOptions {
  /** TensorFlow.js model directory (model.json + shards); null = `$CYCLEBENCH_INCEPTION`. */
  weights: string | null;
  /** Value range the model expects its input in. */
  input_range: typeof INPUT_RANGES[number];
  /** Side of the square input the images are resized to. */
  size: number;
  /** Graph models: the node whose value is the feature vector; null = the model's output. */
  output: string | null;
}

const optionsSchema: z.ZodType<InceptionOptions, Partial<InceptionOptions>> = z.strictObject({
  weights: z.string().min(1).nullable().default(null).describe(
    `TensorFlow.js model directory (model.json + weight shards); null = $${INCEPTION_ENV}`,
  ),
  input_range: z.enum(INPUT_RANGES).default("0,255").describe(
    "input range of the model: 0,255 (TTUR graph), -1,1 (Keras InceptionV3), 0,1",
  ),
  size: z.number().int().min(8).max(1024).default(299).describe(
    "images are resized (TF1 bilinear) to size x size; 299 for Inception-v3",
  ),
  output: z.string().min(1).nullable().default(null).describe(
    "graph models: name of the feature node (e.g. pool_3); null = the model's output",
  ),
});

/** The directory to load: the option, else the environment variable, else a clear error. */
export function inceptionWeightsDir(options: Pick<InceptionOptions, "weights">): string {
  const dir = options.weights ?? Deno.env.get(INCEPTION_ENV);
  if (!dir) {
    throw new MetricError(
      `the inception-v3 extractor needs its weights: set the extractor option "weights" ` +
        `(command line: --inception-weights DIR) or the environment variable ${INCEPTION_ENV} ` +
        `to a TensorFlow.js model directory (model.json + weight shards); ` +
        `lib/metrics/README.md says how to obtain and convert them`,
    );
  }
  return dir;
}

async function weightsHash(dir: string): Promise<string> {
  const json = await Deno.readTextFile(`${dir}/model.json`);
  const parts = [await sha256Hex(json)];
  const manifest = (JSON.parse(json).weightsManifest ?? []) as { paths: string[] }[];
  for (const group of manifest) {
    for (const p of group.paths) parts.push(await sha256Hex(await Deno.readFile(`${dir}/${p}`)));
  }
  return (await sha256Hex(parts.join("\n"))).slice(0, 16);
}

async function create(o: InceptionOptions): Promise<Extractor> {
  const dir = inceptionWeightsDir(o);
  const model = await loadModelDir(dir);
  const hash = await weightsHash(dir);
  const [lo, hi] = o.input_range.split(",").map(Number);
  // Models converted from TF1 graphs often fix the batch size at 1.
  const oneAtATime = model.inputShape?.[0] === 1;
  const run = (x: tf.Tensor4D): tf.Tensor2D =>
    tf.tidy(() => {
      const resized = tf.image.resizeBilinear(x, [o.size, o.size], false, false);
      const scaled = lo === 0 && hi === 255
        ? resized
        : tf.add(tf.mul(resized, (hi - lo) / 255), lo);
      const y = model.predict(scaled, o.output ?? undefined);
      return tf.reshape(y, [x.shape[0], -1]) as tf.Tensor2D;
    });
  const features = (x: tf.Tensor4D): tf.Tensor2D => {
    if (!oneAtATime || x.shape[0] === 1) return run(x);
    return tf.tidy(() => {
      const parts = tf.split(x, x.shape[0], 0).map((t) => run(t as tf.Tensor4D));
      return tf.concat(parts, 0);
    });
  };
  // One blank image: checks that the model runs and gives the feature dimension.
  const probe = tf.tidy(() => features(tf.zeros([1, o.size, o.size, 3]) as tf.Tensor4D));
  const dims = probe.shape[1];
  probe.dispose();
  return {
    name: "inception-v3",
    dims,
    fingerprint: `inception-v3:weights=${hash},size=${o.size},range=${o.input_range},output=${
      o.output ?? "default"
    }`,
    preprocessing:
      `RGB [0,255], bilinear resize to ${o.size}x${o.size} (TF1: align_corners=False, ` +
      `half_pixel_centers=False), input range [${o.input_range}]`,
    features,
    dispose: () => model.dispose(),
  };
}

/** The registry entry. */
export const inceptionV3: ExtractorEntry<InceptionOptions, Partial<InceptionOptions>> = {
  summary:
    `standard FID network from a local TF.js model dir (option weights or $${INCEPTION_ENV})`,
  options: optionsSchema,
  create,
};
