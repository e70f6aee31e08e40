import { assert, assertAlmostEquals, assertEquals, assertThrows } from "./_assert.ts";
import { tf } from "../lib/tf.ts";
import "@tensorflow/tfjs-backend-cpu";
import {
  bceWithLogits,
  cycleLoss,
  gan_mode,
  GAN_MODE_NAMES,
  ganLoss,
  gradientPenalty,
  identityLoss,
  lossTerms,
  PAPER_LOSS_VARIANTS,
} from "../lib/losses/mod.ts";

// 2x2 prediction maps. real: mean 1.5; fake: mean 0.5.
const REAL = [[1, 2], [0, 3]];
const FAKE = [[0.5, -0.5], [0, 2]];

/** Runs `fn`, checks that disposing its result brings the tensor count back, returns its value. */
function valueWithoutLeak(fn: () => tf.Tensor): number {
  const before = tf.memory().numTensors;
  const result = fn();
  const value = result.dataSync()[0];
  result.dispose();
  assertEquals(tf.memory().numTensors, before, "tensors leaked");
  return value;
}

function fixtures() {
  return { real: tf.tensor2d(REAL), fake: tf.tensor2d(FAKE) };
}

Deno.test("gan_mode registry holds every mode under its own name", async () => {
  await tf.setBackend("cpu");
  assertEquals([...GAN_MODE_NAMES], ["vanilla", "lsgan", "wgangp", "hinge"]);
  for (const name of GAN_MODE_NAMES) assertEquals(gan_mode[name].name, name);
  assertEquals(gan_mode.wgangp.needsGradientPenalty, true);
  assertEquals(
    GAN_MODE_NAMES.filter((n) => gan_mode[n].needsGradientPenalty),
    ["wgangp"],
  );
  assert(ganLoss("lsgan") === gan_mode.lsgan);
  const err = assertThrows(() => ganLoss("wgan"));
  assert(err.message.includes('"wgan"') && err.message.includes("vanilla, lsgan, wgangp, hinge"));
  assertThrows(() => ganLoss("toString"));
});

Deno.test("lsgan: G is mean((D(G(x)) - 1)^2), D is half the sum of the MSEs to 1 and 0", async () => {
  await tf.setBackend("cpu");
  const { real, fake } = fixtures();
  // (0.5-1)^2 + (-0.5-1)^2 + (0-1)^2 + (2-1)^2 = 0.25 + 2.25 + 1 + 1 = 4.5, over 4.
  assertAlmostEquals(valueWithoutLeak(() => gan_mode.lsgan.generatorLoss(fake)), 1.125, 1e-6);
  // real to 1: (0 + 1 + 1 + 4) / 4 = 1.5; fake to 0: (0.25 + 0.25 + 0 + 4) / 4 = 1.125.
  assertAlmostEquals(
    valueWithoutLeak(() => gan_mode.lsgan.discriminatorLoss(real, fake)),
    0.5 * (1.5 + 1.125),
    1e-6,
  );
  tf.dispose([real, fake]);
});

Deno.test("vanilla: BCE with logits against 1 (G) and 1/0 (D, halved)", async () => {
  await tf.setBackend("cpu");
  const { real, fake } = fixtures();
  // -log(sigmoid(x)) = log(1 + e^-x); -log(1 - sigmoid(x)) = log(1 + e^x).
  const toReal = (xs: number[][]) =>
    xs.flat().reduce((s, x) => s + Math.log(1 + Math.exp(-x)), 0) / 4;
  const toFake = (xs: number[][]) =>
    xs.flat().reduce((s, x) => s + Math.log(1 + Math.exp(x)), 0) / 4;
  assertAlmostEquals(
    valueWithoutLeak(() => gan_mode.vanilla.generatorLoss(fake)),
    toReal(FAKE),
    1e-6,
  );
  assertAlmostEquals(
    valueWithoutLeak(() => gan_mode.vanilla.discriminatorLoss(real, fake)),
    0.5 * (toReal(REAL) + toFake(FAKE)),
    1e-6,
  );
  tf.dispose([real, fake]);
});

Deno.test("bceWithLogits() stays finite for huge logits and has gradient sigmoid(x) - t at 0", async () => {
  await tf.setBackend("cpu");
  const x = tf.tensor2d([[100, -100], [0, 0]]);
  // t = 1: log(1 + e^-100) ~ 0, log(1 + e^100) ~ 100, log 2, log 2.
  assertAlmostEquals(valueWithoutLeak(() => bceWithLogits(x, 1)), (100 + 2 * Math.LN2) / 4, 1e-5);
  assertAlmostEquals(valueWithoutLeak(() => bceWithLogits(x, 0)), (100 + 2 * Math.LN2) / 4, 1e-5);
  const zeros = tf.zeros([2, 2]);
  const before = tf.memory().numTensors;
  for (const t of [0, 1] as const) {
    const g = tf.grad((z: tf.Tensor) => bceWithLogits(z, t))(zeros);
    // d/dx mean(...) = (sigmoid(0) - t) / 4 per element.
    for (const v of g.dataSync()) assertAlmostEquals(v, (0.5 - t) / 4, 1e-7);
    g.dispose();
  }
  assertEquals(tf.memory().numTensors, before);
  tf.dispose([x, zeros]);
});

Deno.test("wgangp: G is -mean(fake), D is half of mean(fake) - mean(real)", async () => {
  await tf.setBackend("cpu");
  const { real, fake } = fixtures();
  assertAlmostEquals(valueWithoutLeak(() => gan_mode.wgangp.generatorLoss(fake)), -0.5, 1e-6);
  assertAlmostEquals(
    valueWithoutLeak(() => gan_mode.wgangp.discriminatorLoss(real, fake)),
    0.5 * (0.5 - 1.5),
    1e-6,
  );
  tf.dispose([real, fake]);
});

Deno.test("hinge: D is half of mean(relu(1 - real)) + mean(relu(1 + fake)), G is -mean(fake)", async () => {
  await tf.setBackend("cpu");
  const { real, fake } = fixtures();
  assertAlmostEquals(valueWithoutLeak(() => gan_mode.hinge.generatorLoss(fake)), -0.5, 1e-6);
  // relu(1 - real) = [0, 0, 1, 0] -> 0.25; relu(1 + fake) = [1.5, 0.5, 1, 3] -> 1.5.
  assertAlmostEquals(
    valueWithoutLeak(() => gan_mode.hinge.discriminatorLoss(real, fake)),
    0.5 * (0.25 + 1.5),
    1e-6,
  );
  tf.dispose([real, fake]);
});

/** An RNG stub that replays fixed draws. */
function replay(...draws: number[]) {
  let i = 0;
  return { uniform: () => draws[i++ % draws.length] };
}

Deno.test("gradientPenalty() interpolates per sample with the RNG's alphas", async () => {
  await tf.setBackend("cpu");
  // D(x) = sum(x^2) / 2 has input gradient x_hat, so each norm is ||x_hat_i||.
  const critic = (x: tf.Tensor) => tf.div(tf.square(x), 2);
  const real = tf.stack([tf.ones([2, 2]), tf.fill([2, 2], 2)]);
  const fake = tf.zeros([2, 2, 2]);
  // alpha 0.25: x_hat = 0.25 everywhere, norm 0.5, (0.5 - 1)^2 = 0.25.
  // alpha 0.75: x_hat = 1.5 everywhere, norm 3, (3 - 1)^2 = 4. Penalty 10 * mean = 21.25.
  const gp = valueWithoutLeak(() =>
    gradientPenalty(critic, { real, fake }, { rng: replay(0.25, 0.75) })
  );
  assertAlmostEquals(gp, 21.25, 1e-4);
  const half = valueWithoutLeak(() =>
    gradientPenalty(critic, { real, fake }, { rng: replay(0.25, 0.75), lambdaGp: 5 })
  );
  assertAlmostEquals(half, 10.625, 1e-4);
  assertThrows(() => gradientPenalty(critic, { real, fake: tf.zeros([2, 2]) }, { rng: replay(0) }));
  assertThrows(() => gradientPenalty(critic, { real, fake }, { rng: replay(1.5) }));
  tf.dispose([real, fake]);
});

Deno.test("gradientPenalty() is differentiable w.r.t. the critic's weights (linear critic)", async () => {
  await tf.setBackend("cpu");
  const wValues = [[0.3, -0.4], [1.2, 0.5]];
  const w = tf.variable(tf.tensor2d(wValues), true, "gp_linear_w");
  // D(x) = sum(w * x): the input gradient is w for every sample, whatever alpha is.
  const critic = (x: tf.Tensor) => tf.mul(x, w);
  const real = tf.ones([2, 2, 2]);
  const fake = tf.zeros([2, 2, 2]);
  const norm = Math.sqrt(wValues.flat().reduce((s, v) => s + v * v, 0)); // sqrt(1.94)
  const before = tf.memory().numTensors;
  const { value, grads } = tf.variableGrads(
    () => gradientPenalty(critic, { real, fake }, { rng: replay(0.3, 0.9) }),
    [w],
  );
  assertAlmostEquals(value.dataSync()[0], 10 * (norm - 1) ** 2, 1e-5);
  // d/dw 10 (||w|| - 1)^2 = 20 (||w|| - 1) w / ||w||.
  const expected = wValues.flat().map((v) => 20 * (norm - 1) * v / norm);
  grads["gp_linear_w"].dataSync().forEach((g, i) => assertAlmostEquals(g, expected[i], 1e-5));
  tf.dispose([value, ...Object.values(grads)]);
  assertEquals(tf.memory().numTensors, before, "tensors leaked");
  tf.dispose([w, real, fake]);
});

Deno.test("gradientPenalty() differentiates through a conv + LeakyReLU critic (finite differences)", async () => {
  await tf.setBackend("cpu");
  const k = tf.variable(
    tf.randomNormal([3, 3, 1, 2], 0, 0.3, "float32", 11),
    true,
    "gp_conv_k",
  ) as tf.Variable<tf.Rank.R4>;
  const head = tf.randomNormal<tf.Rank.R4>([1, 1, 2, 1], 0, 0.5, "float32", 12);
  // A tiny PatchGAN: conv, LeakyReLU(0.2) (whose gradient uses Greater), conv to one channel.
  const critic = (x: tf.Tensor) =>
    tf.conv2d(tf.leakyRelu(tf.conv2d(x as tf.Tensor4D, k, 2, "same"), 0.2), head, 1, "valid");
  const real = tf.randomNormal([2, 4, 4, 1], 0, 1, "float32", 13);
  const fake = tf.randomNormal([2, 4, 4, 1], 0, 1, "float32", 14);
  const penalty = () => gradientPenalty(critic, { real, fake }, { rng: replay(0.3, 0.6) });
  const before = tf.memory().numTensors;
  const { value, grads } = tf.variableGrads(penalty, [k]);
  const analytic = grads["gp_conv_k"].dataSync().slice();
  tf.dispose([value, ...Object.values(grads)]);
  assertEquals(tf.memory().numTensors, before, "tensors leaked");
  // Central differences in float64 arithmetic over float32 evaluations.
  const k0 = k.dataSync().slice();
  const h = 1e-2;
  for (const j of [0, 5, 9, 17]) {
    const at = (delta: number) => {
      const kj = k0.slice();
      kj[j] += delta;
      k.assign(tf.tensor(kj, k.shape));
      return valueWithoutLeak(penalty);
    };
    const numeric = (at(h) - at(-h)) / (2 * h);
    assertAlmostEquals(analytic[j], numeric, 2e-2 * Math.max(1, Math.abs(numeric)), `k[${j}]`);
  }
  tf.dispose([k, head, real, fake]);
});

Deno.test("cycleLoss() is lambda * mean |rec - real|", async () => {
  await tf.setBackend("cpu");
  const rec = tf.tensor2d([[1, 2], [3, 4]]);
  const real = tf.tensor2d([[0, 2], [5, 3]]);
  // |diff| = [1, 0, 2, 1], mean 1.
  assertAlmostEquals(valueWithoutLeak(() => cycleLoss(rec, real, 10)), 10, 1e-6);
  assertAlmostEquals(valueWithoutLeak(() => cycleLoss(rec, real, 0)), 0, 1e-6);
  assertThrows(() => cycleLoss(rec, real, -1));
  assertThrows(() => cycleLoss(rec, tf.zeros([2]), 10));
  tf.dispose([rec, real]);
});

Deno.test("identityLoss() is lambda * lambdaIdentity * mean |idt - real| and skips at 0", async () => {
  await tf.setBackend("cpu");
  const idt = tf.tensor2d([[1, 2], [3, 4]]);
  const real = tf.tensor2d([[0, 2], [5, 3]]);
  // The official defaults: 10 * 0.5 = 5, times the mean |diff| of 1.
  assertAlmostEquals(valueWithoutLeak(() => identityLoss(idt, real, 10, 0.5)), 5, 1e-6);
  // A generator thunk: its output is disposed here (valueWithoutLeak would see it otherwise).
  let calls = 0;
  const thunk = () => {
    calls++;
    return tf.add(idt, 0);
  };
  assertAlmostEquals(valueWithoutLeak(() => identityLoss(thunk, real, 10, 0.5)), 5, 1e-6);
  assertEquals(calls, 1);
  assertEquals(valueWithoutLeak(() => identityLoss(thunk, real, 10, 0)), 0);
  assertEquals(calls, 1, "lambda_identity 0 must not run the generator");
  assertThrows(() => identityLoss(idt, real, 10, -0.5));
  assertThrows(() => identityLoss(idt, real, NaN, 0.5));
  tf.dispose([idt, real]);
});

Deno.test("lossTerms() maps the paper's five loss variants to their terms", () => {
  assertEquals(Object.keys(PAPER_LOSS_VARIANTS), [
    "Cycle alone",
    "GAN alone",
    "GAN + forward cycle",
    "GAN + backward cycle",
    "CycleGAN",
  ]);
  const on = (GAN: boolean, cycle_A: boolean, cycle_B: boolean) => ({
    GAN_A: GAN,
    GAN_B: GAN,
    cycle_A,
    cycle_B,
  });
  assertEquals(lossTerms(PAPER_LOSS_VARIANTS["Cycle alone"]), on(false, true, true));
  assertEquals(lossTerms(PAPER_LOSS_VARIANTS["GAN alone"]), on(true, false, false));
  assertEquals(lossTerms(PAPER_LOSS_VARIANTS["GAN + forward cycle"]), on(true, true, false));
  assertEquals(lossTerms(PAPER_LOSS_VARIANTS["GAN + backward cycle"]), on(true, false, true));
  assertEquals(lossTerms(PAPER_LOSS_VARIANTS["CycleGAN"]), on(true, true, true));
  assertEquals(lossTerms({ gan: false, cycle: "none" }), on(false, false, false));
  assert(Object.isFrozen(PAPER_LOSS_VARIANTS) && Object.isFrozen(PAPER_LOSS_VARIANTS.CycleGAN));
  const err = assertThrows(() =>
    lossTerms({ gan: true, cycle: "forwards" } as unknown as Parameters<typeof lossTerms>[0])
  );
  assert(err.message.includes('"forwards"'), err.message);
});
