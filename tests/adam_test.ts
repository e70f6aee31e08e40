import { assert, assertEquals } from "./_assert.ts";
import { type AdamGradients, LowPeakAdam } from "../lib/train/adam.ts";
import { selectBackend } from "../lib/backend/mod.ts";
import { tf } from "../lib/tf.ts";

async function trainTwo(useOurs: boolean, reorder: boolean) {
  const a = tf.variable(tf.randomNormal([5, 3], 0, 1, "float32", 1), true, `a${useOurs}${reorder}`);
  const b = tf.variable(tf.randomNormal([7], 0, 1, "float32", 2), true, `b${useOurs}${reorder}`);
  const opt = useOurs
    ? new LowPeakAdam(0.01, 0.5, 0.999, 1e-8)
    : tf.train.adam(0.01, 0.5, 0.999, 1e-8);
  let peak = 0;
  const counts: number[] = [];
  for (let step = 0; step < 4; step++) {
    const { value, grads } = tf.variableGrads(() =>
      tf.add(tf.sum(tf.square(tf.sub(a, 0.3))), tf.sum(tf.sin(b))) as tf.Scalar
    );
    const names = Object.keys(grads);
    const ordered = reorder && step % 2 === 1 ? names.reverse() : names;
    const map: tf.NamedTensorMap = {};
    for (const n of ordered) map[n] = grads[n];
    const info = await tf.profile(() => opt.applyGradients(map as AdamGradients));
    peak = Math.max(peak, info.peakBytes);
    tf.dispose([value, ...Object.values(grads)]);
    counts.push(tf.memory().numTensors);
  }
  const weights = await opt.getWeights();
  weights[0].tensor.dispose(); // the iteration count, a fresh scalar
  const out = [await a.data(), await b.data(), weights.length] as const;
  opt.dispose();
  tf.dispose([a, b]);
  return { out, peak, counts };
}

Deno.test("LowPeakAdam is bit-identical to tfjs's Adam and keeps a smaller peak", async () => {
  await selectBackend("cpu");
  const ref = await trainTwo(false, false);
  const ours = await trainTwo(true, false);
  assertEquals(Array.from(ours.out[0]), Array.from(ref.out[0]));
  assertEquals(Array.from(ours.out[1]), Array.from(ref.out[1]));
  assertEquals(ours.out[2], ref.out[2], "same getWeights() layout");
  assert(ours.peak < ref.peak, `peak ${ours.peak} B not below tfjs's ${ref.peak} B`);
  // From step 2 on (moments exist) a step leaves the tensor count unchanged.
  assertEquals(new Set(ours.counts.slice(1)).size, 1, `tensor counts ${ours.counts}`);
});

Deno.test("LowPeakAdam finds moments by name when the gradient map's order changes", async () => {
  await selectBackend("cpu");
  const straight = await trainTwo(true, false);
  const shuffled = await trainTwo(true, true);
  assertEquals(Array.from(shuffled.out[0]), Array.from(straight.out[0]));
  assertEquals(Array.from(shuffled.out[1]), Array.from(straight.out[1]));
});
