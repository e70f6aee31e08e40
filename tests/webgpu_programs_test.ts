/**
 * Issue 18's measure: GPU programs counted at the tfjs WebGPU backend's dispatch
 * (`webgpu_programs.ts`), and the bench rows that carry the count. Counts, never timings.
 */
import { assert, assertEquals, assertMatch, assertThrows } from "./_assert.ts";
import { needs } from "./_deps.ts";
import { runScript } from "./_cli.ts";
import { selectBackend } from "../lib/backend/mod.ts";
import { probeWebGpu } from "../lib/backend/webgpu.ts";
import { countPrograms, startProgramCounter } from "../lib/backend/webgpu_programs.ts";
import {
  benchIteration,
  DISPATCH_CONFIG,
  forwardFlops,
  programCounts,
} from "../lib/bench/iteration.ts";
import { defineG } from "../lib/generators/mod.ts";
import { Rng } from "../lib/nn/rng.ts";
import { tf } from "../lib/tf.ts";

const gpu = await probeWebGpu();
// CI installs mesa-vulkan-drivers, so there a missing adapter is a failure, not a skip.
function onGpu(def: { name: string; fn: () => Promise<void> }): Deno.TestDefinition {
  return needs(gpu.ok ? undefined : gpu.why, def);
}

/** The backend's own method, not a counter's wrapper, is in place. */
function unhooked(): boolean {
  return !Object.hasOwn(tf.backend(), "runWebGPUProgram");
}

Deno.test(onGpu({
  name: "startProgramCounter() counts one program per GPU kernel, by program class",
  fn: async () => {
    await selectBackend("webgpu");
    const before = tf.memory().numTensors;
    // 4096 elements: above tfjs's CPU hand-off threshold (1000), and uploaded first, so that
    // every op below runs as a GPU program.
    const a = tf.randomUniform([4096], -1, 1, "float32", 1);
    const b = tf.randomUniform([4096], -1, 1, "float32", 2);
    await a.data();
    await b.data();
    const counter = startProgramCounter();
    const y = tf.tidy(() => tf.relu(tf.mul(tf.add(a, b), a)));
    const total = tf.sum(y);
    counter.stop();
    assertEquals(counter.count, 4);
    assertEquals(Object.fromEntries(counter.byProgram), {
      BinaryOpProgram: 2,
      UnaryOpProgram: 1,
      ReduceProgram: 1,
    });
    // Stopped: later programs are not counted and the backend's method is back.
    tf.dispose(tf.add(a, b));
    assertEquals(counter.count, 4);
    assert(unhooked(), "the counter's wrapper is still installed");
    counter.stop(); // idempotent
    // Small CPU-resident inputs run on the CPU: no GPU program.
    const small = tf.tensor1d([1, 2, 3]);
    const onCpu = await countPrograms(() => tf.add(small, small));
    assertEquals(onCpu.programs, 0);
    assertEquals(await onCpu.result.data(), new Float32Array([2, 4, 6]));
    tf.dispose([a, b, y, total, small, onCpu.result]);
    assertEquals(tf.memory().numTensors, before);
  },
}));

Deno.test(onGpu({
  name: "startProgramCounter() refuses a second counter and unhooks on errors",
  fn: async () => {
    await selectBackend("webgpu");
    const counter = startProgramCounter();
    try {
      const e = assertThrows(() => startProgramCounter(), Error);
      assertMatch(e.message, /a program counter is already running/);
    } finally {
      counter.stop();
    }
    await countPrograms(() => {
      throw new Error("boom");
    }).catch((e) => assertEquals((e as Error).message, "boom"));
    assert(unhooked(), "an error inside countPrograms() left the wrapper installed");
  },
}));

Deno.test("startProgramCounter() refuses a backend other than webgpu", async () => {
  await selectBackend("cpu");
  const e = assertThrows(() => startProgramCounter(), Error);
  assertEquals(
    e.message,
    'cannot count GPU programs on backend "cpu": expected the active backend to be "webgpu"',
  );
});

Deno.test("programCounts() gives the mean per iteration and per program class", () => {
  const c = programCounts([
    { total: 10, byProgram: new Map([["A", 6], ["B", 4]]) },
    { total: 12, byProgram: new Map([["A", 6], ["B", 5], ["C", 1]]) },
  ]);
  assertEquals(c, {
    programs_per_iteration: 11,
    each: [10, 12],
    byProgram: [
      { program: "A", perIteration: 6 },
      { program: "B", perIteration: 4.5 },
      { program: "C", perIteration: 0.5 },
    ],
  });
  assertMatch(assertThrows(() => programCounts([]), RangeError).message, /no timed iterations/);
});

Deno.test(onGpu({
  name: "benchIteration() counts the same programs in every steady-state iteration",
  fn: async () => {
    await selectBackend("webgpu");
    const before = tf.memory().numTensors;
    // 24px: the smallest size the 70x70 PatchGAN takes (3 stride-2 convs and 2 of stride 1).
    const row = await benchIteration({ ...DISPATCH_CONFIG, name: "24px", size: 24 }, 2, {
      warmup: 1,
      countPrograms: true,
    });
    const p = row.programs!;
    assertEquals(p.each.length, 2);
    assertEquals(p.each[0], p.each[1], `programs differ between iterations: ${p.each}`);
    // A CycleGAN iteration runs thousands of programs today (issue 18: about 6.6k at 32px).
    assert(p.programs_per_iteration > 1000, `only ${p.programs_per_iteration} programs`);
    assertEquals(p.byProgram.reduce((s, k) => s + k.perIteration, 0), p.programs_per_iteration);
    assert(unhooked(), "benchIteration() left the counter installed");
    assertEquals(tf.memory().numTensors, before);
  },
}));

Deno.test("bench --dispatches without --backend webgpu --iterations is a usage error", async () => {
  for (
    const args of [
      ["--dispatches", "--iterations"],
      ["--dispatches", "--backend", "webgpu"],
    ]
  ) {
    const r = await runScript("lib/bench/main.ts", ...args);
    assertEquals(r.code, 2, r.stderr);
    assertMatch(r.stderr, /^error: --dispatches counts the GPU programs of training iterations/);
  }
});

Deno.test(onGpu({
  name: "forwardFlops() counts the same FLOPs on webgpu (its own conv kernels) as on cpu",
  fn: async () => {
    const flops: number[] = [];
    for (const backend of ["cpu", "webgpu"] as const) {
      await selectBackend(backend);
      const g = defineG("resnet_6blocks", new Rng(0), { ngf: 4, label: "G" });
      flops.push(await forwardFlops(g, 32));
      g.dispose();
    }
    // c7s1-4, d8, d16, 12 R16 convs, u8, u4 (transposed), c7s1-3 at 32px.
    const expected = 2 * (32 * 32 * 4 * 49 * 3 + 16 * 16 * 8 * 9 * 4 + 8 * 8 * 16 * 9 * 8 +
      12 * 8 * 8 * 16 * 9 * 16 + 8 * 8 * 16 * 9 * 8 + 16 * 16 * 8 * 9 * 4 + 32 * 32 * 3 * 49 * 4);
    assertEquals(flops, [expected, expected]);
  },
}));
