import { assert, assertAlmostEquals, assertEquals, assertMatch, assertThrows } from "./_assert.ts";
import { tf } from "../lib/tf.ts";
import "@tensorflow/tfjs-backend-cpu";
import {
  batchNorm,
  conv2d,
  conv2dModule,
  convTranspose2d,
  countParameters,
  describeModule,
  dropout,
  fans,
  initConvWeight,
  initStd,
  instanceNorm,
  instanceNormActivation,
  instanceNormModule,
  instantiate,
  leakyRelu,
  leakyReluModule,
  namedParameters,
  normModule,
  orthogonal,
  parameterLine,
  reflectionPad,
  relu,
  reluModule,
  Rng,
  Scope,
  sequential,
  tanh,
  torchToTfjs,
} from "../lib/nn/mod.ts";

await tf.setBackend("cpu");

/** Runs `fn`, disposes what it returns, and fails if any tensor outlived it. */
function assertNoLeak(what: string, fn: () => tf.TensorContainer): void {
  const before = tf.memory().numTensors;
  tf.dispose(fn());
  assertEquals(tf.memory().numTensors, before, `${what} leaked tensors`);
}

function seeded(shape: number[], seed: number, scale = 1): tf.Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  return tf.tensor(new Rng(seed).fillNormal(n, 0, scale), shape);
}

function maxAbsDiff(a: tf.Tensor, b: tf.Tensor): number {
  return tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]);
}

function stats(data: ArrayLike<number>): { mean: number; std: number } {
  let s = 0;
  for (let i = 0; i < data.length; i++) s += data[i];
  const mean = s / data.length;
  let v = 0;
  for (let i = 0; i < data.length; i++) v += (data[i] - mean) ** 2;
  return { mean, std: Math.sqrt(v / data.length) };
}

// ---- Rng ----

Deno.test("Rng() reproduces the xoshiro128** reference outputs", () => {
  const rng = Rng.fromState({ s: [1, 2, 3, 4] });
  assertEquals([rng.nextU32(), rng.nextU32(), rng.nextU32()], [11520, 0, 5927040]);
});

Deno.test("Rng() gives the same stream per seed and resumes from a JSON state", () => {
  const a = new Rng(123);
  const b = new Rng(123);
  const c = new Rng(124);
  const xa = Array.from({ length: 8 }, () => a.nextU32());
  assertEquals(xa, Array.from({ length: 8 }, () => b.nextU32()));
  const xc = Array.from({ length: 8 }, () => c.nextU32());
  assert(xa.some((x, i) => x !== xc[i]));
  const saved = JSON.parse(JSON.stringify(a.state()));
  const next = [a.uniform(), a.normal(), a.int(7)];
  const resumed = Rng.fromState(saved);
  assertEquals([resumed.uniform(), resumed.normal(), resumed.int(7)], next);
  // Seeds above 2^32 are distinct from their low 32 bits.
  assert(new Rng(2 ** 40 + 5).nextU32() !== new Rng(5).nextU32());
});

Deno.test("Rng() rejects bad seeds and states with a message quoting them", () => {
  assertMatch(assertThrows(() => new Rng(-1), RangeError).message, /seed.*-1/);
  assertMatch(assertThrows(() => new Rng(1.5), RangeError).message, /1\.5/);
  assertMatch(
    assertThrows(() => Rng.fromState({ s: [0, 0, 0, 0] }), RangeError).message,
    /not all zero/,
  );
  assertThrows(() => Rng.fromState({ s: [1, 2, 3] }), RangeError);
});

Deno.test("Rng.fillNormal() draws N(mean, std); uniform() and int() stay in range", () => {
  const rng = new Rng(7);
  const z = stats(rng.fillNormal(200_001, 2, 3));
  assertAlmostEquals(z.mean, 2, 0.03);
  assertAlmostEquals(z.std, 3, 0.03);
  const u = rng.fillUniform(100_000);
  assert(u.every((v) => v >= 0 && v < 1));
  assertAlmostEquals(stats(u).mean, 0.5, 0.01);
  const counts = new Array(5).fill(0);
  for (let i = 0; i < 50_000; i++) counts[rng.int(5)]++;
  for (const c of counts) assertAlmostEquals(c / 50_000, 0.2, 0.01);
  const f1 = rng.fork();
  const f2 = rng.fork();
  assert(f1.nextU32() !== f2.nextU32());
});

// ---- layers ----

Deno.test("instanceNorm() normalises each sample and channel over H, W (biased variance)", () => {
  const x = tf.add(seeded([2, 5, 6, 3], 1, 2), 3) as tf.Tensor4D;
  const y = instanceNorm(x);
  const { mean, variance } = tf.moments(y, [1, 2]);
  assert(tf.max(tf.abs(mean)).dataSync()[0] < 1e-5);
  // var(y) = var / (var + eps): ~1 for var ~4.
  assert(tf.max(tf.abs(tf.sub(variance, 1))).dataSync()[0] < 1e-4);
  tf.dispose([x, y, mean, variance]);
  const x2 = seeded([1, 4, 4, 2], 2) as tf.Tensor4D;
  assertNoLeak("instanceNorm()", () => instanceNorm(x2));
  x2.dispose();
});

Deno.test("instanceNorm() matches autodiff through tf.moments, values and gradients", () => {
  const x = seeded([2, 5, 7, 3], 3, 1.5) as tf.Tensor4D;
  const r = seeded([2, 5, 7, 3], 4);
  const reference = (t: tf.Tensor) => {
    const { mean, variance } = tf.moments(t, [1, 2], true);
    return tf.div(tf.sub(t, mean), tf.sqrt(tf.add(variance, 1e-5)));
  };
  const yRef = reference(x);
  const y = instanceNorm(x);
  assert(maxAbsDiff(y, yRef) < 1e-5, "forward");
  const gRef = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(reference(t), r)))(x);
  const g = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(instanceNorm(t as tf.Tensor4D), r)))(x);
  const diff = maxAbsDiff(g, gRef);
  assert(diff < 1e-5, `gradient differs by ${diff}`);
  assertNoLeak(
    "instanceNorm() gradient",
    () => tf.grad((t: tf.Tensor) => tf.sum(tf.mul(instanceNorm(t as tf.Tensor4D), r)))(x),
  );
  tf.dispose([x, r, yRef, y, gRef, g]);
});

Deno.test("instanceNormActivation() is the activation of instanceNorm() on cpu, values and gradients", () => {
  const x = seeded([2, 5, 4, 3], 21, 2) as tf.Tensor4D;
  const r = seeded([2, 5, 4, 3], 22);
  for (
    const [act, plain] of [
      [{ kind: "relu" } as const, (t: tf.Tensor4D) => relu(instanceNorm(t))],
      [{ kind: "leakyRelu", slope: 0.2 } as const, (t: tf.Tensor4D) => leakyRelu(instanceNorm(t))],
    ] as const
  ) {
    const loss = (f: (t: tf.Tensor4D) => tf.Tensor4D) => (t: tf.Tensor) =>
      tf.sum(tf.mul(f(t as tf.Tensor4D), r));
    const fused = (t: tf.Tensor4D) => instanceNormActivation(t, act);
    const y = fused(x);
    const ref = plain(x);
    assert(y.dataSync().some((v) => v < 0) === (act.kind === "leakyRelu"), act.kind);
    assertEquals(maxAbsDiff(y, ref), 0, `${act.kind} values`);
    const [g, gRef] = [tf.grad(loss(fused))(x), tf.grad(loss(plain))(x)];
    assertEquals(maxAbsDiff(g, gRef), 0, `${act.kind} gradients`);
    assertNoLeak(`instanceNormActivation() ${act.kind}`, () => fused(x));
    assertNoLeak(`instanceNormActivation() ${act.kind} gradient`, () => tf.grad(loss(fused))(x));
    tf.dispose([y, ref, g, gRef]);
  }
  tf.dispose([x, r]);
});

Deno.test("sequential() runs an instance norm and the activation after it as one fused step", () => {
  const relus = reluModule();
  const leaky = leakyReluModule(0.2);
  assertEquals(relus.activation, { kind: "relu" });
  assertEquals(leaky.activation, { kind: "leakyRelu", slope: 0.2 });
  const norm = instanceNormModule(3);
  assertEquals(norm.fuseNext!(conv2dModule(3, 3, { kernel: 1 })), undefined);
  // A norm whose fused step is marked, to see which layers `sequential` ran as one.
  const calls: string[] = [];
  const marked = {
    ...norm,
    fuseNext(next: typeof norm) {
      const f = norm.fuseNext!(next);
      return f && ((x: tf.Tensor4D, s: Scope) => {
        calls.push(`${s.path}+${next.type}`);
        return f(x, s);
      });
    },
  };
  const m = sequential([marked, relus, marked, conv2dModule(3, 3, { kernel: 1 }), marked, leaky]);
  const w = seeded([1, 1, 3, 3], 23) as tf.Tensor4D;
  const bias = tf.zeros([3]);
  const ctx = {
    tensors: new Map<string, tf.Tensor>([["3.weight", w], ["3.bias", bias]]),
    buffers: new Map(),
    training: true,
    updateBuffers: true,
  };
  const x = seeded([1, 4, 4, 3], 24) as tf.Tensor4D;
  const y = m.forward(x, new Scope(ctx, ""));
  assertEquals(calls, ["0+ReLU", "4+LeakyReLU"]);
  const ref = leakyRelu(
    instanceNorm(conv2d(instanceNorm(relu(instanceNorm(x))), w, { bias: bias as tf.Tensor1D })),
  );
  assertEquals(maxAbsDiff(y, ref), 0);
  // A Sequential leaves its intermediates to the caller's tidy (`Network.apply` has one).
  assertNoLeak("sequential() fused", () => tf.tidy(() => m.forward(x, new Scope(ctx, ""))));
  tf.dispose([w, bias, x, y, ref]);
});

Deno.test("batchNorm() trains on batch stats and updates running stats as PyTorch", () => {
  const x = tf.add(seeded([2, 3, 4, 2], 5, 2), 1) as tf.Tensor4D;
  const state = {
    weight: tf.tensor1d([1.5, 0.5]),
    bias: tf.tensor1d([0.1, -0.2]),
    runningMean: tf.variable(tf.zeros([2]), false),
    runningVar: tf.variable(tf.ones([2]), false),
  };
  const { mean, variance } = tf.moments(x, [0, 1, 2]);
  const y = batchNorm(x, state, { training: true });
  const expected = tf.add(
    tf.mul(tf.div(tf.sub(x, mean), tf.sqrt(tf.add(variance, 1e-5))), state.weight),
    state.bias,
  );
  assert(maxAbsDiff(y, expected) < 1e-5);
  // momentum 0.1; the running variance takes the unbiased estimate (n = 24).
  const m = mean.dataSync();
  const v = variance.dataSync();
  const rm = state.runningMean.dataSync();
  const rv = state.runningVar.dataSync();
  for (let c = 0; c < 2; c++) {
    assertAlmostEquals(rm[c], 0.1 * m[c], 1e-6);
    assertAlmostEquals(rv[c], 0.9 + 0.1 * v[c] * 24 / 23, 1e-5);
  }
  // Eval mode normalises with the running statistics.
  const yEval = batchNorm(x, state, { training: false });
  const expectedEval = tf.add(
    tf.mul(
      tf.div(tf.sub(x, state.runningMean), tf.sqrt(tf.add(state.runningVar, 1e-5))),
      state.weight,
    ),
    state.bias,
  );
  assert(maxAbsDiff(yEval, expectedEval) < 1e-5);
  // Gradients flow to x, weight and bias.
  const grads = tf.grads((a: tf.Tensor, w: tf.Tensor, b: tf.Tensor) =>
    tf.sum(tf.square(batchNorm(a as tf.Tensor4D, { ...state, weight: w, bias: b } as never, {
      training: true,
      updateStats: false,
    })))
  )([x, state.weight, state.bias]);
  assertEquals(grads.map((g) => g.shape), [[2, 3, 4, 2], [2], [2]]);
  assertNoLeak("batchNorm()", () => batchNorm(x, state, { training: true }));
  assertNoLeak("batchNorm() eval", () => batchNorm(x, state, { training: false }));
  const one = tf.zeros([1, 1, 1, 2]) as tf.Tensor4D;
  assertMatch(
    assertThrows(() => batchNorm(one, state, { training: true }), RangeError).message,
    /more than 1 value per channel/,
  );
  tf.dispose([x, mean, variance, y, expected, yEval, expectedEval, one, ...grads]);
  tf.dispose(Object.values(state));
});

Deno.test("reflectionPad() mirrors without repeating the edge, like ReflectionPad2d", () => {
  const x = tf.tensor4d([1, 2, 3, 4, 5, 6, 7, 8], [1, 2, 4, 1]);
  const y = reflectionPad(x, 1);
  assertEquals(y.shape, [1, 4, 6, 1]);
  assertEquals(Array.from(y.dataSync()), [
    6,
    5,
    6,
    7,
    8,
    7,
    2,
    1,
    2,
    3,
    4,
    3,
    6,
    5,
    6,
    7,
    8,
    7,
    2,
    1,
    2,
    3,
    4,
    3,
  ]);
  assertMatch(assertThrows(() => reflectionPad(x, 2), RangeError).message, /above 2, got 2x4/);
  assertNoLeak("reflectionPad()", () => reflectionPad(x, 1));
  tf.dispose([x, y]);
});

Deno.test("conv2d() pads symmetrically (PyTorch), not tfjs 'same', and adds the bias", () => {
  const x = seeded([2, 7, 8, 3], 6) as tf.Tensor4D;
  const w = seeded([4, 4, 3, 5], 7) as tf.Tensor4D;
  const b = tf.tensor1d([1, 2, 3, 4, 5]);
  const y = conv2d(x, w, { stride: 2, padding: 1, bias: b });
  // floor((7 + 2 - 4) / 2) + 1 = 3, floor((8 + 2 - 4) / 2) + 1 = 4
  assertEquals(y.shape, [2, 3, 4, 5]);
  const ref = tf.add(
    tf.conv2d(tf.pad(x, [[0, 0], [1, 1], [1, 1], [0, 0]]) as tf.Tensor4D, w, 2, "valid"),
    b,
  );
  assert(maxAbsDiff(y, ref) < 1e-5);
  assertMatch(
    assertThrows(() => conv2d(x, seeded([3, 3, 4, 1], 8) as tf.Tensor4D), RangeError).message,
    /3 channels but the weight expects 4/,
  );
  assertNoLeak("conv2d()", () => conv2d(x, w, { stride: 2, padding: 1, bias: b }));
  tf.dispose([x, w, b, y, ref]);
});

/** ConvTranspose2d by its definition: y[i*s - p + k] += x[i] * W[k], cropped to the output. */
function naiveConvTranspose(
  x: tf.Tensor4D,
  w: tf.Tensor4D,
  s: number,
  p: number,
  op: number,
): tf.Tensor4D {
  const [n, h, wd, inC] = x.shape;
  const [k, , outC] = w.shape;
  const oh = (h - 1) * s - 2 * p + k + op;
  const ow = (wd - 1) * s - 2 * p + k + op;
  const xd = x.dataSync();
  const wdata = w.dataSync();
  const out = new Float32Array(n * oh * ow * outC);
  for (let b = 0; b < n; b++) {
    for (let iy = 0; iy < h; iy++) {
      for (let ix = 0; ix < wd; ix++) {
        for (let ky = 0; ky < k; ky++) {
          for (let kx = 0; kx < k; kx++) {
            const oy = iy * s - p + ky;
            const ox = ix * s - p + kx;
            if (oy < 0 || oy >= oh || ox < 0 || ox >= ow) continue;
            for (let o = 0; o < outC; o++) {
              let acc = 0;
              for (let i = 0; i < inC; i++) {
                acc += xd[((b * h + iy) * wd + ix) * inC + i] *
                  wdata[((ky * k + kx) * outC + o) * inC + i];
              }
              out[((b * oh + oy) * ow + ox) * outC + o] += acc;
            }
          }
        }
      }
    }
  }
  return tf.tensor4d(out, [n, oh, ow, outC]);
}

Deno.test("convTranspose2d() follows PyTorch ConvTranspose2d for the ResNet and U-Net settings", () => {
  const x = seeded([2, 5, 4, 3], 9) as tf.Tensor4D;
  const b = tf.tensor1d([0.5, -1]);
  for (const [k, p, op] of [[3, 1, 1], [4, 1, 0]]) {
    const w = seeded([k, k, 2, 3], 10 + k) as tf.Tensor4D;
    const y = convTranspose2d(x, w, { stride: 2, padding: p, outputPadding: op, bias: b });
    assertEquals(y.shape, [2, 10, 8, 2], `k${k}`);
    const ref = tf.add(naiveConvTranspose(x, w, 2, p, op), b);
    assert(maxAbsDiff(y, ref) < 1e-4, `k${k}: ${maxAbsDiff(y, ref)}`);
    const g = tf.grads((a: tf.Tensor, f: tf.Tensor) =>
      tf.sum(
        convTranspose2d(a as tf.Tensor4D, f as tf.Tensor4D, {
          stride: 2,
          padding: p,
          outputPadding: op,
        }),
      )
    )([x, w]);
    assertEquals(g.map((t) => t.shape), [x.shape, w.shape]);
    assertNoLeak(
      "convTranspose2d()",
      () => convTranspose2d(x, w, { stride: 2, padding: p, outputPadding: op, bias: b }),
    );
    tf.dispose([w, y, ref, ...g]);
  }
  tf.dispose([x, b]);
});

Deno.test("dropout() is seeded, keeps 1 - p of the units and scales them by 1 / (1 - p)", () => {
  const x = tf.ones([1, 64, 64, 8]) as tf.Tensor4D;
  const state = new Rng(11).state();
  const a = dropout(x, 0.5, Rng.fromState(state));
  const b = dropout(x, 0.5, Rng.fromState(state));
  const c = dropout(x, 0.5, new Rng(12));
  assertEquals(maxAbsDiff(a, b), 0);
  assert(maxAbsDiff(a, c) > 0);
  const values = a.dataSync();
  assert(values.every((v) => v === 0 || v === 2), "survivors are scaled by 2");
  const kept = values.filter((v) => v !== 0).length / values.length;
  assertAlmostEquals(kept, 0.5, 0.02);
  // The gradient is the same mask: zero where dropped, 1 / (1 - p) where kept.
  const rng = Rng.fromState(state);
  const g = tf.grad((t: tf.Tensor) => tf.sum(dropout(t as tf.Tensor4D, 0.5, rng)))(x);
  assertEquals(maxAbsDiff(g, a), 0);
  assertNoLeak("dropout()", () => dropout(x, 0.25, new Rng(1)));
  tf.dispose([x, a, b, c, g]);
});

Deno.test("leakyRelu() has slope 0.2, relu() clips, tanh() maps into [-1, 1]", () => {
  const x = tf.tensor4d([-10, -1, 0, 2], [1, 1, 4, 1]);
  assertEquals(Array.from(leakyRelu(x).dataSync()), [-2, -0.2, 0, 2].map(Math.fround));
  assertEquals(Array.from(relu(x).dataSync()), [0, 0, 0, 2]);
  const t = tanh(tf.mul(x, 100) as tf.Tensor4D).dataSync();
  assert(t.every((v) => v >= -1 && v <= 1));
  assertNoLeak("leakyRelu()", () => leakyRelu(x));
  assertNoLeak("relu()", () => relu(x));
  assertNoLeak("tanh()", () => tanh(x));
  x.dispose();
});

// ---- initialisation ----

Deno.test("fans() follows PyTorch for Conv2d [out, in, k, k] and ConvTranspose2d [in, out, k, k]", () => {
  assertEquals(fans([64, 3, 7, 7]), { fanIn: 147, fanOut: 3136 });
  // ConvTranspose2d(256, 128, 3): weight [256, 128, 3, 3], so fan_in = 128 * 9 in PyTorch.
  assertEquals(fans([256, 128, 3, 3]), { fanIn: 1152, fanOut: 2304 });
  assertAlmostEquals(initStd("xavier", [256, 128, 3, 3], 0.02), 0.02 * Math.sqrt(2 / 3456), 1e-12);
  assertAlmostEquals(initStd("kaiming", [256, 128, 3, 3], 0.02), Math.sqrt(2 / 1152), 1e-12);
  assertEquals(initStd("normal", [1, 1, 1, 1], 0.02), 0.02);
});

Deno.test("initConvWeight() draws normal, xavier and kaiming with PyTorch's std", () => {
  const shape = [256, 128, 3, 3]; // 295k weights
  for (const type of ["normal", "xavier", "kaiming"] as const) {
    const w = initConvWeight(shape, { type, gain: 0.02, rng: new Rng(13) });
    const want = initStd(type, shape, 0.02);
    const s = stats(w);
    assert(Math.abs(s.mean) < 5 * want / Math.sqrt(w.length), `${type} mean ${s.mean}`);
    assertAlmostEquals(s.std / want, 1, 0.01, `${type} std ${s.std} vs ${want}`);
  }
});

Deno.test("orthogonal() gives orthonormal rows (wide) or columns (tall), times the gain", () => {
  for (const [rows, cols] of [[32, 288], [100, 20], [24, 24]]) {
    const gain = 0.02;
    const q = orthogonal(rows, cols, { gain, rng: new Rng(rows) });
    const small = Math.min(rows, cols);
    for (let a = 0; a < small; a++) {
      for (let b = 0; b < small; b++) {
        let dot = 0;
        // Rows of a wide matrix, columns of a tall one.
        for (let i = 0; i < Math.max(rows, cols); i++) {
          dot += rows <= cols
            ? q[a * cols + i] * q[b * cols + i]
            : q[i * cols + a] * q[i * cols + b];
        }
        assertAlmostEquals(dot / (gain * gain), a === b ? 1 : 0, 1e-5, `${rows}x${cols} ${a},${b}`);
      }
    }
  }
  // Conv weights flatten as PyTorch does: [out, in * k * k], out rows orthonormal.
  const w = initConvWeight([8, 4, 3, 3], { type: "orthogonal", gain: 1, rng: new Rng(2) });
  let dot = 0;
  for (let i = 0; i < 36; i++) dot += w[i] * w[i];
  assertAlmostEquals(dot, 1, 1e-5);
});

Deno.test("torchToTfjs() moves [out, in, kh, kw] to tfjs's [kh, kw, in, out]", () => {
  const torchShape = [3, 2, 2, 4];
  const data = Float32Array.from({ length: 48 }, (_, i) => i);
  const expected = tf.transpose(tf.tensor4d(data, torchShape as [number, number, number, number]), [
    2,
    3,
    1,
    0,
  ]);
  assertEquals(Array.from(torchToTfjs(data, torchShape)), Array.from(expected.dataSync()));
  expected.dispose();
});

// ---- modules and networks ----

Deno.test("describeModule() prints like PyTorch's print(net)", () => {
  const m = sequential([
    conv2dModule(3, 8, { kernel: 4, stride: 2, padding: 1, bias: false }),
    normModule("batch", 8),
    reluModule(),
    normModule("none", 8),
  ]);
  assertEquals(describeModule(m), [
    "Sequential(",
    "  (0): Conv2d(3, 8, kernel_size=(4, 4), stride=(2, 2), padding=(1, 1), bias=False)",
    "  (1): BatchNorm2d(8, eps=1e-05, momentum=0.1, affine=True, track_running_stats=True)",
    "  (2): ReLU(inplace=True)",
    "  (3): Identity()",
    ")",
  ]);
  assertEquals(namedParameters(m).map((p) => p.fullName), ["0.weight", "1.weight", "1.bias"]);
  assertEquals(countParameters(m), 3 * 8 * 16 + 16);
  assertEquals(
    parameterLine("G_A", 11378179),
    "[Network G_A] Total number of parameters : 11.378 M",
  );
});

Deno.test("instantiate() initialises as init_weights and is deterministic per seed", () => {
  const m = sequential([
    conv2dModule(3, 64, { kernel: 3, padding: 1 }),
    normModule("batch", 64),
    reluModule(),
  ]);
  const opts = { variant: "demo", initType: "normal" as const, initGain: 0.02 };
  const before = tf.memory().numTensors;
  const a = instantiate(m, { ...opts, rng: new Rng(5) });
  const b = instantiate(m, { ...opts, rng: new Rng(5) });
  const c = instantiate(m, { ...opts, rng: new Rng(6) });
  assertEquals(Object.keys(a.params), ["0.weight", "0.bias", "1.weight", "1.bias"]);
  assertEquals(Object.keys(a.buffers), ["1.running_mean", "1.running_var"]);
  assertEquals(a.params["0.weight"].shape, [3, 3, 3, 64]);
  assert(a.params["0.weight"].trainable && !a.buffers["1.running_var"].trainable);
  assertEquals(a.params["0.weight"].name, `${a.label}/0.weight`);
  for (const k of Object.keys(a.params)) assertEquals(maxAbsDiff(a.params[k], b.params[k]), 0, k);
  assert(maxAbsDiff(a.params["0.weight"], c.params["0.weight"]) > 0);
  assert(a.params["0.bias"].dataSync().every((v) => v === 0));
  assert(a.params["1.bias"].dataSync().every((v) => v === 0));
  const s = stats(a.params["1.weight"].dataSync());
  assertAlmostEquals(s.mean, 1, 0.01);
  assert(s.std > 0.01 && s.std < 0.03, `BatchNorm weight std ${s.std}`);
  assert(a.buffers["1.running_mean"].dataSync().every((v) => v === 0));
  assert(a.buffers["1.running_var"].dataSync().every((v) => v === 1));
  const x = seeded([2, 6, 6, 3], 1) as tf.Tensor4D;
  assertNoLeak("Network.apply()", () => a.apply(x, { training: true }));
  assertNoLeak("Network.apply() eval", () => a.apply(x, { training: false }));
  const bad = tf.zeros([1, 4, 4, 2]) as tf.Tensor4D;
  assertMatch(
    assertThrows(() => a.apply(bad, { training: false })).message,
    /3 channels, got shape \[1, 4, 4, 2\]/,
  );
  tf.dispose([x, bad]);
  a.dispose();
  b.dispose();
  c.dispose();
  assertEquals(tf.memory().numTensors, before, "dispose() frees every variable");
});
