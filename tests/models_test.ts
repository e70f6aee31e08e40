import { assert, assertEquals, assertMatch, assertThrows } from "./_assert.ts";
import { tf } from "../lib/tf.ts";
import "@tensorflow/tfjs-backend-cpu";
import { installTrainingKit } from "../lib/backend/kernels/mod.ts";
import { recompute } from "../lib/backend/memory.ts";
import {
  checkGeneratorSize,
  countGenerator,
  defineG,
  GENERATOR_NAMES,
  generatorModule,
  netG,
  resolveGeneratorOptions,
} from "../lib/generators/mod.ts";
import {
  checkDiscriminatorSize,
  countDiscriminator,
  defineD,
  DISCRIMINATOR_NAMES,
  discriminatorModule,
  netD,
  nLayersOutputSize,
  resolveDiscriminatorOptions,
} from "../lib/discriminators/mod.ts";
import { countParameters, describeModule, namedParameters, Rng } from "../lib/nn/mod.ts";

await tf.setBackend("cpu");
// The training path: exact MirrorPad gradient and our conv gradients, as selectBackend installs.
installTrainingKit();

function keys(m: Parameters<typeof namedParameters>[0]): string[] {
  return namedParameters(m).map((p) => p.fullName);
}

function seededImage(shape: [number, number, number, number], seed: number): tf.Tensor4D {
  const n = shape.reduce((a, b) => a * b, 1);
  return tf.tensor4d(new Rng(seed).fillUniform(n).map((v) => 2 * v - 1), shape);
}

function maxAbsDiff(a: tf.Tensor, b: tf.Tensor): number {
  return tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]);
}

// ---- parameter counts (official-cyclegan.md 1.10) ----

Deno.test("countGenerator() equals the official counts at ngf 64, 3 -> 3 channels", () => {
  const before = tf.memory().numTensors;
  assertEquals(countGenerator("resnet_9blocks"), 11_378_179);
  assertEquals(countGenerator("resnet_6blocks"), 7_837_699);
  assertEquals(countGenerator("unet_256"), 54_409_603);
  assertEquals(countGenerator("unet_128"), 41_825_667);
  // Batch norm: affine parameters, no conv biases (the table gives millions to 3 decimals).
  const m = (name: string) => (countGenerator(name, { norm: "batch" }) / 1e6).toFixed(3);
  assertEquals(m("resnet_9blocks"), "11.383");
  assertEquals(m("resnet_6blocks"), "7.841");
  assertEquals(m("unet_256"), "54.414");
  assertEquals(m("unet_128"), "41.829");
  assertEquals(tf.memory().numTensors, before, "counting allocates nothing");
});

Deno.test("countDiscriminator() equals the official counts at ndf 64", () => {
  assertEquals(countDiscriminator("basic"), 2_764_737);
  assertEquals(countDiscriminator("n_layers", { n_layers_D: 3 }), 2_764_737);
  assertEquals((countDiscriminator("basic", { norm: "batch" }) / 1e6).toFixed(3), "2.766");
  // pix2pix's conditional D sees 6 channels.
  assertEquals(
    (countDiscriminator("basic", { norm: "batch", input_nc: 6 }) / 1e6).toFixed(3),
    "2.769",
  );
  // 0.0087 M and 0.0088 M: 3*64+64 + 64*128+128 + 128+1, and with BatchNorm 256 + 8192 + 256 + 128.
  assertEquals(countDiscriminator("pixel"), 8_705);
  assertEquals(countDiscriminator("pixel", { norm: "batch" }), 8_832);
});

// ---- structure: the official state_dict keys and layers ----

Deno.test("resnet generators use the official state_dict keys and layer order", () => {
  const k = keys(generatorModule("resnet_9blocks"));
  for (
    const key of [
      "model.1.weight",
      "model.1.bias",
      "model.4.weight",
      "model.7.weight",
      "model.10.conv_block.1.weight",
      "model.10.conv_block.5.weight",
      "model.18.conv_block.5.bias",
      "model.19.weight",
      "model.22.weight",
      "model.26.weight",
      "model.26.bias",
    ]
  ) assert(k.includes(key), key);
  assertEquals(k.length, 2 * (3 + 18 + 2) + 2);
  // With BatchNorm the convs before a norm lose their bias; the norms hold weight and bias.
  const kb = keys(generatorModule("resnet_6blocks", { norm: "batch" }));
  assert(
    !kb.includes("model.1.bias") && kb.includes("model.2.weight") && kb.includes("model.2.bias"),
  );
  assert(kb.includes("model.23.bias"), "the last conv keeps its bias");
  // Dropout sits after the first ReLU of each block when no_dropout is false.
  const lines = describeModule(generatorModule("resnet_6blocks", { no_dropout: false }));
  assertEquals(lines.filter((l) => l.includes("(4): Dropout(p=0.5, inplace=False)")).length, 6);
  const t = describeModule(generatorModule("resnet_9blocks"));
  assert(t.includes(
    "    (19): ConvTranspose2d(256, 128, kernel_size=(3, 3), stride=(2, 2), " +
      "padding=(1, 1), output_padding=(1, 1))",
  ));
  assert(t.includes("    (26): Conv2d(64, 3, kernel_size=(7, 7), stride=(1, 1))"));
  assert(t.includes("    (27): Tanh()"));
});

Deno.test("unet generators nest like the official UnetSkipConnectionBlock", () => {
  const k = keys(generatorModule("unet_256", { norm: "batch" }));
  assertEquals(k[0], "model.model.0.weight");
  assert(!k.includes("model.model.0.bias"), "batch norm: no bias on the outermost down conv");
  for (
    const key of [
      "model.model.1.model.1.weight",
      "model.model.1.model.2.weight",
      "model.model.1.model.5.weight",
      "model.model.3.weight",
      "model.model.3.bias",
    ]
  ) assert(k.includes(key), key);
  // Dropout after the up path of the num_downs - 5 intermediate 512-channel blocks.
  const drops = (name: string) =>
    describeModule(generatorModule(name, { no_dropout: false })).filter((l) =>
      l.includes("Dropout(p=0.5")
    ).length;
  assertEquals(drops("unet_256"), 3);
  assertEquals(drops("unet_128"), 2);
  assertEquals(drops("resnet_9blocks"), 9);
  assertEquals(
    describeModule(generatorModule("unet_256")).filter((l) => l.includes("Dropout")).length,
    0,
    "the cycle_gan default no_dropout=true",
  );
});

Deno.test("--norm none: Identity layers and, as the official use_bias, convs without bias", () => {
  const m = generatorModule("resnet_9blocks", { norm: "none" });
  const lines = describeModule(m);
  assert(lines.includes("    (2): Identity()"));
  const k = keys(m);
  assert(!k.includes("model.1.bias") && k.includes("model.26.bias"));
  assertEquals(countParameters(m), 11_378_179 - (64 + 128 + 256 + 18 * 256 + 128 + 64));
  const d = keys(discriminatorModule("basic", { norm: "none" }));
  assertEquals(d, [
    "model.0.weight",
    "model.0.bias",
    "model.2.weight",
    "model.5.weight",
    "model.8.weight",
    "model.11.weight",
    "model.11.bias",
  ]);
  assertEquals(keys(discriminatorModule("pixel")), [
    "net.0.weight",
    "net.0.bias",
    "net.2.weight",
    "net.2.bias",
    "net.5.weight",
    "net.5.bias",
  ]);
});

// ---- forward and backward on cpu ----

Deno.test("generators run forward and backward: same size out, in [-1, 1], no leaks", () => {
  const cases: [string, number, Record<string, unknown>][] = [
    ["resnet_6blocks", 16, { ngf: 4 }],
    ["resnet_9blocks", 12, { ngf: 2, norm: "batch", no_dropout: false }],
    ["unet_128", 128, { ngf: 2 }],
    ["unet_256", 256, { ngf: 1, norm: "batch", no_dropout: false }],
  ];
  for (const [name, size, options] of cases) {
    const G = defineG(name, new Rng(1), { ...options, input_nc: 3, output_nc: 2 });
    const x = seededImage([2, size, size, 3], 2);
    const rng = new Rng(3);
    const before = tf.memory().numTensors;
    const y = G.apply(x, { training: true, rng });
    assertEquals(y.shape, [2, size, size, 2], name);
    const v = y.dataSync();
    assert(v.every((e) => e >= -1 && e <= 1), `${name} output in [-1, 1]`);
    y.dispose();
    const { value, grads } = tf.variableGrads(
      () => tf.mean(tf.abs(G.apply(x, { training: true, rng }))) as tf.Scalar,
    );
    assertEquals(Object.keys(grads).length, Object.keys(G.params).length, name);
    for (const [k, p] of Object.entries(G.params)) assertEquals(grads[p.name].shape, p.shape, k);
    tf.dispose([value, ...Object.values(grads)]);
    const e = G.apply(x, { training: false });
    e.dispose();
    assertEquals(tf.memory().numTensors, before, `${name} leaked tensors`);
    x.dispose();
    G.dispose();
  }
});

Deno.test("discriminators: basic gives 30x30 at 256 and 6x6 at 64; pixel keeps the size", () => {
  const D = defineD("basic", new Rng(4), { ndf: 2 });
  const Dpix = defineD("pixel", new Rng(4), { ndf: 2, norm: "batch" });
  const D5 = defineD("n_layers", new Rng(4), { ndf: 2, n_layers_D: 5 });
  for (const [size, map] of [[256, 30], [64, 6], [24, 1]]) {
    const x = seededImage([1, size, size, 3], size);
    const before = tf.memory().numTensors;
    const y = D.apply(x, { training: true });
    assertEquals(y.shape, [1, map, map, 1]);
    assertEquals(nLayersOutputSize(size, 3), map);
    const p = Dpix.apply(x, { training: true });
    assertEquals(p.shape, [1, size, size, 1]);
    tf.dispose([y, p]);
    assertEquals(tf.memory().numTensors, before, "D.apply() leaked tensors");
    x.dispose();
  }
  const x = seededImage([2, 128, 128, 3], 5);
  const y = D5.apply(x, { training: true });
  assertEquals(y.shape, [2, nLayersOutputSize(128, 5), nLayersOutputSize(128, 5), 1]);
  const { value, grads } = tf.variableGrads(
    () => tf.mean(tf.square(D.apply(x, { training: true }))) as tf.Scalar,
  );
  assertEquals(Object.keys(grads).length, Object.keys(D.params).length);
  tf.dispose([x, y, value, ...Object.values(grads)]);
  for (const d of [D, Dpix, D5]) d.dispose();
});

Deno.test("defineG() is deterministic per seed; labels name the tfjs variables", () => {
  const a = defineG("resnet_6blocks", new Rng(9), { ngf: 2, label: "G_A_test" });
  const b = defineG("resnet_6blocks", new Rng(9), { ngf: 2 });
  const c = defineG("resnet_6blocks", new Rng(10), { ngf: 2, init_type: "orthogonal" });
  assertEquals(a.params["model.1.weight"].name, "G_A_test/model.1.weight");
  for (const k of Object.keys(a.params)) assertEquals(maxAbsDiff(a.params[k], b.params[k]), 0, k);
  assert(maxAbsDiff(a.params["model.1.weight"], c.params["model.1.weight"]) > 0);
  assertEquals(a.numParameters(), countGenerator("resnet_6blocks", { ngf: 2 }));
  for (const n of [a, b, c]) n.dispose();
});

Deno.test("the checkpoint option (recompute) gives the plain pass's output and gradients", () => {
  // Dropout and BatchNorm in the blocks: the re-run must replay the mask and update stats once.
  const options = { ngf: 2, norm: "batch", no_dropout: false } as const;
  const plain = defineG("resnet_6blocks", new Rng(11), options);
  const ckpt = defineG("resnet_6blocks", new Rng(11), options);
  const x = seededImage([2, 8, 8, 3], 12);
  const rngA = new Rng(13);
  const rngB = new Rng(13);
  const a = tf.variableGrads(
    () => tf.mean(tf.square(plain.apply(x, { training: true, rng: rngA }))) as tf.Scalar,
  );
  const b = tf.variableGrads(() =>
    tf.mean(
      tf.square(ckpt.apply(x, { training: true, rng: rngB, checkpoint: recompute })),
    ) as tf.Scalar
  );
  assertEquals(rngA.state(), rngB.state(), "the rng advanced as in one plain pass");
  assert(Math.abs(a.value.dataSync()[0] - b.value.dataSync()[0]) < 1e-6);
  for (const [k, p] of Object.entries(plain.params)) {
    const d = maxAbsDiff(a.grads[p.name], b.grads[ckpt.params[k].name]);
    assert(d < 1e-5, `${k}: ${d}`);
  }
  for (const k of Object.keys(plain.buffers)) {
    assert(maxAbsDiff(plain.buffers[k], ckpt.buffers[k]) < 1e-6, `running stat ${k}`);
  }
  tf.dispose([x, a.value, b.value, ...Object.values(a.grads), ...Object.values(b.grads)]);
  plain.dispose();
  ckpt.dispose();
});

// ---- options and size rules ----

Deno.test("every registry entry has options with defaults, a summary and a size rule", () => {
  assertEquals(GENERATOR_NAMES, [
    "resnet_9blocks",
    "resnet_6blocks",
    "unet_256",
    "unet_128",
    "encoder_decoder_256",
    "encoder_decoder_128",
  ]);
  assertEquals(DISCRIMINATOR_NAMES, ["basic", "n_layers", "pixel"]);
  for (const e of [...Object.values(netG), ...Object.values(netD)]) {
    assert(e.summary.length > 0 && typeof e.sizeRule === "function");
  }
  for (const e of Object.values(netD)) assert(typeof e.receptiveField === "function");
  assertEquals(resolveGeneratorOptions("resnet_9blocks"), {
    input_nc: 3,
    output_nc: 3,
    ngf: 64,
    norm: "instance",
    no_dropout: true,
    init_type: "normal",
    init_gain: 0.02,
  });
  assertEquals(resolveDiscriminatorOptions("n_layers").n_layers_D, 3);
});

Deno.test("options are strict: unknown keys and bad values are named", () => {
  const e1 = assertThrows(
    () => resolveGeneratorOptions("unet_256", { ngf: 0, norm: "group" as never, nfg: 3 } as never),
    RangeError,
  );
  assertMatch(e1.message, /netG unet_256: .*nfg/);
  assertMatch(e1.message, /ngf: /);
  assertMatch(e1.message, /norm: .*"instance"\|"batch"\|"none"/);
  assertMatch(
    assertThrows(() => defineD("basic", new Rng(1), { n_layers_D: 4 }), RangeError).message,
    /netD basic: unknown option\(s\) n_layers_D/,
  );
  assertMatch(
    assertThrows(() => countGenerator("resnet_12blocks"), RangeError).message,
    /unknown netG "resnet_12blocks"; expected one of resnet_9blocks, resnet_6blocks/,
  );
  assertMatch(
    assertThrows(() => countDiscriminator("patch"), RangeError).message,
    /expected one of basic, n_layers, pixel/,
  );
});

Deno.test("size rules name the rule: ResNet by 4, unet_256 by 256, unet_128 by 128", () => {
  assertEquals(checkGeneratorSize("resnet_9blocks", 256, 256), undefined);
  assertEquals(checkGeneratorSize("resnet_6blocks", 128, 96), undefined);
  assertMatch(
    checkGeneratorSize("resnet_9blocks", 256, 250)!,
    /netG resnet_9blocks needs height and width divisible by 4 .*got 256x250/,
  );
  assertMatch(checkGeneratorSize("resnet_6blocks", 4, 4)!, /at least 8/);
  assertEquals(checkGeneratorSize("unet_256", 512, 256), undefined);
  assertMatch(checkGeneratorSize("unet_256", 128, 128)!, /divisible by 256/);
  assertEquals(checkGeneratorSize("unet_128", 128, 384), undefined);
  assertMatch(checkGeneratorSize("unet_128", 200, 128)!, /unet_128 .*divisible by 128/);
  assertEquals(checkDiscriminatorSize("basic", 24, 30), undefined);
  assertMatch(checkDiscriminatorSize("basic", 23, 64)!, /netD basic .*at least 24/);
  assertMatch(
    checkDiscriminatorSize("n_layers", 32, 32, { n_layers_D: 5 })!,
    /n_layers needs height and width of at least \d+/,
  );
  assertEquals(checkDiscriminatorSize("pixel", 1, 1), undefined);
});

// ---- the CLI ----

async function models(...args: string[]) {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", new URL("../lib/cli/models.ts", import.meta.url).pathname, ...args],
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1" },
  }).output();
  const dec = new TextDecoder();
  return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
}

Deno.test("models CLI prints JSON counts and the official printout", async () => {
  const json = await models("--json");
  assertEquals(json.code, 0, json.stderr);
  assertEquals(JSON.parse(json.stdout), {
    G: { name: "resnet_9blocks", params: 11_378_179, input_nc: 3, output_nc: 3 },
    D: { name: "basic", params: 2_764_737, input_nc: 3 },
  });
  const pix = await models("--netG", "unet_256", "--netD", "pixel", "--norm", "batch", "--json");
  const parsed = JSON.parse(pix.stdout);
  assertEquals(parsed.G.params, countGenerator("unet_256", { norm: "batch" }));
  assertEquals(parsed.D.params, 8_832);
  const text = await models("--netG", "resnet_6blocks", "--ngf", "32");
  assertEquals(text.code, 0, text.stderr);
  assertMatch(text.stdout, /^---------- Networks initialized -------------$/m);
  assertMatch(text.stdout, /^ResnetGenerator\($/m);
  const count = (countGenerator("resnet_6blocks", { ngf: 32 }) / 1e6).toFixed(3);
  assert(
    text.stdout.includes(`[Network G_A] Total number of parameters : ${count} M`),
    text.stdout.slice(-400),
  );
  assert(text.stdout.includes("[Network D_B] Total number of parameters : 2.765 M"));
});

Deno.test("models CLI: a bad flag or value exits 2 with one line naming it", async () => {
  const cases: [string[], RegExp][] = [
    [["--netG", "resnet"], /--netG: unknown value "resnet"; expected one of resnet_9blocks/],
    [["--netD", "patch"], /--netD: .*basic, n_layers, pixel/],
    [["--norm", "group"], /--norm: .*instance, batch, none/],
    [["--ngf=-3"], /--ngf expects a positive integer, got "-3"/],
    [["--ngf", "-3"], /--ngf expects a positive integer, got "-3"/],
    [["--input_nc", "2.5"], /--input_nc expects a positive integer, got "2.5"/],
    [["--n_layers_D", "4"], /--n_layers_D applies only to --netD n_layers/],
  ];
  for (const [args, re] of cases) {
    const r = await models(...args);
    assertEquals(r.code, 2, args.join(" "));
    assertEquals(r.stdout, "");
    const lines = r.stderr.trim().split("\n");
    assertEquals(lines.length, 1, `one line for ${args.join(" ")}: ${r.stderr}`);
    assertMatch(lines[0], re);
    assert(!/\bat .*\.ts:\d+/.test(r.stderr), "no stack trace");
  }
});
