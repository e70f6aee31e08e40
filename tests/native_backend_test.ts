/**
 * The native backend (oneDNN 2.x through FFI): every native kernel against the cpu backend, a
 * tiny CycleGAN trained 3 steps with the same losses as on cpu, no tensor or native-memory
 * growth, Adam bit for bit and on its WebAssembly SIMD loop, status codes turned into errors,
 * and the fallbacks when oneDNN is missing. (Kill-and-resume on native: tests/loop_test.ts.)
 *
 * CI installs `libdnnl2`, so there a missing library is a failure, not a skip.
 */
import { assert, assertEquals, assertMatch, assertThrows } from "./_assert.ts";
import { tf } from "../lib/tf.ts";
import { type BackendName, describeBackend, selectBackend } from "../lib/backend/mod.ts";
import { adamLaneCounts } from "../lib/backend/native/kernels.ts";
import { probeDnnl } from "../lib/backend/native/dnnl.ts";
import { DnnlError, openDnnl } from "../lib/backend/native/dnnl.ts";
import {
  arenaBytes,
  cachedPrimitives,
  convForward,
  type ConvGeom,
  convImplementations,
  keptFilterBytes,
  winogradFits,
} from "../lib/backend/native/prims.ts";
import { convAgreement, maxRelativeDiff, smallNetLosses } from "../lib/backend/selftest.ts";
import { instanceNorm } from "../lib/nn/layers.ts";
import { mirrorPadGrad } from "../lib/backend/kernels/mod.ts";
import { recompute } from "../lib/backend/memory.ts";
import {
  createCycleGan,
  type CycleGanOptions,
  disposeCycleGan,
  LOSS_NAMES,
  trainStep,
} from "../lib/train/cyclegan.ts";
import { Rng } from "../lib/nn/rng.ts";
import { type AdamGradients, LowPeakAdam } from "../lib/train/adam.ts";

const probe = probeDnnl();
const ignore = !probe.ok && !Deno.env.get("CI");
const name = (s: string) => `${s} (${probe.ok ? probe.detail : probe.why})`;

function requireDnnl(): void {
  assert(probe.ok, `oneDNN unavailable: ${!probe.ok && probe.why}`);
}

/** max |a - b| / max |b|. */
function rel(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let err = 0;
  let mag = 0;
  for (let i = 0; i < b.length; i++) {
    err = Math.max(err, Math.abs(a[i] - b[i]));
    mag = Math.max(mag, Math.abs(b[i]));
  }
  return err / Math.max(mag, 1e-12);
}

/** Runs `f` on cpu and on native; returns both results as arrays. */
async function onBoth(
  f: () => tf.Tensor[],
): Promise<{ cpu: Float32Array[]; native: Float32Array[] }> {
  const out: Record<string, Float32Array[]> = {};
  for (const b of ["cpu", "native"] as BackendName[]) {
    await selectBackend(b);
    const before = tf.memory().numTensors;
    const ts = tf.tidy(f);
    out[b] = await Promise.all(ts.map(async (t) => await t.data() as Float32Array));
    tf.dispose(ts);
    assertEquals(tf.memory().numTensors, before, `tensors leaked on ${b}`);
  }
  return { cpu: out.cpu, native: out.native };
}

Deno.test({
  name: name("native: every model-zoo convolution agrees with cpu (y, dx, dW)"),
  ignore,
  fn: async () => {
    requireDnnl();
    for (const row of await convAgreement("native")) {
      for (const k of ["y", "dx", "dw"] as const) {
        assert(row[k] <= 1e-4, `native ${row.name} ${k}: rel error ${row[k]}`);
      }
    }
  },
});

Deno.test({
  name: name("native: sums over leading axes (bias gradients) agree with cpu"),
  ignore,
  fn: async () => {
    requireDnnl();
    const cases: Array<[number[], number[], boolean]> = [
      [[1, 128, 128, 32], [0, 1, 2], false], // a matmul
      [[1, 64, 64, 32], [0, 1, 2], false],
      [[2, 5, 7, 3], [0, 1, 2], true],
      [[4, 6], [0], false],
      [[1, 3], [0], false], // one row: a copy
      [[3, 4, 5], [0, 2], false], // not leading: wasm's Sum
    ];
    for (const [shape, axes, keepDims] of cases) {
      const r = await onBoth(() => [
        tf.sum(tf.randomNormal(shape, 0.5, 1, "float32", 21), axes, keepDims),
      ]);
      const e = rel(r.native[0], r.cpu[0]);
      assert(e <= 1e-5, `sum [${shape}] over [${axes}]: rel error ${e}`);
      assertEquals(r.native[0].length, r.cpu[0].length);
    }
  },
});

Deno.test({
  name: name("native: kept filter copies follow the filter tensor and do not pile up"),
  ignore,
  fn: async () => {
    requireDnnl();
    await selectBackend("native");
    const x = tf.randomNormal([1, 16, 16, 32], 0, 1, "float32", 31) as tf.Tensor4D;
    const dy = tf.randomNormal([1, 16, 16, 32], 0, 1, "float32", 32) as tf.Tensor4D;
    const sizes: number[] = [];
    for (let i = 0; i < 6; i++) {
      // A new filter each round, as after an optimizer step (the old one's heap block is free
      // for it, so a copy kept by address would be stale).
      const w = tf.randomNormal([3, 3, 32, 32], 0, 0.1, "float32", 40 + i) as tf.Tensor4D;
      const wData = w.dataSync().slice();
      const first = tf.conv2d(x, w, 1, "same");
      const again = tf.conv2d(x, w, 1, "same"); // from the kept copy
      const dx = tf.engine().runKernel("Conv2DBackpropInput", { dy, filter: w }, {
        strides: [1, 1],
        pad: "same",
        dataFormat: "NHWC",
        inputShape: x.shape,
        dilations: [1, 1],
      } as unknown as tf.NamedAttrMap) as tf.Tensor;
      const got = [first.dataSync().slice(), again.dataSync().slice(), dx.dataSync().slice()];
      tf.dispose([w, first, again, dx]);
      assertEquals(got[1], got[0], `round ${i}: the kept copy gave other bits`);
      await selectBackend("cpu");
      const xs = tf.tensor4d(x.dataSync(), x.shape);
      const ws = tf.tensor4d(wData, [3, 3, 32, 32]);
      const ys = tf.conv2d(xs, ws, 1, "same");
      const dxs = tf.conv2dTranspose(tf.tensor4d(dy.dataSync(), dy.shape), ws, x.shape, 1, "same");
      const want = [ys.dataSync().slice(), dxs.dataSync().slice()];
      tf.dispose([xs, ws, ys, dxs]);
      await selectBackend("native");
      assert(rel(got[0], want[0]) <= 1e-5, `round ${i} y: rel ${rel(got[0], want[0])}`);
      assert(rel(got[2], want[1]) <= 1e-5, `round ${i} dx: rel ${rel(got[2], want[1])}`);
      sizes.push(keptFilterBytes());
    }
    tf.dispose([x, dy]);
    assert(sizes[0] > 0, "no filter copy was kept: the test exercises nothing");
    assertEquals(sizes[5], sizes[2], `kept copies grow: ${sizes}`);
  },
});

Deno.test({
  name: name("native: the one-pass mirror-pad gradient equals the op version exactly"),
  ignore,
  fn: async () => {
    requireDnnl();
    await selectBackend("native");
    const cases: Array<[number[], [number, number][], "reflect" | "symmetric"]> = [
      [[1, 6, 5, 2], [[0, 0], [3, 3], [3, 3], [0, 0]], "reflect"],
      [[2, 4, 4, 3], [[0, 0], [1, 1], [1, 1], [0, 0]], "reflect"],
      [[2, 5, 6, 3], [[0, 0], [2, 1], [0, 3], [0, 0]], "symmetric"],
      [[1, 7, 4, 16], [[0, 0], [0, 2], [3, 1], [0, 0]], "reflect"],
    ];
    for (const [shape, paddings, mode] of cases) {
      const padded = shape.map((n, i) => n + paddings[i][0] + paddings[i][1]);
      const before = tf.memory().numTensors;
      const [kernel, ops] = tf.tidy(() => {
        // Integers (no -0): every sum is exact, so the two agree to the bit whatever the order.
        const dy = tf.add(tf.round(tf.randomUniform(padded, -50, 50, "float32", 5)), 0);
        const k = tf.engine().runKernel("CyclebenchMirrorPadGrad", { dy }, {
          paddings,
          mode,
        } as unknown as tf.NamedAttrMap) as tf.Tensor;
        return [k.dataSync().slice(), mirrorPadGrad(dy, { paddings, mode }).dataSync().slice()];
      });
      assertEquals(tf.memory().numTensors, before, "tensors leaked");
      assertEquals(kernel, ops, `${mode} ${JSON.stringify(paddings)} on [${shape}]`);
    }
  },
});

Deno.test({
  name: name("native: residual-block convolutions run as Winograd, the same bits every time"),
  ignore,
  fn: async () => {
    requireDnnl();
    await selectBackend("native");
    const g: ConvGeom = {
      n: 1,
      inH: 34,
      inW: 34,
      inC: 32,
      outH: 32,
      outW: 32,
      outC: 32,
      kH: 3,
      kW: 3,
      strideH: 1,
      strideW: 1,
      dilationH: 1,
      dilationW: 1,
      padTop: 0,
      padLeft: 0,
    };
    assert(winogradFits(g), "a 3x3 stride-1 32x32-output convolution should run as Winograd");
    assert(!winogradFits({ ...g, outH: 16, outW: 16, inH: 18, inW: 18 }), "16x16 stays direct");
    assert(!winogradFits({ ...g, strideH: 2, strideW: 2, outH: 16, outW: 16 }), "stride 2");
    const before = tf.memory().numTensors;
    const run = () =>
      tf.tidy(() => {
        const x = tf.randomNormal([1, 34, 34, 32], 0, 1, "float32", 7) as tf.Tensor4D;
        const w = tf.randomNormal([3, 3, 32, 32], 0, 0.1, "float32", 8) as tf.Tensor4D;
        const r = tf.randomNormal([1, 32, 32, 32], 0, 1, "float32", 9);
        const f = (a: tf.Tensor, b: tf.Tensor) =>
          tf.sum(tf.mul(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, 1, "valid"), r));
        const [dx, dw] = tf.grads(f)([x, w]);
        return [tf.conv2d(x, w, 1, "valid"), dx, dw].map((t) => t.dataSync().slice());
      });
    const first = run();
    const second = run();
    assertEquals(tf.memory().numTensors, before, "tensors leaked");
    for (let i = 0; i < 3; i++) {
      assertEquals(second[i], first[i], `pass ${["y", "dx", "dW"][i]} differs between runs`);
    }
    const wino = convImplementations().filter((c) => c.label.includes("1x34x34x32 * 3x3x32x32"));
    assertEquals(
      wino.length,
      3,
      `expected forward, input and filter gradient: ${wino.map((c) => c.label)}`,
    );
    for (const c of wino) assertMatch(c.impl, /wino/, `${c.label} ran ${c.impl}`);
  },
});

Deno.test({
  name: name("native: convolutions at the model zoo's real layer shapes agree with cpu"),
  ignore,
  fn: async () => {
    requireDnnl();
    // [x, w, stride, pad] as the ResNet generator (64 px, ngf 64) and PatchGAN use them.
    const cases: Array<[number[], number[], number, "valid" | number]> = [
      [[1, 70, 70, 3], [7, 7, 3, 64], 1, "valid"],
      [[1, 64, 64, 64], [3, 3, 64, 128], 2, 1],
      [[1, 32, 32, 128], [3, 3, 128, 256], 2, 1],
      [[1, 18, 18, 256], [3, 3, 256, 256], 1, "valid"],
      [[1, 34, 34, 256], [3, 3, 256, 256], 1, "valid"], // 128 px: Winograd on native
      [[1, 70, 70, 64], [7, 7, 64, 3], 1, "valid"],
      [[1, 64, 64, 3], [4, 4, 3, 64], 2, 1],
      [[1, 8, 8, 256], [4, 4, 256, 512], 1, 1],
      [[1, 7, 7, 512], [4, 4, 512, 1], 1, 1],
    ];
    for (const [xs, ws, stride, p] of cases) {
      const pad = p === "valid" ? "valid" : [[0, 0], [p, p], [p, p], [0, 0]] as [
        [number, number],
        [number, number],
        [number, number],
        [number, number],
      ];
      const r = await onBoth(() => {
        const x = tf.randomNormal(
          xs as [number, number, number, number],
          0,
          1,
          "float32",
          3,
        ) as tf.Tensor4D;
        const w = tf.randomNormal(
          ws as [number, number, number, number],
          0,
          0.1,
          "float32",
          4,
        ) as tf.Tensor4D;
        const f = (a: tf.Tensor4D, b: tf.Tensor4D) => tf.conv2d(a, b, stride, pad);
        const y = f(x, w);
        const g = tf.randomNormal(y.shape, 0, 1, "float32", 5);
        const [dx, dw] = tf.grads((a: tf.Tensor, b: tf.Tensor) =>
          tf.sum(tf.mul(f(a as tf.Tensor4D, b as tf.Tensor4D), g))
        )([x, w]);
        return [y, dx, dw];
      });
      ["y", "dx", "dW"].forEach((k, i) => {
        const e = rel(r.native[i], r.cpu[i]);
        assert(e <= 1e-4, `conv x [${xs}] w [${ws}] s${stride} ${k}: rel error ${e}`);
      });
    }
  },
});

Deno.test({
  name: name("native: matmul, instance norm (batch 2) and activation gradients agree with cpu"),
  ignore,
  fn: async () => {
    requireDnnl();
    const mm = await onBoth(() => {
      const a = tf.randomNormal([3, 5, 7], 0, 1, "float32", 1);
      const b = tf.randomNormal([1, 7, 4], 0, 1, "float32", 2);
      const bt = tf.randomNormal([3, 4, 7], 0, 1, "float32", 3);
      return [
        tf.matMul(a as tf.Tensor3D, b as tf.Tensor3D),
        tf.matMul(a as tf.Tensor3D, bt as tf.Tensor3D, false, true),
        tf.matMul(tf.transpose(a, [0, 2, 1]) as tf.Tensor3D, bt as tf.Tensor3D, true, true),
        tf.matMul(
          tf.randomNormal([64, 576], 0, 1, "float32", 4),
          tf.randomNormal([576, 32], 0, 1, "float32", 5),
        ),
      ];
    });
    mm.cpu.forEach((c, i) => assert(rel(mm.native[i], c) <= 1e-5, `matmul ${i}`));

    const sums = await onBoth(() => {
      const x = tf.randomNormal([2, 5, 6, 7], 0, 1, "float32", 12);
      return [
        tf.sum(x, [0, 1, 2]),
        tf.sum(x, [0, 1], true),
        tf.sum(x),
        tf.sum(x, [1, 2]),
        tf.sum(x, -1),
        tf.sum(tf.cast(tf.greater(x, 0), "int32"), [0, 1, 2]),
      ];
    });
    sums.cpu.forEach((c, i) => assert(rel(sums.native[i], c) <= 1e-5, `sum ${i}`));

    const norm = await onBoth(() => {
      const x = tf.randomNormal([2, 9, 7, 6], 3, 2, "float32", 6) as tf.Tensor4D;
      const g = tf.randomNormal([2, 9, 7, 6], 0, 1, "float32", 7);
      const f = (a: tf.Tensor) => tf.sum(tf.mul(instanceNorm(a as tf.Tensor4D), g));
      return [instanceNorm(x), tf.grad(f)(x)];
    });
    assert(rel(norm.native[0], norm.cpu[0]) <= 1e-5, "instance norm forward");
    assert(rel(norm.native[1], norm.cpu[1]) <= 1e-4, "instance norm backward");

    const act = await onBoth(() => {
      const x = tf.randomNormal([1, 6, 6, 5], 0, 1, "float32", 8);
      const g = tf.randomNormal([1, 6, 6, 5], 0, 1, "float32", 9);
      const grad = (f: (t: tf.Tensor) => tf.Tensor) => tf.grad((t) => tf.sum(tf.mul(f(t), g)))(x);
      return [grad(tf.relu), grad((t) => tf.leakyRelu(t, 0.2)), grad(tf.tanh)];
    });
    act.cpu.forEach((c, i) => assert(rel(act.native[i], c) <= 1e-6, `activation grad ${i}`));

    const pads = await onBoth(() => {
      const x = tf.randomNormal([2, 7, 6, 3], 0, 1, "float32", 10);
      const out: tf.Tensor[] = [];
      for (const mode of ["reflect", "symmetric"] as const) {
        const p: Array<[number, number]> = [[0, 0], [3, 2], [1, 3], [0, 0]];
        const g = tf.randomNormal([2, 12, 10, 3], 0, 1, "float32", 11);
        out.push(tf.grad((t) => tf.sum(tf.mul(tf.mirrorPad(t, p, mode), g)))(x));
      }
      return out;
    });
    pads.cpu.forEach((c, i) => assert(rel(pads.native[i], c) <= 1e-6, `mirror-pad grad ${i}`));
  },
});

Deno.test({
  name: name("native: the small net trains as on cpu, without tensor growth"),
  ignore,
  fn: async () => {
    requireDnnl();
    const cpu = await smallNetLosses("cpu");
    const r = await smallNetLosses("native");
    const e = maxRelativeDiff(r.losses, cpu.losses);
    assert(e <= 1e-3, `native losses ${r.losses} vs cpu ${cpu.losses} (rel ${e})`);
    assertEquals(r.counts[1], r.counts[2], "tensor count grows on native");
  },
});

const TINY: Partial<CycleGanOptions> = {
  netG: "resnet_6blocks",
  ngf: 4,
  ndf: 4,
  pool_size: 2,
  lambda_identity: 0.5,
};

async function tinySteps(
  backend: BackendName,
  options: Partial<CycleGanOptions>,
  size: number,
  extra: { checkpoint?: typeof recompute } = {},
  steps = 3,
) {
  await selectBackend(backend);
  const m = createCycleGan({ ...TINY, ...options }, new Rng(42));
  const A = tf.randomUniform([1, size, size, 3], -1, 1, "float32", 1) as tf.Tensor4D;
  const B = tf.randomUniform([1, size, size, 3], -1, 1, "float32", 2) as tf.Tensor4D;
  const losses = [];
  const memory = [];
  for (let i = 0; i < steps; i++) {
    losses.push(await trainStep(m, A, B, extra));
    const heap = (tf.backend() as unknown as { wasm?: { HEAPU8: Uint8Array } }).wasm?.HEAPU8
      .length;
    memory.push({
      tensors: tf.memory().numTensors,
      arena: arenaBytes(),
      kept: keptFilterBytes(),
      primitives: cachedPrimitives(),
      heap,
    });
  }
  disposeCycleGan(m);
  tf.dispose([A, B]);
  return { losses, memory };
}

const TINY_CASES: Array<
  {
    label: string;
    options: Partial<CycleGanOptions>;
    size: number;
    recompute?: boolean;
    tolerance?: number;
  }
> = [
  { label: "resnet_6blocks, lsgan", options: { gan_mode: "lsgan" }, size: 32 },
  // 128 px: the residual blocks' 32x32x16 convolutions run as Winograd on native. Its third
  // step's G_B differs from cpu by 1.4e-3 with direct convolutions as well (measured: a chaotic
  // loop drifts faster at 4x the pixels); Winograd moved it by 1.6e-4 from direct.
  {
    label: "resnet_6blocks 128 px, Winograd blocks",
    options: { gan_mode: "lsgan" },
    size: 128,
    tolerance: 2e-3,
  },
  { label: "unet_128, vanilla", options: { netG: "unet_128", gan_mode: "vanilla" }, size: 128 },
  {
    label: "resnet_9blocks, wgangp (double backprop), recompute",
    options: { netG: "resnet_9blocks", gan_mode: "wgangp" },
    size: 32,
    recompute: true,
  },
];

for (const c of TINY_CASES) {
  Deno.test({
    name: name(`native: a tiny CycleGAN (${c.label}) trains 3 steps with cpu's losses, no growth`),
    ignore,
    fn: async () => {
      requireDnnl();
      const extra = c.recompute ? { checkpoint: recompute } : {};
      const cpu = await tinySteps("cpu", c.options, c.size, extra);
      const nat = await tinySteps("native", c.options, c.size, extra, 5);
      for (let i = 0; i < 3; i++) {
        for (const k of LOSS_NAMES) {
          const a = nat.losses[i][k];
          const b = cpu.losses[i][k];
          const e = Math.abs(a - b) / Math.max(Math.abs(b), 1e-6);
          assert(
            e <= (c.tolerance ?? 1e-3),
            `step ${i} ${k}: native ${a} vs cpu ${b} (rel ${e})`,
          );
        }
      }
      // No growth: tensors, oneDNN's primitive caches and scratch arenas are constant from
      // step 2 on (the image pools fill in step 1-2); the wasm heap, which malloc may grow
      // once for fragmentation, is constant from step 3 on.
      const { heap: _h, ...native2 } = nat.memory[1];
      for (let i = 2; i < 5; i++) {
        const { heap: _hi, ...nativeI } = nat.memory[i];
        assertEquals(nativeI, native2, `memory grows: ${JSON.stringify(nat.memory)}`);
      }
      assertEquals(
        nat.memory[4].heap,
        nat.memory[2].heap,
        `heap grows: ${JSON.stringify(nat.memory)}`,
      );
    },
  });
}

Deno.test({
  name: name("native: a failing oneDNN call is an error naming the primitive and its shapes"),
  ignore,
  fn: () => {
    requireDnnl();
    const d = openDnnl(1);
    // A zero stride: oneDNN rejects the descriptor.
    const g: ConvGeom = {
      n: 1,
      inH: 8,
      inW: 8,
      inC: 4,
      outH: 30,
      outW: 30,
      outC: 4,
      kH: 3,
      kW: 3,
      strideH: 0,
      strideW: 1,
      dilationH: 1,
      dilationW: 1,
      padTop: 1,
      padLeft: 1,
    };
    const buf = new Float32Array(30 * 30 * 4);
    const p = Deno.UnsafePointer.of(buf);
    const err = assertThrows(() => convForward(d, g, p, p, p), DnnlError);
    assertMatch(err.message, /dnnl_\w+ failed \(\w+\) for conv 1x8x8x4 \* 3x3x4x4/);
  },
});

async function backendsCli(env: Record<string, string>, ...flags: string[]) {
  const out = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      ...flags,
      new URL("../lib/cli/backends.ts", import.meta.url).pathname,
      "--backend",
      "native",
    ],
    env,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const dec = new TextDecoder();
  return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
}

Deno.test({
  name: name(
    "native: the one-pass Adam kernel updates exactly as tfjs's Adam on cpu, in WebAssembly SIMD",
  ),
  ignore,
  fn: async () => {
    requireDnnl();
    // Three steps on two variables (one a 4-D filter), with CycleGAN's betas: values and both
    // moments must be bit-identical to the separate float32 ops on cpu.
    const run = async (backend: BackendName) => {
      await selectBackend(backend);
      const before = tf.memory().numTensors;
      const rng = new Rng(7);
      const init = (n: number) => Float32Array.from({ length: n }, () => rng.normal());
      const w = tf.tidy(() =>
        tf.variable(tf.tensor4d(init(3 * 3 * 4 * 5), [3, 3, 4, 5]), true, "w")
      );
      const bias = tf.tidy(() => tf.variable(tf.tensor1d(init(5)), true, "bias"));
      const opt = new LowPeakAdam(0.0002, 0.5, 0.999);
      for (let step = 0; step < 3; step++) {
        const g = {
          w: tf.tensor4d(init(3 * 3 * 4 * 5), [3, 3, 4, 5]),
          bias: tf.tensor1d(init(5)),
        };
        opt.applyGradients(g as unknown as tf.NamedTensorMap as AdamGradients);
        tf.dispose([g.w, g.bias]);
      }
      const weights = await opt.getWeights();
      const out = [
        await w.data() as Float32Array,
        await bias.data() as Float32Array,
        ...await Promise.all(weights.slice(1).map(async (x) => await x.tensor.data())),
      ] as Float32Array[];
      tf.dispose([w, bias, weights[0].tensor]); // [0]: a new scalar of the iteration count
      opt.dispose();
      assertEquals(tf.memory().numTensors, before, `tensors leaked on ${backend}`);
      return out;
    };
    const cpu = await run("cpu");
    const lanes = adamLaneCounts();
    const native = await run("native");
    assertEquals(native.length, 6);
    for (let i = 0; i < cpu.length; i++) assertEquals(Array.from(native[i]), Array.from(cpu[i]));
    // Which loop ran: the WebAssembly SIMD pass for whole groups of four lanes (3 steps x
    // (180 filter + 4 bias lanes)), JS only for the bias's fifth lane; the silent JS fallback
    // would have done all 3 x 185 in JS.
    const after = adamLaneCounts();
    assertEquals(
      { simd: after.simd - lanes.simd, js: after.js - lanes.js },
      { simd: 3 * (180 + 4), js: 3 * 1 },
      "the native Adam ran the JS fallback instead of the WebAssembly SIMD loop",
    );
    // ... and the backend line (status.json's `backend`) says so.
    const active = await selectBackend("native");
    assertEquals(active.adam, "WebAssembly SIMD");
    assertMatch(describeBackend(active), /; adam: WebAssembly SIMD\): requested$/);
  },
});

Deno.test("native: a missing oneDNN is one clear line with the install hint", async () => {
  const r = await backendsCli({ CYCLEBENCH_DNNL: "/nonexistent/libdnnl.so.2" }, "-A");
  assertEquals(r.code, 1, r.stderr);
  assertMatch(r.stderr, /cannot open oneDNN \(\/nonexistent\/libdnnl\.so\.2\)/);
  assertMatch(r.stderr, /apt install libdnnl2/);
  assert(!/^\s+at /m.test(r.stderr), `stack trace printed:\n${r.stderr}`);
});

Deno.test("native: without --allow-ffi the message says so", async () => {
  const r = await backendsCli({}, "--allow-read", "--allow-env", "--allow-sys", "--allow-net");
  assertEquals(r.code, 1, r.stderr);
  assertMatch(r.stderr, /--allow-ffi/);
});
