import { assert, assertEquals } from "./_assert.ts";
import { accumulatedGrads, recompute } from "../lib/backend/memory.ts";
import { tf } from "../lib/tf.ts";
import "@tensorflow/tfjs-backend-cpu";

function block(h: tf.Tensor, [a, b]: tf.Tensor[]): tf.Tensor {
  const z = tf.relu(tf.matMul(h as tf.Tensor2D, a as tf.Tensor2D));
  return tf.tanh(tf.matMul(z, b as tf.Tensor2D));
}

function setup() {
  const w1 = tf.variable(tf.randomNormal([4, 4], 0, 1, "float32", 1), true, "w1");
  const w2 = tf.variable(tf.randomNormal([4, 4], 0, 1, "float32", 2), true, "w2");
  const x = tf.randomNormal([3, 4], 0, 1, "float32", 3);
  return { w1, w2, x };
}

function maxDiff(a: tf.Tensor, b: tf.Tensor): number {
  return tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]);
}

Deno.test("recompute() gives the same value and gradients as the plain block, without leaks", async () => {
  await tf.setBackend("cpu");
  const { w1, w2, x } = setup();
  const plain = () => tf.sum(tf.square(block(block(x, [w1, w2]), [w2, w1]))) as tf.Scalar;
  const ckpt = () =>
    tf.sum(tf.square(recompute(block, recompute(block, x, [w1, w2]), [w2, w1]))) as tf.Scalar;
  const a = tf.variableGrads(plain);
  const before = tf.memory().numTensors;
  const b = tf.variableGrads(ckpt);
  assertEquals(tf.memory().numTensors - before, 3, "only the value and two gradients remain");
  assertEquals(a.value.dataSync()[0], b.value.dataSync()[0]);
  for (const k of ["w1", "w2"]) assert(maxDiff(a.grads[k], b.grads[k]) === 0, k);
  tf.dispose([a.value, b.value, ...Object.values(a.grads), ...Object.values(b.grads)]);
  tf.dispose([w1, w2, x]);
});

Deno.test("recompute() keeps no block intermediates alive between forward and backward", async () => {
  await tf.setBackend("cpu");
  const { w1, w2, x } = setup();
  let peakPlain = 0;
  let peakCkpt = 0;
  const deep = (useCkpt: boolean) => () => {
    let h: tf.Tensor = x;
    for (let i = 0; i < 6; i++) h = useCkpt ? recompute(block, h, [w1, w2]) : block(h, [w1, w2]);
    const loss = tf.sum(h) as tf.Scalar;
    const n = tf.memory().numTensors;
    if (useCkpt) peakCkpt = n;
    else peakPlain = n;
    return loss;
  };
  const a = tf.variableGrads(deep(false));
  const b = tf.variableGrads(deep(true));
  assert(peakCkpt < peakPlain, `checkpointed forward holds ${peakCkpt} >= ${peakPlain} tensors`);
  tf.dispose([a.value, b.value, ...Object.values(a.grads), ...Object.values(b.grads)]);
  tf.dispose([w1, w2, x]);
});

Deno.test("accumulatedGrads() equals the fused gradient and disposes per-term tensors", async () => {
  await tf.setBackend("cpu");
  const { w1, w2, x } = setup();
  const t1 = () => tf.sum(block(x, [w1, w2])) as tf.Scalar;
  const t2 = () => tf.mean(tf.square(block(x, [w2, w1]))) as tf.Scalar;
  const t3 = () => tf.sum(tf.matMul(x as tf.Tensor2D, w1 as tf.Tensor2D)) as tf.Scalar;
  const fused = tf.variableGrads(() => tf.addN([t1(), t2(), t3()]) as tf.Scalar);
  const before = tf.memory().numTensors;
  const acc = accumulatedGrads([t1, t2, t3], [w1, w2]);
  assertEquals(tf.memory().numTensors - before, 3 + 2, "three term values and two gradients");
  assertEquals(acc.values.length, 3);
  for (const k of ["w1", "w2"]) assert(maxDiff(fused.grads[k], acc.grads[k]) < 1e-5, k);
  tf.dispose([
    fused.value,
    ...Object.values(fused.grads),
    ...acc.values,
    ...Object.values(acc.grads),
  ]);
  tf.dispose([w1, w2, x]);
});
