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
  INSTANCE_NORM_GRAD_KERNEL,
  INSTANCE_NORM_KERNEL,
} from "../lib/backend/kernels/instance_norm_webgpu.ts";
import { instanceNorm } from "../lib/nn/layers.ts";
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
    name: "webgpu instance norm matches cpu (y, dx) in 3 programs forward and 2 backward",
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
        tf.dispose([x, dy, ...forward.result, backward.result]);
        assertEquals(tf.memory().numTensors, before, `[${shape}] tensors left behind`);
      }
    },
  }),
});
