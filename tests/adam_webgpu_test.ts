/**
 * The webgpu Adam kernel (lib/backend/kernels/adam_webgpu.ts) against tfjs's Adam on the cpu
 * backend, and its program count (issue 18).
 */
import { assert, assertEquals } from "./_assert.ts";
import { needs } from "./_deps.ts";
import { selectBackend } from "../lib/backend/mod.ts";
import { probeWebGpu } from "../lib/backend/webgpu.ts";
import { countPrograms } from "../lib/backend/webgpu_programs.ts";
import {
  ADAM_STEP_KERNEL,
  installWebGpuAdam,
  uninstallWebGpuAdam,
} from "../lib/backend/kernels/adam_webgpu.ts";
import { type AdamGradients, LowPeakAdam } from "../lib/train/adam.ts";
import { tf } from "../lib/tf.ts";

const gpu = await probeWebGpu();

/** Shapes of a conv weight and bias, a tiny one, and one above tfjs's CPU hand-off size. */
const SHAPES = [[3, 3, 4, 8], [8], [5, 3], [1500]];
const STEPS = 4;

let run = 0;

/** Trains the variables of SHAPES with fixed gradients; values, moments and programs per step. */
async function train(): Promise<{ state: Float32Array[]; programs: number[]; counts: number[] }> {
  run++;
  const vars = SHAPES.map((s, i) => {
    const init = tf.randomNormal(s, 0, 1, "float32", 10 + i);
    const v = tf.variable(init, true, `adam_webgpu_${run}_${i}`);
    init.dispose();
    return v;
  });
  const opt = new LowPeakAdam(0.01, 0.5, 0.999, 1e-8);
  const programs: number[] = [];
  const counts: number[] = [];
  for (let step = 0; step < STEPS; step++) {
    const grads: tf.NamedTensorMap = {};
    vars.forEach((v, i) => {
      // Seeds from 1: tfjs draws an unseeded tensor for seed 0.
      grads[v.name] = tf.randomNormal(v.shape, 0, 1, "float32", 1 + 100 * step + i);
    });
    await Promise.all(Object.values(grads).map((g) => g.data())); // on the device first
    const counted = tf.getBackend() === "webgpu"
      ? await countPrograms(() => opt.applyGradients(grads as AdamGradients))
      : (opt.applyGradients(grads as AdamGradients), { programs: 0 });
    programs.push(counted.programs);
    tf.dispose(Object.values(grads));
    counts.push(tf.memory().numTensors);
  }
  const weights = await opt.getWeights();
  const state: Float32Array[] = [];
  for (const v of vars) state.push(await v.data() as Float32Array);
  for (const w of weights.slice(1)) state.push(await w.tensor.data() as Float32Array);
  weights[0].tensor.dispose(); // the iteration count, a fresh scalar
  opt.dispose();
  tf.dispose(vars);
  return { state, programs, counts };
}

function maxRelDiff(a: Float32Array[], b: Float32Array[]): number {
  let worst = 0;
  a.forEach((x, i) => {
    assertEquals(x.length, b[i].length);
    x.forEach((v, j) => {
      worst = Math.max(worst, Math.abs(v - b[i][j]) / Math.max(1e-3, Math.abs(b[i][j])));
    });
  });
  return worst;
}

Deno.test({
  ...needs(gpu.ok ? undefined : gpu.why, {
    name: "the webgpu Adam kernel matches tfjs's Adam on cpu in 3 programs per variable",
    fn: async () => {
      await selectBackend("cpu");
      const ref = await train();
      await selectBackend("webgpu");
      assert(tf.getKernel(ADAM_STEP_KERNEL, "webgpu"), "webgpu activation installs the kernel");
      const before = tf.memory().numTensors;
      const fused = await train();
      assertEquals(tf.memory().numTensors, before, `tensors left behind ${fused.counts}`);
      // Values, then first and second moments of every variable, after 4 steps.
      assertEquals(fused.state.length, 3 * SHAPES.length);
      const rel = maxRelDiff(fused.state, ref.state);
      assert(rel <= 1e-5, `webgpu Adam differs from cpu by ${rel} (relative)`);
      // From step 2 on (moments exist) a step leaves the tensor count unchanged.
      assertEquals(new Set(fused.counts.slice(1)).size, 1, `tensor counts ${fused.counts}`);
      // tfjs's separate ops on the same backend: same numbers, far more programs.
      uninstallWebGpuAdam();
      let ops;
      try {
        ops = await train();
      } finally {
        installWebGpuAdam();
      }
      const relOps = maxRelDiff(ops.state, ref.state);
      assert(relOps <= 1e-5, `tfjs's webgpu Adam differs from cpu by ${relOps}`);
      for (let s = 1; s < STEPS; s++) {
        assertEquals(fused.programs[s], 3 * SHAPES.length, `step ${s + 1}: ${fused.programs}`);
        assert(
          ops.programs[s] >= 4 * fused.programs[s],
          `tfjs's ops ${ops.programs[s]} programs vs fused ${fused.programs[s]}`,
        );
      }
    },
  }),
});
