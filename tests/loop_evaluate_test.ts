/**
 * The training loop's periodic evaluation hook (`train(..., { evaluate })`): when it is called,
 * that it cannot change what is trained (BatchNorm statistics restored, the model's random
 * stream guarded), and that it leaves no tensors behind.
 */
import { assertEquals, assertMatch, assertRejects } from "./_assert.ts";
import { selectBackend } from "../lib/backend/mod.ts";
import { tf } from "../lib/tf.ts";
import { Rng } from "../lib/nn/rng.ts";
import { tensorSource, type UnalignedSource } from "../lib/train/data.ts";
import { train, type TrainConfig } from "../lib/train/loop.ts";
import type { CycleGan } from "../lib/train/cyclegan.ts";

const quiet = () => {};

/** 3 A and 2 B random 12x12 images: 3 iterations per epoch. */
function source(): UnalignedSource {
  const rng = new Rng(11);
  const img = () => rng.fillUniform(12 * 12 * 3).map((v) => v * 2 - 1);
  return tensorSource([img(), img(), img()], [img(), img()], { imageSize: [12, 12] });
}

/** BatchNorm (running statistics) and dropout (the model's stream): what an evaluation could disturb. */
const CONFIG: Partial<TrainConfig> = Object.freeze({
  netG: "resnet_6blocks",
  netD: "pixel",
  ngf: 2,
  ndf: 2,
  norm: "batch",
  no_dropout: false,
  pool_size: 1,
  n_epochs: 1,
  n_epochs_decay: 1,
  save_latest_freq: 0,
  print_freq: 1,
  seed: 5,
});

/** Applies both generators in training mode (which updates BatchNorm statistics), own stream. */
function evaluation(calls: number[]): (step: number, model: CycleGan) => Promise<void> {
  return async (step, model) => {
    calls.push(step);
    const rng = new Rng(0);
    const y = tf.tidy(() => {
      const x = tf.ones([1, 12, 12, 3]) as tf.Tensor4D;
      return model.G_B.apply(model.G_A.apply(x, { training: true, rng }), { training: true, rng });
    });
    await y.data();
    y.dispose();
  };
}

Deno.test("train() evaluates every k steps but the last, without changing what it trains", async () => {
  await selectBackend("wasm");
  const dirs = [await Deno.makeTempDir(), await Deno.makeTempDir()];
  try {
    const plain = await train(CONFIG, { source: source(), dir: dirs[0], log: quiet });
    const before = tf.memory().numTensors;
    const calls: number[] = [];
    const evaluated = await train(CONFIG, {
      source: source(),
      dir: dirs[1],
      log: quiet,
      evaluate: { every: 2, run: evaluation(calls) },
    });
    assertEquals(tf.memory().numTensors, before, "no tensors left behind");
    assertEquals(evaluated.step, 6);
    assertEquals(calls, [2, 4], "every 2 steps of 6, not at the last (the caller's final one)");
    assertEquals(evaluated.weightsSha256, plain.weightsSha256, "weights and buffers unchanged");
  } finally {
    for (const d of dirs) await Deno.remove(d, { recursive: true });
  }
});

Deno.test("train() refuses an evaluation that draws from the model's random stream", async () => {
  await selectBackend("wasm");
  const dir = await Deno.makeTempDir();
  try {
    const e = await assertRejects(
      () =>
        train({ ...CONFIG, max_steps: 2 }, {
          source: source(),
          dir,
          log: quiet,
          evaluate: { every: 1, run: (_step, model) => Promise.resolve(void model.rng.nextU32()) },
        }),
    );
    assertMatch(e.message, /an evaluation drew from the model's random stream/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
