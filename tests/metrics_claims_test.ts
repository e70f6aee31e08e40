/**
 * The claim metrics (issue 14): dependence (C1), stability (C3/C4/C6) and good share (C7), on
 * constructed cases whose answers are known by hand. Pure JS: no tensors, so no leak checks.
 */
import { assert, assertAlmostEquals, assertEquals, assertMatch, assertThrows } from "./_assert.ts";
import { featureMatrix, MetricError } from "../lib/metrics/features.ts";
import {
  inputRecoverability,
  meanPairwiseDistance,
  outputSpreadRatio,
} from "../lib/metrics/dependence.ts";
import {
  acrossSeedSpread,
  countDivergences,
  lossOscillation,
  type MetricsRecord,
  parseMetricsJsonl,
  trajectoryRoughness,
} from "../lib/metrics/stability.ts";
import { goodShare, histogram } from "../lib/metrics/good_share.ts";
import { Rng } from "../lib/nn/rng.ts";

/** `fn` throws a `type` whose message contains `text`. */
// deno-lint-ignore no-explicit-any
function throwsWith(fn: () => unknown, type: new (...args: any[]) => Error, text: string): void {
  assertMatch(assertThrows(fn, type).message, new RegExp(text.replace(/[[\]().*+?]/g, "\\$&")));
}

/** n rows of d standard-normal features from `seed`. */
function randomFeatures(n: number, d: number, seed: number) {
  const rng = new Rng(seed);
  return featureMatrix(Float64Array.from({ length: n * d }, () => rng.normal()), n, d);
}

Deno.test("meanPairwiseDistance() averages over distinct pairs", () => {
  // Points 0, 3, 5 on a line: distances 3, 5, 2, mean 10/3.
  assertAlmostEquals(
    meanPairwiseDistance(featureMatrix(new Float64Array([0, 3, 5]), 3, 1)),
    10 / 3,
  );
});

Deno.test("outputSpreadRatio() is 0 for identical rows and 1 for a copy of the reals", () => {
  const real = randomFeatures(40, 8, 1);
  const same = featureMatrix(new Float64Array(40 * 8).fill(0.3), 40, 8);
  assertEquals(outputSpreadRatio(same, real), 0);
  const copy = featureMatrix(Float64Array.from(real.data), 40, 8);
  assertAlmostEquals(outputSpreadRatio(copy, real), 1, 1e-12);
  // Twice the scale, twice the spread.
  const wide = featureMatrix(real.data.map((v) => 2 * v), 40, 8);
  assertAlmostEquals(outputSpreadRatio(wide, real), 2, 1e-12);
});

Deno.test("outputSpreadRatio() rejects real images with no spread and mismatched dims", () => {
  const flat = featureMatrix(new Float64Array(6).fill(1), 3, 2);
  throwsWith(() => outputSpreadRatio(randomFeatures(3, 2, 0), flat), MetricError, "spread 0");
  throwsWith(
    () => outputSpreadRatio(randomFeatures(3, 2, 0), randomFeatures(3, 3, 0)),
    MetricError,
    "dimensions differ",
  );
});

Deno.test("inputRecoverability() is perfect for an identity-like map and chance for a constant", () => {
  const n = 50, d = 16;
  const truth = randomFeatures(n, d, 2);
  const noise = randomFeatures(n, d, 3);
  // Output = truth + small noise: each output is nearest its own truth.
  const near = featureMatrix(truth.data.map((v, i) => v + 0.05 * noise.data[i]), n, d);
  assertEquals(inputRecoverability(near, truth), { accuracy: 1, chance: 1 / n, n });
  // Constant output: every output retrieves the same key, so exactly one of n is right.
  const constant = featureMatrix(new Float64Array(n * d).fill(0.1), n, d);
  assertAlmostEquals(inputRecoverability(constant, truth).accuracy, 1 / n, 1e-12);
  // Outputs unrelated to their inputs: about chance.
  const unrelated = randomFeatures(n, d, 4);
  assert(inputRecoverability(unrelated, truth).accuracy <= 0.1);
});

Deno.test("inputRecoverability() splits credit between tied keys", () => {
  // Two identical keys: each output is equally near both, so each scores 1/2.
  const keys = featureMatrix(new Float64Array([1, 1, 1, 1]), 2, 2);
  assertEquals(inputRecoverability(keys, keys).accuracy, 0.5);
  throwsWith(
    () => inputRecoverability(randomFeatures(3, 2, 0), randomFeatures(4, 2, 0)),
    MetricError,
    "3 outputs but 4 keys",
  );
});

function lossRecords(f: (i: number) => number, n = 200, every = 100): MetricsRecord[] {
  return Array.from({ length: n }, (_, i) => ({
    type: "losses",
    step: (i + 1) * every,
    lr: 2e-4,
    losses: { D_A: f(i), G_A: 1 },
  }));
}

Deno.test("lossOscillation() ranks a sine-wave loss above a smooth decay", () => {
  const sine = lossOscillation(lossRecords((i) => 0.25 + 0.1 * Math.sin(i * 1.3)), "D_A");
  const decay = lossOscillation(lossRecords((i) => 0.25 + 0.5 * Math.exp(-i / 60)), "D_A");
  assertEquals(sine.points, 101); // steps 10000..20000 of 100..20000
  // The residual of a fast sine is about the sine itself: rms 0.1 / sqrt(2).
  assertAlmostEquals(sine.std, 0.1 / Math.SQRT2, 0.01);
  assert(decay.std < 1e-3, `decay std ${decay.std}`);
  assert(sine.relative > 100 * decay.relative);
  // A constant loss does not oscillate at all.
  assertEquals(lossOscillation(lossRecords(() => 1), "G_A").std, 0);
});

Deno.test("lossOscillation() rejects missing keys, bad windows and non-finite losses", () => {
  throwsWith(() => lossOscillation(lossRecords(() => 1), "cycle_A"), RangeError, "0 loss line");
  assertThrows(() => lossOscillation(lossRecords(() => 1), "D_A", { window: 4 }), RangeError);
  const bad = lossRecords((i) => i === 150 ? NaN : 1);
  throwsWith(() => lossOscillation(bad, "D_A"), RangeError, "step 15100");
});

Deno.test("trajectoryRoughness() ranks a zig-zag above a monotone trajectory", () => {
  const evals = (vs: number[]): MetricsRecord[] =>
    vs.map((fid, k) => ({ type: "eval", step: (k + 1) * 1000, fid }));
  const monotone = trajectoryRoughness(evals([100, 90, 80, 70, 60]), "fid");
  assertEquals(monotone, { roughness: 0.25, totalVariation: 1, n: 5 });
  const zigzag = trajectoryRoughness(evals([100, 60, 100, 60, 100]), "fid");
  assertEquals(zigzag, { roughness: 1, totalVariation: 4, n: 5 });
  assertEquals(trajectoryRoughness(evals([5, 5, 5]), "fid").roughness, 0);
  // Loss lines and evaluations without the metric are skipped; order comes from the steps.
  const mixed: MetricsRecord[] = [
    { type: "eval", step: 3000, fid: 70 },
    ...lossRecords(() => 1, 3),
    { type: "eval", step: 1000, fid: 100 },
    { type: "eval", step: 2000, l1: 0.2 },
    { type: "eval", step: 2500, fid: 80 },
  ];
  assertEquals(trajectoryRoughness(mixed, "fid").totalVariation, 1);
  throwsWith(() => trajectoryRoughness(evals([1]), "fid"), RangeError, "at least 2");
});

Deno.test("parseMetricsJsonl() reads lines and names a bad one", () => {
  const text = '{"type":"losses","step":100,"lr":0.0002,"losses":{"D_A":0.3}}\n\n' +
    '{"type":"eval","step":200,"fid":50}\n';
  const records = parseMetricsJsonl(text);
  assertEquals(records.length, 2);
  assertEquals(trajectoryRoughness([...records, { type: "eval", step: 300, fid: 40 }], "fid").n, 2);
  throwsWith(() => parseMetricsJsonl('{"type":"eval"}\nnot json\n'), SyntaxError, "line 2");
});

Deno.test("countDivergences() and acrossSeedSpread() summarise runs", () => {
  assertEquals(
    countDivergences([{ status: "completed" }, { status: "diverged" }, { status: "completed" }, {
      status: "diverged",
    }]),
    { diverged: 2, total: 4, share: 0.5 },
  );
  const s = acrossSeedSpread([1, 2, 3, 4]);
  assertAlmostEquals(s.std, Math.sqrt(5 / 3), 1e-14); // numpy.std(ddof=1)
  assertEquals(s.mean, 2.5);
  assertAlmostEquals(s.relative, Math.sqrt(5 / 3) / 2.5, 1e-14);
  assertThrows(() => acrossSeedSpread([1, NaN]), RangeError);
});

Deno.test("goodShare() is about 1 - quantile for reals, 1 for a better set, 0 for a worse", () => {
  const rng = new Rng(5);
  const real = Array.from({ length: 200 }, () => rng.normal());
  const self = goodShare(real, real, { better: "higher", rng: new Rng(0) });
  assertAlmostEquals(self.share, 0.9, 0.006); // 180 of 200 clear the type-7 quantile
  assert(self.ci !== null && self.ci.lo < 0.9 && 0.9 < self.ci.hi, JSON.stringify(self.ci));
  const better = real.map((v) => v + 10), worse = real.map((v) => v - 10);
  assertEquals(goodShare(better, real, { better: "higher", rng: new Rng(0) }).share, 1);
  assertEquals(goodShare(worse, real, { better: "higher", rng: new Rng(0) }).share, 0);
  // Lower-is-better flips the side of the bar.
  assertEquals(goodShare(worse, real, { better: "lower", rng: new Rng(0) }).share, 1);
  const selfLow = goodShare(real, real, { better: "lower", rng: new Rng(0) });
  assertAlmostEquals(selfLow.share, 0.9, 0.006);
  // 1..100: the 0.1 quantile is 10.9, so 90 of 100 are good.
  const ranks = Array.from({ length: 100 }, (_, i) => i + 1);
  const r = goodShare(ranks, ranks, { better: "higher", resamples: 0, rng: new Rng(0) });
  assertEquals(r, { share: 0.9, threshold: 10.9, ci: null, n: 100 });
});

Deno.test("goodShare() intervals are reproducible from the seed", () => {
  const real = Array.from({ length: 50 }, (_, i) => i);
  const fake = Array.from({ length: 60 }, (_, i) => (i * 7) % 50);
  const a = goodShare(fake, real, { better: "higher", rng: new Rng(11) });
  const b = goodShare(fake, real, { better: "higher", rng: new Rng(11) });
  const c = goodShare(fake, real, { better: "higher", rng: new Rng(12) });
  assertEquals(a, b);
  assert(a.ci !== null && c.ci !== null);
  assertEquals(a.share, c.share);
  throwsWith(
    () => goodShare([NaN], real, { better: "higher", rng: new Rng(0) }),
    RangeError,
    "fake scores[0]",
  );
  assertThrows(
    () => goodShare(fake, real, { better: "higher", quantile: 1, rng: new Rng(0) }),
    RangeError,
  );
});

Deno.test("histogram() bins as numpy.histogram", () => {
  // numpy.histogram([0, 0.1, 0.5, 1], 2, (0, 1)) -> ([2, 2], [0, 0.5, 1])
  assertEquals(histogram([0, 0.1, 0.5, 1], 2, [0, 1]), { edges: [0, 0.5, 1], counts: [2, 2] });
  // numpy.histogram([1, 2, 2, 3, 9], 4) -> ([3, 1, 0, 1], [1, 3, 5, 7, 9])
  assertEquals(histogram([1, 2, 2, 3, 9], 4), { edges: [1, 3, 5, 7, 9], counts: [3, 1, 0, 1] });
  // Out-of-range values are dropped; a single value gets a unit-wide range.
  assertEquals(histogram([-1, 0.5, 2], 1, [0, 1]).counts, [1]);
  assertEquals(histogram([4, 4], 2), { edges: [3.5, 4, 4.5], counts: [0, 2] });
  throwsWith(() => histogram([1], 0), RangeError, "bins");
});
