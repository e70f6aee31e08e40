/**
 * The foundation's end-to-end check: a small conv net with every kind of layer a CycleGAN
 * generator uses (reflection pad, strided conv, instance-norm-style moments, transposed conv,
 * tanh), trained 3 Adam steps from the same seed, gives the same losses on every backend CI has.
 */
import { assert, assertEquals } from "./_assert.ts";
import { selectBackend } from "../lib/backend/mod.ts";
import { probeWebGpu } from "../lib/backend/webgpu.ts";
import { convTranspose2d } from "../lib/backend/kernels/mod.ts";
import { tf } from "../lib/tf.ts";

type Params = Record<string, tf.Variable>;

function makeParams(): Params {
  const w = (name: string, shape: number[], seed: number) =>
    tf.variable(tf.randomNormal(shape, 0, 0.2, "float32", seed), true, name);
  return {
    c1: w("c1", [3, 3, 3, 8], 1),
    c2: w("c2", [3, 3, 8, 16], 2),
    t1: w("t1", [3, 3, 8, 16], 3), // convTranspose filter: [kh, kw, out, in]
    c3: w("c3", [7, 7, 8, 3], 4),
    b3: tf.variable(tf.zeros([3]), true, "b3"),
  };
}

function norm(x: tf.Tensor4D): tf.Tensor4D {
  const { mean, variance } = tf.moments(x, [1, 2], true);
  return tf.div(tf.sub(x, mean), tf.sqrt(tf.add(variance, 1e-5)));
}

function net(p: Params, x: tf.Tensor4D): tf.Tensor4D {
  let h = tf.mirrorPad(x, [[0, 0], [1, 1], [1, 1], [0, 0]], "reflect");
  h = tf.relu(norm(tf.conv2d(h, p.c1 as tf.Tensor4D, 1, "valid")));
  h = tf.relu(norm(tf.conv2d(h, p.c2 as tf.Tensor4D, 2, [[0, 0], [1, 1], [1, 1], [0, 0]])));
  h = tf.relu(norm(convTranspose2d(h, p.t1 as tf.Tensor4D, {
    stride: 2,
    padding: 1,
    outputPadding: 1,
  })));
  h = tf.mirrorPad(h, [[0, 0], [3, 3], [3, 3], [0, 0]], "reflect");
  return tf.tanh(tf.add(tf.conv2d(h, p.c3 as tf.Tensor4D, 1, "valid"), p.b3));
}

/** Three Adam steps; returns the losses and the tensor count after each step. */
async function train(
  backend: "cpu" | "wasm" | "webgpu",
): Promise<{ losses: number[]; counts: number[] }> {
  await selectBackend(backend);
  const p = makeParams();
  const x = tf.randomUniform([1, 16, 16, 3], -1, 1, "float32", 7) as tf.Tensor4D;
  const target = tf.randomUniform([1, 16, 16, 3], -1, 1, "float32", 8) as tf.Tensor4D;
  const opt = tf.train.adam(2e-3, 0.5, 0.999);
  const losses: number[] = [];
  const counts: number[] = [];
  for (let step = 0; step < 3; step++) {
    const loss = opt.minimize(() => {
      const y = net(p, x);
      return tf.add(tf.mean(tf.abs(tf.sub(y, target))), tf.mean(tf.square(y))) as tf.Scalar;
    }, true)!;
    losses.push((await loss.data())[0]);
    loss.dispose();
    counts.push(tf.memory().numTensors);
  }
  opt.dispose();
  tf.dispose([x, target, ...Object.values(p)]);
  return { losses, counts };
}

function assertClose(a: number[], b: number[], label: string): void {
  for (let i = 0; i < a.length; i++) {
    const rel = Math.abs(a[i] - b[i]) / Math.max(Math.abs(b[i]), 1e-12);
    assert(
      rel <= 1e-3,
      `${label} step ${i + 1}: ${a[i]} vs cpu ${b[i]} (rel ${rel.toExponential(2)})`,
    );
  }
}

Deno.test("a small conv net trains identically on cpu, wasm and webgpu, without tensor growth", async (t) => {
  const cpu = await train("cpu");
  assert(cpu.losses[2] < cpu.losses[0], `loss did not go down: ${cpu.losses}`);
  assertEquals(cpu.counts[1], cpu.counts[2], "tensor count grows on cpu");

  await t.step("wasm", async () => {
    const wasm = await train("wasm");
    assertClose(wasm.losses, cpu.losses, "wasm");
    assertEquals(wasm.counts[1], wasm.counts[2], "tensor count grows on wasm");
  });

  const gpu = await probeWebGpu();
  await t.step({
    name: `webgpu (${gpu.ok ? gpu.detail : gpu.why})`,
    ignore: !gpu.ok && !Deno.env.get("CI"),
    fn: async () => {
      assert(gpu.ok, `CI must have a WebGPU adapter (mesa-vulkan-drivers): ${!gpu.ok && gpu.why}`);
      const webgpu = await train("webgpu");
      assertClose(webgpu.losses, cpu.losses, "webgpu");
      assertEquals(webgpu.counts[1], webgpu.counts[2], "tensor count grows on webgpu");
    },
  });
});
