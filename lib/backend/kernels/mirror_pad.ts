/**
 * An exact gradient for `tf.mirrorPad` (`MirrorPad` kernel), replacing tfjs's wrong one.
 *
 * tfjs 4.22's built-in MirrorPad gradient only slices the centre out of dy, dropping what the
 * reflected border pixels contributed (off by up to 3.96 on a test in backend-prototype.md
 * section 3). CycleGAN's ResNet generator reflection-pads before every 3x3 and 7x7 conv, so the
 * error reaches every layer. Here each reflected border slab of dy is reversed and added back
 * onto the input pixels it was copied from, one axis at a time.
 * @module
 */
import { tf } from "../../tf.ts";
import { gradientDepth } from "../tape.ts";
import { MIRROR_PAD_GRAD_KERNEL } from "./names.ts";
import { builtin, type GradientSlot, install, isInstalled, uninstall } from "./_registry.ts";

/** Options of {@link mirrorPadGrad}: the forward's attributes. */
export interface MirrorPadGradOptions {
  /** `[before, after]` per axis, as given to `tf.mirrorPad`. */
  paddings: ReadonlyArray<readonly [number, number]>;
  /** `reflect` (edge not repeated) or `symmetric` (edge repeated). */
  mode: "reflect" | "symmetric";
}

/**
 * The gradient of `tf.mirrorPad(x, paddings, mode)` with respect to x, given dy of the padded
 * shape (rank 1 to 4). Per axis of input length n with pads (b, a): reflect maps padded
 * position b - j to x[j] (j = 1..b) and b + n - 1 + j to x[n - 1 - j]; symmetric maps
 * b - j to x[j - 1] and b + n - 1 + j to x[n - j]. Built from slice, concat, pad and add only
 * (borders are reversed by concatenating one-wide slices, not `tf.reverse`, which is slow on
 * wasm), so it is itself differentiable.
 *
 * @example
 * ```ts
 * const y = tf.mirrorPad(x, [[0, 0], [3, 3], [3, 3], [0, 0]], "reflect");
 * const dx = mirrorPadGrad(tf.onesLike(y), { paddings: [[0, 0], [3, 3], [3, 3], [0, 0]],
 *   mode: "reflect" });
 * ```
 */
export function mirrorPadGrad(dy: tf.Tensor, options: MirrorPadGradOptions): tf.Tensor {
  const { paddings, mode } = options;
  if (paddings.length !== dy.rank || dy.rank < 1 || dy.rank > 4) {
    throw new Error(
      `Cannot take the mirror-pad gradient of a rank-${dy.rank} dy with ${paddings.length} ` +
        "paddings: expected one [before, after] pair per axis and rank 1 to 4",
    );
  }
  if (mode !== "reflect" && mode !== "symmetric") {
    throw new Error(`Unknown mirror-pad mode '${mode}': expected 'reflect' or 'symmetric'`);
  }
  return tf.tidy(() => {
    let g = dy;
    for (let axis = 0; axis < dy.rank; axis++) {
      const [before, after] = paddings[axis];
      if (before > 0 || after > 0) g = foldAxis(g, axis, before, after, mode);
    }
    return g === dy ? tf.clone(dy) : g;
  });
}

/** Folds one axis's borders back onto its interior. */
function foldAxis(
  g: tf.Tensor,
  axis: number,
  before: number,
  after: number,
  mode: "reflect" | "symmetric",
): tf.Tensor {
  const n = g.shape[axis] - before - after;
  const edge = mode === "reflect" ? 1 : 0;
  if (before + edge > n || after + edge > n) {
    throw new Error(
      `Cannot fold mirror-pad borders ${before}/${after} onto an axis of length ${n} in ` +
        `'${mode}' mode: tfjs allows at most ${n - edge}`,
    );
  }
  const part = (start: number, size: number) => {
    const begin = g.shape.map((_, i) => (i === axis ? start : 0));
    const sizes = g.shape.map((d, i) => (i === axis ? size : d));
    return tf.slice(g, begin, sizes);
  };
  const widthPad = (lo: number, hi: number) =>
    g.shape.map((_, i) => (i === axis ? [lo, hi] : [0, 0]) as [number, number]);
  let out = part(before, n);
  if (before > 0) {
    // Padded position before-1-m (m = 0..before-1) came from x[edge + m].
    const slab = reversed(part, 0, before, axis);
    out = tf.add(out, tf.pad(slab, widthPad(edge, n - edge - before)));
  }
  if (after > 0) {
    // Padded position before+n+m came from x[n-1-edge-m]: reversed, the slab starts at
    // x[n - edge - after].
    const slab = reversed(part, before + n, after, axis);
    out = tf.add(out, tf.pad(slab, widthPad(n - edge - after, edge)));
  }
  return out;
}

/** Slab [start, start+size) of the axis in reverse order, by concat of one-wide slices. */
function reversed(
  part: (start: number, size: number) => tf.Tensor,
  start: number,
  size: number,
  axis: number,
): tf.Tensor {
  if (size === 1) return part(start, 1);
  const rows: tf.Tensor[] = [];
  for (let i = start + size - 1; i >= start; i--) rows.push(part(i, 1));
  return tf.concat(rows, axis);
}

function mirrorPadGradFunc(
  dy: tf.Tensor | tf.Tensor[],
  _saved: tf.Tensor[],
  attrs: tf.NamedAttrMap,
): ReturnType<tf.GradFunc> {
  const { paddings, mode } = attrs as unknown as tf.MirrorPadAttrs;
  const g = dy as tf.Tensor;
  // A backend's one-pass kernel (native), for the NHWC spatial padding the networks use.
  if (
    g.rank === 4 && paddings[0][0] === 0 && paddings[0][1] === 0 && paddings[3][0] === 0 &&
    paddings[3][1] === 0 && tf.getKernel(MIRROR_PAD_GRAD_KERNEL, tf.getBackend()) &&
    gradientDepth() === 0
  ) {
    // (Under an outer tape, double backprop needs the differentiable op version below.)
    return {
      x: () =>
        tf.engine().runKernel(MIRROR_PAD_GRAD_KERNEL, { dy: g }, {
          paddings,
          mode,
        } as unknown as tf.NamedAttrMap) as tf.Tensor,
    };
  }
  return { x: () => mirrorPadGrad(g, { paddings, mode }) };
}

const MIRROR_PAD_SLOT: GradientSlot = {
  kernelName: "MirrorPad",
  ours: { kernelName: "MirrorPad", inputsToSave: [], gradFunc: mirrorPadGradFunc },
  previous: undefined,
};

/**
 * Registers {@link mirrorPadGrad} as `tf.mirrorPad`'s gradient on every backend (it is exact
 * and made of ordinary ops). Idempotent; the built-in one is kept
 * ({@link builtinMirrorPadGradient}) and {@link uninstallMirrorPadGradient} restores it.
 *
 * @example
 * ```ts
 * installMirrorPadGradient();
 * const dx = tf.grad((x: tf.Tensor) => tf.sum(tf.mirrorPad(x, [[2, 2]], "reflect")))(x);
 * ```
 */
export function installMirrorPadGradient(): void {
  install(MIRROR_PAD_SLOT);
}

/**
 * Restores the `MirrorPad` gradient that {@link installMirrorPadGradient} replaced.
 *
 * @example
 * ```ts
 * uninstallMirrorPadGradient(); // back to tfjs's (wrong) centre slice
 * ```
 */
export function uninstallMirrorPadGradient(): void {
  uninstall(MIRROR_PAD_SLOT);
}

/**
 * Whether our `MirrorPad` gradient is the registered one.
 *
 * @example
 * ```ts
 * mirrorPadGradientInstalled(); // false until installMirrorPadGradient()
 * ```
 */
export function mirrorPadGradientInstalled(): boolean {
  return isInstalled(MIRROR_PAD_SLOT);
}

/**
 * tfjs's built-in `MirrorPad` gradient config (replaced by ours, or the registered one when ours
 * is not installed). Kept so tests can show it is wrong.
 *
 * @example
 * ```ts
 * const wrong = builtinMirrorPadGradient()!.gradFunc(dy, [x], { paddings, mode: "reflect" });
 * ```
 */
export function builtinMirrorPadGradient(): tf.GradConfig | undefined {
  return builtin(MIRROR_PAD_SLOT);
}
