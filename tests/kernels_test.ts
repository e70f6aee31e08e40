/**
 * Parity tests for the training kit (lib/backend/kernels/) against the cpu backend's built-in
 * gradients, on seeded random inputs, on the cpu and wasm backends. Tolerance: max abs error
 * <= 1e-4 of the reference's largest magnitude (float32 rounding gives ~1e-7..1e-6).
 */
import { tf } from "../lib/tf.ts";
import { assert, assertEquals, assertMatch, assertThrows } from "./_assert.ts";
import "@tensorflow/tfjs-backend-wasm";
import { MathBackendCPU } from "@tensorflow/tfjs-backend-cpu";
import {
  builtinConv2DGradient,
  builtinMirrorPadGradient,
  chooseInputGradMethod,
  conv2dFilterGrad,
  conv2dInputGrad,
  convTranspose2d,
  explicitConvPad,
  installConvGradients,
  installTrainingKit,
  mirrorPadGrad,
  type TfConvPad,
  trainingKitInstalled,
  uninstallConvGradients,
  uninstallTrainingKit,
} from "../lib/backend/kernels/mod.ts";

const TOLERANCE = 1e-4;
const BACKENDS = ["cpu", "wasm"] as const;

await tf.setBackend("wasm"); // compile the wasm module once, before any test's sanitizers
await tf.setBackend("cpu");

// --------------------------------------------------------------------------------------------
// Helpers.

/** A plain copy of a tensor's values, independent of any backend. */
interface Values {
  shape: number[];
  data: Float32Array;
}

/** Seeded uniform values in [-1, 1) (mulberry32). */
function seeded(shape: number[], seed: number): Values {
  let s = seed >>> 0;
  const data = new Float32Array(shape.reduce((a, b) => a * b, 1));
  for (let i = 0; i < data.length; i++) {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = Math.imul(s ^ (s >>> 15), s | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    data[i] = (((t ^ (t >>> 14)) >>> 0) / 4294967296) * 2 - 1;
  }
  return { shape, data };
}

function toTensor4D(v: Values): tf.Tensor4D {
  return tf.tensor4d(v.data, v.shape as [number, number, number, number]);
}

/** Runs `f` and disposes every tensor it made: for blocks that return plain values. */
function scoped<T>(f: () => T): T {
  tf.engine().startScope();
  try {
    return f();
  } finally {
    tf.engine().endScope();
  }
}

/** Reads tensors into Values and disposes them. */
function read(...ts: tf.Tensor[]): Values[] {
  const out = ts.map((t) => ({ shape: t.shape.slice(), data: t.dataSync() as Float32Array }));
  tf.dispose(ts);
  return out;
}

function assertClose(actual: Values, expected: Values, what: string): void {
  assertEquals(actual.shape, expected.shape, `${what}: shape`);
  let scale = 0;
  let err = 0;
  for (let i = 0; i < expected.data.length; i++) {
    scale = Math.max(scale, Math.abs(expected.data[i]));
    err = Math.max(err, Math.abs(actual.data[i] - expected.data[i]));
  }
  assert(scale > 0, `${what}: the reference is all zeros, the test would prove nothing`);
  assert(
    err <= TOLERANCE * scale,
    `${what}: max abs error ${err.toExponential(2)} exceeds ${TOLERANCE} x ${scale.toFixed(3)}`,
  );
}

/** Runs `f`, reads its tensors, and checks that no other tensor was left behind. */
function noLeak(what: string, f: () => tf.Tensor | tf.Tensor[]): Values[] {
  const before = tf.memory().numTensors;
  const out = f();
  const values = read(...(Array.isArray(out) ? out : [out]));
  assertEquals(tf.memory().numTensors, before, `${what} leaked tensors`);
  return values;
}

// --------------------------------------------------------------------------------------------
// Conv2D gradients.

interface ConvCase {
  name: string;
  x: number[];
  w: number[];
  strides: number | [number, number];
  pad: TfConvPad;
}

/** Every convolution shape the model zoo uses, scaled down, plus the awkward geometries. */
const CONV_CASES: ConvCase[] = [
  { name: "1x1 s1 valid", x: [1, 8, 8, 4], w: [1, 1, 4, 6], strides: 1, pad: "valid" },
  {
    name: "1x1 s2 (phases without taps), batch 2",
    x: [2, 9, 9, 3],
    w: [1, 1, 3, 5],
    strides: 2,
    pad: "valid",
  },
  { name: "3x3 s1 same, batch 2", x: [2, 10, 10, 4], w: [3, 3, 4, 8], strides: 1, pad: "same" },
  {
    name: "3x3 s2 same, odd 15x13, batch 2",
    x: [2, 15, 13, 5],
    w: [3, 3, 5, 7],
    strides: 2,
    pad: "same",
  },
  {
    name: "3x3 s2 explicit pad 1 (generator down)",
    x: [1, 12, 12, 8],
    w: [3, 3, 8, 8],
    strides: 2,
    pad: [[0, 0], [1, 1], [1, 1], [0, 0]],
  },
  {
    name: "3x3 s2 valid (last row unused)",
    x: [1, 10, 10, 4],
    w: [3, 3, 4, 4],
    strides: 2,
    pad: "valid",
  },
  {
    name: "3x3 s1 valid 32->32 (tapmm)",
    x: [1, 10, 10, 32],
    w: [3, 3, 32, 32],
    strides: 1,
    pad: "valid",
  },
  { name: "4x4 s2 pad 1 (PatchGAN)", x: [1, 16, 16, 4], w: [4, 4, 4, 8], strides: 2, pad: 1 },
  {
    name: "4x4 s1 pad 1, Cout=1 (PatchGAN head)",
    x: [1, 11, 11, 8],
    w: [4, 4, 8, 1],
    strides: 1,
    pad: 1,
  },
  { name: "4x4 s2 same, odd 9x9", x: [1, 9, 9, 4], w: [4, 4, 4, 4], strides: 2, pad: "same" },
  {
    name: "7x7 s1 valid 3->8 (c7s1 in)",
    x: [1, 14, 14, 3],
    w: [7, 7, 3, 8],
    strides: 1,
    pad: "valid",
  },
  {
    name: "7x7 s1 valid 8->3 (c7s1 out), batch 2",
    x: [2, 13, 14, 8],
    w: [7, 7, 8, 3],
    strides: 1,
    pad: "valid",
  },
  {
    name: "2x3 strides [2,1], asymmetric pad, batch 2",
    x: [2, 9, 8, 3],
    w: [2, 3, 3, 4],
    strides: [2, 1],
    pad: [[0, 0], [2, 0], [0, 1], [0, 0]],
  },
];

/** The cpu backend's built-in dx and dW (tfjs's own Conv2D gradient, not ours). */
function builtinConvGrads(
  c: ConvCase,
): { x: Values; w: Values; dy: Values; dx: Values; dw: Values } {
  const x = seeded(c.x, 1);
  const w = seeded(c.w, 2);
  const config = builtinConv2DGradient();
  assert(config, "tfjs's built-in Conv2D gradient is registered (lib/tf.ts)");
  return scoped(() => {
    const xt = toTensor4D(x);
    const wt = toTensor4D(w);
    const y = tf.conv2d(xt, wt, c.strides, c.pad);
    const dy = seeded(y.shape, 3);
    const attrs = { strides: c.strides, pad: c.pad, dataFormat: "NHWC", dilations: 1 };
    const g = config.gradFunc(toTensor4D(dy), [xt, wt], attrs as unknown as tf.NamedAttrMap);
    const [dx, dw] = read(g.x(), g.filter());
    return { x, w, dy, dx, dw };
  });
}

Deno.test("explicitConvPad() matches tfjs's computeConv2DInfo", () => {
  const pads: TfConvPad[] = ["same", "valid", 0, 1, 2, [[0, 0], [2, 1], [0, 3], [0, 0]]];
  for (const h of [7, 8, 9, 10, 15]) {
    for (const k of [1, 3, 4, 7]) {
      for (const [s, d] of [[1, 1], [2, 1], [3, 1], [1, 2]]) {
        for (const pad of pads) {
          for (const mode of [undefined, "floor", "ceil", "round"] as const) {
            if (mode && typeof pad === "string") continue; // tfjs rejects rounding with these
            const inShape: [number, number, number, number] = [1, h, h + 1, 2];
            const fShape: [number, number, number, number] = [k, k, 2, 3];
            const effK = (k - 1) * d + 1;
            const padded = typeof pad === "number" ? h + 2 * pad : h + 3;
            if (padded < effK || h < effK) continue;
            const info = tf.backend_util.computeConv2DInfo(inShape, fShape, s, d, pad, mode);
            const ours = explicitConvPad(inShape, fShape, {
              pad,
              strides: s,
              dilations: d,
              dimRoundingMode: mode,
            });
            const what = `h ${h}, k ${k}, s ${s}, d ${d}, pad ${JSON.stringify(pad)}, ${mode}`;
            assertEquals(ours.outHeight, info.outHeight, what);
            assertEquals(ours.outWidth, info.outWidth, what);
            assertEquals(ours.top, info.padInfo.top, what);
            assertEquals(ours.left, info.padInfo.left, what);
            // Where tfjs's pads are all read, its nominal bottom/right is our effective one.
            const rows = h + info.padInfo.top + info.padInfo.bottom - effK;
            if (rows >= 0 && rows % s === 0 && mode !== "ceil") {
              assertEquals(ours.bottom, info.padInfo.bottom, what);
            }
          }
        }
      }
    }
  }
});

for (const backend of BACKENDS) {
  Deno.test(`conv2dInputGrad() and conv2dFilterGrad() match the built-in gradient on ${backend}`, async () => {
    for (const c of CONV_CASES) {
      await tf.setBackend("cpu");
      const ref = builtinConvGrads(c);
      await tf.setBackend(backend);
      const pad = explicitConvPad(c.x, c.w, { pad: c.pad, strides: c.strides });
      const [x, w, dy] = [toTensor4D(ref.x), toTensor4D(ref.w), toTensor4D(ref.dy)];
      const strided = c.strides !== 1;
      for (
        const method of strided ? ["phase", "auto"] as const : ["phase", "tapmm", "auto"] as const
      ) {
        const [dx] = noLeak(
          `conv2dInputGrad ${method} ${c.name}`,
          () => conv2dInputGrad(dy, w, { inShape: c.x, strides: c.strides, pad, method }),
        );
        assertClose(dx, ref.dx, `dx (${method}) ${c.name} on ${backend}`);
      }
      for (const method of ["tapmm", "channels-as-batch", "auto"] as const) {
        const [dw] = noLeak(
          `conv2dFilterGrad ${method} ${c.name}`,
          () => conv2dFilterGrad(x, dy, { filterShape: c.w, strides: c.strides, pad, method }),
        );
        assertClose(dw, ref.dw, `dW (${method}) ${c.name} on ${backend}`);
      }
      tf.dispose([x, w, dy]);
    }
  });

  Deno.test(`installConvGradients() makes tf.grads of conv2d match the built-in gradient on ${backend}`, async () => {
    installConvGradients();
    for (const c of CONV_CASES) {
      await tf.setBackend("cpu");
      const ref = builtinConvGrads(c);
      await tf.setBackend(backend);
      const [x, w, dy] = [toTensor4D(ref.x), toTensor4D(ref.w), toTensor4D(ref.dy)];
      const loss = (a: tf.Tensor, b: tf.Tensor) =>
        tf.sum(tf.mul(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, c.strides, c.pad), dy));
      const [dx, dw] = noLeak(`tf.grads(conv2d) ${c.name}`, () => tf.grads(loss)([x, w]));
      assertClose(dx, ref.dx, `dx ${c.name} on ${backend}`);
      assertClose(dw, ref.dw, `dW ${c.name} on ${backend}`);
      tf.dispose([x, w, dy]);
    }
  });
}

Deno.test("installConvGradients() handles dilated convs exactly (zero-inserted filter oracle)", async () => {
  installConvGradients();
  // A 3x3 filter with dilation 2 is a 5x5 filter with zeros between its taps.
  const x = seeded([2, 11, 10, 4], 11);
  const w = seeded([3, 3, 4, 5], 12);
  const wide = seeded([5, 5, 4, 5], 0);
  wide.data.fill(0);
  for (let i = 0; i < 3; i++) {
    for (let j = 0; j < 3; j++) {
      wide.data.set(
        w.data.subarray((i * 3 + j) * 20, (i * 3 + j + 1) * 20),
        (i * 2 * 5 + j * 2) * 20,
      );
    }
  }
  await tf.setBackend("cpu");
  const config = builtinConv2DGradient()!;
  const ref = scoped(() => {
    const [xt, wt] = [toTensor4D(x), toTensor4D(wide)];
    const dy = seeded(tf.conv2d(xt, wt, 1, "same").shape, 13);
    const attrs = { strides: 1, pad: "same", dataFormat: "NHWC", dilations: 1 };
    const g = config.gradFunc(toTensor4D(dy), [xt, wt], attrs as unknown as tf.NamedAttrMap);
    const [dx, dwWide] = read(g.x(), g.filter());
    const dw = seeded(w.shape, 0);
    for (let i = 0; i < 3; i++) {
      for (let j = 0; j < 3; j++) {
        const at = (i * 2 * 5 + j * 2) * 20;
        dw.data.set(dwWide.data.subarray(at, at + 20), (i * 3 + j) * 20);
      }
    }
    return { dy, dx, dw };
  });
  for (const backend of BACKENDS) {
    await tf.setBackend(backend);
    const [xt, wt, dy] = [toTensor4D(x), toTensor4D(w), toTensor4D(ref.dy)];
    const loss = (a: tf.Tensor, b: tf.Tensor) =>
      tf.sum(tf.mul(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, 1, "same", "NHWC", 2), dy));
    const [dx, dw] = noLeak("tf.grads(dilated conv2d)", () => tf.grads(loss)([xt, wt]));
    assertClose(dx, ref.dx, `dilated dx on ${backend}`);
    assertClose(dw, ref.dw, `dilated dW on ${backend}`);
    const pad = explicitConvPad(x.shape, w.shape, { pad: "same", dilations: 2 });
    for (const method of ["phase", "tapmm"] as const) {
      const geometry = { inShape: x.shape, pad, dilations: 2, method };
      const [direct] = noLeak("conv2dInputGrad dilated", () => conv2dInputGrad(dy, wt, geometry));
      assertClose(direct, ref.dx, `dilated dx (${method}) on ${backend}`);
    }
    for (const method of ["tapmm", "channels-as-batch"] as const) {
      const geometry = { filterShape: w.shape, pad, dilations: 2, method };
      const [direct] = noLeak("conv2dFilterGrad dilated", () => conv2dFilterGrad(xt, dy, geometry));
      assertClose(direct, ref.dw, `dilated dW (${method}) on ${backend}`);
    }
    tf.dispose([xt, wt, dy]);
  }
});

Deno.test("installConvGradients() supports double backprop (gradient penalty) like the built-in", async () => {
  // d/dW of |d<conv(x, W), c>/dx|^2: what a WGAN-GP penalty differentiates. The first case's dx
  // runs by phases, the second's (stride 1, deep and small) by tapmm.
  const cases = [
    { x: [2, 9, 8, 4], w: [3, 3, 4, 6], strides: 2, method: "phase" },
    { x: [1, 4, 5, 16], w: [3, 3, 16, 8], strides: 1, method: "tapmm" },
  ];
  for (const [i, k] of cases.entries()) {
    const x = seeded(k.x, 21 + i);
    const w = seeded(k.w, 22 + i);
    const outShape = [k.x[0], Math.ceil(k.x[1] / k.strides), Math.ceil(k.x[2] / k.strides), k.w[3]];
    const c = seeded(outShape, 23);
    assertEquals(chooseInputGradMethod(k.strides, { filterShape: k.w, outShape }), k.method);
    const penalty = (wt: tf.Tensor) => {
      const [xt, ct] = [toTensor4D(x), toTensor4D(c)];
      const inner = (a: tf.Tensor) =>
        tf.sum(tf.mul(tf.conv2d(a as tf.Tensor4D, wt as tf.Tensor4D, k.strides, "same"), ct));
      return tf.sum(tf.square(tf.grad(inner)(xt)));
    };
    await tf.setBackend("cpu");
    uninstallConvGradients();
    const [ref] = read(tf.tidy(() => tf.grad(penalty)(toTensor4D(w))));
    installConvGradients();
    for (const backend of BACKENDS) {
      await tf.setBackend(backend);
      const wt = toTensor4D(w);
      const [ours] = noLeak("double backprop", () => tf.grad(penalty)(wt));
      assertClose(ours, ref, `d penalty / dW (${k.method}) on ${backend}`);
      wt.dispose();
    }
  }
});

Deno.test("installConvGradients() delegates to the built-in gradient on other backends", async () => {
  // A cpu backend under another name stands in for webgpu / tfjs-node.
  tf.registerBackend("cpu-other", () => new MathBackendCPU());
  tf.copyRegisteredKernels("cpu", "cpu-other");
  installConvGradients();
  const c = CONV_CASES[3];
  const kernelsOn = async (backend: string) => {
    await tf.setBackend(backend);
    const [x, w] = [toTensor4D(seeded(c.x, 1)), toTensor4D(seeded(c.w, 2))];
    const loss = (a: tf.Tensor, b: tf.Tensor) =>
      tf.sum(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, c.strides, c.pad));
    const info = await tf.profile(() => tf.grads(loss)([x, w]));
    tf.dispose([x, w]);
    return info.kernelNames;
  };
  // There, the sub-filters are gathered with tf.gather rather than JS copies (no dataSync).
  const convTransposeOn = async (backend: string) => {
    await tf.setBackend(backend);
    const [x, w, dy] = [[1, 5, 4, 6], [3, 3, 4, 6], [1, 10, 8, 4]].map((s, i) =>
      toTensor4D(seeded(s, 50 + i))
    );
    const opts = { stride: 2, padding: 1, outputPadding: 1 };
    const loss = (a: tf.Tensor, b: tf.Tensor) =>
      tf.sum(tf.mul(convTranspose2d(a as tf.Tensor4D, b as tf.Tensor4D, opts), dy));
    const out = noLeak(
      "convTranspose2d",
      () => [convTranspose2d(x, w, opts), ...tf.grads(loss)([x, w])],
    );
    tf.dispose([x, w, dy]);
    return out;
  };
  try {
    const other = await kernelsOn("cpu-other");
    assert(other.includes("Conv2DBackpropFilter") && other.includes("Conv2DBackpropInput"));
    const cpu = await kernelsOn("cpu");
    assert(!cpu.includes("Conv2DBackpropFilter") && !cpu.includes("Conv2DBackpropInput"));
    const [gathered, copied] = [await convTransposeOn("cpu-other"), await convTransposeOn("cpu")];
    gathered.forEach((v, i) =>
      assertClose(v, copied[i], `convTranspose2d output ${i} via tf.gather`)
    );
  } finally {
    await tf.setBackend("cpu");
    tf.removeBackend("cpu-other");
  }
});

Deno.test("conv2dInputGrad() rejects tapmm at stride 2 with a message naming the method", () => {
  const [dy, w] = [tf.zeros([1, 4, 4, 3]), tf.zeros([3, 3, 2, 3])] as tf.Tensor4D[];
  const pad = explicitConvPad([1, 8, 8, 2], w.shape, { pad: "same", strides: 2 });
  const e = assertThrows(
    () => conv2dInputGrad(dy, w, { inShape: [1, 8, 8, 2], strides: 2, pad, method: "tapmm" }),
  );
  assertMatch(e.message, /method 'tapmm'.*stride 1 only/);
  tf.dispose([dy, w]);
});

Deno.test("installTrainingKit() is idempotent and uninstallTrainingKit() restores tfjs's gradients", () => {
  uninstallTrainingKit();
  const conv = tf.getGradient("Conv2D");
  const pad = tf.getGradient("MirrorPad");
  assert(conv && pad, "tfjs's gradients are registered (lib/tf.ts)");
  installTrainingKit();
  const ours = tf.getGradient("Conv2D");
  installTrainingKit();
  assert(trainingKitInstalled());
  assertEquals(tf.getGradient("Conv2D"), ours);
  assert(ours !== conv);
  assertEquals(builtinConv2DGradient(), conv);
  assertEquals(builtinMirrorPadGradient(), pad);
  uninstallTrainingKit();
  assertEquals(tf.getGradient("Conv2D"), conv);
  assertEquals(tf.getGradient("MirrorPad"), pad);
  assert(!trainingKitInstalled());
});

Deno.test("installTrainingKit() prints no 'Overriding the gradient' warning", () => {
  uninstallTrainingKit();
  const env = tf.env();
  const [prod, debug] = [env.getBool("PROD"), env.getBool("DEBUG")];
  const warn = console.warn;
  const seen: string[] = [];
  try {
    console.warn = (...args: unknown[]) => void seen.push(args.map(String).join(" "));
    env.set("PROD", false); // tfjs's log.warn is silent in PROD
    env.set("DEBUG", true); // and only warns about overrides in DEBUG
    installTrainingKit();
  } finally {
    console.warn = warn;
    env.set("DEBUG", debug);
    env.set("PROD", prod);
  }
  assertEquals(seen.filter((m) => m.includes("Overriding")), []);
});

// --------------------------------------------------------------------------------------------
// convTranspose2d.

interface ConvTCase {
  name: string;
  x: number[];
  w: number[]; // [k, k, outC, inC]
  stride: number;
  padding: number;
  outputPadding: number;
}

const CONVT_CASES: ConvTCase[] = [
  {
    name: "3x3 s2 p1 op1 (ResNet up), batch 2",
    x: [2, 6, 5, 8],
    w: [3, 3, 4, 8],
    stride: 2,
    padding: 1,
    outputPadding: 1,
  },
  {
    name: "4x4 s2 p1 (U-Net up)",
    x: [1, 5, 6, 8],
    w: [4, 4, 6, 8],
    stride: 2,
    padding: 1,
    outputPadding: 0,
  },
];

for (const c of CONVT_CASES) {
  Deno.test(`convTranspose2d() ${c.name} matches tf.conv2dTranspose with PyTorch padding`, async () => {
    installConvGradients();
    const [k, p, op, s] = [c.w[0], c.padding, c.outputPadding, c.stride];
    const outShape: [number, number, number, number] = [
      c.x[0],
      (c.x[1] - 1) * s - 2 * p + k + op,
      (c.x[2] - 1) * s - 2 * p + k + op,
      c.w[2],
    ];
    // PyTorch's output is the input gradient of a conv with pad p on top/left and p - op on
    // the bottom/right (TF's 'same' would put the odd pixel on the other side).
    const pad: TfConvPad = [[0, 0], [p, p - op], [p, p - op], [0, 0]];
    const x = seeded(c.x, 31);
    const w = seeded(c.w, 32);
    const dy = seeded(outShape, 33);
    await tf.setBackend("cpu");
    uninstallConvGradients(); // the reference uses tfjs's own kernels and gradients
    const ref = read(...tf.tidy(() => {
      const f = (a: tf.Tensor, b: tf.Tensor) =>
        tf.conv2dTranspose(a as tf.Tensor4D, b as tf.Tensor4D, outShape, s, pad);
      const { value, grads } = tf.valueAndGrads((a: tf.Tensor, b: tf.Tensor) =>
        tf.sum(tf.mul(f(a, b), toTensor4D(dy)))
      )([toTensor4D(x), toTensor4D(w)]);
      return [f(toTensor4D(x), toTensor4D(w)), ...grads, value];
    }));
    installConvGradients();
    for (const backend of BACKENDS) {
      await tf.setBackend(backend);
      const [xt, wt, dyt] = [toTensor4D(x), toTensor4D(w), toTensor4D(dy)];
      const opts = { stride: s, padding: p, outputPadding: op };
      const [y] = noLeak("convTranspose2d", () => convTranspose2d(xt, wt, opts));
      assertClose(y, ref[0], `y ${c.name} on ${backend}`);
      const loss = (a: tf.Tensor, b: tf.Tensor) =>
        tf.sum(tf.mul(convTranspose2d(a as tf.Tensor4D, b as tf.Tensor4D, opts), dyt));
      const [dx, dw] = noLeak("tf.grads(convTranspose2d)", () => tf.grads(loss)([xt, wt]));
      assertClose(dx, ref[1], `dx ${c.name} on ${backend}`);
      assertClose(dw, ref[2], `dW ${c.name} on ${backend}`);
      tf.dispose([xt, wt, dyt]);
    }
  });
}

// --------------------------------------------------------------------------------------------
// MirrorPad gradient.

interface PadCase {
  shape: number[];
  paddings: [number, number][];
  mode: "reflect" | "symmetric";
}

const PAD_CASES: PadCase[] = [
  { shape: [1, 6, 5, 2], paddings: [[0, 0], [3, 3], [3, 3], [0, 0]], mode: "reflect" },
  { shape: [2, 4, 4, 3], paddings: [[0, 0], [1, 1], [1, 1], [0, 0]], mode: "reflect" },
  { shape: [3, 4, 5], paddings: [[2, 1], [0, 3], [1, 0]], mode: "symmetric" },
  { shape: [7], paddings: [[2, 3]], mode: "reflect" },
  { shape: [3, 4], paddings: [[3, 3], [4, 2]], mode: "symmetric" },
];

/** dx by brute force: every padded position adds its dy onto the input index it copies. */
function mirrorPadGradReference(dy: Values, c: PadCase): Values {
  const source = (i: number, n: number, before: number) => {
    const j = i - before;
    if (j < 0) return c.mode === "reflect" ? -j : -j - 1;
    if (j >= n) return c.mode === "reflect" ? 2 * (n - 1) - j : 2 * n - 1 - j;
    return j;
  };
  const out = seeded(c.shape, 0);
  out.data.fill(0);
  const rank = c.shape.length;
  const idx = new Array(rank).fill(0);
  for (let flat = 0; flat < dy.data.length; flat++) {
    let rest = flat;
    for (let a = rank - 1; a >= 0; a--) {
      idx[a] = rest % dy.shape[a];
      rest = Math.floor(rest / dy.shape[a]);
    }
    let target = 0;
    for (let a = 0; a < rank; a++) {
      target = target * c.shape[a] + source(idx[a], c.shape[a], c.paddings[a][0]);
    }
    out.data[target] += dy.data[flat];
  }
  return out;
}

for (const backend of BACKENDS) {
  Deno.test(`mirrorPadGrad() matches a brute-force reference on ${backend}`, async () => {
    await tf.setBackend(backend);
    installTrainingKit();
    for (const c of PAD_CASES) {
      const what = `${c.mode} ${JSON.stringify(c.paddings)} on [${c.shape}]`;
      const x = seeded(c.shape, 41);
      const padded = c.shape.map((n, i) => n + c.paddings[i][0] + c.paddings[i][1]);
      const dy = seeded(padded, 42);
      const expected = mirrorPadGradReference(dy, c);
      const [dyt, xt] = [tf.tensor(dy.data, dy.shape), tf.tensor(x.data, x.shape)];
      const opts = { paddings: c.paddings, mode: c.mode };
      const [direct] = noLeak("mirrorPadGrad", () => mirrorPadGrad(dyt, opts));
      assertClose(direct, expected, `mirrorPadGrad ${what}`);
      const loss = (a: tf.Tensor) => tf.sum(tf.mul(tf.mirrorPad(a, c.paddings, c.mode), dyt));
      const [viaGrad] = noLeak("tf.grad(mirrorPad)", () => tf.grad(loss)(xt));
      assertClose(viaGrad, expected, `tf.grad(mirrorPad) ${what}`);
      // mirrorPadGrad is linear; its own gradient is the adjoint, i.e. mirrorPad itself.
      const adjoint = (g: tf.Tensor) => tf.sum(tf.mul(mirrorPadGrad(g, opts), xt));
      const [again] = noLeak("tf.grad(mirrorPadGrad)", () => tf.grad(adjoint)(dyt));
      const [forward] = read(tf.mirrorPad(xt, c.paddings, c.mode));
      assertClose(again, forward, `gradient of mirrorPadGrad ${what}`);
      tf.dispose([dyt, xt]);
    }
  });
}

Deno.test("tfjs's built-in MirrorPad gradient is wrong (why we replace it)", async () => {
  await tf.setBackend("cpu");
  const c = PAD_CASES[0];
  const dy = seeded([1, 12, 11, 2], 42);
  const expected = mirrorPadGradReference(dy, c);
  const builtin = builtinMirrorPadGradient();
  assert(builtin, "tfjs's built-in MirrorPad gradient is registered (lib/tf.ts)");
  const [wrong] = read(tf.tidy(() => {
    const attrs = { paddings: c.paddings, mode: c.mode } as unknown as tf.NamedAttrMap;
    const x = tf.zeros(c.shape);
    return builtin.gradFunc(tf.tensor(dy.data, dy.shape), [x], attrs).x();
  }));
  // It slices the centre of dy and drops the reflected borders' contributions.
  const worst = Math.max(...expected.data.map((v, i) => Math.abs(v - wrong.data[i])));
  assert(worst > 0.5, `built-in MirrorPad gradient now within ${worst} of exact: re-check`);
});
