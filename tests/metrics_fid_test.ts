import { assert, assertAlmostEquals, assertEquals, assertMatch, assertThrows } from "./_assert.ts";
import { Rng } from "../lib/nn/rng.ts";
import { featureMatrix, MetricError } from "../lib/metrics/features.ts";
import {
  featureStats,
  fidOfFeatures,
  frechetDistance,
  type GaussianStats,
} from "../lib/metrics/fid.ts";
import { kernelDistance } from "../lib/metrics/kid.ts";
import { encodeNpy } from "../lib/metrics/npy.ts";
import { findPython, needs } from "./_deps.ts";

/** `n` samples of `d` features: N(shift, scale_i^2) per dimension, dims correlated in pairs. */
function gaussianSet(rng: Rng, n: number, d: number, shift = 0) {
  const x = rng.fillNormal(n * d);
  for (let r = 0; r < n; r++) {
    for (let c = d - 1; c >= 1; c--) x[r * d + c] += 0.5 * x[r * d + c - 1];
    for (let c = 0; c < d; c++) x[r * d + c] = x[r * d + c] * (1 + c / d) + shift;
  }
  return featureMatrix(x, n, d);
}

function diagonalStats(mu: number[], variances: number[], n = 1000): GaussianStats {
  const d = mu.length, sigma = new Float64Array(d * d);
  variances.forEach((v, i) => (sigma[i * d + i] = v));
  return { n, dims: d, mu: Float64Array.from(mu), sigma };
}

Deno.test("featureStats() gives the mean and the unbiased (N-1) covariance", () => {
  // Rows (1, 2), (3, 6), (5, 4): mean (3, 4); centred (-2,-2), (0,2), (2,0).
  const s = featureStats(featureMatrix(Float32Array.of(1, 2, 3, 6, 5, 4), 3, 2));
  assertEquals(Array.from(s.mu), [3, 4]);
  assertEquals(Array.from(s.sigma), [4, 2, 2, 4]); // [[8, 4], [4, 8]] / 2
  assertEquals([s.n, s.dims], [3, 2]);
});

Deno.test("frechetDistance() of diagonal Gaussians is |dmu|^2 + sum (sqrt s1 - sqrt s2)^2", () => {
  const a = diagonalStats([0, 1, 2], [1, 4, 9]);
  const b = diagonalStats([1, 1, 0], [4, 4, 1]);
  const want = (1 + 0 + 4) + ((1 - 2) ** 2 + 0 + (3 - 1) ** 2);
  const r = frechetDistance(a, b);
  assertAlmostEquals(r.fid, want, 1e-12);
  assertAlmostEquals(r.meanTerm, 5, 1e-15);
  assertEquals([r.offset, r.rank, r.dims], [0, 3, 3]);
  assertEquals(r.warnings, []);
});

Deno.test("fidOfFeatures(): identical sets give 0, and it is symmetric and non-negative", () => {
  const rng = new Rng(1);
  for (const [n, d] of [[50, 8], [30, 64]]) {
    const a = gaussianSet(rng, n, d), b = gaussianSet(rng, n + 7, d, 0.2);
    const same = fidOfFeatures(a, a);
    let trace = 0;
    const s = featureStats(a);
    for (let i = 0; i < d; i++) trace += s.sigma[i * d + i];
    assert(same.fid <= 1e-10 * trace, `FID(a, a) = ${same.fid}`);
    const ab = fidOfFeatures(a, b).fid, ba = fidOfFeatures(b, a).fid;
    assert(ab > 0, "different sets are apart");
    // With N < D the two orders solve eigenproblems of different sizes (rank of the first
    // covariance), equal up to the rounding noise of the null space.
    const tol = n > d ? 1e-10 : 1e-7;
    assert(Math.abs(ab - ba) <= tol * ab, `symmetric: ${ab} vs ${ba}`);
  }
});

Deno.test("fidOfFeatures() translates a shift into the mean term exactly", () => {
  const rng = new Rng(2);
  const a = featureMatrix(Float64Array.from(gaussianSet(rng, 40, 5).data), 40, 5);
  const b = featureMatrix(a.data.map((v, i) => v + (i % 5 === 0 ? 3 : 0)), 40, 5);
  const r = fidOfFeatures(a, b);
  assertAlmostEquals(r.meanTerm, 9, 1e-12);
  assertAlmostEquals(r.fid, 9, 1e-9);
});

Deno.test("fidOfFeatures() warns when there are fewer samples than dimensions", () => {
  const rng = new Rng(3);
  const r = fidOfFeatures(gaussianSet(rng, 20, 32), gaussianSet(rng, 40, 32));
  assertEquals(r.warnings.length, 1);
  assertMatch(r.warnings[0], /set A has N = 20 samples < D = 32 .*KID/);
  assertEquals(r.rank, 19);
  assertEquals(fidOfFeatures(gaussianSet(rng, 40, 8), gaussianSet(rng, 40, 8)).warnings, []);
});

Deno.test("fidOfFeatures() rejects too few samples, NaN/Inf and mismatched dimensions", () => {
  const ok = featureMatrix(new Float32Array(12).map((_, i) => i * i), 4, 3);
  let e = assertThrows(() => fidOfFeatures(featureMatrix(Float32Array.of(1, 2, 3), 1, 3), ok));
  assertMatch(e.message, /set A has 1 sample; at least 2/);
  e = assertThrows(() => fidOfFeatures(ok, featureMatrix(new Float32Array(8), 4, 2)), MetricError);
  assertMatch(e.message, /feature dimensions differ: A has 3, B has 2/);
  const nan = Float64Array.from(ok.data);
  nan[7] = NaN;
  e = assertThrows(() => fidOfFeatures(ok, featureMatrix(nan, 4, 3)), MetricError);
  assertMatch(e.message, /set B has a non-finite feature \(NaN\) at sample 2, dim 1/);
  const inf = Float32Array.from(ok.data);
  inf[0] = Infinity;
  assertThrows(() => fidOfFeatures(featureMatrix(inf, 4, 3), ok), MetricError);
});

/** Whether python3 with numpy and scipy runs here (the reference implementation). */
// Debian's python3 first (where .ci/run installs python3-numpy and python3-scipy).
const scipy = await findPython(["numpy", "scipy.linalg"]);

// pytorch-fid's calculate_frechet_distance (scipy sqrtm of the product, 1e-6 I fallback, real
// part) and clean-fid's kernel_distance formula on whole sets, run on the same .npy files.
const REFERENCE_PY = `
import json, sys, numpy as np, scipy.linalg as la
out = []
for a_path, b_path in zip(sys.argv[1::2], sys.argv[2::2]):
    a = np.load(a_path).astype(np.float64); b = np.load(b_path).astype(np.float64)
    mu1, mu2 = a.mean(0), b.mean(0)
    s1, s2 = np.cov(a, rowvar=False), np.cov(b, rowvar=False)
    covmean = la.sqrtm(s1.dot(s2))
    if not np.isfinite(covmean).all():
        off = np.eye(s1.shape[0]) * 1e-6
        covmean = la.sqrtm((s1 + off).dot(s2 + off))
    covmean = np.real(covmean)
    diff = mu1 - mu2
    fid = diff.dot(diff) + np.trace(s1) + np.trace(s2) - 2 * np.trace(covmean)
    m, d = min(len(a), len(b)), a.shape[1]
    x, y = a[:m], b[:m]
    t = ((x @ x.T / d + 1) ** 3 + (y @ y.T / d + 1) ** 3)
    kid = (t.sum() - np.diag(t).sum()) / (m * (m - 1)) - 2 * ((x @ y.T / d + 1) ** 3).sum() / m**2
    out.append({"fid": float(fid), "kid": float(kid)})
print(json.dumps(out))
`;

Deno.test(needs(scipy.missing, {
  name: "fidOfFeatures() and kernelDistance() agree with scipy/numpy references",
  async fn() {
    const rng = new Rng(4);
    const dir = await Deno.makeTempDir({ prefix: "cyclebench_fid_" });
    try {
      // Full rank, rank-deficient (N < D) and equal-sized sets (KID over the whole sets).
      const cases: [number, number, number][] = [[300, 250, 64], [100, 120, 256], [90, 90, 32]];
      const args: string[] = [];
      const sets = cases.map(([na, nb, d], i) => {
        const a = gaussianSet(rng, na, d), b = gaussianSet(rng, nb, d, 0.1);
        const pa = `${dir}/a${i}.npy`, pb = `${dir}/b${i}.npy`;
        Deno.writeFileSync(pa, encodeNpy(a)); // <f4
        Deno.writeFileSync(pb, encodeNpy(b, { dtype: ">f8" })); // big-endian float64
        args.push(pa, pb);
        return [a, b];
      });
      const r = await new Deno.Command(scipy.path!, { args: ["-c", REFERENCE_PY, ...args] })
        .output();
      assert(r.success, new TextDecoder().decode(r.stderr));
      const ref = JSON.parse(new TextDecoder().decode(r.stdout)) as { fid: number; kid: number }[];
      sets.forEach(([a, b], i) => {
        const fid = fidOfFeatures(a, b).fid;
        assert(
          Math.abs(fid - ref[i].fid) <= 1e-6 * ref[i].fid,
          `case ${i}: ${fid} vs ${ref[i].fid}`,
        );
        const m = Math.min(a.rows, b.rows);
        if (a.rows === b.rows) {
          // One subset of all rows: the estimate does not depend on their order.
          const kid = kernelDistance(a, b, { subsets: 1, subsetSize: m }).mean;
          assert(
            Math.abs(kid - ref[i].kid) <= 1e-9 * Math.abs(ref[i].kid),
            `KID ${kid} vs ${ref[i].kid}`,
          );
        }
      });
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
}));

Deno.test("frechetDistance() rejects statistics with NaN or Inf", () => {
  const good = diagonalStats([0, 1], [1, 2]);
  const bad = { ...good, sigma: Float64Array.of(1, 0, 0, NaN) };
  assertMatch(assertThrows(() => frechetDistance(good, bad), MetricError).message, /set B .*NaN/);
});
