import { assert, assertAlmostEquals, assertEquals, assertThrows } from "./_assert.ts";
import {
  cosine,
  learningRate,
  linear,
  lr_policy,
  LR_POLICY_NAMES,
  step,
} from "../lib/train/schedule.ts";

const LR = 2e-4;

Deno.test("linear() follows the official rule: 100 epochs at lr, then lr * k/101, never 0", () => {
  // Training epoch e (from 1) runs after e - 1 scheduler steps.
  const at = (epoch: number) => LR * linear(epoch - 1);
  for (let e = 1; e <= 100; e++) assertEquals(at(e), LR, `epoch ${e}`);
  assertAlmostEquals(at(101), LR * 100 / 101, 1e-15);
  assertAlmostEquals(at(102), LR * 99 / 101, 1e-15);
  assertAlmostEquals(at(150), LR * 51 / 101, 1e-15);
  assertAlmostEquals(at(200), LR / 101, 1e-15);
  // After the last epoch the official log shows 0; one step further the formula is negative.
  assertEquals(linear(200), 0);
  const err = assertThrows(() => linear(201), RangeError);
  assert(err.message.includes("ends at step 200"), err.message);
  for (let e = 101; e <= 200; e++) {
    assert(at(e) > 0 && at(e) < at(e - 1), `epoch ${e} decays and stays above 0`);
  }
});

Deno.test("linear() shifts by epochCount like the official --epoch_count", () => {
  // Resuming at epoch 51 with a fresh scheduler: t = 0 is epoch 51, t = 50 is epoch 101.
  const opts = { epochCount: 51 };
  assertEquals(linear(0, opts), 1);
  assertEquals(linear(49, opts), 1);
  assertAlmostEquals(linear(50, opts), 100 / 101, 1e-15);
  assertAlmostEquals(linear(149, opts), 1 / 101, 1e-15);
  // Short schedules: 2 + 3 epochs decay by quarters.
  const short = { nEpochs: 2, nEpochsDecay: 3 };
  assertEquals([0, 1, 2, 3, 4].map((t) => linear(t, short)), [1, 1, 0.75, 0.5, 0.25]);
});

Deno.test("step() multiplies by gamma every lrDecayIters steps", () => {
  assertEquals(step(0), 1);
  assertEquals(step(49), 1);
  assertAlmostEquals(step(50), 0.1, 1e-15);
  assertAlmostEquals(step(99), 0.1, 1e-15);
  assertAlmostEquals(step(100), 0.01, 1e-15);
  assertAlmostEquals(step(150), 0.001, 1e-15);
  assertAlmostEquals(step(7, { lrDecayIters: 3, gamma: 0.5 }), 0.25, 1e-15);
});

Deno.test("cosine() is PyTorch's CosineAnnealingLR with T_max = nEpochs and eta_min 0", () => {
  assertEquals(cosine(0), 1);
  assertAlmostEquals(cosine(25), (1 + Math.SQRT1_2) / 2, 1e-15);
  assertAlmostEquals(cosine(50), 0.5, 1e-15);
  assertAlmostEquals(cosine(75), (1 - Math.SQRT1_2) / 2, 1e-15);
  assertAlmostEquals(cosine(100), 0, 1e-15);
  // Not clamped: the official 100 + 100 run climbs back up after T_max.
  assertAlmostEquals(cosine(150), 0.5, 1e-15);
  assertAlmostEquals(cosine(200), 1, 1e-15);
  assertAlmostEquals(cosine(1, { nEpochs: 4 }), (1 + Math.SQRT1_2) / 2, 1e-15);
});

Deno.test("lr_policy registry holds every policy under its own name with official defaults", () => {
  assertEquals([...LR_POLICY_NAMES], ["linear", "step", "cosine"]);
  for (const name of LR_POLICY_NAMES) assertEquals(lr_policy[name].name, name);
  assertEquals(lr_policy.linear.defaults, { nEpochs: 100, nEpochsDecay: 100, epochCount: 1 });
  assertEquals(lr_policy.step.defaults, { lrDecayIters: 50, gamma: 0.1 });
  assertEquals(lr_policy.cosine.defaults, { nEpochs: 100 });
  assert(lr_policy.linear.multiplier === linear);
});

Deno.test("learningRate() counts in the schedule's unit", () => {
  const at = { epoch: 100, iteration: 2500 };
  assertAlmostEquals(learningRate(LR, at, { policy: "linear" }), LR * 100 / 101, 1e-18);
  // In iterations: 1000 steps at lr, then 1000 of decay; iteration 1500 is 501 steps into it.
  assertAlmostEquals(
    learningRate(LR, { epoch: 0, iteration: 1500 }, {
      policy: "linear",
      unit: "iteration",
      nEpochs: 1000,
      nEpochsDecay: 1000,
    }),
    LR * (1 - 501 / 1001),
    1e-18,
  );
  assertAlmostEquals(
    learningRate(1e-3, at, { policy: "step", unit: "iteration", lrDecayIters: 1000 }),
    1e-5,
    1e-18,
  );
  assertAlmostEquals(learningRate(1, at, { policy: "cosine", unit: "epoch" }), 0, 1e-15);
  const err = assertThrows(() =>
    learningRate(LR, at, { policy: "plateau" as unknown as "linear" })
  );
  assert(err.message.includes('"plateau"') && err.message.includes("linear, step, cosine"));
  assertThrows(() => learningRate(LR, at, { policy: "linear", unit: "batch" as "epoch" }));
});

Deno.test("schedules reject negative or fractional steps and bad options", () => {
  assertThrows(() => linear(-1), RangeError);
  assertThrows(() => step(1.5), RangeError);
  assertThrows(() => cosine(0, { nEpochs: 0 }), RangeError);
  assertThrows(() => step(0, { lrDecayIters: 0 }), RangeError);
  assertThrows(() => linear(0, { nEpochsDecay: NaN }), RangeError);
});
