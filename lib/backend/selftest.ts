/**
 * Backend self-checks shared by the tests and the GPU check script: a small conv net with every
 * kind of layer a CycleGAN generator uses, trained a few Adam steps from a fixed seed, whose
 * losses must agree across backends; and convolution forward/gradient agreement with the cpu
 * backend for the configurations the model zoo uses.
 * @module
 */
import { tf } from "../tf.ts";
import { type BackendName, selectBackend } from "./mod.ts";
import { convTranspose2d } from "./kernels/mod.ts";

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

/**
 * Trains the small net `steps` Adam steps on `backend` (reflection pad, strided conv,
 * instance-norm-style moments, transposed conv, tanh; L1 + L2 loss) from a fixed seed. Returns
 * the losses and the tensor count after each step.
 */
export async function smallNetLosses(
  backend: BackendName,
  steps = 3,
): Promise<{ losses: number[]; counts: number[] }> {
  await selectBackend(backend);
  const p = makeParams();
  const x = tf.randomUniform([1, 16, 16, 3], -1, 1, "float32", 7) as tf.Tensor4D;
  const target = tf.randomUniform([1, 16, 16, 3], -1, 1, "float32", 8) as tf.Tensor4D;
  const opt = tf.train.adam(2e-3, 0.5, 0.999);
  const losses: number[] = [];
  const counts: number[] = [];
  for (let step = 0; step < steps; step++) {
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

/** Largest relative difference between two loss curves (relative to the reference). */
export function maxRelativeDiff(a: number[], ref: number[]): number {
  return Math.max(
    ...a.map((v, i) => Math.abs(v - ref[i]) / Math.max(Math.abs(ref[i]), 1e-12)),
  );
}

/** One convolution configuration of the model zoo. */
export interface ConvCase {
  name: string;
  x: [number, number, number, number];
  w: [number, number, number, number];
  stride: number;
  pad: "same" | "valid" | number;
  /** A transposed convolution (PyTorch semantics) instead of a forward one. */
  transpose?: { padding: number; outputPadding: number };
}

/** The convolution shapes CycleGAN's networks use, at a small size. */
export const CONV_CASES: readonly ConvCase[] = [
  { name: "7x7 valid 3->8", x: [1, 22, 22, 3], w: [7, 7, 3, 8], stride: 1, pad: "valid" },
  { name: "3x3 s2 p1 8->16", x: [1, 16, 16, 8], w: [3, 3, 8, 16], stride: 2, pad: 1 },
  { name: "3x3 s1 same 16->16", x: [2, 8, 8, 16], w: [3, 3, 16, 16], stride: 1, pad: "same" },
  { name: "4x4 s2 p1 3->8", x: [1, 16, 16, 3], w: [4, 4, 3, 8], stride: 2, pad: 1 },
  { name: "4x4 s1 p1 8->1", x: [1, 9, 9, 8], w: [4, 4, 8, 1], stride: 1, pad: 1 },
  { name: "1x1 s1 8->4", x: [1, 8, 8, 8], w: [1, 1, 8, 4], stride: 1, pad: "valid" },
  // A residual-block convolution from 128 px up (3x3, stride 1, >= 32x32 outputs): the native
  // backend runs it as Winograd F(4x4, 3x3).
  { name: "3x3 valid 32->32 34px", x: [1, 34, 34, 32], w: [3, 3, 32, 32], stride: 1, pad: "valid" },
  {
    name: "convT 3x3 s2 p1 op1 16->8",
    x: [1, 8, 8, 16],
    w: [3, 3, 8, 16],
    stride: 2,
    pad: 1,
    transpose: { padding: 1, outputPadding: 1 },
  },
  {
    name: "convT 4x4 s2 p1 16->8",
    x: [1, 8, 8, 16],
    w: [4, 4, 8, 16],
    stride: 2,
    pad: 1,
    transpose: { padding: 1, outputPadding: 0 },
  },
];

/** y, dL/dx and dL/dW of one case on the active backend (L = sum(y * r), r fixed). */
async function convResults(c: ConvCase): Promise<Float32Array[]> {
  const x = tf.randomNormal(c.x, 0, 1, "float32", 11) as tf.Tensor4D;
  const w = tf.randomNormal(c.w, 0, 0.3, "float32", 12) as tf.Tensor4D;
  const f = (xx: tf.Tensor4D, ww: tf.Tensor4D): tf.Tensor4D => {
    if (c.transpose) return convTranspose2d(xx, ww, { stride: c.stride, ...c.transpose });
    const pad = typeof c.pad === "number"
      ? [[0, 0], [c.pad, c.pad], [c.pad, c.pad], [0, 0]] as [
        [number, number],
        [number, number],
        [number, number],
        [number, number],
      ]
      : c.pad;
    return tf.conv2d(xx, ww, c.stride, pad);
  };
  const y = f(x, w);
  const r = tf.randomNormal(y.shape, 0, 1, "float32", 13);
  const [dx, dw] = tf.grads((a: tf.Tensor, b: tf.Tensor) =>
    tf.sum(tf.mul(f(a as tf.Tensor4D, b as tf.Tensor4D), r))
  )([x, w]);
  const out: Float32Array[] = [];
  for (const t of [y, dx, dw]) out.push(await t.data() as Float32Array);
  tf.dispose([x, w, y, r, dx, dw]);
  return out;
}

/**
 * For each case: max |backend - cpu| / max |cpu| over y, dx and dW. The cpu numbers use the
 * same code path (our kernels on cpu); the foundation tests compare those with tfjs's own.
 */
export async function convAgreement(
  backend: BackendName,
): Promise<{ name: string; y: number; dx: number; dw: number }[]> {
  await selectBackend("cpu");
  const ref: Float32Array[][] = [];
  for (const c of CONV_CASES) ref.push(await convResults(c));
  await selectBackend(backend);
  const rows = [];
  for (let i = 0; i < CONV_CASES.length; i++) {
    const got = await convResults(CONV_CASES[i]);
    const rel = (k: number) => {
      let err = 0;
      let mag = 0;
      for (let j = 0; j < ref[i][k].length; j++) {
        err = Math.max(err, Math.abs(got[k][j] - ref[i][k][j]));
        mag = Math.max(mag, Math.abs(ref[i][k][j]));
      }
      return err / Math.max(mag, 1e-12);
    };
    rows.push({ name: CONV_CASES[i].name, y: rel(0), dx: rel(1), dw: rel(2) });
  }
  return rows;
}
