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
import type { TrainModel } from "../lib/train/models.ts";

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
function evaluation(calls: number[]): (step: number, model: TrainModel) => Promise<void> {
  return async (step, model) => {
    calls.push(step);
    const rng = new Rng(0);
    const { G_A, G_B } = model.translators();
    const y = tf.tidy(() => {
      const x = tf.ones([1, 12, 12, 3]) as tf.Tensor4D;
      return G_B!.apply(G_A!.apply(x, { training: true, rng }), { training: true, rng });
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

Deno.test("probe: the GAN signal every print_freq steps, training unchanged (BatchNorm, dropout)", async () => {
  await selectBackend("wasm");
  const dirs = [await Deno.makeTempDir(), await Deno.makeTempDir()];
  try {
    const config = { ...CONFIG, print_freq: 2 };
    const plain = await train(config, { source: source(), dir: dirs[0], log: quiet });
    const before = tf.memory().numTensors;
    const seen: [number, Record<string, number> | undefined][] = [];
    const probed = await train({ ...config, probe: true }, {
      source: source(),
      dir: dirs[1],
      log: quiet,
      onStep: (step, _losses, _lr, probe) => {
        seen.push([step, probe as Record<string, number> | undefined]);
      },
    });
    assertEquals(tf.memory().numTensors, before, "no tensors left behind");
    assertEquals(probed.weightsSha256, plain.weightsSha256, "weights and buffers unchanged");
    assertEquals(probed.configHash, plain.configHash, "probe is operational: same run");
    assertEquals(seen.filter(([, p]) => p).map(([s]) => s), [2, 4, 6]);
    for (const [, p] of seen.filter(([, p]) => p)) {
      assertEquals(Object.keys(p!).sort(), ["D_A_fake", "D_B_fake", "grad_G_A", "grad_G_B"]);
      for (const v of Object.values(p!)) assertEquals(Number.isFinite(v), true);
      assertEquals(p!.grad_G_A > 0 && p!.grad_G_B > 0, true, "a GAN term has a gradient");
    }
  } finally {
    for (const d of dirs) await Deno.remove(d, { recursive: true });
  }
});

Deno.test("probe: measures only the directions whose GAN term is on", async () => {
  await selectBackend("wasm");
  const dir = await Deno.makeTempDir();
  try {
    const seen: Record<string, number>[] = [];
    await train({ ...CONFIG, probe: true, max_steps: 1, loss: { gan: true, cycle: "none" } }, {
      source: source(),
      dir,
      log: quiet,
      onStep: (_s, _l, _lr, p) => void (p && seen.push(p as Record<string, number>)),
    });
    assertEquals(seen.length, 1);
    const none: Record<string, number>[] = [];
    await train({ ...CONFIG, probe: true, max_steps: 1, loss: { gan: false, cycle: "both" } }, {
      source: source(),
      dir: dir + "/2",
      log: quiet,
      onStep: (_s, _l, _lr, p) => void (p && none.push(p as Record<string, number>)),
    });
    assertEquals(none, [{}], "no GAN term, nothing to measure");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
