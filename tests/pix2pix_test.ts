/**
 * pix2pix (issue 15): the official model's counts and receptive fields, its step on every CPU
 * backend, kill-and-resume, the loss ablation, paired data (scenes, the aligned folder layout,
 * trainA/trainB by name) and the config rules that keep CycleGAN run ids unchanged.
 *
 * Run as a script (`deno run -A tests/pix2pix_test.ts DIR BACKEND`) it is the child process
 * the kill test starts: it trains the tiny pix2pix in DIR under `CYCLEBENCH_FAULT`.
 */
import { assert, assertEquals, assertMatch, assertRejects, assertThrows } from "./_assert.ts";
import { selectBackend } from "../lib/backend/mod.ts";
import { probeDnnl } from "../lib/backend/native/dnnl.ts";
import { tf } from "../lib/tf.ts";
import { Rng } from "../lib/nn/rng.ts";
import { countGenerator } from "../lib/generators/mod.ts";
import { countDiscriminator, discriminatorReceptiveField } from "../lib/discriminators/mod.ts";
import { PIX2PIX_LOSS_VARIANTS } from "../lib/losses/mod.ts";
import { batchAt, tensorSource, type UnalignedSource } from "../lib/train/data.ts";
import {
  identityConfig,
  resolveTrainConfig,
  train,
  TRAIN_DEFAULTS,
  type TrainConfig,
} from "../lib/train/loop.ts";
import { createPix2Pix, disposePix2Pix, pix2pixStep } from "../lib/train/pix2pix.ts";
import { main as modelsMain } from "../lib/cli/models.ts";
import { alignedHalf, openFolder, resolveFolderOptions } from "../lib/data/folder.ts";
import { openScenes, resolveScenesOptions } from "../lib/data/scenes.ts";
import { encodePng } from "../lib/io/png.ts";
import { checkExperiment, experimentDefaults } from "../lib/sweep/schema.ts";
import { DatasetError } from "../lib/data/mod.ts";

const quiet = () => {};

/** Aligned 128x128 pairs: B is a fixed function of A, so the pairing carries information. */
function pairedSource(): UnalignedSource {
  const rng = new Rng(99);
  const A = [0, 1].map(() => rng.fillUniform(132 * 132 * 3).map((v) => v * 1.8 - 0.9));
  const B = A.map((a) => a.map((v) => -0.5 * v));
  return tensorSource(A, B, { imageSize: [128, 128], loadSize: [132, 132], paired: true });
}

/** The tiny official pix2pix: unet_128 (the smallest U-Net), batch norm, dropout, cGAN + L1. */
const TINY: Partial<TrainConfig> = Object.freeze({
  model: "pix2pix",
  netG: "unet_128",
  ngf: 2,
  ndf: 2,
  lr_unit: "iteration",
  n_epochs: 2,
  n_epochs_decay: 1,
  save_latest_freq: 1,
  print_freq: 1,
  seed: 11,
});

// ---- counts and receptive fields (official define_G / define_D) ----

Deno.test("pix2pix's networks have the official parameter counts and receptive fields", () => {
  const before = tf.memory().numTensors;
  assertEquals(countGenerator("unet_256", { norm: "batch" }), 54_413_955);
  assertEquals(countDiscriminator("basic", { norm: "batch", input_nc: 6 }), 2_768_705);
  // The encoder-decoder is unet_256 without skips: each up conv but the innermost loses
  // inner * outer * 16 weights (its input is `inner`, not `2 * inner`, channels).
  const removed = [[64, 3], [128, 64], [256, 128], [512, 256], [512, 512], [512, 512], [512, 512]]
    .reduce((n, [inner, outer]) => n + inner * outer * 16, 0);
  assertEquals(countGenerator("encoder_decoder_256", { norm: "batch" }), 54_413_955 - removed);
  assert(countGenerator("encoder_decoder_128") < countGenerator("unet_128"));
  assertEquals(discriminatorReceptiveField("pixel"), 1);
  assertEquals(discriminatorReceptiveField("n_layers", { n_layers_D: 1 }), 16);
  assertEquals(discriminatorReceptiveField("basic"), 70);
  assertEquals(discriminatorReceptiveField("n_layers", { n_layers_D: 3 }), 70);
  assertEquals(discriminatorReceptiveField("n_layers", { n_layers_D: 5 }), 286);
  assertEquals(tf.memory().numTensors, before, "counting allocates nothing");
});

Deno.test("deno task models --model pix2pix prints unet_256 and the 6-channel basic D", () => {
  const lines: string[] = [];
  const log = console.log;
  console.log = (s: string) => lines.push(s);
  try {
    assertEquals(modelsMain(["--model", "pix2pix", "--json"]), 0);
    assertEquals(modelsMain(["--model", "pix2pix", "--netD", "n_layers", "--n_layers_D", "5"]), 0);
  } finally {
    console.log = log;
  }
  const json = JSON.parse(lines[0]);
  assertEquals([json.G.name, json.G.params], ["unet_256", 54_413_955]);
  assertEquals([json.D.name, json.D.params, json.D.input_nc], ["basic", 2_768_705, 6]);
  assertMatch(lines[1], /\[Network D\] Receptive field : 286x286 pixels/);
  assert(!lines[1].includes("G_A"), "pix2pix has one G and one D");
});

// ---- the step ----

async function threeSteps(backend: string): Promise<number[][]> {
  await selectBackend(backend as "cpu");
  const src = pairedSource();
  const before = tf.memory().numTensors;
  const m = createPix2Pix({ netG: "unet_128", ngf: 2, ndf: 2 }, new Rng(5));
  const out: number[][] = [];
  const counts: number[] = [];
  try {
    for (let i = 0; i < 3; i++) {
      const b = batchAt(
        src,
        { epoch: 1, iteration: i % 2, batchSize: 1, orderSeed: 1 },
        new Rng(i),
      );
      const l = await pix2pixStep(m, b.A, b.B);
      tf.dispose([b.A, b.B]);
      out.push([l.G_GAN, l.G_L1, l.D_real, l.D_fake]);
      counts.push(tf.memory().numTensors);
    }
  } finally {
    disposePix2Pix(m);
  }
  assertEquals(counts[2], counts[1], `tensors grow on ${backend}`);
  assertEquals(tf.memory().numTensors, before, `${backend}: the model leaves tensors behind`);
  return out;
}

const dnnl = probeDnnl();

Deno.test("a tiny pix2pix trains 3 steps with the same losses on cpu, wasm and native", async (t) => {
  const cpu = await threeSteps("cpu");
  for (const row of cpu) assert(row.every(Number.isFinite) && row[1] > 0, `cpu losses ${row}`);
  for (const backend of ["wasm", "native"]) {
    await t.step({
      name: backend === "native" ? `native (${dnnl.ok ? dnnl.detail : dnnl.why})` : backend,
      ignore: backend === "native" && !dnnl.ok && !Deno.env.get("CI"),
      fn: async () => {
        const got = await threeSteps(backend);
        got.forEach((row, i) =>
          row.forEach((v, j) => {
            const rel = Math.abs(v - cpu[i][j]) / Math.max(1e-6, Math.abs(cpu[i][j]));
            assert(rel <= 1e-3, `${backend} step ${i + 1} loss ${j}: ${v} vs cpu ${cpu[i][j]}`);
          })
        );
      },
    });
  }
});

Deno.test("every pix2pix loss variant trains a step; the terms that are off log 0", async () => {
  await selectBackend("cpu");
  const src = pairedSource();
  const before = tf.memory().numTensors;
  for (const [name, loss] of Object.entries(PIX2PIX_LOSS_VARIANTS)) {
    const m = createPix2Pix({ netG: "unet_128", ngf: 2, ndf: 2, loss }, new Rng(3));
    try {
      // D sees input and output (6 channels) only when conditional.
      assertEquals(m.D.inputChannels, loss.gan === "conditional" ? 6 : 3, name);
      const b = batchAt(src, { epoch: 1, iteration: 0, batchSize: 1, orderSeed: 1 }, new Rng(0));
      const l = await pix2pixStep(m, b.A, b.B);
      tf.dispose([b.A, b.B]);
      assertEquals(l.G_L1 > 0, loss.l1, `${name}: G_L1 ${l.G_L1}`);
      for (const k of ["G_GAN", "D_real", "D_fake"] as const) {
        assertEquals(l[k] > 0, loss.gan !== "none", `${name}: ${k} ${l[k]}`);
      }
    } finally {
      disposePix2Pix(m);
    }
  }
  assertEquals(tf.memory().numTensors, before);
  assertMatch(
    assertThrows(() => createPix2Pix({ loss: { l1: false, gan: "none" } }, new Rng(0)), Error)
      .message,
    /has no term/,
  );
});

// ---- the trainer: resume, kill, paired data required ----

Deno.test("pix2pix resumed at step 2 in a fresh trainer is bit-identical; unpaired data is refused", async () => {
  await selectBackend("cpu");
  const dir = await Deno.makeTempDir({ prefix: "cyclebench_p2p_" });
  try {
    const full = await train(TINY, { source: pairedSource(), dir: `${dir}/full`, log: quiet });
    assertEquals([full.status, full.step], ["completed", 3]);
    const first = await train({ ...TINY, max_steps: 2 }, {
      source: pairedSource(),
      dir: `${dir}/res`,
      log: quiet,
    });
    assertEquals(first.step, 2);
    const second = await train(TINY, { source: pairedSource(), dir: `${dir}/res`, log: quiet });
    assertEquals([second.step, second.resumedFrom], [3, 2]);
    assertEquals(second.weightsSha256, full.weightsSha256, "resumed weights differ");
    assertEquals(second.losses, full.losses);
    const files = (await Array.fromAsync(Deno.readDir(`${dir}/full/checkpoints/step_00000003`)))
      .map((e) => e.name).sort();
    assertEquals(files.filter((f) => f.startsWith("net_")), [
      "net_D.bin",
      "net_D.json",
      "net_G.bin",
      "net_G.json",
    ]);
    assertMatch(
      await Deno.readTextFile(`${dir}/full/loss_log.txt`),
      /\) G_GAN: \d+\.\d{3} G_L1: \d+\.\d{3} D_real: \d+\.\d{3} D_fake: \d+\.\d{3} $/m,
    );
    const rng = new Rng(1);
    const img = () => rng.fillUniform(128 * 128 * 3);
    const unpaired = tensorSource([img()], [img()], { imageSize: [128, 128] });
    assertMatch(
      (await assertRejects(
        () => train(TINY, { source: unpaired, dir: `${dir}/unpaired`, log: quiet }),
        RangeError,
      )).message,
      /model pix2pix trains on aligned pairs, and this data is unpaired/,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a pix2pix process killed after its step-2 checkpoint resumes bit-identically", async () => {
  await selectBackend("wasm");
  const dir = await Deno.makeTempDir({ prefix: "cyclebench_p2p_kill_" });
  const root = new URL("..", import.meta.url).pathname;
  const child = (where: string, fault: string) =>
    new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", "--config", `${root}deno.json`, new URL(import.meta.url).pathname, where],
      cwd: root,
      env: { CYCLEBENCH_FAULT: fault },
      stdout: "piped",
      stderr: "piped",
    }).output();
  const text = (b: Uint8Array) => new TextDecoder().decode(b);
  try {
    const reference = await child(`${dir}/ref`, "");
    assert(reference.success, text(reference.stderr));
    const killed = await child(`${dir}/run`, "exit-after-checkpoint:step=2");
    assert(!killed.success && (killed.signal === "SIGKILL" || killed.code === 137));
    const resumed = await child(`${dir}/run`, "");
    assert(resumed.success, text(resumed.stderr));
    assertMatch(text(resumed.stdout), /resumed at step 2/);
    const last = (o: Deno.CommandOutput) => JSON.parse(text(o.stdout).trim().split("\n").at(-1)!);
    assertEquals(last(resumed).digest, last(reference).digest);
    assertEquals(last(resumed).resumedFrom, 2);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

// ---- paired data ----

Deno.test("batchAt() takes B at A's index with A's crop and flip from an aligned source", () => {
  const rng = new Rng(4);
  const imgs = [0, 1, 2].map(() => rng.fillUniform(10 * 10 * 3));
  const src = tensorSource(imgs, imgs, { imageSize: [8, 8], loadSize: [10, 10], paired: true });
  const before = tf.memory().numTensors;
  for (let it = 0; it < 3; it++) {
    const b = batchAt(src, { epoch: 2, iteration: it, batchSize: 1, orderSeed: 9 }, rng);
    assertEquals(b.indicesB, b.indicesA);
    assertEquals(Array.from(b.B.dataSync()), Array.from(b.A.dataSync()), "same crop and flip");
    tf.dispose([b.A, b.B]);
  }
  assertEquals(tf.memory().numTensors, before);
  assertMatch(
    assertThrows(
      () => tensorSource(imgs, imgs.slice(1), { imageSize: [10, 10], paired: true }),
      RangeError,
    ).message,
    /equal counts/,
  );
});

Deno.test("scenes gives aligned pairs for a paired model: B is the photo of A's scene", async () => {
  const o = resolveScenesOptions({ size: 32, train_count: 3, test_count: 2, preprocess: "none" });
  const unpaired = await openScenes(o);
  const paired = await openScenes(o, true);
  assertEquals([unpaired.train.paired, paired.train.paired], [undefined, true]);
  assert(paired.train.fingerprint !== unpaired.train.fingerprint);
  const same = (a: tf.Tensor, b: tf.Tensor) => {
    const eq = Array.from(a.dataSync()).every((v, i) => v === b.dataSync()[i]);
    tf.dispose([a, b]);
    return eq;
  };
  const load = (ds: typeof paired, d: "A" | "B") => ds.train.load(d, 1, new Rng(0));
  assert(same(load(paired, "A"), load(unpaired, "A")), "the same label maps");
  assert(!same(load(paired, "B"), load(unpaired, "B")), "B is the photo of A's scene");
});

async function writeImage(path: string, width: number, height: number, fill: number) {
  const data = new Uint8Array(width * height * 3);
  // Left half `fill`, right half 255 - fill: A and B of an aligned image tell apart.
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      data.fill(x < width / 2 ? fill : 255 - fill, (y * width + x) * 3, (y * width + x) * 3 + 3);
    }
  }
  await Deno.writeFile(path, await encodePng(data, { width, height, channels: 3 }));
}

Deno.test("folder reads the aligned layout (A|B side by side) and pairs trainA/trainB by name", async () => {
  const root = await Deno.makeTempDir({ prefix: "cyclebench_aligned_" });
  try {
    const half = alignedHalf(
      { width: 4, height: 2, channels: 1, data: Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8) },
      "B",
      "x.png",
    );
    assertEquals([half.width, Array.from(half.data)], [2, [3, 4, 7, 8]]);
    await Deno.mkdir(`${root}/train`);
    await Deno.mkdir(`${root}/test`);
    for (const [i, fill] of [[1, 40], [2, 80]]) {
      await writeImage(`${root}/train/${i}.png`, 16, 8, fill);
    }
    await writeImage(`${root}/test/9.png`, 16, 8, 120);
    const base = { dataroot: root, cache_dir: null, load_size: 8, crop_size: 8, no_flip: true };
    const ds = await openFolder(resolveFolderOptions({ ...base, dataset_mode: "aligned" }));
    assertEquals([ds.train.paired, ds.train.sizeA, ds.train.sizeB], [true, 2, 2]);
    const a = ds.train.load("A", 0, new Rng(0));
    const b = ds.train.load("B", 0, new Rng(0));
    // 40 -> 40/127.5 - 1; the right half is 215.
    assertEquals([a.dataSync()[0], b.dataSync()[0]].map((v) => Math.round((v + 1) * 127.5)), [
      40,
      215,
    ]);
    tf.dispose([a, b]);
    const test = await ds.test();
    assertEquals([test.paired, test.pairs, test.A.length], [true, [[0, 0]], 1]);

    // Without dataset_mode: the unaligned layout is expected, and the message says how.
    assertMatch(
      (await assertRejects(() => openFolder(resolveFolderOptions(base)), DatasetError)).message,
      /set dataset_mode: aligned/,
    );
    // An odd width cannot be split.
    await writeImage(`${root}/train/3.png`, 15, 8, 0);
    assertMatch(
      (await assertRejects(
        () => openFolder(resolveFolderOptions({ ...base, dataset_mode: "aligned" })),
        DatasetError,
      ))
        .message,
      /even width/,
    );

    // trainA/trainB paired by file name for a paired model; a name without a partner is named.
    const two = `${root}/two`;
    for (const d of ["trainA", "trainB"]) await Deno.mkdir(`${two}/${d}`, { recursive: true });
    await writeImage(`${two}/trainA/a.png`, 8, 8, 10);
    await writeImage(`${two}/trainA/b.png`, 8, 8, 20);
    await writeImage(`${two}/trainB/b.png`, 8, 8, 30);
    await writeImage(`${two}/trainB/a.png`, 8, 8, 40);
    const o2 = resolveFolderOptions({ ...base, dataroot: two });
    assertEquals((await openFolder(o2)).train.paired, undefined, "unpaired by default");
    const p = await openFolder(o2, { paired: true });
    assertEquals(p.train.paired, true);
    const bOfA = p.train.load("B", 0, new Rng(0));
    assertEquals(Math.round((bOfA.dataSync()[0] + 1) * 127.5), 40, "a.png pairs with a.png");
    bOfA.dispose();
    await writeImage(`${two}/trainB/c.png`, 8, 8, 50);
    assertMatch(
      (await assertRejects(() => openFolder(o2, { paired: true }), DatasetError)).message,
      /trainB\/c\.png/,
    );
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

// ---- config ----

Deno.test("model: pix2pix takes the official defaults; CycleGAN configs hash as before", () => {
  const c = resolveTrainConfig({ model: "pix2pix" });
  assertEquals(
    [c.netG, c.norm, c.no_dropout, c.gan_mode, c.pool_size, c.lambda_L1, c.loss],
    ["unet_256", "batch", false, "vanilla", 0, 100, { l1: true, gan: "conditional" }],
  );
  // What a CycleGAN run's identity hashes has no pix2pix key.
  const id = identityConfig(resolveTrainConfig({}));
  for (const k of ["model", "direction", "lambda_L1"]) assert(!(k in id), k);
  assert("lambda_A" in id && !("lambda_A" in identityConfig(c)));
  assertMatch(
    assertThrows(
      () =>
        resolveTrainConfig({ model: "pix2pix", pool_size: 50, loss: { gan: true, cycle: "both" } }),
      RangeError,
    ).message,
    /pool_size: pix2pix has no image pool/,
  );

  const exp = (o: Record<string, unknown>) => checkExperiment({ ...experimentDefaults(), ...o });
  const cyc = exp({});
  assert(cyc.ok && !("model" in cyc.config), "a CycleGAN config resolves without pix2pix keys");
  const bad = exp({ model: "pix2pix", loss: { l1: true, gan: "patch" }, pool_size: 50 });
  assert(!bad.ok);
  const messages = bad.problems.map((p) => `${p.path.join(".")}: ${p.message}`).join("\n");
  assertMatch(messages, /loss\.gan: .*none, unconditional, conditional/);
  assertMatch(messages, /pool_size: pix2pix has no image pool/);
  assertEquals(TRAIN_DEFAULTS.model, "cycle_gan");
});

// The child process of the kill test: trains the tiny pix2pix on wasm in DIR.
if (import.meta.main) {
  await selectBackend("wasm");
  const r = await train(TINY, { source: pairedSource(), dir: Deno.args[0] });
  console.log(
    JSON.stringify({ status: r.status, resumedFrom: r.resumedFrom, digest: r.weightsSha256 }),
  );
}
