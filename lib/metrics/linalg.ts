/**
 * The float64 linear algebra FID needs, written out in TypeScript: a diagonally pivoted
 * Cholesky factorisation, Householder tridiagonalisation, the implicit symmetric QR iteration
 * (eigenvalues, and eigenvectors when asked), and from them the trace of the square root of a
 * product of two covariance matrices, `Tr((S1 S2)^(1/2))`.
 *
 * Matrices are dense, square and row-major in a `Float64Array` (`a[i * n + j]`). Inputs are
 * never modified.
 *
 * ```ts
 * import { symmetricEigen, traceSqrtProduct } from "./linalg.ts";
 * const s1 = Float64Array.of(2, 0, 0, 8), s2 = Float64Array.of(8, 0, 0, 2);
 * traceSqrtProduct(s1, s2, 2).value;            // 8 = sqrt(16) + sqrt(16)
 * symmetricEigen(Float64Array.of(2, 1, 1, 2), 2).values; // Float64Array [1, 3]
 * ```
 * @module
 */
import { JS_KERNELS, type Workspace, workspace } from "./_kernels.ts";

/** Machine epsilon of float64. */
const EPS = 2 ** -52;

/** Rows per matrix-product call in `traceSqrtProduct` (a few wasted products on zeros). */
const BLOCK = 64;

/** The eigenvalues (ascending) and, when asked for, the eigenvectors of a symmetric matrix. */
export interface SymmetricEigen {
  /** Eigenvalues in ascending order. */
  values: Float64Array;
  /** Row `j` (`vectors[j * n .. j * n + n]`) is the unit eigenvector of `values[j]`. */
  vectors?: Float64Array;
}

/** Options of {@link symmetricEigen}. */
export interface SymmetricEigenOptions {
  /** Also compute the eigenvectors (about 4x the work; default false). */
  vectors?: boolean;
}

/** The eigen-iteration did not converge: the input holds NaN/Inf or is pathological. */
export class ConvergenceError extends Error {
  /**
   * A convergence failure.
   * @param message What did not converge and after how many iterations.
   */
  constructor(message: string) {
    super(message);
    this.name = "ConvergenceError";
  }
}

function checkSquare(what: string, a: Float64Array, n: number): void {
  if (!Number.isInteger(n) || n < 1 || a.length !== n * n) {
    throw new RangeError(
      `${what}: expected an ${n}x${n} matrix (${n * n} values), got ${a.length}`,
    );
  }
}

/** Start of row `i` of a packed lower triangle (row i holds its i + 1 entries up to the diagonal). */
function packedRow(i: number): number {
  return (i * (i + 1)) / 2;
}

/** The lower triangle of the symmetric `n` x `n` matrix `a`, packed by rows into `out`. */
function packLower(a: Float64Array, n: number, out: Float64Array): Float64Array {
  for (let i = 0; i < n; i++) out.set(a.subarray(i * n, i * n + i + 1), packedRow(i));
  return out;
}

/**
 * Reduces the symmetric matrix whose lower triangle is packed by rows in `a` (`m` x `m`, a
 * workspace array, overwritten) to tridiagonal form `T = Z A Z^T` by Householder reflections,
 * rows from the last to the first, so that each reflection works on contiguous row prefixes.
 * Returns the diagonal `d` and the sub-diagonal `e` (`e[i]` couples `i - 1` and `i`;
 * `e[0] = 0`). With `vectors`, also returns `Z` (orthogonal, row-major), so that
 * `A = Z^T T Z`.
 *
 * Step `i` reflects `x = A[i][0..i)` onto `alpha e_{i-1}` with `H = I - tau v v^T` and updates
 * the leading block, `B <- H B H = B - v w^T - w v^T` where `p = tau B v` and
 * `w = p - (tau / 2)(v.p) v`. The rank-2 update of step `i` is delayed and done row by row in
 * the same pass that forms `p` for step `i - 1` (the `symvPass` kernel), so the block is read
 * and written once per step instead of read twice and written once.
 */
function tridiagonalize(
  ws: Workspace,
  a: Float64Array,
  m: number,
  vectors: boolean,
): { d: Float64Array; e: Float64Array; z?: Float64Array } {
  const k = ws.kernels;
  const d = ws.f64(m), e = ws.f64(m), taus = ws.f64(m), p = ws.f64(m), zeros = ws.f64(m);
  let w = ws.f64(m), wPending = ws.f64(m);
  // The delayed update: B -= v w^T + w v^T with v in row `pending` and w in `wPending`.
  let pending = -1;
  const updateRow = (j: number) => {
    const pv = packedRow(pending), rj = packedRow(j);
    k.axpy(a, rj, -a[pv + j], wPending, 0, j + 1);
    k.axpy(a, rj, -wPending[j], a, pv, j + 1);
  };
  for (let i = m - 1; i >= 1; i--) {
    const row = packedRow(i); // a[row + j], j < i: the part of row i left of the diagonal
    if (pending >= 0) updateRow(i);
    d[i] = a[row + i];
    let sq = 0;
    for (let j = 0; j < i - 1; j++) sq += a[row + j] * a[row + j];
    const last = a[row + i - 1];
    if (sq === 0) {
      // Already tridiagonal in this row: no reflection; finish the delayed update.
      e[i] = last;
      if (pending >= 0) { for (let j = 0; j < i; j++) updateRow(j); }
      pending = -1;
      continue;
    }
    const norm = Math.sqrt(sq + last * last);
    const alpha = last > 0 ? -norm : norm; // the sign that avoids cancellation in v_{i-1}
    a[row + i - 1] = last - alpha;
    const tau = 2 / (sq + a[row + i - 1] * a[row + i - 1]);
    e[i] = alpha;
    taus[i] = tau;
    // One pass over rows j < i of the block: finish the delayed update of row j, then add
    // its part of B v to p. Without a pending update, the update vectors are zeros.
    p.fill(0, 0, i);
    if (pending >= 0) k.symvPass(a, a, row, wPending, a, packedRow(pending), p, i);
    else k.symvPass(a, a, row, zeros, zeros, 0, p, i);
    let vp = 0;
    for (let j = 0; j < i; j++) {
      p[j] *= tau;
      vp += a[row + j] * p[j];
    }
    const half = 0.5 * tau * vp;
    for (let j = 0; j < i; j++) w[j] = p[j] - half * a[row + j];
    [w, wPending] = [wPending, w];
    pending = i;
  }
  d[0] = a[0];
  if (!vectors) return { d, e };
  // Z = H_2 H_3 ... H_{m-1} (H_i acts on indices < i), accumulated in ascending order so
  // that after H_i only the leading i x i block of Z differs from the identity.
  const z = ws.f64(m * m);
  for (let i = 0; i < m; i++) z[i * m + i] = 1;
  const zv = ws.f64(m);
  for (let i = 2; i < m; i++) {
    const tau = taus[i];
    if (tau === 0) continue;
    const row = packedRow(i);
    for (let r = 0; r < i; r++) zv[r] = tau * k.dot(z, r * m, a, row, i);
    for (let r = 0; r < i; r++) k.axpy(z, r * m, -zv[r], a, row, i);
  }
  return { d, e, z };
}

/**
 * Diagonalises the symmetric tridiagonal matrix (`d`, `e`; overwritten: `d` ends up holding
 * the eigenvalues, unsorted) by the implicit QR iteration with Wilkinson shifts (Golub and Van
 * Loan, "Matrix Computations", algorithm 8.3.2): each step chases a bulge down the active block
 * with Givens rotations; an off-diagonal entry below `eps (|d_{i-1}| + |d_i|)` splits the
 * problem. With `z`, every rotation is also applied to the rows of `z`.
 */
function tridiagonalQr(d: Float64Array, e: Float64Array, z?: Float64Array): void {
  const m = d.length;
  const small = (i: number) => Math.abs(e[i]) <= EPS * (Math.abs(d[i - 1]) + Math.abs(d[i]));
  const maxSteps = 30 * m;
  let steps = 0;
  let hi = m - 1;
  while (hi > 0) {
    if (small(hi)) {
      e[hi] = 0;
      hi--;
      continue;
    }
    let lo = hi - 1;
    while (lo > 0 && !small(lo)) lo--;
    if (lo > 0) e[lo] = 0;
    if (++steps > maxSteps) {
      throw new ConvergenceError(
        `symmetric QR iteration did not converge after ${maxSteps} steps (n = ${m})`,
      );
    }
    // Wilkinson shift: the eigenvalue of the trailing 2x2 block closer to d[hi].
    const delta = (d[hi - 1] - d[hi]) / 2;
    const eh = e[hi];
    const denom = delta + (delta >= 0 ? 1 : -1) * Math.hypot(delta, eh);
    const mu = d[hi] - (denom === 0 ? 0 : (eh * eh) / denom);
    let x = d[lo] - mu, y = e[lo + 1];
    for (let k = lo; k < hi; k++) {
      // Rotation in the plane (k, k+1) that zeroes y against x: (x, y) is the first column
      // of T - mu I at k = lo, and (e[k], bulge) after that.
      const r = Math.sqrt(x * x + y * y);
      const c = r === 0 ? 1 : x / r, s = r === 0 ? 0 : y / r;
      if (k > lo) e[k] = r;
      const a = d[k], b = d[k + 1], f = e[k + 1];
      d[k] = c * c * a + 2 * c * s * f + s * s * b;
      d[k + 1] = s * s * a - 2 * c * s * f + c * c * b;
      e[k + 1] = c * s * (b - a) + (c * c - s * s) * f;
      if (k + 1 < hi) {
        const g = e[k + 2];
        y = s * g; // the bulge at (k, k+2)
        e[k + 2] = c * g;
        x = e[k + 1];
      }
      if (z) rotateRows(z, m, k, c, s);
    }
  }
}

function rotateRows(z: Float64Array, m: number, k: number, c: number, s: number): void {
  const r0 = k * m, r1 = r0 + m;
  for (let j = 0; j < m; j++) {
    const u = z[r0 + j], v = z[r1 + j];
    z[r0 + j] = c * u + s * v;
    z[r1 + j] = c * v - s * u;
  }
}

/**
 * Eigenvalues (ascending) and optionally eigenvectors of the symmetric `n` x `n` matrix `a`
 * (only its lower triangle is read). Householder tridiagonalisation, then implicit QR with
 * Wilkinson shifts. Throws {@link ConvergenceError} if the iteration does not converge
 * (NaN/Inf in the input).
 *
 * ```ts
 * const { values, vectors } = symmetricEigen(Float64Array.of(2, 1, 1, 2), 2, { vectors: true });
 * // values [1, 3]; vectors rows: ±[0.707, -0.707], ±[0.707, 0.707]
 * ```
 */
export function symmetricEigen(
  a: Float64Array,
  n: number,
  options: SymmetricEigenOptions = {},
): SymmetricEigen {
  checkSquare("symmetricEigen", a, n);
  const ws = workspace(n * (n + 1) / 2 + (options.vectors ? n * n : 0) + 10 * n);
  const work = packLower(a, n, ws.f64(packedRow(n)));
  const { d, e, z } = tridiagonalize(ws, work, n, options.vectors ?? false);
  tridiagonalQr(d, e, z);
  const order = Array.from(d.keys()).sort((i, j) => d[i] - d[j]);
  const values = Float64Array.from(order, (i) => d[i]);
  if (!z) return { values };
  const vectors = new Float64Array(n * n);
  order.forEach((src, dst) => vectors.set(z.subarray(src * n, src * n + n), dst * n));
  return { values, vectors };
}

/**
 * The principal square root of a symmetric positive semi-definite matrix, `V diag(sqrt(l)) V^T`
 * from {@link symmetricEigen}; eigenvalues below zero (rounding) are taken as zero.
 *
 * ```ts
 * sqrtmPsd(Float64Array.of(4, 0, 0, 9), 2); // [2, 0, 0, 3]
 * ```
 */
export function sqrtmPsd(a: Float64Array, n: number): Float64Array {
  const { values, vectors } = symmetricEigen(a, n, { vectors: true });
  const v = vectors!;
  const out = new Float64Array(n * n);
  const scaled = new Float64Array(n);
  for (let k = 0; k < n; k++) {
    const root = Math.sqrt(Math.max(values[k], 0));
    if (root === 0) continue;
    const vk = k * n;
    for (let j = 0; j < n; j++) scaled[j] = root * v[vk + j];
    for (let i = 0; i < n; i++) {
      const f = v[vk + i];
      if (f !== 0) JS_KERNELS.axpy(out, i * n, f, scaled, 0, n);
    }
  }
  return out;
}

/** A pivoted Cholesky factor: `A[perm[i]][perm[j]] ~= sum_k L[i][k] L[j][k]`, k < rank. */
export interface PivotedCholesky {
  /** `n` x `n` row-major; row `i` is the factor row of `perm[i]`; columns from `rank` are 0. */
  l: Float64Array;
  /** The pivot order. */
  perm: Int32Array;
  /** Numerical rank: pivots stopped when the largest remaining diagonal fell to `tol`. */
  rank: number;
}

/** Options of {@link choleskyPivoted}. */
export interface CholeskyOptions {
  /** Stop when no remaining diagonal exceeds this (default `n * eps * max(diag)`). */
  tol?: number;
}

/**
 * Cholesky factorisation with diagonal pivoting of a symmetric positive semi-definite matrix
 * (only the lower triangle is read), stopping at the numerical rank: the largest remaining
 * Schur-complement diagonal at most `tol` (default `n * eps * max(diag)`, LAPACK `dpstrf`'s
 * default). Left-looking: each column is a set of dot products of contiguous factor rows.
 *
 * ```ts
 * const { rank } = choleskyPivoted(Float64Array.of(1, 1, 1, 1), 2); // rank 1
 * ```
 */
export function choleskyPivoted(
  a: Float64Array,
  n: number,
  options: CholeskyOptions = {},
): PivotedCholesky {
  checkSquare("choleskyPivoted", a, n);
  return cholesky(workspace(n * n + 2 * n), a, n, options.tol);
}

function cholesky(ws: Workspace, a: Float64Array, n: number, tolerance?: number): PivotedCholesky {
  const l = ws.f64(n * n), dots = ws.f64(n);
  const perm = Int32Array.from({ length: n }, (_, i) => i);
  const diag = Float64Array.from({ length: n }, (_, i) => a[i * n + i]);
  let maxDiag = 0;
  for (let i = 0; i < n; i++) maxDiag = Math.max(maxDiag, diag[i]);
  const tol = tolerance ?? n * EPS * maxDiag;
  let rank = n;
  for (let c = 0; c < n; c++) {
    let p = c;
    for (let i = c + 1; i < n; i++) if (diag[perm[i]] > diag[perm[p]]) p = i;
    const pivot = diag[perm[p]];
    if (!(pivot > tol)) {
      rank = c;
      break;
    }
    if (p !== c) {
      const t = perm[p];
      perm[p] = perm[c];
      perm[c] = t;
      for (let j = 0; j < c; j++) {
        const u = l[p * n + j];
        l[p * n + j] = l[c * n + j];
        l[c * n + j] = u;
      }
    }
    const root = Math.sqrt(pivot);
    l[c * n + c] = root;
    const pc = perm[c];
    ws.kernels.dots(l, (c + 1) * n, n, n - c - 1, l, c * n, c, dots, 0);
    for (let i = c + 1; i < n; i++) {
      const pi = perm[i];
      // Read the lower triangle of `a` only.
      const aic = pi > pc ? a[pi * n + pc] : a[pc * n + pi];
      const v = (aic - dots[i - c - 1]) / root;
      l[i * n + c] = v;
      diag[pi] -= v * v;
    }
  }
  return { l, perm, rank };
}

/** The result of {@link traceSqrtProduct}. */
export interface TraceSqrt {
  /** `Tr((S1 S2)^(1/2))` = the sum of the square roots of the eigenvalues of `S1 S2`. */
  value: number;
  /** Numerical rank of `S1` (the size of the eigenproblem that was solved). */
  rank: number;
  /** Eigenvalues of `S1 S2` below zero (rounding), taken as zero. */
  negative: number;
}

/**
 * `Tr((S1 S2)^(1/2))` for symmetric positive semi-definite `S1`, `S2` (`n` x `n`; only their
 * lower triangles are read), computed through a symmetric eigenproblem rather than a square
 * root of the non-symmetric product.
 *
 * With `S1 = P L L^T P^T` (pivoted Cholesky, `L` of rank `r`), `W = L^T P^T S2 P L` (`r` x
 * `r`) has the nonzero eigenvalues of `S1 S2`, and is orthogonally similar to the symmetric
 * form `S1^(1/2) S2 S1^(1/2)` used by stable FID code: `L = S1^(1/2) U` with `U` orthogonal.
 * It costs one Cholesky instead of a full eigendecomposition of `S1`, and a rank-deficient
 * `S1` (fewer samples than dimensions) simply gives a smaller `W`. The trace is then the sum of
 * the square roots of `W`'s eigenvalues.
 *
 * ```ts
 * traceSqrtProduct(Float64Array.of(1, 0, 0, 4), Float64Array.of(4, 0, 0, 1), 2).value; // 4
 * ```
 */
export function traceSqrtProduct(s1: Float64Array, s2: Float64Array, n: number): TraceSqrt {
  checkSquare("traceSqrtProduct", s1, n);
  checkSquare("traceSqrtProduct", s2, n);
  const ws = workspace(4 * n * n + 12 * n);
  const k = ws.kernels;
  const { l, perm, rank: r } = cholesky(ws, s1, n);
  if (r === 0) return { value: 0, rank: 0, negative: 0 };
  // lt = L^T (r x n): row j is column j of L, zero left of j.
  const lt = ws.f64(r * n);
  for (let i = 0; i < n; i++) {
    const li = i * n;
    for (let j = 0; j < r && j <= i; j++) lt[j * n + i] = l[li + j];
  }
  // bp = P^T S2 P, both triangles (reusing l's memory).
  const bp = l;
  for (let i = 0; i < n; i++) {
    const pi = perm[i];
    for (let j = 0; j <= i; j++) {
      const pj = perm[j];
      const v = pi > pj ? s2[pi * n + pj] : s2[pj * n + pi];
      bp[i * n + j] = v;
      bp[j * n + i] = v;
    }
  }
  // tt = (bp L)^T (r x n): tt[j][i] = sum_q lt[j][q] bp[i][q], in blocks of rows j that
  // start their sums at the block's first j (lt[j][q] is 0 for q < j, so this is exact).
  const tt = ws.f64(r * n);
  for (let j = 0; j < r; j += BLOCK) {
    k.gemmNT(lt, j * n + j, n, Math.min(BLOCK, r - j), bp, j, n, n, n - j, tt, j * n, n);
  }
  // w = L^T tt^T (r x r, symmetric), lower triangle: w[i][j] = sum_{q >= i} lt[i][q] tt[j][q]
  // for j <= i (the sum starts at the larger index, which halves the work), in blocks of
  // rows i; then packed by rows in place (each packed row starts at or before its square row).
  const w = ws.f64(r * r);
  for (let i = 0; i < r; i += BLOCK) {
    const rows = Math.min(BLOCK, r - i);
    k.gemmNT(lt, i * n + i, n, rows, tt, i, n, i + rows, n - i, w, i * r, r);
  }
  for (let i = 1; i < r; i++) w.copyWithin(packedRow(i), i * r, i * r + i + 1);
  const { d, e } = tridiagonalize(ws, w, r, false);
  tridiagonalQr(d, e);
  let value = 0, negative = 0;
  for (let i = 0; i < r; i++) {
    if (d[i] > 0) value += Math.sqrt(d[i]);
    else if (d[i] < 0) negative++;
  }
  return { value, rank: r, negative };
}
