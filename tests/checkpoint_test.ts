/**
 * Checkpoints and atomic I/O: round trip of everything a resume needs (weights, Adam, pools,
 * RNG) without tensor growth, manifest verification and fallback, the resume guard, rotation,
 * and I/O errors that name their path.
 */
import { assert, assertEquals, assertMatch, assertRejects, assertThrows } from "./_assert.ts";
import { selectBackend } from "../lib/backend/mod.ts";
import { tf } from "../lib/tf.ts";
import { Rng } from "../lib/nn/rng.ts";
import {
  createCycleGan,
  type CycleGan,
  disposeCycleGan,
  trainStep,
} from "../lib/train/cyclegan.ts";
import {
  canonicalJson,
  CHECKPOINT_FORMAT,
  CheckpointError,
  type CheckpointState,
  checkResumable,
  configHash,
  latestCheckpoint,
  restoreCycleGan,
  ResumeError,
  saveCheckpoint,
  verifyCheckpoint,
  weightsDigest,
} from "../lib/train/checkpoint.ts";
import { IoError, setWriteFaultHook, writeFileAtomic, writeFileDurable } from "../lib/io/atomic.ts";

const OPTIONS = {
  netG: "resnet_6blocks",
  netD: "pixel",
  ngf: 2,
  ndf: 2,
  pool_size: 2,
  lambda_identity: 0.5,
};

function model(): CycleGan {
  return createCycleGan(OPTIONS, new Rng(11));
}

function batch(seed: number): [tf.Tensor4D, tf.Tensor4D] {
  return [
    tf.randomUniform([1, 8, 8, 3], -1, 1, "float32", seed) as tf.Tensor4D,
    tf.randomUniform([1, 8, 8, 3], -1, 1, "float32", seed + 1) as tf.Tensor4D,
  ];
}

async function step(m: CycleGan, seed: number): Promise<void> {
  const [a, b] = batch(seed);
  await trainStep(m, a, b);
  tf.dispose([a, b]);
}

function state(m: CycleGan, s: number, hash = "h"): CheckpointState {
  return {
    format: CHECKPOINT_FORMAT,
    step: s,
    epoch: 1,
    cursor: { epoch: 1, iteration: s, orderSeed: 1 },
    schedule: { epoch: 0, iteration: s },
    rng: { model: m.rng.state(), data: new Rng(s).state() },
    config: OPTIONS,
    data: { sizeA: 1, sizeB: 1, channelsA: 3, channelsB: 3, imageSize: [8, 8], fingerprint: null },
    configHash: hash,
    backend: tf.getBackend(),
  };
}

async function tempDir(): Promise<string> {
  return await Deno.makeTempDir({ prefix: "cyclebench_ckpt_" });
}

Deno.test("canonicalJson() sorts keys at every level; configHash() is its SHA-256", async () => {
  assertEquals(
    canonicalJson({ b: 1, a: [2, { d: 3, c: 4 }], u: undefined }),
    '{"a":[2,{"c":4,"d":3}],"b":1}',
  );
  assertEquals(await configHash({ x: 1, y: 2 }), await configHash({ y: 2, x: 1 }));
  assert((await configHash({ x: 1 })) !== (await configHash({ x: 2 })));
  assertMatch(await configHash({}), /^[0-9a-f]{64}$/);
  assertThrows(() => canonicalJson({ x: NaN }), RangeError);
});

Deno.test("saveCheckpoint() + restoreCycleGan() continue bit-identically, without tensor growth", async () => {
  await selectBackend("cpu");
  const dir = await tempDir();
  try {
    const m = model();
    for (let s = 0; s < 3; s++) await step(m, 10 * s); // the pools (size 2) are full
    const count = tf.memory().numTensors;
    const path = await saveCheckpoint(dir, { model: m, state: state(m, 3) });
    assertEquals(tf.memory().numTensors, count, "saving leaves tensors behind");
    const atSave = await weightsDigest(m);
    await step(m, 100);
    const afterStep = await weightsDigest(m);
    disposeCycleGan(m);

    // A freshly built model (other initial weights would do: everything is overwritten).
    const fresh = model();
    const restored = await restoreCycleGan(fresh, { path, state: await verifyCheckpoint(path) });
    assertEquals(tf.memory().numTensors, count, "restoring leaves a different tensor count");
    assertEquals(await weightsDigest(restored), atSave);
    assertEquals(restored.fake_A_pool.count, 2);
    // The next step uses Adam's moments and step count, the pools and the RNG: same result.
    await step(restored, 100);
    assertEquals(await weightsDigest(restored), afterStep);
    assertEquals(tf.memory().numTensors, count);
    disposeCycleGan(restored);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a truncated or corrupted checkpoint is detected and loading falls back to the previous one", async () => {
  await selectBackend("cpu");
  const dir = await tempDir();
  const m = model();
  try {
    await step(m, 1);
    await saveCheckpoint(dir, { model: m, state: state(m, 1) });
    await saveCheckpoint(dir, { model: m, state: state(m, 2) });
    const newest = `${dir}/step_00000002`;
    const warnings: string[] = [];
    const onWarning = (w: string) => void warnings.push(w);

    // Truncated weight file.
    const bin = `${newest}/net_G_A.bin`;
    const original = await Deno.readFile(bin);
    await Deno.writeFile(bin, original.subarray(0, 100));
    const e = await assertRejects(() => verifyCheckpoint(newest), CheckpointError);
    assertMatch(e.message, /net_G_A\.bin has 100 bytes, the manifest says \d+/);
    assertEquals((await latestCheckpoint(dir, { onWarning }))?.state.step, 1);
    assertMatch(
      warnings[0],
      /step_00000002" is incomplete or corrupted: .*falling back to the previous checkpoint/,
    );

    // Same size, one byte flipped.
    const flipped = original.slice();
    flipped[7] ^= 0xff;
    await Deno.writeFile(bin, flipped);
    assertMatch(
      (await assertRejects(() => verifyCheckpoint(newest), CheckpointError)).message,
      /SHA-256/,
    );

    // No manifest: never finished.
    await Deno.writeFile(bin, original);
    assertEquals((await verifyCheckpoint(newest)).step, 2);
    await Deno.rename(`${newest}/manifest.json`, `${newest}/manifest.moved`);
    await assertRejects(() => verifyCheckpoint(newest), CheckpointError);

    // A leftover temporary directory is ignored, and removed in repair mode along with moving
    // the damaged checkpoint aside (not deleting it).
    await Deno.mkdir(`${dir}/step_00000003.tmp`);
    assertEquals((await latestCheckpoint(dir, { onWarning }))?.state.step, 1);
    const found = await latestCheckpoint(dir, { repair: true, onWarning });
    assertEquals(found?.path, `${dir}/step_00000001`);
    const names = (await Array.fromAsync(Deno.readDir(dir))).map((x) => x.name).sort();
    assertEquals(names, ["step_00000001", "step_00000002.corrupt"]);
  } finally {
    disposeCycleGan(m);
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("checkResumable() refuses another config hash or format version, naming both values", () => {
  const s = { format: CHECKPOINT_FORMAT, configHash: "aaa" } as CheckpointState;
  const e = assertThrows(() => checkResumable(s, { configHash: "bbb", run: "demo" }), ResumeError);
  assertMatch(e.message, /^Cannot resume run "demo": checkpoint config hash aaa differs from bbb/);
  const f = assertThrows(
    () => checkResumable({ ...s, format: 99 }, { configHash: "aaa", run: "demo" }),
    ResumeError,
  );
  assertMatch(
    f.message,
    new RegExp(`checkpoint format version 99 differs from ${CHECKPOINT_FORMAT}`),
  );
  checkResumable(s, { configHash: "aaa", run: "demo" });
});

Deno.test("saveCheckpoint() keeps the newest K; a failed write (ENOSPC) names the path and leaves earlier ones intact", async () => {
  await selectBackend("cpu");
  const dir = await tempDir();
  const m = model();
  try {
    await step(m, 3);
    for (const s of [1, 2, 3]) {
      await saveCheckpoint(dir, { model: m, state: state(m, s) }, { keep: 2 });
    }
    let names = (await Array.fromAsync(Deno.readDir(dir))).map((x) => x.name).sort();
    assertEquals(names, ["step_00000002", "step_00000003"]);

    let writes = 0;
    setWriteFaultHook(() => {
      if (++writes === 3) {
        throw Object.assign(new Error("No space left on device"), { code: "ENOSPC" });
      }
    });
    try {
      const e = await assertRejects(
        () => saveCheckpoint(dir, { model: m, state: state(m, 4) }),
        IoError,
      );
      assertEquals(e.code, "ENOSPC");
      assertMatch(
        e.message,
        /^Cannot write ".*step_00000004\.tmp\/net_G_B\.bin": ENOSPC: No space left/,
      );
    } finally {
      setWriteFaultHook(undefined);
    }
    names = (await Array.fromAsync(Deno.readDir(dir))).map((x) => x.name).sort();
    assertEquals(names, ["step_00000002", "step_00000003"], "the failed write cleans up");
    assertEquals((await latestCheckpoint(dir))?.state.step, 3);
  } finally {
    disposeCycleGan(m);
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("writeFileAtomic() replaces whole files or nothing; OS errors name the path and code", async () => {
  const dir = await tempDir();
  try {
    const path = `${dir}/status.json`;
    await writeFileAtomic(path, "old");
    setWriteFaultHook(() => {
      throw Object.assign(new Error("No space left on device"), { code: "ENOSPC" });
    });
    try {
      await assertRejects(() => writeFileAtomic(path, "new"), IoError);
    } finally {
      setWriteFaultHook(undefined);
    }
    assertEquals(await Deno.readTextFile(path), "old");
    assertEquals((await Array.fromAsync(Deno.readDir(dir))).length, 1, "no temp file left");
    await writeFileAtomic(path, "new");
    assertEquals(await Deno.readTextFile(path), "new");

    const full = await assertRejects(() => writeFileDurable("/dev/full", "x"), IoError);
    assertEquals(full.code, "ENOSPC");
    assertMatch(full.message, /^Cannot write "\/dev\/full": ENOSPC/);
    const missing = await assertRejects(() => writeFileAtomic(`${dir}/no/such/file`, "x"), IoError);
    assertEquals(missing.code, "ENOENT");
    assertMatch(missing.message, /no\/such\/file/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
