/**
 * The webgpu direct convolution kernels (lib/backend/kernels/conv2d_webgpu.ts) through `conv2d`
 * (lib/nn/layers.ts) against the cpu backend: values, gradients (first and second order), program
 * counts and leaks, for every convolution configuration of a small CycleGAN, and the fused tfjs
 * convolution that takes the convolutions too large for them (issue 18).
 */
import { assert, assertEquals } from "./_assert.ts";
import { needs } from "./_deps.ts";
import { selectBackend } from "../lib/backend/mod.ts";
import { probeWebGpu } from "../lib/backend/webgpu.ts";
import { startProgramCounter } from "../lib/backend/webgpu_programs.ts";
import { directConvFits } from "../lib/backend/kernels/conv2d_webgpu.ts";
import { conv2d } from "../lib/nn/layers.ts";
import { tf } from "../lib/tf.ts";

const gpu = await probeWebGpu();

type Shape = [number, number, number, number];
interface Case {
  x: Shape;
  w: Shape;
  stride: number;
  padding: number;
  bias: boolean;
}

/** ResNet's c7s1 both ways, its 3x3 blocks and downsampling, PatchGAN's 4x4 layers. */
const CASES: Case[] = [
  { x: [1, 22, 22, 3], w: [7, 7, 3, 4], stride: 1, padding: 0, bias: true },
  { x: [1, 22, 22, 4], w: [7, 7, 4, 3], stride: 1, padding: 0, bias: true },
  { x: [1, 6, 6, 16], w: [3, 3, 16, 16], stride: 1, padding: 1, bias: true },
  { x: [2, 9, 7, 4], w: [3, 3, 4, 8], stride: 2, padding: 1, bias: true },
  { x: [1, 16, 16, 3], w: [4, 4, 3, 4], stride: 2, padding: 1, bias: false },
  { x: [1, 4, 4, 16], w: [4, 4, 16, 32], stride: 1, padding: 1, bias: true },
  { x: [1, 3, 3, 32], w: [4, 4, 32, 1], stride: 1, padding: 1, bias: true },
];

/** |a - b| / max |b| over all elements. */
function relDiff(a: Float32Array, b: Float32Array): number {
  assertEquals(a.length, b.length);
  const scale = b.reduce((m, v) => Math.max(m, Math.abs(v)), 1e-12);
  return a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i])), 0) / scale;
}

/**
 * y, the gradients of sum(y * r) for x, w (and bias), the second-order gradient for w of
 * |d/dx sum(y^2)|^2 (nested tapes) and the same with y recorded before the inner tape.
 */
async function results(c: Case): Promise<Float32Array[]> {
  const x = tf.randomNormal(c.x, 0, 1, "float32", 1) as tf.Tensor4D;
  const w = tf.randomNormal(c.w, 0, 0.5, "float32", 2) as tf.Tensor4D;
  const b = tf.randomNormal([c.w[3]], 0, 1, "float32", 3) as tf.Tensor1D;
  const f = (a: tf.Tensor, ww: tf.Tensor, bb?: tf.Tensor) =>
    conv2d(a as tf.Tensor4D, ww as tf.Tensor4D, {
      stride: c.stride,
      padding: c.padding,
      bias: c.bias ? (bb ?? b) as tf.Tensor1D : undefined,
    });
  const y = f(x, w);
  const r = tf.randomNormal(y.shape, 0, 1, "float32", 4);
  const first = tf.grads((a: tf.Tensor, ww: tf.Tensor, bb?: tf.Tensor) =>
    tf.sum(tf.mul(f(a, ww, bb), r))
  )(c.bias ? [x, w, b] : [x, w]);
  const second = tf.grad((ww: tf.Tensor) =>
    tf.sum(tf.square(tf.grad((a: tf.Tensor) => tf.sum(tf.square(f(a, ww))))(x)))
  )(w);
  const through = tf.grad((ww: tf.Tensor) => {
    const y2 = f(x, ww);
    return tf.sum(tf.square(tf.grad(() => tf.sum(tf.square(y2)))(x)));
  })(w);
  const all = [y, ...first, second, through];
  const out: Float32Array[] = [];
  for (const t of all) out.push(await t.data() as Float32Array);
  tf.dispose([x, w, b, y, r, ...first, second, through]);
  return out;
}

/** The programs of conv2d forward and of its gradient, by class (inputs on the device). */
async function programs(c: Case): Promise<Record<string, number>[]> {
  const x = tf.randomNormal(c.x, 0, 1, "float32", 1) as tf.Tensor4D;
  const w = tf.randomNormal(c.w, 0, 0.5, "float32", 2) as tf.Tensor4D;
  const b = tf.randomNormal([c.w[3]], 0, 1, "float32", 3) as tf.Tensor1D;
  const opts = { stride: c.stride, padding: c.padding, bias: c.bias ? b : undefined };
  const y = conv2d(x, w, opts);
  const dy = tf.randomNormal(y.shape, 0, 1, "float32", 4) as tf.Tensor4D;
  for (const t of [x, w, b, dy]) await t.data();
  const forward = startProgramCounter();
  const y2 = conv2d(x, w, opts);
  forward.stop();
  // The gradient with dy as the seed: the forward again under the tape, then the conv's
  // gradient alone (a loss such as sum(y * dy) would add programs of its own).
  const backward = startProgramCounter();
  const grads = tf.grads((a: tf.Tensor, ww: tf.Tensor) =>
    conv2d(a as tf.Tensor4D, ww as tf.Tensor4D, opts)
  )([x, w], dy);
  backward.stop();
  tf.dispose([x, w, b, y, dy, y2, ...grads]);
  return [Object.fromEntries(forward.byProgram), Object.fromEntries(backward.byProgram)];
}

Deno.test("directConvFits() takes small channel counts and little work per invocation", () => {
  assert(directConvFits([1, 38, 38, 4], [7, 7, 4, 3], [1, 32, 32, 3]));
  assert(directConvFits([1, 3, 3, 32], [4, 4, 32, 1], [1, 2, 2, 1]));
  // 64 channels (ngf 64), or a 256px image's filter gradient: tfjs's tiled programs.
  assert(!directConvFits([1, 70, 70, 64], [7, 7, 64, 64], [1, 64, 64, 64]));
  assert(!directConvFits([1, 262, 262, 3], [7, 7, 3, 4], [1, 256, 256, 4]));
  // A filter whose input channels are not x's; a filter larger than the padded input.
  assert(!directConvFits([1, 8, 8, 4], [3, 3, 5, 4], [1, 6, 6, 4]));
  assert(!directConvFits([1, 2, 2, 4], [3, 3, 4, 4], [1, 0, 0, 4]));
});

Deno.test({
  ...needs(gpu.ok ? undefined : gpu.why, {
    name: "webgpu conv2d matches cpu (y, dx, dW, dbias, second order) in one program per part",
    fn: async () => {
      for (const c of CASES) {
        const what = `${c.w[0]}x${c.w[1]} s${c.stride} [${c.x}] -> ${c.w[3]}`;
        await selectBackend("cpu");
        const ref = await results(c);
        await selectBackend("webgpu");
        const before = tf.memory().numTensors;
        const got = await results(c);
        const names = ["y", "dx", "dW", ...(c.bias ? ["dbias"] : []), "d2W", "d2W through y"];
        names.forEach((name, k) => {
          assert(ref[k].some((v) => v !== 0), `${what} ${name}: the reference is all zeros`);
          const d = relDiff(got[k], ref[k]);
          assert(d <= 1e-5, `${what} ${name} differs from cpu by ${d}`);
        });
        const [forward, backward] = await programs(c);
        assertEquals(forward, { DirectConvProgram: 1 }, what);
        // The forward again (under the tape), dx and dW: direct programs; the bias: one.
        assertEquals(
          backward,
          { DirectConvProgram: 3, ...(c.bias ? { BiasGradProgram: 1 } : {}) },
          what,
        );
        assertEquals(tf.memory().numTensors, before, `${what}: tensors left behind`);
      }
    },
  }),
});

Deno.test({
  ...needs(gpu.ok ? undefined : gpu.why, {
    name: "webgpu conv2d too large for the direct kernels is tfjs's fused conv, bias included",
    fn: async () => {
      const c: Case = { x: [1, 12, 12, 40], w: [3, 3, 40, 40], stride: 1, padding: 1, bias: true };
      assert(!directConvFits(c.x, c.w, [1, 12, 12, 40]));
      await selectBackend("cpu");
      const ref = await results(c);
      await selectBackend("webgpu");
      const before = tf.memory().numTensors;
      const got = await results(c);
      ["y", "dx", "dW", "dbias", "d2W", "d2W through y"].forEach((name, k) => {
        const d = relDiff(got[k], ref[k]);
        assert(d <= 1e-5, `${name} differs from cpu by ${d}`);
      });
      const [forward, backward] = await programs(c);
      assertEquals(forward, { Conv2DMMProgram: 1 });
      assertEquals(backward, {
        Conv2DMMProgram: 1,
        Conv2DDerInputProgram: 1,
        Conv2DDerFilterProgram: 1,
        BiasGradProgram: 1,
      });
      assertEquals(tf.memory().numTensors, before, "tensors left behind");
    },
  }),
});
