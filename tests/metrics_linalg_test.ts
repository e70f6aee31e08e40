import { assert, assertAlmostEquals, assertEquals } from "./_assert.ts";
import { Rng } from "../lib/nn/rng.ts";
import {
  choleskyPivoted,
  sqrtmPsd,
  symmetricEigen,
  traceSqrtProduct,
} from "../lib/metrics/linalg.ts";
import { kernelMode, setKernelMode } from "../lib/metrics/_kernels.ts";

/** Plain n^3 product, for checks. */
function matmul(a: Float64Array, b: Float64Array, n: number): Float64Array {
  const c = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < n; k++) {
      const aik = a[i * n + k];
      for (let j = 0; j < n; j++) c[i * n + j] += aik * b[k * n + j];
    }
  }
  return c;
}

/** Unbiased covariance of `samples` N(0, diag(scale)) draws in `n` dimensions. */
function randomCov(rng: Rng, n: number, samples: number): Float64Array {
  const x = rng.fillNormal(samples * n);
  for (let i = 0; i < x.length; i++) x[i] *= 1 + (i % n) / n;
  const mu = new Float64Array(n);
  for (let s = 0; s < samples; s++) for (let i = 0; i < n; i++) mu[i] += x[s * n + i] / samples;
  const c = new Float64Array(n * n);
  for (let s = 0; s < samples; s++) {
    for (let i = 0; i < n; i++) {
      const xi = x[s * n + i] - mu[i];
      for (let j = 0; j < n; j++) c[i * n + j] += (xi * (x[s * n + j] - mu[j])) / (samples - 1);
    }
  }
  return c;
}

/** a <- H a H for the reflection H = I - 2 v v^T / (v.v), a symmetric, O(n^2). */
function reflect(a: Float64Array, n: number, v: Float64Array): void {
  let vv = 0;
  for (const x of v) vv += x * x;
  const tau = 2 / vv, p = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let j = 0; j < n; j++) s += a[i * n + j] * v[j];
    p[i] = tau * s;
  }
  let vp = 0;
  for (let i = 0; i < n; i++) vp += v[i] * p[i];
  const w = p.map((x, i) => x - 0.5 * tau * vp * v[i]);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) a[i * n + j] -= v[i] * w[j] + w[i] * v[j];
  }
}

/** a <- Q a Q^T for Q = H_k ... H_1, the reflections of `vs` applied in order. */
function conjugate(a: Float64Array, n: number, vs: Float64Array[]): void {
  for (const v of vs) reflect(a, n, v);
}

/** Q diag(d) Q^T with Q a product of reflections (`vs`): a dense matrix of known spectrum. */
function withSpectrum(d: Float64Array, vs: Float64Array[]): Float64Array {
  const n = d.length, a = new Float64Array(n * n);
  for (let i = 0; i < n; i++) a[i * n + i] = d[i];
  conjugate(a, n, vs);
  return a;
}

/**
 * An independent reference: Tr((S1 S2)^(1/2)) by the coupled Newton-Schulz iteration on the
 * non-symmetric product (no eigen-decomposition): Y -> sqrt(A / c), Z -> inverse.
 */
function traceSqrtNewtonSchulz(s1: Float64Array, s2: Float64Array, n: number): number {
  const a = matmul(s1, s2, n);
  let c = 0;
  for (const v of a) c += v * v;
  c = Math.sqrt(c);
  let y: Float64Array = a.map((v) => v / c);
  let z: Float64Array = new Float64Array(n * n);
  for (let i = 0; i < n; i++) z[i * n + i] = 1;
  for (let it = 0; it < 60; it++) {
    const zy = matmul(z, y, n);
    const t = zy.map((v, k) => (k % (n + 1) === 0 ? 1.5 : 0) - 0.5 * v);
    y = matmul(y, t, n);
    z = matmul(t, z, n);
  }
  let tr = 0;
  for (let i = 0; i < n; i++) tr += y[i * n + i];
  return tr * Math.sqrt(c);
}

function relErr(a: number, b: number): number {
  return Math.abs(a - b) / Math.abs(b);
}

Deno.test("symmetricEigen() matches the closed form of a 2x2 and a diagonal matrix", () => {
  const { values, vectors } = symmetricEigen(Float64Array.of(2, 1, 1, 2), 2, { vectors: true });
  assertAlmostEquals(values[0], 1, 1e-15);
  assertAlmostEquals(values[1], 3, 1e-15);
  assertAlmostEquals(Math.abs(vectors![2] + vectors![3]), Math.SQRT2, 1e-15);
  const diag = symmetricEigen(Float64Array.of(5, 0, 0, 0, -1, 0, 0, 0, 2), 3).values;
  assertEquals(Array.from(diag), [-1, 2, 5]);
  assertEquals(Array.from(symmetricEigen(Float64Array.of(7), 1).values), [7]);
});

Deno.test("symmetricEigen() gives orthonormal eigenvectors with small residuals, wasm and js", () => {
  const n = 60, a = randomCov(new Rng(1), n, 40); // rank 39: a zero eigenvalue cluster
  const results = (["js", "wasm"] as const).map((mode) => {
    const prev = setKernelMode(mode);
    try {
      return symmetricEigen(a, n, { vectors: true });
    } finally {
      setKernelMode(prev);
    }
  });
  for (const { values, vectors } of results) {
    const v = vectors!;
    let residual = 0, ortho = 0;
    for (let k = 0; k < n; k++) {
      for (let i = 0; i < n; i++) {
        let s = 0;
        for (let j = 0; j < n; j++) s += a[i * n + j] * v[k * n + j];
        residual = Math.max(residual, Math.abs(s - values[k] * v[k * n + i]));
      }
      for (let l = 0; l < n; l++) {
        let s = 0;
        for (let j = 0; j < n; j++) s += v[k * n + j] * v[l * n + j];
        ortho = Math.max(ortho, Math.abs(s - (k === l ? 1 : 0)));
      }
    }
    assert(residual < 1e-13, `residual ${residual}`);
    assert(ortho < 1e-13, `orthogonality ${ortho}`);
    for (let k = 1; k < n; k++) assert(values[k] >= values[k - 1], "ascending");
  }
  for (let k = 0; k < n; k++) {
    assertAlmostEquals(results[0].values[k], results[1].values[k], 1e-13);
  }
  assert(kernelMode() === "wasm", "WebAssembly SIMD kernels are available in Deno");
});

Deno.test("sqrtmPsd() squares back to the matrix", () => {
  const n = 30, a = randomCov(new Rng(2), n, 50);
  const s = sqrtmPsd(a, n), ss = matmul(s, s, n);
  for (let i = 0; i < n * n; i++) assertAlmostEquals(ss[i], a[i], 1e-13);
});

Deno.test("choleskyPivoted() finds the rank and reconstructs the matrix", () => {
  const n = 40, a = randomCov(new Rng(3), n, 11); // rank 10
  const { l, perm, rank } = choleskyPivoted(a, n);
  assertEquals(rank, 10);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let k = 0; k < rank; k++) s += l[i * n + k] * l[j * n + k];
      assertAlmostEquals(s, a[perm[i] * n + perm[j]], 1e-13);
    }
  }
});

Deno.test("traceSqrtProduct() matches closed forms: diagonal, commuting, identical", () => {
  // Diagonal: sum sqrt(a_i b_i).
  const d1 = Float64Array.of(1, 4, 9, 0.25), d2 = Float64Array.of(4, 1, 16, 1);
  const diag = (d: Float64Array) => withSpectrum(d, []);
  assertAlmostEquals(traceSqrtProduct(diag(d1), diag(d2), 4).value, 2 + 2 + 12 + 0.5, 1e-14);
  // Commuting: the same eigenbasis (dense, from reflections), spectra d1 and d2.
  const rng = new Rng(4), n = 50;
  const vs = [0, 1, 2].map(() => Float64Array.from(rng.fillNormal(n)));
  const e1 = Float64Array.from(rng.fillUniform(n), (u) => 0.1 + u);
  const e2 = Float64Array.from(rng.fillUniform(n), (u) => 0.1 + 3 * u);
  let want = 0;
  for (let i = 0; i < n; i++) want += Math.sqrt(e1[i] * e2[i]);
  const got = traceSqrtProduct(withSpectrum(e1, vs), withSpectrum(e2, vs), n);
  assert(relErr(got.value, want) < 1e-13, `commuting: ${got.value} vs ${want}`);
  // Identical: Tr((S S)^(1/2)) = Tr(S), also when S is rank-deficient.
  const s = randomCov(rng, n, 20);
  let tr = 0;
  for (let i = 0; i < n; i++) tr += s[i * n + i];
  const same = traceSqrtProduct(s, s, n);
  assertEquals(same.rank, 19);
  assert(relErr(same.value, tr) < 1e-12, `identical: ${same.value} vs ${tr}`);
});

Deno.test("traceSqrtProduct() agrees with an independent Newton-Schulz reference", () => {
  const rng = new Rng(5);
  // Full-rank products only: the iteration also inverts, so it diverges on singular ones (the
  // rank-deficient case is checked against scipy in metrics_fid_test.ts).
  for (const [n, samples] of [[24, 80], [64, 200], [64, 70]]) {
    const s1 = randomCov(rng, n, samples), s2 = randomCov(rng, n, samples + 13);
    const got = traceSqrtProduct(s1, s2, n).value, want = traceSqrtNewtonSchulz(s1, s2, n);
    assert(relErr(got, want) < 1e-11, `n=${n}, N=${samples}: ${got} vs ${want}`);
    const sym = traceSqrtProduct(s2, s1, n).value;
    assert(relErr(sym, got) < 1e-10, `symmetric in its arguments: ${sym} vs ${got}`);
  }
});

Deno.test("traceSqrtProduct() at 2048-d: random non-commuting pair with a known trace", () => {
  // S1 = Q diag(d) Q^T and S2 = S1^(-1/2) M^2 S1^(-1/2) with M = R diag(m) R^T: then
  // S1^(1/2) S2 S1^(1/2) = M^2, so Tr((S1 S2)^(1/2)) = Tr(M) = sum(m), while S1 and S2 do not
  // commute (Q and R are different random products of reflections).
  const n = 2048, rng = new Rng(6);
  const dq = Float64Array.from(rng.fillUniform(n), (u) => 0.2 + 2 * u);
  const dm = Float64Array.from(rng.fillUniform(n), (u) => 0.1 + u);
  const q = [0, 1, 2, 3].map(() => Float64Array.from(rng.fillNormal(n)));
  const r = [0, 1, 2, 3].map(() => Float64Array.from(rng.fillNormal(n)));
  const s1 = withSpectrum(dq, q);
  const s2 = withSpectrum(dm.map((v) => v * v), r); // M^2
  conjugate(s2, n, [...q].reverse()); // Q^T M^2 Q
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) s2[i * n + j] /= Math.sqrt(dq[i] * dq[j]); // D^(-1/2) . D^(-1/2)
  }
  conjugate(s2, n, q); // Q (.) Q^T
  const want = dm.reduce((s, v) => s + v, 0);
  const t0 = performance.now();
  const got = traceSqrtProduct(s1, s2, n);
  const seconds = (performance.now() - t0) / 1000;
  console.log(`  2048-d Tr((S1 S2)^(1/2)): ${seconds.toFixed(2)} s (benchmark, not asserted)`);
  assertEquals(got.rank, n);
  assert(relErr(got.value, want) < 1e-9, `${got.value} vs ${want}`);
});

Deno.test("the WebAssembly kernels compute what the TypeScript kernels compute", async () => {
  const { JS_KERNELS, workspace } = await import("../lib/metrics/_kernels.ts");
  const rng = new Rng(7);
  const ws = workspace(60000, 64);
  assert(ws.kernels !== JS_KERNELS, "wasm workspace");
  const fill = (len: number) => {
    const a = ws.f64(len);
    a.set(rng.fillNormal(len));
    return a;
  };
  const close = (a: ArrayLike<number>, b: ArrayLike<number>, what: string) => {
    for (let i = 0; i < a.length; i++) {
      assert(Math.abs(a[i] - b[i]) <= 1e-12 * (1 + Math.abs(b[i])), `${what}[${i}]`);
    }
  };
  const w = ws.kernels, js = JS_KERNELS;
  for (const len of [0, 1, 2, 7, 64, 101]) {
    const a = fill(9 * 128), x = fill(128);
    assertAlmostEquals(w.dot(a, 3, x, 1, len), js.dot(a, 3, x, 1, len), 1e-12);
    const o1 = ws.f64(9), o2 = new Float64Array(9);
    w.dots(a, 5, 128, 9, x, 2, len, o1, 0);
    js.dots(a, 5, 128, 9, x, 2, len, o2, 0);
    close(o1, o2, `dots len ${len}`);
  }
  // gemmNT across the cache blocks (len > 256, n > 64) and the 4x2 / 4x1 / 1x1 edges.
  const m = 7, n = 67, len = 301;
  const a = fill(m * 310), b = fill(n * 305);
  const c1 = ws.f64(m * 70), c2 = new Float64Array(m * 70);
  w.gemmNT(a, 2, 310, m, b, 1, 305, n, len, c1, 1, 70);
  js.gemmNT(a, 2, 310, m, b, 1, 305, n, len, c2, 1, 70);
  close(c1, c2, "gemmNT");
  // symvPass over a packed lower triangle of 9 rows (odd and even row lengths).
  const rows = 9, packed = (rows * (rows + 1)) / 2;
  const t1 = fill(packed), v = fill(rows), wv = fill(rows), vp = fill(rows);
  const t2 = Float64Array.from(t1);
  const p1 = ws.f64(rows), p2 = new Float64Array(rows);
  w.symvPass(t1, v, 0, wv, vp, 0, p1, rows);
  js.symvPass(t2, v, 0, wv, vp, 0, p2, rows);
  close(t1, t2, "symvPass rows");
  close(p1, p2, "symvPass p");
});
