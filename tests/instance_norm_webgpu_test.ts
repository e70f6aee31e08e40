/**
 * The webgpu instance-norm kernels (lib/backend/kernels/instance_norm_webgpu.ts) against
 * `instanceNorm` on the cpu backend (values and gradients), and their program counts (issue 18).
 */
import { assert, assertEquals } from "./_assert.ts";
import { needs } from "./_deps.ts";
import { selectBackend } from "../lib/backend/mod.ts";
import { probeWebGpu } from "../lib/backend/webgpu.ts";
import { countPrograms } from "../lib/backend/webgpu_programs.ts";
import {
  INSTANCE_NORM_ACTIVATION_GRAD_KERNEL,
  INSTANCE_NORM_ACTIVATION_KERNEL,
  INSTANCE_NORM_GRAD_KERNEL,
  INSTANCE_NORM_KERNEL,
} from "../lib/backend/kernels/instance_norm_webgpu.ts";
import { instanceNorm, instanceNormActivation, type NormActivation } from "../lib/nn/layers.ts";
import { ensureComparisonGradients } from "../lib/losses/_second_order.ts";
import { tf } from "../lib/tf.ts";

const gpu = await probeWebGpu();

/**
 * Shapes: a generator layer at 8px, two images of odd size, and one whose H*W (1024) spans
 * many strides of the 64-thread reduction.
 */
const SHAPES: [number, number, number, number][] = [[1, 8, 8, 4], [2, 5, 3, 7], [1, 32, 32, 16]];

/** y = instanceNorm(x) and d(sum(y * w))/dx, on the active backend. */
async function normAndGrad(shape: [number, number, number, number]): Promise<Float32Array[]> {
  const x = tf.randomNormal(shape, 0.3, 2, "float32", 3) as tf.Tensor4D;
  const w = tf.randomNormal(shape, 0, 1, "float32", 4);
  const y = instanceNorm(x);
  const dx = tf.grad((a: tf.Tensor) => tf.sum(tf.mul(instanceNorm(a as tf.Tensor4D), w)))(x);
  const out = [await y.data() as Float32Array, await dx.data() as Float32Array];
  tf.dispose([x, w, y, dx]);
  return out;
}

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  assertEquals(a.length, b.length);
  return a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i])), 0);
}

Deno.test({
  ...needs(gpu.ok ? undefined : gpu.why, {
    name:
      "webgpu instance norm matches cpu (y, dx); plain kernels 3 + 2 programs, the layer 2 forward",
    fn: async () => {
      for (const shape of SHAPES) {
        await selectBackend("cpu");
        const [yRef, dxRef] = await normAndGrad(shape);
        await selectBackend("webgpu");
        assert(tf.getKernel(INSTANCE_NORM_KERNEL, "webgpu"), "webgpu activation installs it");
        const before = tf.memory().numTensors;
        const [y, dx] = await normAndGrad(shape);
        // |y| and |dx| are O(1): absolute differences at float32 rounding.
        assert(maxAbsDiff(y, yRef) <= 1e-5, `[${shape}] y differs by ${maxAbsDiff(y, yRef)}`);
        assert(maxAbsDiff(dx, dxRef) <= 1e-5, `[${shape}] dx differs by ${maxAbsDiff(dx, dxRef)}`);

        const x = tf.randomNormal(shape, 0, 1, "float32", 5) as tf.Tensor4D;
        const dy = tf.randomNormal(shape, 0, 1, "float32", 6);
        await Promise.all([x.data(), dy.data()]); // on the device before counting
        const forward = await countPrograms(() =>
          tf.engine().runKernel(INSTANCE_NORM_KERNEL, { x }, { eps: 1e-5 }) as tf.Tensor[]
        );
        assertEquals(forward.programs, 3);
        const [, mean, variance] = forward.result;
        assertEquals([mean.shape, variance.shape], [[shape[0], shape[3]], [shape[0], shape[3]]]);
        const backward = await countPrograms(() =>
          tf.engine().runKernel(INSTANCE_NORM_GRAD_KERNEL, { x, mean, variance, dy }, {
            eps: 1e-5,
          }) as tf.Tensor
        );
        assertEquals(backward.programs, 2);
        // instanceNorm() itself: the fused kernels without an activation, two programs.
        const layer = await countPrograms(() => instanceNorm(x));
        assertEquals(layer.programs, 2);
        tf.dispose([x, dy, ...forward.result, backward.result, layer.result]);
        assertEquals(tf.memory().numTensors, before, `[${shape}] tensors left behind`);
      }
    },
  }),
});

const ACTIVATIONS: NormActivation[] = [{ kind: "relu" }, { kind: "leakyRelu", slope: 0.2 }];

/**
 * z = instanceNormActivation(x), d(sum(z * w))/dx, and the second-order gradient
 * d/dx |d(sum(z * w))/dx|^2 twice: with z recorded under both tapes (there the activation is
 * not folded in) and under the outer one only.
 */
async function normActivationAndGrads(
  shape: [number, number, number, number],
  activation: NormActivation,
): Promise<Float32Array[]> {
  const x = tf.randomNormal(shape, 0.3, 2, "float32", 3) as tf.Tensor4D;
  const w = tf.randomNormal(shape, 0, 1, "float32", 4);
  const f = (a: tf.Tensor) =>
    tf.sum(tf.mul(instanceNormActivation(a as tf.Tensor4D, activation), w));
  const z = instanceNormActivation(x, activation);
  const dx = tf.grad(f)(x);
  const second = tf.grad((a: tf.Tensor) => tf.sum(tf.square(tf.grad(f)(a))))(x);
  // The same, with z recorded before the inner tape starts: its backward then runs under the
  // outer tape (the fused op's fallback for that case).
  const through = tf.grad((a: tf.Tensor) => {
    const z = instanceNormActivation(a as tf.Tensor4D, activation);
    return tf.sum(tf.square(tf.grad(() => tf.sum(tf.mul(z, w)))(a)));
  })(x);
  const out: Float32Array[] = [];
  for (const t of [z, dx, second, through]) out.push(await t.data() as Float32Array);
  tf.dispose([x, w, z, dx, second, through]);
  return out;
}

Deno.test({
  ...needs(gpu.ok ? undefined : gpu.why, {
    name:
      "webgpu instance norm + ReLU / LeakyReLU matches cpu (z, dx, d2x) without activation programs",
    fn: async () => {
      // LeakyReLU's gradient compares (as WGAN-GP's gradient penalty needs it, losses/).
      ensureComparisonGradients();
      for (const shape of SHAPES) {
        for (const activation of ACTIVATIONS) {
          const what = `[${shape}] ${activation.kind}`;
          await selectBackend("cpu");
          const ref = await normActivationAndGrads(shape, activation);
          await selectBackend("webgpu");
          assert(tf.getKernel(INSTANCE_NORM_ACTIVATION_KERNEL, "webgpu"), "webgpu installs it");
          const before = tf.memory().numTensors;
          const got = await normActivationAndGrads(shape, activation);
          ["z", "dx", "second-order dx", "second order through z"].forEach((name, k) => {
            // |z| and |dx| are O(1); the second order is O(10): relative at f32 rounding.
            const scale = Math.max(1, ref[k].reduce((m, v) => Math.max(m, Math.abs(v)), 0));
            const d = maxAbsDiff(got[k], ref[k]) / scale;
            assert(d <= 1e-5, `${what} ${name} differs from cpu by ${d}`);
          });

          // One gradient step counted, fused and as instanceNorm then the activation: the
          // activation's programs are gone (ReLU: relu; step and mul backward. LeakyReLU:
          // leakyRelu; greater, mul and select backward).
          const x = tf.randomNormal(shape, 0, 1, "float32", 5) as tf.Tensor4D;
          const dz = tf.randomNormal(shape, 0, 1, "float32", 6);
          await Promise.all([x.data(), dz.data()]); // on the device before counting
          const gradOf = (f: (a: tf.Tensor4D) => tf.Tensor) =>
            countPrograms(() =>
              tf.grad((a: tf.Tensor) => tf.sum(tf.mul(f(a as tf.Tensor4D), dz)))(x)
            );
          const step = await gradOf((a) => instanceNormActivation(a, activation));
          const plain = await gradOf((a) =>
            activation.kind === "relu"
              ? tf.relu(instanceNorm(a))
              : tf.leakyRelu(instanceNorm(a), 0.2)
          );
          const saved = activation.kind === "relu" ? 3 : 4;
          assertEquals(step.programs, plain.programs - saved, `${what}: ${step.programs} programs`);
          tf.dispose([x, dz, step.result, plain.result]);
          assertEquals(tf.memory().numTensors, before, `${what}: tensors left behind`);
        }
      }
    },
  }),
});

Deno.test({
  ...needs(gpu.ok ? undefined : gpu.why, {
    name: "webgpu fused norm kernels: 2 programs forward (the plain ones' statistics), 2 backward",
    fn: async () => {
      await selectBackend("webgpu");
      const shape: [number, number, number, number] = [2, 8, 8, 4];
      const before = tf.memory().numTensors;
      const x = tf.randomNormal(shape, 0.5, 2, "float32", 5) as tf.Tensor4D;
      const dz = tf.randomNormal(shape, 0, 1, "float32", 6);
      await Promise.all([x.data(), dz.data()]);
      const attrs = { eps: 1e-5, activation: "relu", alpha: 0 };
      const forward = await countPrograms(() =>
        tf.engine().runKernel(INSTANCE_NORM_ACTIVATION_KERNEL, { x }, attrs) as tf.Tensor[]
      );
      assertEquals(forward.programs, 2);
      const [z, stats] = forward.result;
      assertEquals(stats.shape, [2, 2, 4]);
      const backward = await countPrograms(() =>
        tf.engine().runKernel(
          INSTANCE_NORM_ACTIVATION_GRAD_KERNEL,
          { x, stats, dy: dz },
          attrs,
        ) as tf.Tensor
      );
      assertEquals(backward.programs, 2);
      // The plain kernel, given the same attributes, must not apply the activation (the native
      // backend's kernels of that name have none); its statistics are the fused ones, bit for bit.
      const [y, mean, variance] = tf.engine().runKernel(
        INSTANCE_NORM_KERNEL,
        { x },
        attrs,
      ) as tf.Tensor[];
      const [zs, ys, ss, ms, vs] = await Promise.all(
        [z, y, stats, mean, variance].map((t) => t.data()),
      );
      assert(ys.some((v) => v < 0), "the plain kernel applied the activation");
      ys.forEach((v, i) => assertEquals(zs[i], Math.max(v, 0), `element ${i}`));
      assertEquals(Array.from(ss), [
        ...ms.slice(0, 4),
        ...vs.slice(0, 4),
        ...ms.slice(4),
        ...vs.slice(4),
      ]);
      tf.dispose([x, dz, ...forward.result, backward.result, y, mean, variance]);
      assertEquals(tf.memory().numTensors, before);
    },
  }),
});
