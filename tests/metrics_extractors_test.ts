import { assert, assertAlmostEquals, assertEquals, assertMatch, assertRejects } from "./_assert.ts";
import { layers, sequential } from "@tensorflow/tfjs";
import { tf } from "../lib/tf.ts";
import { selectBackend } from "../lib/backend/mod.ts";
import {
  createExtractor,
  DEFAULT_EXTRACTOR,
  EXTRACTOR_NAMES,
  INCEPTION_ENV,
  metricLabel,
  modelDirHandler,
  RANDOM_CONV_S0,
  randomConvNet,
} from "../lib/metrics/extractors/mod.ts";
import { extractFeatures } from "../lib/metrics/images.ts";
import { MetricError } from "../lib/metrics/features.ts";
import { Rng } from "../lib/nn/rng.ts";
import type { Pixels } from "../lib/data/pixels.ts";

await selectBackend("wasm");

function randomImages(rng: Rng, n: number, size: number): tf.Tensor4D {
  return tf.tensor4d(
    Float32Array.from(rng.fillUniform(n * size * size * 3), (u) => Math.floor(256 * u)),
    [n, size, size, 3],
  );
}

Deno.test("metricLabel() names the extractor in the column header", () => {
  assertEquals(metricLabel("FID", "random-conv-s0"), "FID[random-conv-s0]");
  assertEquals(metricLabel("KID", "inception-v3"), "KID[inception-v3]");
  assertEquals(DEFAULT_EXTRACTOR, "random-conv-s0");
  assertEquals(EXTRACTOR_NAMES, ["random-conv-s0", "inception-v3", "scenes-net"]);
});

Deno.test("createExtractor() rejects unknown names and options, listing what is valid", async () => {
  const e = await assertRejects(() => createExtractor("vgg"), MetricError);
  assertMatch(
    e.message,
    /unknown extractor "vgg"; expected one of random-conv-s0, inception-v3, scenes-net/,
  );
  const o = await assertRejects(() => createExtractor("random-conv-s0", { seed: 1 }), MetricError);
  assertMatch(o.message, /unknown option\(s\) seed/);
});

Deno.test("random-conv-s0: 480-d, deterministic, any input size, no leaked tensors", async () => {
  const before = tf.memory().numTensors;
  const net = await createExtractor("random-conv-s0");
  const again = randomConvNet(RANDOM_CONV_S0);
  assertEquals([net.name, net.dims], ["random-conv-s0", 480]);
  assertMatch(net.fingerprint, /^random-conv-s0@v1:seed=0,size=64/);
  const x = randomImages(new Rng(1), 3, 40);
  const held = tf.memory().numTensors;
  const f = net.features(x);
  assertEquals(tf.memory().numTensors, held + 1, "features() returns one tensor, keeps none");
  assertEquals(f.shape, [3, 480]);
  const g = again.features(x);
  assertEquals(Array.from(await f.data()), Array.from(await g.data()));
  const big = randomImages(new Rng(2), 2, 100);
  const h = net.features(big);
  assertEquals(h.shape, [2, 480]);
  assert((await h.data()).every(Number.isFinite));
  tf.dispose([x, f, g, big, h]);
  net.dispose();
  again.dispose();
  assertEquals(tf.memory().numTensors, before, "dispose() frees the weights");
});

Deno.test("extractFeatures() batches images of mixed sizes and leaks nothing", async () => {
  const net = randomConvNet(RANDOM_CONV_S0);
  const rng = new Rng(3);
  const img = (size: number): Pixels => ({
    width: size,
    height: size,
    channels: 3,
    data: Uint8Array.from(rng.fillUniform(size * size * 3), (u) => Math.floor(256 * u)),
  });
  const images = [img(32), img(32), img(48), img(32)];
  const before = tf.memory().numTensors;
  const batched = await extractFeatures(net, 4, (i) => images[i], { batchSize: 2 });
  assertEquals(tf.memory().numTensors, before);
  assertEquals([batched.rows, batched.cols], [4, 480]);
  const one = await extractFeatures(net, 4, (i) => images[i], { batchSize: 1 });
  for (let i = 0; i < one.data.length; i++) assertAlmostEquals(batched.data[i], one.data[i], 1e-5);
  net.dispose();
});

Deno.test("inception-v3 without weights names the option and the environment variable", async () => {
  const saved = Deno.env.get(INCEPTION_ENV);
  Deno.env.delete(INCEPTION_ENV);
  try {
    const e = await assertRejects(() => createExtractor("inception-v3"), MetricError);
    assertMatch(e.message, /option "weights".*--inception-weights.*CYCLEBENCH_INCEPTION/);
    const bad = await assertRejects(
      () => createExtractor("inception-v3", { weights: "/nonexistent/model" }),
      MetricError,
    );
    assertMatch(
      bad.message,
      /cannot read the TensorFlow.js model "\/nonexistent\/model\/model.json"/,
    );
  } finally {
    if (saved !== undefined) Deno.env.set(INCEPTION_ENV, saved);
  }
});

Deno.test("inception-v3 loads a layers model saved by modelDirHandler, and runs it as saved", async () => {
  const dir = await Deno.makeTempDir({ prefix: "cyclebench_layers_" });
  const before = tf.memory().numTensors;
  try {
    // A stand-in for Inception: conv + global average pool on 16x16 inputs in [-1, 1].
    const model = sequential({
      layers: [
        layers.conv2d({ inputShape: [16, 16, 3], filters: 5, kernelSize: 3, strides: 2 }),
        layers.globalAveragePooling2d({}),
      ],
    });
    await model.save(modelDirHandler(dir));
    const json = JSON.parse(await Deno.readTextFile(`${dir}/model.json`));
    assertEquals(json.format, "layers-model");
    const net = await createExtractor("inception-v3", {
      weights: dir,
      size: 16,
      input_range: "-1,1",
    });
    assertEquals([net.name, net.dims], ["inception-v3", 5]);
    const x = randomImages(new Rng(4), 3, 24);
    const got = net.features(x);
    const want = tf.tidy(() => {
      const resized = tf.image.resizeBilinear(x, [16, 16], false, false);
      return model.predict(tf.sub(tf.div(resized, 127.5), 1)) as tf.Tensor;
    });
    const g = await got.data(), w = await want.data();
    for (let i = 0; i < w.length; i++) assertAlmostEquals(g[i], w[i], 1e-5);
    tf.dispose([x, got, want]);
    net.dispose();
    model.dispose();
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
  assertEquals(tf.memory().numTensors, before);
});

/** A TF.js graph model written by hand: a 1x1 convolution and a spatial mean. */
async function writeGraphModel(dir: string, w: Float32Array): Promise<void> {
  const dim = (...sizes: number[]) => ({ dim: sizes.map((s) => ({ size: String(s) })) });
  const b64 = (s: string) => btoa(s);
  const json = {
    format: "graph-model",
    generatedBy: "cyclebench test",
    convertedBy: null,
    modelTopology: {
      node: [
        {
          name: "x",
          op: "Placeholder",
          // Batch fixed at 1, as graphs converted from TF1 often are.
          attr: { dtype: { type: "DT_FLOAT" }, shape: { shape: dim(1, -1, -1, 3) } },
        },
        {
          name: "w",
          op: "Const",
          attr: {
            value: { tensor: { dtype: "DT_FLOAT", tensorShape: dim(1, 1, 3, 2) } },
            dtype: { type: "DT_FLOAT" },
          },
        },
        {
          name: "axes",
          op: "Const",
          attr: {
            value: { tensor: { dtype: "DT_INT32", tensorShape: dim(2) } },
            dtype: { type: "DT_INT32" },
          },
        },
        {
          name: "conv",
          op: "Conv2D",
          input: ["x", "w"],
          attr: {
            T: { type: "DT_FLOAT" },
            strides: { list: { i: ["1", "1", "1", "1"] } },
            padding: { s: b64("SAME") },
            data_format: { s: b64("NHWC") },
            dilations: { list: { i: ["1", "1", "1", "1"] } },
          },
        },
        {
          name: "pool_3",
          op: "Mean",
          input: ["conv", "axes"],
          attr: { keep_dims: { b: false }, T: { type: "DT_FLOAT" } },
        },
        { name: "logits", op: "Neg", input: ["pool_3"], attr: { T: { type: "DT_FLOAT" } } },
      ],
      library: {},
      versions: {},
    },
    weightsManifest: [{
      paths: ["weights.bin"],
      weights: [
        { name: "w", shape: [1, 1, 3, 2], dtype: "float32" },
        { name: "axes", shape: [2], dtype: "int32" },
      ],
    }],
  };
  const bin = new Uint8Array(w.byteLength + 8);
  bin.set(new Uint8Array(w.buffer), 0);
  bin.set(new Uint8Array(Int32Array.of(1, 2).buffer), w.byteLength);
  await Deno.writeTextFile(`${dir}/model.json`, JSON.stringify(json));
  await Deno.writeFile(`${dir}/weights.bin`, bin);
}

Deno.test("inception-v3 loads a graph model, picks the output node, feeds batch-1 graphs", async () => {
  const dir = await Deno.makeTempDir({ prefix: "cyclebench_graph_" });
  const before = tf.memory().numTensors;
  try {
    const w = Float32Array.of(1, 0, 0, 1, 0, 2); // rows: input channel; columns: 2 features
    await writeGraphModel(dir, w);
    const net = await createExtractor("inception-v3", {
      weights: dir,
      size: 8,
      input_range: "0,1",
      output: "pool_3",
    });
    assertEquals(net.dims, 2);
    // Constant images (value v per channel) stay constant through the resize: the features
    // are (r, g + 2 b) / 255 exactly.
    const colours = [[255, 0, 0], [0, 51, 102], [10, 20, 30]];
    const x = tf.tidy(() =>
      tf.stack(colours.map((c) => tf.mul(tf.ones([12, 12, 3]), tf.tensor1d(c))))
    ) as tf.Tensor4D;
    const f = net.features(x);
    assertEquals(f.shape, [3, 2]);
    const got = await f.data();
    colours.forEach(([r, g, b], i) => {
      assertAlmostEquals(got[2 * i], r / 255, 1e-6);
      assertAlmostEquals(got[2 * i + 1], (g + 2 * b) / 255, 1e-6);
    });
    tf.dispose([x, f]);
    net.dispose();
    // Without `output`, a graph with one sink (logits) is run to it: the negated features.
    const neg = await createExtractor("inception-v3", {
      weights: dir,
      size: 8,
      input_range: "0,1",
    });
    const y = tf.ones([1, 8, 8, 3]) as tf.Tensor4D;
    const fy = neg.features(y);
    assertAlmostEquals((await fy.data())[1], -3 / 255, 1e-6);
    tf.dispose([y, fy]);
    neg.dispose();
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
  assertEquals(tf.memory().numTensors, before);
});
