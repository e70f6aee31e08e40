/**
 * The untrained floor of an evaluation is the run's own step 0: `initialGenerators()` gives
 * G_A and G_B with the weights `train()` starts from (same config, same seed), under other
 * variable names so that both can live together.
 */
import { assert, assertEquals } from "./_assert.ts";
import { tf } from "../lib/tf.ts";
import { selectBackend } from "../lib/backend/mod.ts";
import { Rng } from "../lib/nn/rng.ts";
import { createCycleGan, disposeCycleGan } from "../lib/train/cyclegan.ts";
import { initialGenerators, modelOptions, resolveTrainConfig } from "../lib/train/loop.ts";

await selectBackend("wasm");

Deno.test("initialGenerators() has train()'s step-0 weights beside a live model; no leaks", async () => {
  const c = resolveTrainConfig({ netG: "resnet_6blocks", ngf: 4, ndf: 4, seed: 1234 });
  const before = tf.memory().numTensors;
  const model = createCycleGan(modelOptions(c), new Rng(c.seed).fork());
  const x = tf.randomUniform([1, 32, 32, 3], -1, 1, "float32", 7) as tf.Tensor4D;
  const out = async (g: { apply: typeof model.G_A.apply }) => {
    const y = g.apply(x, { training: true, rng: new Rng(0) });
    const d = Array.from(await y.data());
    y.dispose();
    return d;
  };
  try {
    const floor = initialGenerators(c);
    assertEquals(await out(floor.G_A!), await out(model.G_A), "G_A: same weights");
    assertEquals(await out(floor.G_B!), await out(model.G_B), "G_B: same weights");
    floor.G_A!.dispose();
    floor.G_B!.dispose();
    const other = initialGenerators({ ...c, seed: 1235 });
    const [o, a] = [await out(other.G_A!), await out(model.G_A)];
    assert(o.some((v, i) => v !== a[i]), "another seed, other weights");
    other.G_A!.dispose();
    other.G_B!.dispose();
  } finally {
    x.dispose();
    disposeCycleGan(model);
  }
  assertEquals(tf.memory().numTensors, before);
});
