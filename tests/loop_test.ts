/**
 * The training loop: official unaligned sampling, exact resume (in-process on cpu and wasm, and
 * across a killed process on wasm and native), no tensor growth, divergence, interruption, and
 * the resume guard.
 *
 * Run directly (`deno run -A tests/loop_test.ts DIR BACKEND`), this file is the child process of
 * the kill-and-resume tests: it trains the tiny config in DIR and prints the result as JSON.
 */
import { assert, assertEquals, assertMatch, assertRejects, assertThrows } from "./_assert.ts";
import { describeBackend, selectBackend } from "../lib/backend/mod.ts";
import { probeDnnl } from "../lib/backend/native/dnnl.ts";
import { needs } from "./_deps.ts";
import { tf } from "../lib/tf.ts";
import { Rng } from "../lib/nn/rng.ts";
import {
  batchAt,
  epochLength,
  epochOrder,
  iterationsPerEpoch,
  tensorSource,
  type UnalignedSource,
} from "../lib/train/data.ts";
import {
  lossLine,
  parseFaults,
  resolveTrainConfig,
  runIdentity,
  train,
  type TrainConfig,
} from "../lib/train/loop.ts";
import {
  configHash,
  latestCheckpoint,
  ResumeError,
  verifyCheckpoint,
} from "../lib/train/checkpoint.ts";

const quiet = () => {};

/** Random 18x18 RGB "domains" (3 A, 2 B images), cropped to 16x16 and flipped at random. */
function tinySource(): UnalignedSource {
  const rng = new Rng(2024);
  const img = (shift: number) => rng.fillUniform(18 * 18 * 3).map((v) => v * 1.6 - 0.8 + shift);
  return tensorSource([img(-0.1), img(-0.1), img(-0.1)], [img(0.1), img(0.1)], {
    imageSize: [16, 16],
    loadSize: [18, 18],
  });
}

/**
 * The resume config: resnet_6blocks, ngf = ndf = 4, 16x16, pool_size 2 (so the pool
 * swaps), identity 0.5; 2 epochs of 3 iterations = 6 steps with a linear decay in epoch 2,
 * a checkpoint every 2 steps.
 */
const TINY: Partial<TrainConfig> = Object.freeze({
  netG: "resnet_6blocks",
  netD: "n_layers",
  n_layers_D: 2,
  ngf: 4,
  ndf: 4,
  pool_size: 2,
  lambda_identity: 0.5,
  n_epochs: 1,
  n_epochs_decay: 1,
  save_latest_freq: 2,
  print_freq: 1,
  seed: 7,
});

/** An even smaller config (8x8, pixel D) for the tests that are not about exact resume. */
const SMALL: Partial<TrainConfig> = Object.freeze({
  netG: "resnet_6blocks",
  netD: "pixel",
  ngf: 2,
  ndf: 2,
  pool_size: 1,
  n_epochs: 3,
  n_epochs_decay: 0,
  save_latest_freq: 1,
  print_freq: 1,
  seed: 3,
});

function smallSource(): UnalignedSource {
  const rng = new Rng(5);
  const img = () => rng.fillUniform(8 * 8 * 3).map((v) => v * 2 - 1);
  return tensorSource([img(), img()], [img()], { imageSize: [8, 8] });
}

if (import.meta.main) {
  const [dir, backend] = Deno.args;
  const active = await selectBackend(backend as "wasm");
  const r = await train(TINY, { source: tinySource(), dir });
  console.log(JSON.stringify({
    status: r.status,
    step: r.step,
    resumedFrom: r.resumedFrom,
    digest: r.weightsSha256,
    backend: describeBackend(active),
  }));
}

// ---- data ----------------------------------------------------------------------------------

Deno.test("batchAt() takes A at i mod |A| in a per-epoch shuffled order, B at random, last batch smaller", async () => {
  await selectBackend("cpu");
  const mark = (v: number) => new Float32Array(4 * 4 * 1).fill(v);
  // Image k of A is filled with k / 10, of B with -k / 10, so values identify images.
  const src = tensorSource(
    [0, 1, 2, 3, 4].map((k) => mark(k / 10)),
    [0, 1].map((k) => mark(-k / 10)),
    {
      imageSize: [4, 4],
      channelsA: 1,
      channelsB: 1,
    },
  );
  assertEquals(epochLength(src), 5);
  assertEquals(iterationsPerEpoch(src, 2), 3);
  const before = tf.memory().numTensors;
  const rng = new Rng(1);
  const seen: number[] = [];
  for (let it = 0; it < 3; it++) {
    const b = batchAt(src, { epoch: 1, iteration: it, batchSize: 2, orderSeed: 9 }, rng);
    assertEquals(b.A.shape[0], it < 2 ? 2 : 1, "last batch holds the remainder");
    const a = await b.A.data();
    b.indicesA.forEach((i, k) => assertEquals(Math.round(a[k * 16] * 10), i));
    const bv = await b.B.data();
    b.indicesB.forEach((i, k) => assertEquals(Math.round(-bv[k * 16] * 10), i));
    assert(b.indicesB.every((i) => i === 0 || i === 1));
    seen.push(...b.indicesA);
    tf.dispose([b.A, b.B]);
  }
  assertEquals([...seen].sort(), [0, 1, 2, 3, 4], "an epoch visits every index once");
  assertEquals(tf.memory().numTensors, before, "batchAt leaves no tensors behind");
  const o1 = Array.from(epochOrder(50, { epoch: 1, orderSeed: 9 }));
  assert(
    o1.join() !== Array.from(epochOrder(50, { epoch: 2, orderSeed: 9 })).join(),
    "each epoch reshuffles",
  );
  assertEquals(
    o1,
    Array.from(epochOrder(50, { epoch: 1, orderSeed: 9 })),
    "the order is a function of seed and epoch",
  );
  // Serial batches: in order, B at i mod |B|.
  const s = batchAt(src, { epoch: 1, iteration: 1, batchSize: 2, orderSeed: 9, serial: true }, rng);
  assertEquals([s.indicesA, s.indicesB], [[2, 3], [0, 1]]);
  tf.dispose([s.A, s.B]);
  assertThrows(() => batchAt(src, { epoch: 1, iteration: 3, batchSize: 2, orderSeed: 9 }, rng));
});

Deno.test("tensorSource() crops and flips from the rng it is given, reproducibly", async () => {
  await selectBackend("cpu");
  const data = Float32Array.from({ length: 3 * 4 }, (_, i) => i / 12);
  const src = tensorSource([data], [data], {
    imageSize: [2, 2],
    loadSize: [3, 4],
    channelsA: 1,
    channelsB: 1,
  });
  const outs = new Set<string>();
  for (let seed = 0; seed < 40; seed++) {
    const t = src.load("A", 0, new Rng(seed));
    const again = src.load("A", 0, new Rng(seed));
    assertEquals(Array.from(await t.data()), Array.from(await again.data()));
    outs.add(Array.from(await t.data()).join());
    tf.dispose([t, again]);
  }
  // 3 x-offsets x 2 y-offsets x 2 flips.
  assertEquals(outs.size, 12);
});

// ---- config and faults ---------------------------------------------------------------------

Deno.test("resolveTrainConfig() reports unknown keys and bad values at once; lossLine() has the official format", () => {
  const e = assertThrows(
    () =>
      resolveTrainConfig(
        { batch_size: 0, lr_policy: "plateau", bogus: 1 } as unknown as Partial<TrainConfig>,
      ),
    RangeError,
  );
  assertMatch(e.message, /unknown option\(s\) bogus/);
  assertMatch(e.message, /batch_size: expected an integer >= 1, got 0/);
  assertMatch(e.message, /lr_policy: expected one of linear, step, cosine, got "plateau"/);
  const losses = {
    D_A: 0.25,
    G_A: 1,
    cycle_A: 2,
    idt_A: 0.5,
    D_B: 0.125,
    G_B: 1.5,
    cycle_B: 3,
    idt_B: 0.75,
  };
  assertEquals(
    lossLine({ epoch: 1, iters: 100, time: 0.1234, data: 0.0011 }, losses),
    "(epoch: 1, iters: 100, time: 0.123, data: 0.001) D_A: 0.250 G_A: 1.000 cycle_A: 2.000 " +
      "idt_A: 0.500 D_B: 0.125 G_B: 1.500 cycle_B: 3.000 idt_B: 0.750 ",
  );
});

Deno.test("parseFaults() reads the CYCLEBENCH_FAULT forms and rejects others", () => {
  assertEquals(parseFaults("exit-after-checkpoint:step=2"), { exitAfterCheckpoint: 2 });
  assertEquals(parseFaults("nan-at-step=3; exit-before-publish:step=4"), {
    nanAtStep: 3,
    exitBeforePublish: 4,
  });
  assertEquals(parseFaults(""), {});
  assertEquals(parseFaults(undefined), {});
  assertMatch(assertThrows(() => parseFaults("explode:step=1")).message, /"explode:step=1"/);
  assertThrows(() => parseFaults("nan-at-step=0"));
});

// ---- exact resume --------------------------------------------------------------------------

const references = new Map<string, string>();

async function exactResume(backend: "cpu" | "wasm"): Promise<void> {
  await selectBackend(backend);
  const dir = await Deno.makeTempDir({ prefix: "cyclebench_loop_" });
  try {
    const source = tinySource();
    const baseline = tf.memory().numTensors;
    const counts: number[] = [];
    const atCheckpoint: number[] = [];
    const full = await train(TINY, {
      source,
      dir: `${dir}/full`,
      log: quiet,
      onStep: (step) => void (counts[step] = tf.memory().numTensors),
      onCheckpoint: ({ step }) => void (atCheckpoint[step] = tf.memory().numTensors),
    });
    assertEquals([full.status, full.step, full.epoch], ["completed", 6, 3]);
    references.set(backend, full.weightsSha256);
    // pool_size 2 at batch 1: the pools are full after step 2; from then on nothing grows.
    for (let s = 3; s <= 6; s++) assertEquals(counts[s], counts[2], `tensors grow at step ${s}`);
    for (const s of [2, 4, 6]) {
      assertEquals(atCheckpoint[s], counts[s], `checkpoint ${s} leaves tensors behind`);
    }
    assertEquals(tf.memory().numTensors, baseline, "train() leaves tensors behind");

    // Stop at step 4 (max_steps is operational: not in the config hash), then resume in a
    // freshly built trainer.
    const first = await train({ ...TINY, max_steps: 4 }, { source, dir: `${dir}/res`, log: quiet });
    assertEquals([first.status, first.step], ["completed", 4]);
    const lines: string[] = [];
    const resumedCounts: number[] = [];
    const second = await train(TINY, {
      source,
      dir: `${dir}/res`,
      log: (l) => lines.push(l),
      onStep: (step) => void (resumedCounts[step] = tf.memory().numTensors),
    });
    assertEquals([second.status, second.step, second.resumedFrom], ["completed", 6, 4]);
    assert(lines.some((l) => l.startsWith("resumed at step 4")), lines.join("\n"));
    assertEquals(second.weightsSha256, full.weightsSha256, `${backend}: resumed weights differ`);
    assertEquals(second.losses, full.losses);
    assertEquals(resumedCounts[5], counts[5], "restoring leaves tensors behind");
    // Beyond the weights: Adam moments, pools and RNG states of the final checkpoints agree.
    const manifest = async (run: string) =>
      JSON.parse(await Deno.readTextFile(`${dir}/${run}/checkpoints/step_00000006/manifest.json`));
    assertEquals(await manifest("res"), await manifest("full"));
    const log = await Deno.readTextFile(`${dir}/res/loss_log.txt`);
    assertMatch(
      log,
      /^\(epoch: 2, iters: 3, time: \d+\.\d{3}, data: \d+\.\d{3}\) D_A: \d+\.\d{3} G_A: /m,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("train() resumed at step 4 in a fresh trainer is bit-identical to an uninterrupted run (cpu)", async () => {
  await exactResume("cpu");
});

Deno.test("train() resumed at step 4 in a fresh trainer is bit-identical to an uninterrupted run (wasm)", async () => {
  await exactResume("wasm");
});

/** What a child run of this file printed, and how it ended. */
interface ChildRun {
  out: Deno.CommandOutput;
  stdout: string;
  stderr: string;
  /** The last stdout line as JSON, when the child finished. */
  result?: {
    status: string;
    step: number;
    resumedFrom: number | null;
    digest: string;
    backend: string;
  };
}

/** Trains TINY in `dir` on `backend` in a child process, with the fault hook `fault`. */
async function childRun(dir: string, backend: string, fault: string): Promise<ChildRun> {
  const root = new URL("..", import.meta.url).pathname;
  const out = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      "--config",
      `${root}deno.json`,
      new URL(import.meta.url).pathname,
      dir,
      backend,
    ],
    cwd: root,
    env: { CYCLEBENCH_FAULT: fault },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const stdout = new TextDecoder().decode(out.stdout);
  const stderr = new TextDecoder().decode(out.stderr);
  return {
    out,
    stdout,
    stderr,
    ...(out.success ? { result: JSON.parse(stdout.trim().split("\n").at(-1)!) } : {}),
  };
}

/**
 * Kills a child training TINY on `backend` between writing step 4's checkpoint and publishing
 * it, then after publishing it, and lets a third finish: it must end with `reference`, the
 * weights' SHA-256 of an uninterrupted run. Returns the finishing child's result.
 */
async function killAndResume(
  backend: "wasm" | "native",
  reference: string,
): Promise<NonNullable<ChildRun["result"]>> {
  const dir = await Deno.makeTempDir({ prefix: `cyclebench_kill_${backend}_` });
  const killed = (o: Deno.CommandOutput) =>
    !o.success && (o.signal === "SIGKILL" || o.code === 137);
  try {
    // 1. Killed between writing step 4's checkpoint and publishing it.
    const a = await childRun(dir, backend, "exit-before-publish:step=4");
    assert(killed(a.out), `expected SIGKILL, got ${a.out.code}: ${a.stderr}`);
    const names = (await Array.fromAsync(Deno.readDir(`${dir}/checkpoints`))).map((e) => e.name)
      .sort();
    assertEquals(names, ["step_00000002", "step_00000004.tmp"]);
    // 2. Resumes from step 2 (the unfinished one is removed), killed after publishing step 4.
    const b = await childRun(dir, backend, "exit-after-checkpoint:step=4");
    assert(killed(b.out), `expected SIGKILL, got ${b.out.code}: ${b.stderr}`);
    assertMatch(b.stdout, /Removing unfinished checkpoint ".*step_00000004\.tmp"/);
    assertMatch(b.stdout, /resumed at step 2/);
    // 3. Resumes from step 4 and finishes with the uninterrupted run's weights.
    const c = await childRun(dir, backend, "");
    assert(c.result, c.stderr);
    assertMatch(c.stdout, /resumed at step 4/);
    const { status, step, resumedFrom, digest } = c.result;
    assertEquals({ status, step, resumedFrom, digest }, {
      status: "completed",
      step: 6,
      resumedFrom: 4,
      digest: reference,
    });
    return c.result;
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("a process killed by the fault hook (before and after publishing) resumes bit-identically", async () => {
  if (!references.has("wasm")) await exactResume("wasm");
  await killAndResume("wasm", references.get("wasm")!);
});

const dnnl = probeDnnl();
Deno.test(needs(dnnl.ok ? undefined : `no oneDNN: ${dnnl.why}`, {
  name: "native: a process killed by the fault hook (before and after publishing) resumes " +
    "bit-identically to an uninterrupted native run, with the WebAssembly SIMD Adam",
  fn: async () => {
    // The uninterrupted reference in a child too: this process never activates native.
    const dir = await Deno.makeTempDir({ prefix: "cyclebench_native_full_" });
    let full;
    try {
      full = await childRun(dir, "native", "");
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
    assert(full.result, full.stderr);
    assertEquals([full.result.status, full.result.step, full.result.resumedFrom], [
      "completed",
      6,
      null,
    ]);
    assertMatch(full.result.backend, /^native \(oneDNN 2\./);
    const resumed = await killAndResume("native", full.result.digest);
    // The backend line (what status.json records) names the Adam loop every step ran.
    for (const r of [full.result, resumed]) {
      assertMatch(r.backend, /; adam: WebAssembly SIMD\): requested$/);
    }
    // Native is its own backend: its weights are not wasm's (float rounding differs).
    if (references.has("wasm")) assert(full.result.digest !== references.get("wasm"));
  },
}));

// ---- divergence, interruption, resume guard ------------------------------------------------

Deno.test("a NaN loss at step 3 ends the run as diverged at step 3, keeping the step-2 checkpoint", async () => {
  await selectBackend("cpu");
  const dir = await Deno.makeTempDir({ prefix: "cyclebench_nan_" });
  try {
    const steps: number[] = [];
    const r = await train(SMALL, {
      source: smallSource(),
      dir,
      log: quiet,
      faults: "nan-at-step=3",
      onStep: (s) => void steps.push(s),
    });
    assertEquals(r.status, "diverged");
    assertEquals(r.diverged, { step: 3, losses: ["G_A"] });
    assertEquals(steps, [1, 2]);
    assertEquals(r.checkpoint, `${dir}/checkpoints/step_00000002`);
    const found = await latestCheckpoint(`${dir}/checkpoints`);
    assertEquals(found?.state.step, 2);
    assertEquals((await verifyCheckpoint(found!.path)).step, 2);
    assertMatch(
      await Deno.readTextFile(`${dir}/loss_log.txt`),
      /diverged at step 3 \(epoch 2\): non-finite G_A/,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("an aborted run finishes its step, checkpoints it and returns interrupted", async () => {
  await selectBackend("cpu");
  const dir = await Deno.makeTempDir({ prefix: "cyclebench_abort_" });
  try {
    const ac = new AbortController();
    const r = await train({ ...SMALL, save_latest_freq: 0 }, {
      source: smallSource(),
      dir,
      log: quiet,
      signal: ac.signal,
      onStep: (s) => {
        if (s === 2) ac.abort();
      },
    });
    assertEquals([r.status, r.step], ["interrupted", 2]);
    assertEquals(r.checkpoint, `${dir}/checkpoints/step_00000002`);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("resuming with another config is refused naming both hashes; restart moves the old checkpoints aside", async () => {
  await selectBackend("cpu");
  const dir = await Deno.makeTempDir({ prefix: "cyclebench_guard_" });
  try {
    const source = smallSource();
    const first = await train({ ...SMALL, max_steps: 2 }, {
      source,
      dir,
      log: quiet,
      runName: "r1",
    });
    const changed = { ...SMALL, lambda_A: 5 };
    const want = await configHash(runIdentity(resolveTrainConfig(changed), source));
    const e = await assertRejects(
      () => train(changed, { source, dir, log: quiet, runName: "r1" }),
      ResumeError,
    );
    assert(
      e.message.startsWith(
        `Cannot resume run "r1": checkpoint config hash ${first.configHash} differs from ${want}`,
      ),
      e.message,
    );
    // An operational change (checkpoint period, step cap) is not a different config.
    const more = await train({ ...SMALL, max_steps: 3, save_latest_freq: 3 }, {
      source,
      dir,
      log: quiet,
    });
    assertEquals(more.resumedFrom, 2);

    const lines: string[] = [];
    const fresh = await train({ ...changed, max_steps: 1 }, {
      source,
      dir,
      log: (l) => lines.push(l),
      restart: true,
    });
    assertEquals([fresh.resumedFrom, fresh.step], [null, 1]);
    const aside = (await Array.fromAsync(Deno.readDir(dir))).map((x) => x.name)
      .filter((n) => n.startsWith("checkpoints.restarted-"));
    assertEquals(aside.length, 1);
    const kept = (await Array.fromAsync(Deno.readDir(`${dir}/${aside[0]}`))).map((x) => x.name)
      .sort();
    assertEquals(
      kept,
      ["step_00000002", "step_00000003"],
      "old checkpoints are moved, not deleted",
    );
    assert(lines.some((l) => l.startsWith(`restart: moved the old checkpoints`)));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
