/**
 * Trains the `scenes-fcn` segmenter ({@link SCENES_FCN}) on paired `scenes` photos and label
 * maps, measures its accuracy on real test photos (the upper bound of the labels -> photo FCN
 * score, the "ground truth" row of pix2pix's Table 1), and writes the weights and a manifest.
 * Deterministic: every draw comes from a seeded {@link Rng} and it runs on the single-threaded
 * wasm backend.
 *
 * ```sh
 * deno run -A lib/metrics/segmenter_train.ts [--steps 1200] [--batch 8] [--lr 0.002] \
 *   [--train-count 3000] [--eval-count 500] [--out DIR | --replace-committed]
 * ```
 *
 * Where it writes ({@link resolveSegmenterOut}): by default a fresh folder
 * `results/segmenter/<name>-v<version>-<UTC time>/`, so a retraining never touches the weights
 * every FCN score depends on; `--out DIR` a folder of one's choice that holds no weights of this
 * version yet; `--replace-committed` the committed `lib/metrics/weights/` (the only way to write
 * there, so that replacing them is a decision, not a default).
 *
 * Data: scenes 0 .. train-count - 1 of the world with seed {@link SEGMENTER_WORLD_SEED}, which
 * no experiment uses (they use seed 0), so the test photos of every shipped experiment are
 * unseen. Each photo is rendered at 32, 64 or 128 px (1 : 2 : 1) and resized to the network's
 * 64 px as at evaluation time; its target is the scene's label map rendered at 64 px (the
 * layout of a scene does not depend on its size). Augmentation: horizontal flips and a mild
 * brightness / contrast jitter. Loss: per-pixel softmax cross-entropy with class weights
 * `freq^-1/2` (normalised to a mean pixel weight of 1), so that thin, rare classes (poles,
 * signs, people) are learnt, which the per-class accuracy and IoU reward. Adam (beta1 0.9),
 * constant learning rate for the first half, linear decay to 0 over the second.
 *
 * After training, paste the printed SHA-256 into `SCENES_FCN_WEIGHTS` in `segmenter.ts` (the
 * loader refuses any other file).
 * @module
 */
import { parseArgs } from "node:util";
import { runMain, UserError } from "../cli/_errors.ts";
import { parseFlags } from "../cli/_flags.ts";
import { tf } from "../tf.ts";
import { describeBackend, selectBackend } from "../backend/mod.ts";
import { generateScene, sceneId } from "../data/scenes.ts";
import { Rng } from "../nn/rng.ts";
import { joinPath, sha256Hex, writeFileAtomic } from "../io/atomic.ts";
import {
  countSegmenterParams,
  encodeSegmenterWeights,
  fcnScores,
  initSegmenterParams,
  paramShapes,
  prepareSegmenterInput,
  SCENES_FCN,
  segmenterForward,
  segmenterFromParams,
  type SegmenterSpec,
} from "./segmenter.ts";
import type { SegmentationScores } from "./segmentation.ts";

/** Seed of the `scenes` world the segmenter trains on (arXiv 1703.10593; no experiment uses it). */
export const SEGMENTER_WORLD_SEED = 1703;

/** Sizes the training photos are rendered at, cycled by scene id. */
const RENDER_SIZES = [64, 32, 64, 128];

/** Training options. */
export interface SegmenterTrainOptions {
  /** Optimizer steps. */
  steps: number;
  /** Images per step. */
  batch: number;
  /** Adam's learning rate (constant for half the steps, then linearly to 0). */
  lr: number;
  /** Distinct training scenes. */
  trainCount: number;
  /** Seed of initialisation, batch order and augmentation. */
  seed: number;
  /** Progress lines (default none). */
  log?: (line: string) => void;
}

/** A training set: photos prepared for the network and their label ids. */
export interface SegmenterTrainSet {
  /** `[size, size, 3]` float32 in [-1, 1] per scene. */
  photos: Float32Array[];
  /** `size * size` class ids per scene. */
  labels: Uint8Array[];
}

/** Renders and prepares `count` training scenes of the segmenter's world. */
export function segmenterTrainSet(spec: SegmenterSpec, count: number): SegmenterTrainSet {
  const photos: Float32Array[] = [], labels: Uint8Array[] = [];
  for (let id = 0; id < count; id++) {
    const size = RENDER_SIZES[id % RENDER_SIZES.length];
    const scene = generateScene(SEGMENTER_WORLD_SEED, id, size);
    labels.push(
      size === spec.size
        ? scene.labels
        : generateScene(SEGMENTER_WORLD_SEED, id, spec.size, { photo: false }).labels,
    );
    const x = tf.tidy(() =>
      prepareSegmenterInput(
        spec,
        tf.tensor4d(Float32Array.from(scene.photo!.data), [1, size, size, 3]),
      )
    );
    photos.push(x.dataSync() as Float32Array);
    x.dispose();
  }
  return { photos, labels };
}

/** Class weights `freq^-1/2`, normalised so that the mean weight of a pixel is 1. */
export function classWeights(labels: readonly Uint8Array[], classes: number): Float32Array {
  const counts = new Float64Array(classes);
  let total = 0;
  for (const l of labels) {
    for (const c of l) counts[c]++;
    total += l.length;
  }
  const w = new Float32Array(classes);
  let mean = 0;
  for (let c = 0; c < classes; c++) {
    const f = Math.max(counts[c], 1) / total;
    w[c] = 1 / Math.sqrt(f);
    mean += (counts[c] / total) * w[c];
  }
  for (let c = 0; c < classes; c++) w[c] /= mean;
  return w;
}

/**
 * Trains a segmenter from scratch; returns its weights (storage order) and the loss curve.
 * Leaves no tensors behind.
 */
export function trainSegmenter(
  spec: SegmenterSpec,
  data: SegmenterTrainSet,
  o: SegmenterTrainOptions,
): { weights: Float32Array[]; losses: number[]; classWeights: Float32Array } {
  const rng = new Rng(o.seed);
  const shapes = paramShapes(spec);
  const params = initSegmenterParams(spec, rng.fork()).map((v, i) => {
    const t = tf.tensor(v, shapes[i].shape as number[]);
    const p = tf.variable(t, true, `seg_${shapes[i].name}`);
    t.dispose(); // the variable holds its own reference to the data
    return p;
  });
  const weights = classWeights(data.labels, spec.classes);
  const w = tf.tensor1d(weights);
  const optimizer = tf.train.adam(o.lr, 0.9, 0.999, 1e-8);
  const s = spec.size, n = data.photos.length, px = s * s;
  const losses: number[] = [];
  const t0 = performance.now();
  try {
    for (let step = 0; step < o.steps; step++) {
      const half = o.steps / 2;
      // tfjs reads the (protected) rate at every step; the training loop sets it the same way.
      (optimizer as unknown as { learningRate: number }).learningRate = step < half
        ? o.lr
        : o.lr * (o.steps - step) / (o.steps - half);
      const xs = new Float32Array(o.batch * px * 3), ys = new Int32Array(o.batch * px);
      for (let b = 0; b < o.batch; b++) {
        const i = rng.int(n);
        const flip = rng.uniform() < 0.5;
        const gain = 0.9 + 0.2 * rng.uniform(), shift = 0.2 * rng.uniform() - 0.1;
        const photo = data.photos[i], label = data.labels[i];
        for (let y = 0; y < s; y++) {
          for (let x = 0; x < s; x++) {
            const src = y * s + (flip ? s - 1 - x : x), dst = b * px + y * s + x;
            ys[dst] = label[src];
            for (let c = 0; c < 3; c++) xs[3 * dst + c] = photo[3 * src + c] * gain + shift;
          }
        }
      }
      const loss = tf.tidy(() => {
        const x = tf.tensor4d(xs, [o.batch, s, s, 3]);
        const onehot = tf.oneHot(tf.tensor1d(ys, "int32"), spec.classes);
        return optimizer.minimize(
          () => {
            const { logits } = segmenterForward(spec, params, x);
            const logp = tf.logSoftmax(tf.reshape(logits, [-1, spec.classes]));
            return tf.neg(tf.mean(tf.sum(tf.mul(tf.mul(onehot, logp), w), 1))) as tf.Scalar;
          },
          true,
          params,
        )!;
      });
      losses.push(loss.dataSync()[0]);
      loss.dispose();
      if (o.log && ((step + 1) % 50 === 0 || step === o.steps - 1)) {
        const recent = losses.slice(-50);
        o.log(
          `step ${step + 1}/${o.steps}: loss ${
            (recent.reduce((a, b) => a + b, 0) / recent.length).toFixed(4)
          } (${((performance.now() - t0) / 1000).toFixed(0)} s)`,
        );
      }
    }
    return {
      weights: params.map((p) => p.dataSync() as Float32Array),
      losses,
      classWeights: weights,
    };
  } finally {
    tf.dispose(params);
    w.dispose();
    optimizer.dispose();
  }
}

/**
 * The segmenter's own scores on real test photos: the test scenes of the `scenes` world with
 * seed 0 (ids 3i + 2, the shipped experiments' test split), rendered at `size`.
 */
export function upperBound(
  net: ReturnType<typeof segmenterFromParams>,
  count: number,
  size: number,
): SegmentationScores {
  const scenes = Array.from(
    { length: count },
    (_, i) => generateScene(0, sceneId("testA", i), size),
  );
  return fcnScores(net, scenes.map((sc) => sc.photo!), scenes.map((sc) => sc.labels));
}

function round(x: number): number {
  return Math.round(x * 1e4) / 1e4;
}

async function loadAverage(): Promise<string> {
  try {
    return (await Deno.readTextFile("/proc/loadavg")).split(" ").slice(0, 3).join(" ");
  } catch {
    return "unknown";
  }
}

/** The committed weights folder (`lib/metrics/weights/`), absolute. */
export const COMMITTED_WEIGHTS_DIR: string = new URL("./weights", import.meta.url).pathname;

function absolutePath(path: string): string {
  const parts = (path.startsWith("/") ? path : `${Deno.cwd()}/${path}`).split("/");
  const out: string[] = [];
  for (const p of parts) {
    if (p === "..") out.pop();
    else if (p !== "." && p !== "") out.push(p);
  }
  return "/" + out.join("/");
}

async function samePath(a: string, b: string): Promise<boolean> {
  const real = async (p: string) => {
    try {
      return await Deno.realPath(p);
    } catch {
      return absolutePath(p);
    }
  };
  return absolutePath(a) === absolutePath(b) || (await real(a)) === (await real(b));
}

/**
 * The folder {@link main} writes the weights and manifest to: `out` when given (refused when it
 * is the committed folder, or already holds `<base>.bin`), the committed
 * {@link COMMITTED_WEIGHTS_DIR} with `replaceCommitted`, else a fresh
 * `results/segmenter/<base>-<UTC time>`. Throws a {@link UserError} (exit 2) naming the flag.
 *
 * ```ts
 * await resolveSegmenterOut({ base: "scenes-fcn-v1", now: new Date(0) });
 * // "results/segmenter/scenes-fcn-v1-19700101T000000Z"
 * ```
 */
export async function resolveSegmenterOut(
  o: { base: string; out?: string; replaceCommitted?: boolean; now?: Date },
): Promise<string> {
  if (o.replaceCommitted) {
    if (o.out !== undefined && !(await samePath(o.out, COMMITTED_WEIGHTS_DIR))) {
      throw new UserError(
        `--replace-committed writes to ${COMMITTED_WEIGHTS_DIR}; it does not go with --out "${o.out}"`,
        2,
      );
    }
    return COMMITTED_WEIGHTS_DIR;
  }
  if (o.out !== undefined) {
    if (await samePath(o.out, COMMITTED_WEIGHTS_DIR)) {
      throw new UserError(
        `--out "${o.out}" is the committed weights folder, which every FCN score depends on; ` +
          `pass --replace-committed (without --out) to replace them`,
        2,
      );
    }
    try {
      await Deno.stat(joinPath(o.out, `${o.base}.bin`));
      throw new UserError(
        `--out "${o.out}" already holds ${o.base}.bin; choose a new folder`,
        2,
      );
    } catch (e) {
      if (!(e instanceof Deno.errors.NotFound)) throw e;
    }
    return o.out;
  }
  const stamp = (o.now ?? new Date()).toISOString().replace(/[-:]/g, "").replace(/\.\d+/, "");
  return joinPath("results/segmenter", `${o.base}-${stamp}`);
}

async function main(): Promise<number> {
  const { values } = parseFlags(() =>
    parseArgs({
      args: Deno.args,
      options: {
        steps: { type: "string", default: "1200" },
        batch: { type: "string", default: "8" },
        lr: { type: "string", default: "0.002" },
        "train-count": { type: "string", default: "3000" },
        "eval-count": { type: "string", default: "500" },
        seed: { type: "string", default: "0" },
        out: { type: "string" },
        "replace-committed": { type: "boolean", default: false },
      },
    })
  );
  const spec = SCENES_FCN;
  const base = `${spec.name}-v${spec.version}`;
  // Decided before 7-10 minutes of training, so that a refused folder costs nothing.
  const outDir = await resolveSegmenterOut({
    base,
    out: values.out,
    replaceCommitted: values["replace-committed"],
  });
  console.error(`writing to ${outDir}`);
  const o: SegmenterTrainOptions = {
    steps: Number(values.steps),
    batch: Number(values.batch),
    lr: Number(values.lr),
    trainCount: Number(values["train-count"]),
    seed: Number(values.seed),
    log: (l) => console.error(l),
  };
  const backend = await selectBackend("wasm");
  console.error(`backend: ${describeBackend(backend)}`);
  console.error(`${spec.name}: ${countSegmenterParams(spec)} parameters`);
  const load0 = await loadAverage();
  let t = performance.now();
  const data = segmenterTrainSet(spec, o.trainCount);
  const dataS = (performance.now() - t) / 1000;
  console.error(`${o.trainCount} training scenes in ${dataS.toFixed(0)} s`);
  t = performance.now();
  const { weights, losses, classWeights: cw } = trainSegmenter(spec, data, o);
  const trainS = (performance.now() - t) / 1000;
  const load1 = await loadAverage();
  const bytes = encodeSegmenterWeights(weights);
  const sha256 = await sha256Hex(bytes);
  const net = segmenterFromParams(spec, weights, sha256);
  const evalCount = Number(values["eval-count"]);
  const scores: Record<string, unknown> = {};
  for (const size of [32, 64, 128]) {
    const s = upperBound(net, evalCount, size);
    scores[`${size}px`] = {
      pixel_accuracy: round(s.pixelAccuracy),
      class_accuracy: round(s.classAccuracy),
      class_iou: round(s.classIoU),
      per_class_iou: s.perClassIoU.map((v) => (v === null ? null : round(v))),
    };
    console.error(
      `real test photos (${evalCount} scenes, world 0, ${size}px): per-pixel ${
        s.pixelAccuracy.toFixed(4)
      }, per-class ${s.classAccuracy.toFixed(4)}, class IoU ${s.classIoU.toFixed(4)}`,
    );
  }
  net.dispose();
  await Deno.mkdir(outDir, { recursive: true });
  await writeFileAtomic(joinPath(outDir, `${base}.bin`), bytes);
  const manifest = {
    spec,
    parameters: countSegmenterParams(spec),
    params: paramShapes(spec),
    sha256,
    file: `${base}.bin`,
    format: "float32 little-endian, parameters concatenated in the order of `params`",
    training: {
      script: "lib/metrics/segmenter_train.ts",
      world_seed: SEGMENTER_WORLD_SEED,
      render_sizes: RENDER_SIZES,
      train_count: o.trainCount,
      steps: o.steps,
      batch: o.batch,
      lr: o.lr,
      seed: o.seed,
      class_weights: Array.from(cw, round),
      backend: describeBackend(backend),
      data_seconds: Math.round(dataS),
      train_seconds: Math.round(trainS),
      load_average: `${load0} (start), ${load1} (end)`,
      final_loss: round(losses.slice(-50).reduce((a, b) => a + b, 0) / Math.min(50, losses.length)),
    },
    upper_bound: { eval_count: evalCount, world_seed: 0, scenes: "test ids 3i + 2", ...scores },
  };
  await writeFileAtomic(
    joinPath(outDir, `${base}.json`),
    JSON.stringify(manifest, null, 2) + "\n",
  );
  console.error(`trained in ${trainS.toFixed(0)} s; weights ${bytes.length} bytes`);
  console.log(sha256);
  return 0;
}

if (import.meta.main) await runMain(main);
