/**
 * The claim metrics of a final evaluation (lib/sweep/evaluate.ts `dependence`, `good`,
 * `layout`) with stand-in generators: a perfect generator (the real photo of the scene), a
 * constant one (mode collapse) and the identity, on `scenes`, where every answer is known.
 */
import { assert, assertAlmostEquals, assertEquals } from "./_assert.ts";
import { tf } from "../lib/tf.ts";
import { selectBackend } from "../lib/backend/mod.ts";
import { openScenes, resolveScenesOptions } from "../lib/data/scenes.ts";
import type { Network } from "../lib/nn/network.ts";
import { evaluateRun } from "../lib/sweep/evaluate.ts";

await selectBackend("wasm");

function stub(f: (x: tf.Tensor4D) => tf.Tensor4D): Network {
  return { apply: (x: tf.Tensor4D) => tf.tidy(() => f(x)) } as unknown as Network;
}

Deno.test("evaluateRun(): dependence, good and layout order perfect > constant", async () => {
  const ds = await openScenes(resolveScenesOptions({ size: 32, train_count: 1, test_count: 12 }));
  const test = await ds.test();
  const n = test.pairs.length;
  const realA = Array.from({ length: n }, (_, i) => test.A.get(i));
  const realB = Array.from({ length: n }, (_, i) => test.B.get(i));
  const dataA = await Promise.all(realA.map((t) => t.data()));
  const dataB = await Promise.all(realB.map((t) => t.data()));
  const find = (data: ArrayLike<number>[], d: ArrayLike<number>) =>
    data.findIndex((a) => Array.prototype.every.call(a, (v: number, k: number) => v === d[k]));
  // G_A: the scene's real photo; G_B: the scene's real label map.
  const perfect = {
    G_A: stub((x) => realB[find(dataA, x.dataSync())].expandDims(0) as tf.Tensor4D),
    G_B: stub((x) => realA[find(dataB, x.dataSync())].expandDims(0) as tf.Tensor4D),
  };
  const constant = {
    G_A: stub(() => realB[0].expandDims(0) as tf.Tensor4D),
    G_B: stub(() => realA[0].expandDims(0) as tf.Tensor4D),
  };
  const before = tf.memory().numTensors;
  const o = {
    metrics: ["dependence" as const, "good" as const, "layout" as const],
    dataset: "scenes",
    bootstrap: { resamples: 50 },
    floors: { identity: true },
  };
  const p = await evaluateRun(perfect, test, o);
  const c = await evaluateRun(constant, test, o);
  assertEquals(tf.memory().numTensors, before, "no tensors left behind");
  for (const d of ["AtoB", "BtoA"] as const) {
    const pp = p[d] as Record<string, number>, cc = c[d] as Record<string, number>;
    assertEquals(Object.keys(pp).sort(), ["good_share", "layout", "recover", "spread"]);
    // Collapse: one output for every input, no spread, retrieval at chance.
    assertEquals(cc.spread, 0);
    assertAlmostEquals(cc.recover, 1 / n, 1e-12);
    // The real images themselves: as diverse as the real images, each retrieves its own truth.
    assertAlmostEquals(pp.spread, 1, 0.05);
    assertEquals(pp.recover, 1);
    assert(pp.layout > cc.layout, `${d} layout ${pp.layout} vs constant ${cc.layout}`);
    assert(pp.good_share >= 0.8, `${d} good share of real images ${pp.good_share}`);
    const ci = p.ci![d]!;
    assert(ci.good_share[0] <= pp.good_share && pp.good_share <= ci.good_share[1]);
    assert(ci.spread[0] <= pp.spread && pp.spread <= ci.spread[1], `spread ${ci.spread}`);
    const g = p.good![d]!;
    assertEquals(g.edges.length, 21);
    assertEquals(g.fake.reduce((s, x) => s + x, 0), n);
    assertEquals(g.real.reduce((s, x) => s + x, 0), n);
    assertEquals(g.score, d === "AtoB" ? "fcn_pixel_accuracy" : "nearest_real_distance");
  }
  // Layout: a photo generator that copies the scene keeps its layout almost everywhere.
  assert((p.AtoB as Record<string, number>).layout > 0.8);
  // BtoA with G_B = the true label map: layout agreement is the segmenter's accuracy on photos.
  assert((p.BtoA as Record<string, number>).layout > 0.8);
  // The identity floor's layout for photo -> labels: a photo snapped to the palette.
  assert(p.floors!.identity!.BtoA!.layout !== undefined);
});
