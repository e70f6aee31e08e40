/**
 * A run's final evaluation with stand-in generators (no training): `seg` gives the palette
 * scores for photo -> labels and the FCN score for labels -> photo with the segmenter's upper
 * bound beside it; a perfect generator reaches the upper bound; nothing leaks.
 */
import { assert, assertAlmostEquals, assertEquals } from "./_assert.ts";
import { tf } from "../lib/tf.ts";
import { selectBackend } from "../lib/backend/mod.ts";
import { openScenes, resolveScenesOptions } from "../lib/data/scenes.ts";
import type { Network } from "../lib/nn/network.ts";
import { evalSchema, evaluateRun } from "../lib/sweep/evaluate.ts";

await selectBackend("wasm");

/** A generator stand-in: `f` maps the input batch to the output batch. */
function stub(f: (x: tf.Tensor4D) => tf.Tensor4D): Network {
  return { apply: (x: tf.Tensor4D) => tf.tidy(() => f(x)) } as unknown as Network;
}

Deno.test("evaluateRun(): seg gives the FCN score (AtoB), palette scores (BtoA); auto extractor", async () => {
  const ds = await openScenes(resolveScenesOptions({ size: 32, train_count: 1, test_count: 4 }));
  const test = await ds.test();
  const n = test.pairs.length;
  const realA = Array.from({ length: n }, (_, i) => test.A.get(i));
  const realB = Array.from({ length: n }, (_, i) => test.B.get(i));
  const dataA = await Promise.all(realA.map((t) => t.data()));
  // A perfect generator: returns the real photo of the scene whose label map it is given.
  const perfect = stub((x) => {
    const d = x.dataSync();
    const i = dataA.findIndex((a) => a.every((v, k) => v === d[k]));
    return realB[i].expandDims(0) as tf.Tensor4D;
  });
  const identity = stub((x) => tf.clone(x));
  const before = tf.memory().numTensors;
  const o = { metrics: ["seg" as const], dataset: "scenes" };
  const good = await evaluateRun({ G_A: perfect, G_B: identity }, test, o);
  const bad = await evaluateRun({ G_A: identity, G_B: identity }, test, o);
  assertEquals(tf.memory().numTensors, before);
  assertEquals(good.segmenter, "scenes-fcn@v1");
  const a = good.AtoB as Record<string, number>;
  assertEquals(Object.keys(a).sort(), [
    "class_accuracy",
    "class_iou",
    "pixel_accuracy",
    "real_class_accuracy",
    "real_class_iou",
    "real_pixel_accuracy",
  ]);
  // The perfect generator's photos are the real ones (up to tensor2im's truncation).
  assertAlmostEquals(a.pixel_accuracy, a.real_pixel_accuracy, 0.02);
  assert(a.real_pixel_accuracy > 0.8, `upper bound ${a.real_pixel_accuracy}`);
  const b = bad.AtoB as Record<string, number>;
  assertEquals(b.real_pixel_accuracy, a.real_pixel_accuracy);
  assert(b.pixel_accuracy < a.pixel_accuracy, `label maps as photos: ${b.pixel_accuracy}`);
  // BtoA: F = identity returns the photo, snapped to the palette.
  assertEquals(Object.keys(good.BtoA as object).sort(), [
    "class_accuracy",
    "class_iou",
    "pixel_accuracy",
  ]);
  // Only AtoB asked for: no palette scores; the segmenter is loaded.
  const onlyA = await evaluateRun({ G_A: perfect, G_B: identity }, test, {
    ...o,
    directions: ["AtoB"],
  });
  assertEquals(Object.keys(onlyA).sort(), ["AtoB", "images", "segmenter", "test_mode"]);
  assertEquals(onlyA.test_mode, "train", "the official test.py's mode by default");
  // Not scenes: seg does not apply, no segmenter.
  const other = await evaluateRun({ G_A: perfect, G_B: identity }, test, {
    metrics: ["seg", "l1"],
    dataset: "folder",
  });
  assertEquals(other.segmenter, undefined);
  assertEquals(Object.keys(other.AtoB as object), ["l1"]);
  // extractor auto: the dataset's built-in one.
  const fid = { metrics: ["fid" as const], directions: ["BtoA" as const] };
  const onScenes = await evaluateRun({ G_A: perfect, G_B: identity }, test, {
    ...fid,
    dataset: "scenes",
  });
  assertEquals(onScenes.extractor, "scenes-net");
  assert(Number.isFinite((onScenes.BtoA as Record<string, number>).fid));
  const onEmoji = await evaluateRun({ G_A: perfect, G_B: identity }, test, {
    ...fid,
    dataset: "emoji",
  });
  assertEquals(onEmoji.extractor, "random-conv-s0");
  assertEquals(tf.memory().numTensors, before);
  tf.dispose([...realA, ...realB]);
});

Deno.test("eval.segmenter defaults to scenes-fcn, eval.extractor to auto", () => {
  assertEquals(evalSchema.parse({}).segmenter, "scenes-fcn");
  assertEquals(evalSchema.parse({}).extractor, "auto");
  assertEquals(evalSchema.parse({ extractor: "random-conv-s0" }).extractor, "random-conv-s0");
  assert(!evalSchema.safeParse({ segmenter: "fcn8s" }).success);
});

Deno.test("evaluateRun(): floors, bootstrap intervals and paired comparisons against them", async () => {
  const ds = await openScenes(resolveScenesOptions({ size: 32, train_count: 1, test_count: 12 }));
  const test = await ds.test();
  const n = test.pairs.length;
  const realA = Array.from({ length: n }, (_, i) => test.A.get(i));
  const realB = Array.from({ length: n }, (_, i) => test.B.get(i));
  const dataA = await Promise.all(realA.map((t) => t.data()));
  const dataB = await Promise.all(realB.map((t) => t.data()));
  const find = (d: Float32Array | Int32Array | Uint8Array, set: typeof dataA) =>
    set.findIndex((a) => a.every((v, k) => v === d[k]));
  // A perfect pair of generators and a constant (grey) pair that learned nothing.
  const perfect = {
    G_A: stub((x) => realB[find(x.dataSync(), dataA)].expandDims(0) as tf.Tensor4D),
    G_B: stub((x) => realA[find(x.dataSync(), dataB)].expandDims(0) as tf.Tensor4D),
  };
  const grey = { G_A: stub((x) => tf.zerosLike(x)), G_B: stub((x) => tf.zerosLike(x)) };
  const identity = { G_A: stub((x) => tf.clone(x)), G_B: stub((x) => tf.clone(x)) };
  const before = tf.memory().numTensors;
  const o = {
    metrics: ["l1" as const, "ssim" as const, "fid" as const, "seg" as const],
    dataset: "scenes",
    bootstrap: { resamples: 200, fidResamples: 50 },
  };
  const good = await evaluateRun(perfect, test, {
    ...o,
    floors: { identity: true, untrained: grey },
  });
  assertEquals(tf.memory().numTensors, before);
  // Floors are scored with the same metrics on the same images.
  const idFloor = good.floors!.identity!;
  const unFloor = good.floors!.untrained!;
  for (const f of [idFloor, unFloor]) {
    assertEquals(Object.keys(f.AtoB!).sort(), [
      "class_accuracy",
      "class_iou",
      "fid",
      "l1",
      "pixel_accuracy",
      "ssim",
    ]);
    assertEquals(f.ci!.resamples, 200);
  }
  // The perfect run: L1 ~ 0 (tensor2im truncation only), far better than both floors.
  const a = good.AtoB!;
  assert(a.l1! < 1, `l1 ${a.l1}`);
  for (const floor of ["identity", "untrained"] as const) {
    for (const dir of ["AtoB", "BtoA"] as const) {
      // The identity floor's FID is not resampled: no comparison on it.
      assertEquals(good.vs_floor![floor]![dir]!.fid === undefined, floor === "identity");
      for (const m of ["l1", "ssim", "pixel_accuracy", ...(floor === "identity" ? [] : ["fid"])]) {
        const c = good.vs_floor![floor]![dir]![m];
        // Every replicate is better: p is its floor, 1 / (resamples + 1).
        assertEquals(c.p, 1 / ((m === "fid" ? 50 : 200) + 1), `${floor} ${dir} ${m}`);
        assert(c.lo <= c.diff && c.diff <= c.hi, `${floor} ${dir} ${m}: ${JSON.stringify(c)}`);
      }
    }
  }
  // Intervals contain the point estimate.
  for (const dir of ["AtoB", "BtoA"] as const) {
    for (const [m, [lo, hi]] of Object.entries(good.ci![dir]!)) {
      const v = good[dir]![m]!;
      assert(lo <= v + 1e-9 && v - 1e-9 <= hi, `${dir} ${m}: ${v} not in [${lo}, ${hi}]`);
    }
  }
  // A run that is the identity (up to tensor2im's truncation) is not better than the identity
  // floor.
  const same = await evaluateRun(identity, test, { ...o, floors: { identity: true } });
  for (const [m, c] of Object.entries(same.vs_floor!.identity!.AtoB!)) {
    assert(c.p > 0.05, `${m}: ${JSON.stringify(c)}`);
    if (m !== "fid") {
      assert(Math.abs(c.diff) < (m === "l1" ? 1 : 0.05), `${m}: ${JSON.stringify(c)}`);
    }
  }
  assertEquals(same.floors!.untrained, undefined);
  // The same seed gives the same intervals; no floors and no bootstrap by default.
  const again = await evaluateRun(perfect, test, {
    ...o,
    floors: { identity: true, untrained: grey },
  });
  assertEquals(again, good);
  const plain = await evaluateRun(perfect, test, { metrics: ["l1"], dataset: "scenes" });
  assertEquals(Object.keys(plain).sort(), ["AtoB", "BtoA", "images", "test_mode"]);
  assertEquals(tf.memory().numTensors, before);
  tf.dispose([...realA, ...realB]);
});
