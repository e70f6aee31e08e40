/**
 * The `scenes-fcn` segmenter of the labels -> photo FCN score: its parameter count, the
 * committed weights (hash checked, tampering refused), segmentation at every experiment size,
 * its accuracy on real photos, deterministic training, the `scenes-net` extractor built on it,
 * and no leaked tensors anywhere.
 */
import { assert, assertEquals, assertMatch, assertRejects, assertThrows } from "./_assert.ts";
import { tf } from "../lib/tf.ts";
import { selectBackend } from "../lib/backend/mod.ts";
import { generateScene, sceneId } from "../lib/data/scenes.ts";
import { Rng } from "../lib/nn/rng.ts";
import { MetricError } from "../lib/metrics/features.ts";
import {
  countSegmenterParams,
  decodeSegmenterWeights,
  encodeSegmenterWeights,
  fcnScores,
  initSegmenterParams,
  loadSegmenter,
  paramShapes,
  SCENES_FCN,
  SCENES_FCN_WEIGHTS,
  segmenterFromParams,
  type SegmenterSpec,
} from "../lib/metrics/segmenter.ts";
import {
  classWeights,
  segmenterTrainSet,
  trainSegmenter,
  upperBound,
} from "../lib/metrics/segmenter_train.ts";
import { createExtractor, segmenterExtractor } from "../lib/metrics/extractors/mod.ts";

await selectBackend("wasm");

const TINY: SegmenterSpec = {
  name: "tiny",
  version: 1,
  size: 32,
  encoder: [4, 6],
  decoder: [4],
  classes: 10,
};

Deno.test("scenes-fcn has 103442 parameters in its storage order", () => {
  assertEquals(countSegmenterParams(SCENES_FCN), 103442);
  const shapes = paramShapes(SCENES_FCN);
  assertEquals(shapes[0], { name: "enc1a.w", shape: [3, 3, 3, 16] });
  assertEquals(shapes.find((p) => p.name === "dec1.w")!.shape, [3, 3, 48 + 32, 32]);
  assertEquals(shapes.at(-2), { name: "head.w", shape: [1, 1, 16, 10] });
  const e = assertThrows(() => paramShapes({ ...SCENES_FCN, decoder: [8] }), RangeError);
  assertMatch(e.message, /1 decoder steps for 4 encoder blocks; expected 3/);
});

Deno.test("segmenter weights round-trip through the file format; a bad length is refused", () => {
  const w = initSegmenterParams(TINY, new Rng(0));
  const bytes = encodeSegmenterWeights(w);
  assertEquals(bytes.length, 4 * countSegmenterParams(TINY));
  assertEquals(decodeSegmenterWeights(TINY, bytes), w);
  const e = assertThrows(() => decodeSegmenterWeights(TINY, bytes.subarray(4)), MetricError);
  assertMatch(e.message, /has \d+ bytes, expected \d+/);
});

Deno.test("loadSegmenter() checks the committed weights' SHA-256 and refuses a changed file", async () => {
  const net = await loadSegmenter();
  assertEquals(net.weightsSha256, SCENES_FCN_WEIGHTS.sha256);
  assertEquals(net.fingerprint, `scenes-fcn@v1:${SCENES_FCN_WEIGHTS.sha256}`);
  net.dispose();
  const dir = await Deno.makeTempDir();
  try {
    const bytes = await Deno.readFile(SCENES_FCN_WEIGHTS.url);
    bytes[100] ^= 1;
    await Deno.writeFile(`${dir}/w.bin`, bytes);
    const e = await assertRejects(() => loadSegmenter({ url: `${dir}/w.bin` }), MetricError);
    assertMatch(
      e.message,
      new RegExp(`have SHA-256 [0-9a-f]{64}, expected ${SCENES_FCN_WEIGHTS.sha256}`),
    );
    const m = await assertRejects(() => loadSegmenter({ url: `${dir}/missing.bin` }), MetricError);
    assertMatch(m.message, /cannot read the scenes-fcn segmenter weights/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("segment() labels every pixel at 32, 64 and 128 px and leaks nothing", async () => {
  const net = await loadSegmenter();
  const before = tf.memory().numTensors;
  const photos = [32, 64, 64, 128].map((s, i) => generateScene(5, i, s).photo!);
  const ids = net.segment(photos);
  assertEquals(ids.map((a) => a.length), [32 * 32, 64 * 64, 64 * 64, 128 * 128]);
  assert(ids.every((a) => a.every((c) => c < 10)));
  const x = tf.tensor4d(Float32Array.from(photos[0].data), [1, 32, 32, 3]);
  const logits = net.logits(x);
  assertEquals(logits.shape, [1, 32, 32, 10]);
  const blocks = net.blocks(x);
  assertEquals(blocks.map((b) => b.shape[3]), [16, 24, 32, 48, 32, 24, 16]);
  tf.dispose([x, logits, ...blocks]);
  assertEquals(tf.memory().numTensors, before);
  const e = assertThrows(
    () => net.segment([{ width: 2, height: 2, channels: 1, data: new Uint8Array(4) }]),
    MetricError,
  );
  assertMatch(e.message, /needs RGB/);
  net.dispose();
});

Deno.test("the committed segmenter labels real test photos well (the FCN upper bound)", async () => {
  const net = await loadSegmenter();
  const before = tf.memory().numTensors;
  const s = upperBound(net, 16, 64);
  assertEquals(tf.memory().numTensors, before);
  // 500 scenes give 0.9+ per-pixel (weights/scenes-fcn-v1.json); 16 must be close.
  assert(s.pixelAccuracy > 0.85, `per-pixel accuracy ${s.pixelAccuracy}`);
  assert(s.classIoU > 0.45, `class IoU ${s.classIoU}`);
  // A photo that is not the scene scores worse: the score measures correspondence.
  const scenes = [0, 1, 2, 3].map((i) => generateScene(0, sceneId("testA", i), 64));
  const right = fcnScores(net, scenes.map((sc) => sc.photo!), scenes.map((sc) => sc.labels));
  const shifted = fcnScores(
    net,
    scenes.map((_, i) => scenes[(i + 1) % 4].photo!),
    scenes.map((sc) => sc.labels),
  );
  assert(right.pixelAccuracy > shifted.pixelAccuracy + 0.1, `${right.pixelAccuracy} vs shifted`);
  const e = assertThrows(() => fcnScores(net, [], [scenes[0].labels]), MetricError);
  assertMatch(e.message, /0 photos for 1 label maps/);
  net.dispose();
});

Deno.test("trainSegmenter() is deterministic, learns, and leaks nothing", () => {
  const data = segmenterTrainSet(TINY, 4);
  assertEquals(data.photos[0].length, 32 * 32 * 3);
  assertEquals(data.labels[0].length, 32 * 32);
  const w = classWeights(data.labels, 10);
  // freq^-1/2 normalised to a mean pixel weight of 1.
  const counts = new Array(10).fill(0);
  for (const l of data.labels) for (const c of l) counts[c]++;
  const total = counts.reduce((a, b) => a + b, 0);
  const mean = counts.reduce((s, c, i) => s + (c / total) * w[i], 0);
  assert(Math.abs(mean - 1) < 1e-6, `mean weight ${mean}`);
  const before = tf.memory().numTensors;
  const o = { steps: 6, batch: 2, lr: 0.01, trainCount: 4, seed: 3 };
  const a = trainSegmenter(TINY, data, o);
  assertEquals(tf.memory().numTensors, before);
  const b = trainSegmenter(TINY, data, o);
  assertEquals(a.weights, b.weights);
  assertEquals(a.losses, b.losses);
  assert(a.losses.at(-1)! < a.losses[0], `losses ${a.losses}`);
  const net = segmenterFromParams(TINY, a.weights, "test");
  assertEquals(net.segment([generateScene(0, 2, 32).photo!])[0].length, 32 * 32);
  net.dispose();
  assertEquals(tf.memory().numTensors, before);
});

Deno.test("scenes-net: 120-d encoder averages of the segmenter, keyed by its weights", async () => {
  const before = tf.memory().numTensors;
  const net = await createExtractor("scenes-net");
  assertEquals([net.name, net.dims], ["scenes-net", 120]);
  assertMatch(net.fingerprint, new RegExp(`scenes-fcn@v1:${SCENES_FCN_WEIGHTS.sha256}`));
  const x = tf.tensor4d(Float32Array.from(generateScene(0, 2, 48).photo!.data), [1, 48, 48, 3]);
  const held = tf.memory().numTensors;
  const f = net.features(x);
  assertEquals(tf.memory().numTensors, held + 1);
  assertEquals(f.shape, [1, 120]);
  assert((await f.data()).every(Number.isFinite));
  tf.dispose([x, f]);
  net.dispose();
  const all = segmenterExtractor(await loadSegmenter(), { features: "all" });
  assertEquals(all.dims, 16 + 24 + 32 + 48 + 32 + 24 + 16);
  assertMatch(all.fingerprint, /^scenes-net@v1:features=all,/);
  all.dispose();
  assertEquals(tf.memory().numTensors, before);
});
