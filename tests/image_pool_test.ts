import { assert, assertAlmostEquals, assertEquals, assertThrows } from "./_assert.ts";
import { tf } from "../lib/tf.ts";
import "@tensorflow/tfjs-backend-cpu";
import { ImagePool } from "../lib/image_pool.ts";
import { Rng } from "../lib/nn/rng.ts";

/** A batch of 1x1x1 images holding `values`, shape [n, 1, 1, 1]. */
function batch(...values: number[]): tf.Tensor {
  return tf.tensor(values, [values.length, 1, 1, 1]);
}

/** Queries `pool` with `values`, returns the output values; disposes input and output. */
function ask(pool: ImagePool, ...values: number[]): number[] {
  const input = batch(...values);
  const out = pool.query(input);
  assertEquals(out.shape, input.shape);
  const result = Array.from(out.dataSync());
  tf.dispose([input, out]);
  return result;
}

Deno.test("ImagePool of size 0 passes images through as a new tensor", async () => {
  await tf.setBackend("cpu");
  const pool = new ImagePool(0, new Rng(1));
  const before = tf.memory().numTensors;
  const input = batch(1, 2, 3);
  const out = pool.query(input);
  assert(out !== input, "the result is the caller's to dispose, so it must not be the input");
  assertEquals(Array.from(out.dataSync()), [1, 2, 3]);
  assertEquals(pool.count, 0);
  tf.dispose([input, out]);
  assertEquals(tf.memory().numTensors, before, "tensors leaked");
});

Deno.test("ImagePool stores and returns images until full, one image at a time", async () => {
  await tf.setBackend("cpu");
  const before = tf.memory().numTensors;
  const pool = new ImagePool(3, new Rng(2));
  assertEquals(ask(pool, 1, 2), [1, 2]);
  assertEquals(pool.count, 2);
  // A batch straddling the fill: 3 fills the last slot and is returned; 4 meets a full pool.
  const [third, fourth] = ask(pool, 3, 4);
  assertEquals(third, 3);
  assertEquals(pool.count, 3);
  const stored = Array.from((await pool.toState()).images.data);
  if (fourth === 4) {
    assertEquals(stored, [1, 2, 3], "kept the pool unchanged");
  } else {
    assert([1, 2, 3].includes(fourth), `returned ${fourth}, a stored image`);
    assertEquals(stored.map((v) => (v === 4 ? fourth : v)), [1, 2, 3], "4 took its slot");
  }
  assertEquals(tf.memory().numTensors, before + 3, "the pool holds exactly its 3 images");
  pool.dispose();
  assertEquals(pool.count, 0);
  assertEquals(tf.memory().numTensors, before, "tensors leaked");
});

Deno.test("ImagePool swaps with probability 1/2 and picks slots uniformly", async () => {
  await tf.setBackend("cpu");
  const before = tf.memory().numTensors;
  const size = 5;
  const pool = new ImagePool(size, new Rng(12345));
  for (let i = 0; i < size; i++) ask(pool, i);
  // Track the slots to check that a swap returns what was in a uniformly drawn slot.
  const slots = [0, 1, 2, 3, 4];
  const picks = new Array(size).fill(0);
  const n = 10_000;
  let swaps = 0;
  for (let i = size; i < size + n; i++) {
    const [out] = ask(pool, i);
    if (out === i) continue;
    swaps++;
    const slot = slots.indexOf(out);
    assert(slot >= 0, `returned ${out}, which the pool does not hold`);
    picks[slot]++;
    slots[slot] = i;
  }
  assertAlmostEquals(swaps / n, 0.5, 0.02, `swap rate ${swaps / n}`);
  for (const p of picks) assertAlmostEquals(p / swaps, 1 / size, 0.03, `slot rate ${p / swaps}`);
  assertEquals(Array.from((await pool.toState()).images.data), slots);
  pool.dispose();
  assertEquals(tf.memory().numTensors, before, "tensors leaked");
});

Deno.test("ImagePool.toState()/fromState() continue with identical outputs", async () => {
  await tf.setBackend("cpu");
  const before = tf.memory().numTensors;
  const a = new ImagePool(4, new Rng(7));
  for (let i = 0; i < 10; i++) ask(a, i);
  const state = await a.toState();
  assertEquals(state.size, 4);
  assertEquals(state.images.shape, [4, 1, 1, 1]);
  assert(state.images.data instanceof Float32Array);
  // toState reads, it does not change the pool (or its RNG).
  assertEquals(await a.toState(), state);
  const b = ImagePool.fromState(state);
  assertEquals(b.count, 4);
  for (let i = 10; i < 60; i += 2) assertEquals(ask(b, i, i + 1), ask(a, i, i + 1));
  assertEquals(await b.toState(), await a.toState());
  // An empty pool round-trips too.
  const empty = new ImagePool(3, new Rng(1));
  const restored = ImagePool.fromState(await empty.toState());
  assertEquals(restored.count, 0);
  assertEquals(ask(restored, 5), [5]);
  for (const p of [a, b, empty, restored]) p.dispose();
  assertEquals(tf.memory().numTensors, before, "tensors leaked");
});

Deno.test("ImagePool keeps copies: disposing the caller's tensors does not touch the pool", async () => {
  await tf.setBackend("cpu");
  const pool = new ImagePool(2, new Rng(3));
  const input = tf.tensor([[[[1, 2]]], [[[3, 4]]]]); // [2, 1, 1, 2]
  const out = pool.query(input);
  tf.dispose([input, out]);
  const state = await pool.toState();
  assertEquals(Array.from(state.images.data), [1, 2, 3, 4]);
  assertEquals(state.images.shape, [2, 1, 1, 2]);
  pool.dispose();
});

Deno.test("ImagePool rejects bad sizes, shapes and states", async () => {
  await tf.setBackend("cpu");
  assertThrows(() => new ImagePool(-1, new Rng(0)), RangeError);
  assertThrows(() => new ImagePool(1.5, new Rng(0)), RangeError);
  const pool = new ImagePool(2, new Rng(0));
  ask(pool, 1);
  const wrong = tf.zeros([1, 2, 2, 1]);
  const err = assertThrows(() => pool.query(wrong));
  assert(err.message.includes("[2,2,1]"), err.message);
  wrong.dispose();
  const state = await pool.toState();
  assertThrows(() => ImagePool.fromState({ ...state, size: 0 }));
  assertThrows(() =>
    ImagePool.fromState({ ...state, images: { data: new Float32Array(3), shape: [1, 1, 1, 1] } })
  );
  pool.dispose();
});
