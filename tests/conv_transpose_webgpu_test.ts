/**
 * The transposed convolution on webgpu runs one program each for its forward and its filter
 * gradient (the direct kernels of conv2d_webgpu.ts, or tfjs's `Conv2DBackpropInput` /
 * `Conv2DBackpropFilter` for larger ones) instead of our sub-pixel decompositions (issue 18), and
 * agrees with the cpu backend, which runs the decompositions.
 */
import { assert, assertEquals } from "./_assert.ts";
import { needs } from "./_deps.ts";
import { selectBackend } from "../lib/backend/mod.ts";
import { probeWebGpu } from "../lib/backend/webgpu.ts";
import { startProgramCounter } from "../lib/backend/webgpu_programs.ts";
import { convTranspose2d } from "../lib/backend/kernels/mod.ts";
import { tf } from "../lib/tf.ts";

const gpu = await probeWebGpu();

type Shape = [number, number, number, number];
/**
 * x, filter [kh, kw, outC, inC], padding, output padding: the ResNet's and the U-Net's, and one
 * with more channels than the direct kernels take (tfjs's kernels).
 */
const CASES: Array<[Shape, Shape, number, number]> = [
  [[1, 8, 8, 16], [3, 3, 8, 16], 1, 1],
  [[2, 5, 4, 6], [4, 4, 3, 6], 1, 0],
  [[1, 5, 5, 40], [3, 3, 40, 40], 1, 1],
];

/** y and the gradients of sum(y * r) for x and the filter, with the programs of each part. */
async function run([xs, ws, padding, outputPadding]: [Shape, Shape, number, number]) {
  const x = tf.randomNormal(xs, 0, 1, "float32", 1) as tf.Tensor4D;
  const w = tf.randomNormal(ws, 0, 0.3, "float32", 2) as tf.Tensor4D;
  const opts = { stride: 2, padding, outputPadding };
  const outShape = [xs[0], 2 * xs[1], 2 * xs[2], ws[2]].map((d, i) =>
    i === 1 || i === 2 ? d - 2 * padding + ws[i - 1] - 2 + outputPadding : d
  );
  const r = tf.randomNormal(outShape, 0, 1, "float32", 3);
  for (const t of [x, w, r]) await t.data(); // on the device before counting
  const onGpu = tf.getBackend() === "webgpu";
  const forward = onGpu ? startProgramCounter() : undefined;
  const y = convTranspose2d(x, w, opts);
  forward?.stop();
  const backward = onGpu ? startProgramCounter() : undefined;
  const [dx, dw] = tf.grads((a: tf.Tensor, b: tf.Tensor) =>
    tf.sum(tf.mul(convTranspose2d(a as tf.Tensor4D, b as tf.Tensor4D, opts), r))
  )([x, w]);
  backward?.stop();
  const values: Float32Array[] = [];
  for (const t of [y, dx, dw]) values.push(await t.data() as Float32Array);
  tf.dispose([x, w, r, y, dx, dw]);
  return {
    values,
    forward: forward && Object.fromEntries(forward.byProgram),
    backward: backward && Object.fromEntries(backward.byProgram),
  };
}

Deno.test({
  ...needs(gpu.ok ? undefined : gpu.why, {
    name: "convTranspose2d() on webgpu is one program forward and matches cpu (y, dx, dW)",
    fn: async () => {
      for (const c of CASES) {
        await selectBackend("cpu");
        const ref = await run(c);
        await selectBackend("webgpu");
        const before = tf.memory().numTensors;
        const got = await run(c);
        assertEquals(tf.memory().numTensors, before, `[${c[0]}] tensors left behind`);
        ["y", "dx", "dW"].forEach((name, k) => {
          const scale = ref.values[k].reduce((m, v) => Math.max(m, Math.abs(v)), 1e-12);
          const err = got.values[k].reduce(
            (m, v, i) => Math.max(m, Math.abs(v - ref.values[k][i])),
            0,
          );
          assert(err / scale <= 1e-5, `[${c[0]}] ${name} differs from cpu by ${err / scale}`);
        });
        // The webgpu direct kernel (conv2d_webgpu.ts), transposed, or tfjs's: one program.
        const small = c[1][2] <= 32;
        const [forward, filterGrad] = small
          ? ["DirectConvProgram", "DirectConvProgram"]
          : ["Conv2DDerInputProgram", "Conv2DDerFilterProgram"];
        assertEquals(got.forward, { [forward]: 1 });
        // The forward again (recorded under the tape) and dW, dx as one strided convolution
        // (besides the loss's mul and sum); no gathers, slices, transposes or concats of the
        // sub-pixel decomposition.
        const b = got.backward!;
        assertEquals(
          [b[forward] + (small ? 0 : b[filterGrad]), b.Conv2DMMProgram],
          [2, 1],
          JSON.stringify(b),
        );
        for (const k of ["GatherProgram", "SliceProgram", "TransposeProgram", "ConcatProgram"]) {
          assertEquals(b[k], undefined, `${k} in ${JSON.stringify(b)}`);
        }
      }
    },
  }),
});
