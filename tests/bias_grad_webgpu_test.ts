/**
 * The webgpu bias-gradient kernel (lib/backend/kernels/bias_grad_webgpu.ts) through `conv2d`'s
 * bias against the cpu backend, first and second order, and its program count (issue 18).
 */
import { assert, assertEquals } from "./_assert.ts";
import { needs } from "./_deps.ts";
import { selectBackend } from "../lib/backend/mod.ts";
import { probeWebGpu } from "../lib/backend/webgpu.ts";
import { countPrograms, startProgramCounter } from "../lib/backend/webgpu_programs.ts";
import { BIAS_GRAD_KERNEL } from "../lib/backend/kernels/bias_grad_webgpu.ts";
import { conv2d } from "../lib/nn/layers.ts";
import { tf } from "../lib/tf.ts";

const gpu = await probeWebGpu();

type Shape = [number, number, number, number];
/** x shapes and filter shapes: a generator layer, a D layer of two images, one of 1000 pixels. */
const CASES: Array<[Shape, Shape]> = [
  [[1, 8, 8, 3], [3, 3, 3, 4]],
  [[2, 6, 5, 4], [4, 4, 4, 8]],
  [[1, 40, 25, 2], [1, 1, 2, 3]],
];

/**
 * Gradients of sum(conv2d(x, w, bias) * r) for x, w, bias, and the second-order gradient for
 * bias of |d/dx sum(conv2d(x, w, bias)^2)|^2 (WGAN-GP's shape of double backprop).
 */
async function grads([xs, ws]: [Shape, Shape]): Promise<Float32Array[]> {
  const x = tf.randomNormal(xs, 0, 1, "float32", 1) as tf.Tensor4D;
  const w = tf.randomNormal(ws, 0, 0.5, "float32", 2) as tf.Tensor4D;
  const bias = tf.randomNormal([ws[3]], 0, 1, "float32", 3) as tf.Tensor1D;
  const y = conv2d(x, w, { bias });
  const r = tf.randomNormal(y.shape, 0, 1, "float32", 4);
  const first = tf.grads((a: tf.Tensor, b: tf.Tensor, c: tf.Tensor) =>
    tf.sum(tf.mul(conv2d(a as tf.Tensor4D, b as tf.Tensor4D, { bias: c as tf.Tensor1D }), r))
  )([x, w, bias]);
  const second = tf.grad((c: tf.Tensor) => {
    const gx = tf.grad((a: tf.Tensor) =>
      tf.sum(tf.square(conv2d(a as tf.Tensor4D, w, { bias: c as tf.Tensor1D })))
    )(x);
    return tf.sum(tf.square(gx));
  })(bias);
  // The same with the conv recorded before the inner tape starts (on webgpu the fused
  // convolution; its backward then runs under the outer tape).
  const through = tf.grad((c: tf.Tensor) => {
    const y2 = conv2d(x, w, { bias: c as tf.Tensor1D });
    return tf.sum(tf.square(tf.grad(() => tf.sum(tf.square(y2)))(c)));
  })(bias);
  const out: Float32Array[] = [];
  for (const t of [y, ...first, second, through]) out.push(await t.data() as Float32Array);
  tf.dispose([x, w, bias, y, r, ...first, second, through]);
  return out;
}

/** The GPU programs of conv2d(x, w, {bias}) forward, by program class (data on the device). */
async function convPrograms([xs, ws]: [Shape, Shape]): Promise<Record<string, number>> {
  const x = tf.randomNormal(xs, 0, 1, "float32", 1) as tf.Tensor4D;
  const w = tf.randomNormal(ws, 0, 0.5, "float32", 2) as tf.Tensor4D;
  const bias = tf.randomNormal([ws[3]], 0, 1, "float32", 3) as tf.Tensor1D;
  for (const t of [x, w, bias]) await t.data();
  const counter = startProgramCounter();
  const y = conv2d(x, w, { bias, padding: 1 });
  counter.stop();
  tf.dispose([x, w, bias, y]);
  return Object.fromEntries(counter.byProgram);
}

Deno.test({
  ...needs(gpu.ok ? undefined : gpu.why, {
    name: "webgpu conv with bias matches cpu (first and second order); one program each way",
    fn: async () => {
      for (const c of CASES) {
        await selectBackend("cpu");
        const ref = await grads(c);
        await selectBackend("webgpu");
        assert(tf.getKernel(BIAS_GRAD_KERNEL, "webgpu"), "webgpu activation installs it");
        const before = tf.memory().numTensors;
        const got = await grads(c);
        ["y", "dx", "dW", "dbias", "second-order dbias", "second order through y"].forEach((
          name,
          k,
        ) => {
          const rel = got[k].reduce(
            (m, v, i) => Math.max(m, Math.abs(v - ref[k][i]) / Math.max(1, Math.abs(ref[k][i]))),
            0,
          );
          assert(rel <= 1e-4, `[${c[0]}] ${name} differs from cpu by ${rel}`);
        });
        const dy = tf.randomNormal([c[0][0], 7, 5, c[1][3]]);
        await dy.data(); // on the device before counting
        const k = await countPrograms(() =>
          tf.engine().runKernel(BIAS_GRAD_KERNEL, { dy }) as tf.Tensor
        );
        assertEquals(k.programs, 1);
        // The conv and its bias: one program (the direct kernel at these sizes;
        // tests/conv2d_webgpu_test.ts has the larger ones, in tfjs's fused convolution).
        assertEquals(await convPrograms(c), { DirectConvProgram: 1 });
        const sum = tf.sum(dy, [0, 1, 2]);
        const [a, b] = [await k.result.data(), await sum.data()];
        a.forEach((v, i) => assert(Math.abs(v - b[i]) <= 1e-4, `channel ${i}: ${v} vs ${b[i]}`));
        tf.dispose([dy, k.result, sum]);
        assertEquals(tf.memory().numTensors, before, `[${c[0]}] tensors left behind`);
      }
    },
  }),
});
