/**
 * The webgpu MirrorPad gradient kernel (lib/backend/kernels/mirror_pad_webgpu.ts) against the
 * exact gradient on the cpu backend, and its program count (issue 18).
 */
import { assert, assertEquals } from "./_assert.ts";
import { needs } from "./_deps.ts";
import { selectBackend } from "../lib/backend/mod.ts";
import { probeWebGpu } from "../lib/backend/webgpu.ts";
import { countPrograms } from "../lib/backend/webgpu_programs.ts";
import { installMirrorPadGradient } from "../lib/backend/kernels/mirror_pad.ts";
import { MIRROR_PAD_GRAD_KERNEL } from "../lib/backend/kernels/mirror_pad_webgpu.ts";
import { tf } from "../lib/tf.ts";

const gpu = await probeWebGpu();

type Shape = [number, number, number, number];
/** x shape, pads (top, bottom, left, right), mode: the c7s1 pad, a res block at 8px, odd ones. */
const CASES: Array<[Shape, [number, number, number, number], "reflect" | "symmetric"]> = [
  [[1, 8, 8, 3], [3, 3, 3, 3], "reflect"],
  [[1, 2, 2, 16], [1, 1, 1, 1], "reflect"],
  [[2, 5, 7, 3], [2, 1, 0, 3], "reflect"],
  [[1, 4, 6, 2], [2, 4, 1, 0], "symmetric"],
];

/** d(sum(mirrorPad(x) * w))/dx on the active backend (exact gradient installed). */
async function padGrad(
  shape: Shape,
  [t, b, l, r]: [number, number, number, number],
  mode: "reflect" | "symmetric",
): Promise<Float32Array> {
  const x = tf.randomNormal(shape, 0, 1, "float32", 7) as tf.Tensor4D;
  const padded = [shape[0], shape[1] + t + b, shape[2] + l + r, shape[3]];
  const w = tf.randomNormal(padded, 0, 1, "float32", 8);
  const pads: Array<[number, number]> = [[0, 0], [t, b], [l, r], [0, 0]];
  const dx = tf.grad((a: tf.Tensor) => tf.sum(tf.mul(tf.mirrorPad(a, pads, mode), w)))(x);
  const out = await dx.data() as Float32Array;
  tf.dispose([x, w, dx]);
  return out;
}

Deno.test({
  ...needs(gpu.ok ? undefined : gpu.why, {
    name: "webgpu MirrorPad gradient matches cpu's exact one in one program",
    fn: async () => {
      installMirrorPadGradient();
      for (const [shape, pads, mode] of CASES) {
        await selectBackend("cpu");
        const ref = await padGrad(shape, pads, mode);
        await selectBackend("webgpu");
        assert(tf.getKernel(MIRROR_PAD_GRAD_KERNEL, "webgpu"), "webgpu activation installs it");
        const before = tf.memory().numTensors;
        const got = await padGrad(shape, pads, mode);
        const diff = got.reduce((m, v, i) => Math.max(m, Math.abs(v - ref[i])), 0);
        assert(diff <= 1e-5, `[${shape}] ${pads} ${mode}: dx differs by ${diff}`);

        const [t, b, l, r] = pads;
        const dy = tf.randomNormal([shape[0], shape[1] + t + b, shape[2] + l + r, shape[3]]);
        await dy.data(); // on the device before counting
        const k = await countPrograms(() =>
          tf.engine().runKernel(MIRROR_PAD_GRAD_KERNEL, { dy }, {
            paddings: [[0, 0], [t, b], [l, r], [0, 0]],
            mode,
          } as unknown as tf.NamedAttrMap) as tf.Tensor
        );
        assertEquals(k.programs, 1);
        assertEquals(k.result.shape, shape);
        tf.dispose([dy, k.result]);
        assertEquals(tf.memory().numTensors, before, `[${shape}] tensors left behind`);
      }
    },
  }),
});
