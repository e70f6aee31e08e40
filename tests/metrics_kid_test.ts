import { assert, assertAlmostEquals, assertEquals, assertMatch, assertThrows } from "./_assert.ts";
import { Rng } from "../lib/nn/rng.ts";
import { featureMatrix, MetricError } from "../lib/metrics/features.ts";
import { kernelDistance } from "../lib/metrics/kid.ts";

function gaussianSet(rng: Rng, n: number, d: number, shift = 0) {
  return featureMatrix(rng.fillNormal(n * d, shift, 1), n, d);
}

Deno.test("kernelDistance() matches a hand computation of the unbiased MMD^2", () => {
  // d = 1, k(x, y) = (x y + 1)^3. X = {0, 1}, Y = {1, 2}:
  // k(0,1) = 1 and k(1,2) = 27 (same-set pairs); cross: 1, 1, 8, 27 (sum 37).
  // MMD^2_u = (2 * 1 + 2 * 27) / (2 * 1) - 2 * 37 / 4 = 28 - 18.5 = 9.5.
  const r = kernelDistance(
    featureMatrix(Float32Array.of(0, 1), 2, 1),
    featureMatrix(Float32Array.of(1, 2), 2, 1),
    { subsets: 3, subsetSize: 2 },
  );
  assertAlmostEquals(r.mean, 9.5, 1e-12);
  assertAlmostEquals(r.std, 0, 1e-12); // every subset is the whole sets
  assertEquals([r.subsets, r.subsetSize], [3, 2]);
  assertMatch(r.warnings[0], /every subset is the whole of both sets .*std over subsets is 0/);
});

Deno.test("kernelDistance() by default draws subsets of half the smaller set: a real spread", () => {
  const rng = new Rng(5);
  const a = gaussianSet(rng, 50, 8), b = gaussianSet(rng, 50, 8, 0.3);
  const r = kernelDistance(a, b, { seed: 0 });
  assertEquals([r.subsets, r.subsetSize, r.warnings], [100, 25, []]);
  // The old default (subsets of min(1000, N) = 50) made every subset the whole sets, so its
  // "std" was 0 up to rounding; now it is a spread over subsets, of the order of the mean here.
  const whole = kernelDistance(a, b, { seed: 0, subsetSize: 1000 });
  assertAlmostEquals(whole.std, 0, 1e-12);
  assert(r.std > 0.1 * Math.abs(r.mean), `std ${r.std} is a spread (mean ${r.mean})`);
  // Averaged over all draws, the per-subset estimate equals the full-set one exactly; the mean of
  // 100 draws stays within a few standard errors of it.
  const stdErr = r.std / Math.sqrt(r.subsets);
  assert(Math.abs(r.mean - whole.mean) < 3 * stdErr, `${r.mean} vs ${whole.mean} (se ${stdErr})`);
  // N = 4 is the smallest set with a default size (2); 2001 samples cap it at 1000.
  assertEquals(kernelDistance(gaussianSet(rng, 4, 2), gaussianSet(rng, 9, 2)).subsetSize, 2);
  const big = gaussianSet(rng, 2001, 1);
  assertEquals(kernelDistance(big, big, { subsets: 1, precompute: false }).subsetSize, 1000);
});

Deno.test("kernelDistance() is seeded: same seed same value, another seed another", () => {
  const rng = new Rng(1);
  const a = gaussianSet(rng, 60, 8), b = gaussianSet(rng, 50, 8, 0.3);
  const o = { subsets: 20, subsetSize: 25 };
  const r1 = kernelDistance(a, b, { ...o, seed: 7 }), r2 = kernelDistance(a, b, { ...o, seed: 7 });
  assertEquals(Array.from(r1.values), Array.from(r2.values));
  assert(kernelDistance(a, b, { ...o, seed: 8 }).mean !== r1.mean, "seed changes the subsets");
  const viaRng = kernelDistance(a, b, { ...o, rng: new Rng(7) });
  assertEquals(viaRng.mean, r1.mean);
  // Mean and population std of the per-subset values.
  const mean = r1.values.reduce((s, v) => s + v, 0) / 20;
  const std = Math.sqrt(r1.values.reduce((s, v) => s + (v - mean) ** 2, 0) / 20);
  assertAlmostEquals(r1.mean, mean, 1e-15);
  assertAlmostEquals(r1.std, std, 1e-15);
});

Deno.test("kernelDistance() gives the same numbers with and without precomputed kernels", () => {
  const rng = new Rng(2);
  const a = gaussianSet(rng, 40, 12), b = gaussianSet(rng, 35, 12, 0.5);
  const once = kernelDistance(a, b, { subsets: 5, subsetSize: 20, precompute: true });
  const each = kernelDistance(a, b, { subsets: 5, subsetSize: 20, precompute: false });
  assertEquals(Array.from(once.values), Array.from(each.values));
});

Deno.test("kernelDistance() grows with the distance between the distributions", () => {
  const rng = new Rng(3);
  const a = gaussianSet(rng, 200, 16);
  const values = [0, 0.25, 0.5, 1].map((shift) =>
    kernelDistance(a, gaussianSet(rng, 200, 16, shift), { subsets: 10, subsetSize: 100 }).mean
  );
  for (let i = 1; i < values.length; i++) assert(values[i] > values[i - 1], `${values}`);
  assert(Math.abs(values[0]) < values[1], "same distribution: near zero");
});

Deno.test("kernelDistance() caps the subset size at the smaller set and says so", () => {
  const rng = new Rng(4);
  const a = gaussianSet(rng, 30, 4), b = gaussianSet(rng, 12, 4);
  assertEquals(kernelDistance(a, b).subsetSize, 6);
  assertEquals(kernelDistance(a, b).warnings, []);
  const r = kernelDistance(a, b, { subsetSize: 50, subsets: 2 });
  assertEquals(r.subsetSize, 12);
  assertMatch(r.warnings[0], /subset size lowered from 50 to 12/);
  assertMatch(r.warnings[1], /every subset of set B is the whole set \(12 samples\)/);
});

Deno.test("kernelDistance() rejects bad input", () => {
  const ok = featureMatrix(Float32Array.of(1, 2, 3, 4), 2, 2);
  assertThrows(() => kernelDistance(ok, featureMatrix(Float32Array.of(1, 2), 1, 2)), MetricError);
  assertThrows(
    () => kernelDistance(ok, featureMatrix(Float32Array.of(1, 2, 3), 3, 1)),
    MetricError,
  );
  assertThrows(
    () => kernelDistance(ok, featureMatrix(Float32Array.of(1, NaN, 3, 4), 2, 2)),
    MetricError,
  );
  assertThrows(() => kernelDistance(ok, ok, { subsets: 0 }), RangeError);
  assertThrows(() => kernelDistance(ok, ok, { subsetSize: 1 }), RangeError);
  // The default size floor(N / 2) needs N >= 4; an explicit size of 2 takes the whole pair.
  const three = featureMatrix(Float32Array.of(1, 2, 3, 4, 5, 6), 3, 2);
  assertMatch(
    assertThrows(() => kernelDistance(three, three), MetricError).message,
    /the smaller set has 3 samples \(N_A = 3, N_B = 3\); at least 4 are needed/,
  );
  assertEquals(kernelDistance(ok, ok, { subsetSize: 2, subsets: 1 }).subsetSize, 2);
});
